//! Table `tickets`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "tickets")]
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    #[column(primary_key)]
    pub code: String,
    pub title: String,
    pub labels: Option<Vec<String>>,
}
