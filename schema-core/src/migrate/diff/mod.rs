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

mod column;
mod routine;
mod table;
mod view;

use super::render::Step;
use crate::schema::{EnumDef, QualifiedName, Schema, SequenceDef, TableDef};

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
        view_drops: Vec::new(),
        view_creates: Vec::new(),
        late_functions: Vec::new(),
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
    d.domains(old, new);
    d.sequences(old, new);
    d.tables(old, new);
    d.functions(old, new);
    d.views(old, new);
    if !d.refusals.is_empty() {
        return Err(Refusal(d.refusals));
    }
    let mut steps = Vec::new();
    for part in [
        d.early,
        d.view_drops,
        d.renames,
        d.drops,
        d.creates,
        d.alters,
        d.late_drops,
        d.constraints,
        d.late_functions,
        d.indexes,
        d.view_creates,
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
    /// Views that go away or are made again: before anything they read changes.
    view_drops: Vec<Step>,
    /// Views made (again), in dependency order: after the tables.
    view_creates: Vec<Step>,
    /// SQL functions, which the server resolves when they are made: after the tables and
    /// columns, before the triggers and views.
    late_functions: Vec<Step>,
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

    /// Domains: made before the tables (after the enums they may be over), checks and NOT NULL
    /// changed in place, dropped after the columns; a new base type is refused with the plan.
    fn domains(&mut self, old: &Schema, new: &Schema) {
        for def in &new.domains {
            let q = def.qualified_name();
            let Some(before) = old
                .domains
                .iter()
                .find(|d| key(&d.qualified_name()) == key(&q))
            else {
                self.early.push(Step::CreateDomain(def.clone()));
                continue;
            };
            if (&before.base, before.array_dims) != (&def.base, def.array_dims) {
                self.refusals.push(format!(
                    "domain {} changes its base type from {} to {}, which PostgreSQL cannot do in place. Plan: \
                     declare a new domain (another name), move the columns to it, then drop the old one",
                    display(&q),
                    before.base_ddl(),
                    def.base_ddl()
                ));
                continue;
            }
            for check in before.checks.iter() {
                if !def.checks.contains(check) {
                    self.early.push(Step::DropDomainCheck {
                        name: q.clone(),
                        check: check.name.to_string(),
                    });
                }
            }
            if before.not_null != def.not_null {
                self.early.push(Step::DomainNotNull {
                    name: q.clone(),
                    not_null: def.not_null,
                });
            }
            for check in def.checks.iter() {
                if !before.checks.contains(check) {
                    self.early.push(Step::AddDomainCheck {
                        name: q.clone(),
                        check: check.clone(),
                    });
                }
            }
        }
        for def in &old.domains {
            let q = def.qualified_name();
            if !new
                .domains
                .iter()
                .any(|d| key(&d.qualified_name()) == key(&q))
            {
                // Before the enums it may be over go.
                self.last.insert(0, Step::DropDomain(q));
            }
        }
    }

    /// Sequences: made before the tables whose defaults use them, owned once the tables exist,
    /// altered in place, dropped after the tables.
    fn sequences(&mut self, old: &Schema, new: &Schema) {
        let old_sequences: BTreeMap<_, &SequenceDef> = old
            .sequences
            .iter()
            .map(|s| (key(&s.qualified_name()), s))
            .collect();
        for def in &new.sequences {
            let before = old_sequences.get(&key(&def.qualified_name()));
            let options = |s: &SequenceDef| SequenceDef {
                owned_by: None,
                ..s.clone()
            };
            match before {
                None => self.early.push(Step::CreateSequence(def.clone())),
                Some(before) if options(before) != options(def) => {
                    self.early.push(Step::AlterSequence(def.clone()))
                }
                Some(_) => {}
            }
            if before.map(|b| &b.owned_by) != Some(&def.owned_by)
                && (before.is_some() || def.owned_by.is_some())
            {
                self.last.push(Step::SequenceOwnedBy {
                    name: def.qualified_name(),
                    owned_by: def.owned_by.clone(),
                });
            }
        }
        let new_keys: BTreeSet<_> = new
            .sequences
            .iter()
            .map(|s| key(&s.qualified_name()))
            .collect();
        // A sequence owned by a column that goes away goes with it.
        let owner_remains = |o: &crate::schema::OwnedBy| {
            new.find_table(&o.table)
                .is_some_and(|t| t.column(&o.column).is_some())
        };
        for (k, def) in &old_sequences {
            if !new_keys.contains(k) && def.owned_by.as_ref().is_none_or(owner_remains) {
                self.last.push(Step::DropSequence(def.qualified_name()));
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
        self.creates
            .extend(crate::migrate::render::create_partitions(table));
        // The on-update trigger and those written by hand, after the functions they call.
        self.indexes
            .extend(crate::migrate::render::create_trigger(table));
        self.indexes
            .extend(table.triggers.iter().map(|trigger| Step::AddTrigger {
                table: q.clone(),
                trigger: trigger.clone(),
            }));
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
        self.constraints
            .extend(crate::migrate::render::row_security(table));
        self.constraints
            .extend(crate::migrate::render::comments_and_grants(table));
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
