//! The database's enum types, pulled by `gen-migrations pull`.

use schema_core::prelude::*;

#[pg_enum(name = "user_role", rename_all = "verbatim")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRole {
    #[label = "user"]
    User,
    #[label = "admin"]
    Admin,
}
