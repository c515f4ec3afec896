//! Throwaway clusters: `initdb` and `postgres` in a private folder, as `nobody` under root,
//! watched by a shell that removes the folder when this process exits, however it exits.

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio_postgres::Config;

use super::binaries::{build_has_extension, major_version, unprivileged_ids};
use super::{err, find_bin_dirs, Target, TestingError};

/// A PostgreSQL cluster started by this process from local binaries.
#[derive(Debug)]
pub struct LocalServer {
    pub(super) bin_dir: PathBuf,
    pub(super) major: u32,
    port: u16,
    /// The cluster's folder (its data folder is `data/` inside).
    root: PathBuf,
    /// The watchdog shell; its stdin is our end of a pipe, so it ends the server when we exit.
    _watchdog: Mutex<Child>,
}

impl LocalServer {
    /// The cluster as a [`Target`] for [`TestDb::on`](super::TestDb::on), when it lives as long as the program
    /// (leak a custom server with `Box::leak` to use it so).
    pub fn target(&'static self) -> Target {
        Target::Local(self)
    }

    /// The PostgreSQL major version, such as 15 or 18.
    pub fn major_version(&self) -> u32 {
        self.major
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server at once, as a crash or a power cut would (an immediate shutdown: no
    /// checkpoint, every connection cut), and starts it again on the same data; returns once it
    /// accepts connections, after its crash recovery. For a server of the test's own
    /// ([`start_custom_server`]): every connection to it breaks.
    pub fn crash_and_restart(&self) -> Result<(), TestingError> {
        let pid_file = self.root.join("data").join("postmaster.pid");
        let read_pid = || -> Option<String> {
            let text = std::fs::read_to_string(&pid_file).ok()?;
            let ready = text.lines().nth(7).map(str::trim) == Some("ready");
            ready.then(|| text.lines().next().unwrap_or_default().trim().to_string())
        };
        let old = read_pid().ok_or_else(|| err("the server is not running"))?;
        std::fs::write(self.root.join("restart"), b"")
            .map_err(|e| err(format!("cannot ask for a restart: {e}")))?;
        let killed = Command::new("kill")
            .args(["-QUIT", &old])
            .status()
            .map_err(|e| err(format!("cannot run kill: {e}")))?;
        if !killed.success() {
            return Err(err(format!("cannot signal the server (pid {old})")));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if read_pid().is_some_and(|pid| pid != old) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(err("the server did not start again within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server (a fast shutdown: connections are cut, nothing is lost) and keeps it
    /// stopped until [`LocalServer::start_again`]; returns once it is down. For a server of the
    /// test's own.
    pub fn stop_for_now(&self) -> Result<(), TestingError> {
        let pid_file = self.root.join("data").join("postmaster.pid");
        let text =
            std::fs::read_to_string(&pid_file).map_err(|_| err("the server is not running"))?;
        let pid = text.lines().next().unwrap_or_default().trim().to_string();
        for flag in ["held", "restart"] {
            std::fs::write(self.root.join(flag), b"")
                .map_err(|e| err(format!("cannot hold the server: {e}")))?;
        }
        let signalled = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .map_err(|e| err(format!("cannot run kill: {e}")))?;
        if !signalled.success() {
            return Err(err(format!("cannot signal the server (pid {pid})")));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while pid_file.exists() {
            if Instant::now() > deadline {
                return Err(err("the server did not stop within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Starts a server stopped by [`LocalServer::stop_for_now`] again, on the same data and
    /// port; returns once it accepts connections.
    pub fn start_again(&self) -> Result<(), TestingError> {
        std::fs::remove_file(self.root.join("held"))
            .map_err(|e| err(format!("the server is not held: {e}")))?;
        let pid_file = self.root.join("data").join("postmaster.pid");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !accepts_connections(&pid_file) {
            if Instant::now() > deadline {
                return Err(err("the server did not start again within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Whether the build ships extension `name` (whether `CREATE EXTENSION` can work).
    pub fn has_extension(&self, name: &str) -> bool {
        build_has_extension(&self.bin_dir, name)
    }

    pub(super) fn admin_config(&self) -> Config {
        let mut config = Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user("postgres")
            .dbname("postgres");
        config
    }
}

static SERVERS: OnceLock<Result<Vec<LocalServer>, TestingError>> = OnceLock::new();

/// The local clusters, started on first use (one per build found).
pub fn local_servers() -> Result<&'static [LocalServer], TestingError> {
    SERVERS
        .get_or_init(|| {
            let dirs = find_bin_dirs()?;
            dirs.iter().map(|dir| start_server(dir)).collect()
        })
        .as_ref()
        .map(|v| v.as_slice())
        .map_err(Clone::clone)
}

fn start_server(bin_dir: &Path) -> Result<LocalServer, TestingError> {
    start_server_with(bin_dir, &ServerSetup::default())
}

/// What a cluster of its own needs beyond the defaults: files in its data folder (a TLS key
/// and certificate), settings, and its `pg_hba.conf`.
#[derive(Debug, Clone, Default)]
pub struct ServerSetup {
    /// Files written into the data folder, readable by the server only.
    pub files: Vec<(String, Vec<u8>)>,
    /// `-c name=value` settings (`ssl=on`, `ssl_cert_file=server.crt`…).
    pub settings: Vec<(String, String)>,
    /// The whole `pg_hba.conf`, replacing initdb's.
    pub hba: Option<String>,
}

/// Starts a cluster of its own (not shared with other tests) from the oldest local build; it
/// stops, and its folder goes, when the returned server is dropped.
pub fn start_custom_server(setup: &ServerSetup) -> Result<LocalServer, TestingError> {
    let dirs = find_bin_dirs()?;
    start_server_with(&dirs[0], setup)
}

/// Starts a cluster of its own from the build in `bin_dir`; see [`start_custom_server`].
pub fn start_custom_server_in(
    bin_dir: &Path,
    setup: &ServerSetup,
) -> Result<LocalServer, TestingError> {
    start_server_with(bin_dir, setup)
}

/// A new folder under the temporary directory, named for `what` and this process, owned by the
/// unprivileged user the servers run as (when running as root).
pub(super) fn private_dir(what: &str, ids: Option<(u32, u32)>) -> Result<PathBuf, TestingError> {
    let root = std::env::temp_dir().join(format!(
        "schema-core-{what}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&root)
        .map_err(|e| err(format!("cannot create {}: {e}", root.display())))?;
    if let Some((uid, gid)) = ids {
        std::os::unix::fs::chown(&root, Some(uid), Some(gid))
            .map_err(|e| err(format!("cannot hand {} to uid {uid}: {e}", root.display())))?;
    }
    Ok(root)
}

fn start_server_with(bin_dir: &Path, setup: &ServerSetup) -> Result<LocalServer, TestingError> {
    let major = major_version(bin_dir)?;
    let ids = unprivileged_ids();
    let root = private_dir(&format!("pg{major}"), ids)?;
    initdb_and_start(bin_dir, major, ids, &root, setup).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&root);
    })
}

/// Runs `cmd` as the unprivileged user, when there is one.
pub(super) fn as_user(cmd: &mut Command, ids: Option<(u32, u32)>) {
    if let Some((uid, gid)) = ids {
        cmd.uid(uid).gid(gid);
    }
}

fn initdb_and_start(
    bin_dir: &Path,
    major: u32,
    ids: Option<(u32, u32)>,
    root: &Path,
    setup: &ServerSetup,
) -> Result<LocalServer, TestingError> {
    let data = root.join("data");

    let mut initdb = Command::new(bin_dir.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ])
        .stdin(Stdio::null());
    as_user(&mut initdb, ids);
    let out = initdb.output().map_err(|e| {
        err(format!(
            "cannot run {}/initdb: {e}{}",
            bin_dir.display(),
            if ids.is_some() {
                " (as user nobody: the binaries must be readable by everyone)"
            } else {
                ""
            }
        ))
    })?;
    if !out.status.success() {
        return Err(err(format!(
            "initdb in {} failed{}:\n{}{}",
            bin_dir.display(),
            if ids.is_some() {
                " (run as user nobody, so the binaries must be readable by everyone)"
            } else {
                ""
            },
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }

    for (name, bytes) in &setup.files {
        write_private(&data.join(name), bytes, ids)?;
    }
    if let Some(hba) = &setup.hba {
        write_private(&data.join("pg_hba.conf"), hba.as_bytes(), ids)?;
    }
    let extra: String = setup
        .settings
        .iter()
        .map(|(name, value)| format!(" -c {name}={value}"))
        .collect();
    start_watchdog(bin_dir, major, ids, root, &extra)
}

/// Starts `postgres` on the data folder `root/data` under a watchdog shell, and returns once it
/// accepts connections (a primary, or a hot standby).
pub(super) fn start_watchdog(
    bin_dir: &Path,
    major: u32,
    ids: Option<(u32, u32)>,
    root: &Path,
    extra: &str,
) -> Result<LocalServer, TestingError> {
    let data = root.join("data");
    let port = free_port()?;
    // The watchdog: starts postgres, and when our end of its stdin closes (this process
    // exited, even by a signal) stops it and removes the cluster's folder.
    // It ignores the signals that end a whole process group (Ctrl-C, `timeout`, `kill -- -pgid`),
    // so that it is still there to clean up; postgres sets its own handlers.
    // A server that exits while `$PG_ROOT/restart` exists (see `LocalServer::crash_and_restart`)
    // is started again on the same data, once `$PG_ROOT/held` is gone (see
    // `LocalServer::stop_for_now`).
    let script = r#"
trap '' HUP INT TERM
exec 3<&0
( cat <&3 >/dev/null; touch "$PG_ROOT/stop"; kill -INT "$(head -n 1 "$PG_ROOT/data/postmaster.pid" 2>/dev/null)" 2>/dev/null ) &
while :; do
    "$PG_BIN_DIR/postgres" -D "$PG_ROOT/data" -p "$PG_PORT" -k "$PG_ROOT" \
        -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB $PG_EXTRA \
        >>"$PG_ROOT/server.log" 2>&1 &
    pid=$!
    [ -e "$PG_ROOT/stop" ] && kill -INT "$pid" 2>/dev/null
    wait "$pid"
    if [ -e "$PG_ROOT/restart" ] && [ ! -e "$PG_ROOT/stop" ]; then
        rm -f "$PG_ROOT/restart"
        while [ -e "$PG_ROOT/held" ] && [ ! -e "$PG_ROOT/stop" ]; do sleep 0.05; done
        [ -e "$PG_ROOT/stop" ] && break
        continue
    fi
    break
done
rm -rf "$PG_ROOT"
"#;
    let mut watchdog = Command::new("sh");
    watchdog
        .args(["-c", script])
        .env("PG_BIN_DIR", bin_dir)
        .env("PG_ROOT", root)
        .env("PG_PORT", port.to_string())
        .env("PG_EXTRA", extra)
        // A standby's WAL receiver is a libpq client, which looks for a certificate under $HOME:
        // the cluster's folder, which its user can read.
        .env("HOME", root)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    as_user(&mut watchdog, ids);
    let mut child = watchdog
        .spawn()
        .map_err(|e| err(format!("cannot start postgres: {e}")))?;

    let pid_file = data.join("postmaster.pid");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if accepts_connections(&pid_file) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut log = String::new();
            let _ = std::fs::File::open(root.join("server.log"))
                .and_then(|mut f| f.read_to_string(&mut log));
            return Err(err(format!(
                "postgres from {} exited ({status}):\n{log}",
                bin_dir.display()
            )));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(err(format!(
                "postgres from {} did not start within 60 s",
                bin_dir.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(LocalServer {
        bin_dir: bin_dir.to_path_buf(),
        major,
        port,
        root: root.to_path_buf(),
        _watchdog: Mutex::new(child),
    })
}

/// Whether the server of `pid_file` accepts connections: postmaster.pid's eighth line is the
/// server's status, "ready" (or "standby", a hot standby) once it does.
fn accepts_connections(pid_file: &Path) -> bool {
    std::fs::read_to_string(pid_file).is_ok_and(|text| {
        matches!(
            text.lines().nth(7).map(str::trim),
            Some("ready" | "standby")
        )
    })
}

/// Writes a file only its owner (the server's user) can read, as PostgreSQL wants its key.
pub(super) fn write_private(
    path: &Path,
    bytes: &[u8],
    ids: Option<(u32, u32)>,
) -> Result<(), TestingError> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |e: std::io::Error| err(format!("cannot write {}: {e}", path.display()));
    std::fs::write(path, bytes).map_err(fail)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
    if let Some((uid, gid)) = ids {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(fail)?;
    }
    Ok(())
}

pub(super) fn free_port() -> Result<u16, TestingError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| err(format!("no free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| err(format!("no free port: {e}")))
}
