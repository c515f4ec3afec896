use schema_core::prelude::*;

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(varchar(255))]
    pub views: i32,
}

fn main() {}
