//! `rollback`: the newest applied migrations undone by their down migrations, newest first,
//! under the runner's lock, with the journal kept exact.
//!
//! Each migration is undone in one transaction with the removal of its journal rows (a failure
//! leaves it applied, as it was); the online part of its down, when it has one, runs after,
//! statement by statement, each written so that it can be run again.

use std::time::Duration;

use tokio_postgres::Client;

use super::down::{DATA_LOSS, IRREVERSIBLE};
use super::runner::{self, Ended, Progress, JOURNAL_TABLE};
use super::{
    checksum, main_part, JournalEntry, MigrateError, MigrationsDir, RunnerError, NO_TRANSACTION,
};
use crate::exec::cleanup::RollbackGuard;
use crate::sql::quote_ident;

/// How far back to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The newest `n` applied migrations (a migration written as two files counts once).
    Steps(usize),
    /// Every migration applied after this tag, which stays applied.
    To(String),
}

#[derive(Debug, Clone)]
pub struct RollbackOptions {
    pub target: Target,
    /// Apply down migrations that lose data (drop a column or table the migration added).
    pub allow_data_loss: bool,
    pub lock_wait: Duration,
}

impl Default for RollbackOptions {
    fn default() -> Self {
        RollbackOptions {
            target: Target::Steps(1),
            allow_data_loss: false,
            lock_wait: Duration::from_secs(600),
        }
    }
}

/// Undoes applied migrations of `dir` as `options` says; returns the tags undone, newest first.
/// Refuses, and undoes nothing, when a migration to undo has no down migration (a custom one
/// with no hand-written `<tag>.down.sql`, one written before downs existed), when its down was
/// edited, cannot be done, or loses data without `allow_data_loss`.
pub async fn rollback(
    client: &Client,
    dir: &MigrationsDir,
    options: &RollbackOptions,
) -> Result<Vec<String>, MigrateError> {
    let files = runner::local_files(dir)?;
    let journal = dir.journal()?;
    let mut guard = RollbackGuard::new(
        client,
        format!(
            "ROLLBACK; RESET lock_timeout; RESET statement_timeout; SELECT pg_advisory_unlock({})",
            runner::LOCK_KEY
        ),
    );
    runner::lock(client, options.lock_wait, &mut |_: Progress| {}).await?;
    let result = undo(client, dir, &files, &journal.entries, options).await;
    runner::unlock(client).await;
    guard.disarm();
    result
}

/// The journal's migrations: each entry with the `_online` entry that follows it, if any.
fn migrations(entries: &[JournalEntry]) -> Vec<Vec<&JournalEntry>> {
    let mut groups: Vec<Vec<&JournalEntry>> = Vec::new();
    for entry in entries {
        let joins_previous = main_part(&entry.tag).is_some_and(|main| {
            groups
                .last()
                .and_then(|g| g.first())
                .is_some_and(|first| first.tag.split_once('_').map(|(_, n)| n) == Some(main))
        });
        match groups.last_mut() {
            Some(group) if joins_previous && group.len() == 1 => group.push(entry),
            _ => groups.push(vec![entry]),
        }
    }
    groups
}

async fn undo(
    client: &Client,
    dir: &MigrationsDir,
    files: &[runner::LocalFile],
    entries: &[JournalEntry],
    options: &RollbackOptions,
) -> Result<Vec<String>, MigrateError> {
    let rows = runner::journal_rows(client).await?;
    // What `migrate` refuses (an applied file edited, missing or failed part-way), rollback
    // refuses too; and a file stopped part-way is finished by `migrate` before it is undone.
    runner::check_history(files, &rows, false)?;
    if let Some(row) = rows.iter().find(|r| r.status != "applied") {
        return Err(MigrateError::Runner(RunnerError::StoppedPartWay {
            tag: row.name.clone(),
        }));
    }
    let applied = |entry: &JournalEntry| rows.iter().any(|r| r.name == entry.tag);
    let groups: Vec<Vec<&JournalEntry>> = migrations(entries)
        .into_iter()
        .filter(|group| group.iter().any(|e| applied(e)))
        .collect();
    let chosen: Vec<&Vec<&JournalEntry>> = match &options.target {
        Target::Steps(n) => groups.iter().rev().take(*n).collect(),
        Target::To(tag) => {
            let Some(at) = groups.iter().position(|g| g.iter().any(|e| e.tag == *tag)) else {
                return Err(MigrateError::Runner(RunnerError::UnknownTag {
                    tag: tag.clone(),
                }));
            };
            groups[at + 1..].iter().rev().collect()
        }
    };
    // Every down is read and judged before anything is undone.
    let mut plans = Vec::new();
    for group in &chosen {
        plans.push(down_of(dir, group, options.allow_data_loss)?);
    }
    let mut undone = Vec::new();
    for (group, (main, online)) in chosen.iter().zip(plans) {
        let tags: Vec<String> = group
            .iter()
            .filter(|e| applied(e))
            .map(|e| e.tag.clone())
            .collect();
        let delete = format!(
            "DELETE FROM {} WHERE name = ANY($1)",
            quote_ident(JOURNAL_TABLE)
        );
        let failed = |e| runner::db(e, &format!("the down migration of {} failed", group[0].tag));
        if main.starts_with(NO_TRANSACTION) {
            for statement in crate::sql::lex::statements(&main) {
                client.batch_execute(&statement).await.map_err(failed)?;
            }
            client.execute(&delete, &[&tags]).await.map_err(failed)?;
        } else {
            let done = runner::in_transaction(client, async || {
                client.batch_execute(&main).await.map_err(failed)?;
                client.execute(&delete, &[&tags]).await.map_err(failed)?;
                Ok(())
            })
            .await;
            done.map_err(|e| match e {
                Ended::Commit(e) => failed(e),
                Ended::Body(e) => e,
            })?;
        }
        if let Some(online) = online {
            for statement in crate::sql::lex::statements(&online) {
                client.batch_execute(&statement).await.map_err(|e| {
                    runner::db(
                        e,
                        &format!(
                            "the online part of the down migration of {} failed (the migration \
                             is already undone and out of the journal; its statements can be \
                             run again by hand) at `{statement}`",
                            group[0].tag
                        ),
                    )
                })?;
            }
            // The session settings the online part made end with it.
            let _ = client
                .batch_execute("RESET lock_timeout; RESET statement_timeout")
                .await;
        }
        undone.extend(tags.into_iter().rev());
    }
    Ok(undone)
}

/// The down migration of a migration: its transactional text and its online part.
fn down_of(
    dir: &MigrationsDir,
    group: &[&JournalEntry],
    allow_data_loss: bool,
) -> Result<(String, Option<String>), MigrateError> {
    let first = group[0];
    let (path, online_path) = dir.down_paths(&first.tag);
    let read = |path: &std::path::Path| match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(MigrateError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    };
    let Some(main) = read(&path)? else {
        return Err(MigrateError::Runner(RunnerError::NoDown {
            tag: first.tag.clone(),
            path,
            custom: first.custom,
        }));
    };
    let online = read(&online_path)?;
    if let Some(expected) = &first.down {
        let mut text = main.clone();
        text.push_str(online.as_deref().unwrap_or(""));
        if checksum(text.as_bytes()) != *expected {
            return Err(MigrateError::Runner(RunnerError::EditedDown { path }));
        }
    }
    if main.starts_with(IRREVERSIBLE) {
        return Err(MigrateError::Runner(RunnerError::Irreversible {
            tag: first.tag.clone(),
            reasons: main
                .lines()
                .skip(1)
                .map(|l| l.trim_start_matches("--").trim())
                .collect::<Vec<_>>()
                .join("\n"),
        }));
    }
    if main.starts_with(DATA_LOSS) && !allow_data_loss {
        return Err(MigrateError::Runner(RunnerError::LosesData {
            tag: first.tag.clone(),
            path,
        }));
    }
    Ok((main, online))
}
