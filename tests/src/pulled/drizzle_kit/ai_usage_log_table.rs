//! Table `ai_usage_log`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "ai_usage_log", index(name = "ai_usage_log_created_idx", on(created_at desc nulls_last)))]
#[derive(Debug, Clone, PartialEq)]
pub struct AiUsageLog {
    #[column(primary_key, default = nextval("ai_usage_log_id_seq"))]
    pub id: i32,
    #[column(name = "userId", references(users::id, on_delete = cascade, name = "ai_usage_log_userId_users_id_fk"), relation = user)]
    pub user_id: Uuid,
    #[column(name = "projectId", references(projects::id, on_delete = set_null, name = "ai_usage_log_projectId_projects_id_fk"), relation = project)]
    pub project_id: Option<Uuid>,
    #[column(name = "modelName", varchar(100))]
    pub model_name: String,
    #[column(name = "tokensUsed", default = 0)]
    pub tokens_used: i32,
    pub metadata: Option<schema_core::serde_json::Value>,
    #[column(name = "createdAt", default = now)]
    pub created_at: TimestampTz,
}
