//! What a generated migration does, counted for the command line (`2 tables created, …`).

use std::fmt;

use super::Step;

/// Counts of what a migration does, for the command line's report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub tables_created: usize,
    pub tables_renamed: usize,
    pub tables_dropped: usize,
    pub columns_created: usize,
    pub columns_added: usize,
    pub columns_changed: usize,
    pub columns_dropped: usize,
    pub enums: usize,
    pub foreign_keys: usize,
    pub constraints: usize,
    pub indexes: usize,
    pub triggers: usize,
    pub extensions: usize,
    pub sequences: usize,
    pub policies: usize,
    pub views: usize,
    pub domains: usize,
    pub comments: usize,
    pub grants: usize,
    pub functions: usize,
    pub partitions: usize,
}

impl Summary {
    pub fn of(steps: &[Step]) -> Self {
        let mut s = Summary::default();
        for step in steps {
            match step {
                Step::CreateExtension(_) | Step::DropExtension(_) => s.extensions += 1,
                Step::CreateNamespace(_) => {}
                Step::SetRowSecurity { .. }
                | Step::CreatePolicy { .. }
                | Step::DropPolicy { .. } => s.policies += 1,
                Step::CreateView(_) | Step::DropView { .. } => s.views += 1,
                Step::CreateDomain(_)
                | Step::DropDomain(_)
                | Step::AddDomainCheck { .. }
                | Step::DropDomainCheck { .. }
                | Step::DomainNotNull { .. } => s.domains += 1,
                Step::Comment { .. } => s.comments += 1,
                Step::Grant { .. } | Step::Revoke { .. } => s.grants += 1,
                Step::CreateSequence(_)
                | Step::AlterSequence(_)
                | Step::DropSequence(_)
                | Step::SequenceOwnedBy { .. } => s.sequences += 1,
                Step::CreateEnum(_) | Step::DropEnum(_) | Step::AddEnumValue { .. } => s.enums += 1,
                Step::CreateTable(t) => {
                    s.tables_created += 1;
                    s.columns_created += t.columns.len();
                }
                Step::DropTable(_) => s.tables_dropped += 1,
                Step::RenameTable { .. } => s.tables_renamed += 1,
                Step::AddColumn { .. } => s.columns_added += 1,
                Step::DropColumn { .. } => s.columns_dropped += 1,
                Step::RenameColumn { .. }
                | Step::AlterColumnType { .. }
                | Step::SetNotNull { .. }
                | Step::DropNotNull { .. }
                | Step::RegenerateColumn { .. }
                | Step::DropExpression { .. }
                | Step::SetDefault { .. }
                | Step::DropDefault { .. }
                | Step::AddIdentity { .. }
                | Step::DropIdentity { .. } => s.columns_changed += 1,
                Step::AddForeignKey { .. } | Step::AddForeignKeyChecked { .. } => {
                    s.foreign_keys += 1
                }
                Step::AddPrimaryKey { .. }
                | Step::AddUnique { .. }
                | Step::AddCheck { .. }
                | Step::ValidateConstraint { .. }
                | Step::DropConstraint { .. }
                | Step::RenameConstraint { .. } => s.constraints += 1,
                Step::CreateIndex { .. }
                | Step::DropIndex { .. }
                | Step::RenameIndex { .. }
                | Step::CreateIndexOnOnly { .. } => s.indexes += 1,
                // Counted with the partitioned table's index.
                Step::AttachIndex { .. } => {}
                Step::CreateTrigger { .. }
                | Step::DropTrigger { .. }
                | Step::AddTrigger { .. }
                | Step::RenameTrigger { .. } => s.triggers += 1,
                Step::CreateFunction(_) | Step::DropFunction { .. } => s.functions += 1,
                Step::CreatePartition { .. }
                | Step::AttachPartition { .. }
                | Step::DetachPartition { .. } => s.partitions += 1,
                // Counted with the `SET NOT NULL` and the `UNIQUE` constraint they serve.
                Step::NotNullCheck { .. } | Step::CreateUniqueIndex { .. } => {}
                Step::CreateTriggerFunction { .. } | Step::DropTriggerFunction { .. } => {}
            }
        }
        s
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            (self.tables_created, "table created", "tables created"),
            (self.columns_created, "column in them", "columns in them"),
            (self.tables_renamed, "table renamed", "tables renamed"),
            (self.tables_dropped, "table DROPPED", "tables DROPPED"),
            (self.columns_added, "column added", "columns added"),
            (self.columns_changed, "column change", "column changes"),
            (self.columns_dropped, "column DROPPED", "columns DROPPED"),
            (self.enums, "enum change", "enum changes"),
            (self.foreign_keys, "foreign key", "foreign keys"),
            (self.constraints, "constraint change", "constraint changes"),
            (self.indexes, "index change", "index changes"),
            (self.triggers, "trigger change", "trigger changes"),
            (self.extensions, "extension", "extensions"),
            (self.sequences, "sequence change", "sequence changes"),
            (self.policies, "row security change", "row security changes"),
            (self.views, "view change", "view changes"),
            (self.domains, "domain change", "domain changes"),
            (self.comments, "comment", "comments"),
            (self.grants, "grant change", "grant changes"),
            (self.functions, "function change", "function changes"),
            (self.partitions, "partition change", "partition changes"),
        ];
        let text: Vec<String> = parts
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
            .collect();
        f.write_str(&text.join(", "))
    }
}
