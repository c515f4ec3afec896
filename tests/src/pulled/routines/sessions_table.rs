//! Table `sessions`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "sessions", partition_by = hash(id), partition(name = "sessions_0", modulus = 2, remainder = 0), partition(name = "sessions_1", modulus = 2, remainder = 1))]
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    #[column(primary_key)]
    pub id: Uuid,
    pub account_id: i64,
}
