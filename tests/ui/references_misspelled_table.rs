use schema_core::prelude::*;

#[table(name = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: Uuid,
}

#[table(name = "projects")]
pub struct Project {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(references = usres::id)]
    pub owner_id: Uuid,
}

fn main() {}
