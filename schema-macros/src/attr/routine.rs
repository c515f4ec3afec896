//! `#[table(trigger(…), partition_by = …, partition(…), partitions = monthly(…))]`.

use proc_macro2::{Ident, Span};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{parenthesized, Lit, LitStr, Token};

use super::parse::*;
use super::Sp;
use crate::ctxt::Ctxt;

pub const TRIGGER_KEYS: &[&str] = &[
    "name",
    "before",
    "after",
    "instead_of",
    "insert",
    "update",
    "delete",
    "truncate",
    "of",
    "for_each",
    "when",
    "function",
    "args",
];

pub const PARTITION_KEYS: &[&str] = &[
    "name",
    "from",
    "to",
    "values",
    "modulus",
    "remainder",
    "default",
];

/// `trigger(name = "audit", after, insert, update, of(a, b), for_each = statement,
/// when = "…", function = "schema.fn", args("x"))`.
pub struct TriggerAttr {
    pub span: Span,
    pub name: Option<Sp<String>>,
    /// `BEFORE`, `AFTER` or `INSTEAD OF` (as the variants of `TriggerTiming`).
    pub timing: Option<Sp<&'static str>>,
    /// `Insert`, `Update`, … (the variants of `TriggerEvent`), in the order written.
    pub events: Vec<&'static str>,
    pub of: Vec<Ident>,
    pub for_each_row: bool,
    pub when: Option<Sp<String>>,
    /// (schema, name).
    pub function: Option<Sp<(Option<String>, String)>>,
    pub args: Vec<String>,
}

pub fn parse_trigger(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<TriggerAttr> {
    let mut trigger = TriggerAttr {
        span: meta.path.span(),
        name: None,
        timing: None,
        events: Vec::new(),
        of: Vec::new(),
        for_each_row: true,
        when: None,
        function: None,
        args: Vec::new(),
    };
    let mut for_each = None;
    meta.parse_nested_meta(|meta| {
        let key = key_of(&meta);
        let span = meta.path.span();
        match key.as_str() {
            "name" => set_once(cx, &mut trigger.name, lit_str(&meta)?, &meta),
            "before" | "after" | "instead_of" => {
                let timing = match key.as_str() {
                    "before" => "Before",
                    "after" => "After",
                    _ => "InsteadOf",
                };
                if trigger.timing.is_some() {
                    cx.error_at(span, "a trigger fires either `before`, `after` or `instead_of`: write one of them");
                } else {
                    trigger.timing = Some(Sp::new(timing, span));
                }
            }
            "insert" | "update" | "delete" | "truncate" => {
                let event = match key.as_str() {
                    "insert" => "Insert",
                    "update" => "Update",
                    "delete" => "Delete",
                    _ => "Truncate",
                };
                if trigger.events.contains(&event) {
                    cx.error_at(span, format!("`{key}` is written twice"));
                } else {
                    trigger.events.push(event);
                }
            }
            "of" => trigger.of.extend(paren_idents(&meta)?),
            "for_each" => {
                let word = ident_value(&meta)?;
                match word.to_string().as_str() {
                    "row" | "statement" => set_once(cx, &mut for_each, word, &meta),
                    _ => cx.error_at(word.span(), "`for_each` is `row` or `statement`"),
                }
            }
            "when" => set_once(cx, &mut trigger.when, lit_str(&meta)?, &meta),
            "function" => {
                let lit = lit_str(&meta)?;
                let function = match lit.value.split_once('.') {
                    Some((schema, name)) => (Some(schema.to_string()), name.to_string()),
                    None => (None, lit.value.clone()),
                };
                if function.1.is_empty() || function.1.contains(['(', ' ', '.']) {
                    cx.error_at(lit.span, "`function` names the trigger's function, `\"audit_row\"` or `\"audit.log_row\"`, without parentheses or arguments (those go in `args(…)`)");
                }
                set_once(cx, &mut trigger.function, Sp::new(function, lit.span), &meta)
            }
            "args" => {
                let content;
                parenthesized!(content in meta.input);
                let args = content.parse_terminated(<LitStr as syn::parse::Parse>::parse, Token![,])?;
                trigger.args.extend(args.iter().map(LitStr::value));
            }
            _ => unknown_key(cx, &meta, "trigger", TRIGGER_KEYS)?,
        }
        Ok(())
    })?;
    if let Some(word) = &for_each {
        trigger.for_each_row = word == "row";
    }
    if trigger.name.is_none() {
        cx.error_at(trigger.span, "a trigger needs a name: `trigger(name = \"audit\", after, insert, function = \"audit_row\")`");
    }
    if trigger.timing.is_none() {
        cx.error_at(
            trigger.span,
            "a trigger says when it fires: `before`, `after` or `instead_of`",
        );
    }
    if trigger.events.is_empty() {
        cx.error_at(trigger.span, "a trigger says what it fires on: `insert`, `update`, `delete` or `truncate` (one or more)");
    }
    if trigger.function.is_none() {
        cx.error_at(trigger.span, "a trigger calls a function returning `trigger`: `function = \"audit_row\"`, declared with `FunctionDef` and added with `.function(…)`");
    }
    if !trigger.of.is_empty() && !trigger.events.contains(&"Update") {
        cx.error_at(
            trigger.of[0].span(),
            "`of(…)` narrows an `update` trigger to some columns: add `update`, or leave `of` out",
        );
    }
    if trigger.events.contains(&"Truncate") && trigger.for_each_row {
        cx.error_at(trigger.span, "a `truncate` trigger fires once per statement (there are no rows): add `for_each = statement`");
    }
    if let Some(timing) = &trigger.timing {
        if timing.value == "InsteadOf" {
            cx.error_at(timing.span, "`instead_of` triggers are for views, and a `#[table]` is a table: use `before` or `after`");
        }
    }
    Ok(trigger)
}

/// `partition_by = range(a)`: the method (a variant of `PartitionMethod`) and the key fields.
pub struct PartitionByAttr {
    pub span: Span,
    pub method: &'static str,
    pub columns: Vec<Ident>,
}

pub fn parse_partition_by(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<PartitionByAttr> {
    let input = meta.value()?;
    let word = input.call(Ident::parse_any)?;
    let method = match word.to_string().as_str() {
        "range" => "Range",
        "list" => "List",
        "hash" => "Hash",
        _ => {
            cx.error_at(
                word.span(),
                "`partition_by` is `range(field)`, `list(field)` or `hash(field, …)`",
            );
            "Range"
        }
    };
    let content;
    parenthesized!(content in input);
    let columns: Vec<Ident> = content
        .parse_terminated(Ident::parse_any, Token![,])?
        .into_iter()
        .collect();
    if columns.is_empty() {
        cx.error_at(
            word.span(),
            "`partition_by` names the key's fields: `range(created_at)`",
        );
    }
    if method == "List" && columns.len() > 1 {
        cx.error_at(columns[1].span(), "a `list` partition key has one field");
    }
    Ok(PartitionByAttr {
        span: word.span(),
        method,
        columns,
    })
}

/// A bound's value, written as SQL: a quoted string, a number, `MINVALUE`, `MAXVALUE`, `NULL`,
/// `TRUE` or `FALSE`.
fn bound_value(cx: &Ctxt, input: syn::parse::ParseStream<'_>) -> syn::Result<String> {
    if input.peek(Lit) {
        return Ok(match input.parse::<Lit>()? {
            Lit::Str(s) => format!("'{}'", s.value().replace('\'', "''")),
            Lit::Int(i) => i.base10_digits().to_string(),
            Lit::Float(f) => f.base10_digits().to_string(),
            Lit::Bool(b) => if b.value { "true" } else { "false" }.to_string(),
            other => {
                cx.error_at(other.span(), "a bound's value is a string, a number, `true`, `false`, `null`, `minvalue` or `maxvalue`");
                String::new()
            }
        });
    }
    if input.peek(Token![-]) {
        input.parse::<Token![-]>()?;
        return Ok(format!("-{}", bound_value(cx, input)?));
    }
    let word = input.call(Ident::parse_any)?;
    Ok(match word.to_string().as_str() {
        "minvalue" => "MINVALUE".to_string(),
        "maxvalue" => "MAXVALUE".to_string(),
        "null" => "NULL".to_string(),
        _ => {
            cx.error_at(word.span(), "a bound's value is a string, a number, `true`, `false`, `null`, `minvalue` or `maxvalue`");
            String::new()
        }
    })
}

/// `= value` or `= (value, value)`.
fn bound_values(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<String>> {
    let input = meta.value()?;
    if input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        let mut values = Vec::new();
        while !content.is_empty() {
            values.push(bound_value(cx, &content)?);
            if content.parse::<Option<Token![,]>>()?.is_none() {
                break;
            }
        }
        Ok(values)
    } else {
        Ok(vec![bound_value(cx, input)?])
    }
}

/// A partition's bound, as the variants of `PartitionBound` say it.
#[derive(Clone)]
pub enum BoundAttr {
    Range { from: Vec<String>, to: Vec<String> },
    In(Vec<String>),
    Hash { modulus: u32, remainder: u32 },
    Default,
}

#[derive(Clone)]
pub struct PartitionAttr {
    pub span: Span,
    pub name: String,
    pub bound: BoundAttr,
}

/// `partition(name = "…", from = …, to = …)`, `partition(name = "…", values(…))`,
/// `partition(name = "…", modulus = 4, remainder = 0)` or `partition(name = "…", default)`.
pub fn parse_partition(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<PartitionAttr> {
    let span = meta.path.span();
    let (mut name, mut from, mut to, mut values, mut modulus, mut remainder, mut default) =
        (None, None, None, None, None, None, None);
    meta.parse_nested_meta(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut name, lit_str(&meta)?, &meta),
            "from" => set_once(cx, &mut from, bound_values(cx, &meta)?, &meta),
            "to" => set_once(cx, &mut to, bound_values(cx, &meta)?, &meta),
            "values" => {
                let content;
                parenthesized!(content in meta.input);
                let mut list = Vec::new();
                while !content.is_empty() {
                    list.push(bound_value(cx, &content)?);
                    if content.parse::<Option<Token![,]>>()?.is_none() {
                        break;
                    }
                }
                set_once(cx, &mut values, list, &meta)
            }
            "modulus" => {
                let n: syn::LitInt = meta.value()?.parse()?;
                set_once(
                    cx,
                    &mut modulus,
                    Sp::new(n.base10_parse::<u32>()?, n.span()),
                    &meta,
                )
            }
            "remainder" => {
                let n: syn::LitInt = meta.value()?.parse()?;
                set_once(
                    cx,
                    &mut remainder,
                    Sp::new(n.base10_parse::<u32>()?, n.span()),
                    &meta,
                )
            }
            "default" => set_once(cx, &mut default, meta.path.span(), &meta),
            _ => unknown_key(cx, &meta, "partition", PARTITION_KEYS)?,
        }
        Ok(())
    })?;
    let kinds = [
        from.is_some() || to.is_some(),
        values.is_some(),
        modulus.is_some() || remainder.is_some(),
        default.is_some(),
    ];
    let bound = match (from, to, values, modulus, remainder, default) {
        _ if kinds.iter().filter(|k| **k).count() > 1 => {
            cx.error_at(span, "a partition has one kind of bound: `from`/`to`, `values(…)`, `modulus`/`remainder` or `default`");
            BoundAttr::Default
        }
        (Some(from), Some(to), ..) => BoundAttr::Range { from, to },
        (Some(_), None, ..) | (None, Some(_), ..) => {
            cx.error_at(span, "a range partition has both ends: `from = \"2026-01-01\", to = \"2026-02-01\"` (from included, to excluded)");
            BoundAttr::Default
        }
        (_, _, Some(values), ..) => BoundAttr::In(values),
        (_, _, _, Some(modulus), Some(remainder), _) => {
            if modulus.value == 0 {
                cx.error_at(modulus.span, "`modulus` is at least 1");
            }
            if remainder.value >= modulus.value {
                cx.error_at(
                    remainder.span,
                    format!("`remainder` is less than the modulus, {}", modulus.value),
                );
            }
            BoundAttr::Hash {
                modulus: modulus.value,
                remainder: remainder.value,
            }
        }
        (_, _, _, Some(_), None, _) | (_, _, _, None, Some(_), _) => {
            cx.error_at(
                span,
                "a hash partition has both `modulus` and `remainder`: `modulus = 4, remainder = 0`",
            );
            BoundAttr::Default
        }
        (.., Some(_)) => BoundAttr::Default,
        _ => {
            cx.error_at(span, "a partition says which rows it holds: `from = …, to = …` (range), `values(…)` (list), `modulus = …, remainder = …` (hash) or `default`");
            BoundAttr::Default
        }
    };
    let name = match name {
        Some(name) => name.value,
        None => {
            cx.error_at(span, "a partition needs a name: `partition(name = \"events_2026\", from = \"2026-01-01\", to = \"2027-01-01\")`");
            String::new()
        }
    };
    Ok(PartitionAttr { span, name, bound })
}

/// `partitions = monthly(from = "2026-01", to = "2027-01")`: (span, from, until) as (year, month).
pub struct MonthlyAttr {
    pub span: Span,
    pub from: (i32, u32),
    pub until: (i32, u32),
}

pub fn parse_monthly(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<MonthlyAttr> {
    let input = meta.value()?;
    let word = input.call(Ident::parse_any)?;
    if word != "monthly" {
        cx.error_at(word.span(), "`partitions` generates a span of range partitions: `monthly(from = \"2026-01\", to = \"2027-01\")`");
    }
    let content;
    parenthesized!(content in input);
    let (mut from, mut until, mut misread) = (None, None, false);
    let month = |lit: &LitStr| -> Option<(i32, u32)> {
        let text = lit.value();
        let (year, month) = text.split_once('-')?;
        let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
        ((1..=9999).contains(&year) && (1..=12).contains(&month)).then_some((year, month))
    };
    while !content.is_empty() {
        let key = content.call(Ident::parse_any)?;
        content.parse::<Token![=]>()?;
        let lit: LitStr = content.parse()?;
        let Some(value) = month(&lit) else {
            cx.error_at(
                lit.span(),
                "a month is written `\"2026-01\"` (year, dash, month)",
            );
            misread = true;
            content.parse::<Option<Token![,]>>()?;
            continue;
        };
        match key.to_string().as_str() {
            "from" => from = Some(value),
            "to" => until = Some(value),
            _ => cx.error_at(key.span(), "`monthly` takes `from = \"2026-01\"` and `to = \"2027-01\"` (the first month left out)"),
        }
        if content.parse::<Option<Token![,]>>()?.is_none() {
            break;
        }
    }
    let (Some(from), Some(until)) = (from, until) else {
        if !misread {
            cx.error_at(word.span(), "`monthly` takes `from = \"2026-01\"` and `to = \"2027-01\"` (the first month left out)");
        }
        return Ok(MonthlyAttr {
            span: word.span(),
            from: (2000, 1),
            until: (2000, 1),
        });
    };
    if until <= from {
        cx.error_at(
            word.span(),
            "`monthly(…)` ends after it starts: `to` is the first month left out",
        );
    } else if (until.0 - from.0) * 12 + until.1 as i32 - from.1 as i32 > 1200 {
        cx.error_at(
            word.span(),
            "`monthly(…)` makes at most 1200 partitions (a hundred years)",
        );
    }
    Ok(MonthlyAttr {
        span: word.span(),
        from,
        until,
    })
}

/// The partitions `monthly` declares: `<table>_y2026m01`, `FROM ('2026-01-01 00:00:00+00') TO
/// ('2026-02-01 00:00:00+00')` (midnight UTC, which a `date` or `timestamp` key reads as the day).
pub fn monthly_partitions(table: &str, monthly: &MonthlyAttr) -> Vec<PartitionAttr> {
    let mut out = Vec::new();
    let (mut year, mut month) = monthly.from;
    while (year, month) < monthly.until {
        let next = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        let at = |(y, m): (i32, u32)| format!("'{y:04}-{m:02}-01 00:00:00+00'");
        out.push(PartitionAttr {
            span: monthly.span,
            name: format!("{table}_y{year:04}m{month:02}"),
            bound: BoundAttr::Range {
                from: vec![at((year, month))],
                to: vec![at(next)],
            },
        });
        (year, month) = next;
    }
    out
}
