//! Table `documents`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "documents", force_row_level_security, policy(name = "no_empty_bodies", with_check = "(body <> ''::text)", restrictive), policy(name = "own_rows", using = "(owner = CURRENT_USER)", with_check = "(owner = CURRENT_USER)"), policy(name = "published_rows", command = select, using = "published"))]
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(default = sql("CURRENT_USER"))]
    pub owner: String,
    pub body: String,
    #[column(default = false)]
    pub published: bool,
}
