use schema_core::prelude::*;

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key, default = nextval("a.b.c"))]
    pub id: i64,
}

fn main() {}
