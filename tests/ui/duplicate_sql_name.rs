use schema_core::prelude::*;

#[table(name = "projects")]
pub struct Project {
    #[column(primary_key)]
    pub id: Uuid,
    pub title: String,
    #[column(name = "title")]
    pub heading: String,
}

fn main() {}
