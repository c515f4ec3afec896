use schema_core::prelude::*;

#[table(name = "notes", name = "memos")]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(default = "a", default = "b")]
    pub body: String,
}

fn main() {}
