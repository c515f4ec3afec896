//! What a live database holds, read from `pg_catalog`, in a form that can be compared with what a
//! [`Schema`] declares: type names as `format_type` prints them, defaults as `pg_get_expr`
//! prints them, and every constraint and index with its columns.
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

use tokio_postgres::Client;

use crate::schema::{FkAction, Identity, IndexTarget, NullsOrder, Schema, SortOrder};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    pub extensions: Vec<String>,
    /// `schema.name` → labels in sort order.
    pub enums: BTreeMap<String, Vec<String>>,
    /// `schema.name` → table.
    pub tables: BTreeMap<String, CatalogTable>,
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
    /// User triggers, by name.
    pub triggers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogColumn {
    pub name: String,
    pub type_name: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// `a` (always) or `d` (by default), as in `pg_attribute.attidentity`.
    pub identity: Option<char>,
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

fn qualified(schema: Option<&str>, name: &str) -> String {
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
    /// The catalog a database built from `schema` has.
    pub fn expected(schema: &Schema) -> Catalog {
        let mut catalog = Catalog {
            extensions: schema.extensions.iter().map(|e| e.to_string()).collect(),
            ..Catalog::default()
        };
        for def in &schema.enums {
            catalog.enums.insert(
                qualified(def.schema.as_deref(), &def.name),
                def.labels.iter().map(|l| l.to_string()).collect(),
            );
        }
        for table in &schema.tables {
            let pk_columns: Vec<String> = table
                .primary_key
                .iter()
                .flat_map(|pk| pk.columns.iter().map(|c| c.to_string()))
                .collect();
            let columns = table
                .columns
                .iter()
                .map(|c| {
                    let mut type_name = c.sql_type.catalog_name();
                    for _ in 0..c.array_dims {
                        type_name.push_str("[]");
                    }
                    let default = c.default.as_ref().map(|d| {
                        let scalar = c.array_dims == 0;
                        match (scalar, d.catalog_form(&c.sql_type)) {
                            (true, Some(form)) => form,
                            _ => d.ddl(&c.sql_type),
                        }
                    });
                    CatalogColumn {
                        name: c.name.to_string(),
                        type_name,
                        not_null: !c.nullable
                            || c.identity.is_some()
                            || pk_columns.contains(&c.name.to_string()),
                        default,
                        identity: c.identity.map(|i| match i {
                            Identity::Always => 'a',
                            Identity::ByDefault => 'd',
                        }),
                    }
                })
                .collect();
            let strings = |list: &[crate::schema::Str]| {
                list.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            };
            let entry = CatalogTable {
                columns,
                primary_key: table
                    .primary_key
                    .as_ref()
                    .map(|pk| (pk.name.to_string(), strings(&pk.columns))),
                uniques: table
                    .uniques
                    .iter()
                    .map(|u| {
                        let unique = CatalogUnique {
                            columns: strings(&u.columns),
                            nulls_not_distinct: u.nulls_not_distinct,
                        };
                        (u.name.to_string(), unique)
                    })
                    .collect(),
                foreign_keys: table
                    .foreign_keys
                    .iter()
                    .map(|fk| {
                        let foreign_key = CatalogForeignKey {
                            columns: strings(&fk.columns),
                            references: qualified(
                                fk.references.schema.as_deref(),
                                &fk.references.name,
                            ),
                            referenced_columns: strings(&fk.referenced_columns),
                            on_delete: fk.on_delete,
                            on_update: fk.on_update,
                        };
                        (fk.name.to_string(), foreign_key)
                    })
                    .collect(),
                checks: table
                    .checks
                    .iter()
                    .map(|c| (c.name.to_string(), c.expression.to_string()))
                    .collect(),
                triggers: if table.trigger_columns().is_empty() {
                    Vec::new()
                } else {
                    vec![table.trigger_name()]
                },
                indexes: table
                    .indexes
                    .iter()
                    .map(|index| {
                        let keys = index
                            .keys
                            .iter()
                            .map(|key| {
                                let desc = key.order == Some(SortOrder::Desc);
                                let (name, is_expression) = match &key.target {
                                    IndexTarget::Column(c) => (c.to_string(), false),
                                    IndexTarget::Expression(e) => (e.to_string(), true),
                                };
                                CatalogIndexKey {
                                    key: name,
                                    is_expression,
                                    desc,
                                    nulls_first: match key.nulls {
                                        Some(NullsOrder::First) => true,
                                        Some(NullsOrder::Last) => false,
                                        None => desc,
                                    },
                                    opclass: key.opclass.as_ref().map(|o| o.to_string()),
                                }
                            })
                            .collect();
                        let entry = CatalogIndex {
                            method: index.method.sql().to_string(),
                            unique: index.unique,
                            keys,
                            predicate: index.predicate.as_ref().map(|p| p.to_string()),
                            options: index
                                .with
                                .as_deref()
                                .map(|w| {
                                    w.split(',')
                                        .map(|o| o.split_whitespace().collect::<String>())
                                        .collect()
                                })
                                .unwrap_or_default(),
                        };
                        (index.name.to_string(), entry)
                    })
                    .collect(),
            };
            catalog
                .tables
                .insert(qualified(table.schema.as_deref(), &table.name), entry);
        }
        catalog
    }

    /// The catalog a database built from `schema` has, in the exact form `client`'s server
    /// prints it: each declared table (with its keys, checks, defaults and indexes) is made in
    /// the session's temporary schema inside a transaction that is rolled back, and read back.
    /// Foreign keys and triggers come from [`Catalog::expected`] (they print no user SQL). A
    /// table or index the server cannot make (its type or extension is missing, which the
    /// comparison then reports) keeps its declared form.
    pub async fn expected_on(
        client: &Client,
        schema: &Schema,
    ) -> Result<Catalog, tokio_postgres::Error> {
        let mut catalog = Catalog::expected(schema);
        let mut guard = crate::exec::cleanup::RollbackGuard::new(client, "ROLLBACK");
        client.batch_execute("BEGIN").await?;
        let built = async {
            for (n, table) in schema.tables.iter().enumerate() {
                let key = qualified(table.schema.as_deref(), &table.name);
                if let Some(scratch) = scratch_table(client, n, table).await? {
                    if let Some(entry) = catalog.tables.get_mut(&key) {
                        let foreign_keys = std::mem::take(&mut entry.foreign_keys);
                        let triggers = std::mem::take(&mut entry.triggers);
                        let mut indexes = std::mem::take(&mut entry.indexes);
                        indexes.extend(scratch.indexes.clone());
                        *entry = CatalogTable {
                            foreign_keys,
                            triggers,
                            indexes,
                            ..scratch
                        };
                    }
                }
            }
            Ok::<_, tokio_postgres::Error>(())
        }
        .await;
        guard.disarm();
        client.batch_execute("ROLLBACK").await?;
        built.map(|()| catalog)
    }

    /// Reads the user objects of the connected database (outside `pg_catalog`,
    /// `information_schema`, extensions' own objects and the runner's journal table).
    pub async fn read(client: &Client) -> Result<Catalog, tokio_postgres::Error> {
        let mut catalog = Catalog::default();
        for row in client
            .query(
                "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname",
                &[],
            )
            .await?
        {
            catalog.extensions.push(row.try_get(0)?);
        }
        for row in client
            .query(
                "SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                 FROM pg_type t
                 JOIN pg_namespace n ON n.oid = t.typnamespace
                 JOIN pg_enum e ON e.enumtypid = t.oid
                 WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
                 GROUP BY n.nspname, t.typname",
                &[],
            )
            .await?
        {
            let schema: String = row.try_get(0)?;
            let name: String = row.try_get(1)?;
            catalog.enums.insert(qualified(Some(&schema), &name), row.try_get(2)?);
        }
        let tables = client
            .query(
                "SELECT c.oid, n.nspname, c.relname
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p')
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg_toast%'
                   AND c.relname <> $1
                   AND (n.nspname, c.relname) NOT IN (SELECT * FROM unnest($2::text[], $3::text[]))
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
                &[
                    &super::runner::JOURNAL_TABLE,
                    &OTHER_JOURNALS.map(|(schema, _, _)| schema).to_vec(),
                    &OTHER_JOURNALS.map(|(_, table, _)| table).to_vec(),
                ],
            )
            .await?;
        for table in tables {
            let oid: u32 = table.try_get(0)?;
            let schema: String = table.try_get(1)?;
            let name: String = table.try_get(2)?;
            catalog.tables.insert(
                qualified(Some(&schema), &name),
                read_table(client, oid).await?,
            );
        }
        Ok(catalog)
    }

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
        out
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

fn diff_table(out: &mut Vec<String>, table: &str, e: &CatalogTable, a: &CatalogTable) {
    if e.triggers != a.triggers {
        out.push(format!(
            "{table}: expected triggers {:?}, found {:?}",
            e.triggers, a.triggers
        ));
    }
    let names = |cols: &[CatalogColumn]| cols.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
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

async fn read_table(client: &Client, oid: u32) -> Result<CatalogTable, tokio_postgres::Error> {
    let mut table = CatalogTable::default();
    let mut attnames: BTreeMap<i16, String> = BTreeMap::new();
    for row in client
        .query(
            "SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid), a.attidentity::text
             FROM pg_attribute a
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
            &[&oid],
        )
        .await?
    {
        let name: String = row.try_get(1)?;
        attnames.insert(row.try_get(0)?, name.clone());
        let identity: String = row.try_get(5)?;
        table.columns.push(CatalogColumn {
            name,
            type_name: row.try_get(2)?,
            not_null: row.try_get(3)?,
            default: row.try_get(4)?,
            identity: identity.chars().next(),
        });
    }
    let cols = |nums: Option<Vec<i16>>| -> Vec<String> {
        nums.unwrap_or_default()
            .iter()
            .map(|n| attnames.get(n).cloned().unwrap_or_else(|| format!("#{n}")))
            .collect()
    };
    for row in client
        .query(
            "SELECT c.conname, c.contype::text, c.conkey, c.confkey, fn.nspname, fc.relname,
                    c.confdeltype::text, c.confupdtype::text, pg_get_constraintdef(c.oid, true),
                    COALESCE(i.indnullsnotdistinct, false), c.confrelid
             FROM pg_constraint c
             LEFT JOIN pg_class fc ON fc.oid = c.confrelid
             LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
             LEFT JOIN pg_index i ON i.indexrelid = c.conindid AND c.contype = 'u'
             WHERE c.conrelid = $1",
            &[&oid],
        )
        .await?
    {
        let name: String = row.try_get(0)?;
        let kind: String = row.try_get(1)?;
        match kind.as_str() {
            "p" => table.primary_key = Some((name, cols(row.try_get(2)?))),
            "u" => {
                let unique = CatalogUnique {
                    columns: cols(row.try_get(2)?),
                    nulls_not_distinct: row.try_get(9)?,
                };
                table.uniques.insert(name, unique);
            }
            "f" => {
                let ref_oid: u32 = row.try_get(10)?;
                let ref_names = column_names(client, ref_oid).await?;
                let referenced: Option<Vec<i16>> = row.try_get(3)?;
                let schema: String = row.try_get(4)?;
                let relname: String = row.try_get(5)?;
                let del: String = row.try_get(6)?;
                let upd: String = row.try_get(7)?;
                let fk = CatalogForeignKey {
                    columns: cols(row.try_get(2)?),
                    references: qualified(Some(&schema), &relname),
                    referenced_columns: referenced
                        .unwrap_or_default()
                        .iter()
                        .map(|n| ref_names.get(n).cloned().unwrap_or_default())
                        .collect(),
                    on_delete: fk_action(del.as_bytes()[0] as i8),
                    on_update: fk_action(upd.as_bytes()[0] as i8),
                };
                table.foreign_keys.insert(name, fk);
            }
            "c" => {
                let def: String = row.try_get(8)?;
                let expr = def.strip_prefix("CHECK ").unwrap_or(&def).to_string();
                table.checks.insert(name, expr);
            }
            _ => {}
        }
    }
    for row in client
        .query(
            "SELECT ic.relname, am.amname, x.indisunique, x.indnkeyatts::int,
                    pg_get_expr(x.indpred, x.indrelid),
                    ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k),
                    ARRAY(SELECT x.indkey[k - 1]::int FROM generate_series(1, x.indnkeyatts) k),
                    ARRAY(SELECT x.indoption[k - 1]::int FROM generate_series(1, x.indnkeyatts) k),
                    ARRAY(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname::text END
                          FROM generate_series(1, x.indnkeyatts) k
                          JOIN pg_opclass oc ON oc.oid = x.indclass[k - 1]
                          ORDER BY k),
                    COALESCE(ic.reloptions, '{}')
             FROM pg_index x
             JOIN pg_class ic ON ic.oid = x.indexrelid
             JOIN pg_am am ON am.oid = ic.relam
             WHERE x.indrelid = $1
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)",
            &[&oid],
        )
        .await?
    {
        let name: String = row.try_get(0)?;
        let defs: Vec<String> = row.try_get(5)?;
        let attnums: Vec<i32> = row.try_get(6)?;
        let options: Vec<i32> = row.try_get(7)?;
        let opclasses: Vec<String> = row.try_get(8)?;
        let keys = defs
            .into_iter()
            .enumerate()
            .map(|(k, key)| {
                let option = options.get(k).copied().unwrap_or(0);
                CatalogIndexKey {
                    key,
                    is_expression: attnums.get(k).copied() == Some(0),
                    desc: option & 1 != 0,
                    nulls_first: option & 2 != 0,
                    opclass: opclasses.get(k).filter(|o| !o.is_empty()).cloned(),
                }
            })
            .collect();
        let index = CatalogIndex {
            method: row.try_get(1)?,
            unique: row.try_get(2)?,
            keys,
            predicate: row.try_get(4)?,
            options: row.try_get(9)?,
        };
        table.indexes.insert(name, index);
    }
    for row in client
        .query(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY tgname",
            &[&oid],
        )
        .await?
    {
        table.triggers.push(row.try_get(0)?);
    }
    Ok(table)
}

/// Makes `table` as a temporary table (with its checks, keys, defaults and indexes; no foreign
/// keys or triggers) and reads it back; `None` when the server cannot make the table. Each index
/// the server cannot make is left out. Runs inside the caller's transaction, with savepoints.
async fn scratch_table(
    client: &Client,
    n: usize,
    table: &crate::schema::TableDef,
) -> Result<Option<CatalogTable>, tokio_postgres::Error> {
    use crate::migrate::render::Step;
    let mut scratch = table.clone();
    scratch.schema = Some("pg_temp".into());
    scratch.name = format!("__schema_core_scratch_{n}").into();
    scratch.foreign_keys = Default::default();
    // Identity columns make sequences named after the table: they are temporary too.
    let attempt = async |sql: String| {
        super::trial::in_savepoint(client, &sql)
            .await
            .map(|done| done.is_ok())
    };
    let mut without_indexes = scratch.clone();
    without_indexes.indexes = Default::default();
    if !attempt(Step::CreateTable(without_indexes).sql()).await? {
        return Ok(None);
    }
    for index in scratch.indexes.iter() {
        let step = Step::CreateIndex {
            table: scratch.qualified_name(),
            index: index.clone(),
            concurrently: false,
        };
        attempt(step.sql()).await?;
    }
    let oid: u32 = client
        .query_one(
            "SELECT c.oid FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = pg_my_temp_schema()",
            &[&&*scratch.name],
        )
        .await?
        .try_get(0)?;
    read_table(client, oid).await.map(Some)
}

async fn column_names(
    client: &Client,
    oid: u32,
) -> Result<BTreeMap<i16, String>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT attnum, attname FROM pg_attribute WHERE attrelid = $1 AND attnum > 0",
            &[&oid],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

impl std::fmt::Display for Catalog {
    /// A stable, readable listing (for snapshots).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        writeln!(s, "extensions: {}", self.extensions.join(", ")).ok();
        for (name, labels) in &self.enums {
            writeln!(s, "enum {name}: {}", labels.join(", ")).ok();
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
            for trigger in &table.triggers {
                writeln!(s, "  trigger {trigger}").ok();
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
