//! `pull`: the declarations of a live database, written as Rust.
//!
//! The catalog reader ([`Catalog::read`]) gives every table, enum and extension as the server
//! prints them; [`schema_of`] turns that into the schema model, and [`rust_files`] writes the
//! model as `#[table]` structs and `#[pg_enum]` enums, one file per table, with a `schema()`
//! function, formatted by rustfmt when it is installed. What the declarations cannot say yet is
//! written as a comment naming the object and why: never dropped in silence.

use std::collections::{BTreeMap, BTreeSet};

mod code;

pub use code::rust_files;

mod routines;

use super::catalog::{Catalog, CatalogTable};
use crate::schema::{
    CheckDef, ColumnDef, DefaultValue, DomainDef, EnumDef, ForeignKeyDef, GrantDef, Identity,
    IndexDef, IndexKey, IndexMethod, IndexTarget, NullsOrder, OnUpdateTrigger, OwnedBy, PolicyDef,
    PrimaryKeyDef, Privilege, QualifiedName, RowSecurity, Schema, SequenceDef, SequenceType,
    SortOrder, SqlType, TableDef, TriggerDef, UniqueDef, ViewDef,
};
use routines::partitioning;

/// Reads the database of `client` (the named Postgres schemas only, when any are given) and
/// returns its declarations as Rust files: see [`rust_files`].
pub async fn pull(
    client: &tokio_postgres::Client,
    schemas: &[String],
) -> Result<Vec<(String, String)>, tokio_postgres::Error> {
    let mut catalog = Catalog::read(client).await?;
    if !schemas.is_empty() {
        let kept = |key: &String| schemas.iter().any(|s| key.starts_with(&format!("{s}.")));
        catalog.tables.retain(|key, _| kept(key));
        catalog.enums.retain(|key, _| kept(key));
        catalog.sequences.retain(|key, _| kept(key));
        catalog.views.retain(|key, _| kept(key));
        catalog.domains.retain(|key, _| kept(key));
        catalog.functions.retain(|key, _| kept(key));
    }
    let (schema, notes) = schema_of(&catalog);
    Ok(rust_files(&schema, &notes))
}

/// The schema model of a catalog, with the notes of what it could not express, by table
/// (`schema.name`; the empty key for notes on the whole schema).
pub fn schema_of(catalog: &Catalog) -> (Schema, BTreeMap<String, Vec<String>>) {
    let mut schema = Schema::new();
    let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for extension in &catalog.extensions {
        if let Err(at) = schema.extensions.binary_search_by(|e| (**e).cmp(extension)) {
            schema.extensions.insert(at, extension.clone().into());
        }
    }
    let enums: BTreeSet<String> = catalog.enums.keys().cloned().collect();
    for (key, labels) in &catalog.enums {
        let name = split(key);
        schema.add_enum(EnumDef {
            schema: name.schema.clone(),
            name: name.name.clone(),
            labels: labels.iter().map(|l| l.clone().into()).collect(),
        });
    }
    let domains: BTreeSet<String> = catalog.domains.keys().cloned().collect();
    for (key, domain) in &catalog.domains {
        let name = split(key);
        let (base, array_dims) = sql_type(&domain.base, &enums);
        schema.add_domain(DomainDef {
            schema: name.schema.clone(),
            name: name.name.clone(),
            base,
            array_dims,
            not_null: domain.not_null,
            checks: check_defs(&domain.checks),
        });
    }
    for (key, sequence) in &catalog.sequences {
        let name = split(key);
        let data_type = match sequence.data_type.as_str() {
            "smallint" => SequenceType::SmallInt,
            "integer" => SequenceType::Integer,
            _ => SequenceType::BigInt,
        };
        // Every option as the catalog resolved it; the code writer leaves out the defaults.
        schema.add_sequence(SequenceDef {
            schema: name.schema.clone(),
            name: name.name.clone(),
            data_type,
            increment: sequence.increment,
            min_value: Some(sequence.min),
            max_value: Some(sequence.max),
            start: Some(sequence.start),
            cache: sequence.cache,
            cycle: sequence.cycle,
            owned_by: sequence.owned_by.as_deref().and_then(|o| {
                let (table, column) = o.rsplit_once('.')?;
                Some(OwnedBy {
                    table: split(table),
                    column: column.to_string().into(),
                })
            }),
        });
    }
    for (key, view) in &catalog.views {
        let name = split(key);
        let mut view_notes = Vec::new();
        let mut relation = table_def(&name, &view.relation, &enums, &mut view_notes);
        relation.primary_key = None;
        if relation.comment.take().is_some() || !relation.grants.is_empty() {
            view_notes.push(
                "the view's comment and grants are not declared (a `#[view]` has neither yet)"
                    .into(),
            );
        }
        relation.grants = Default::default();
        for column in relation.columns.to_mut() {
            column.comment = None;
        }
        schema.add_view(ViewDef {
            sql: view.definition.trim().to_string().into(),
            materialized: view.materialized,
            relation,
        });
        if !view_notes.is_empty() {
            notes.insert(key.clone(), view_notes);
        }
    }
    for (key, table) in &catalog.tables {
        let name = split(key);
        let mut table_notes = Vec::new();
        let mut def = table_def(&name, table, &enums, &mut table_notes);
        // A column of a domain's type is the domain's newtype.
        for column in def.columns.to_mut() {
            if let SqlType::Custom(printed) = &column.sql_type {
                if let Some(domain) = enum_named(printed, &domains) {
                    column.sql_type = SqlType::Domain(split(&domain));
                }
            }
        }
        routines::on_update_trigger(&mut def, catalog);
        if !table_notes.is_empty() {
            notes.insert(key.clone(), table_notes);
        }
        schema.add_table(def);
    }
    routines::functions(catalog, &mut schema);
    (schema, notes)
}

/// Checks by name (their expressions as the server prints them) as the model's.
fn check_defs(checks: &BTreeMap<String, String>) -> crate::schema::List<CheckDef> {
    checks
        .iter()
        .map(|(name, expression)| CheckDef {
            name: name.clone().into(),
            expression: expression.clone().into(),
        })
        .collect()
}

/// `public.users` as a model name: `public` is the default schema, written as none.
fn split(key: &str) -> QualifiedName {
    let (schema, name) = key.split_once('.').unwrap_or(("public", key));
    let schema = (schema != "public").then(|| schema.to_string().into());
    QualifiedName::new(schema, name.to_string().into())
}

fn table_def(
    name: &QualifiedName,
    table: &CatalogTable,
    enums: &BTreeSet<String>,
    notes: &mut Vec<String>,
) -> TableDef {
    let columns: Vec<ColumnDef> = table
        .columns
        .iter()
        .map(|c| {
            let (sql_type, array_dims) = sql_type(&c.type_name, enums);
            let default = c
                .default
                .as_deref()
                .filter(|_| c.identity.is_none())
                .map(|d| default_value(d, &sql_type));
            ColumnDef {
                name: c.name.clone().into(),
                sql_type,
                array_dims,
                nullable: !c.not_null,
                default,
                identity: match c.identity {
                    Some('a') => Some(Identity::Always),
                    Some('d') => Some(Identity::ByDefault),
                    _ => None,
                },
                generated: c.generated.clone().map(Into::into),
                on_update: None,
                on_update_trigger: OnUpdateTrigger::Off,
                renamed_from: None,
                comment: c.comment.clone().map(Into::into),
            }
        })
        .collect();
    let (partition_by, partitions) = partitioning(table, notes);
    if let Some((pk_name, _)) = &table.primary_key {
        if *pk_name != format!("{}_pkey", name.name) {
            notes.push(format!(
                "the primary key is named `{pk_name}`; declared keys are named `{}_pkey`",
                name.name
            ));
        }
    }
    TableDef {
        schema: name.schema.clone(),
        name: name.name.clone(),
        renamed_from: None,
        columns: columns.into(),
        primary_key: table.primary_key.as_ref().map(|(pk, cols)| PrimaryKeyDef {
            name: pk.clone().into(),
            columns: cols.iter().map(|c| c.clone().into()).collect(),
        }),
        uniques: table
            .uniques
            .iter()
            .map(|(name, u)| UniqueDef {
                name: name.clone().into(),
                columns: u.columns.iter().map(|c| c.clone().into()).collect(),
                nulls_not_distinct: u.nulls_not_distinct,
            })
            .collect(),
        indexes: table
            .indexes
            .iter()
            .filter_map(|(index_name, index)| {
                let method = IndexMethod::ALL
                    .into_iter()
                    .find(|m| m.sql() == index.method);
                let Some(method) = method else {
                    notes.push(format!(
                        "index `{index_name}` uses the access method `{}`, which is not \
                         expressible yet: left out",
                        index.method
                    ));
                    return None;
                };
                Some(IndexDef {
                    name: index_name.clone().into(),
                    keys: index
                        .keys
                        .iter()
                        .map(|k| IndexKey {
                            target: if k.is_expression {
                                IndexTarget::Expression(k.key.clone().into())
                            } else {
                                IndexTarget::Column(k.key.clone().into())
                            },
                            order: k.desc.then_some(SortOrder::Desc),
                            // The default is NULLS LAST ascending, NULLS FIRST descending.
                            nulls: match (k.desc, k.nulls_first) {
                                (false, true) => Some(NullsOrder::First),
                                (true, false) => Some(NullsOrder::Last),
                                _ => None,
                            },
                            opclass: k.opclass.clone().map(Into::into),
                        })
                        .collect(),
                    unique: index.unique,
                    method,
                    predicate: index.predicate.clone().map(Into::into),
                    with: (!index.options.is_empty()).then(|| index.options.join(", ").into()),
                })
            })
            .collect(),
        foreign_keys: table
            .foreign_keys
            .iter()
            .map(|(fk_name, fk)| ForeignKeyDef {
                name: fk_name.clone().into(),
                columns: fk.columns.iter().map(|c| c.clone().into()).collect(),
                references: split(&fk.references),
                referenced_columns: fk
                    .referenced_columns
                    .iter()
                    .map(|c| c.clone().into())
                    .collect(),
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            })
            .collect(),
        checks: check_defs(&table.checks),
        soft_delete: None,
        row_security: match (table.row_security, table.force_row_security) {
            (false, _) => RowSecurity::Off,
            (true, false) => RowSecurity::Enabled,
            (true, true) => RowSecurity::Forced,
        },
        comment: table.comment.clone().map(Into::into),
        grants: table
            .grants
            .iter()
            .map(|(role, privileges)| GrantDef {
                role: role.clone().into(),
                privileges: Privilege::ALL
                    .into_iter()
                    .filter(|p| privileges.iter().any(|q| q == p.sql()))
                    .collect(),
            })
            .collect(),
        policies: table
            .policies
            .iter()
            .map(|(name, p)| PolicyDef {
                name: name.clone().into(),
                command: p.command,
                roles: if p.roles == ["public"] {
                    Default::default()
                } else {
                    p.roles.iter().map(|r| r.clone().into()).collect()
                },
                using: p.using.clone().map(Into::into),
                with_check: p.with_check.clone().map(Into::into),
                restrictive: p.restrictive,
            })
            .collect(),
        triggers: table
            .triggers
            .iter()
            .map(|(trigger_name, t)| TriggerDef {
                name: trigger_name.clone().into(),
                timing: t.timing,
                events: t.events.clone().into(),
                update_of: t.update_of.iter().map(|c| c.clone().into()).collect(),
                for_each_row: t.for_each_row,
                when: t.when.as_deref().map(|w| {
                    w.strip_prefix('(')
                        .and_then(|w| w.strip_suffix(')'))
                        .unwrap_or(w)
                        .to_string()
                        .into()
                }),
                function: split(&t.function),
                arguments: t.arguments.iter().map(|a| a.clone().into()).collect(),
            })
            .collect(),
        partition_by,
        partitions,
    }
}

/// A type as `format_type` prints it, as the model's type and array dimensions.
fn sql_type(printed: &str, enums: &BTreeSet<String>) -> (SqlType, u8) {
    let mut base = printed;
    let mut dims = 0;
    while let Some(inner) = base.strip_suffix("[]") {
        base = inner;
        dims += 1;
    }
    let args = |prefix: &str| -> Option<Vec<u32>> {
        let inner = base
            .strip_prefix(prefix)?
            .strip_prefix('(')?
            .strip_suffix(')')?;
        inner.split(',').map(|n| n.trim().parse().ok()).collect()
    };
    let sql_type = match base {
        "smallint" => SqlType::SmallInt,
        "integer" => SqlType::Integer,
        "bigint" => SqlType::BigInt,
        "real" => SqlType::Real,
        "double precision" => SqlType::DoublePrecision,
        "boolean" => SqlType::Boolean,
        "text" => SqlType::Text,
        "character varying" => SqlType::Varchar(None),
        "uuid" => SqlType::Uuid,
        "timestamp without time zone" => SqlType::Timestamp,
        "timestamp with time zone" => SqlType::TimestampTz,
        "date" => SqlType::Date,
        "time without time zone" => SqlType::Time,
        "interval" => SqlType::Interval,
        "numeric" => SqlType::Numeric {
            precision: None,
            scale: None,
        },
        "json" => SqlType::Json,
        "jsonb" => SqlType::Jsonb,
        "bytea" => SqlType::Bytea,
        "vector" => SqlType::Vector(None),
        _ => {
            if let Some([n]) = args("character varying").as_deref() {
                SqlType::Varchar(Some(*n))
            } else if let Some([n]) = args("character").as_deref() {
                SqlType::Char(*n)
            } else if let Some([n]) = args("vector").as_deref() {
                SqlType::Vector(Some(*n))
            } else if let Some([p, s]) = args("numeric").as_deref() {
                SqlType::Numeric {
                    precision: Some(*p as u16),
                    scale: Some(*s as u16),
                }
            } else if let Some(name) = enum_named(base, enums) {
                SqlType::Enum(split(&name))
            } else {
                SqlType::Custom(base.to_string().into())
            }
        }
    };
    (sql_type, dims)
}

/// The enum a printed type name is (`user_role`, `auth.role`, `"Quoted"`), if it is one.
fn enum_named(printed: &str, enums: &BTreeSet<String>) -> Option<String> {
    let unquoted: String = printed.replace('"', "");
    let key = if unquoted.contains('.') {
        unquoted
    } else {
        format!("public.{unquoted}")
    };
    enums.contains(&key).then_some(key)
}

/// A default as `pg_get_expr` prints it, as the model's default.
fn default_value(printed: &str, sql_type: &SqlType) -> DefaultValue {
    let is_time = matches!(
        sql_type,
        SqlType::Timestamp | SqlType::TimestampTz | SqlType::Date
    );
    match printed {
        "now()" | "CURRENT_TIMESTAMP" if is_time && *sql_type != SqlType::Date => {
            return DefaultValue::Now
        }
        "CURRENT_DATE" if *sql_type == SqlType::Date => return DefaultValue::Now,
        "gen_random_uuid()" if *sql_type == SqlType::Uuid => return DefaultValue::RandomUuid,
        "true" if *sql_type == SqlType::Boolean => return DefaultValue::Bool(true),
        _ if printed.starts_with("nextval('") && printed.ends_with("'::regclass)") => {
            let name = &printed["nextval('".len()..printed.len() - "'::regclass)".len()];
            if let Some(sequence) = regclass_name(name) {
                return DefaultValue::NextVal(sequence);
            }
        }
        "false" if *sql_type == SqlType::Boolean => return DefaultValue::Bool(false),
        _ => {}
    }
    let numeric = matches!(
        sql_type,
        SqlType::SmallInt
            | SqlType::Integer
            | SqlType::BigInt
            | SqlType::Real
            | SqlType::DoublePrecision
            | SqlType::Numeric { .. }
    );
    // `0`, `1.5`, or a negative number, which the server prints as a cast literal
    // (`'-1'::integer`). A numeric column's cast literal (`'0'::numeric`) was written quoted,
    // and stays SQL: a bare number would print otherwise.
    let number = match printed
        .strip_prefix('\'')
        .and_then(|rest| rest.split_once("'::"))
    {
        Some((literal, cast)) if !cast.starts_with("numeric") => literal,
        Some(_) => "",
        None => printed,
    };
    if numeric && is_number(number) {
        return DefaultValue::Number(number.to_string().into());
    }
    if let Some((literal, cast)) = quoted_literal(printed) {
        match sql_type {
            SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_)
                if matches!(cast, "text" | "character varying" | "bpchar") =>
            {
                return DefaultValue::Text(literal.into())
            }
            SqlType::Enum(_) => return DefaultValue::EnumLabel(literal.into()),
            _ => {}
        }
    }
    DefaultValue::Sql(printed.to_string().into())
}

/// A name as `regclass` prints it (`seq`, `billing.seq`, `"Odd"."Name"`), unquoted; `None`
/// when it is not a plain (optionally qualified) name.
fn regclass_name(printed: &str) -> Option<QualifiedName> {
    let mut parts = Vec::new();
    let mut rest = printed;
    while !rest.is_empty() {
        let (part, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let mut name = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '"' {
                    if quoted[i + 1..].starts_with('"') {
                        name.push('"');
                        chars.next();
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    name.push(c);
                }
            }
            (name, &quoted[end?..])
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            let part = &rest[..end];
            if part.is_empty() || part.contains(['\'', '"', ' ', '(', ')']) {
                return None;
            }
            (part.to_string(), &rest[end..])
        };
        parts.push(part);
        rest = match after.strip_prefix('.') {
            Some(next) if !next.is_empty() => next,
            Some(_) => return None,
            None if after.is_empty() => after,
            None => return None,
        };
    }
    match parts.as_slice() {
        [name] => Some(QualifiedName::new(None, name.clone().into())),
        [schema, name] => Some(QualifiedName::new(
            (schema != "public").then(|| schema.clone().into()),
            name.clone().into(),
        )),
        _ => None,
    }
}

fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|&c| c == '.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.')
}

/// `'it''s'::text` as (`it's`, `text`).
fn quoted_literal(printed: &str) -> Option<(String, &str)> {
    let rest = printed.strip_prefix('\'')?;
    let mut literal = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|&(_, n)| n) == Some('\'') {
                chars.next();
                literal.push('\'');
                continue;
            }
            let cast = rest[i + 1..].strip_prefix("::")?;
            return Some((literal, cast.trim_matches('"')));
        }
        literal.push(c);
    }
    None
}
