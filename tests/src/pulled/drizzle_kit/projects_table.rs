//! Table `projects`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "projects", has_many(ai_usage_log, by = ai_usage_log::project_id), has_many(projects, by = projects::parent_id), index(name = "idx_projects_owner_id", on(owner_id)), index(name = "projects_active_idx", on(name), where = "(archived = false)"), check(name = "projects_budget_check", sql = "(budget >= 0::numeric)"))]
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(references(users::id, on_delete = cascade, name = "projects_owner_id_users_id_fk"), relation = owner)]
    pub owner_id: Uuid,
    #[column(references(projects::id, on_delete = set_null, name = "projects_parent_id_projects_id_fk"), relation = parent)]
    pub parent_id: Option<Uuid>,
    #[column(varchar(255))]
    pub name: String,
    #[column(varchar(50), default = "active")]
    pub status: Option<String>,
    // needs schema-core's `decimal` feature.
    #[column(numeric(12, 2), default = sql("'0'::numeric"))]
    pub budget: rust_decimal::Decimal,
    #[column(default = false)]
    pub archived: bool,
}
