//! Users, their projects and their AI usage (PRD-003).

use schema_core::prelude::*;

#[pg_enum(name = "user_role")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRole {
    User,
    Admin,
}

#[table(
    name = "users",
    has_many(projects, by = projects::owner_id),
    has_many(usage, by = ai_usage_log::user_id)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(varchar(255), unique)]
    pub email: String,
    #[column(varchar(255))]
    pub name: String,
    #[column(varchar(255))]
    pub password_hash: Option<String>,
    #[column(default = UserRole::User)]
    pub role: Option<UserRole>,
    #[column(default = false)]
    pub email_verified: Option<bool>,
    #[column(default = now)]
    pub created_at: Timestamp,
    #[column(default = now, on_update = now)]
    pub updated_at: Timestamp,
}

#[table(
    name = "projects",
    index(name = "idx_projects_owner_id", on(owner_id)),
    index(name = "idx_projects_status", on(status))
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(references = users::id, on_delete = cascade, relation = owner)]
    pub owner_id: Uuid,
    #[column(varchar(255))]
    pub name: String,
    pub description: Option<String>,
    #[column(varchar(50), default = "active")]
    pub status: Option<String>,
    #[column(default = now)]
    pub created_at: Timestamp,
    #[column(default = now, on_update = now)]
    pub updated_at: Timestamp,
}

/// One partition a month (a log grows by time and is read and pruned by month), and a default
/// one for rows outside the declared months: extend `to` before a month begins, since a month
/// whose rows already sit in the default partition cannot be made. The key includes
/// `created_at`, as PostgreSQL requires of a partitioned table's keys.
#[table(
    name = "ai_usage_log",
    primary_key(id, created_at),
    partition_by = range(created_at),
    partitions = monthly(from = "2026-01", to = "2027-07"),
    partition(name = "ai_usage_log_default", default),
    index(name = "idx_ai_usage_user_id", on(user_id)),
    index(name = "idx_ai_usage_created", on(created_at))
)]
#[derive(Debug, Clone, PartialEq)]
pub struct AiUsageLog {
    #[column(default = random)]
    pub id: Uuid,
    #[column(references = users::id, on_delete = cascade, relation = user)]
    pub user_id: Uuid,
    #[column(varchar(100))]
    pub model: String,
    /// `varchar(50)` as PRD-003 specifies it (its open question 1 asks for an integer).
    #[column(varchar(50))]
    pub tokens_used: String,
    #[column(varchar(50))]
    pub estimated_cost: Option<String>,
    #[column(varchar(255))]
    pub endpoint: Option<String>,
    #[column(default = now)]
    pub created_at: Timestamp,
}
