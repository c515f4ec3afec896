//! Table `people`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "people", index(name = "people_full_name_idx", on(full_name)))]
#[derive(Debug, Clone, PartialEq)]
pub struct People {
    #[column(primary_key, identity = always)]
    pub id: i64,
    pub first: String,
    pub last: String,
    #[column(generated = "((first || ' '::text) || last)")]
    pub full_name: String,
    #[column(generated = "(length(last) * 2)")]
    pub last_length: Option<i32>,
}
