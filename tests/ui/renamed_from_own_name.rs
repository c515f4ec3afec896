use schema_core::prelude::*;

#[table(name = "accounts", renamed_from = "accounts")]
pub struct Account {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(renamed_from = "email")]
    pub email: String,
}

fn main() {}
