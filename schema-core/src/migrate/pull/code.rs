//! The schema model written as Rust: `#[table]` structs and `#[pg_enum]` enums, one file per
//! table, with Rust names made from the SQL ones.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::schema::{
    ColumnDef, DefaultValue, DomainDef, EnumDef, FkAction, ForeignKeyDef, Identity, IndexMethod,
    IndexTarget, NullsOrder, OnUpdateTrigger, PolicyCommand, QualifiedName, RowSecurity, Schema,
    SequenceDef, SequenceType, SortOrder, SqlType, TableDef,
};

/// The Rust files of a pulled schema: `(file name, text)`, each table in `<table>_table.rs`, the
/// enums in `enums.rs`, and `mod.rs` with the modules and `pub fn schema()`. `krate` is how the
/// code names schema-core (`schema_core`).
pub fn rust_files(schema: &Schema, notes: &BTreeMap<String, Vec<String>>) -> Vec<(String, String)> {
    let names = Names::of(schema);
    let mut files = Vec::new();
    let mut modules = Vec::new();
    if !schema.enums.is_empty() {
        let mut out = String::from(
            "//! The database's enum types, pulled by `gen-migrations pull`.\n\nuse schema_core::prelude::*;\n",
        );
        for def in &schema.enums {
            out.push('\n');
            out.push_str(&enum_code(def, &names));
        }
        files.push(("enums.rs".to_string(), out));
        modules.push("enums".to_string());
    }
    if !schema.domains.is_empty() {
        let mut out = String::from(
            "//! The database's domains, pulled by `gen-migrations pull`.\n\n#![allow(unused_imports)]\n\nuse super::*;\nuse schema_core::prelude::*;\n",
        );
        for def in &schema.domains {
            out.push('\n');
            out.push_str(&domain_code(def, &names));
        }
        files.push(("domains.rs".to_string(), out));
        modules.push("domains".to_string());
    }
    for table in &schema.tables {
        let key = format!(
            "{}.{}",
            table.qualified_name().schema_or_public(),
            table.name
        );
        let file = format!("{}_table", names.module(&table.qualified_name()));
        let mut out = format!(
            "//! Table `{}`, pulled by `gen-migrations pull`.\n\n#![allow(unused_imports)]\n\nuse super::*;\nuse schema_core::prelude::*;\n\n",
            shown(&table.qualified_name())
        );
        for note in notes.get(&key).into_iter().flatten() {
            let _ = writeln!(out, "// Not expressed: {note}.");
        }
        if notes.contains_key(&key) {
            out.push('\n');
        }
        out.push_str(&table_code(table, schema, &names));
        files.push((format!("{file}.rs"), out));
        modules.push(file);
    }
    for view in &schema.views {
        let file = format!("{}_view", names.module(&view.qualified_name()));
        let mut out = format!(
            "//! View `{}`, pulled by `gen-migrations pull`.\n\n#![allow(unused_imports)]\n\nuse super::*;\nuse schema_core::prelude::*;\n\n",
            shown(&view.qualified_name())
        );
        let key = format!(
            "{}.{}",
            view.qualified_name().schema_or_public(),
            view.relation.name
        );
        for note in notes.get(&key).into_iter().flatten() {
            let _ = writeln!(out, "// Not expressed: {note}.\n");
        }
        let code = table_code(&view.relation, schema, &names);
        out.push_str(&code.replacen(
            "#[table(",
            &format!(
                "#[view({}sql = {:?}, ",
                if view.materialized {
                    "materialized, "
                } else {
                    ""
                },
                view.sql.trim()
            ),
            1,
        ));
        files.push((format!("{file}.rs"), out));
        modules.push(file);
    }
    let mut root = String::from(
        "//! The schema of a database, pulled by `gen-migrations pull`: review it, then own it.\n\n",
    );
    for note in notes.get("").into_iter().flatten() {
        let _ = writeln!(root, "// Not expressed: {note}.");
    }
    for module in &modules {
        let _ = writeln!(root, "mod {module};");
    }
    root.push('\n');
    for module in &modules {
        let _ = writeln!(root, "pub use {module}::*;");
    }
    root.push_str("\n/// Every table, enum and extension of the database.\npub fn schema() -> schema_core::schema::Schema {\n    schema_core::schema::Schema::new()");
    for extension in &schema.extensions {
        let _ = write!(root, "\n        .extension({extension:?})");
    }
    for def in &schema.enums {
        let _ = write!(
            root,
            "\n        .pg_enum::<{}>()",
            names.enum_type(&def.qualified_name())
        );
    }
    for table in &schema.tables {
        let _ = write!(
            root,
            "\n        .table::<{}>()",
            names.struct_name(&table.qualified_name())
        );
    }
    for def in &schema.sequences {
        let _ = write!(root, "\n        .sequence({})", sequence_code(def));
    }
    for def in &schema.functions {
        let _ = write!(
            root,
            "\n        .function({})",
            super::routines::function_const(def)
        );
    }
    for def in &schema.domains {
        let _ = write!(
            root,
            "\n        .domain::<{}>()",
            names.enum_type(&def.qualified_name())
        );
    }
    for view in crate::schema::ViewDef::in_dependency_order(&schema.views) {
        let _ = write!(
            root,
            "\n        .view::<{}>()",
            names.struct_name(&view.qualified_name())
        );
    }
    root.push_str("\n}\n");
    files.insert(0, ("mod.rs".to_string(), root));
    files
        .into_iter()
        .map(|(name, text)| (name, rustfmt(&text)))
        .collect()
}

/// A `#[domain]` newtype: its base type's Rust type, checks named as the macro names them
/// written bare, others with their names.
fn domain_code(def: &DomainDef, names: &Names) -> String {
    let base = ColumnDef {
        name: "value".into(),
        sql_type: def.base.clone(),
        array_dims: def.array_dims,
        nullable: false,
        default: None,
        identity: None,
        generated: None,
        on_update: None,
        on_update_trigger: OnUpdateTrigger::Off,
        renamed_from: None,
        comment: None,
    };
    let (ty, type_attrs, note) = rust_type(&base, names);
    // `#[domain]` takes the type attributes of text and numbers; others are noted.
    let (type_attrs, unexpressed): (Vec<String>, Vec<String>) =
        type_attrs.into_iter().partition(|a| {
            ["varchar", "char(", "numeric", "sql_type"]
                .iter()
                .any(|k| a.starts_with(k))
        });
    let mut attrs = vec![format!("name = {:?}", def.name.as_ref())];
    attrs.extend(type_attrs);
    if let Some(schema) = &def.schema {
        attrs.push(format!("schema = {:?}", schema.as_ref()));
    }
    if def.not_null {
        attrs.push("not_null".to_string());
    }
    for (i, check) in def.checks.iter().enumerate() {
        let default_name = if i == 0 {
            format!("{}_check", def.name)
        } else {
            format!("{}_check{i}", def.name)
        };
        if *check.name == default_name {
            attrs.push(format!("check = {:?}", check.expression.as_ref()));
        } else {
            attrs.push(format!(
                "check(name = {:?}, sql = {:?})",
                check.name.as_ref(),
                check.expression.as_ref()
            ));
        }
    }
    let mut out = String::new();
    if let Some(note) = note {
        let _ = writeln!(out, "// {note}.");
    }
    if !unexpressed.is_empty() {
        let _ = writeln!(
            out,
            "// Not expressed: the base type's {} (a `#[domain]` is over its field's own type).",
            unexpressed.join(", ")
        );
    }
    let _ = writeln!(out, "#[domain({})]", attrs.join(", "));
    out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
    let _ = writeln!(
        out,
        "pub struct {}(pub {ty});",
        names.enum_type(&def.qualified_name())
    );
    out
}

/// The Rust field of a column.
fn field_name(column: &str) -> String {
    rust_ident(&snake(column))
}

/// A comment as `///` lines (what `#[table(comments)]` reads back), indented.
fn doc_lines(comment: Option<&str>, indent: &str) -> String {
    let mut out = String::new();
    for line in comment.into_iter().flat_map(str::lines) {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
    out
}

/// A sequence as the `SequenceDef` builder writes it: only the options that differ from
/// PostgreSQL's defaults.
fn sequence_code(def: &SequenceDef) -> String {
    let mut code = format!(
        "schema_core::schema::SequenceDef::new({:?})",
        def.name.as_ref()
    );
    if let Some(schema) = &def.schema {
        let _ = write!(code, ".in_schema({:?})", schema.as_ref());
    }
    let defaults = SequenceDef {
        data_type: def.data_type,
        increment: def.increment,
        ..SequenceDef::new("")
    };
    let (min, max, start) = def.resolved();
    let (default_min, default_max, _) = defaults.resolved();
    if def.data_type != SequenceType::BigInt {
        let variant = match def.data_type {
            SequenceType::SmallInt => "SmallInt",
            SequenceType::Integer => "Integer",
            SequenceType::BigInt => "BigInt",
        };
        let _ = write!(
            code,
            ".data_type(schema_core::schema::SequenceType::{variant})"
        );
    }
    if def.increment != 1 {
        let _ = write!(code, ".increment({})", def.increment);
    }
    if min != default_min {
        let _ = write!(code, ".min_value({min})");
    }
    if max != default_max {
        let _ = write!(code, ".max_value({max})");
    }
    if start != (if def.increment > 0 { min } else { max }) {
        let _ = write!(code, ".start({start})");
    }
    if def.cache != 1 {
        let _ = write!(code, ".cache({})", def.cache);
    }
    if def.cycle {
        code.push_str(".cycle()");
    }
    if let Some(owner) = &def.owned_by {
        match &owner.table.schema {
            Some(schema) => {
                let _ = write!(
                    code,
                    ".owned_by_in({:?}, {:?}, {:?})",
                    schema.as_ref(),
                    owner.table.name.as_ref(),
                    owner.column.as_ref()
                );
            }
            None => {
                let _ = write!(
                    code,
                    ".owned_by({:?}, {:?})",
                    owner.table.name.as_ref(),
                    owner.column.as_ref()
                );
            }
        }
    }
    code
}

/// The text formatted by rustfmt (edition 2021), or as it is when rustfmt is not installed.
fn rustfmt(text: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return text.to_string();
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(text.as_bytes());
    }
    match child.wait_with_output() {
        Ok(output) if output.status.success() && !output.stdout.is_empty() => {
            String::from_utf8(output.stdout).unwrap_or_else(|_| text.to_string())
        }
        _ => text.to_string(),
    }
}

fn shown(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{schema}.{}", name.name),
        None => name.name.to_string(),
    }
}

/// Rust names for the schema's tables, enums and columns: deterministic, and distinct.
struct Names {
    structs: BTreeMap<QualifiedName, String>,
    modules: BTreeMap<QualifiedName, String>,
    enums: BTreeMap<QualifiedName, String>,
}

impl Names {
    fn of(schema: &Schema) -> Names {
        let mut taken = BTreeSet::new();
        let mut unique = |wanted: String| {
            let mut name = wanted.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{wanted}{n}");
                n += 1;
            }
            name
        };
        let mut enums = BTreeMap::new();
        for def in &schema.enums {
            let base = camel(&prefixed(&def.qualified_name()));
            enums.insert(def.qualified_name(), unique(base));
        }
        // Domains' newtypes share the enums' map: both are type names.
        for def in &schema.domains {
            let base = camel(&prefixed(&def.qualified_name()));
            enums.insert(def.qualified_name(), unique(base));
        }
        let mut structs = BTreeMap::new();
        let mut modules = BTreeMap::new();
        let views = schema.views.iter().map(|v| &v.relation);
        for table in schema.tables.iter().chain(views) {
            let name = table.qualified_name();
            structs.insert(name.clone(), unique(camel(&singular(&prefixed(&name)))));
            modules.insert(name.clone(), rust_ident(&snake(&prefixed(&name))));
        }
        Names {
            structs,
            modules,
            enums,
        }
    }

    fn struct_name(&self, name: &QualifiedName) -> &str {
        &self.structs[name]
    }

    fn module(&self, name: &QualifiedName) -> &str {
        &self.modules[name]
    }

    fn enum_type(&self, name: &QualifiedName) -> &str {
        &self.enums[name]
    }
}

/// `auth.users` as `auth_users`; `public.users` as `users`.
fn prefixed(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{schema}_{}", name.name),
        None => name.name.to_string(),
    }
}

/// `ai_usage_log` → `AiUsageLog`; `userRole` → `UserRole`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(&chars.as_str().to_lowercase());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

/// `createdAt` → `created_at`; `Owner ID` → `owner_id`.
fn snake(name: &str) -> String {
    let joined = words(name)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if joined.is_empty() {
        "column".to_string()
    } else if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("c_{joined}")
    } else {
        joined
    }
}

/// The words of a name: split at non-alphanumerics and at lower-to-upper case changes.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `users` → `user`, `categories` → `category`; names that do not end so stay.
fn singular(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("ies").filter(|s| s.len() > 1) {
        format!("{stem}y")
    } else if name.ends_with("ss") || name.ends_with("us") || name.len() <= 3 {
        name.to_string()
    } else if let Some(stem) = name.strip_suffix('s') {
        stem.to_string()
    } else {
        name.to_string()
    }
}

/// A Rust identifier for `name`, raw when it is a keyword.
fn rust_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen",
    ];
    if matches!(name, "self" | "Self" | "super" | "crate") {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

fn enum_code(def: &EnumDef, names: &Names) -> String {
    let mut out = String::new();
    let mut attrs = vec![format!("name = {:?}", def.name.as_ref())];
    if let Some(schema) = &def.schema {
        attrs.push(format!("schema = {:?}", schema.as_ref()));
    }
    attrs.push("rename_all = \"verbatim\"".to_string());
    let _ = writeln!(out, "#[pg_enum({})]", attrs.join(", "));
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq)]\n");
    let _ = writeln!(
        out,
        "pub enum {} {{",
        names.enum_type(&def.qualified_name())
    );
    let mut taken = BTreeSet::new();
    for label in def.labels.iter() {
        let mut variant = camel(label);
        let mut n = 2;
        while !taken.insert(variant.clone()) {
            variant = format!("{}{n}", camel(label));
            n += 1;
        }
        if variant != label.as_ref() {
            let _ = writeln!(out, "    #[label = {:?}]", label.as_ref());
        }
        let _ = writeln!(out, "    {variant},");
    }
    out.push_str("}\n");
    out
}

/// The Rust type of a column, and the column attributes its SQL type needs.
fn rust_type(column: &ColumnDef, names: &Names) -> (String, Vec<String>, Option<String>) {
    let mut attrs = Vec::new();
    let mut note = None;
    let scalar = match &column.sql_type {
        SqlType::SmallInt => "i16".to_string(),
        SqlType::Integer => "i32".to_string(),
        SqlType::BigInt => "i64".to_string(),
        SqlType::Real => "f32".to_string(),
        SqlType::DoublePrecision => "f64".to_string(),
        SqlType::Boolean => "bool".to_string(),
        SqlType::Text => "String".to_string(),
        SqlType::Varchar(n) => {
            attrs.push(match n {
                Some(n) => format!("varchar({n})"),
                None => "varchar".to_string(),
            });
            "String".to_string()
        }
        SqlType::Char(n) => {
            attrs.push(format!("char({n})"));
            "String".to_string()
        }
        SqlType::Uuid => "Uuid".to_string(),
        SqlType::Timestamp => "Timestamp".to_string(),
        SqlType::TimestampTz => "TimestampTz".to_string(),
        SqlType::Date => "NaiveDate".to_string(),
        SqlType::Time => "schema_core::chrono::NaiveTime".to_string(),
        SqlType::Jsonb => "schema_core::serde_json::Value".to_string(),
        SqlType::Vector(n) => {
            if let Some(n) = n {
                attrs.push(format!("vector({n})"));
            }
            "schema_core::pgvector::Vector".to_string()
        }
        SqlType::Numeric { precision, scale } => {
            if let (Some(p), Some(s)) = (precision, scale) {
                attrs.push(format!("numeric({p}, {s})"));
            }
            note = Some("needs schema-core's `decimal` feature".to_string());
            "rust_decimal::Decimal".to_string()
        }
        SqlType::Enum(name) | SqlType::Domain(name) => names.enum_type(name).to_string(),
        SqlType::Bytea => "Vec<u8>".to_string(),
        SqlType::Interval => "schema_core::types::Interval".to_string(),
        SqlType::Json => {
            attrs.push("sql_type = \"json\"".to_string());
            "schema_core::serde_json::Value".to_string()
        }
        SqlType::Custom(sql) if sql == "inet" => "std::net::IpAddr".to_string(),
        SqlType::Custom(sql) if sql == "tsvector" => "schema_core::types::TsVector".to_string(),
        SqlType::Custom(sql) if sql == "cidr" || sql == "macaddr" => {
            note = Some("needs schema-core's `net` feature".to_string());
            match sql.as_ref() {
                "cidr" => "schema_core::cidr::IpCidr",
                _ => "schema_core::eui48::MacAddress",
            }
            .to_string()
        }
        other => {
            let sql = match other {
                SqlType::Custom(sql) => sql.to_string(),
                _ => other.ddl(),
            };
            attrs.push(format!("sql_type = {sql:?}"));
            note = Some(format!(
                "`{sql}` has no Rust type here yet: a `String` reads and writes text-like values \
                 only"
            ));
            "String".to_string()
        }
    };
    let mut ty = scalar;
    for _ in 0..column.array_dims {
        ty = format!("Vec<{ty}>");
    }
    if column.nullable {
        ty = format!("Option<{ty}>");
    }
    (ty, attrs, note)
}

fn default_code(default: &DefaultValue, column: &ColumnDef, names: &Names) -> String {
    match default {
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Number(n) => n.to_string(),
        DefaultValue::Text(t) => format!("{:?}", t.as_ref()),
        DefaultValue::EnumLabel(label) => match &column.sql_type {
            SqlType::Enum(name) => format!("{}::{}", names.enum_type(name), camel(label)),
            _ => format!("sql({:?})", format!("'{label}'")),
        },
        DefaultValue::RandomUuid => "random".to_string(),
        DefaultValue::Now => "now".to_string(),
        DefaultValue::Sql(sql) => format!("sql({:?})", sql.as_ref()),
        DefaultValue::NextVal(sequence) => match &sequence.schema {
            Some(schema) => format!("nextval(\"{schema}.{}\")", sequence.name),
            None => format!("nextval({:?})", sequence.name.as_ref()),
        },
    }
}

fn action(action: FkAction) -> &'static str {
    match action {
        FkAction::NoAction => "no_action",
        FkAction::Restrict => "restrict",
        FkAction::Cascade => "cascade",
        FkAction::SetNull => "set_null",
        FkAction::SetDefault => "set_default",
    }
}

/// The path of a column as declarations name it: `users::id`.
fn column_path(table: &QualifiedName, column: &str, names: &Names) -> String {
    format!("{}::{}", names.module(table), rust_ident(&snake(column)))
}

fn table_code(table: &TableDef, schema: &Schema, names: &Names) -> String {
    let qualified = table.qualified_name();
    let mut table_attrs = vec![format!("name = {:?}", table.name.as_ref())];
    if let Some(s) = &table.schema {
        table_attrs.push(format!("schema = {:?}", s.as_ref()));
    }
    if names.module(&qualified) != table.name.as_ref() {
        table_attrs.push(format!("module = {}", names.module(&qualified)));
    }
    // Relations both ways: each single-column foreign key to a single-column primary key is a
    // belongs-to here and a has-many on the referenced table.
    let relation_name = |fk: &ForeignKeyDef| -> String {
        let column = snake(&fk.columns[0]);
        let stem = column
            .strip_suffix("_id")
            .filter(|s| !s.is_empty())
            .unwrap_or(&column);
        rust_ident(stem)
    };
    let single_key = |t: &TableDef| -> Option<String> {
        match t.primary_key.as_ref().map(|pk| &pk.columns[..]) {
            Some([only]) => Some(only.to_string()),
            _ => None,
        }
    };
    let relates = |fk: &ForeignKeyDef| -> bool {
        fk.columns.len() == 1
            && schema
                .tables
                .iter()
                .find(|t| t.qualified_name() == fk.references)
                .and_then(single_key)
                .is_some_and(|key| {
                    fk.referenced_columns.len() == 1 && *fk.referenced_columns[0] == key
                })
    };
    let mut has_many: Vec<String> = Vec::new();
    if single_key(table).is_some() {
        for child in &schema.tables {
            let fks: Vec<&ForeignKeyDef> = child
                .foreign_keys
                .iter()
                .filter(|fk| fk.references == qualified && relates(fk))
                .collect();
            for fk in &fks {
                // `projects`, or `projects_by_owner` when the child references this table twice.
                let name = if fks.len() == 1 {
                    prefixed(&child.qualified_name())
                } else {
                    format!(
                        "{}_by_{}",
                        prefixed(&child.qualified_name()),
                        relation_name(fk)
                    )
                };
                has_many.push(format!(
                    "has_many({}, by = {})",
                    rust_ident(&snake(&name)),
                    column_path(&child.qualified_name(), &fk.columns[0], names)
                ));
            }
        }
    }
    table_attrs.extend(has_many);
    let pk_default = format!("{}_pkey", table.name);
    let single_pk = match table.primary_key.as_ref().map(|pk| &pk.columns[..]) {
        Some([only])
            if table
                .primary_key
                .as_ref()
                .is_some_and(|pk| *pk.name == pk_default) =>
        {
            Some(only.to_string())
        }
        _ => None,
    };
    if let Some(pk) = &table.primary_key {
        if single_pk.is_none() {
            let cols: Vec<String> = pk.columns.iter().map(|c| rust_ident(&snake(c))).collect();
            table_attrs.push(format!("primary_key({})", cols.join(", ")));
        }
    }
    for unique in table.uniques.iter() {
        let cols: Vec<String> = unique
            .columns
            .iter()
            .map(|c| rust_ident(&snake(c)))
            .collect();
        let mut u = format!(
            "unique(on({}), name = {:?}",
            cols.join(", "),
            unique.name.as_ref()
        );
        if unique.nulls_not_distinct {
            u.push_str(", nulls_not_distinct");
        }
        u.push(')');
        table_attrs.push(u);
    }
    for index in table.indexes.iter() {
        let keys: Vec<String> = index
            .keys
            .iter()
            .map(|k| {
                let mut key = match &k.target {
                    IndexTarget::Column(c) => rust_ident(&snake(c)),
                    IndexTarget::Expression(sql) => format!("sql({:?})", sql.as_ref()),
                };
                if k.order == Some(SortOrder::Desc) {
                    key.push_str(" desc");
                }
                match k.nulls {
                    Some(NullsOrder::First) => key.push_str(" nulls_first"),
                    Some(NullsOrder::Last) => key.push_str(" nulls_last"),
                    None => {}
                }
                if let Some(ops) = &k.opclass {
                    key.push_str(&format!(" ops = {:?}", ops.as_ref()));
                }
                key
            })
            .collect();
        let mut i = format!(
            "index(name = {:?}, on({})",
            index.name.as_ref(),
            keys.join(", ")
        );
        if index.unique {
            i.push_str(", unique");
        }
        if index.method != IndexMethod::Btree {
            i.push_str(&format!(", method = {}", index.method.sql()));
        }
        if let Some(predicate) = &index.predicate {
            i.push_str(&format!(", where = {:?}", predicate.as_ref()));
        }
        if let Some(with) = &index.with {
            i.push_str(&format!(", with = {:?}", with.as_ref()));
        }
        i.push(')');
        table_attrs.push(i);
    }
    for check in table.checks.iter() {
        table_attrs.push(format!(
            "check(name = {:?}, sql = {:?})",
            check.name.as_ref(),
            check.expression.as_ref()
        ));
    }
    match table.row_security {
        RowSecurity::Off => {}
        RowSecurity::Enabled => table_attrs.push("row_level_security".to_string()),
        RowSecurity::Forced => table_attrs.push("force_row_level_security".to_string()),
    }
    for policy in table.policies.iter() {
        let mut p = format!("policy(name = {:?}", policy.name.as_ref());
        if policy.command != PolicyCommand::All {
            p.push_str(&format!(
                ", command = {}",
                policy.command.sql().to_lowercase()
            ));
        }
        match policy.roles.as_ref() {
            [] => {}
            [one] => p.push_str(&format!(", to = {:?}", one.as_ref())),
            many => p.push_str(&format!(
                ", to({})",
                many.iter()
                    .map(|r| format!("{:?}", r.as_ref()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
        if let Some(using) = &policy.using {
            p.push_str(&format!(", using = {:?}", using.as_ref()));
        }
        if let Some(check) = &policy.with_check {
            p.push_str(&format!(", with_check = {:?}", check.as_ref()));
        }
        if policy.restrictive {
            p.push_str(", restrictive");
        }
        p.push(')');
        table_attrs.push(p);
    }
    for grant in table.grants.iter() {
        let privileges: Vec<String> = grant
            .privileges
            .iter()
            .map(|p| p.sql().to_lowercase())
            .collect();
        table_attrs.push(format!(
            "grant({}, to = {:?})",
            privileges.join(", "),
            grant.role.as_ref()
        ));
    }
    table_attrs.extend(super::routines::table_attrs(table, &field_name));
    let commented = table.comment.is_some() || table.columns.iter().any(|c| c.comment.is_some());
    if commented {
        table_attrs.push("comments".to_string());
    }
    let mut out = doc_lines(table.comment.as_deref(), "");
    let _ = writeln!(out, "#[table({})]", table_attrs.join(", "));
    out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
    let _ = writeln!(out, "pub struct {} {{", names.struct_name(&qualified));
    for column in table.columns.iter() {
        let field = rust_ident(&snake(&column.name));
        let (ty, type_attrs, note) = rust_type(column, names);
        if let Some(note) = note {
            let _ = writeln!(out, "    // {note}.");
        }
        out.push_str(&doc_lines(column.comment.as_deref(), "    "));
        let mut attrs = Vec::new();
        if field.trim_start_matches("r#") != column.name.as_ref() {
            attrs.push(format!("name = {:?}", column.name.as_ref()));
        }
        if single_pk.as_deref() == Some(column.name.as_ref()) {
            attrs.push("primary_key".to_string());
        }
        match column.identity {
            Some(Identity::ByDefault) => attrs.push("identity".to_string()),
            Some(Identity::Always) => attrs.push("identity = always".to_string()),
            None => {}
        }
        if let Some(expression) = &column.generated {
            attrs.push(format!("generated = {:?}", expression.as_ref()));
        }
        match column.on_update_trigger {
            OnUpdateTrigger::Off => {}
            OnUpdateTrigger::UnlessSet => attrs.push("on_update = now, trigger".to_string()),
            OnUpdateTrigger::Always => attrs.push("on_update = now, trigger = always".to_string()),
        }
        attrs.extend(type_attrs);
        if let Some(default) = &column.default {
            attrs.push(format!(
                "default = {}",
                default_code(default, column, names)
            ));
        }
        for fk in table
            .foreign_keys
            .iter()
            .filter(|fk| fk.columns.len() == 1 && *fk.columns[0] == *column.name)
        {
            let target = column_path(&fk.references, &fk.referenced_columns[0], names);
            let default_name = format!("{}_{}_fkey", table.name, column.name);
            let mut parts = vec![target];
            if fk.on_delete != FkAction::NoAction {
                parts.push(format!("on_delete = {}", action(fk.on_delete)));
            }
            if fk.on_update != FkAction::NoAction {
                parts.push(format!("on_update = {}", action(fk.on_update)));
            }
            if *fk.name != default_name {
                parts.push(format!("name = {:?}", fk.name.as_ref()));
            }
            attrs.push(format!("references({})", parts.join(", ")));
            if relates(fk) {
                attrs.push(format!("relation = {}", relation_name(fk)));
            }
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[column({})]", attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {field}: {ty},");
    }
    out.push_str("}\n");
    for fk in table.foreign_keys.iter().filter(|fk| fk.columns.len() > 1) {
        let _ = writeln!(
            out,
            "// Not expressed: the foreign key `{}` on ({}) has more than one column.",
            fk.name,
            fk.columns.join(", ")
        );
    }
    out
}
