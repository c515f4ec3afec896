//! The diff: what gets a database from the newest snapshot's schema to the declared one.
//!
//! Renames come from `renamed_from` hints, never from prompts. A change that would lose data
//! (dropping a table or column, narrowing a type) is refused with a message naming the hint to
//! add, unless the caller allows it. Changes that would lock a filled table for long take their
//! online form: foreign keys and checks are added `NOT VALID` and validated later; indexes and
//! unique constraints on existing tables are built `CONCURRENTLY` (the constraint then adopts its
//! index); `SET NOT NULL` goes through a validated check so that it needs no scan. The second
//! halves go in a second file that runs outside a transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::render::{column_type, CheckPhase, Step};
use crate::schema::{ColumnDef, EnumDef, IndexTarget, QualifiedName, Schema, SqlType, TableDef};

/// What the caller allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiffOptions {
    /// Drops and narrowing type changes go ahead (each is marked in the file).
    pub allow_data_loss: bool,
}

/// The steps of one migration: those that run in a transaction, then those that must run
/// outside one (validation of `NOT VALID` constraints, concurrent index builds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub online: Vec<Step>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.online.is_empty()
    }
}

/// Why a diff cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub Vec<String>);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the migration was not written:")?;
        for reason in &self.0 {
            write!(f, "\n  - {reason}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refusal {}

fn key(q: &QualifiedName) -> (String, String) {
    (q.schema_or_public().to_string(), q.name.to_string())
}

fn display(q: &QualifiedName) -> String {
    match &q.schema {
        Some(s) => format!("\"{s}\".\"{}\"", q.name),
        None => format!("\"{}\"", q.name),
    }
}

/// The steps from `old` to `new`.
pub fn diff(old: &Schema, new: &Schema, options: DiffOptions) -> Result<Plan, Refusal> {
    let mut d = Differ {
        options,
        refusals: Vec::new(),
        early: Vec::new(),
        drops: Vec::new(),
        renames: Vec::new(),
        creates: Vec::new(),
        alters: Vec::new(),
        late_drops: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        last: Vec::new(),
        online: Vec::new(),
        referenced: new
            .tables
            .iter()
            .flat_map(|t| t.foreign_keys.iter())
            .map(|fk| {
                (
                    key(&fk.references),
                    fk.referenced_columns
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                )
            })
            .collect(),
    };
    d.extensions(old, new);
    d.enums(old, new);
    d.tables(old, new);
    if !d.refusals.is_empty() {
        return Err(Refusal(d.refusals));
    }
    let mut steps = Vec::new();
    for part in [
        d.early,
        d.renames,
        d.drops,
        d.creates,
        d.alters,
        d.late_drops,
        d.constraints,
        d.indexes,
        d.last,
    ] {
        steps.extend(part);
    }
    Ok(Plan {
        steps,
        online: d.online,
    })
}

struct Differ {
    options: DiffOptions,
    refusals: Vec<String>,
    /// Extensions, namespaces, new enums and enum values.
    early: Vec<Step>,
    /// Renames of tables, columns, constraints and indexes: first, so that later steps use the
    /// new names.
    renames: Vec<Step>,
    /// Foreign keys, constraints and indexes that go away or change.
    drops: Vec<Step>,
    creates: Vec<Step>,
    /// Columns added and changed.
    alters: Vec<Step>,
    /// Columns and tables that go away.
    late_drops: Vec<Step>,
    /// Keys and constraints that come.
    constraints: Vec<Step>,
    /// Indexes of new tables.
    indexes: Vec<Step>,
    /// Enums and extensions that go away.
    last: Vec<Step>,
    online: Vec<Step>,
    /// The (table, columns) that the declared foreign keys reference.
    referenced: BTreeSet<((String, String), Vec<String>)>,
}

impl Differ {
    fn lose(&mut self, step: Step, reason: String, hint: &str) -> Option<Step> {
        if self.options.allow_data_loss {
            Some(step)
        } else {
            self.refusals.push(format!(
                "{reason}; {hint}, or pass --allow-data-loss to drop it"
            ));
            None
        }
    }

    fn extensions(&mut self, old: &Schema, new: &Schema) {
        for ext in new
            .extensions
            .iter()
            .filter(|e| !old.extensions.contains(e))
        {
            self.early.push(Step::CreateExtension(ext.to_string()));
        }
        let old_ns = old.namespaces();
        for ns in new.namespaces().into_iter().filter(|n| !old_ns.contains(n)) {
            self.early.push(Step::CreateNamespace(ns.to_string()));
        }
        for ext in old
            .extensions
            .iter()
            .filter(|e| !new.extensions.contains(e))
        {
            let step = Step::DropExtension(ext.to_string());
            if let Some(step) = self.lose(
                step,
                format!("extension \"{ext}\" is no longer used"),
                "keep it with `.extension(…)`",
            ) {
                self.last.push(step);
            }
        }
    }

    fn enums(&mut self, old: &Schema, new: &Schema) {
        let old_enums: BTreeMap<_, &EnumDef> = old
            .enums
            .iter()
            .map(|e| (key(&e.qualified_name()), e))
            .collect();
        let new_enums: BTreeMap<_, &EnumDef> = new
            .enums
            .iter()
            .map(|e| (key(&e.qualified_name()), e))
            .collect();
        for (k, def) in &new_enums {
            match old_enums.get(k) {
                None => self.early.push(Step::CreateEnum((*def).clone())),
                Some(before) if before.labels == def.labels => {}
                Some(before) => self.enum_values(before, def),
            }
        }
        for (k, def) in &old_enums {
            if !new_enums.contains_key(k) {
                self.last.push(Step::DropEnum(def.qualified_name()));
            }
        }
    }

    /// New labels are added in their declared place; a removed or reordered label is refused
    /// with the plan to follow.
    fn enum_values(&mut self, before: &EnumDef, after: &EnumDef) {
        let old: Vec<&str> = before.labels.iter().map(|l| &**l).collect();
        let new: Vec<&str> = after.labels.iter().map(|l| &**l).collect();
        let kept: Vec<&str> = new.iter().copied().filter(|l| old.contains(l)).collect();
        let removed: Vec<&str> = old.iter().copied().filter(|l| !new.contains(l)).collect();
        if !removed.is_empty() || kept != old {
            let what = if removed.is_empty() {
                "reorders its labels".to_string()
            } else {
                format!(
                    "removes or renames label(s) {}",
                    removed
                        .iter()
                        .map(|l| format!("'{l}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            self.refusals.push(format!(
                "enum {} {what}, which PostgreSQL cannot do in place. Plan: declare the new labels as a new \
                 enum (another name), migrate the columns to it (`ALTER COLUMN … TYPE new USING col::text::new` \
                 after updating the rows that hold removed labels), then drop the old enum",
                display(&after.qualified_name())
            ));
            return;
        }
        for (i, label) in new.iter().enumerate() {
            if old.contains(label) {
                continue;
            }
            // The next label that already exists, to insert before; else after the previous one.
            let before_label = new[i + 1..]
                .iter()
                .find(|l| old.contains(l))
                .map(|l| l.to_string());
            let after_label = if before_label.is_none() {
                new[..i].last().map(|l| l.to_string())
            } else {
                None
            };
            self.early.push(Step::AddEnumValue {
                name: after.qualified_name(),
                value: label.to_string(),
                before: before_label,
                after: after_label,
            });
        }
    }

    fn tables(&mut self, old: &Schema, new: &Schema) {
        let old_tables: BTreeMap<_, &TableDef> = old
            .tables
            .iter()
            .map(|t| (key(&t.qualified_name()), t))
            .collect();
        let mut matched: BTreeSet<(String, String)> = BTreeSet::new();
        for table in &new.tables {
            let k = key(&table.qualified_name());
            let renamed = table
                .renamed_from
                .as_ref()
                .map(|from| key(&QualifiedName::new(table.schema.clone(), from.clone())));
            let previous = match (
                old_tables.get(&k),
                renamed.as_ref().and_then(|r| old_tables.get(r)),
            ) {
                (Some(found), _) => Some(*found),
                (None, Some(found)) => {
                    self.renames.push(Step::RenameTable {
                        from: found.qualified_name(),
                        to: table.name.to_string(),
                    });
                    Some(*found)
                }
                (None, None) => None,
            };
            match previous {
                Some(before) => {
                    matched.insert(key(&before.qualified_name()));
                    self.table(before, table);
                }
                None => self.create_table(table),
            }
        }
        for (k, table) in &old_tables {
            if matched.contains(k) {
                continue;
            }
            for fk in table.foreign_keys.iter() {
                self.drops.push(Step::DropConstraint {
                    table: table.qualified_name(),
                    name: fk.name.to_string(),
                });
            }
            let step = Step::DropTable(table.qualified_name());
            let reason = format!(
                "table {} is no longer declared and would be dropped with its rows",
                display(&table.qualified_name())
            );
            let hint = "if it was renamed, say so with `#[table(renamed_from = \"…\")]` on its new declaration";
            if let Some(step) = self.lose(step, reason, hint) {
                self.late_drops.push(step);
            }
        }
    }

    fn create_table(&mut self, table: &TableDef) {
        let q = table.qualified_name();
        self.creates.push(Step::CreateTable(table.clone()));
        for fk in table.foreign_keys.iter() {
            self.constraints.push(Step::AddForeignKey {
                table: q.clone(),
                fk: fk.clone(),
                not_valid: false,
            });
        }
        for index in table.indexes.iter() {
            self.indexes.push(Step::CreateIndex {
                table: q.clone(),
                index: index.clone(),
                concurrently: false,
            });
        }
    }

    fn table(&mut self, before: &TableDef, after: &TableDef) {
        let q = after.qualified_name();
        let renamed = self.columns(&q, before, after);
        self.primary_key(&q, before, after, &renamed);
        self.uniques(&q, before, after, &renamed);
        self.checks(&q, before, after);
        self.foreign_keys(&q, before, after, &renamed);
        self.trigger(&q, before, after, &renamed);
        self.indexes(&q, before, after, &renamed);
    }

    /// Columns: matched by name, or by `renamed_from`; the renames, for the constraints and
    /// indexes that name the columns.
    fn columns(&mut self, q: &QualifiedName, before: &TableDef, after: &TableDef) -> Renamed {
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
                Some(old) => {
                    matched.insert(old.name.to_string());
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
        Renamed(renamed)
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
            if self.referenced.contains(&(key(q), columns)) {
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
        let old_trigger: Vec<String> = before
            .trigger_columns()
            .iter()
            .map(|c| renamed.column(c))
            .collect();
        let new_trigger: Vec<String> = after
            .trigger_columns()
            .iter()
            .map(|c| c.to_string())
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
                    self.online.push(Step::CreateIndex {
                        table: q.clone(),
                        index,
                        concurrently: true,
                    });
                }
            }
        }
    }

    /// A table's named constraints of one kind, before and after: renames and drops become steps;
    /// the names to add are returned, for the caller to build their steps.
    fn constraint_changes<D: PartialEq + Clone>(
        &mut self,
        table: &QualifiedName,
        before: &[(String, D)],
        after: &[(String, D)],
    ) -> Vec<String> {
        let mut added = Vec::new();
        for change in changes(before, after) {
            match change {
                Change::Rename(from, to) => self.renames.push(Step::RenameConstraint {
                    table: table.clone(),
                    from,
                    to,
                }),
                Change::Drop(name) => self.drops.push(Step::DropConstraint {
                    table: table.clone(),
                    name,
                }),
                Change::Add(name) => added.push(name),
            }
        }
        added
    }

    fn add_column(&mut self, table: &QualifiedName, column: &ColumnDef) {
        if !column.nullable && column.default.is_none() && column.identity.is_none() {
            self.refusals.push(format!(
                "column \"{}\" of {} is added NOT NULL without a default, which fails on a table that has rows. \
                 Add it in two steps: first as an `Option<…>` (or with a `default = …`), backfill it, then make it \
                 NOT NULL in a later migration",
                column.name,
                display(table)
            ));
            return;
        }
        self.alters.push(Step::AddColumn {
            table: table.clone(),
            column: column.clone(),
        });
    }

    fn column(&mut self, table: &QualifiedName, old: &ColumnDef, new: &ColumnDef) {
        let name = new.name.to_string();
        let type_changes = old.sql_type != new.sql_type || old.array_dims != new.array_dims;
        if type_changes {
            // A default does not follow a type change by itself: drop it first, set it after.
            if old.default.is_some() {
                self.alters.push(Step::DropDefault {
                    table: table.clone(),
                    column: name.clone(),
                });
            }
            let change = type_change(old, new);
            let step = Step::AlterColumnType {
                table: table.clone(),
                column: name.clone(),
                sql_type: column_type(new),
                using: change.using,
                rewrites: change.rewrites,
                narrowing: change.narrowing,
            };
            if change.narrowing {
                let reason = format!(
                    "column \"{name}\" of {} changes from {} to {}, which can lose or refuse existing values",
                    display(table),
                    column_type(old),
                    column_type(new)
                );
                if let Some(step) = self.lose(
                    step,
                    reason,
                    "keep the wider type, or migrate the values by hand first",
                ) {
                    self.alters.push(step);
                }
            } else {
                self.alters.push(step);
            }
        }
        let identity_changes = old.identity != new.identity;
        if identity_changes && old.identity.is_some() {
            self.alters.push(Step::DropIdentity {
                table: table.clone(),
                column: name.clone(),
            });
        }
        if old.nullable != new.nullable {
            if new.nullable {
                self.alters.push(Step::DropNotNull {
                    table: table.clone(),
                    column: name.clone(),
                });
            } else if identity_changes && new.identity.is_some() {
                // An identity column must be NOT NULL before it becomes one: in the transaction.
                self.alters.push(Step::SetNotNull {
                    table: table.clone(),
                    column: name.clone(),
                    checked: false,
                });
            } else {
                // Online: a NOT VALID check now; validated while writes continue, then SET NOT
                // NULL without a scan, then the check goes.
                self.alters.push(Step::NotNullCheck {
                    table: table.clone(),
                    column: name.clone(),
                    phase: CheckPhase::Add,
                });
                self.online.push(Step::NotNullCheck {
                    table: table.clone(),
                    column: name.clone(),
                    phase: CheckPhase::Validate,
                });
                self.online.push(Step::SetNotNull {
                    table: table.clone(),
                    column: name.clone(),
                    checked: true,
                });
                self.online.push(Step::NotNullCheck {
                    table: table.clone(),
                    column: name.clone(),
                    phase: CheckPhase::Drop,
                });
            }
        }
        if identity_changes {
            if let Some(identity) = new.identity {
                self.alters.push(Step::AddIdentity {
                    table: table.clone(),
                    column: name.clone(),
                    identity,
                });
            }
        }
        if old.default != new.default || (type_changes && old.default.is_some()) {
            match &new.default {
                Some(default) => self.alters.push(Step::SetDefault {
                    table: table.clone(),
                    column: name.clone(),
                    default: default.clone(),
                    sql_type: new.sql_type.clone(),
                }),
                None => self.alters.push(Step::DropDefault {
                    table: table.clone(),
                    column: name.clone(),
                }),
            }
        }
    }
}

enum Change {
    Rename(String, String),
    Drop(String),
    Add(String),
}

/// Named definitions before and after: the same name with another definition is dropped and
/// added again; the same definition under another name is renamed.
fn changes<D: PartialEq + Clone>(before: &[(String, D)], after: &[(String, D)]) -> Vec<Change> {
    let mut out = Vec::new();
    let mut dropped: Vec<(String, D)> = Vec::new();
    let mut added: Vec<(String, D)> = Vec::new();
    for (name, def) in before {
        match after.iter().find(|(n, _)| n == name) {
            Some((_, d)) if d == def => {}
            Some(_) => {
                out.push(Change::Drop(name.clone()));
                added.push((
                    name.clone(),
                    after.iter().find(|(n, _)| n == name).unwrap().1.clone(),
                ));
            }
            None => dropped.push((name.clone(), def.clone())),
        }
    }
    for (name, def) in after {
        if !before.iter().any(|(n, _)| n == name) {
            added.push((name.clone(), def.clone()));
        }
    }
    // Pair a dropped definition with an added identical one: a rename.
    let mut renamed_to: BTreeSet<String> = BTreeSet::new();
    for (name, def) in dropped {
        match added.iter().find(|(n, d)| {
            *d == def && !renamed_to.contains(n) && !before.iter().any(|(b, _)| b == n)
        }) {
            Some((to, _)) => {
                renamed_to.insert(to.clone());
                out.push(Change::Rename(name, to.clone()));
            }
            None => out.push(Change::Drop(name)),
        }
    }
    for (name, _) in added {
        if !renamed_to.contains(&name) {
            out.push(Change::Add(name));
        }
    }
    out
}

struct TypeChange {
    using: Option<String>,
    rewrites: bool,
    narrowing: bool,
}

/// How a column's type change is done: whether it needs `USING`, rewrites the table, or can lose
/// or refuse existing values (narrowing). Each judgement is checked against the server by
/// `tests/tests/type_changes.rs`, which applies the change to extreme values and watches the
/// table's file node.
fn type_change(old: &ColumnDef, new: &ColumnDef) -> TypeChange {
    use SqlType::*;
    let column = crate::sql::quote_ident(&new.name);
    let cast = |target: String| Some(format!("{column}::{target}"));
    let change = |rewrites: bool, narrowing: bool| TypeChange {
        using: None,
        rewrites,
        narrowing,
    };
    if old.array_dims != new.array_dims {
        return TypeChange {
            using: cast(column_type(new)),
            rewrites: true,
            narrowing: true,
        };
    }
    match (&old.sql_type, &new.sql_type) {
        // Exact numbers, compared by how many digits they hold before and after the point.
        (a, b) if exact_digits(a, false).is_some() && exact_digits(b, true).is_some() => {
            let (Some(from), Some(to)) = (exact_digits(a, false), exact_digits(b, true)) else {
                unreachable!("checked by the guard")
            };
            // `numeric(p, s)` to an unconstrained `numeric`, or to as many digits or more before
            // the point with the same scale, keeps the bytes (PostgreSQL skips the rewrite).
            let same_bytes = matches!((a, b), (Numeric { .. }, Numeric { .. }))
                && (matches!(
                    b,
                    Numeric {
                        precision: None,
                        ..
                    }
                ) || (from.fraction == to.fraction && to.holds(&from)));
            change(!same_bytes, !to.holds(&from))
        }
        // Floating point: `real` has 24 bits of mantissa, `double precision` 53.
        (a, b) if float_bits(a).is_some() && float_bits(b).is_some() => {
            change(true, float_bits(b) < float_bits(a))
        }
        (a, b) if exact_digits(a, false).is_some() && float_bits(b).is_some() => {
            let (Some(from), Some(bits)) = (exact_digits(a, false), float_bits(b)) else {
                unreachable!("checked by the guard")
            };
            // Integers convert exactly while they fit the mantissa, decimals while they have no
            // more significant digits than the type guarantees to give back.
            let digits = match (from.integer, from.fraction) {
                (Some(integer), Some(0)) => Some((integer, bits_digits(bits))),
                (Some(integer), Some(fraction)) => {
                    Some((integer + fraction, bits_digits(bits - 1)))
                }
                _ => None,
            };
            change(true, digits.is_none_or(|(have, kept)| have > kept))
        }
        // Floats to exact numbers round (and refuse NaN and infinities where they cannot go).
        (a, b) if float_bits(a).is_some() && exact_digits(b, true).is_some() => change(true, true),
        // Text types.
        (Varchar(_) | Text, Text | Varchar(None)) => change(false, false),
        (Varchar(Some(a)), Varchar(Some(b))) => change(b < a, b < a),
        (Char(_), Text | Varchar(None)) => change(true, false),
        (Char(a), Varchar(Some(b))) => change(true, b < a),
        (Char(a), Char(b)) => change(true, b < a),
        (Varchar(Some(a)), Char(b)) => change(true, b < a),
        (Text | Varchar(None), Varchar(Some(_)) | Char(_)) => change(true, true),
        // Numbers to text keep every value, while the text is long enough.
        (a, Text | Varchar(None))
            if exact_digits(a, false).is_some() || float_bits(a).is_some() =>
        {
            change(true, false)
        }
        // Dates and times.
        (Timestamp, TimestampTz) | (TimestampTz, Timestamp) => change(true, false),
        // `date` reaches 5874897 AD, timestamps 294276 AD.
        (Date, Timestamp | TimestampTz) => change(true, true),
        (Timestamp | TimestampTz, Date) => change(true, true),
        (Json, Jsonb) => TypeChange {
            using: cast("jsonb".into()),
            rewrites: true,
            narrowing: false,
        },
        (Enum(_), Text | Varchar(None)) => TypeChange {
            using: cast("text".into()),
            rewrites: true,
            narrowing: false,
        },
        (Text | Varchar(_) | Enum(_), Enum(_)) => TypeChange {
            using: Some(format!("{column}::text::{}", new.sql_type.ddl())),
            rewrites: true,
            narrowing: true,
        },
        // Anything else: an explicit cast, which fails on values that do not convert.
        _ => TypeChange {
            using: cast(new.sql_type.ddl()),
            rewrites: true,
            narrowing: true,
        },
    }
}

/// The digits an exact number type holds: before the point (`None`: unlimited) and after it
/// (`None`: any scale, as an unconstrained `numeric`).
#[derive(Clone, Copy)]
struct Digits {
    integer: Option<u32>,
    fraction: Option<u32>,
}

impl Digits {
    /// Whether every value of `from` is a value of `self`.
    fn holds(&self, from: &Digits) -> bool {
        let integer = match (self.integer, from.integer) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(to), Some(from)) => to >= from,
        };
        let fraction = match (self.fraction, from.fraction) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(to), Some(from)) => to >= from,
        };
        integer && fraction
    }
}

/// The digits of an integer or `numeric` type; `None` for any other type. An integer type's
/// range is not all of its digits (`smallint` stops at 32767): as the type changed from, it
/// counts the digits its largest value needs (5), which the new type must hold; as the type
/// changed to, the digits it always holds (4).
fn exact_digits(t: &SqlType, as_target: bool) -> Option<Digits> {
    let integer = |needs: u32| {
        Some(Digits {
            integer: Some(if as_target { needs - 1 } else { needs }),
            fraction: Some(0),
        })
    };
    match t {
        SqlType::SmallInt => integer(5),
        SqlType::Integer => integer(10),
        SqlType::BigInt => integer(19),
        SqlType::Numeric {
            precision: Some(p),
            scale,
        } => {
            let scale = u32::from(scale.unwrap_or(0));
            Some(Digits {
                integer: Some(u32::from(*p).saturating_sub(scale)),
                fraction: Some(scale),
            })
        }
        SqlType::Numeric {
            precision: None, ..
        } => Some(Digits {
            integer: None,
            fraction: None,
        }),
        _ => None,
    }
}

/// The mantissa bits of a floating-point type.
fn float_bits(t: &SqlType) -> Option<u32> {
    match t {
        SqlType::Real => Some(24),
        SqlType::DoublePrecision => Some(53),
        _ => None,
    }
}

/// The decimal digits that `bits` of mantissa always keep: every integer of that many digits fits
/// (`2^24` has 8 digits, but not every 8-digit integer fits: 7 do); with one bit less, every
/// decimal of that many significant digits comes back unchanged (`FLT_DIG`, `DBL_DIG`).
fn bits_digits(bits: u32) -> u32 {
    ((bits as f64) * std::f64::consts::LOG10_2).floor() as u32
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

/// The names of `columns` as they are.
fn same_columns(columns: &[crate::schema::Str]) -> Vec<String> {
    columns.iter().map(|c| c.to_string()).collect()
}
