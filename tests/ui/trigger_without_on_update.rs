use schema_core::prelude::*;

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(default = now, trigger)]
    pub touched_at: Timestamp,
}

fn main() {}
