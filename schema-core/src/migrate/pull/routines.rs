//! Functions, triggers and partitions read back as the model declares them.

use crate::migrate::catalog::{Catalog, CatalogTable};
use crate::schema::{
    FunctionDef, List, OnUpdate, OnUpdateTrigger, PartitionBound, PartitionBy, PartitionDef,
    PartitionMethod, Schema, TableDef, TriggerEvent, TriggerTiming, Volatility,
};
use crate::sql::split_top_level;

/// The table's `PARTITION BY` and its partitions; a key or bound the model cannot say is a note.
pub(super) fn partitioning(
    table: &CatalogTable,
    notes: &mut Vec<String>,
) -> (Option<PartitionBy>, List<PartitionDef>) {
    let Some(key) = &table.partition_by else {
        return (None, List::default());
    };
    let parsed = key.split_once(' ').and_then(|(method, columns)| {
        let method = match method {
            "RANGE" => PartitionMethod::Range,
            "LIST" => PartitionMethod::List,
            "HASH" => PartitionMethod::Hash,
            _ => return None,
        };
        let inner = columns.strip_prefix('(')?.strip_suffix(')')?;
        let columns: Option<Vec<_>> = split_top_level(inner, ',')
            .into_iter()
            .map(|c| plain_identifier(c.trim()))
            .collect();
        Some(PartitionBy {
            method,
            columns: columns?.into_iter().map(Into::into).collect(),
        })
    });
    let Some(by) = parsed else {
        notes.push(format!(
            "the table is partitioned by `{key}`, an expression key, which is not expressible yet: \
             declared unpartitioned"
        ));
        return (None, List::default());
    };
    let mut partitions = Vec::new();
    for (name, bound) in &table.partitions {
        let expressible = |b: &PartitionBound| match b {
            PartitionBound::Range { from, to } => from
                .iter()
                .chain(to.iter())
                .all(|v| rust_value(v).is_some()),
            PartitionBound::In(list) => list.iter().all(|v| rust_value(v).is_some()),
            _ => true,
        };
        match partition_bound(bound).filter(expressible) {
            Some(bound) => partitions.push(PartitionDef {
                name: name.clone().into(),
                bound,
            }),
            None => notes.push(format!(
                "partition `{name}` ({bound}) is not expressible yet: left out"
            )),
        }
    }
    (Some(by), partitions.into())
}

/// A column name as `pg_get_partkeydef` prints it: bare, or in double quotes.
fn plain_identifier(printed: &str) -> Option<String> {
    if let Some(inner) = printed.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        return Some(inner.replace("\"\"", "\""));
    }
    let plain = !printed.is_empty()
        && printed
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || !c.is_ascii());
    plain.then(|| printed.to_string())
}

/// A bound as `pg_get_expr(relpartbound)` prints it.
pub(crate) fn partition_bound(printed: &str) -> Option<PartitionBound> {
    if printed == "DEFAULT" {
        return Some(PartitionBound::Default);
    }
    let rest = printed.strip_prefix("FOR VALUES ")?;
    let list = |inner: &str| -> List<crate::schema::Str> {
        split_top_level(inner, ',')
            .into_iter()
            .map(|v| v.trim().to_string().into())
            .collect()
    };
    if let Some(range) = rest.strip_prefix("FROM (") {
        let (from, to) = range.split_once(") TO (")?;
        let to = to.strip_suffix(')')?;
        return Some(PartitionBound::Range {
            from: list(from),
            to: list(to),
        });
    }
    if let Some(values) = rest.strip_prefix("IN (") {
        return Some(PartitionBound::In(list(values.strip_suffix(')')?)));
    }
    let hash = rest.strip_prefix("WITH (modulus ")?.strip_suffix(')')?;
    let (modulus, remainder) = hash.split_once(", remainder ")?;
    Some(PartitionBound::Hash {
        modulus: modulus.parse().ok()?,
        remainder: remainder.parse().ok()?,
    })
}

/// The table's on-update trigger, when the database has it exactly as this tool makes it: its
/// columns become `on_update = now, trigger` (or `trigger = always`) and the trigger is no
/// longer listed as one written by hand.
pub(super) fn on_update_trigger(def: &mut TableDef, catalog: &Catalog) {
    let name = def.trigger_name();
    let Some(trigger) = def.triggers.iter().find(|t| *t.name == name) else {
        return;
    };
    let function = crate::migrate::catalog::qualified(def.schema.as_deref(), &name);
    let shaped = trigger.timing == TriggerTiming::Before
        && *trigger.events == [TriggerEvent::Update]
        && trigger.update_of.is_empty()
        && trigger.for_each_row
        && trigger.when.is_none()
        && trigger.arguments.is_empty()
        && crate::migrate::catalog::qualified(
            Some(trigger.function.schema_or_public()),
            &trigger.function.name,
        ) == function;
    let Some(body) = catalog
        .functions
        .get(&format!("{function}()"))
        .filter(|f| shaped && f.result == "trigger" && f.language == "plpgsql")
        .map(|f| &f.body)
    else {
        return;
    };
    let columns = on_update_columns(body);
    if columns.is_empty()
        || crate::migrate::render::on_update_body(&columns) != *body
        || columns.iter().any(|(c, _)| def.column(c).is_none())
    {
        return;
    }
    for column in def.columns.to_mut() {
        if let Some((_, mode)) = columns.iter().find(|(c, _)| *c == *column.name) {
            column.on_update = Some(OnUpdate::Now);
            column.on_update_trigger = *mode;
        }
    }
    def.triggers.to_mut().retain(|t| *t.name != name);
}

/// The columns an on-update trigger body sets, and how: `NEW."c" := now();` inside an `IF` is
/// [`OnUpdateTrigger::UnlessSet`], alone [`OnUpdateTrigger::Always`].
fn on_update_columns(body: &str) -> Vec<(String, OnUpdateTrigger)> {
    let mut columns = Vec::new();
    let mut guarded = false;
    for line in body.lines().map(str::trim) {
        if line.starts_with("IF NEW.") {
            guarded = true;
        } else if line == "END IF;" {
            guarded = false;
        } else if let Some(set) = line.strip_prefix("NEW.") {
            let Some(column) = set.strip_suffix(" := now();") else {
                return Vec::new();
            };
            let Some(column) = plain_identifier(column) else {
                return Vec::new();
            };
            let mode = if guarded {
                OnUpdateTrigger::UnlessSet
            } else {
                OnUpdateTrigger::Always
            };
            columns.push((column, mode));
        }
    }
    columns
}

/// The functions of the database, but the on-update triggers' that the tables make.
pub(super) fn functions(catalog: &Catalog, schema: &mut Schema) {
    let made_by_tables: Vec<String> = schema
        .tables
        .iter()
        .filter(|t| !t.trigger_columns().is_empty())
        .map(|t| {
            format!(
                "{}()",
                crate::migrate::catalog::qualified(t.schema.as_deref(), &t.trigger_name())
            )
        })
        .collect();
    for (key, function) in &catalog.functions {
        if made_by_tables.contains(key) {
            continue;
        }
        let Some((name, _)) = key.split_once('(') else {
            continue;
        };
        let name = super::split(name);
        schema.add_function(FunctionDef {
            schema: name.schema,
            name: name.name,
            arguments: function.arguments.clone().into(),
            returns: function.result.clone().into(),
            language: function.language.clone().into(),
            body: function.body.clone().into(),
            volatility: function.volatility,
            strict: function.strict,
            security_definer: function.security_definer,
        });
    }
}

/// A bound's value as the macro takes it: `'text'` as a Rust string, numbers, `true`, `false`,
/// and `minvalue`, `maxvalue`, `null`; `None` for anything else (a cast, an expression).
pub(super) fn rust_value(sql: &str) -> Option<String> {
    if let Some(text) = sql.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        if text.replace("''", "").contains('\'') {
            return None;
        }
        return Some(format!("{:?}", text.replace("''", "'")));
    }
    let number = sql.strip_prefix('-').unwrap_or(sql);
    let numeric = !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.chars().next().is_some_and(|c| c.is_ascii_digit());
    if numeric {
        return Some(sql.to_string());
    }
    match sql {
        "MINVALUE" | "MAXVALUE" | "NULL" | "true" | "false" => Some(sql.to_lowercase()),
        _ => None,
    }
}

/// The `#[table]` attributes of the table's triggers and partitioning.
pub(super) fn table_attrs(table: &TableDef, field: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut attrs = Vec::new();
    for trigger in table.triggers.iter() {
        let mut parts = vec![format!("name = {:?}", trigger.name.as_ref())];
        parts.push(
            match trigger.timing {
                TriggerTiming::Before => "before",
                TriggerTiming::After => "after",
                TriggerTiming::InsteadOf => "instead_of",
            }
            .to_string(),
        );
        parts.extend(trigger.events.iter().map(|e| e.sql().to_lowercase()));
        if !trigger.update_of.is_empty() {
            let fields: Vec<String> = trigger.update_of.iter().map(|c| field(c)).collect();
            parts.push(format!("of({})", fields.join(", ")));
        }
        if !trigger.for_each_row {
            parts.push("for_each = statement".to_string());
        }
        if let Some(when) = &trigger.when {
            parts.push(format!("when = {:?}", when.as_ref()));
        }
        let function = match &trigger.function.schema {
            Some(schema) if schema != "public" => format!("{schema}.{}", trigger.function.name),
            _ => trigger.function.name.to_string(),
        };
        parts.push(format!("function = {function:?}"));
        if !trigger.arguments.is_empty() {
            let args: Vec<String> = trigger.arguments.iter().map(|a| format!("{a:?}")).collect();
            parts.push(format!("args({})", args.join(", ")));
        }
        attrs.push(format!("trigger({})", parts.join(", ")));
    }
    let Some(by) = &table.partition_by else {
        return attrs;
    };
    let fields: Vec<String> = by.columns.iter().map(|c| field(c)).collect();
    attrs.push(format!(
        "partition_by = {}({})",
        by.method.sql().to_lowercase(),
        fields.join(", ")
    ));
    let values = |list: &[crate::schema::Str]| -> String {
        let values: Vec<String> = list.iter().filter_map(|v| rust_value(v)).collect();
        match values.as_slice() {
            [one] => one.clone(),
            many => format!("({})", many.join(", ")),
        }
    };
    let (monthly, months) = monthly_run(table);
    if let Some((from, to)) = monthly {
        attrs.push(format!(
            "partitions = monthly(from = \"{:04}-{:02}\", to = \"{:04}-{:02}\")",
            from.0, from.1, to.0, to.1
        ));
    }
    for partition in table
        .partitions
        .iter()
        .filter(|p| !months.contains(&&*p.name))
    {
        let bound = match &partition.bound {
            PartitionBound::Range { from, to } => {
                format!("from = {}, to = {}", values(from), values(to))
            }
            PartitionBound::In(list) => {
                let list: Vec<String> = list.iter().filter_map(|v| rust_value(v)).collect();
                format!("values({})", list.join(", "))
            }
            PartitionBound::Hash { modulus, remainder } => {
                format!("modulus = {modulus}, remainder = {remainder}")
            }
            PartitionBound::Default => "default".to_string(),
        };
        attrs.push(format!(
            "partition(name = {:?}, {bound})",
            partition.name.as_ref()
        ));
    }
    attrs
}

/// (year, month).
type Month = (i32, u32);

/// The longest run of partitions that `partitions = monthly(…)` declares (named
/// `<table>_y2026m01`, bounded by the firsts of consecutive months at midnight, as a `date`,
/// `timestamp` or UTC `timestamptz` key prints it), as (first month, month after the last), and
/// the names it covers. Two months at least; none when there is no such run.
fn monthly_run(table: &TableDef) -> (Option<(Month, Month)>, Vec<&str>) {
    let month_of = |partition: &PartitionDef| -> Option<(i32, u32)> {
        let rest = partition.name.strip_prefix(&format!("{}_y", table.name))?;
        let (year, month) = rest.split_once('m')?;
        let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
        let next = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        let first = |(y, m): (i32, u32)| {
            let day = format!("{y:04}-{m:02}-01");
            [
                format!("'{day}'"),
                format!("'{day} 00:00:00'"),
                format!("'{day} 00:00:00+00'"),
            ]
        };
        let PartitionBound::Range { from, to } = &partition.bound else {
            return None;
        };
        let fits = |values: &[crate::schema::Str], at| {
            values.len() == 1 && first(at).contains(&values[0].to_string())
        };
        (fits(from, (year, month)) && fits(to, next)).then_some((year, month))
    };
    let mut months: Vec<(Month, &str)> = table
        .partitions
        .iter()
        .filter_map(|p| Some((month_of(p)?, &*p.name)))
        .collect();
    months.sort();
    let mut best: &[(Month, &str)] = &[];
    let mut start = 0;
    for end in 1..=months.len() {
        let continues = end < months.len() && {
            let (y, m) = months[end - 1].0;
            months[end].0 == if m == 12 { (y + 1, 1) } else { (y, m + 1) }
        };
        if !continues {
            if end - start > best.len() {
                best = &months[start..end];
            }
            start = end;
        }
    }
    if best.len() < 2 {
        return (None, Vec::new());
    }
    let first = best[0].0;
    let (y, m) = best[best.len() - 1].0;
    let after = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (
        Some((first, after)),
        best.iter().map(|(_, name)| *name).collect(),
    )
}

/// A function as the `FunctionDef` builder writes it: only what differs from its defaults.
pub(super) fn function_const(def: &FunctionDef) -> String {
    let mut code = format!(
        "schema_core::schema::FunctionDef::new({:?})",
        def.name.as_ref()
    );
    if let Some(schema) = &def.schema {
        code.push_str(&format!(".in_schema({:?})", schema.as_ref()));
    }
    if !def.arguments.is_empty() {
        code.push_str(&format!(".arguments({:?})", def.arguments.as_ref()));
    }
    if def.returns != "void" {
        code.push_str(&format!(".returns({:?})", def.returns.as_ref()));
    }
    if def.language != "plpgsql" {
        code.push_str(&format!(".language({:?})", def.language.as_ref()));
    }
    match def.volatility {
        Volatility::Volatile => {}
        Volatility::Stable => code.push_str(".stable()"),
        Volatility::Immutable => code.push_str(".immutable()"),
    }
    if def.strict {
        code.push_str(".strict()");
    }
    if def.security_definer {
        code.push_str(".security_definer()");
    }
    code.push_str(&format!(".body({:?})", def.body.as_ref()));
    code
}
