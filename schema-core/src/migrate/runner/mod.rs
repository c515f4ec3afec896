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

mod history;

pub(super) use history::{check_history, ensure_journal, journal_rows, local_files, LocalFile};
pub use history::{verify_applied, verify_files};

use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::{MigrateError, MigrationsDir, RunnerError, NO_TRANSACTION};
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

/// Refuses a read replica (a hot standby): nothing can be migrated there, and its schema comes
/// from its primary.
pub(super) async fn refuse_replica(client: &Client) -> Result<(), MigrateError> {
    let standby: bool = client
        .query_one("SELECT pg_is_in_recovery()", &[])
        .await
        .map_err(|e| db(e, "cannot ask the server whether it is a replica"))?
        .get(0);
    if standby {
        return Err(MigrateError::Runner(RunnerError::Replica));
    }
    Ok(())
}

pub(super) async fn lock(
    client: &Client,
    wait: Duration,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), MigrateError> {
    refuse_replica(client).await?;
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
