use schema_core::prelude::*;

/// The key leaves out the partition key; a bound of the wrong kind; a two-value range on a
/// one-field key.
#[table(
    name = "events",
    partition_by = range(created_at),
    partition(name = "events_eu", values("eu")),
    partition(name = "events_2026", from = ("2026-01-01", 1), to = "2027-01-01")
)]
pub struct Event {
    #[column(primary_key)]
    pub id: i64,
    pub created_at: TimestampTz,
}

/// Partitions without `partition_by`; `monthly` on a list key.
#[table(name = "logs", partition(name = "logs_rest", default))]
pub struct Log {
    #[column(primary_key)]
    pub id: i64,
}

#[table(
    name = "visits",
    primary_key(id, region),
    partition_by = list(region),
    partitions = monthly(from = "2026-13", to = "2026-01")
)]
pub struct Visit {
    pub id: i64,
    pub region: String,
}

fn main() {}
