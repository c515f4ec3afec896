//! Opt-in SQL logging through `tracing`: one `DEBUG` event per statement, target
//! `schema_core::sql`, with the SQL text and its duration. Parameters are redacted (only their
//! count is logged) unless [`Db::log_parameters`](super::Db::log_parameters) asks for them.

use std::time::Duration;

use super::run::Params;

/// Whether a subscriber takes `schema_core::sql` events (a cached answer: one atomic load).
#[inline]
pub(crate) fn enabled() -> bool {
    tracing::enabled!(target: "schema_core::sql", tracing::Level::DEBUG)
}

pub(crate) fn statement(sql: &str, params: Params<'_>, elapsed: Duration, with_params: bool) {
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    if with_params {
        tracing::debug!(target: "schema_core::sql", sql, duration_ms, params = ?params, "statement");
    } else {
        tracing::debug!(target: "schema_core::sql", sql, duration_ms, params = params.len(), "statement (parameters redacted)");
    }
}
