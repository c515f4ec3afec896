//! Table `projects`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(
    name = "projects",
    index(name = "idx_projects_owner_id", on(owner_id)),
    index(name = "idx_projects_status", on(status))
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(references(users::id, on_delete = cascade), relation = owner)]
    pub owner_id: Uuid,
    #[column(varchar(255))]
    pub name: String,
    pub description: Option<String>,
    #[column(varchar(50), default = "active")]
    pub status: Option<String>,
    #[column(default = now)]
    pub created_at: Timestamp,
    #[column(default = now)]
    pub updated_at: Timestamp,
}
