//! Bound parameters: every value a statement sends travels as one of these, never as SQL text.

use std::sync::Arc;

use postgres_types::ToSql;

/// A bound parameter: any value tokio-postgres can encode.
pub type Param = Arc<dyn ToSql + Send + Sync>;

/// The parameters as tokio-postgres takes them.
pub(crate) fn param_refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect()
}
