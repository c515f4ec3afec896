use schema_core::prelude::*;

#[view(name = "adults", sql = "SELECT id FROM accounts WHERE age >= 18", index(on(id)))]
pub struct Adult {
    #[column(primary_key)]
    pub id: i64,
}

#[view(name = "empty")]
pub struct Empty {
    pub id: i64,
}

fn main() {}
