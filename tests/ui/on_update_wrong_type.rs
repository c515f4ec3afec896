use schema_core::prelude::*;

pub fn next_label() -> String {
    "x".into()
}

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(on_update = now)]
    pub version: i32,
    #[column(on_update = next_label)]
    pub edited: Timestamp,
}

fn main() {}
