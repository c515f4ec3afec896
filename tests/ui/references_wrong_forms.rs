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
    // Drizzle's `users.id`.
    #[column(references = users.id)]
    pub owner_id: Uuid,
}

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    // The struct instead of its module.
    #[column(references = User::id)]
    pub author_id: Uuid,
}

fn main() {}
