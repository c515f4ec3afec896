//! The schema as an entity-relationship diagram in Mermaid's `erDiagram` text, which code hosts
//! render: every table with its columns (type, `PK`, `FK`, `UK`), and one line per foreign key
//! (`}o--||` for a required parent, `}o--o|` for an optional one). Deterministic: tables and
//! keys in the schema's canonical order.

use std::fmt::Write as _;

use crate::schema::{QualifiedName, Schema, TableDef};

/// The Mermaid `erDiagram` of `schema`.
pub fn mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for table in &schema.tables {
        let _ = writeln!(out, "    {} {{", entity(&table.qualified_name()));
        for column in table.columns.iter() {
            let mut ty = column.sql_type.ddl();
            for _ in 0..column.array_dims {
                ty.push_str("[]");
            }
            let mut keys = Vec::new();
            if in_primary_key(table, &column.name) {
                keys.push("PK");
            }
            if table
                .foreign_keys
                .iter()
                .any(|fk| fk.columns.contains(&column.name))
            {
                keys.push("FK");
            }
            if table
                .uniques
                .iter()
                .any(|u| u.columns.len() == 1 && u.columns[0] == column.name)
            {
                keys.push("UK");
            }
            let _ = write!(out, "        {} {}", word(&ty), word(&column.name));
            if !keys.is_empty() {
                let _ = write!(out, " {}", keys.join(", "));
            }
            if column.nullable {
                out.push_str(" \"nullable\"");
            }
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for table in &schema.tables {
        for fk in table.foreign_keys.iter() {
            let optional = fk.columns.iter().any(|c| {
                table
                    .columns
                    .iter()
                    .any(|col| col.name == *c && col.nullable)
            });
            let _ = writeln!(
                out,
                "    {} }}o--{}| {} : \"{}\"",
                entity(&table.qualified_name()),
                if optional { "o" } else { "|" },
                entity(&fk.references),
                fk.columns.join(", ").replace('"', "'")
            );
        }
    }
    out
}

fn in_primary_key(table: &TableDef, column: &str) -> bool {
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(|c| c == column))
}

/// A table's name as a Mermaid entity: `schema_table` outside `public`.
fn entity(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) if schema != "public" => word(&format!("{schema}_{}", name.name)),
        _ => word(&name.name),
    }
}

/// One Mermaid word: letters, digits, `_`, `-`, `(`, `)`, `[`, `]`; quotes go (`"user_role"` is
/// `user_role`), anything else becomes `_`.
fn word(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '"')
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '(' | ')' | '[' | ']') {
                c
            } else {
                '_'
            }
        })
        .collect()
}
