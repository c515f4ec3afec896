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
pub mod pull;
pub mod push;
pub mod render;
pub mod rollback;
pub mod runner;
pub mod trial;

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::schema::Schema;
pub use diff::{DiffOptions, Plan, Refusal};
pub use error::{MigrateError, RunnerError};
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

    /// Reads a snapshot, refusing another format version or dialect and a table, enum or column
    /// listed twice.
    pub fn parse(text: &str) -> Result<Snapshot, String> {
        let snapshot: Snapshot = serde_json::from_str(text).map_err(|e| e.to_string())?;
        check_format(snapshot.version, &snapshot.dialect)?;
        let mut tables = std::collections::BTreeSet::new();
        for table in &snapshot.schema.tables {
            let key = (table.schema.as_deref(), table.name.as_ref());
            if !tables.insert(key) {
                return Err(format!("the table {:?} is listed twice", table.name));
            }
            let mut columns = std::collections::BTreeSet::new();
            for column in table.columns.iter() {
                if !columns.insert(column.name.as_ref()) {
                    return Err(format!(
                        "the column {:?} of table {:?} is listed twice",
                        column.name, table.name
                    ));
                }
            }
        }
        let mut enums = std::collections::BTreeSet::new();
        for def in &snapshot.schema.enums {
            if !enums.insert((def.schema.as_deref(), def.name.as_ref())) {
                return Err(format!("the enum {:?} is listed twice", def.name));
            }
        }
        Ok(snapshot)
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
    /// SHA-256 of the SQL file's bytes, in hex (for a custom migration: of the template it was
    /// written with).
    pub checksum: String,
    /// A migration written by hand (`generate --custom`): its checksum is taken when it is
    /// applied, so it can be edited until then, and never after.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub custom: bool,
    /// SHA-256 of the generated down migration (`<tag>.down.sql`, then
    /// `<tag>.down_online.sql` when there is one), on the first entry of a migration; none on
    /// custom migrations (their down is written by hand) and on migrations written before downs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<String>,
}

impl Journal {
    /// Reads a journal, refusing what this version cannot trust: another format version or
    /// dialect, a tag that is not a plain file name, a tag or index listed twice.
    pub fn parse(text: &str) -> Result<Journal, String> {
        let journal: Journal = serde_json::from_str(text).map_err(|e| e.to_string())?;
        check_format(journal.version, &journal.dialect)?;
        let mut seen = std::collections::BTreeSet::new();
        for (position, entry) in journal.entries.iter().enumerate() {
            check_tag(&entry.tag)?;
            if !seen.insert(entry.tag.as_str()) {
                return Err(format!("the tag {:?} is listed twice", entry.tag));
            }
            if journal.entries[..position]
                .iter()
                .any(|e| e.idx == entry.idx)
            {
                return Err(format!("the index {} is listed twice", entry.idx));
            }
            if entry.checksum.len() != 64 || !entry.checksum.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(format!(
                    "the checksum of {:?} is not a SHA-256 in hex: {:?}",
                    entry.tag, entry.checksum
                ));
            }
        }
        Ok(journal)
    }

    fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a journal always serialises");
        json.push('\n');
        json
    }
}

/// A format this version writes and reads.
fn check_format(version: u32, dialect: &str) -> Result<(), String> {
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, but this gen-migrations reads version {FORMAT_VERSION}: \
             use the gen-migrations that wrote it"
        ));
    }
    if dialect != "postgresql" {
        return Err(format!(
            "dialect {dialect:?}, but only \"postgresql\" is known"
        ));
    }
    Ok(())
}

/// A tag is a plain file name (without `.sql`): nothing that could read outside the folder.
fn check_tag(tag: &str) -> Result<(), String> {
    let plain = !tag.is_empty()
        && tag.len() <= 200
        && !tag.starts_with('.')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if plain {
        Ok(())
    } else {
        Err(format!(
            "the tag {tag:?} is not a plain file name (letters, digits, `_`, `-` and `.`, not first)"
        ))
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

    /// The down migration of `tag` (`<tag>.down.sql`), and its online part.
    pub fn down_paths(&self, tag: &str) -> (PathBuf, PathBuf) {
        (
            self.root.join(format!("{tag}.down.sql")),
            self.root.join(format!("{tag}.down_online.sql")),
        )
    }

    pub fn snapshot_path(&self, idx: u32) -> PathBuf {
        self.meta().join(format!("{idx:04}_snapshot.json"))
    }

    /// The journal, or an empty one when the folder has none yet.
    pub fn journal(&self) -> Result<Journal, MigrateError> {
        let path = self.journal_path();
        match fs::read_to_string(&path) {
            Ok(text) => {
                Journal::parse(&text).map_err(|message| MigrateError::Corrupt { path, message })
            }
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
        Snapshot::parse(&text)
            .map(Some)
            .map_err(|message| MigrateError::Corrupt { path, message })
    }

    /// `.sql` files in the folder that the journal does not list: the runner would never apply
    /// them, so every command that reads the folder refuses them, naming each.
    pub fn unlisted_files(&self, journal: &Journal) -> Result<Vec<PathBuf>, MigrateError> {
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(MigrateError::Io {
                    path: self.root.clone(),
                    source: e,
                })
            }
        };
        let mut unlisted = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| MigrateError::Io {
                    path: self.root.clone(),
                    source: e,
                })?
                .path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(tag) = name.strip_suffix(".sql") else {
                continue;
            };
            // A down migration belongs to its migration's entry.
            let tag = tag
                .strip_suffix(".down")
                .or_else(|| tag.strip_suffix(".down_online"))
                .unwrap_or(tag);
            if path.is_file() && !journal.entries.iter().any(|e| e.tag == tag) {
                unlisted.push(path);
            }
        }
        unlisted.sort();
        Ok(unlisted)
    }

    /// Diffs `schema` against the newest snapshot and writes the next migration, if anything
    /// changed. Needs no database. A migration whose online part (validations, concurrent
    /// index builds) must run outside a transaction is written as two files.
    pub fn generate(&self, schema: &Schema, name: Option<&str>) -> Result<Generated, MigrateError> {
        self.generate_with(schema, name, DiffOptions::default())
    }

    /// [`MigrationsDir::generate`] with diff options (`--allow-data-loss`).
    pub fn generate_with(
        &self,
        schema: &Schema,
        name: Option<&str>,
        options: DiffOptions,
    ) -> Result<Generated, MigrateError> {
        schema.validate().map_err(MigrateError::InvalidSchema)?;
        let journal = self.journal()?;
        let previous = self.latest_snapshot()?;
        let plan = match &previous {
            None => Plan {
                steps: render::create_all(schema),
                online: Vec::new(),
            },
            Some(snapshot) => {
                diff::diff(&snapshot.schema, schema, options).map_err(MigrateError::Refused)?
            }
        };
        if plan.is_empty() {
            return Ok(Generated::NoChanges);
        }
        let first = journal.entries.last().map_or(0, |e| e.idx + 1);
        let name = match name {
            Some(name) => sanitize_name(name)?,
            None if previous.is_none() => "init".to_string(),
            None => default_name(&plan),
        };
        let mut files = Vec::new();
        let tag = format!("{first:04}_{name}");
        if !plan.steps.is_empty() || plan.online.is_empty() {
            let sql = if previous.is_none() {
                migration_sql(&tag, &plan.steps)
            } else {
                diff_sql(&tag, &plan.steps, false)
            };
            files.push((tag.clone(), sql));
        }
        if !plan.online.is_empty() {
            let idx = first + files.len() as u32;
            let online_tag = format!("{idx:04}_{name}_online");
            files.push((
                online_tag.clone(),
                diff_sql(&online_tag, &plan.online, true),
            ));
        }
        let snapshot = Snapshot::new(schema.clone()).to_json();
        let before = previous.map(|s| s.schema).unwrap_or_default();
        let (down, down_online) = down::down_files(&tag_of_first(&files), &before, schema);
        let down_checksum = {
            let mut text = down.clone();
            text.push_str(down_online.as_deref().unwrap_or(""));
            checksum(text.as_bytes())
        };
        let mut journal = journal;
        fs::create_dir_all(self.meta()).map_err(|e| MigrateError::Io {
            path: self.meta(),
            source: e,
        })?;
        let mut written = Vec::new();
        for (i, (tag, sql)) in files.iter().enumerate() {
            let idx = first + i as u32;
            journal.entries.push(JournalEntry {
                idx,
                tag: tag.clone(),
                checksum: checksum(sql.as_bytes()),
                custom: false,
                down: (i == 0).then(|| down_checksum.clone()),
            });
            let sql_path = self.sql_path(tag);
            let snapshot_path = self.snapshot_path(idx);
            write_new(&sql_path, sql.as_bytes())?;
            write_new(&snapshot_path, snapshot.as_bytes())?;
            if i == 0 {
                let (down_path, online_path) = self.down_paths(tag);
                write_new(&down_path, down.as_bytes())?;
                if let Some(online) = &down_online {
                    write_new(&online_path, online.as_bytes())?;
                }
            }
            written.push(Written {
                tag: tag.clone(),
                sql_path,
                snapshot_path,
            });
        }
        // The journal goes last: it is what makes the migrations exist.
        write_atomic(&self.journal_path(), journal.to_json().as_bytes())?;
        let mut all = plan.steps.clone();
        all.extend(plan.online.iter().cloned());
        Ok(Generated::Written {
            files: written,
            summary: Summary::of(&all),
        })
    }

    /// Writes `NNNN_<name>.sql`, a migration to be written by hand (a data backfill, grants,
    /// functions: SQL the schema language does not express), registered in the journal as
    /// custom, with the newest snapshot again as its own (it changes no declared schema). It runs
    /// in order with the others, in a transaction of its own unless its first line is
    /// [`NO_TRANSACTION`]. Its checksum is taken when it is applied: edit it freely until then;
    /// edited after, `migrate` and `check` refuse it like any applied file. Left as written
    /// (the template alone), the runner refuses to apply it.
    pub fn generate_custom(&self, name: &str) -> Result<Written, MigrateError> {
        let name = sanitize_name(name)?;
        let mut journal = self.journal()?;
        let idx = journal.entries.last().map_or(0, |e| e.idx + 1);
        let tag = format!("{idx:04}_{name}");
        let schema = self
            .latest_snapshot()?
            .map(|snapshot| snapshot.schema)
            .unwrap_or_default();
        let sql = custom_template(&tag);
        fs::create_dir_all(self.meta()).map_err(|e| MigrateError::Io {
            path: self.meta(),
            source: e,
        })?;
        let sql_path = self.sql_path(&tag);
        let snapshot_path = self.snapshot_path(idx);
        write_new(&sql_path, sql.as_bytes())?;
        write_new(&snapshot_path, Snapshot::new(schema).to_json().as_bytes())?;
        journal.entries.push(JournalEntry {
            idx,
            tag: tag.clone(),
            checksum: checksum(sql.as_bytes()),
            custom: true,
            down: None,
        });
        // The journal goes last: it is what makes the migration exist.
        write_atomic(&self.journal_path(), journal.to_json().as_bytes())?;
        Ok(Written {
            tag,
            sql_path,
            snapshot_path,
        })
    }

    /// Removes the newest migration: its file, its snapshot and its journal entry; for a
    /// migration written as two files (`…_online`), both. Returns the tags removed.
    pub fn drop_newest(&self) -> Result<Vec<String>, MigrateError> {
        let mut journal = self.journal()?;
        let Some(newest) = journal.entries.pop() else {
            return Ok(Vec::new());
        };
        let mut removed = vec![newest];
        if let Some(main) = main_part(&removed[0].tag) {
            if journal
                .entries
                .last()
                .is_some_and(|e| name_part(&e.tag) == main)
            {
                removed.extend(journal.entries.pop());
            }
        }
        // The journal first: without its entry, the files are strays, never half a migration.
        write_atomic(&self.journal_path(), journal.to_json().as_bytes())?;
        for entry in &removed {
            let (down, down_online) = self.down_paths(&entry.tag);
            for path in [
                self.sql_path(&entry.tag),
                self.snapshot_path(entry.idx),
                down,
                down_online,
            ] {
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(MigrateError::Io { path, source: e }),
                }
            }
        }
        Ok(removed.into_iter().map(|e| e.tag).collect())
    }

    /// Whether the declared schema needs a migration that is not written yet.
    pub fn pending_changes(&self, schema: &Schema) -> Result<Option<Plan>, MigrateError> {
        let plan = match self.latest_snapshot()? {
            None => Plan {
                steps: render::create_all(schema),
                online: Vec::new(),
            },
            Some(snapshot) => diff::diff(
                &snapshot.schema,
                schema,
                DiffOptions {
                    allow_data_loss: true,
                },
            )
            .map_err(MigrateError::Refused)?,
        };
        Ok((!plan.is_empty()).then_some(plan))
    }
}

/// The tag of a migration's first file.
fn tag_of_first(files: &[(String, String)]) -> String {
    files
        .first()
        .map(|(tag, _)| tag.clone())
        .unwrap_or_default()
}

/// `0001_color` → `color`
fn name_part(tag: &str) -> &str {
    tag.split_once('_').map_or(tag, |(_, name)| name)
}

/// For the online part of a migration (`0002_color_online`), the name of its main part
/// (`color`).
pub fn main_part(tag: &str) -> Option<&str> {
    name_part(tag).strip_suffix("_online")
}

/// A name for a migration from what it does: `create_tags`, `alter_users`.
fn default_name(plan: &Plan) -> String {
    let first = plan
        .steps
        .iter()
        .chain(&plan.online)
        .find_map(|step| match step {
            Step::CreateTable(t) => Some(format!("create_{}", t.name)),
            Step::DropTable(q) => Some(format!("drop_{}", q.name)),
            Step::RenameTable { to, .. } => Some(format!("rename_{to}")),
            Step::CreateEnum(e) => Some(format!("create_{}", e.name)),
            Step::AddEnumValue { name, .. } => Some(format!("alter_{}", name.name)),
            Step::AddColumn { table, .. }
            | Step::DropColumn { table, .. }
            | Step::RenameColumn { table, .. }
            | Step::AlterColumnType { table, .. }
            | Step::SetNotNull { table, .. }
            | Step::NotNullCheck { table, .. }
            | Step::DropNotNull { table, .. }
            | Step::SetDefault { table, .. }
            | Step::DropDefault { table, .. }
            | Step::AddForeignKey { table, .. }
            | Step::AddUnique { table, .. }
            | Step::CreateUniqueIndex { table, .. }
            | Step::AddCheck { table, .. }
            | Step::CreateIndex { table, .. } => Some(format!("alter_{}", table.name)),
            _ => None,
        });
    first
        .map(|n| sanitize_name(&n).unwrap_or_else(|_| "migration".into()))
        .unwrap_or_else(|| "migration".into())
}

/// The marker on the first line of a file that must run outside a transaction.
pub const NO_TRANSACTION: &str = "-- migrate:no-transaction";

/// How long a migration statement waits for a lock before it gives up (so that a migration
/// never queues every other query of a busy table behind it).
pub const LOCK_TIMEOUT: &str = "5s";

/// How long a statement that holds a strong lock may run before it is cancelled: bounded, so that
/// a migration never holds a table for longer than this.
pub const STATEMENT_TIMEOUT: &str = "5min";

/// The text of a migration file after the first: the lock and statement timeouts, then each
/// statement with a comment when it locks, rewrites or loses data. In an online file the
/// statements that run long under weak locks (concurrent builds, validations) run with no
/// statement timeout, the others with [`STATEMENT_TIMEOUT`].
pub fn diff_sql(tag: &str, steps: &[Step], online: bool) -> String {
    let mut sql = String::new();
    if online {
        sql.push_str(NO_TRANSACTION);
        sql.push('\n');
    }
    sql.push_str(&format!(
        "-- Migration {tag}\n-- Generated by gen-migrations from the declared schema; review it before applying.\n"
    ));
    if online {
        sql.push_str("-- Runs outside a transaction, one statement at a time: each one is online (no long locks).\n");
        sql.push_str(&format!("\nSET lock_timeout = '{LOCK_TIMEOUT}';\n"));
    } else {
        sql.push_str(&format!(
            "\nSET LOCAL lock_timeout = '{LOCK_TIMEOUT}';\nSET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}';\n"
        ));
    }
    let mut long = None;
    for step in steps {
        if online && long != Some(step.runs_long_online()) {
            long = Some(step.runs_long_online());
            let timeout = if step.runs_long_online() {
                "0".to_string()
            } else {
                format!("'{STATEMENT_TIMEOUT}'")
            };
            sql.push_str(&format!("\nSET statement_timeout = {timeout};\n"));
        }
        sql.push('\n');
        if let Some(warning) = step.warning() {
            sql.push_str(&format!("-- {warning}\n"));
        }
        sql.push_str(&step.sql());
        sql.push('\n');
    }
    sql
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

/// The text a custom migration starts as.
pub fn custom_template(tag: &str) -> String {
    format!(
        "-- {tag}: a custom migration, written by hand, for what the schema language does not\n\
         -- express (a data backfill, grants, functions). It runs in order with the generated ones,\n\
         -- inside a transaction of its own, with its journal row (a first line\n\
         -- `{NO_TRANSACTION}` runs it outside one, statement by statement).\n\
         -- Its checksum is taken when it is applied: edit it freely until then, never after.\n\
         -- Applying it as it is now, with no statement, is refused.\n"
    )
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
    /// One file, or two when part of the migration runs outside a transaction.
    Written {
        files: Vec<Written>,
        summary: Summary,
    },
}

#[derive(Debug)]
pub struct Written {
    pub tag: String,
    pub sql_path: PathBuf,
    pub snapshot_path: PathBuf,
}

/// Counts of what a migration does, for the command line's report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub tables_created: usize,
    pub tables_renamed: usize,
    pub tables_dropped: usize,
    pub columns_created: usize,
    pub columns_added: usize,
    pub columns_changed: usize,
    pub columns_dropped: usize,
    pub enums: usize,
    pub foreign_keys: usize,
    pub constraints: usize,
    pub indexes: usize,
    pub triggers: usize,
    pub extensions: usize,
}

impl Summary {
    pub fn of(steps: &[Step]) -> Self {
        let mut s = Summary::default();
        for step in steps {
            match step {
                Step::CreateExtension(_) | Step::DropExtension(_) => s.extensions += 1,
                Step::CreateNamespace(_) => {}
                Step::CreateEnum(_) | Step::DropEnum(_) | Step::AddEnumValue { .. } => s.enums += 1,
                Step::CreateTable(t) => {
                    s.tables_created += 1;
                    s.columns_created += t.columns.len();
                }
                Step::DropTable(_) => s.tables_dropped += 1,
                Step::RenameTable { .. } => s.tables_renamed += 1,
                Step::AddColumn { .. } => s.columns_added += 1,
                Step::DropColumn { .. } => s.columns_dropped += 1,
                Step::RenameColumn { .. }
                | Step::AlterColumnType { .. }
                | Step::SetNotNull { .. }
                | Step::DropNotNull { .. }
                | Step::SetDefault { .. }
                | Step::DropDefault { .. }
                | Step::AddIdentity { .. }
                | Step::DropIdentity { .. } => s.columns_changed += 1,
                Step::AddForeignKey { .. } => s.foreign_keys += 1,
                Step::AddPrimaryKey { .. }
                | Step::AddUnique { .. }
                | Step::AddCheck { .. }
                | Step::ValidateConstraint { .. }
                | Step::DropConstraint { .. }
                | Step::RenameConstraint { .. } => s.constraints += 1,
                Step::CreateIndex { .. } | Step::DropIndex { .. } | Step::RenameIndex { .. } => {
                    s.indexes += 1
                }
                Step::CreateTrigger { .. } | Step::DropTrigger { .. } => s.triggers += 1,
                // Counted with the `SET NOT NULL` and the `UNIQUE` constraint they serve.
                Step::NotNullCheck { .. } | Step::CreateUniqueIndex { .. } => {}
                Step::CreateTriggerFunction { .. } | Step::DropTriggerFunction { .. } => {}
            }
        }
        s
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            (self.tables_created, "table created", "tables created"),
            (self.columns_created, "column in them", "columns in them"),
            (self.tables_renamed, "table renamed", "tables renamed"),
            (self.tables_dropped, "table DROPPED", "tables DROPPED"),
            (self.columns_added, "column added", "columns added"),
            (self.columns_changed, "column change", "column changes"),
            (self.columns_dropped, "column DROPPED", "columns DROPPED"),
            (self.enums, "enum change", "enum changes"),
            (self.foreign_keys, "foreign key", "foreign keys"),
            (self.constraints, "constraint change", "constraint changes"),
            (self.indexes, "index change", "index changes"),
            (self.triggers, "trigger change", "trigger changes"),
            (self.extensions, "extension", "extensions"),
        ];
        let text: Vec<String> = parts
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
            .collect();
        f.write_str(&text.join(", "))
    }
}
