//! Functions and triggers written by hand, and partitioned tables: what a real schema has beside
//! its tables. An SQL function and the PL/pgSQL triggers that call it, an audit trigger with
//! arguments and a `WHEN` condition, a statement trigger, an on-update column refreshed by a
//! trigger that always overwrites; `ai_usage_log` partitioned by month (range), `regions` by
//! list and `sessions` by hash.

use schema_core::prelude::*;
use schema_core::schema::FunctionDef;

/// An SQL helper that the trigger below and queries call.
pub const NORMALIZE_EMAIL: FunctionDef = FunctionDef::new("normalize_email")
    .arguments("email text")
    .returns("text")
    .language("sql")
    .immutable()
    .strict()
    .body("SELECT lower(trim(email))");

/// `BEFORE INSERT OR UPDATE OF email`: the stored address is the normalized one.
pub const NORMALIZE_ACCOUNT_EMAIL: FunctionDef = FunctionDef::trigger(
    "normalize_account_email",
    "
BEGIN
    NEW.email := normalize_email(NEW.email);
    RETURN NEW;
END
",
);

/// Writes one `audit_log` row per changed row; its argument says which trigger called it.
pub const AUDIT_ROW: FunctionDef = FunctionDef::trigger(
    "audit_row",
    "
BEGIN
    INSERT INTO audit_log (table_name, operation, row_id, detail)
    VALUES (TG_TABLE_NAME, TG_OP, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, TG_ARGV[0]);
    RETURN NULL;
END
",
)
.security_definer();

/// Refuses `TRUNCATE` (a statement trigger: there are no rows).
pub const REFUSE_TRUNCATE: FunctionDef = FunctionDef::trigger(
    "refuse_truncate",
    "
BEGIN
    RAISE EXCEPTION 'accounts are never truncated';
END
",
);

#[table(
    name = "accounts",
    trigger(name = "accounts_normalize_email", before, insert, update, of(email), function = "normalize_account_email"),
    trigger(name = "accounts_audit_insert", after, insert, delete, function = "audit_row", args("written")),
    trigger(
        name = "accounts_audit_update",
        after,
        update,
        when = "OLD.* IS DISTINCT FROM NEW.*",
        function = "audit_row",
        args("changed")
    ),
    trigger(name = "accounts_no_truncate", before, truncate, for_each = statement, function = "refuse_truncate")
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    #[column(primary_key, identity)]
    pub id: i64,
    pub email: String,
    pub name: String,
    /// Set to `now()` by every update, whatever the update set.
    #[column(default = now, on_update = now, trigger = always)]
    pub updated_at: TimestampTz,
    /// Set to `now()` by an update that does not set it.
    #[column(default = now, on_update = now, trigger)]
    pub seen_at: TimestampTz,
}

#[table(name = "audit_log")]
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    #[column(primary_key, identity)]
    pub id: i64,
    pub table_name: String,
    pub operation: String,
    pub row_id: i64,
    pub detail: Option<String>,
    #[column(default = now)]
    pub at: TimestampTz,
}

/// Usage by month: one partition a month of the first quarter of 2026, and a default one for
/// the rest. The key includes the partition key, as PostgreSQL requires.
#[table(
    name = "ai_usage_log",
    primary_key(id, created_at),
    partition_by = range(created_at),
    partitions = monthly(from = "2026-01", to = "2026-04"),
    partition(name = "ai_usage_log_rest", default),
    index(on(account_id, created_at))
)]
#[derive(Debug, Clone, PartialEq)]
pub struct AiUsage {
    #[column(default = random)]
    pub id: Uuid,
    #[column(references = accounts::id, on_delete = cascade)]
    pub account_id: i64,
    #[column(varchar(100))]
    pub model: String,
    pub tokens_used: i32,
    #[column(default = now)]
    pub created_at: TimestampTz,
}

#[table(
    name = "regions",
    primary_key(code, id),
    partition_by = list(code),
    partition(name = "regions_europe", values("eu", "uk", "ch")),
    partition(name = "regions_americas", values("us", "ca")),
    partition(name = "regions_other", default)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: String,
    #[column(identity)]
    pub id: i64,
    pub name: String,
}

#[table(
    name = "sessions",
    partition_by = hash(id),
    partition(name = "sessions_0", modulus = 2, remainder = 0),
    partition(name = "sessions_1", modulus = 2, remainder = 1)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    #[column(primary_key)]
    pub id: Uuid,
    pub account_id: i64,
}

pub fn schema() -> schema_core::schema::Schema {
    schema_core::schema::Schema::new()
        .function(NORMALIZE_EMAIL)
        .function(NORMALIZE_ACCOUNT_EMAIL)
        .function(AUDIT_ROW)
        .function(REFUSE_TRUNCATE)
        .table::<Account>()
        .table::<AuditEntry>()
        .table::<AiUsage>()
        .table::<Region>()
        .table::<Session>()
}
