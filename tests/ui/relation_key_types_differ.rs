use schema_core::prelude::*;

#[table(name = "users", has_many(posts, by = posts::author_id))]
pub struct User {
    #[column(primary_key)]
    pub id: Uuid,
}

#[table(name = "posts")]
pub struct Post {
    #[column(primary_key)]
    pub id: Uuid,
    /// Not a foreign key, and not of the type of `users.id`.
    pub author_id: i64,
}

fn main() {}
