use schema_core::prelude::*;

#[table(name = "events")]
pub struct Event {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(default = "now()")]
    pub happened_at: TimestampTz,
    // A text column stores the text as written: fine.
    #[column(default = "now()")]
    pub label: String,
}

fn main() {}
