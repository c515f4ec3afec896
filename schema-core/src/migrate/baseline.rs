//! Adopting a database that already has the schema (made by drizzle-kit, Alembic, hand-written
//! SQL): `baseline` records every migration as applied, without running any, when the live
//! catalog is exactly what the migrations make, so that `migrate` then applies only later ones.

use tokio_postgres::Client;

use super::catalog::{Catalog, OTHER_JOURNALS};
use super::runner::{self, Ended, Progress, RunnerOptions, JOURNAL_TABLE};
use super::{MigrateError, MigrationsDir, RunnerError};
use crate::exec::cleanup::RollbackGuard;
use crate::sql::quote_ident;

/// What [`baseline`] recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baselined {
    /// The migrations recorded as applied (by a baseline), in order.
    pub recorded: Vec<String>,
    /// Other tools' migration journals found in the database (left as they are), described.
    pub other_journals: Vec<String>,
}

/// Adopts the database of `client`: when the live catalog equals what the newest snapshot of
/// `dir` makes (the comparison `check` does), records every migration of `dir` as applied, marked
/// as a baseline, with its checksum, in one transaction under the runner's lock. Refuses, and
/// writes nothing, when the migrations folder is empty or invalid, when this tool already
/// recorded migrations in the database, or when the catalog differs (each difference listed).
pub async fn baseline(
    client: &Client,
    dir: &MigrationsDir,
    options: RunnerOptions,
) -> Result<Baselined, MigrateError> {
    let files = runner::local_files(dir)?;
    let Some(snapshot) = dir.latest_snapshot()? else {
        return Err(MigrateError::Runner(RunnerError::NothingToBaseline));
    };
    let mut guard = RollbackGuard::new(
        client,
        format!("ROLLBACK; SELECT pg_advisory_unlock({})", runner::LOCK_KEY),
    );
    runner::lock(client, options.lock_wait, &mut |_: Progress| {}).await?;
    let result = adopt(client, &files, &snapshot.schema).await;
    runner::unlock(client).await;
    guard.disarm();
    result
}

async fn adopt(
    client: &Client,
    files: &[runner::LocalFile],
    schema: &crate::schema::Schema,
) -> Result<Baselined, MigrateError> {
    let recorded = runner::journal_rows(client).await?;
    if !recorded.is_empty() {
        return Err(MigrateError::Runner(RunnerError::AlreadyManaged {
            recorded: recorded.len(),
            newest: recorded.last().map(|r| r.name.clone()).unwrap_or_default(),
        }));
    }
    let mut other_journals = Vec::new();
    for (schema_name, table, tool) in OTHER_JOURNALS {
        let name = format!("{}.{}", quote_ident(schema_name), quote_ident(table));
        let exists: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
            .await
            .map_err(|e| runner::db(e, "cannot look for other migration journals"))?
            .get(0);
        if exists {
            let count: i64 = client
                .query_one(&format!("SELECT count(*) FROM {name}"), &[])
                .await
                .map_err(|e| runner::db(e, "cannot read another tool's journal"))?
                .get(0);
            other_journals.push(format!(
                "{tool}'s journal {schema_name}.{table} ({count} row(s)), left as it is; this \
                 tool's journal takes over from now on"
            ));
        }
    }
    let live = Catalog::read(client)
        .await
        .map_err(|e| runner::db(e, "cannot read the database's catalog"))?;
    let expected = Catalog::expected_on(client, schema)
        .await
        .map_err(|e| runner::db(e, "cannot build the expected catalog"))?;
    let differences = expected.differences(&live);
    if !differences.is_empty() {
        return Err(MigrateError::Runner(RunnerError::BaselineDiffers {
            differences,
        }));
    }
    let insert = format!(
        "INSERT INTO {} (name, checksum, duration_ms, baseline) VALUES ($1, $2, 0, true)",
        quote_ident(JOURNAL_TABLE)
    );
    let written = runner::in_transaction(client, async || {
        runner::ensure_journal(client).await?;
        for file in files {
            client
                .execute(&insert, &[&file.tag, &file.checksum])
                .await
                .map_err(|e| runner::db(e, "cannot record the baseline"))?;
        }
        Ok(())
    })
    .await;
    written.map_err(|e| match e {
        Ended::Commit(e) => runner::db(e, "the baseline failed at commit"),
        Ended::Body(e) => e,
    })?;
    Ok(Baselined {
        recorded: files.iter().map(|f| f.tag.clone()).collect(),
        other_journals,
    })
}
