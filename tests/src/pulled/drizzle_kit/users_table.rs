//! Table `users`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "users", has_many(ai_usage_log, by = ai_usage_log::user_id), has_many(projects, by = projects::owner_id), unique(on(email), name = "users_email_unique"), index(name = "users_email_lower_idx", on(sql("lower(email::text)")), unique))]
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(varchar(255))]
    pub email: String,
    #[column(varchar(255))]
    pub name: String,
    #[column(default = UserRole::User)]
    pub role: Option<UserRole>,
    #[column(default = false)]
    pub email_verified: Option<bool>,
    #[column(default = sql("'{}'::text[]"))]
    pub tags: Vec<String>,
    #[column(default = now)]
    pub created_at: Timestamp,
}
