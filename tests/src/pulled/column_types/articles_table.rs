//! Table `articles`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "articles", index(name = "articles_search_idx", on(search), method = gin))]
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    #[column(primary_key, identity)]
    pub id: i64,
    pub title: String,
    pub body: String,
    #[column(generated = "to_tsvector('english'::regconfig, ((title || ' '::text) || body))")]
    pub search: schema_core::types::TsVector,
    pub keywords: Option<schema_core::types::TsVector>,
}
