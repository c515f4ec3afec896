use schema_core::prelude::*;

#[table(name = "notes", soft_delete = deleted)]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    pub deleted: Option<bool>,
}

fn main() {}
