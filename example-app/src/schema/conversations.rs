//! Conversation contexts, forkable, and their messages with embeddings (phase 3, plan 01).

use schema_core::pgvector::Vector;
use schema_core::prelude::*;

/// A conversation. A fork points at its parent and the version it was forked at; deleting a
/// context sets `deleted_at` (soft delete).
#[table(
    name = "contexts",
    soft_delete = deleted_at,
    has_many(forks, by = contexts::parent_id),
    has_many(messages, by = messages::context_id)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    pub name: Option<String>,
    #[column(default = now)]
    pub created_at: TimestampTz,
    #[column(default = now, on_update = now)]
    pub updated_at: TimestampTz,
    #[column(default = 0)]
    pub message_count: i32,
    #[column(default = 0)]
    pub total_tokens: i32,
    #[column(default = 0)]
    pub latest_version: i64,
    /// The context this one was forked from; a fork outlives its deleted parent.
    #[column(references = contexts::id, on_delete = set_null, relation = parent)]
    pub parent_id: Option<Uuid>,
    pub fork_version: Option<i64>,
    pub deleted_at: Option<TimestampTz>,
}

#[table(
    name = "messages",
    soft_delete = deleted_at,
    index(name = "messages_context_version_idx", on(context_id, version)),
    index(name = "messages_deleted_at_idx", on(deleted_at)),
    unique(name = "messages_context_version_unique", on(context_id, version))
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(references = contexts::id, on_delete = cascade, relation = context)]
    pub context_id: Uuid,
    /// The message's place in its context.
    pub version: i64,
    #[column(default = now)]
    pub created_at: TimestampTz,
    /// `user`, `assistant`, `system` or `tool`.
    pub role: String,
    pub content: String,
    pub tool_call_id: Option<String>,
    pub tool_name: Option<String>,
    pub token_count: Option<i32>,
    pub model: Option<String>,
    pub deleted_at: Option<TimestampTz>,
    /// An OpenAI-size embedding for semantic search (pgvector).
    #[column(vector(1536))]
    pub embedding: Option<Vector>,
}
