//! Table `contexts`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "contexts", has_many(contexts, by = contexts::parent_id), has_many(messages, by = messages::context_id))]
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    pub name: Option<String>,
    #[column(default = now)]
    pub created_at: TimestampTz,
    #[column(default = now)]
    pub updated_at: TimestampTz,
    #[column(default = 0)]
    pub message_count: i32,
    #[column(default = 0)]
    pub total_tokens: i32,
    #[column(default = 0)]
    pub latest_version: i64,
    #[column(references(contexts::id, on_delete = set_null), relation = parent)]
    pub parent_id: Option<Uuid>,
    pub fork_version: Option<i64>,
    pub deleted_at: Option<TimestampTz>,
}
