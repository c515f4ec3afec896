use schema_core::prelude::*;

#[pg_enum(name = "status", rename_all = "camelCase", colour = "red")]
pub enum Status {
    Active,
    #[label = "active"]
    Enabled,
    Archived(u32),
}

fn main() {}
