use schema_core::prelude::*;

#[table(name = "notes", indx(on(body)))]
pub struct Note {
    #[column(primary_key, uniqe)]
    pub id: Uuid,
    #[column(default_value = "x")]
    pub body: String,
}

fn main() {}
