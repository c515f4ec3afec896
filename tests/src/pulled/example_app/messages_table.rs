//! Table `messages`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(
    name = "messages",
    unique(on(context_id, version), name = "messages_context_version_unique"),
    index(name = "messages_context_version_idx", on(context_id, version)),
    index(name = "messages_deleted_at_idx", on(deleted_at))
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(references(contexts::id, on_delete = cascade), relation = context)]
    pub context_id: Uuid,
    pub version: i64,
    #[column(default = now)]
    pub created_at: TimestampTz,
    pub role: String,
    pub content: String,
    pub tool_call_id: Option<String>,
    pub tool_name: Option<String>,
    pub token_count: Option<i32>,
    pub model: Option<String>,
    pub deleted_at: Option<TimestampTz>,
    #[column(vector(1536))]
    pub embedding: Option<schema_core::pgvector::Vector>,
}
