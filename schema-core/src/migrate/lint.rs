//! The lint of a migration: a warning, written above its statement in the generated file, for
//! each step that locks or rewrites a table, scans it, or loses data. The match names every
//! step: a new one does not compile until it says whether it warns.

use super::render::name;
use super::step::{CheckPhase, Step};
use crate::schema::DefaultValue;
use crate::sql::quote_ident;

impl Step {
    /// A warning for the generated file, for statements that lock or rewrite a table or lose data.
    pub fn warning(&self) -> Option<String> {
        Some(match self {
            Step::DropTable(q) => format!("DATA LOSS: drops table {} and every row in it", name(q)),
            Step::DropColumn { table, column } => {
                format!("DATA LOSS: drops column {} of {} and its values", quote_ident(column), name(table))
            }
            Step::RegenerateColumn { column, replaces_values, .. } => format!(
                "{}drops column {} and adds it again as generated: its values are computed anew, \
                 rewriting the table under an ACCESS EXCLUSIVE lock; indexes and constraints on it are made again below",
                if *replaces_values { "DATA LOSS: its stored values are replaced; " } else { "" },
                quote_ident(&column.name)
            ),
            // A volatile default or a generated value is computed for every existing row.
            Step::AddColumn { column, .. }
                if column.generated.is_some()
                    || matches!(column.default, Some(DefaultValue::NextVal(_) | DefaultValue::RandomUuid)) =>
            {
                format!(
                    "fills column {} of every existing row, rewriting the table under an ACCESS EXCLUSIVE lock",
                    quote_ident(&column.name)
                )
            }
            Step::SetRowSecurity { from, to, .. } if from.is_off() && !to.is_off() => {
                "rows are now hidden from every role the table's policies do not let through \
                 (the owner too when forced; superusers and BYPASSRLS roles excepted)"
                    .into()
            }
            Step::CreateView(view) if view.materialized => {
                "fills the materialized view by running its query now".into()
            }
            Step::AddDomainCheck { .. } | Step::DomainNotNull { not_null: true, .. } => {
                "checks every value of the domain, in every column that has it, under locks on those tables".into()
            }
            Step::DropDomain(q) => format!("drops domain {}", name(q)),
            Step::CreatePartition { parent, .. } => format!(
                "takes an ACCESS EXCLUSIVE lock on {} while the partition is made (brief; a default partition is scanned for rows that now belong here)",
                name(parent)
            ),
            Step::AttachPartition { parent, partition } => format!(
                "scans {} to check that its rows fit the bound, under a SHARE UPDATE EXCLUSIVE lock on {}",
                quote_ident(&partition.name),
                name(parent)
            ),
            Step::DetachPartition { parent, name: partition } => format!(
                "{} leaves {}: its rows are no longer read through it (ACCESS EXCLUSIVE lock on the parent)",
                quote_ident(partition),
                name(parent)
            ),
            Step::AddForeignKeyChecked { table, .. } => format!(
                "checks every row of {} as it is added, under SHARE ROW EXCLUSIVE locks (writes wait): \
                 PostgreSQL cannot add a foreign key NOT VALID to a partitioned table",
                name(table)
            ),
            Step::CreateIndexOnOnly { .. } => {
                "the partitioned table's own index, invalid until every partition's index is built \
                 CONCURRENTLY and attached below (PostgreSQL cannot build it CONCURRENTLY on the parent)"
                    .into()
            }
            Step::DropFunction { name: function, .. } => {
                format!("drops function {}: what calls it fails from now on", name(function))
            }
            Step::DropSequence(q) => format!("drops sequence {} and its current value", name(q)),
            Step::DropExtension(ext) => format!("drops extension {} and what depends on it", quote_ident(ext)),
            Step::DropEnum(q) => format!("drops type {}", name(q)),
            Step::AlterColumnType { narrowing: true, column, .. } => format!(
                "DATA LOSS: narrows column {}: values that do not fit fail the statement or lose precision; \
                 rewrites the table under an ACCESS EXCLUSIVE lock",
                quote_ident(column)
            ),
            Step::AlterColumnType { rewrites: true, .. } => {
                "rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends".into()
            }
            Step::AlterColumnType { rewrites: false, .. } => {
                "takes an ACCESS EXCLUSIVE lock; no rewrite (binary-compatible change)".into()
            }
            Step::SetNotNull { checked: false, .. } => {
                "scans the whole table under an ACCESS EXCLUSIVE lock to check for NULLs".into()
            }
            Step::SetNotNull { checked: true, .. } => {
                "a brief ACCESS EXCLUSIVE lock: the validated check above spares the table scan".into()
            }
            Step::NotNullCheck { phase: CheckPhase::Add, .. } => {
                "NOT VALID: only new rows are checked now; the next file validates the rest, then sets NOT NULL".into()
            }
            Step::NotNullCheck { phase: CheckPhase::Validate, .. } => {
                "checks existing rows under a SHARE UPDATE EXCLUSIVE lock: writes continue".into()
            }
            Step::AddUnique { using_index: true, .. } => {
                "a brief ACCESS EXCLUSIVE lock: the constraint adopts the index built above".into()
            }
            Step::CreateUniqueIndex { .. } => {
                "CONCURRENTLY: builds without blocking writes; must run outside a transaction; \
                 if it fails (duplicates), remove them and run `migrate --retry-failed`"
                    .into()
            }
            Step::AddPrimaryKey { .. } | Step::AddUnique { .. } => {
                "builds an index while holding a lock that blocks writes".into()
            }
            Step::AddCheck { not_valid: true, .. } | Step::AddForeignKey { not_valid: true, .. } => {
                "NOT VALID: only new rows are checked now; existing rows are validated by the next file".into()
            }
            Step::ValidateConstraint { .. } => {
                "checks existing rows under a SHARE UPDATE EXCLUSIVE lock: writes continue".into()
            }
            Step::CreateIndex { concurrently: true, .. } => {
                "CONCURRENTLY: builds without blocking writes; must run outside a transaction".into()
            }
            Step::AddIdentity { .. } => "takes an ACCESS EXCLUSIVE lock".into(),
            // Brief locks, no rewrite, no scan, nothing lost: no warning. Listed one by one, with
            // no catch-all, so that a new step is a compile error here until it is judged.
            Step::CreateExtension(_)
            | Step::CreateNamespace(_)
            | Step::CreateEnum(_)
            | Step::AddEnumValue { .. }
            | Step::CreateTable(_)
            | Step::CreateSequence(_)
            | Step::CreateDomain(_)
            | Step::DropDomainCheck { .. }
            | Step::DomainNotNull { not_null: false, .. }
            | Step::CreateView(_)
            | Step::DropView { .. }
            | Step::SetRowSecurity { .. }
            | Step::CreatePolicy { .. }
            | Step::Comment { .. }
            | Step::Grant { .. }
            | Step::Revoke { .. }
            | Step::DropPolicy { .. }
            | Step::AlterSequence(_)
            | Step::SequenceOwnedBy { .. }
            | Step::RenameTable { .. }
            | Step::AddColumn { .. }
            | Step::RenameColumn { .. }
            | Step::NotNullCheck { phase: CheckPhase::Drop, .. }
            | Step::DropNotNull { .. }
            | Step::DropExpression { .. }
            | Step::SetDefault { .. }
            | Step::DropDefault { .. }
            | Step::DropIdentity { .. }
            | Step::AddCheck { not_valid: false, .. }
            | Step::AddForeignKey { not_valid: false, .. }
            | Step::DropConstraint { .. }
            | Step::RenameConstraint { .. }
            | Step::CreateIndex { concurrently: false, .. }
            | Step::CreateTriggerFunction { .. }
            | Step::CreateFunction(_)
            | Step::AddTrigger { .. }
            | Step::RenameTrigger { .. }
            | Step::AttachIndex { .. }
            | Step::CreateTrigger { .. }
            | Step::DropTrigger { .. }
            | Step::DropTriggerFunction { .. }
            | Step::DropIndex { .. }
            | Step::RenameIndex { .. } => return None,
        })
    }
}
