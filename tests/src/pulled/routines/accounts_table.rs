//! Table `accounts`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "accounts", has_many(ai_usage_log, by = ai_usage_log::account_id), trigger(name = "accounts_audit_insert", after, insert, delete, function = "audit_row", args("written")), trigger(name = "accounts_audit_update", after, update, when = "(old.* IS DISTINCT FROM new.*)", function = "audit_row", args("changed")), trigger(name = "accounts_no_truncate", before, truncate, for_each = statement, function = "refuse_truncate"), trigger(name = "accounts_normalize_email", before, insert, update, of(email), function = "normalize_account_email"))]
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    #[column(primary_key, identity)]
    pub id: i64,
    pub email: String,
    pub name: String,
    #[column(on_update = now, trigger = always, default = now)]
    pub updated_at: TimestampTz,
    #[column(on_update = now, trigger, default = now)]
    pub seen_at: TimestampTz,
}
