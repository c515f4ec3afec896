//! The migration command line, reusable by any application: its `gen-migrations` binary is
//! `fn main() -> ExitCode { cli::main(my_app::schema(), "migrations") }`.
//!
//! Commands: `generate` (the default), `migrate`, `rollback`, `baseline`, `pull`, `status`,
//! `check`, `push`, `drop`, `diagram`. It never
//! prompts. Output is short and coloured on a terminal (`NO_COLOR` turns colour off); with
//! `--json`, each command prints one JSON object instead (`{"ok": …}`), for CI. Exit codes: `0`
//! done (or nothing to do), `1` refused, failed or drift found, `2` a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokio_postgres::Client;

use super::runner::{self, RunnerOptions, State};
use super::{DiffOptions, Generated, MigrateError, MigrationsDir, RunnerError};
use crate::schema::Schema;

#[derive(Debug, Parser)]
#[command(about = "Generate and apply SQL migrations from the declared schema", long_about = None)]
struct Cli {
    /// The migrations folder (default: the application's own)
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    /// Print one JSON object per command instead of text (for CI)
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Args)]
struct Database {
    /// The database (default: the DATABASE_URL environment variable)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the next migration, if the schema changed since the newest snapshot (the default)
    Generate {
        /// The migration's name, after its number: `0001_<name>.sql`
        #[arg(long)]
        name: Option<String>,
        /// Write drops and narrowing type changes instead of refusing them
        #[arg(long)]
        allow_data_loss: bool,
        /// Write an empty migration to fill in by hand (a backfill, grants, functions), run in
        /// order with the others; needs `--name`
        #[arg(long, requires = "name")]
        custom: bool,
        /// A database whose server tries the new schema first (in a transaction rolled back,
        /// nothing kept): SQL written by hand in the declaration that it refuses (a check or an
        /// index `where` naming a column that does not exist) is reported, and nothing written
        #[command(flatten)]
        database: Database,
    },
    /// Apply the pending migrations to the database, in order
    Migrate {
        #[command(flatten)]
        database: Database,
        /// Resume a migration that ran outside a transaction and failed part-way, at the
        /// statement that failed (fix its cause first; an INVALID index it left is dropped)
        #[arg(long)]
        retry_failed: bool,
    },
    /// Adopt a database that already has the schema (made by drizzle-kit, Alembic or by hand):
    /// if it is exactly what the migrations make, record them all as applied without running
    /// them; otherwise list the differences and write nothing
    Baseline {
        #[command(flatten)]
        database: Database,
    },
    /// Write the declarations of an existing database as Rust: `#[table]` structs (one file per
    /// table), `#[pg_enum]` enums and a `schema()` function, in a new folder
    Pull {
        #[command(flatten)]
        database: Database,
        /// The folder to write (it must not exist yet, or be empty)
        #[arg(long)]
        out: PathBuf,
        /// Only these Postgres schemas (default: every schema of the database)
        #[arg(long = "schema")]
        schemas: Vec<String>,
    },
    /// Undo the newest applied migrations with their down migrations, newest first
    Rollback {
        #[command(flatten)]
        database: Database,
        /// How many migrations to undo (a migration written as two files counts once)
        #[arg(long, conflicts_with = "to", default_value_t = 1)]
        steps: usize,
        /// Undo every migration applied after this one (its tag, `0003_add_color`)
        #[arg(long)]
        to: Option<String>,
        /// Apply down migrations that lose data (drop what the migration added)
        #[arg(long)]
        allow_data_loss: bool,
    },
    /// List the migrations, and with a database whether each is applied
    Status {
        #[command(flatten)]
        database: Database,
    },
    /// Exit non-zero if the schema needs a migration, a file differs from its checksum, or (with
    /// a database) the database differs from what the migrations make
    Check {
        #[command(flatten)]
        database: Database,
    },
    /// Apply the schema straight to a development database, without writing a migration
    Push {
        #[command(flatten)]
        database: Database,
        /// Apply drops and narrowing type changes instead of refusing them
        #[arg(long)]
        allow_data_loss: bool,
    },
    /// Remove the newest migration (its file, snapshot and journal entry), if it is not applied
    Drop {
        #[command(flatten)]
        database: Database,
    },
    /// Print the declared schema as an entity-relationship diagram (Mermaid `erDiagram` text,
    /// which code hosts render in a ```mermaid block)
    Diagram,
}

/// Runs the command line on the process's arguments.
pub fn main(schema: Schema, default_dir: impl Into<PathBuf>) -> ExitCode {
    run(schema, default_dir.into(), std::env::args_os())
}

/// Runs the command line on the given arguments (the first is the program name).
pub fn run<I, T>(schema: Schema, default_dir: PathBuf, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let dir = MigrationsDir::new(cli.dir.unwrap_or(default_dir));
    let out = Out::new(cli.json);
    let out = &out;
    let command = cli.command.unwrap_or(Command::Generate {
        name: None,
        allow_data_loss: false,
        custom: false,
        database: Database {
            database_url: std::env::var("DATABASE_URL").ok(),
        },
    });
    let outcome = match command {
        Command::Generate {
            name: Some(name),
            custom: true,
            ..
        } => generate_custom(out, &dir, &name),
        Command::Generate {
            name,
            allow_data_loss,
            database,
            ..
        } => generate(
            out,
            &dir,
            &schema,
            name.as_deref(),
            allow_data_loss,
            database.database_url.as_deref(),
        ),
        Command::Migrate {
            database,
            retry_failed,
        } => match database.database_url.as_deref().map(runner::refuse_pooled) {
            Some(Err(refusal)) => Err(refusal),
            _ => with_database(database, |mut client| {
                Box::pin(async move { migrate(out, &mut client, &dir, retry_failed).await })
            }),
        },
        Command::Status { database } => match database.database_url {
            None => list(out, &dir),
            Some(url) => with_url(&url, |client| {
                Box::pin(async move { status(out, &client, &dir).await })
            }),
        },
        Command::Baseline { database } => {
            match database.database_url.as_deref().map(runner::refuse_pooled) {
                Some(Err(refusal)) => Err(refusal),
                _ => with_database(database, |client| {
                    Box::pin(async move { baseline(out, &client, &dir).await })
                }),
            }
        }
        Command::Pull {
            database,
            out: folder,
            schemas,
        } => with_database(database, |client| {
            Box::pin(async move { pull(out, &client, &folder, &schemas).await })
        }),
        Command::Rollback {
            database,
            steps,
            to,
            allow_data_loss,
        } => match database.database_url.as_deref().map(runner::refuse_pooled) {
            Some(Err(refusal)) => Err(refusal),
            _ => {
                let options = super::rollback::RollbackOptions {
                    target: match to {
                        Some(tag) => super::rollback::Target::To(tag),
                        None => super::rollback::Target::Steps(steps),
                    },
                    allow_data_loss,
                    ..Default::default()
                };
                with_database(database, |client| {
                    Box::pin(async move { rollback(out, &client, &dir, &options).await })
                })
            }
        },
        Command::Check { database } => check(out, &dir, &schema, database.database_url.as_deref()),
        Command::Push {
            database,
            allow_data_loss,
        } => with_database(database, |mut client| {
            Box::pin(async move { push(out, &mut client, &dir, &schema, allow_data_loss).await })
        }),
        Command::Drop { database } => drop_newest(out, &dir, database.database_url.as_deref()),
        Command::Diagram => {
            let text = super::diagram::mermaid(&schema);
            if out.json {
                out.object(serde_json::json!({ "ok": true, "mermaid": text }));
            } else {
                print!("{text}");
            }
            Ok(ExitCode::SUCCESS)
        }
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            if out.json {
                println!(
                    "{}",
                    serde_json::json!({ "ok": false, "error": error.to_string() })
                );
            } else {
                eprintln!("{} {error}", out.paint(RED, "error:"));
            }
            ExitCode::FAILURE
        }
    }
}

const GREEN: &str = "32";
const RED: &str = "31";
const YELLOW: &str = "33";
const BOLD: &str = "1";

/// Where the commands print: text (coloured on a terminal) or JSON.
struct Out {
    json: bool,
    color: bool,
}

impl Out {
    fn new(json: bool) -> Out {
        use std::io::IsTerminal;
        let color =
            !json && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
        Out { json, color }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A line of text (not in JSON mode).
    fn line(&self, text: &str) {
        if !self.json {
            println!("{text}");
        }
    }

    /// A problem line, on stderr (not in JSON mode).
    fn warn(&self, text: &str) {
        if !self.json {
            eprintln!("{text}");
        }
    }

    /// The JSON object of a command (in JSON mode).
    fn object(&self, value: serde_json::Value) {
        if self.json {
            println!("{value}");
        }
    }

    fn summary(&self, summary: &super::Summary) -> String {
        let text = summary.to_string();
        if !self.color {
            return text;
        }
        text.split(", ")
            .map(|part| {
                if part.contains("DROPPED") {
                    self.paint(RED, part)
                } else if part.contains("created") || part.contains("added") {
                    self.paint(GREEN, part)
                } else {
                    self.paint(YELLOW, part)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

type Outcome = Result<ExitCode, MigrateError>;
type BoxFuture<'a, T = ExitCode> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, MigrateError>> + 'a>>;

fn with_database<'a>(database: Database, f: impl FnOnce(Client) -> BoxFuture<'a>) -> Outcome {
    let Some(url) = database.database_url else {
        return Err(MigrateError::Runner(RunnerError::NoDatabaseUrl));
    };
    with_url(&url, f)
}

/// Connects, then runs `f` with the connection on a runtime of its own.
fn with_url<'a, T>(
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

fn generate(
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
                super::trial::try_on(&client, schema)
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

async fn pull(out: &Out, client: &Client, folder: &std::path::Path, schemas: &[String]) -> Outcome {
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
    let files = super::pull::pull(client, schemas)
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

fn generate_custom(out: &Out, dir: &MigrationsDir, name: &str) -> Outcome {
    let written = dir.generate_custom(name)?;
    out.line(&format!(
        "{} {} (a custom migration: write its SQL; its checksum is taken when it is applied)",
        out.paint(BOLD, "Wrote"),
        written.sql_path.display()
    ));
    out.object(serde_json::json!({ "ok": true, "written": [written.tag], "custom": true }));
    Ok(ExitCode::SUCCESS)
}

async fn rollback(
    out: &Out,
    client: &Client,
    dir: &MigrationsDir,
    options: &super::rollback::RollbackOptions,
) -> Outcome {
    let undone = super::rollback::rollback(client, dir, options).await?;
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

async fn baseline(out: &Out, client: &Client, dir: &MigrationsDir) -> Outcome {
    let done = super::baseline::baseline(client, dir, RunnerOptions::default()).await?;
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

async fn migrate(
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

fn list(out: &Out, dir: &MigrationsDir) -> Outcome {
    runner::verify_files(dir)?;
    let tags: Vec<String> = dir.journal()?.entries.into_iter().map(|e| e.tag).collect();
    for tag in &tags {
        out.line(tag);
    }
    out.line("(give --database-url to see which are applied)");
    out.object(serde_json::json!({ "ok": true, "migrations": tags }));
    Ok(ExitCode::SUCCESS)
}

async fn status(out: &Out, client: &Client, dir: &MigrationsDir) -> Outcome {
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

fn check(out: &Out, dir: &MigrationsDir, schema: &Schema, url: Option<&str>) -> Outcome {
    let mut problems = super::check::files(dir, schema)?;
    if let Some(url) = url {
        let live = with_url(url, |client| {
            Box::pin(async move { super::check::database(&client, dir, schema).await })
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

async fn push(
    out: &Out,
    client: &mut Client,
    dir: &MigrationsDir,
    schema: &Schema,
    allow_data_loss: bool,
) -> Outcome {
    let statements = super::push::push(client, dir, schema, allow_data_loss, &mut |sql: &str| {
        out.line(sql)
    })
    .await?;
    if statements.is_empty() {
        out.line("The database already has the declared schema.");
    }
    out.object(serde_json::json!({ "ok": true, "statements": statements }));
    Ok(ExitCode::SUCCESS)
}

fn drop_newest(out: &Out, dir: &MigrationsDir, url: Option<&str>) -> Outcome {
    let journal = dir.journal()?;
    let Some(newest) = journal.entries.last().cloned() else {
        out.line("There is no migration to drop.");
        out.object(serde_json::json!({ "ok": true, "dropped": [] }));
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(url) = url {
        let tag = newest.tag.clone();
        let main = super::main_part(&tag).map(str::to_string);
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
