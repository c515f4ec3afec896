use schema_core::prelude::*;

#[table(name = "owners")]
pub struct Owner {
    #[column(primary_key)]
    pub id: i64,
}

#[table(name = "pets")]
pub struct Pet {
    #[column(primary_key)]
    pub id: i64,
    /// NOT NULL: the delete of its owner could not set it to NULL.
    #[column(references(owners::id, on_delete = set_null))]
    pub owner_id: i64,
    /// No default to set it to.
    #[column(references(owners::id, on_update = set_default))]
    pub vet_id: Option<i64>,
}

fn main() {}
