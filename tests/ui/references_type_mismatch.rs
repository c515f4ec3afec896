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
    #[column(references = users::id, on_delete = cascade)]
    pub owner_id: i64,
}

fn main() {}
