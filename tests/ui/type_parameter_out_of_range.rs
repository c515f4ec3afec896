use schema_core::prelude::*;

#[table(name = "limits")]
pub struct Limits {
    #[column(primary_key)]
    pub id: i64,
    #[column(varchar(0))]
    pub empty: String,
    #[column(varchar(20000000))]
    pub huge: String,
    #[column(char(-1))]
    pub negative: String,
    #[column(numeric(1001))]
    pub precise: String,
    #[column(numeric(10, 11))]
    pub scaled: String,
    #[column(vector(0))]
    pub flat: Option<schema_core::pgvector::Vector>,
}

fn main() {}
