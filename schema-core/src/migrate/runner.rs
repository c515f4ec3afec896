//! The runner: applies pending migrations in order, once, even with deployers racing.
//!
//! It works on one dedicated connection. A session-level advisory lock, taken by polling
//! `pg_try_advisory_lock` (so a waiting runner holds nothing that could deadlock a concurrent
//! index build) and released on every path, makes concurrent runners apply each migration
//! exactly once. Each file runs in its own transaction, with its journal row, unless its first
//! line is `-- migrate:no-transaction`; then its statements run one by one, and a failure half-way
//! is recorded so that the next run says so instead of going on.
//!
//! It refuses to run, naming the file, when an applied file was edited or is missing, when a new
//! file sorts before the newest applied one, or when a file differs from its journal checksum.

use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::{checksum, MigrateError, MigrationsDir, RunnerError, NO_TRANSACTION};
use crate::exec::cleanup::RollbackGuard;
use crate::sql::quote_ident;

/// The journal table, in the connection's first schema on the search path (`public`).
pub const JOURNAL_TABLE: &str = "__schema_migrations";

/// The advisory lock key of the runner ("SCHEMAMG").
pub const LOCK_KEY: i64 = 0x5343_4845_4d41_4d47;

/// Refuses a connection string that goes through a transaction-mode pooler: the runner holds a
/// session-level advisory lock across statements, which such a pooler does not keep.
#[cfg(feature = "tls")]
pub fn refuse_pooled(connection: &str) -> Result<(), MigrateError> {
    let options = crate::exec::connect::ConnectOptions::parse(connection)
        .map_err(|e| MigrateError::Runner(RunnerError::BadUrl(e.to_string())))?;
    if options.pooler {
        return Err(MigrateError::Runner(RunnerError::ThroughPooler));
    }
    Ok(())
}

/// A migration file, with what the database says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatus {
    pub tag: String,
    pub state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Pending,
    Applied {
        applied_at: String,
        duration_ms: i64,
    },
    /// A file run outside a transaction that failed part-way.
    Failed {
        error: String,
    },
}

/// One file the runner applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub tag: String,
    pub duration: Duration,
}

/// How long to wait for another runner's lock.
#[derive(Debug, Clone, Copy)]
pub struct RunnerOptions {
    pub lock_wait: Duration,
    /// Resume a file run outside a transaction that failed part-way, at the statement that
    /// failed (once its cause is fixed); an INVALID index that statement left is dropped first.
    pub retry_failed: bool,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            lock_wait: Duration::from_secs(600),
            retry_failed: false,
        }
    }
}

pub(super) fn db(source: tokio_postgres::Error, context: &str) -> MigrateError {
    let message = match source.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => source.to_string(),
    };
    MigrateError::Database(format!("{context}: {message}"))
}

pub(super) struct LocalFile {
    pub(super) tag: String,
    sql: String,
    pub(super) checksum: String,
}

pub(super) fn local_files(dir: &MigrationsDir) -> Result<Vec<LocalFile>, MigrateError> {
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

pub(super) async fn ensure_journal(client: &Client) -> Result<(), MigrateError> {
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

pub(super) struct JournalRow {
    pub(super) name: String,
    checksum: String,
    applied_at: String,
    duration_ms: i64,
    pub(super) status: String,
    error: Option<String>,
    /// For a failed file: how many of its statements had run.
    statements_done: Option<i32>,
}

pub(super) async fn journal_rows(client: &Client) -> Result<Vec<JournalRow>, MigrateError> {
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
pub(super) fn check_history(
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

pub(super) async fn lock(
    client: &Client,
    wait: Duration,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), MigrateError> {
    let deadline = Instant::now() + wait;
    let mut told = false;
    loop {
        let locked: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .map_err(|e| db(e, "cannot take the migration lock"))?
            .try_get(0)
            .map_err(|e| MigrateError::Database(format!("cannot take the migration lock: {e}")))?;
        if locked {
            return Ok(());
        }
        if !told {
            progress(Progress::Waiting);
            told = true;
        }
        if Instant::now() > deadline {
            return Err(MigrateError::Runner(RunnerError::LockTimeout {
                waited: wait,
            }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(super) async fn unlock(client: &Client) {
    // The session ends the lock anyway if this fails (a broken connection).
    // One simple query: sent whole on the first poll.
    let _ = client
        .batch_execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
        .await;
}

/// What the runner is doing, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Waiting for another runner's lock.
    Waiting,
    /// About to apply a file.
    Applying(String),
    /// Applied a file.
    Applied(Applied),
    /// A statement boundary of a file run outside a transaction: `done` of its statements have
    /// run (the last one's progress not recorded yet when it could not share a transaction with
    /// it). A runner stopped here is resumed by the next `migrate`.
    Statement { tag: String, done: usize },
}

/// Applies every pending migration of `dir`, in order; returns what it applied.
pub async fn migrate(
    client: &mut Client,
    dir: &MigrationsDir,
    options: RunnerOptions,
) -> Result<Vec<Applied>, MigrateError> {
    migrate_reporting(client, dir, options, &mut |_| {}).await
}

/// [`migrate`], telling `progress` what it does as it goes.
pub async fn migrate_reporting(
    client: &mut Client,
    dir: &MigrationsDir,
    options: RunnerOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<Applied>, MigrateError> {
    let files = local_files(dir)?;
    let client: &Client = client;
    // A runner whose future is dropped at any await (a timeout, a deploy cancelled) leaves the
    // session as it found it: its transaction rolled back, its timeouts reset, the lock freed.
    let mut guard = RollbackGuard::new(
        client,
        format!(
            "ROLLBACK; RESET lock_timeout; RESET statement_timeout; SELECT pg_advisory_unlock({LOCK_KEY})"
        ),
    );
    lock(client, options.lock_wait, progress).await?;
    let result = apply_pending(client, &files, options.retry_failed, progress).await;
    unlock(client).await;
    guard.disarm();
    result
}

async fn apply_pending(
    client: &Client,
    files: &[LocalFile],
    retry_failed: bool,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Vec<Applied>, MigrateError> {
    ensure_journal(client).await?;
    let rows = journal_rows(client).await?;
    check_history(files, &rows, retry_failed)?;
    let mut applied = Vec::new();
    for file in files {
        // Pending, or failed part-way and resumed (`check_history` let it through).
        let resume_at = match rows.iter().find(|r| r.name == file.tag) {
            None => None,
            // Failed and retried, or stopped part-way (killed, the server gone): resumed at the
            // first statement whose progress was not recorded.
            Some(row) if row.status == "failed" || row.status == "running" => {
                Some(row.statements_done.unwrap_or(0))
            }
            Some(_) => continue,
        };
        progress(Progress::Applying(file.tag.clone()));
        let started = Instant::now();
        if file.sql.starts_with(NO_TRANSACTION) {
            apply_outside_transaction(client, file, resume_at, started, progress).await?;
        } else {
            let applied = in_transaction(client, async || {
                client.batch_execute(&file.sql).await.map_err(|e| {
                    db(
                        e,
                        &format!("migration {} failed and was rolled back", file.tag),
                    )
                })?;
                let ms = started.elapsed().as_millis() as i64;
                client
                    .execute(
                        &format!(
                            "INSERT INTO {} (name, checksum, duration_ms) VALUES ($1, $2, $3::bigint)",
                            quote_ident(JOURNAL_TABLE)
                        ),
                        &[&file.tag, &file.checksum, &ms],
                    )
                    .await
                    .map_err(|e| db(e, "cannot record the migration"))?;
                Ok(())
            })
            .await;
            applied.map_err(|e| match e {
                Ended::Commit(e) => db(e, &format!("migration {} failed at commit", file.tag)),
                Ended::Body(e) => e,
            })?;
        }
        let done = Applied {
            tag: file.tag.clone(),
            duration: started.elapsed(),
        };
        progress(Progress::Applied(done.clone()));
        applied.push(done);
    }
    Ok(applied)
}

async fn apply_outside_transaction(
    client: &Client,
    file: &LocalFile,
    resume_at: Option<i32>,
    started: Instant,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), MigrateError> {
    let journal = quote_ident(JOURNAL_TABLE);
    // The row says `running` from the start, with how many statements are done: a runner
    // stopped anywhere (killed, the server gone) leaves it so, and the next run resumes there.
    let start = match resume_at {
        None => format!(
            "INSERT INTO {journal} (name, checksum, duration_ms, status, statements_done) \
             VALUES ($1, $2, 0, 'running', 0)"
        ),
        Some(_) => format!(
            "UPDATE {journal} SET checksum = $2, status = 'running', error = NULL WHERE name = $1"
        ),
    };
    client
        .execute(&start, &[&file.tag, &file.checksum])
        .await
        .map_err(|e| db(e, "cannot record the migration"))?;
    let advance = format!("UPDATE {journal} SET statements_done = $2::integer WHERE name = $1");
    let statements = crate::sql::lex::statements(&file.sql);
    let first = resume_at.unwrap_or(0).max(0) as usize;
    // `SET lock_timeout` and the like hold for the session: run them again when resuming.
    let settings = statements[..first.min(statements.len())]
        .iter()
        .filter(|s| s.trim_start().to_ascii_uppercase().starts_with("SET "));
    for statement in settings {
        client
            .batch_execute(statement)
            .await
            .map_err(|e| db(e, &format!("migration {}: `{statement}`", file.tag)))?;
    }
    progress(Progress::Statement {
        tag: file.tag.clone(),
        done: first,
    });
    for (index, statement) in statements.iter().enumerate().skip(first) {
        let done = (index + 1) as i32;
        let outcome = async {
            if index == first && resume_at.is_some() {
                drop_invalid_index(client, statement).await?;
            }
            if runs_outside_a_transaction(statement) {
                // Written to be run again (`IF NOT EXISTS`, after its INVALID leftover is
                // dropped): a stop before its progress is recorded only repeats it.
                client.batch_execute(statement).await?;
                progress(Progress::Statement {
                    tag: file.tag.clone(),
                    done: index + 1,
                });
                client.execute(&advance, &[&file.tag, &done]).await?;
            } else {
                // The statement and its progress commit together, or neither does.
                in_transaction(client, async || {
                    client.batch_execute(statement).await?;
                    client.execute(&advance, &[&file.tag, &done]).await?;
                    Ok(())
                })
                .await
                .map_err(|e| match e {
                    Ended::Commit(e) | Ended::Body(e) => e,
                })?;
                progress(Progress::Statement {
                    tag: file.tag.clone(),
                    done: index + 1,
                });
            }
            Ok::<_, tokio_postgres::Error>(())
        }
        .await;
        if let Err(e) = outcome {
            let error = db(
                e,
                &format!("migration {} failed part-way, at `{statement}`", file.tag),
            );
            let ms = started.elapsed().as_millis() as i64;
            let message = error.to_string();
            let _ = client
                .batch_execute("RESET lock_timeout; RESET statement_timeout")
                .await;
            client
                .execute(
                    &format!(
                        "UPDATE {journal} SET duration_ms = $2::bigint, status = 'failed', error = $3, \
                         statements_done = $4::integer, applied_at = now() WHERE name = $1"
                    ),
                    &[&file.tag, &ms, &message, &(index as i32)],
                )
                .await
                .map_err(|e| db(e, "cannot record the failed migration"))?;
            return Err(error);
        }
    }
    client
        .batch_execute("RESET lock_timeout; RESET statement_timeout")
        .await
        .map_err(|e| db(e, "cannot reset the timeouts"))?;
    let ms = started.elapsed().as_millis() as i64;
    client
        .execute(
            &format!(
                "UPDATE {journal} SET duration_ms = $2::bigint, status = 'applied', error = NULL, \
                 statements_done = NULL, applied_at = now() WHERE name = $1"
            ),
            &[&file.tag, &ms],
        )
        .await
        .map_err(|e| db(e, "cannot record the migration"))?;
    Ok(())
}

/// How a transaction of [`in_transaction`] failed.
pub(super) enum Ended<E> {
    /// The body failed; the transaction was rolled back.
    Body(E),
    /// `BEGIN` or `COMMIT` failed.
    Commit(tokio_postgres::Error),
}

/// Runs `body` between `BEGIN` and `COMMIT` on `client`; rolled back when it fails, and by a
/// guard when the future is dropped at any await.
pub(super) async fn in_transaction<E>(
    client: &Client,
    body: impl AsyncFnOnce() -> Result<(), E>,
) -> Result<(), Ended<E>> {
    let mut guard = RollbackGuard::new(client, "ROLLBACK");
    client.batch_execute("BEGIN").await.map_err(Ended::Commit)?;
    match body().await {
        Ok(()) => {
            guard.disarm();
            client.batch_execute("COMMIT").await.map_err(Ended::Commit)
        }
        Err(error) => {
            guard.disarm();
            // A failed rollback leaves nothing to do: the session ends it when it closes.
            let _ = client.batch_execute("ROLLBACK").await;
            Err(Ended::Body(error))
        }
    }
}

/// Whether a statement cannot run inside a transaction block (`… CONCURRENTLY`, `VACUUM`).
fn runs_outside_a_transaction(statement: &str) -> bool {
    let words: Vec<String> = crate::sql::lex::pieces(statement)
        .filter(|(piece, _)| *piece == crate::sql::lex::Piece::Code)
        .flat_map(|(_, text)| {
            text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_uppercase)
                .collect::<Vec<_>>()
        })
        .collect();
    words.first().is_some_and(|w| w == "VACUUM") || words.iter().any(|w| w == "CONCURRENTLY")
}

/// Before `CREATE [UNIQUE] INDEX CONCURRENTLY name …` runs again: the INVALID index of that name
/// that its failure left, if any, goes (`CONCURRENTLY` too).
async fn drop_invalid_index(client: &Client, statement: &str) -> Result<(), tokio_postgres::Error> {
    let words: Vec<&str> = statement.split_whitespace().collect();
    let name = match words.as_slice() {
        [create, unique, index, concurrently, name, ..]
            if create.eq_ignore_ascii_case("CREATE")
                && unique.eq_ignore_ascii_case("UNIQUE")
                && index.eq_ignore_ascii_case("INDEX")
                && concurrently.eq_ignore_ascii_case("CONCURRENTLY") =>
        {
            *name
        }
        [create, index, concurrently, name, ..]
            if create.eq_ignore_ascii_case("CREATE")
                && index.eq_ignore_ascii_case("INDEX")
                && concurrently.eq_ignore_ascii_case("CONCURRENTLY") =>
        {
            *name
        }
        _ => return Ok(()),
    };
    // `… CONCURRENTLY IF NOT EXISTS name`.
    let name = if name.eq_ignore_ascii_case("IF") {
        match words
            .iter()
            .skip_while(|w| !w.eq_ignore_ascii_case("EXISTS"))
            .nth(1)
        {
            Some(name) => *name,
            None => return Ok(()),
        }
    } else {
        name
    };
    // The name as written (quoted or not), resolved by PostgreSQL itself.
    let invalid = client
        .query_opt(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT i.indisvalid AND c.oid = to_regclass($1)",
            &[&name],
        )
        .await?;
    if let Some(row) = invalid {
        let qualified: String = row.try_get(0)?;
        client
            .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}"))
            .await?;
    }
    Ok(())
}

/// Every file of `dir` with its state in the database.
pub async fn status(client: &Client, dir: &MigrationsDir) -> Result<Vec<FileStatus>, MigrateError> {
    let files = local_files(dir)?;
    let rows = journal_rows(client).await?;
    let mut out: Vec<FileStatus> = files
        .iter()
        .map(|f| {
            let state = match rows.iter().find(|r| r.name == f.tag) {
                Some(r) if r.status == "failed" => State::Failed {
                    error: r.error.clone().unwrap_or_default(),
                },
                Some(r) => State::Applied {
                    applied_at: r.applied_at.clone(),
                    duration_ms: r.duration_ms,
                },
                None => State::Pending,
            };
            FileStatus {
                tag: f.tag.clone(),
                state,
            }
        })
        .collect();
    for row in rows
        .iter()
        .filter(|r| !files.iter().any(|f| f.tag == r.name))
    {
        out.push(FileStatus {
            tag: row.name.clone(),
            state: State::Failed {
                error: "applied, but its file is missing".into(),
            },
        });
    }
    Ok(out)
}
