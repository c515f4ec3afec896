//! Table `audit_log`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "audit_log")]
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLog {
    #[column(primary_key, identity)]
    pub id: i64,
    pub table_name: String,
    pub operation: String,
    pub row_id: i64,
    pub detail: Option<String>,
    #[column(default = now)]
    pub at: TimestampTz,
}
