//! `check`: drift between the declared schema, the migrations folder and (given one) a
//! database, as a list of problems, each saying what to do. The command line prints them; CI
//! fails on any.

use tokio_postgres::Client;

use super::catalog::Catalog;
use super::runner::{self, State};
use super::{MigrateError, MigrationsDir};
use crate::schema::Schema;

/// Problems between `schema` and the migrations folder: a change no migration was generated
/// for, and files that differ from the journal.
pub fn files(dir: &MigrationsDir, schema: &Schema) -> Result<Vec<String>, MigrateError> {
    let mut problems = Vec::new();
    if let Some(plan) = dir.pending_changes(schema)? {
        let steps: Vec<String> = plan
            .steps
            .iter()
            .chain(&plan.online)
            .map(|s| format!("    {}", s.sql()))
            .collect();
        problems.push(format!(
            "the declared schema differs from the newest snapshot; run `gen-migrations` to write:\n{}",
            steps.join("\n")
        ));
    }
    if let Err(error) = runner::verify_files(dir) {
        problems.push(error.to_string());
    }
    Ok(problems)
}

/// The first problem between the migrations and the database `client` is connected to: an
/// applied migration changed or missing, a schema the server refuses (tried in a transaction
/// rolled back), migrations to apply, or a catalog that differs from what the migrations make
/// (each difference listed). `None` when they agree.
pub async fn database(
    client: &Client,
    dir: &MigrationsDir,
    schema: &Schema,
) -> Result<Option<String>, MigrateError> {
    if let Err(error) = runner::verify_applied(client, dir).await {
        return Ok(Some(error.to_string()));
    }
    let refused = super::trial::try_on(client, schema)
        .await
        .map_err(|e| MigrateError::Database(e.to_string()))?;
    if !refused.is_empty() {
        let refused: Vec<String> = refused.iter().map(|r| r.to_string()).collect();
        return Ok(Some(format!(
            "the server refuses the declared schema:\n    {}",
            refused.join("\n    ")
        )));
    }
    let pending = runner::status(client, dir)
        .await?
        .into_iter()
        .filter(|f| f.state == State::Pending)
        .count();
    if pending > 0 {
        return Ok(Some(format!(
            "the database has {pending} migration(s) to apply"
        )));
    }
    let snapshot = dir.latest_snapshot()?.map(|s| s.schema).unwrap_or_default();
    let catalog = Catalog::read(client)
        .await
        .map_err(|e| MigrateError::Database(e.to_string()))?;
    let expected = Catalog::expected_on(client, &snapshot)
        .await
        .map_err(|e| MigrateError::Database(e.to_string()))?;
    let differences = expected.differences(&catalog);
    if differences.is_empty() {
        return Ok(None);
    }
    Ok(Some(format!(
        "the database differs from what the migrations make:\n    {}",
        differences.join("\n    ")
    )))
}
