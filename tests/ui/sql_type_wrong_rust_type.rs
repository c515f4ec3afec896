use schema_core::prelude::*;

#[table(name = "hosts")]
pub struct Host {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(sql_type = "inet")]
    pub address: String,
    #[column(sql_type = "bytea")]
    pub key: Option<String>,
    #[column(sql_type = "interval")]
    pub every: i64,
    // Taken as written: a type with no Rust type known here is not checked.
    #[column(sql_type = "point")]
    pub spot: String,
}

fn main() {}
