//! Table `users`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "users", has_many(ai_usage_log, by = ai_usage_log::user_id), has_many(projects, by = projects::owner_id), unique(on(email), name = "users_email_key"))]
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(varchar(255))]
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
    #[column(default = now)]
    pub updated_at: Timestamp,
}
