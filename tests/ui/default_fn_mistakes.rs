use schema_core::prelude::*;

fn new_slug() -> i64 {
    7
}

fn new_id() -> String {
    "id".to_string()
}

#[table(name = "posts")]
pub struct Post {
    #[column(primary_key, identity, default_fn = new_id)]
    pub id: i64,
    #[column(default_fn = new_slug)]
    pub slug: String,
    #[column(default = "x", default_fn = new_id)]
    pub title: String,
}

fn main() {}
