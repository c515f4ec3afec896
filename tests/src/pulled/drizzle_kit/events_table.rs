//! Table `events`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "events", index(name = "events_kind_happened_idx", on(kind ops = "text_pattern_ops", happened_on desc)), index(name = "events_payload_idx", on(payload ops = "jsonb_path_ops"), method = gin, with = "fastupdate=off"))]
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    #[column(primary_key, identity = always)]
    pub id: i64,
    pub kind: String,
    #[column(default = sql("'{}'::jsonb"))]
    pub payload: schema_core::serde_json::Value,
    #[column(default = now)]
    pub happened_on: NaiveDate,
}
