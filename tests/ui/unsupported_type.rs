use schema_core::prelude::*;

pub struct Money(i64);

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    pub price: Money,
}

fn main() {}
