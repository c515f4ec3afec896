//! Table `ai_usage_log`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "ai_usage_log", primary_key(id, created_at), index(name = "idx_ai_usage_created", on(created_at)), index(name = "idx_ai_usage_user_id", on(user_id)), partition_by = range(created_at), partitions = monthly(from = "2026-01", to = "2027-07"), partition(name = "ai_usage_log_default", default))]
#[derive(Debug, Clone, PartialEq)]
pub struct AiUsageLog {
    #[column(default = random)]
    pub id: Uuid,
    #[column(references(users::id, on_delete = cascade), relation = user)]
    pub user_id: Uuid,
    #[column(varchar(100))]
    pub model: String,
    #[column(varchar(50))]
    pub tokens_used: String,
    #[column(varchar(50))]
    pub estimated_cost: Option<String>,
    #[column(varchar(255))]
    pub endpoint: Option<String>,
    #[column(default = now)]
    pub created_at: Timestamp,
}
