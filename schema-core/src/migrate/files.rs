//! The migrations folder: reading snapshots, the journal and SQL files; writing a new migration
//! (deterministic bytes, written atomically, never over a file the journal does not know).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{
    checksum, custom_template, diff, diff_sql, down, migration_sql, render, DiffOptions, Journal,
    JournalEntry, MigrateError, Plan, Snapshot, Step, Summary, FORMAT_VERSION,
};
use crate::schema::Schema;

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
    /// [`NO_TRANSACTION`](super::NO_TRANSACTION). Its checksum is taken when it is applied: edit it freely until then;
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
            Step::CreateSequence(s) => Some(format!("create_{}", s.name)),
            Step::CreateDomain(d) => Some(format!("create_{}", d.name)),
            Step::CreateView(v) => Some(format!("create_{}", v.relation.name)),
            Step::CreateFunction(f) => Some(format!("create_{}", f.name)),
            Step::AddEnumValue { name, .. } => Some(format!("alter_{}", name.name)),
            Step::AddColumn { table, .. }
            | Step::DropColumn { table, .. }
            | Step::RegenerateColumn { table, .. }
            | Step::DropExpression { table, .. }
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
            | Step::CreateIndex { table, .. }
            | Step::SetRowSecurity { table, .. }
            | Step::CreatePolicy { table, .. }
            | Step::DropPolicy { table, .. }
            | Step::Comment { table, .. }
            | Step::Grant { table, .. }
            | Step::Revoke { table, .. }
            | Step::AddTrigger { table, .. }
            | Step::AddForeignKeyChecked { table, .. }
            | Step::CreateIndexOnOnly { table, .. } => Some(format!("alter_{}", table.name)),
            Step::CreatePartition { parent, .. } | Step::AttachPartition { parent, .. } => {
                Some(format!("alter_{}", parent.name))
            }
            _ => None,
        });
    first
        .map(|n| sanitize_name(&n).unwrap_or_else(|_| "migration".into()))
        .unwrap_or_else(|| "migration".into())
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
