use schema_core::prelude::*;

#[table(name = "projects", index(on(onwer_id)), unique(on(id, nmae)))]
pub struct Project {
    #[column(primary_key)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
}

fn main() {}
