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
    /// `on_delete` beside `references`, not inside it: the same rule.
    #[column(references = owners::id, on_delete = set_null)]
    pub owner_id: i64,
}

fn main() {}
