//! What the runner checks before it applies anything: the migration files against the journal
//! (`meta/_journal.json`), and the journal table's rows against the files (an applied file edited,
//! missing or failed part-way, a pending one out of order).

use tokio_postgres::Client;

use super::{db, JOURNAL_TABLE};
use crate::migrate::{checksum, MigrateError, MigrationsDir, RunnerError, NO_TRANSACTION};
use crate::sql::quote_ident;

pub(in crate::migrate) struct LocalFile {
    pub(in crate::migrate) tag: String,
    pub(in crate::migrate) sql: String,
    pub(in crate::migrate) checksum: String,
}

pub(in crate::migrate) fn local_files(dir: &MigrationsDir) -> Result<Vec<LocalFile>, MigrateError> {
    let journal = dir.journal()?;
    if let Some(path) = dir.unlisted_files(&journal)?.first() {
        return Err(MigrateError::Runner(RunnerError::Unlisted {
            path: path.clone(),
        }));
    }
    let mut files = Vec::new();
    for entry in journal.entries {
        let path = dir.sql_path(&entry.tag);
        let sql = std::fs::read_to_string(&path).map_err(|e| MigrateError::Io {
            path: path.clone(),
            source: e,
        })?;
        let actual = checksum(sql.as_bytes());
        if entry.custom && actual == entry.checksum {
            return Err(MigrateError::Runner(RunnerError::BareTemplate { path }));
        }
        if !entry.custom && actual != entry.checksum {
            return Err(MigrateError::Runner(RunnerError::Edited { path }));
        }
        if !sql.starts_with(NO_TRANSACTION) {
            let control = crate::sql::lex::statements(&sql)
                .into_iter()
                .find(|statement| crate::sql::lex::is_transaction_control(statement));
            if let Some(statement) = control {
                return Err(MigrateError::Runner(RunnerError::OwnTransaction {
                    path,
                    statement: statement.chars().take(80).collect(),
                }));
            }
        }
        files.push(LocalFile {
            tag: entry.tag,
            sql,
            checksum: actual,
        });
    }
    Ok(files)
}

/// Checks that every migration file matches its checksum in the journal.
pub fn verify_files(dir: &MigrationsDir) -> Result<(), MigrateError> {
    local_files(dir).map(|_| ())
}

/// Checks the files against what the database recorded when it applied them: none edited since
/// (a custom migration's checksum is only there), none missing, none failed part-way, none
/// pending before an applied one. What `migrate` refuses, said without migrating.
pub async fn verify_applied(client: &Client, dir: &MigrationsDir) -> Result<(), MigrateError> {
    let files = local_files(dir)?;
    let rows = journal_rows(client).await?;
    check_history(&files, &rows, false)
}

pub(in crate::migrate) async fn ensure_journal(client: &Client) -> Result<(), MigrateError> {
    client
        .batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} (
                name text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                duration_ms bigint NOT NULL,
                status text NOT NULL DEFAULT 'applied',
                error text
            );
            ALTER TABLE {} ADD COLUMN IF NOT EXISTS statements_done integer;
            ALTER TABLE {} ADD COLUMN IF NOT EXISTS baseline boolean NOT NULL DEFAULT false",
            quote_ident(JOURNAL_TABLE),
            quote_ident(JOURNAL_TABLE),
            quote_ident(JOURNAL_TABLE)
        ))
        .await
        .map_err(|e| db(e, "cannot create the journal table"))?;
    // Journals made before online files kept their progress knew two states; `running` is the
    // third (an online file whose runner stopped part-way).
    let check = client
        .query_opt(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = to_regclass($1) AND conname = $2",
            &[
                &quote_ident(JOURNAL_TABLE),
                &format!("{JOURNAL_TABLE}_status_check"),
            ],
        )
        .await
        .map_err(|e| db(e, "cannot read the journal table"))?
        .map(|row| row.try_get::<_, String>(0))
        .transpose()
        .map_err(|e| db(e, "cannot read the journal table"))?;
    if !check.is_some_and(|def| def.contains("running")) {
        let name = quote_ident(&format!("{JOURNAL_TABLE}_status_check"));
        client
            .batch_execute(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}, \
                 ADD CONSTRAINT {name} CHECK (status IN ('applied', 'failed', 'running')) NOT VALID",
                table = quote_ident(JOURNAL_TABLE)
            ))
            .await
            .map_err(|e| db(e, &unexpected_journal()))?;
    }
    Ok(())
}

/// What to say of a journal table that is not the runner's shape.
fn unexpected_journal() -> String {
    format!(
        "cannot read the journal table {JOURNAL_TABLE} (expected the columns name, checksum, \
         applied_at, duration_ms, status, error; restore it from a backup, or drop it and \
         baseline the database)"
    )
}

pub(in crate::migrate) struct JournalRow {
    pub(in crate::migrate) name: String,
    pub(in crate::migrate) checksum: String,
    pub(in crate::migrate) applied_at: String,
    pub(in crate::migrate) duration_ms: i64,
    pub(in crate::migrate) status: String,
    pub(in crate::migrate) error: Option<String>,
    /// For a failed file: how many of its statements had run.
    pub(in crate::migrate) statements_done: Option<i32>,
}

pub(in crate::migrate) async fn journal_rows(
    client: &Client,
) -> Result<Vec<JournalRow>, MigrateError> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&quote_ident(JOURNAL_TABLE)],
        )
        .await
        .map_err(|e| db(e, "cannot read the journal"))?
        .try_get(0)
        .map_err(|e| MigrateError::Database(format!("cannot read the journal: {e}")))?;
    if !exists {
        return Ok(Vec::new());
    }
    // Every column read as text, whatever type a hand-made or older journal gave it, then
    // checked here: nothing read from the table can panic.
    let rows = client
        .query(
            &format!(
                "SELECT name::text, checksum::text,
                        to_char(applied_at::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                        duration_ms::text, status::text, error::text,
                        (to_jsonb(j) -> 'statements_done')::text
                 FROM {} AS j ORDER BY name",
                quote_ident(JOURNAL_TABLE)
            ),
            &[],
        )
        .await
        .map_err(|e| db(e, &unexpected_journal()))?;
    rows.iter().map(journal_row).collect()
}

/// One journal row, each value checked: a NULL or a value of the wrong form is an error that
/// names the row, the column and what to do.
fn journal_row(row: &tokio_postgres::Row) -> Result<JournalRow, MigrateError> {
    let text = |index: usize| -> Result<Option<String>, MigrateError> {
        row.try_get::<_, Option<String>>(index)
            .map_err(|e| MigrateError::Database(format!("cannot read the journal: {e}")))
    };
    let name = text(0)?.ok_or_else(|| {
        MigrateError::Runner(RunnerError::JournalRow {
            name: None,
            column: "name".into(),
            found: "NULL".into(),
        })
    })?;
    let bad = |column: &str, found: &str| {
        MigrateError::Runner(RunnerError::JournalRow {
            name: Some(name.clone()),
            column: column.into(),
            found: found.into(),
        })
    };
    let required = |index: usize, column: &str| text(index)?.ok_or_else(|| bad(column, "NULL"));
    let checksum = required(1, "checksum")?;
    let applied_at = required(2, "applied_at")?;
    let duration = required(3, "duration_ms")?;
    let duration_ms = duration
        .parse::<i64>()
        .map_err(|_| bad("duration_ms", &format!("{duration:?}, not a whole number")))?;
    let status = required(4, "status")?;
    if !matches!(status.as_str(), "applied" | "failed" | "running") {
        return Err(bad(
            "status",
            &format!("{status:?}, not 'applied', 'failed' or 'running'"),
        ));
    }
    let statements_done = match text(6)? {
        None => None,
        Some(n) if n == "null" => None,
        Some(n) => Some(
            n.parse::<i32>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| bad("statements_done", &format!("{n}, not a count")))?,
        ),
    };
    Ok(JournalRow {
        name,
        checksum,
        applied_at,
        duration_ms,
        status,
        error: text(5)?,
        statements_done,
    })
}

/// What the folder and the database agree on; an error names the file that breaks the order.
pub(in crate::migrate) fn check_history(
    files: &[LocalFile],
    rows: &[JournalRow],
    retry_failed: bool,
) -> Result<(), MigrateError> {
    for row in rows {
        let Some(file) = files.iter().find(|f| f.tag == row.name) else {
            return Err(MigrateError::Runner(RunnerError::AppliedFileMissing {
                tag: row.name.clone(),
            }));
        };
        if file.checksum != row.checksum {
            return Err(MigrateError::Runner(RunnerError::AppliedFileEdited {
                tag: row.name.clone(),
            }));
        }
        if row.status == "failed" && !(retry_failed && row.statements_done.is_some()) {
            return Err(MigrateError::Runner(RunnerError::FailedPartWay {
                tag: row.name.clone(),
                at: row.applied_at.clone(),
                error: row.error.clone(),
                resumable: row.statements_done.is_some(),
            }));
        }
    }
    if let Some(newest) = rows.iter().map(|r| r.name.as_str()).max() {
        if let Some(early) = files
            .iter()
            .find(|f| f.tag.as_str() < newest && !rows.iter().any(|r| r.name == f.tag))
        {
            return Err(MigrateError::Runner(RunnerError::OutOfOrder {
                tag: early.tag.clone(),
                newest: newest.to_string(),
            }));
        }
    }
    Ok(())
}
