//! The errors of migrations: [`MigrateError`], and [`RunnerError`], why the runner and the
//! commands around it refuse to go on.

use std::fmt;
use std::io;
use std::path::PathBuf;

use super::diff::Refusal;
use super::runner::JOURNAL_TABLE;
use super::NO_TRANSACTION;
use crate::schema::SchemaErrors;

/// What a migration command can fail with.
#[derive(Debug)]
pub enum MigrateError {
    InvalidSchema(SchemaErrors),
    /// The diff would lose data, or cannot be done in place; each reason says what to do.
    Refused(Refusal),
    /// The runner refuses to go on; each names the file, tag or row at fault.
    Runner(RunnerError),
    /// The database refused a statement or the connection failed.
    Database(String),
    Io {
        path: PathBuf,
        source: io::Error,
    },
    Corrupt {
        path: PathBuf,
        message: String,
    },
    Unsupported(String),
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateError::InvalidSchema(errors) => errors.fmt(f),
            MigrateError::Refused(refusal) => refusal.fmt(f),
            MigrateError::Runner(error) => error.fmt(f),
            MigrateError::Database(message) => f.write_str(message),
            MigrateError::Io { path, source } if source.kind() == io::ErrorKind::AlreadyExists => write!(
                f,
                "{} already exists but the journal does not list it; remove the stray file or restore the journal",
                path.display()
            ),
            MigrateError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            MigrateError::Corrupt { path, message } => write!(f, "{} cannot be read: {message}", path.display()),
            MigrateError::Unsupported(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for MigrateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MigrateError::InvalidSchema(e) => Some(e),
            MigrateError::Io { source, .. } => Some(source),
            MigrateError::Runner(error) => Some(error),
            _ => None,
        }
    }
}

/// Why the runner (or `baseline`, `rollback`, `push`, `pull`, `drop`) refuses to go on: each
/// names the file, tag or row at fault, and its message says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunnerError {
    /// The command needs a database and none was given.
    NoDatabaseUrl,
    /// The connection string cannot be read.
    BadUrl(String),
    /// The connection goes through a transaction-mode pooler, which does not keep the runner's
    /// session-level lock.
    ThroughPooler,
    /// The connection is to a read replica (a hot standby), where nothing can be migrated.
    Replica,
    /// The command line's runtime could not start.
    Runtime(String),
    /// A `.sql` file in the migrations folder that the journal does not list.
    Unlisted { path: PathBuf },
    /// A custom migration that is still its template.
    BareTemplate { path: PathBuf },
    /// A generated migration edited after it was generated.
    Edited { path: PathBuf },
    /// A generated down migration edited after it was generated.
    EditedDown { path: PathBuf },
    /// A migration that controls its own transaction without `-- migrate:no-transaction`.
    OwnTransaction { path: PathBuf, statement: String },
    /// A journal table row edited by hand: its name (`None`: NULL), the column and what it holds.
    JournalRow {
        name: Option<String>,
        column: String,
        found: String,
    },
    /// A migration applied to the database whose file is missing.
    AppliedFileMissing { tag: String },
    /// A migration edited after it was applied.
    AppliedFileEdited { tag: String },
    /// A migration that ran outside a transaction and failed part-way; `resumable` when
    /// `migrate --retry-failed` can resume it.
    FailedPartWay {
        tag: String,
        at: String,
        error: Option<String>,
        resumable: bool,
    },
    /// A pending migration that sorts before the newest applied one.
    OutOfOrder { tag: String, newest: String },
    /// Another runner held the migration lock longer than the wait.
    LockTimeout { waited: std::time::Duration },
    /// `baseline` with no migration generated.
    NothingToBaseline,
    /// `baseline` on a database this tool already migrated.
    AlreadyManaged { recorded: usize, newest: String },
    /// `baseline` on a database that differs from what the migrations make.
    BaselineDiffers { differences: Vec<String> },
    /// `rollback` while a migration is stopped part-way.
    StoppedPartWay { tag: String },
    /// `rollback --to` a tag no applied migration has.
    UnknownTag { tag: String },
    /// `rollback` of a migration without a down file.
    NoDown {
        tag: String,
        path: PathBuf,
        custom: bool,
    },
    /// `rollback` of a migration whose down says it cannot be undone; the reasons it gives.
    Irreversible { tag: String, reasons: String },
    /// `rollback` of a migration whose down loses data, without `--allow-data-loss`.
    LosesData { tag: String, path: PathBuf },
    /// `pull` into a folder that is not empty.
    FolderNotEmpty { path: PathBuf },
    /// `drop` of a migration that is applied.
    DropApplied { tag: String },
    /// `push`: the schema it stored cannot be read.
    PushedSchema { table: bool, error: String },
}

impl fmt::Display for RunnerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunnerError::NoDatabaseUrl => f.write_str(
                "this command needs a database: pass --database-url or set DATABASE_URL",
            ),
            RunnerError::Replica => f.write_str(
                "this connection is to a read replica (the server is in recovery: a hot standby, or \
                 a Neon read replica endpoint), where nothing can be written; migrations run on the \
                 primary, and replicas follow it. Use the primary's URL",
            ),
            RunnerError::Runtime(message) => write!(f, "cannot start the runtime: {message}"),
            RunnerError::BadUrl(message) => f.write_str(message),
            RunnerError::ThroughPooler => f.write_str(
                "this connection goes through a pooler (pgbouncer=true, a `-pooler` host, or port 6432): the runner \
                 holds a session-level lock across statements, which a transaction-mode pooler does not keep. \
                 Migrate with the direct URL (on Neon: the host without `-pooler`)",
            ),
            RunnerError::Unlisted { path } => write!(
                f,
                "{} is in the migrations folder but the journal (meta/_journal.json) does not list it, so \
                 it would never be applied. Move it out of the folder, or register it: a hand-written \
                 migration needs a journal entry with its tag and SHA-256 checksum, after the last one",
                path.display()
            ),
            RunnerError::BareTemplate { path } => write!(
                f,
                "{} is a custom migration still as it was written: its template, with no \
                 statement. Write its SQL, or remove it with `gen-migrations drop` if it is the \
                 newest",
                path.display()
            ),
            RunnerError::Edited { path } => write!(
                f,
                "{} differs from its checksum in the journal: it was edited after it was generated. \
                 Generate a new migration instead of editing this one",
                path.display()
            ),
            RunnerError::EditedDown { path } => write!(
                f,
                "{} differs from its checksum in the journal: a generated down migration is not \
                 edited. Undo the change with a new migration instead",
                path.display()
            ),
            RunnerError::OwnTransaction { path, statement } => write!(
                f,
                "{} controls its own transaction (`{statement}`), but the runner runs the file in a \
                 transaction of its own, with its journal row, so that a failure leaves nothing \
                 half-applied. Remove that statement; a file that must run outside a transaction \
                 starts with the line `{NO_TRANSACTION}`",
                path.display(),
            ),
            RunnerError::JournalRow { name: None, .. } => write!(
                f,
                "the journal table {JOURNAL_TABLE} has a row whose name is NULL: it was edited by hand; \
                 delete that row or restore the table"
            ),
            RunnerError::JournalRow {
                name: Some(name),
                column,
                found,
            } => write!(
                f,
                "the journal table {JOURNAL_TABLE}, row {name:?}: column {column} is {found}: it was edited \
                 by hand; restore the row (or delete it if that migration was never applied)"
            ),
            RunnerError::AppliedFileMissing { tag } => write!(
                f,
                "migration {tag} was applied to the database but its file is missing from the folder; restore it"
            ),
            RunnerError::AppliedFileEdited { tag } => write!(
                f,
                "migration {tag} was edited after it was applied (its checksum differs from the database's); \
                 restore the applied version and put the change in a new migration"
            ),
            RunnerError::FailedPartWay {
                tag,
                at,
                error,
                resumable,
            } => {
                let next = if *resumable {
                    "Fix the cause, then run `migrate --retry-failed` to resume at the statement that failed \
                     (an INVALID index it left is dropped first); or finish or undo it by hand and delete its \
                     row from"
                } else {
                    "Finish or undo it by hand, then delete its row from"
                };
                write!(
                    f,
                    "migration {tag} failed part-way at {at} UTC ({}); it ran outside a transaction, so some of its \
                     statements may have applied. {next} {JOURNAL_TABLE}",
                    error.as_deref().unwrap_or("no error recorded"),
                )
            }
            RunnerError::OutOfOrder { tag, newest } => write!(
                f,
                "migration {tag} is not applied but sorts before {newest}, the newest applied one; renumber it after that one"
            ),
            RunnerError::LockTimeout { waited } => write!(
                f,
                "another runner held the migration lock for more than {} s",
                waited.as_secs()
            ),
            RunnerError::NothingToBaseline => f.write_str(
                "there is no migration to baseline: run `gen-migrations` first, so that the newest \
                 snapshot describes the schema this database already has",
            ),
            RunnerError::AlreadyManaged { recorded, newest } => write!(
                f,
                "this database already has {recorded} migration(s) recorded in {JOURNAL_TABLE} (the newest: \
                 {newest}): it is managed by this tool, and `migrate` applies what is pending; a baseline \
                 is only for a database this tool has never migrated"
            ),
            RunnerError::BaselineDiffers { differences } => write!(
                f,
                "the database differs from what the migrations make, so it cannot be baselined \
                 (nothing was recorded); make them agree first (change the schema and generate, or \
                 change the database):\n    {}",
                differences.join("\n    ")
            ),
            RunnerError::StoppedPartWay { tag } => write!(
                f,
                "migration {tag} stopped part-way: run `migrate` to finish it before rolling back"
            ),
            RunnerError::UnknownTag { tag } => {
                write!(f, "--to {tag}: no applied migration has that tag")
            }
            RunnerError::NoDown { tag, path, custom } => {
                let why = if *custom {
                    "it is a custom migration: write its down by hand"
                } else {
                    "it was generated before down migrations were"
                };
                write!(
                    f,
                    "migration {tag} cannot be rolled back: {} is missing ({why})",
                    path.display()
                )
            }
            RunnerError::Irreversible { tag, reasons } => {
                write!(f, "migration {tag} cannot be rolled back:\n{reasons}")
            }
            RunnerError::LosesData { tag, path } => write!(
                f,
                "rolling back {tag} loses data ({}: its `DATA LOSS` statements drop what the migration \
                 added); pass --allow-data-loss to roll it back anyway",
                path.display()
            ),
            RunnerError::FolderNotEmpty { path } => write!(
                f,
                "{} is not empty: pull writes a new folder, and never over files",
                path.display()
            ),
            RunnerError::DropApplied { tag } => write!(
                f,
                "{tag} is applied to the database; write a new migration that undoes it instead"
            ),
            RunnerError::PushedSchema { table: true, error } => {
                write!(
                    f,
                    "the pushed schema in {} cannot be read: {error}",
                    super::push::PUSH_TABLE
                )
            }
            RunnerError::PushedSchema { table: false, error } => {
                write!(f, "the pushed schema cannot be read: {error}")
            }
        }
    }
}

impl std::error::Error for RunnerError {}
