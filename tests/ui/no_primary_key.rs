use schema_core::prelude::*;

#[table(name = "notes")]
pub struct Note {
    pub id: Uuid,
    pub body: String,
}

fn main() {}
