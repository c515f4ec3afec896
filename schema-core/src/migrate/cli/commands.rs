//! The commands, each over the library functions of `migrate`: connecting, running them, and
//! saying what happened.

use std::process::ExitCode;

use tokio_postgres::Client;

use super::out::{Out, BOLD, GREEN, RED, YELLOW};
use super::Database;
use crate::migrate::runner::{self, RunnerOptions, State};
use crate::migrate::{DiffOptions, Generated, MigrateError, MigrationsDir, RunnerError};
use crate::schema::Schema;

pub(super) type Outcome = Result<ExitCode, MigrateError>;
pub(super) type BoxFuture<'a, T = ExitCode> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, MigrateError>> + 'a>>;

pub(super) fn with_database<'a>(
    database: Database,
    f: impl FnOnce(Client) -> BoxFuture<'a>,
) -> Outcome {
    let Some(url) = database.database_url else {
        return Err(MigrateError::Runner(RunnerError::NoDatabaseUrl));
    };
    with_url(&url, f)
}

/// Connects, then runs `f` with the connection on a runtime of its own.
pub(super) fn with_url<'a, T>(
    url: &str,
    f: impl FnOnce(Client) -> BoxFuture<'a, T>,
) -> Result<T, MigrateError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| MigrateError::Runner(RunnerError::Runtime(e.to_string())))?;
    runtime.block_on(async {
        // The URL may hold a password: errors say what failed, never the URL.
        let client = crate::exec::connect::connect_client(url)
            .await
            .map_err(|e| MigrateError::Database(format!("cannot connect to the database: {e}")))?;
        f(client).await
    })
}

pub(super) fn generate(
    out: &Out,
    dir: &MigrationsDir,
    schema: &Schema,
    name: Option<&str>,
    allow_data_loss: bool,
    url: Option<&str>,
) -> Outcome {
    if let (Some(url), Some(_)) = (url, dir.pending_changes(schema)?) {
        match with_url(url, |client| {
            Box::pin(async move {
                crate::migrate::trial::try_on(&client, schema)
                    .await
                    .map_err(|e| MigrateError::Database(e.to_string()))
            })
        }) {
            Ok(refused) if refused.is_empty() => {}
            Ok(refused) => {
                let problems: Vec<String> = refused.iter().map(|r| r.to_string()).collect();
                out.object(serde_json::json!({ "ok": false, "refused": problems }));
                out.warn(&format!(
                    "{} the server refuses the declared schema, so no migration was written:",
                    out.paint(RED, "refused:")
                ));
                for problem in &problems {
                    out.warn(&format!("    {problem}"));
                }
                return Ok(ExitCode::FAILURE);
            }
            Err(error) => out.warn(&format!(
                "{} the declared schema was not tried on a server ({error}); writing it untried",
                out.paint(YELLOW, "note:")
            )),
        }
    }
    match dir.generate_with(schema, name, DiffOptions { allow_data_loss })? {
        Generated::NoChanges => {
            out.line("No schema changes since the newest migration; nothing written.");
            out.object(serde_json::json!({ "ok": true, "written": [] }));
        }
        Generated::Written { files, summary } => {
            for file in &files {
                out.line(&format!(
                    "{} {}",
                    out.paint(BOLD, "Wrote"),
                    file.sql_path.display()
                ));
            }
            out.line(&format!("  {}", out.summary(&summary)));
            let tags: Vec<&str> = files.iter().map(|f| f.tag.as_str()).collect();
            out.object(
                serde_json::json!({ "ok": true, "written": tags, "summary": summary.to_string() }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn pull(
    out: &Out,
    client: &Client,
    folder: &std::path::Path,
    schemas: &[String],
) -> Outcome {
    let io = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| MigrateError::Io { path, source }
    };
    if folder.exists()
        && std::fs::read_dir(folder)
            .map_err(io(folder))?
            .next()
            .is_some()
    {
        return Err(MigrateError::Runner(RunnerError::FolderNotEmpty {
            path: folder.to_path_buf(),
        }));
    }
    let files = crate::migrate::pull::pull(client, schemas)
        .await
        .map_err(|e| runner::db(e, "cannot read the database's catalog"))?;
    std::fs::create_dir_all(folder).map_err(io(folder))?;
    for (name, text) in &files {
        let path = folder.join(name);
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    out.line(&format!(
        "{} {} file(s) in {}: declare `mod {};` and review them",
        out.paint(BOLD, "Wrote"),
        files.len(),
        folder.display(),
        folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    out.object(serde_json::json!({ "ok": true, "written": names }));
    Ok(ExitCode::SUCCESS)
}

pub(super) fn generate_custom(out: &Out, dir: &MigrationsDir, name: &str) -> Outcome {
    let written = dir.generate_custom(name)?;
    out.line(&format!(
        "{} {} (a custom migration: write its SQL; its checksum is taken when it is applied)",
        out.paint(BOLD, "Wrote"),
        written.sql_path.display()
    ));
    out.object(serde_json::json!({ "ok": true, "written": [written.tag], "custom": true }));
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn rollback(
    out: &Out,
    client: &Client,
    dir: &MigrationsDir,
    options: &crate::migrate::rollback::RollbackOptions,
) -> Outcome {
    let undone = crate::migrate::rollback::rollback(client, dir, options).await?;
    if undone.is_empty() {
        out.line("Nothing to roll back: no migration is applied.");
    } else {
        out.line(&format!(
            "{} {}",
            out.paint(GREEN, "Rolled back:"),
            undone.join(", ")
        ));
    }
    out.object(serde_json::json!({ "ok": true, "rolled_back": undone }));
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn baseline(out: &Out, client: &Client, dir: &MigrationsDir) -> Outcome {
    let done = crate::migrate::baseline::baseline(client, dir, RunnerOptions::default()).await?;
    for note in &done.other_journals {
        out.line(&format!("{} {note}", out.paint(YELLOW, "found")));
    }
    out.line(&format!(
        "{} {} migration(s) recorded as applied, none run: {}",
        out.paint(GREEN, "Baselined:"),
        done.recorded.len(),
        done.recorded.join(", ")
    ));
    out.object(serde_json::json!({
        "ok": true,
        "recorded": done.recorded,
        "other_journals": done.other_journals,
    }));
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn migrate(
    out: &Out,
    client: &mut Client,
    dir: &MigrationsDir,
    retry_failed: bool,
) -> Outcome {
    let mut report = |progress: runner::Progress| match progress {
        runner::Progress::Waiting => out.line("Waiting for another runner's migration lock..."),
        runner::Progress::Applying(tag) => {
            if !out.json {
                use std::io::Write;
                print!("Applying {tag} ... ");
                let _ = std::io::stdout().flush();
            }
        }
        runner::Progress::Applied(applied) => out.line(&format!(
            "{} ({} ms)",
            out.paint(GREEN, "done"),
            applied.duration.as_millis()
        )),
        // One line a file is enough on a terminal.
        runner::Progress::Statement { .. } => {}
    };
    let options = RunnerOptions {
        retry_failed,
        ..RunnerOptions::default()
    };
    let applied = runner::migrate_reporting(client, dir, options, &mut report).await;
    let applied = match applied {
        Ok(applied) => applied,
        Err(error) => {
            out.line(&out.paint(RED, "failed"));
            return Err(error);
        }
    };
    if applied.is_empty() {
        out.line("The database is up to date.");
    }
    let list: Vec<serde_json::Value> = applied
        .iter()
        .map(|a| serde_json::json!({ "tag": a.tag, "duration_ms": a.duration.as_millis() as u64 }))
        .collect();
    out.object(serde_json::json!({ "ok": true, "applied": list }));
    Ok(ExitCode::SUCCESS)
}

pub(super) fn list(out: &Out, dir: &MigrationsDir) -> Outcome {
    runner::verify_files(dir)?;
    let tags: Vec<String> = dir.journal()?.entries.into_iter().map(|e| e.tag).collect();
    for tag in &tags {
        out.line(tag);
    }
    out.line("(give --database-url to see which are applied)");
    out.object(serde_json::json!({ "ok": true, "migrations": tags }));
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn status(out: &Out, client: &Client, dir: &MigrationsDir) -> Outcome {
    let mut failed = false;
    let mut list = Vec::new();
    for file in runner::status(client, dir).await? {
        match &file.state {
            State::Pending => {
                out.line(&format!("{}  {}", out.paint(YELLOW, "pending"), file.tag));
                list.push(serde_json::json!({ "tag": file.tag, "state": "pending" }));
            }
            State::Applied {
                applied_at,
                duration_ms,
            } => {
                out.line(&format!(
                    "{}  {}  ({applied_at} UTC, {duration_ms} ms)",
                    out.paint(GREEN, "applied"),
                    file.tag
                ));
                list.push(serde_json::json!({ "tag": file.tag, "state": "applied", "applied_at": applied_at, "duration_ms": duration_ms }));
            }
            State::Failed { error } => {
                failed = true;
                out.line(&format!(
                    "{}   {}  ({error})",
                    out.paint(RED, "FAILED"),
                    file.tag
                ));
                list.push(
                    serde_json::json!({ "tag": file.tag, "state": "failed", "error": error }),
                );
            }
        }
    }
    out.object(serde_json::json!({ "ok": !failed, "migrations": list }));
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub(super) fn check(out: &Out, dir: &MigrationsDir, schema: &Schema, url: Option<&str>) -> Outcome {
    let mut problems = crate::migrate::check::files(dir, schema)?;
    if let Some(url) = url {
        let live = with_url(url, |client| {
            Box::pin(async move { crate::migrate::check::database(&client, dir, schema).await })
        })?;
        problems.extend(live);
    }
    out.object(serde_json::json!({ "ok": problems.is_empty(), "problems": problems }));
    if problems.is_empty() {
        let what = if url.is_some() {
            " and the database"
        } else {
            ""
        };
        out.line(&format!(
            "{} the schema, the migrations{what} agree.",
            out.paint(GREEN, "No drift:")
        ));
        Ok(ExitCode::SUCCESS)
    } else {
        for problem in &problems {
            out.warn(&format!("{} {problem}", out.paint(RED, "drift:")));
        }
        Ok(ExitCode::FAILURE)
    }
}

pub(super) async fn push(
    out: &Out,
    client: &mut Client,
    dir: &MigrationsDir,
    schema: &Schema,
    allow_data_loss: bool,
) -> Outcome {
    let statements =
        crate::migrate::push::push(client, dir, schema, allow_data_loss, &mut |sql: &str| {
            out.line(sql)
        })
        .await?;
    if statements.is_empty() {
        out.line("The database already has the declared schema.");
    }
    out.object(serde_json::json!({ "ok": true, "statements": statements }));
    Ok(ExitCode::SUCCESS)
}

pub(super) fn drop_newest(out: &Out, dir: &MigrationsDir, url: Option<&str>) -> Outcome {
    let journal = dir.journal()?;
    let Some(newest) = journal.entries.last().cloned() else {
        out.line("There is no migration to drop.");
        out.object(serde_json::json!({ "ok": true, "dropped": [] }));
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(url) = url {
        let tag = newest.tag.clone();
        let main = crate::migrate::main_part(&tag).map(str::to_string);
        let applied = with_url(url, |client| {
            Box::pin(async move {
                let files = runner::status(&client, dir).await?;
                let applied = files.iter().any(|f| {
                    let part_of = main
                        .as_deref()
                        .is_some_and(|m| f.tag.split_once('_').is_some_and(|(_, n)| n == m));
                    (f.tag == tag || part_of) && f.state != State::Pending
                });
                Ok(applied)
            })
        })?;
        if applied {
            return Err(MigrateError::Runner(RunnerError::DropApplied {
                tag: newest.tag.clone(),
            }));
        }
    } else {
        out.warn(&format!(
            "note: no --database-url given, so whether {} was applied somewhere is not checked",
            newest.tag
        ));
    }
    let dropped = dir.drop_newest()?;
    for tag in &dropped {
        out.line(&format!("Dropped {tag} and its snapshot."));
    }
    out.object(serde_json::json!({ "ok": true, "dropped": dropped }));
    Ok(ExitCode::SUCCESS)
}
