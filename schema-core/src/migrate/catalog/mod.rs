//! What a live database holds, read from `pg_catalog`, in a form that can be compared with what a
//! [`Schema`](crate::schema::Schema) declares: type names as `format_type` prints them, defaults
//! as `pg_get_expr` prints them, and every constraint and index with its columns.
//!
//! [`Catalog::read`] reads a database; [`Catalog::expected`] says what the same catalog looks
//! like for a declared schema; [`Catalog::differences`] lists what differs, in words.
//!
//! SQL written by the user (checks, expression keys, predicates, raw defaults) is rewritten by
//! the server (`IN (…)` becomes `= ANY (ARRAY[…])`, casts and parentheses appear, names are
//! quoted where they need it), so it is compared in the form the server prints:
//! [`Catalog::expected_on`] builds each declared table in the session's temporary schema,
//! inside a transaction that is rolled back, and reads it back with the same reader.

use std::collections::BTreeMap;
use std::fmt::Write as _;

mod expected;
mod read;

use crate::schema::FkAction;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    pub extensions: Vec<String>,
    /// `schema.name` → labels in sort order.
    pub enums: BTreeMap<String, Vec<String>>,
    /// `schema.name` → table.
    pub tables: BTreeMap<String, CatalogTable>,
    /// `schema.name` → sequence, for sequences not made by an identity column.
    pub sequences: BTreeMap<String, CatalogSequence>,
    /// `schema.name` → view or materialized view.
    pub views: BTreeMap<String, CatalogView>,
    /// `schema.name` → domain.
    pub domains: BTreeMap<String, CatalogDomain>,
    /// `schema.name(argument types)` → function (extensions' own left out).
    pub functions: BTreeMap<String, CatalogFunction>,
}

/// A function: its arguments and result as `pg_get_function_arguments` and
/// `pg_get_function_result` print them, and its body as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogFunction {
    pub arguments: String,
    pub result: String,
    pub language: String,
    pub volatility: crate::schema::Volatility,
    pub strict: bool,
    pub security_definer: bool,
    pub body: String,
}

/// A trigger: when it fires, on what, and what it calls (`schema.name` and arguments); its
/// `WHEN` condition as the server prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogTrigger {
    pub timing: crate::schema::TriggerTiming,
    pub events: Vec<crate::schema::TriggerEvent>,
    pub update_of: Vec<String>,
    pub for_each_row: bool,
    pub when: Option<String>,
    pub function: String,
    pub arguments: Vec<String>,
}

impl std::fmt::Display for CatalogTrigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let events: Vec<String> = self
            .events
            .iter()
            .map(|e| match e {
                crate::schema::TriggerEvent::Update if !self.update_of.is_empty() => {
                    format!("UPDATE OF {}", self.update_of.join(", "))
                }
                e => e.sql().to_string(),
            })
            .collect();
        write!(
            f,
            "{} {} FOR EACH {}",
            self.timing.sql(),
            events.join(" OR "),
            if self.for_each_row {
                "ROW"
            } else {
                "STATEMENT"
            }
        )?;
        if let Some(when) = &self.when {
            write!(f, " WHEN {when}")?;
        }
        let arguments: Vec<String> = self
            .arguments
            .iter()
            .map(|a| crate::sql::quote_literal(a))
            .collect();
        write!(
            f,
            " EXECUTE FUNCTION {}({})",
            self.function,
            arguments.join(", ")
        )
    }
}

/// A domain: its base type as `format_type` prints it, NOT NULL, and its checks by name
/// (the expression as the server prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogDomain {
    pub base: String,
    pub not_null: bool,
    pub checks: BTreeMap<String, String>,
}

/// A view: its query as `pg_get_viewdef` prints it, and its columns and indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogView {
    pub materialized: bool,
    pub definition: String,
    /// Its columns (with their types) and, for a materialized view, its indexes.
    pub relation: CatalogTable,
}

/// A sequence as `pg_sequence` holds it: every option resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSequence {
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// `schema.table.column` of `OWNED BY`.
    pub owned_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogTable {
    pub columns: Vec<CatalogColumn>,
    pub primary_key: Option<(String, Vec<String>)>,
    pub uniques: BTreeMap<String, CatalogUnique>,
    pub foreign_keys: BTreeMap<String, CatalogForeignKey>,
    /// name → expression (the constraint definition without `CHECK`).
    pub checks: BTreeMap<String, String>,
    pub indexes: BTreeMap<String, CatalogIndex>,
    /// User triggers (the on-update trigger too), by name.
    pub triggers: BTreeMap<String, CatalogTrigger>,
    /// `PARTITION BY …` as `pg_get_partkeydef` prints it (`RANGE (created_at)`).
    pub partition_by: Option<String>,
    /// Partitions by name (in the table's schema), each with its bound as the server prints it
    /// (`FOR VALUES FROM (…) TO (…)`).
    pub partitions: BTreeMap<String, String>,
    /// `relrowsecurity`, `relforcerowsecurity`.
    pub row_security: bool,
    pub force_row_security: bool,
    /// Row-level security policies, by name.
    pub policies: BTreeMap<String, CatalogPolicy>,
    /// `COMMENT ON TABLE`.
    pub comment: Option<String>,
    /// Role (`public` for every role) → privileges granted to it (`SELECT`, …), sorted; the
    /// owner's own are not listed.
    pub grants: BTreeMap<String, Vec<String>>,
}

/// A policy as `pg_policy` holds it, its expressions as the server prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogPolicy {
    pub command: crate::schema::PolicyCommand,
    /// Role names, sorted; `["public"]` for every role.
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub restrictive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogColumn {
    pub name: String,
    pub type_name: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// `a` (always) or `d` (by default), as in `pg_attribute.attidentity`.
    pub identity: Option<char>,
    /// The expression of a generated (`STORED`) column, as the server prints it.
    pub generated: Option<String>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogUnique {
    pub columns: Vec<String>,
    pub nulls_not_distinct: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogForeignKey {
    pub columns: Vec<String>,
    /// `schema.name`
    pub references: String,
    pub referenced_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogIndex {
    pub method: String,
    pub unique: bool,
    pub keys: Vec<CatalogIndexKey>,
    pub predicate: Option<String>,
    /// Storage parameters, `name=value` each, as `pg_class.reloptions` lists them.
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogIndexKey {
    /// A column name, or an expression as the server prints it.
    pub key: String,
    pub is_expression: bool,
    pub desc: bool,
    pub nulls_first: bool,
    /// The operator class, when it is not the type's default.
    pub opclass: Option<String>,
}

/// Other tools' migration journals, `(schema, table, tool)`: not part of any schema, so the
/// catalog leaves them out (as it does this tool's own journal), and `baseline` reports them.
pub const OTHER_JOURNALS: [(&str, &str, &str); 2] = [
    ("drizzle", "__drizzle_migrations", "drizzle-kit"),
    ("public", "alembic_version", "Alembic"),
];

/// The key of an object in a [`Catalog`]'s maps: `schema.name`, `public` when none is given.
pub(crate) fn qualified(schema: Option<&str>, name: &str) -> String {
    format!("{}.{name}", schema.unwrap_or("public"))
}

fn fk_action(code: i8) -> FkAction {
    match code as u8 {
        b'r' => FkAction::Restrict,
        b'c' => FkAction::Cascade,
        b'n' => FkAction::SetNull,
        b'd' => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

impl Catalog {
    /// What differs between `self` (expected) and `actual`, one line per difference; empty when
    /// they match.
    pub fn differences(&self, actual: &Catalog) -> Vec<String> {
        let mut out = Vec::new();
        if self.extensions != actual.extensions {
            out.push(format!(
                "extensions: expected {:?}, found {:?}",
                self.extensions, actual.extensions
            ));
        }
        diff_maps(
            &mut out,
            "enum",
            &self.enums,
            &actual.enums,
            |out, name, e, a| {
                if e != a {
                    out.push(format!("enum {name}: expected labels {e:?}, found {a:?}"));
                }
            },
        );
        diff_maps(&mut out, "table", &self.tables, &actual.tables, diff_table);
        diff_maps(
            &mut out,
            "domain",
            &self.domains,
            &actual.domains,
            |out, name, e, a| {
                if e != a {
                    out.push(format!("domain {name}: expected {e:?}, found {a:?}"));
                }
            },
        );
        diff_maps(
            &mut out,
            "view",
            &self.views,
            &actual.views,
            |out, name, e, a| {
                if e.materialized != a.materialized {
                    out.push(format!(
                        "view {name}: expected {}, found {}",
                        if e.materialized {
                            "a materialized view"
                        } else {
                            "a plain view"
                        },
                        if a.materialized {
                            "a materialized view"
                        } else {
                            "a plain view"
                        }
                    ));
                }
                if e.definition != a.definition {
                    out.push(format!(
                        "view {name}: expected the query {:?}, found {:?}",
                        e.definition, a.definition
                    ));
                }
                let names = |v: &CatalogView| {
                    v.relation
                        .columns
                        .iter()
                        .map(|c| c.name.clone())
                        .collect::<Vec<_>>()
                };
                if names(e) != names(a) {
                    out.push(format!(
                        "view {name}: expected columns {:?}, found {:?}",
                        names(e),
                        names(a)
                    ));
                }
                let label = format!("view {name}: index");
                diff_maps(
                    out,
                    &label,
                    &e.relation.indexes,
                    &a.relation.indexes,
                    |out, index, x, y| {
                        if x != y {
                            out.push(format!(
                                "view {name}: index {index}: expected {x:?}, found {y:?}"
                            ));
                        }
                    },
                );
            },
        );
        diff_maps(
            &mut out,
            "function",
            &self.functions,
            &actual.functions,
            |out, name, e, a| {
                let mut what = Vec::new();
                if e.result != a.result {
                    what.push(format!("returns {} (declared {})", a.result, e.result));
                }
                if e.arguments != a.arguments {
                    what.push(format!(
                        "takes ({}) (declared ({}))",
                        a.arguments, e.arguments
                    ));
                }
                if e.language != a.language {
                    what.push(format!("is in {} (declared {})", a.language, e.language));
                }
                if (e.volatility, e.strict, e.security_definer)
                    != (a.volatility, a.strict, a.security_definer)
                {
                    what.push(format!(
                        "is {:?}, strict {}, security definer {} (declared {:?}, {}, {})",
                        a.volatility,
                        a.strict,
                        a.security_definer,
                        e.volatility,
                        e.strict,
                        e.security_definer
                    ));
                }
                if e.body != a.body {
                    what.push("has another body than the declared one".to_string());
                }
                if !what.is_empty() {
                    out.push(format!("function {name} {}", what.join("; ")));
                }
            },
        );
        diff_maps(
            &mut out,
            "sequence",
            &self.sequences,
            &actual.sequences,
            |out, name, e, a| {
                if e != a {
                    out.push(format!("sequence {name}: expected {e:?}, found {a:?}"));
                }
            },
        );
        out
    }
}

fn row_security_words(t: &CatalogTable) -> &'static str {
    match (t.row_security, t.force_row_security) {
        (false, false) => "off",
        (false, true) => "off (forced once enabled)",
        (true, false) => "enabled",
        (true, true) => "enabled and forced",
    }
}

fn diff_maps<T>(
    out: &mut Vec<String>,
    what: &str,
    expected: &BTreeMap<String, T>,
    actual: &BTreeMap<String, T>,
    mut both: impl FnMut(&mut Vec<String>, &str, &T, &T),
) {
    for (name, e) in expected {
        match actual.get(name) {
            Some(a) => both(out, name, e, a),
            None => out.push(format!("{what} {name} is missing")),
        }
    }
    for name in actual.keys().filter(|n| !expected.contains_key(*n)) {
        out.push(format!("{what} {name} is not declared"));
    }
}

/// Objects that print as SQL, by name: each missing, undeclared or printed otherwise.
fn diff_printed<T: PartialEq + std::fmt::Display>(
    out: &mut Vec<String>,
    what: &str,
    expected: &BTreeMap<String, T>,
    actual: &BTreeMap<String, T>,
) {
    diff_maps(out, what, expected, actual, |out, name, x, y| {
        if x != y {
            out.push(format!("{what} {name}: expected `{x}`, found `{y}`"));
        }
    });
}

fn diff_table(out: &mut Vec<String>, table: &str, e: &CatalogTable, a: &CatalogTable) {
    diff_printed(out, &format!("{table}: trigger"), &e.triggers, &a.triggers);
    if e.partition_by != a.partition_by {
        let shown = |p: &Option<String>| {
            p.as_ref().map_or("not partitioned".to_string(), |p| {
                format!("PARTITION BY {p}")
            })
        };
        out.push(format!(
            "{table}: expected {}, found {}",
            shown(&e.partition_by),
            shown(&a.partition_by)
        ));
    }
    diff_printed(
        out,
        &format!("{table}: partition"),
        &e.partitions,
        &a.partitions,
    );
    // The same columns, in any order: a column added by a migration (or dropped and added again,
    // as a changed generated column is) comes last in the table, wherever the struct declares it,
    // and no query here depends on the order.
    let names = |cols: &[CatalogColumn]| {
        let mut names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
        names.sort();
        names
    };
    if names(&e.columns) != names(&a.columns) {
        out.push(format!(
            "{table}: expected columns {:?}, found {:?}",
            names(&e.columns),
            names(&a.columns)
        ));
    }
    for ec in &e.columns {
        let Some(ac) = a.columns.iter().find(|c| c.name == ec.name) else {
            continue;
        };
        let default_matches = match (&ec.default, &ac.default) {
            (Some(x), Some(y)) => x == y,
            (x, y) => x == y,
        };
        if ec.type_name != ac.type_name
            || ec.not_null != ac.not_null
            || !default_matches
            || ec.identity != ac.identity
            || ec.generated != ac.generated
            || ec.comment != ac.comment
        {
            out.push(format!(
                "{table}.{}: expected {ec:?}, found {ac:?}",
                ec.name
            ));
        }
    }
    if e.primary_key != a.primary_key {
        out.push(format!(
            "{table}: expected primary key {:?}, found {:?}",
            e.primary_key, a.primary_key
        ));
    }
    if (e.row_security, e.force_row_security) != (a.row_security, a.force_row_security) {
        out.push(format!(
            "{table}: expected row level security {}, found {}",
            row_security_words(e),
            row_security_words(a)
        ));
    }
    if e.comment != a.comment {
        out.push(format!(
            "{table}: expected the comment {:?}, found {:?}",
            e.comment, a.comment
        ));
    }
    let label = format!("{table}: grant to");
    diff_maps(out, &label, &e.grants, &a.grants, |out, role, x, y| {
        if x != y {
            out.push(format!(
                "{table}: grant to {role}: expected {x:?}, found {y:?}"
            ));
        }
    });
    let label = format!("{table}: policy");
    diff_maps(out, &label, &e.policies, &a.policies, |out, name, x, y| {
        if x != y {
            out.push(format!(
                "{table}: policy {name}: expected {x:?}, found {y:?}"
            ));
        }
    });
    let label = format!("{table}: unique");
    diff_maps(out, &label, &e.uniques, &a.uniques, |out, name, x, y| {
        if x != y {
            out.push(format!(
                "{table}: unique {name}: expected {x:?}, found {y:?}"
            ));
        }
    });
    let label = format!("{table}: foreign key");
    diff_maps(
        out,
        &label,
        &e.foreign_keys,
        &a.foreign_keys,
        |out, name, x, y| {
            if x != y {
                out.push(format!(
                    "{table}: foreign key {name}: expected {x:?}, found {y:?}"
                ));
            }
        },
    );
    let label = format!("{table}: check");
    diff_maps(out, &label, &e.checks, &a.checks, |out, name, x, y| {
        if x != y {
            out.push(format!(
                "{table}: check {name}: expected {x:?}, found {y:?}"
            ));
        }
    });
    let label = format!("{table}: index");
    diff_maps(out, &label, &e.indexes, &a.indexes, |out, name, x, y| {
        let keys_match = x.keys.len() == y.keys.len()
            && x.keys.iter().zip(&y.keys).all(|(k, l)| {
                k.key == l.key
                    && k.is_expression == l.is_expression
                    && k.desc == l.desc
                    && k.nulls_first == l.nulls_first
                    && k.opclass == l.opclass
            });
        let predicate_matches = x.predicate == y.predicate;
        if x.method != y.method
            || x.unique != y.unique
            || !keys_match
            || !predicate_matches
            || x.options != y.options
        {
            out.push(format!(
                "{table}: index {name}: expected {x:?}, found {y:?}"
            ));
        }
    });
}

impl std::fmt::Display for Catalog {
    /// A stable, readable listing (for snapshots).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        writeln!(s, "extensions: {}", self.extensions.join(", ")).ok();
        for (name, labels) in &self.enums {
            writeln!(s, "enum {name}: {}", labels.join(", ")).ok();
        }
        for (name, d) in &self.domains {
            let checks: Vec<String> = d.checks.iter().map(|(n, c)| format!("{n} {c}")).collect();
            writeln!(
                s,
                "domain {name} as {}{} {}",
                d.base,
                if d.not_null { " not null" } else { "" },
                checks.join(", ")
            )
            .ok();
        }
        for (name, v) in &self.views {
            let columns: Vec<&str> = v.relation.columns.iter().map(|c| c.name.as_str()).collect();
            writeln!(
                s,
                "{}view {name} ({}) as {}",
                if v.materialized { "materialized " } else { "" },
                columns.join(", "),
                v.definition.trim()
            )
            .ok();
            for index in v.relation.indexes.keys() {
                writeln!(s, "  index {index}").ok();
            }
        }
        for (name, function) in &self.functions {
            writeln!(
                s,
                "function {name} ({}) returns {} language {} {}{}{} as {:?}",
                function.arguments,
                function.result,
                function.language,
                function.volatility.sql().to_lowercase(),
                if function.strict { " strict" } else { "" },
                if function.security_definer {
                    " security definer"
                } else {
                    ""
                },
                function.body
            )
            .ok();
        }
        for (name, q) in &self.sequences {
            writeln!(
                s,
                "sequence {name} as {} start {} increment {} min {} max {} cache {}{}{}",
                q.data_type,
                q.start,
                q.increment,
                q.min,
                q.max,
                q.cache,
                if q.cycle { " cycle" } else { "" },
                q.owned_by
                    .as_ref()
                    .map(|o| format!(" owned by {o}"))
                    .unwrap_or_default()
            )
            .ok();
        }
        for (name, table) in &self.tables {
            writeln!(s, "table {name}").ok();
            for c in &table.columns {
                write!(s, "  column {} {}", c.name, c.type_name).ok();
                if c.not_null {
                    s.push_str(" not null");
                }
                if let Some(d) = &c.default {
                    write!(s, " default {d}").ok();
                }
                if let Some(i) = c.identity {
                    write!(s, " identity {i}").ok();
                }
                if let Some(g) = &c.generated {
                    write!(s, " generated ({g}) stored").ok();
                }
                if let Some(comment) = &c.comment {
                    write!(s, " comment {comment:?}").ok();
                }
                s.push('\n');
            }
            if let Some((name, cols)) = &table.primary_key {
                writeln!(s, "  primary key {name} ({})", cols.join(", ")).ok();
            }
            for (name, u) in &table.uniques {
                let nnd = if u.nulls_not_distinct {
                    " nulls not distinct"
                } else {
                    ""
                };
                writeln!(s, "  unique {name} ({}){nnd}", u.columns.join(", ")).ok();
            }
            for (name, fk) in &table.foreign_keys {
                writeln!(
                    s,
                    "  foreign key {name} ({}) -> {} ({}) on delete {} on update {}",
                    fk.columns.join(", "),
                    fk.references,
                    fk.referenced_columns.join(", "),
                    fk.on_delete.sql(),
                    fk.on_update.sql()
                )
                .ok();
            }
            for (name, expr) in &table.checks {
                writeln!(s, "  check {name} {expr}").ok();
            }
            for (name, trigger) in &table.triggers {
                writeln!(s, "  trigger {name} {trigger}").ok();
            }
            if let Some(by) = &table.partition_by {
                writeln!(s, "  partition by {by}").ok();
            }
            for (name, bound) in &table.partitions {
                writeln!(s, "  partition {name} {bound}").ok();
            }
            if let Some(comment) = &table.comment {
                writeln!(s, "  comment {comment:?}").ok();
            }
            for (role, privileges) in &table.grants {
                writeln!(s, "  grant {} to {role}", privileges.join(", ")).ok();
            }
            if table.row_security || table.force_row_security {
                writeln!(s, "  row level security {}", row_security_words(table)).ok();
            }
            for (name, p) in &table.policies {
                writeln!(
                    s,
                    "  policy {name} {}for {} to {} using ({}) with check ({})",
                    if p.restrictive { "restrictive " } else { "" },
                    p.command.sql(),
                    p.roles.join(", "),
                    p.using.as_deref().unwrap_or(""),
                    p.with_check.as_deref().unwrap_or("")
                )
                .ok();
            }
            for (name, index) in &table.indexes {
                let keys: Vec<String> = index
                    .keys
                    .iter()
                    .map(|k| {
                        let mut key = k.key.clone();
                        if let Some(o) = &k.opclass {
                            write!(key, " {o}").ok();
                        }
                        if k.desc {
                            key.push_str(" desc");
                        }
                        if k.nulls_first != k.desc {
                            key.push_str(if k.nulls_first {
                                " nulls first"
                            } else {
                                " nulls last"
                            });
                        }
                        key
                    })
                    .collect();
                write!(
                    s,
                    "  {}index {name} using {} ({})",
                    if index.unique { "unique " } else { "" },
                    index.method,
                    keys.join(", ")
                )
                .ok();
                if !index.options.is_empty() {
                    write!(s, " with ({})", index.options.join(", ")).ok();
                }
                if let Some(p) = &index.predicate {
                    write!(s, " where {p}").ok();
                }
                s.push('\n');
            }
        }
        f.write_str(&s)
    }
}
