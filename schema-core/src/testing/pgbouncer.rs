//! A real PgBouncer in front of a test server, for the pooler mode's tests.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::binaries::unprivileged_ids;
use super::cluster::{free_port, private_dir, write_private};
use super::{err, TestingError};

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
