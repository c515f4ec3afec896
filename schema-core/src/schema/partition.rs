//! Declarative partitioning: a table `PARTITION BY RANGE | LIST | HASH (columns)` and its
//! partitions, each a table `PARTITION OF` it `FOR VALUES …`.

use serde::{Deserialize, Serialize};

use super::model::{List, Str};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionMethod {
    Range,
    List,
    Hash,
}

impl PartitionMethod {
    pub fn sql(self) -> &'static str {
        match self {
            PartitionMethod::Range => "RANGE",
            PartitionMethod::List => "LIST",
            PartitionMethod::Hash => "HASH",
        }
    }
}

/// `PARTITION BY method (columns)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionBy {
    pub method: PartitionMethod,
    pub columns: List<Str>,
}

/// The rows a partition holds. Values are SQL constants as written in the statement
/// (`'2026-01-01 00:00:00+00'`, `42`, `MINVALUE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionBound {
    /// `FOR VALUES FROM (…) TO (…)`: from included, to excluded.
    Range { from: List<Str>, to: List<Str> },
    /// `FOR VALUES IN (…)`.
    In(List<Str>),
    /// `FOR VALUES WITH (MODULUS m, REMAINDER r)`.
    Hash { modulus: u32, remainder: u32 },
    /// `DEFAULT`: the rows no other partition takes.
    Default,
}

impl PartitionBound {
    /// The bound as `CREATE TABLE … PARTITION OF` and `ATTACH PARTITION` write it.
    pub fn sql(&self) -> String {
        match self {
            PartitionBound::Range { from, to } => {
                format!(
                    "FOR VALUES FROM ({}) TO ({})",
                    from.join(", "),
                    to.join(", ")
                )
            }
            PartitionBound::In(values) => format!("FOR VALUES IN ({})", values.join(", ")),
            PartitionBound::Hash { modulus, remainder } => {
                format!("FOR VALUES WITH (MODULUS {modulus}, REMAINDER {remainder})")
            }
            PartitionBound::Default => "DEFAULT".to_string(),
        }
    }
}

/// A partition of a partitioned table: a table of its own name, in its parent's schema, with the
/// parent's columns, keys and indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionDef {
    pub name: Str,
    pub bound: PartitionBound,
}
