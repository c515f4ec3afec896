//! The schema of a database, pulled by `gen-migrations pull`: review it, then own it.

mod accounts_table;
mod ai_usage_log_table;
mod audit_log_table;
mod regions_table;
mod sessions_table;

pub use accounts_table::*;
pub use ai_usage_log_table::*;
pub use audit_log_table::*;
pub use regions_table::*;
pub use sessions_table::*;

/// Every table, enum and extension of the database.
pub fn schema() -> schema_core::schema::Schema {
    schema_core::schema::Schema::new()
        .table::<Account>()
        .table::<AiUsageLog>()
        .table::<AuditLog>()
        .table::<Region>()
        .table::<Session>()
        .function(schema_core::schema::FunctionDef::new("audit_row").returns("trigger").security_definer().body("\nBEGIN\n    INSERT INTO audit_log (table_name, operation, row_id, detail)\n    VALUES (TG_TABLE_NAME, TG_OP, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, TG_ARGV[0]);\n    RETURN NULL;\nEND\n"))
        .function(schema_core::schema::FunctionDef::new("normalize_account_email").returns("trigger").body("\nBEGIN\n    NEW.email := normalize_email(NEW.email);\n    RETURN NEW;\nEND\n"))
        .function(schema_core::schema::FunctionDef::new("normalize_email").arguments("email text").returns("text").language("sql").immutable().strict().body("SELECT lower(trim(email))"))
        .function(schema_core::schema::FunctionDef::new("refuse_truncate").returns("trigger").body("\nBEGIN\n    RAISE EXCEPTION 'accounts are never truncated';\nEND\n"))
}
