//! View `long_names`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[view(
    sql = "SELECT people.id,\n    people.first,\n    people.last,\n    people.full_name,\n    people.last_length\n   FROM people\n  WHERE ((people.last_length > 8) AND (people.first <> 'O''Brien'::text));",
    name = "long_names"
)]
#[derive(Debug, Clone, PartialEq)]
pub struct LongName {
    pub id: Option<i64>,
    pub first: Option<String>,
    pub last: Option<String>,
    pub full_name: Option<String>,
    pub last_length: Option<i32>,
}
