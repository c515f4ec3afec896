use schema_core::prelude::*;

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key, default = random)]
    pub id: Option<Uuid>,
    pub body: String,
}

fn main() {}
