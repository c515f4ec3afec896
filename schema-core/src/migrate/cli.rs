//! The migration command line, reusable by any application: its `gen-migrations` binary is
//! `fn main() -> ExitCode { cli::main(my_app::schema(), "migrations") }`.
//!
//! Exit codes: `0` done (a migration written, or nothing to write), `1` the schema or the
//! migrations folder is not valid, `2` a usage error. It never prompts.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use super::{Generated, MigrationsDir};
use crate::schema::Schema;

#[derive(Debug, Parser)]
#[command(about = "Generate SQL migrations from the declared schema", long_about = None)]
struct Cli {
    /// The migrations folder (default: the application's own)
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the next migration, if the schema changed since the newest snapshot (the default)
    Generate {
        /// The migration's name, after its number: `0001_<name>.sql`
        #[arg(long)]
        name: Option<String>,
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
    let name = match cli.command {
        Some(Command::Generate { name }) => name,
        None => None,
    };
    match dir.generate(&schema, name.as_deref()) {
        Ok(Generated::NoChanges) => {
            println!("No schema changes since the newest migration; nothing written.");
            ExitCode::SUCCESS
        }
        Ok(Generated::Written { files, summary }) => {
            for file in &files {
                println!("Wrote {}", file.sql_path.display());
            }
            println!("  {summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
