//! The migration command line, reusable by any application: its `gen-migrations` binary is
//! `fn main() -> ExitCode { cli::main(my_app::schema(), "migrations") }`.
//!
//! Commands: `generate` (the default), `migrate`, `status`, `check`, `push`, `drop`. It never
//! prompts. Exit codes: `0` done (or nothing to do), `1` refused, failed or drift found, `2` a
//! usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokio_postgres::Client;

use super::catalog::Catalog;
use super::runner::{self, RunnerOptions, State};
use super::{diff, DiffOptions, Generated, MigrateError, MigrationsDir, Plan};
use crate::schema::Schema;

#[derive(Debug, Parser)]
#[command(about = "Generate and apply SQL migrations from the declared schema", long_about = None)]
struct Cli {
    /// The migrations folder (default: the application's own)
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
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
    },
    /// Apply the pending migrations to the database, in order
    Migrate {
        #[command(flatten)]
        database: Database,
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
    let command = cli.command.unwrap_or(Command::Generate {
        name: None,
        allow_data_loss: false,
    });
    let outcome = match command {
        Command::Generate {
            name,
            allow_data_loss,
        } => generate(&dir, &schema, name.as_deref(), allow_data_loss),
        Command::Migrate { database } => with_database(database, |mut client| {
            Box::pin(async move { migrate(&mut client, &dir).await })
        }),
        Command::Status { database } => match database.database_url {
            None => list(&dir),
            Some(url) => with_url(&url, |client| {
                Box::pin(async move { status(&client, &dir).await })
            }),
        },
        Command::Check { database } => check(&dir, &schema, database.database_url.as_deref()),
        Command::Push {
            database,
            allow_data_loss,
        } => with_database(database, |mut client| {
            Box::pin(async move { push(&mut client, &dir, &schema, allow_data_loss).await })
        }),
        Command::Drop { database } => drop_newest(&dir, database.database_url.as_deref()),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

type Outcome = Result<ExitCode, MigrateError>;
type BoxFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + 'a>>;

fn with_database<'a>(database: Database, f: impl FnOnce(Client) -> BoxFuture<'a>) -> Outcome {
    let Some(url) = database.database_url else {
        return Err(MigrateError::Runner(
            "this command needs a database: pass --database-url or set DATABASE_URL".into(),
        ));
    };
    with_url(&url, f)
}

/// Connects, then runs `f` with the connection on a runtime of its own.
fn with_url<'a>(url: &str, f: impl FnOnce(Client) -> BoxFuture<'a>) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| MigrateError::Runner(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        // The URL may hold a password: errors say what failed, never the URL.
        let client = crate::exec::connect::connect_client(url)
            .await
            .map_err(|e| MigrateError::Database(format!("cannot connect to the database: {e}")))?;
        f(client).await
    })
}

fn generate(
    dir: &MigrationsDir,
    schema: &Schema,
    name: Option<&str>,
    allow_data_loss: bool,
) -> Outcome {
    match dir.generate_with(schema, name, DiffOptions { allow_data_loss })? {
        Generated::NoChanges => {
            println!("No schema changes since the newest migration; nothing written.")
        }
        Generated::Written { files, summary } => {
            for file in &files {
                println!("Wrote {}", file.sql_path.display());
            }
            println!("  {summary}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn migrate(client: &mut Client, dir: &MigrationsDir) -> Outcome {
    let applied = runner::migrate(client, dir, RunnerOptions::default()).await?;
    if applied.is_empty() {
        println!("The database is up to date.");
    }
    for file in &applied {
        println!("Applied {} ({} ms)", file.tag, file.duration.as_millis());
    }
    Ok(ExitCode::SUCCESS)
}

fn list(dir: &MigrationsDir) -> Outcome {
    for entry in dir.journal()?.entries {
        println!("{}", entry.tag);
    }
    println!("(give --database-url to see which are applied)");
    Ok(ExitCode::SUCCESS)
}

async fn status(client: &Client, dir: &MigrationsDir) -> Outcome {
    let mut failed = false;
    for file in runner::status(client, dir).await? {
        match file.state {
            State::Pending => println!("pending  {}", file.tag),
            State::Applied {
                applied_at,
                duration_ms,
            } => {
                println!(
                    "applied  {}  ({applied_at} UTC, {duration_ms} ms)",
                    file.tag
                )
            }
            State::Failed { error } => {
                failed = true;
                println!("FAILED   {}  ({error})", file.tag)
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn check(dir: &MigrationsDir, schema: &Schema, url: Option<&str>) -> Outcome {
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
    if let Some(url) = url {
        let snapshot = dir.latest_snapshot()?.map(|s| s.schema).unwrap_or_default();
        let live = with_url(url, |client| {
            Box::pin(async move {
                let client = &client;
                let pending = runner::status(client, dir)
                    .await?
                    .into_iter()
                    .filter(|f| f.state == State::Pending)
                    .count();
                if pending > 0 {
                    eprintln!("the database has {pending} migration(s) to apply");
                    return Ok(ExitCode::FAILURE);
                }
                let catalog = Catalog::read(client)
                    .await
                    .map_err(|e| MigrateError::Database(e.to_string()))?;
                let differences = Catalog::expected(&snapshot).differences(&catalog);
                if differences.is_empty() {
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!("the database differs from what the migrations make:");
                for difference in differences {
                    eprintln!("  - {difference}");
                }
                Ok(ExitCode::FAILURE)
            })
        })?;
        if live != ExitCode::SUCCESS {
            problems.push("the database has drifted from the migrations (see above), or has migrations to apply".into());
        }
    }
    if problems.is_empty() {
        println!(
            "No drift: the schema, the migrations{} agree.",
            if url.is_some() {
                " and the database"
            } else {
                ""
            }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for problem in problems {
            eprintln!("drift: {problem}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// The table where `push` records the schema it last applied.
const PUSH_TABLE: &str = "__schema_push";

async fn push(
    client: &mut Client,
    dir: &MigrationsDir,
    schema: &Schema,
    allow_data_loss: bool,
) -> Outcome {
    let quoted = crate::sql::quote_ident(PUSH_TABLE);
    client
        .batch_execute(&format!("CREATE TABLE IF NOT EXISTS {quoted} (id boolean PRIMARY KEY DEFAULT true CHECK (id), schema jsonb NOT NULL)"))
        .await
        .map_err(|e| MigrateError::Database(e.to_string()))?;
    let stored: Option<serde_json::Value> = client
        .query_opt(&format!("SELECT schema FROM {quoted}"), &[])
        .await
        .map_err(|e| MigrateError::Database(e.to_string()))?
        .map(|row| row.get(0));
    let previous: Schema = match stored {
        Some(json) => serde_json::from_value(json)
            .map_err(|e| MigrateError::Runner(format!("the pushed schema cannot be read: {e}")))?,
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
        println!("The database already has the declared schema.");
        return Ok(ExitCode::SUCCESS);
    }
    let tx = client
        .transaction()
        .await
        .map_err(|e| MigrateError::Database(e.to_string()))?;
    for step in &plan.steps {
        tx.batch_execute(&step.sql())
            .await
            .map_err(|e| MigrateError::Database(format!("`{}` failed: {e}", step.sql())))?;
        println!("{}", step.sql());
    }
    let json = serde_json::to_value(schema).map_err(|e| MigrateError::Runner(e.to_string()))?;
    tx.execute(
        &format!("INSERT INTO {quoted} (schema) VALUES ($1) ON CONFLICT (id) DO UPDATE SET schema = excluded.schema"),
        &[&json],
    )
    .await
    .map_err(|e| MigrateError::Database(e.to_string()))?;
    tx.commit()
        .await
        .map_err(|e| MigrateError::Database(e.to_string()))?;
    for step in &plan.online {
        client
            .batch_execute(&step.sql())
            .await
            .map_err(|e| MigrateError::Database(format!("`{}` failed: {e}", step.sql())))?;
        println!("{}", step.sql());
    }
    Ok(ExitCode::SUCCESS)
}

fn drop_newest(dir: &MigrationsDir, url: Option<&str>) -> Outcome {
    let journal = dir.journal()?;
    let Some(newest) = journal.entries.last().cloned() else {
        println!("There is no migration to drop.");
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
                Ok(if applied {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                })
            })
        })?;
        if applied != ExitCode::SUCCESS {
            return Err(MigrateError::Runner(format!(
                "{} is applied to the database; write a new migration that undoes it instead",
                newest.tag
            )));
        }
    } else {
        eprintln!(
            "note: no --database-url given, so whether {} was applied somewhere is not checked",
            newest.tag
        );
    }
    for tag in dir.drop_newest()? {
        println!("Dropped {tag} and its snapshot.");
    }
    Ok(ExitCode::SUCCESS)
}
