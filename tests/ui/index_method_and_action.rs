use schema_core::prelude::*;

#[table(name = "users")]
pub struct User {
    #[column(primary_key)]
    pub id: Uuid,
}

#[table(name = "docs", index(on(owner), method = bree))]
pub struct Doc {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(references = users::id, on_delete = delete)]
    pub owner: Uuid,
}

fn main() {}
