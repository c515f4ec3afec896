//! Migrations: the snapshot of the declared schema, the SQL that gets a database there, and the
//! files that record it.
//!
//! A migrations folder holds `NNNN_<name>.sql` files, and `meta/` with one
//! `NNNN_snapshot.json` per migration (the schema after it) and `_journal.json` (each
//! migration's tag and SHA-256 checksum). Everything written is deterministic: the same schema
//! gives the same bytes.

pub mod catalog;
#[cfg(feature = "cli")]
pub mod cli;
pub mod render;

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::schema::{Schema, SchemaErrors};
pub use render::Step;

/// The version of the snapshot and journal formats.
pub const FORMAT_VERSION: u32 = 1;

/// The schema after a migration, as `meta/NNNN_snapshot.json` stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub dialect: String,
    pub schema: Schema,
}

impl Snapshot {
    pub fn new(schema: Schema) -> Self {
        Snapshot {
            version: FORMAT_VERSION,
            dialect: "postgresql".into(),
            schema,
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a snapshot always serialises");
        json.push('\n');
        json
    }
}

/// `meta/_journal.json`: the migrations in order, with their checksums.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub dialect: String,
    pub entries: Vec<JournalEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub idx: u32,
    /// The file name without `.sql`: `0000_init`.
    pub tag: String,
    /// SHA-256 of the SQL file's bytes, in hex.
    pub checksum: String,
}

impl Journal {
    fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a journal always serialises");
        json.push('\n');
        json
    }
}

/// SHA-256 of `bytes`, in lowercase hex.
pub fn checksum(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A migrations folder.
#[derive(Debug, Clone)]
pub struct MigrationsDir {
    root: PathBuf,
}

impl MigrationsDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        MigrationsDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn meta(&self) -> PathBuf {
        self.root.join("meta")
    }

    fn journal_path(&self) -> PathBuf {
        self.meta().join("_journal.json")
    }

    pub fn sql_path(&self, tag: &str) -> PathBuf {
        self.root.join(format!("{tag}.sql"))
    }

    pub fn snapshot_path(&self, idx: u32) -> PathBuf {
        self.meta().join(format!("{idx:04}_snapshot.json"))
    }

    /// The journal, or an empty one when the folder has none yet.
    pub fn journal(&self) -> Result<Journal, MigrateError> {
        let path = self.journal_path();
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| MigrateError::Corrupt {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Journal {
                version: FORMAT_VERSION,
                dialect: "postgresql".into(),
                entries: Vec::new(),
            }),
            Err(e) => Err(MigrateError::Io { path, source: e }),
        }
    }

    /// The snapshot of the newest migration, if there is one.
    pub fn latest_snapshot(&self) -> Result<Option<Snapshot>, MigrateError> {
        let journal = self.journal()?;
        let Some(last) = journal.entries.last() else {
            return Ok(None);
        };
        let path = self.snapshot_path(last.idx);
        let text = fs::read_to_string(&path).map_err(|e| MigrateError::Io {
            path: path.clone(),
            source: e,
        })?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| MigrateError::Corrupt {
                path,
                message: e.to_string(),
            })
    }

    /// Diffs `schema` against the newest snapshot and writes the next migration, if anything
    /// changed. Needs no database.
    pub fn generate(&self, schema: &Schema, name: Option<&str>) -> Result<Generated, MigrateError> {
        schema.validate().map_err(MigrateError::InvalidSchema)?;
        let journal = self.journal()?;
        let previous = self.latest_snapshot()?;
        let steps =
            match &previous {
                None => render::create_all(schema),
                Some(snapshot) if snapshot.schema == *schema => return Ok(Generated::NoChanges),
                Some(_) => return Err(MigrateError::Unsupported(
                    "the schema differs from the newest snapshot, and changing an existing schema \
                     (the diff) is not implemented yet: only the first migration can be generated"
                        .into(),
                )),
            };
        let idx = journal.entries.last().map_or(0, |e| e.idx + 1);
        let name = match name {
            Some(name) => sanitize_name(name)?,
            None if previous.is_none() => "init".to_string(),
            None => "migration".to_string(),
        };
        let tag = format!("{idx:04}_{name}");
        let sql = migration_sql(&tag, &steps);
        let snapshot = Snapshot::new(schema.clone()).to_json();
        let mut journal = journal;
        journal.entries.push(JournalEntry {
            idx,
            tag: tag.clone(),
            checksum: checksum(sql.as_bytes()),
        });

        fs::create_dir_all(self.meta()).map_err(|e| MigrateError::Io {
            path: self.meta(),
            source: e,
        })?;
        let sql_path = self.sql_path(&tag);
        let snapshot_path = self.snapshot_path(idx);
        write_new(&sql_path, sql.as_bytes())?;
        write_new(&snapshot_path, snapshot.as_bytes())?;
        // The journal goes last: it is what makes the migration exist.
        write_atomic(&self.journal_path(), journal.to_json().as_bytes())?;
        Ok(Generated::Written(Written {
            tag,
            sql_path,
            snapshot_path,
            summary: Summary::of(&steps),
        }))
    }
}

/// The text of a migration file: a header, then one statement per step, separated by blank lines.
pub fn migration_sql(tag: &str, steps: &[Step]) -> String {
    let mut sql = format!(
        "-- Migration {tag}\n-- Generated by gen-migrations from the declared schema; review it before applying.\n"
    );
    for step in steps {
        sql.push('\n');
        sql.push_str(&step.sql());
        sql.push('\n');
    }
    sql
}

fn sanitize_name(name: &str) -> Result<String, MigrateError> {
    let clean: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_matches('_').to_string();
    if clean.is_empty() {
        return Err(MigrateError::Unsupported(format!(
            "the migration name {name:?} has no letters or digits"
        )));
    }
    Ok(clean)
}

/// Writes a file that must not exist yet: an existing one means a stale journal, and is never
/// overwritten.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), MigrateError> {
    let io = |e| MigrateError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), MigrateError> {
    let tmp = path.with_extension("json.tmp");
    let io = |e| MigrateError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    {
        let mut file = fs::File::create(&tmp).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
    }
    fs::rename(&tmp, path).map_err(io)
}

/// What `generate` did.
#[derive(Debug)]
pub enum Generated {
    NoChanges,
    Written(Written),
}

#[derive(Debug)]
pub struct Written {
    pub tag: String,
    pub sql_path: PathBuf,
    pub snapshot_path: PathBuf,
    pub summary: Summary,
}

/// Counts of what a migration does, for the command line's one-line report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub extensions: usize,
    pub enums: usize,
    pub tables: usize,
    pub columns: usize,
    pub foreign_keys: usize,
    pub indexes: usize,
}

impl Summary {
    pub fn of(steps: &[Step]) -> Self {
        let mut summary = Summary::default();
        for step in steps {
            match step {
                Step::CreateExtension(_) => summary.extensions += 1,
                Step::CreateNamespace(_) => {}
                Step::CreateEnum(_) => summary.enums += 1,
                Step::CreateTable(t) => {
                    summary.tables += 1;
                    summary.columns += t.columns.len();
                }
                Step::AddForeignKey { .. } => summary.foreign_keys += 1,
                Step::CreateIndex { .. } => summary.indexes += 1,
            }
        }
        summary
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            (self.tables, "table", "tables"),
            (self.columns, "column", "columns"),
            (self.enums, "enum", "enums"),
            (self.foreign_keys, "foreign key", "foreign keys"),
            (self.indexes, "index", "indexes"),
            (self.extensions, "extension", "extensions"),
        ];
        let text: Vec<String> = parts
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
            .collect();
        write!(f, "creates {}", text.join(", "))
    }
}

#[derive(Debug)]
pub enum MigrateError {
    InvalidSchema(SchemaErrors),
    Io { path: PathBuf, source: io::Error },
    Corrupt { path: PathBuf, message: String },
    Unsupported(String),
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateError::InvalidSchema(errors) => errors.fmt(f),
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
            _ => None,
        }
    }
}
