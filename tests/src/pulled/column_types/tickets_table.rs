//! Table `tickets`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

/// Support tickets.
///
/// One per request; `it's` quoted as it should be.
#[table(
    name = "tickets",
    grant(select, insert, update, to = "pg_write_all_data"),
    grant(select, to = "public"),
    comments
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// The ticket's code, made by the client when none is given.
    #[column(primary_key)]
    pub code: String,
    pub title: String,
    /// Nullable: the function returns the value without its `Option`.
    pub labels: Option<Vec<String>>,
}
