//! Every mistake of one struct is reported in one build.
use schema_core::prelude::*;

#[table(name = "notes", index(on(missing)))]
pub struct Note {
    #[column(primary_kye)]
    pub id: Uuid,
    #[column(name = "body")]
    pub text: String,
    pub body: String,
    #[column(on_delete = cascade)]
    pub author: Uuid,
}

fn main() {}
