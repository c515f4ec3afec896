//! The diff of functions, of the triggers written by hand, and of partitions.

use std::collections::BTreeMap;

use super::{changes, display, key, Change, Differ};
use crate::migrate::render::Step;
use crate::schema::{FunctionDef, QualifiedName, Schema, TableDef};

impl Differ {
    /// Functions, known by name and arguments. A new or changed one is made with `CREATE OR
    /// REPLACE` (PL/pgSQL before the tables, SQL after them); one whose result type changes, which
    /// `CREATE OR REPLACE` cannot do, is dropped first. One no longer declared is dropped last,
    /// after what called it; one whose arguments change (another function to PostgreSQL) is
    /// dropped before its successor is made.
    pub(super) fn functions(&mut self, old: &Schema, new: &Schema) {
        let identity = |f: &FunctionDef| {
            let (schema, name) = key(&f.qualified_name());
            (schema, name, f.arguments.to_string())
        };
        let old_functions: BTreeMap<_, &FunctionDef> =
            old.functions.iter().map(|f| (identity(f), f)).collect();
        let new_functions: BTreeMap<_, &FunctionDef> =
            new.functions.iter().map(|f| (identity(f), f)).collect();
        for (k, def) in &old_functions {
            if new_functions.contains_key(k) {
                continue;
            }
            let drop = Step::DropFunction {
                name: def.qualified_name(),
                arguments: def.arguments.to_string(),
            };
            let succeeded = new
                .functions
                .iter()
                .any(|f| key(&f.qualified_name()) == key(&def.qualified_name()));
            if succeeded {
                self.drops.push(drop);
            } else {
                self.last.push(drop);
            }
        }
        let changed = new_functions
            .iter()
            .filter(|(k, def)| old_functions.get(*k) != Some(*def))
            .map(|(_, def)| *def);
        for def in FunctionDef::in_dependency_order(changed) {
            let before = old_functions.get(&identity(def));
            if let Some(before) = before.filter(|b| b.returns != def.returns) {
                self.drops.push(Step::DropFunction {
                    name: before.qualified_name(),
                    arguments: before.arguments.to_string(),
                });
            }
            let step = Step::CreateFunction(def.clone());
            if def.resolves_at_creation() {
                self.late_functions.push(step);
            } else {
                self.early.push(step);
            }
        }
    }

    /// The triggers written by hand: a changed one is dropped and made again (in the same
    /// transaction), one under a new name with the same definition is renamed.
    pub(super) fn triggers(&mut self, q: &QualifiedName, before: &TableDef, after: &TableDef) {
        let named = |t: &TableDef| {
            t.triggers
                .iter()
                .map(|trigger| {
                    let mut def = trigger.clone();
                    def.name = "".into();
                    (trigger.name.to_string(), def)
                })
                .collect::<Vec<_>>()
        };
        for change in changes(&named(before), &named(after)) {
            match change {
                Change::Rename(from, to) => self.renames.push(Step::RenameTrigger {
                    table: q.clone(),
                    from,
                    to,
                }),
                Change::Drop(name) => self.drops.push(Step::DropTrigger {
                    table: q.clone(),
                    name,
                }),
                Change::Add(name) => {
                    if let Some(trigger) = after.triggers.iter().find(|t| t.name == name) {
                        self.indexes.push(Step::AddTrigger {
                            table: q.clone(),
                            trigger: trigger.clone(),
                        });
                    }
                }
            }
        }
    }

    /// Partitions: new ones are made, removed ones detached and dropped (which loses their rows,
    /// so it needs `--allow-data-loss`), one with a new bound detached and attached again (the
    /// server checks that its rows fit). A new partitioning is refused with the plan.
    pub(super) fn partitions(&mut self, q: &QualifiedName, before: &TableDef, after: &TableDef) {
        if before.partition_by != after.partition_by {
            let shown = |t: &TableDef| {
                t.partition_by
                    .as_ref()
                    .map_or("not partitioned".to_string(), |p| {
                        format!("PARTITION BY {} ({})", p.method.sql(), p.columns.join(", "))
                    })
            };
            self.refusals.push(format!(
                "table {} changes from {} to {}, which PostgreSQL cannot do in place. Plan: declare a new \
                 table (another name) partitioned as wanted, copy the rows into it (`INSERT … SELECT`), \
                 then drop the old table and rename the new one with `renamed_from`",
                display(q),
                shown(before),
                shown(after)
            ));
            return;
        }
        for partition in after.partitions.iter() {
            match before.partitions.iter().find(|p| p.name == partition.name) {
                None => self.creates.push(Step::CreatePartition {
                    parent: q.clone(),
                    partition: partition.clone(),
                }),
                Some(old) if old.bound != partition.bound => {
                    self.alters.push(Step::DetachPartition {
                        parent: q.clone(),
                        name: partition.name.to_string(),
                    });
                    self.alters.push(Step::AttachPartition {
                        parent: q.clone(),
                        partition: partition.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        for old in before.partitions.iter() {
            if after.partitions.iter().any(|p| p.name == old.name) {
                continue;
            }
            let partition = QualifiedName::new(q.schema.clone(), old.name.clone());
            let reason = format!(
                "partition {} of {} is no longer declared and would be dropped with its rows",
                display(&partition),
                display(q)
            );
            let hint = "keep it declared, or detach it by hand first if its rows are to stay";
            if let Some(step) = self.lose(Step::DropTable(partition), reason, hint) {
                // Detached first: dropping a partition takes an ACCESS EXCLUSIVE lock on the
                // parent either way, and the detach says in the file what happens.
                self.drops.push(Step::DetachPartition {
                    parent: q.clone(),
                    name: old.name.to_string(),
                });
                self.late_drops.push(step);
            }
        }
    }
}
