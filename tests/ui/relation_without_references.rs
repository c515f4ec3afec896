use schema_core::prelude::*;

#[table(name = "posts")]
pub struct Post {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(relation = author)]
    pub author_id: Uuid,
    #[column(references = posts::id, relation = id)]
    pub reply_to: Option<Uuid>,
}

fn main() {}
