use schema_core::prelude::*;

// `reviewer_id` has the type of `users.id`, but it is the author that references users.
#[table(name = "users", has_many(posts, by = posts::reviewer_id))]
pub struct User {
    #[column(primary_key)]
    pub id: i64,
}

#[table(name = "posts")]
pub struct Post {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = users::id, relation = author)]
    pub author_id: i64,
    pub reviewer_id: i64,
}

fn main() {}
