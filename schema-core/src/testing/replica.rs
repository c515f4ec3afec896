//! A primary and a hot standby streaming from it, as PostgreSQL's own replication makes them:
//! `pg_basebackup -R` of a running primary, started as a standby.

use std::path::Path;
use std::process::{Command, Stdio};

use super::binaries::{major_version, unprivileged_ids};
use super::cluster::{as_user, private_dir, start_custom_server_in, start_watchdog};
use super::{err, find_bin_dirs, LocalServer, ServerSetup, TestingError};

/// A primary and a hot standby of it, from one local build; both stop, and their folders go,
/// when this is dropped. Neither is shared with other tests: a test may stop the standby or
/// pause its replay.
#[derive(Debug)]
pub struct ReplicaPair {
    pub primary: LocalServer,
    pub standby: LocalServer,
}

impl ReplicaPair {
    /// A pair from the build in `bin_dir`.
    pub fn start(bin_dir: &Path) -> Result<ReplicaPair, TestingError> {
        ReplicaPair::start_with(bin_dir, &ServerSetup::default())
    }

    /// A pair from the build in `bin_dir`, both servers with `setup` (its files and
    /// `pg_hba.conf` reach the standby through the base backup; its `pg_hba.conf` must let
    /// `postgres` connect for replication from 127.0.0.1).
    pub fn start_with(bin_dir: &Path, setup: &ServerSetup) -> Result<ReplicaPair, TestingError> {
        // The test clusters commit without waiting for the WAL flush; the WAL writer flushing
        // often keeps what the standby receives close behind.
        let mut setup = setup.clone();
        setup
            .settings
            .push(("wal_writer_delay".into(), "10ms".into()));
        let primary = start_custom_server_in(bin_dir, &setup)?;
        let extra: String = setup
            .settings
            .iter()
            .map(|(name, value)| format!(" -c {name}={value}"))
            .collect();
        let major = major_version(bin_dir)?;
        let ids = unprivileged_ids();
        let root = private_dir(&format!("pg{major}-standby"), ids)?;
        let standby = copy_and_start(bin_dir, major, ids, &root, primary.port(), &extra)
            .inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&root);
            })?;
        Ok(ReplicaPair { primary, standby })
    }

    /// One pair per PostgreSQL build found (see [`find_bin_dirs`]), oldest first.
    pub fn start_all() -> Result<Vec<ReplicaPair>, TestingError> {
        find_bin_dirs()?
            .iter()
            .map(|dir| ReplicaPair::start(dir))
            .collect()
    }

    /// The URL of database `name` on the standby.
    pub fn standby_url(&self, name: &str) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/{name}",
            self.standby.port()
        )
    }

    /// The URL of database `name` on the primary.
    pub fn primary_url(&self, name: &str) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/{name}",
            self.primary.port()
        )
    }
}

/// `pg_basebackup -R` of the primary on `primary_port` into `root/data`, started as a standby.
fn copy_and_start(
    bin_dir: &Path,
    major: u32,
    ids: Option<(u32, u32)>,
    root: &Path,
    primary_port: u16,
    extra: &str,
) -> Result<LocalServer, TestingError> {
    let mut backup = Command::new(bin_dir.join("pg_basebackup"));
    backup
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &primary_port.to_string(),
            "-U",
            "postgres",
        ])
        .arg("-D")
        .arg(root.join("data"))
        .args(["-R", "-X", "stream", "--checkpoint=fast", "--no-sync"])
        // libpq looks for a client certificate under $HOME, which the unprivileged user may not
        // read: a home of its own.
        .env("HOME", root)
        .stdin(Stdio::null());
    as_user(&mut backup, ids);
    let out = backup.output().map_err(|e| {
        err(format!(
            "cannot run {}/pg_basebackup: {e}",
            bin_dir.display()
        ))
    })?;
    if !out.status.success() {
        return Err(err(format!(
            "pg_basebackup in {} failed:\n{}{}",
            bin_dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    start_watchdog(bin_dir, major, ids, root, extra)
}
