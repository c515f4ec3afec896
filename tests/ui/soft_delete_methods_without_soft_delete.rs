use schema_core::prelude::*;

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    pub body: String,
}

fn main() {
    let _ = Note::select().only_deleted();
    let _ = Note::restore();
}
