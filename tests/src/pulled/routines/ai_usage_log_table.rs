//! Table `ai_usage_log`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "ai_usage_log", primary_key(id, created_at), index(name = "ai_usage_log_account_id_created_at_idx", on(account_id, created_at)), partition_by = range(created_at), partitions = monthly(from = "2026-01", to = "2026-04"), partition(name = "ai_usage_log_rest", default))]
#[derive(Debug, Clone, PartialEq)]
pub struct AiUsageLog {
    #[column(default = random)]
    pub id: Uuid,
    #[column(references(accounts::id, on_delete = cascade), relation = account)]
    pub account_id: i64,
    #[column(varchar(100))]
    pub model: String,
    pub tokens_used: i32,
    #[column(default = now)]
    pub created_at: TimestampTz,
}
