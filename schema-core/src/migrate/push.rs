//! `push`: the declared schema applied to a database straight, without migration files (for
//! development databases), from the schema it last pushed (kept in [`PUSH_TABLE`]) or, on a
//! database the runner migrated, from the newest applied snapshot.

use tokio_postgres::Client;

use super::runner::{self, State};
use super::{diff, DiffOptions, MigrateError, MigrationsDir, Plan, RunnerError};
use crate::schema::Schema;
use crate::sql::quote_ident;

/// The table where `push` records the schema it last applied.
pub const PUSH_TABLE: &str = "__schema_push";

/// Applies `schema` to the database: every step of the plan and the record of what was pushed
/// in one transaction (a failed statement leaves nothing behind, not even [`PUSH_TABLE`]), then
/// the online steps (`CREATE INDEX CONCURRENTLY`, …) one by one. `on_statement` is told each
/// statement once it has run; the statements run are returned (none when the database already
/// had the schema). A statement the server refuses comes back with the server's message.
pub async fn push(
    client: &mut Client,
    dir: &MigrationsDir,
    schema: &Schema,
    allow_data_loss: bool,
    on_statement: &mut (dyn FnMut(&str) + Send),
) -> Result<Vec<String>, MigrateError> {
    runner::refuse_replica(client).await?;
    let quoted = quote_ident(PUSH_TABLE);
    // Read before the transaction: the runner's status opens statements of its own.
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&quoted])
        .await
        .map_err(|e| runner::db(e, "cannot look for the pushed schema"))?
        .get(0);
    let stored: Option<serde_json::Value> = if exists {
        client
            .query_opt(&format!("SELECT schema FROM {quoted}"), &[])
            .await
            .map_err(|e| runner::db(e, "cannot read the pushed schema"))?
            .map(|row| row.try_get(0))
            .transpose()
            .map_err(|e| {
                MigrateError::Runner(RunnerError::PushedSchema {
                    table: true,
                    error: e.to_string(),
                })
            })?
    } else {
        None
    };
    let previous: Schema = match stored {
        Some(json) => serde_json::from_value(json).map_err(|e| {
            MigrateError::Runner(RunnerError::PushedSchema {
                table: false,
                error: e.to_string(),
            })
        })?,
        None => {
            // A database the runner migrated starts from the newest applied snapshot.
            let applied = runner::status(client, dir)
                .await
                .map(|files| files.iter().any(|f| f.state != State::Pending))
                .unwrap_or(false);
            if applied {
                dir.latest_snapshot()?.map(|s| s.schema).unwrap_or_default()
            } else {
                Schema::default()
            }
        }
    };
    let plan: Plan = if previous == Schema::default() {
        Plan {
            steps: super::render::create_all(schema),
            online: Vec::new(),
        }
    } else {
        diff::diff(&previous, schema, DiffOptions { allow_data_loss })
            .map_err(MigrateError::Refused)?
    };
    if plan.is_empty() {
        return Ok(Vec::new());
    }
    let mut statements = Vec::new();
    let tx = client
        .transaction()
        .await
        .map_err(|e| runner::db(e, "cannot begin the push"))?;
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {quoted} (id boolean PRIMARY KEY DEFAULT true CHECK (id), schema jsonb NOT NULL)"
    ))
    .await
    .map_err(|e| runner::db(e, &format!("cannot create {PUSH_TABLE}")))?;
    for step in &plan.steps {
        let sql = step.sql();
        tx.batch_execute(&sql)
            .await
            .map_err(|e| runner::db(e, &format!("`{sql}` failed")))?;
        on_statement(&sql);
        statements.push(sql);
    }
    let json = serde_json::to_value(schema).map_err(|e| MigrateError::Corrupt {
        path: PUSH_TABLE.into(),
        message: e.to_string(),
    })?;
    tx.execute(
        &format!("INSERT INTO {quoted} (schema) VALUES ($1) ON CONFLICT (id) DO UPDATE SET schema = excluded.schema"),
        &[&json],
    )
    .await
    .map_err(|e| runner::db(e, &format!("cannot record the pushed schema in {PUSH_TABLE}")))?;
    tx.commit()
        .await
        .map_err(|e| runner::db(e, "cannot commit the push"))?;
    for step in &plan.online {
        let sql = step.sql();
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| runner::db(e, &format!("`{sql}` failed")))?;
        on_statement(&sql);
        statements.push(sql);
    }
    Ok(statements)
}
