//! Triggers and partitioning of a table, with their fields resolved to columns.

use proc_macro2::Ident;

use super::{Column, PrimaryKey, Unique};
use crate::attr::{self, BoundAttr, PartitionAttr, TableAttrs};
use crate::ctxt::Ctxt;

pub struct Trigger<'a> {
    pub attr: &'a attr::TriggerAttr,
    /// `UPDATE OF` columns, by SQL name.
    pub of: Vec<String>,
}

pub struct PartitionBy {
    /// The variant of `PartitionMethod`.
    pub method: &'static str,
    /// The key columns, by SQL name.
    pub columns: Vec<String>,
}

pub struct Partitioning<'a> {
    pub triggers: Vec<Trigger<'a>>,
    pub partition_by: Option<PartitionBy>,
    pub partitions: Vec<PartitionAttr>,
}

/// The triggers and partitioning of a table; each mistake is an error at its token: a partition
/// without `partition_by`, a bound of the wrong kind or width, a key or unique constraint that
/// leaves out a key column (which PostgreSQL refuses on a partitioned table).
pub fn resolve<'a>(
    cx: &Ctxt,
    attrs: &'a TableAttrs,
    table_name: &str,
    columns: &[Column<'_>],
    find: &dyn Fn(&Ident) -> Option<usize>,
    primary_key: Option<&PrimaryKey>,
    uniques: &[Unique],
) -> Partitioning<'a> {
    let triggers = attrs
        .triggers
        .iter()
        .map(|attr| Trigger {
            attr,
            of: attr
                .of
                .iter()
                .filter_map(|ident| find(ident).map(|i| columns[i].sql_name.value.clone()))
                .collect(),
        })
        .collect();
    let mut partitions: Vec<PartitionAttr> = attrs.partitions.clone();
    if let Some(monthly) = &attrs.monthly {
        partitions.extend(attr::monthly_partitions(table_name, monthly));
    }
    let Some(by) = &attrs.partition_by else {
        if let Some(first) = partitions.first() {
            cx.error_at(first.span, "partitions belong to a partitioned table: add `partition_by = range(field)` (or `list`, `hash`)");
        }
        return Partitioning {
            triggers,
            partition_by: None,
            partitions: Vec::new(),
        };
    };
    let key: Vec<usize> = by.columns.iter().filter_map(find).collect();
    for (what, span, constrained) in primary_key
        .map(|pk| ("primary key", pk.span, &pk.columns))
        .into_iter()
        .chain(
            uniques
                .iter()
                .map(|u| ("unique constraint", u.span, &u.columns)),
        )
    {
        let missing: Vec<String> = key
            .iter()
            .filter(|k| !constrained.contains(k))
            .map(|k| columns[*k].ident.to_string())
            .collect();
        if !missing.is_empty() {
            cx.error_at(span, format!(
                "a {what} of a partitioned table includes the partition key (each partition checks only its own rows): add `{}` to it",
                missing.join("`, `")
            ));
        }
    }
    if attrs.monthly.is_some() && (by.method != "Range" || key.len() != 1) {
        cx.error_at(by.span, "`partitions = monthly(…)` makes range partitions of one date or timestamp field: `partition_by = range(created_at)`");
    }
    let mut seen = std::collections::BTreeSet::new();
    for partition in &partitions {
        if !seen.insert(partition.name.clone()) {
            cx.error_at(
                partition.span,
                format!("partition `{}` is declared twice", partition.name),
            );
        }
        let fits = match (&partition.bound, by.method) {
            (BoundAttr::Default, "Range" | "List") => true,
            (BoundAttr::Range { from, to }, "Range") => {
                if from.len() != key.len() || to.len() != key.len() {
                    let message = if key.len() == 1 {
                        "the partition key has one field: `from` and `to` give one value each"
                            .to_string()
                    } else {
                        format!("the partition key has {} fields: `from` and `to` give a value for each, `from = (a, b)`", key.len())
                    };
                    cx.error_at(partition.span, message);
                }
                true
            }
            (BoundAttr::In(_), "List") | (BoundAttr::Hash { .. }, "Hash") => true,
            _ => false,
        };
        if !fits {
            let wanted = match by.method {
                "Range" => "`from = …, to = …` or `default`",
                "List" => "`values(…)` or `default`",
                _ => "`modulus = …, remainder = …`",
            };
            cx.error_at(
                partition.span,
                format!(
                    "a partition of a `{}` partitioned table is bounded by {wanted}",
                    by.method.to_lowercase()
                ),
            );
        }
    }
    Partitioning {
        triggers,
        partition_by: Some(PartitionBy {
            method: by.method,
            columns: key
                .iter()
                .map(|k| columns[*k].sql_name.value.clone())
                .collect(),
        }),
        partitions,
    }
}
