//! Migrations: the snapshot of the declared schema, the SQL that gets a database there, and the
//! files that record it.
//!
//! A migrations folder holds `NNNN_<name>.sql` files, and `meta/` with one
//! `NNNN_snapshot.json` per migration (the schema after it) and `_journal.json` (each
//! migration's tag and SHA-256 checksum). Everything written is deterministic: the same schema
//! gives the same bytes.

pub mod baseline;
pub mod catalog;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod diagram;
pub mod diff;
pub mod down;
mod error;
mod files;
mod journal;
mod lint;
pub mod pull;
pub mod push;
pub mod render;
pub mod rollback;
pub mod runner;
mod snapshot;
mod sql_file;
mod step;
mod summary;
pub mod trial;

pub use diff::{DiffOptions, Plan, Refusal};
pub use error::{MigrateError, RunnerError};
pub use files::{main_part, Generated, MigrationsDir, Written};
pub use journal::{checksum, Journal, JournalEntry};
pub use render::Step;
pub use snapshot::{Snapshot, FORMAT_VERSION};
pub use sql_file::{
    custom_template, diff_sql, migration_sql, LOCK_TIMEOUT, NO_TRANSACTION, STATEMENT_TIMEOUT,
};
pub use summary::Summary;
