use schema_core::prelude::*;

#[table(
    name = "notes",
    trigger(name = "wipe", before, truncate, function = "refuse"),
    trigger(name = "narrow", after, insert, of(body), function = "log_row"),
    trigger(name = "called", before, update, function = "log_row()"),
    trigger(after, delete, function = "log_row"),
    trigger(name = "no_event", before, function = "log_row")
)]
pub struct Note {
    #[column(primary_key)]
    pub id: i64,
    pub body: String,
    #[column(default = now, on_update = now, trigger = sometimes)]
    pub updated_at: TimestampTz,
}

fn main() {}
