//! The SQL of functions, triggers and partitions.

use super::name;
use crate::schema::{
    FunctionDef, OnUpdateTrigger, PartitionDef, QualifiedName, TriggerDef, TriggerEvent,
};
use crate::sql::{dollar_quote, quote_ident, quote_literal, quote_qualified};

/// `CREATE OR REPLACE FUNCTION name(arguments) RETURNS … LANGUAGE … AS $$body$$`.
pub(super) fn create_function(def: &FunctionDef) -> String {
    let mut sql = format!(
        "CREATE OR REPLACE FUNCTION {}({}) RETURNS {} LANGUAGE {}",
        name(&def.qualified_name()),
        def.arguments,
        def.returns,
        language_name(&def.language)
    );
    sql.push(' ');
    sql.push_str(def.volatility.sql());
    if def.strict {
        sql.push_str(" STRICT");
    }
    if def.security_definer {
        sql.push_str(" SECURITY DEFINER");
    }
    sql.push_str(" AS ");
    sql.push_str(&dollar_quote(&def.body));
    sql.push(';');
    sql
}

/// A language name as `LANGUAGE` takes it: a plain lower-case word as such, anything else quoted.
fn language_name(language: &str) -> String {
    let plain = !language.is_empty()
        && language
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        language.to_string()
    } else {
        quote_ident(language)
    }
}

/// `DROP FUNCTION name(arguments)`, the arguments without their defaults (which `DROP` does not
/// take).
pub(super) fn drop_function(function: &QualifiedName, arguments: &str) -> String {
    let arguments: Vec<&str> = crate::sql::split_top_level(arguments, ',')
        .into_iter()
        .map(|a| {
            let a = a.trim();
            let lower = a.to_ascii_lowercase();
            let cut = [" default ", "="]
                .iter()
                .filter_map(|w| lower.find(w))
                .min()
                .unwrap_or(a.len());
            a[..cut].trim()
        })
        .filter(|a| !a.is_empty())
        .collect();
    format!(
        "DROP FUNCTION {}({});",
        name(function),
        arguments.join(", ")
    )
}

/// `CREATE TRIGGER name timing events ON table FOR EACH … [WHEN (…)] EXECUTE FUNCTION f(args)`.
pub(super) fn create_trigger(table: &QualifiedName, trigger: &TriggerDef) -> String {
    let events: Vec<String> = trigger
        .events
        .iter()
        .map(|event| match event {
            TriggerEvent::Update if !trigger.update_of.is_empty() => format!(
                "UPDATE OF {}",
                trigger
                    .update_of
                    .iter()
                    .map(|c| quote_ident(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            event => event.sql().to_string(),
        })
        .collect();
    let mut sql = format!(
        "CREATE TRIGGER {} {} {} ON {} FOR EACH {}",
        quote_ident(&trigger.name),
        trigger.timing.sql(),
        events.join(" OR "),
        name(table),
        if trigger.for_each_row {
            "ROW"
        } else {
            "STATEMENT"
        }
    );
    if let Some(when) = &trigger.when {
        sql.push_str(&format!(" WHEN ({when})"));
    }
    let arguments: Vec<String> = trigger.arguments.iter().map(|a| quote_literal(a)).collect();
    sql.push_str(&format!(
        " EXECUTE FUNCTION {}({});",
        name(&trigger.function),
        arguments.join(", ")
    ));
    sql
}

/// The body of a table's on-update trigger function.
pub(crate) fn on_update_body(columns: &[(String, OnUpdateTrigger)]) -> String {
    let sets: Vec<String> = columns
        .iter()
        .map(|(c, mode)| {
            let c = quote_ident(c);
            match mode {
                OnUpdateTrigger::Always => format!("\tNEW.{c} := now();\n"),
                _ => format!(
                    "\tIF NEW.{c} IS NOT DISTINCT FROM OLD.{c} THEN\n\t\tNEW.{c} := now();\n\tEND IF;\n"
                ),
            }
        })
        .collect();
    format!("\nBEGIN\n{}\tRETURN NEW;\nEND\n", sets.concat())
}

/// The on-update trigger's function.
pub(super) fn create_on_update_function(
    table: &QualifiedName,
    function: &str,
    columns: &[(String, OnUpdateTrigger)],
) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS {};",
        quote_qualified(table.schema.as_deref(), function),
        dollar_quote(&on_update_body(columns))
    )
}

/// `CREATE TABLE p PARTITION OF parent FOR VALUES …`, in the parent's schema.
pub(super) fn create_partition(parent: &QualifiedName, partition: &PartitionDef) -> String {
    format!(
        "CREATE TABLE {} PARTITION OF {} {};",
        quote_qualified(parent.schema.as_deref(), &partition.name),
        name(parent),
        partition.bound.sql()
    )
}

pub(super) fn attach_partition(parent: &QualifiedName, partition: &PartitionDef) -> String {
    format!(
        "ALTER TABLE {} ATTACH PARTITION {} {};",
        name(parent),
        quote_qualified(parent.schema.as_deref(), &partition.name),
        partition.bound.sql()
    )
}

pub(super) fn detach_partition(parent: &QualifiedName, partition: &str) -> String {
    format!(
        "ALTER TABLE {} DETACH PARTITION {};",
        name(parent),
        quote_qualified(parent.schema.as_deref(), partition)
    )
}
