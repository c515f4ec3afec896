//! The diff of one table that is declared before and after: its columns (renamed by
//! `renamed_from`), keys, constraints, on-update trigger and indexes.

use std::collections::{BTreeMap, BTreeSet};

use super::{changes, display, key, Change, Differ};
use crate::migrate::render::Step;
use crate::schema::{IndexDef, IndexTarget, OnUpdateTrigger, QualifiedName, TableDef};

impl Differ {
    pub(super) fn table(&mut self, before: &TableDef, after: &TableDef) {
        let q = after.qualified_name();
        let (renamed, regenerated) = self.columns(&q, before, after);
        // A column dropped and added again takes its indexes and constraints with it: they are
        // compared as if they were not there before, and so are made again.
        let pruned;
        let before = if regenerated.is_empty() {
            before
        } else {
            pruned = without_objects_on(before, &regenerated, &renamed);
            &pruned
        };
        self.primary_key(&q, before, after, &renamed);
        self.uniques(&q, before, after, &renamed);
        self.checks(&q, before, after);
        self.foreign_keys(&q, before, after, &renamed);
        self.trigger(&q, before, after, &renamed);
        self.triggers(&q, before, after);
        self.partitions(&q, before, after);
        self.indexes(&q, before, after, &renamed);
        self.row_security(&q, before, after, &regenerated);
        self.comments_and_grants(&q, before, after, &regenerated);
    }

    /// Comments that differ are set (or removed); grants are added and revoked privilege by
    /// privilege, role by role. A regenerated column's comment went with it.
    fn comments_and_grants(
        &mut self,
        q: &QualifiedName,
        before: &TableDef,
        after: &TableDef,
        regenerated: &BTreeSet<String>,
    ) {
        if before.comment != after.comment {
            self.last.push(Step::Comment {
                table: q.clone(),
                column: None,
                comment: after.comment.as_ref().map(|c| c.to_string()),
            });
        }
        for column in after.columns.iter() {
            let old = before
                .column(&column.name)
                .or_else(|| before.column(column.renamed_from.as_deref()?))
                .filter(|_| !regenerated.contains(&*column.name));
            let old_comment = old.and_then(|c| c.comment.as_ref());
            if old_comment != column.comment.as_ref() && (old.is_some() || column.comment.is_some())
            {
                self.last.push(Step::Comment {
                    table: q.clone(),
                    column: Some(column.name.to_string()),
                    comment: column.comment.as_ref().map(|c| c.to_string()),
                });
            }
        }
        let privileges = |t: &TableDef, role: &str| -> Vec<crate::schema::Privilege> {
            t.grants
                .iter()
                .filter(|g| g.role == role)
                .flat_map(|g| g.privileges.iter().copied())
                .collect()
        };
        let roles: BTreeSet<String> = before
            .grants
            .iter()
            .chain(after.grants.iter())
            .map(|g| g.role.to_string())
            .collect();
        for role in roles {
            let (old, new) = (privileges(before, &role), privileges(after, &role));
            let revoked: Vec<_> = old.iter().copied().filter(|p| !new.contains(p)).collect();
            let granted: Vec<_> = new.iter().copied().filter(|p| !old.contains(p)).collect();
            if !revoked.is_empty() {
                self.last.push(Step::Revoke {
                    table: q.clone(),
                    role: role.clone(),
                    privileges: revoked,
                });
            }
            if !granted.is_empty() {
                self.last.push(Step::Grant {
                    table: q.clone(),
                    role,
                    privileges: granted,
                });
            }
        }
    }

    /// Row-level security and policies: a changed policy is dropped (before the columns change)
    /// and made again (after), in the same transaction; so is one on a column made again.
    fn row_security(
        &mut self,
        q: &QualifiedName,
        before: &TableDef,
        after: &TableDef,
        regenerated: &BTreeSet<String>,
    ) {
        let mentions_regenerated = |sql: &Option<crate::schema::Str>| {
            sql.as_deref().is_some_and(|sql| {
                sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| regenerated.contains(word))
            })
        };
        for policy in after.policies.iter() {
            let old = before.policies.iter().find(|p| p.name == policy.name);
            let remade =
                mentions_regenerated(&policy.using) || mentions_regenerated(&policy.with_check);
            if old == Some(policy) && !remade {
                continue;
            }
            if old.is_some() {
                self.drops.push(Step::DropPolicy {
                    table: q.clone(),
                    name: policy.name.to_string(),
                });
            }
            self.constraints.push(Step::CreatePolicy {
                table: q.clone(),
                policy: policy.clone(),
            });
        }
        for policy in before.policies.iter() {
            if !after.policies.iter().any(|p| p.name == policy.name) {
                self.drops.push(Step::DropPolicy {
                    table: q.clone(),
                    name: policy.name.to_string(),
                });
            }
        }
        if before.row_security != after.row_security {
            self.constraints.push(Step::SetRowSecurity {
                table: q.clone(),
                from: before.row_security,
                to: after.row_security,
            });
        }
    }

    /// Columns: matched by name, or by `renamed_from`; the renames, for the constraints and
    /// indexes that name the columns.
    fn columns(
        &mut self,
        q: &QualifiedName,
        before: &TableDef,
        after: &TableDef,
    ) -> (Renamed, BTreeSet<String>) {
        let mut regenerated = BTreeSet::new();
        let mut renamed: BTreeMap<String, String> = BTreeMap::new();
        let mut matched: BTreeSet<String> = BTreeSet::new();
        for column in after.columns.iter() {
            let previous = before.column(&column.name).or_else(|| {
                let from = column.renamed_from.as_deref()?;
                let found = before.column(from)?;
                self.renames.push(Step::RenameColumn {
                    table: q.clone(),
                    from: from.to_string(),
                    to: column.name.to_string(),
                });
                renamed.insert(from.to_string(), column.name.to_string());
                Some(found)
            });
            match previous {
                Some(old) if old.generated != column.generated && column.generated.is_some() => {
                    matched.insert(old.name.to_string());
                    let step = Step::RegenerateColumn {
                        table: q.clone(),
                        column: column.clone(),
                        replaces_values: old.generated.is_none(),
                    };
                    let step = if old.generated.is_some() {
                        Some(step)
                    } else {
                        let reason = format!(
                            "column \"{}\" of {} becomes generated, which replaces its stored values",
                            column.name,
                            display(q)
                        );
                        self.lose(step, reason, "add a new generated column instead")
                    };
                    if let Some(step) = step {
                        self.alters.push(step);
                        regenerated.insert(column.name.to_string());
                    }
                }
                Some(old) => {
                    matched.insert(old.name.to_string());
                    if old.generated.is_some() && column.generated.is_none() {
                        self.alters.push(Step::DropExpression {
                            table: q.clone(),
                            column: column.name.to_string(),
                        });
                    }
                    self.column(q, old, column);
                }
                None => self.add_column(q, column),
            }
        }
        for column in before
            .columns
            .iter()
            .filter(|c| !matched.contains(&*c.name))
        {
            let step = Step::DropColumn {
                table: q.clone(),
                column: column.name.to_string(),
            };
            let reason = format!(
                "column \"{}\" of {} is no longer declared and would be dropped with its values",
                column.name,
                display(q)
            );
            let hint =
                "if it was renamed, say so with `#[column(renamed_from = \"…\")]` on the new field";
            if let Some(step) = self.lose(step, reason, hint) {
                self.late_drops.push(step);
            }
        }
        (Renamed(renamed), regenerated)
    }

    /// The primary key: a new name on the same columns is a rename.
    fn primary_key(
        &mut self,
        q: &QualifiedName,
        before: &TableDef,
        after: &TableDef,
        renamed: &Renamed,
    ) {
        let old_pk = before
            .primary_key
            .as_ref()
            .map(|pk| (pk.name.to_string(), renamed.columns(&pk.columns)));
        let new_pk = after
            .primary_key
            .as_ref()
            .map(|pk| (pk.name.to_string(), same_columns(&pk.columns)));
        if old_pk != new_pk {
            match (&old_pk, &new_pk) {
                (Some((from, a)), Some((to, b))) if a == b => {
                    self.renames.push(Step::RenameConstraint {
                        table: q.clone(),
                        from: from.clone(),
                        to: to.clone(),
                    })
                }
                _ => {
                    if let Some((name, _)) = &old_pk {
                        self.drops.push(Step::DropConstraint {
                            table: q.clone(),
                            name: name.clone(),
                        });
                    }
                    if let Some((name, columns)) = &new_pk {
                        self.constraints.push(Step::AddPrimaryKey {
                            table: q.clone(),
                            name: name.clone(),
                            columns: columns.clone(),
                        });
                    }
                }
            }
        }
    }

    /// Unique constraints, by name (the same definition under a new name is a rename); a new one
    /// on a filled table is built online.
    fn uniques(
        &mut self,
        q: &QualifiedName,
        before: &TableDef,
        after: &TableDef,
        renamed: &Renamed,
    ) {
        let uniques_before: Vec<(String, (Vec<String>, bool))> = before
            .uniques
            .iter()
            .map(|u| {
                (
                    u.name.to_string(),
                    (renamed.columns(&u.columns), u.nulls_not_distinct),
                )
            })
            .collect();
        let uniques_after: Vec<(String, (Vec<String>, bool))> = after
            .uniques
            .iter()
            .map(|u| {
                (
                    u.name.to_string(),
                    (same_columns(&u.columns), u.nulls_not_distinct),
                )
            })
            .collect();
        for name in self.constraint_changes(q, &uniques_before, &uniques_after) {
            let unique = after
                .uniques
                .iter()
                .find(|u| u.name == name)
                .expect("added unique")
                .clone();
            // On a filled table, the index is built without blocking writes and the constraint
            // adopts it; unless a foreign key needs the constraint inside the transaction.
            let columns: Vec<String> = unique.columns.iter().map(|c| c.to_string()).collect();
            // A partitioned table's constraint cannot adopt an index: it is built inline.
            if self.referenced.contains(&(key(q), columns)) || after.partition_by.is_some() {
                self.constraints.push(Step::AddUnique {
                    table: q.clone(),
                    unique,
                    using_index: false,
                });
            } else {
                self.online.push(Step::CreateUniqueIndex {
                    table: q.clone(),
                    unique: unique.clone(),
                });
                self.online.push(Step::AddUnique {
                    table: q.clone(),
                    unique,
                    using_index: true,
                });
            }
        }
    }

    /// Checks, by name; a new one is added `NOT VALID` and validated online.
    fn checks(&mut self, q: &QualifiedName, before: &TableDef, after: &TableDef) {
        let checks_before: Vec<(String, String)> = before
            .checks
            .iter()
            .map(|c| (c.name.to_string(), c.expression.to_string()))
            .collect();
        let checks_after: Vec<(String, String)> = after
            .checks
            .iter()
            .map(|c| (c.name.to_string(), c.expression.to_string()))
            .collect();
        for name in self.constraint_changes(q, &checks_before, &checks_after) {
            let check = after
                .checks
                .iter()
                .find(|c| c.name == name)
                .expect("added check")
                .clone();
            self.constraints.push(Step::AddCheck {
                table: q.clone(),
                check,
                not_valid: true,
            });
            self.online.push(Step::ValidateConstraint {
                table: q.clone(),
                name,
            });
        }
    }

    /// Foreign keys, by name; a new one is added `NOT VALID` and validated online.
    fn foreign_keys(
        &mut self,
        q: &QualifiedName,
        before: &TableDef,
        after: &TableDef,
        renamed: &Renamed,
    ) {
        type FkShape = (Vec<String>, (String, String), Vec<String>, String, String);
        let fk_shape = |fk: &crate::schema::ForeignKeyDef,
                        map: &dyn Fn(&[crate::schema::Str]) -> Vec<String>|
         -> FkShape {
            (
                map(&fk.columns),
                key(&fk.references),
                fk.referenced_columns
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
                fk.on_delete.sql().to_string(),
                fk.on_update.sql().to_string(),
            )
        };
        let fks_before: Vec<(String, FkShape)> = before
            .foreign_keys
            .iter()
            .map(|f| (f.name.to_string(), fk_shape(f, &|c| renamed.columns(c))))
            .collect();
        let fks_after: Vec<(String, FkShape)> = after
            .foreign_keys
            .iter()
            .map(|f| (f.name.to_string(), fk_shape(f, &same_columns)))
            .collect();
        for name in self.constraint_changes(q, &fks_before, &fks_after) {
            let fk = after
                .foreign_keys
                .iter()
                .find(|f| f.name == name)
                .expect("added foreign key")
                .clone();
            if after.partition_by.is_some() {
                self.constraints.push(Step::AddForeignKeyChecked {
                    table: q.clone(),
                    fk,
                });
                continue;
            }
            self.constraints.push(Step::AddForeignKey {
                table: q.clone(),
                fk,
                not_valid: true,
            });
            self.online.push(Step::ValidateConstraint {
                table: q.clone(),
                name,
            });
        }
    }

    /// The on-update trigger: its function is replaced when its columns change.
    fn trigger(
        &mut self,
        q: &QualifiedName,
        before: &TableDef,
        after: &TableDef,
        renamed: &Renamed,
    ) {
        let old_trigger: Vec<(String, OnUpdateTrigger)> = before
            .trigger_columns()
            .iter()
            .map(|(c, m)| (renamed.column(c), *m))
            .collect();
        let new_trigger: Vec<(String, OnUpdateTrigger)> = after
            .trigger_columns()
            .iter()
            .map(|(c, m)| (c.to_string(), *m))
            .collect();
        if old_trigger != new_trigger || (!new_trigger.is_empty() && before.name != after.name) {
            let (old_name, new_name) = (before.trigger_name(), after.trigger_name());
            if !old_trigger.is_empty() && (new_trigger.is_empty() || old_name != new_name) {
                self.drops.push(Step::DropTrigger {
                    table: q.clone(),
                    name: old_name.clone(),
                });
                self.late_drops.push(Step::DropTriggerFunction {
                    schema: before.schema.as_ref().map(|s| s.to_string()),
                    name: old_name.clone(),
                });
            }
            if !new_trigger.is_empty() {
                self.indexes.push(Step::CreateTriggerFunction {
                    table: q.clone(),
                    name: new_name.clone(),
                    columns: new_trigger,
                });
                if old_trigger.is_empty() || old_name != new_name {
                    self.indexes.push(Step::CreateTrigger {
                        table: q.clone(),
                        name: new_name,
                    });
                }
            }
        }
    }

    /// Indexes, by name (the same definition under a new name is a rename); new ones on an
    /// existing table are built concurrently, outside the transaction.
    fn indexes(
        &mut self,
        q: &QualifiedName,
        before: &TableDef,
        after: &TableDef,
        renamed: &Renamed,
    ) {
        let index_shape = |index: &crate::schema::IndexDef, map: &dyn Fn(&str) -> String| {
            let keys: Vec<String> = index
                .keys
                .iter()
                .map(|k| match &k.target {
                    IndexTarget::Column(c) => {
                        format!("{}{:?}{:?}{:?}", map(c), k.order, k.nulls, k.opclass)
                    }
                    IndexTarget::Expression(e) => {
                        format!("({e}){:?}{:?}{:?}", k.order, k.nulls, k.opclass)
                    }
                })
                .collect();
            (
                keys,
                index.unique,
                index.method.sql(),
                index.predicate.as_ref().map(|p| p.to_string()),
                index.with.as_ref().map(|w| w.to_string()),
            )
        };
        let same = |c: &str| c.to_string();
        let indexes_before: Vec<_> = before
            .indexes
            .iter()
            .map(|i| (i.name.to_string(), index_shape(i, &|c| renamed.column(c))))
            .collect();
        let indexes_after: Vec<_> = after
            .indexes
            .iter()
            .map(|i| (i.name.to_string(), index_shape(i, &same)))
            .collect();
        let schema = after.schema.as_ref().map(|s| s.to_string());
        for change in changes(&indexes_before, &indexes_after) {
            match change {
                Change::Rename(from, to) => self.renames.push(Step::RenameIndex {
                    schema: schema.clone(),
                    from,
                    to,
                }),
                Change::Drop(name) => self.drops.push(Step::DropIndex {
                    schema: schema.clone(),
                    name,
                }),
                Change::Add(name) => {
                    let index = after
                        .indexes
                        .iter()
                        .find(|i| i.name == name)
                        .expect("added index")
                        .clone();
                    if after.partition_by.is_some() {
                        self.partitioned_index(q, after, index);
                        continue;
                    }
                    self.online.push(Step::CreateIndex {
                        table: q.clone(),
                        index,
                        concurrently: true,
                    });
                }
            }
        }
    }
}

/// The columns of a table renamed by the diff (`renamed_from`), old name to new: what the old
/// definitions of its constraints and indexes are read through, to compare them with the new.
struct Renamed(BTreeMap<String, String>);

impl Renamed {
    /// `column`'s name after the diff.
    fn column(&self, column: &str) -> String {
        self.0
            .get(column)
            .cloned()
            .unwrap_or_else(|| column.to_string())
    }

    /// The names of `columns` after the diff.
    fn columns(&self, columns: &[crate::schema::Str]) -> Vec<String> {
        columns.iter().map(|c| self.column(c)).collect()
    }
}

/// `before` without the keys, uniques, checks, foreign keys and indexes that name one of the
/// `columns` (by their names after the diff; in an expression, as a word).
fn without_objects_on(
    before: &TableDef,
    columns: &BTreeSet<String>,
    renamed: &Renamed,
) -> TableDef {
    let names =
        |list: &[crate::schema::Str]| list.iter().any(|c| columns.contains(&renamed.column(c)));
    let mentions = |sql: &str| {
        sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| columns.contains(&renamed.column(word)))
    };
    let mut table = before.clone();
    if table
        .primary_key
        .as_ref()
        .is_some_and(|pk| names(&pk.columns))
    {
        table.primary_key = None;
    }
    table.uniques.to_mut().retain(|u| !names(&u.columns));
    table.checks.to_mut().retain(|c| !mentions(&c.expression));
    table.foreign_keys.to_mut().retain(|fk| !names(&fk.columns));
    table.indexes.to_mut().retain(|index| {
        let on_column = index.keys.iter().any(|key| match &key.target {
            IndexTarget::Column(c) => columns.contains(&renamed.column(c)),
            IndexTarget::Expression(e) => mentions(e),
        });
        !on_column && !index.predicate.as_deref().is_some_and(mentions)
    });
    table
}

/// The names of `columns` as they are.
fn same_columns(columns: &[crate::schema::Str]) -> Vec<String> {
    columns.iter().map(|c| c.to_string()).collect()
}

impl Differ {
    /// A new index of a partitioned table, in the online form PostgreSQL documents: the
    /// parent's own index (`ON ONLY`, invalid), each partition's built `CONCURRENTLY` and
    /// attached, after which the parent's is valid. Partitions made later get it from the parent.
    fn partitioned_index(&mut self, q: &QualifiedName, table: &TableDef, index: IndexDef) {
        let schema = table.schema.as_ref().map(|s| s.to_string());
        self.online.push(Step::CreateIndexOnOnly {
            table: q.clone(),
            index: index.clone(),
        });
        for partition in table.partitions.iter() {
            let mut child = index.clone();
            // `events_y2026m01_model_idx` for `events_model_idx`.
            let own = index
                .name
                .strip_prefix(&format!("{}_", table.name))
                .unwrap_or(&index.name);
            let mut name = format!("{}_{own}", partition.name);
            crate::sql::truncate_identifier(&mut name);
            child.name = name.clone().into();
            self.online.push(Step::CreateIndex {
                table: QualifiedName::new(table.schema.clone(), partition.name.clone()),
                index: child,
                concurrently: true,
            });
            self.online.push(Step::AttachIndex {
                schema: schema.clone(),
                index: index.name.to_string(),
                child: name,
            });
        }
    }
}
