//! The migration command line, reusable by any application: its `gen-migrations` binary is
//! `fn main() -> ExitCode { cli::main(my_app::schema(), "migrations") }`.
//!
//! Commands: `generate` (the default), `migrate`, `rollback`, `baseline`, `pull`, `status`,
//! `check`, `push`, `drop`, `diagram`. It never
//! prompts. Output is short and coloured on a terminal (`NO_COLOR` turns colour off); with
//! `--json`, each command prints one JSON object instead (`{"ok": …}`), for CI. Exit codes: `0`
//! done (or nothing to do), `1` refused, failed or drift found, `2` a usage error.

mod commands;
mod out;

use commands::{
    baseline, check, drop_newest, generate, generate_custom, list, migrate, pull, push, rollback,
    status, with_database, with_url,
};
use out::{Out, RED};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use super::runner;
use super::MigrationsDir;
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
                let options = crate::migrate::rollback::RollbackOptions {
                    target: match to {
                        Some(tag) => crate::migrate::rollback::Target::To(tag),
                        None => crate::migrate::rollback::Target::Steps(steps),
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
            let text = crate::migrate::diagram::mermaid(&schema);
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
