//! Table `regions`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "regions", primary_key(code, id), partition_by = list(code), partition(name = "regions_americas", values("us", "ca")), partition(name = "regions_europe", values("eu", "uk", "ch")), partition(name = "regions_other", default))]
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: String,
    #[column(identity)]
    pub id: i64,
    pub name: String,
}
