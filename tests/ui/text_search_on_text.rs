use schema_core::prelude::*;
use schema_core::query::fts::plainto_tsquery;

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: i64,
    pub body: String,
}

fn main() {
    let _ = Note::select().filter(notes::body.matches(plainto_tsquery("english", "cats")));
}
