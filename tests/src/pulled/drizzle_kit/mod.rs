//! The schema of a database, pulled by `gen-migrations pull`: review it, then own it.

mod ai_usage_log_table;
mod enums;
mod events_table;
mod projects_table;
mod users_table;

pub use ai_usage_log_table::*;
pub use enums::*;
pub use events_table::*;
pub use projects_table::*;
pub use users_table::*;

/// Every table, enum and extension of the database.
pub fn schema() -> schema_core::schema::Schema {
    schema_core::schema::Schema::new()
        .pg_enum::<UserRole>()
        .table::<AiUsageLog>()
        .table::<Event>()
        .table::<Project>()
        .table::<User>()
        .sequence(
            schema_core::schema::SequenceDef::new("ai_usage_log_id_seq")
                .data_type(schema_core::schema::SequenceType::Integer)
                .owned_by("ai_usage_log", "id"),
        )
}
