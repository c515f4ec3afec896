use schema_core::prelude::*;

#[table(
    name = "notes",
    row_level_security,
    policy(name = "writes", command = insert, using = "author = current_user"),
    policy(name = "reads", command = selct, using = "true"),
    policy(name = "empty"),
    policy(using = "true"),
    grant(selec, to = "app_reader"),
    grant(select)
)]
pub struct Note {
    #[column(primary_key)]
    pub id: i64,
    pub author: String,
}

fn main() {}
