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

#[table(
    name = "ai_usage_log",
    index(name = "idx_ai_usage_user_id", on(user_id)),
    index(name = "idx_ai_usage_created", on(created_at))
)]
#[derive(Debug, Clone, PartialEq)]
pub struct AiUsageLog {
    #[column(primary_key, default = random)]
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
