use schema_core::prelude::*;

#[table(name = "users", has_many(posts, by = psots::author_id))]
pub struct User {
    #[column(primary_key)]
    pub id: Uuid,
}

#[table(name = "posts")]
pub struct Post {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(references = users::id)]
    pub author_id: Uuid,
}

fn main() {}
