//! Read replicas on PostgreSQL's own streaming replication: [`Replicated`], a handle over a
//! primary and its hot standbys. Reads go to the replicas, in turn; writes, transactions and
//! anything that is not plainly a read go to the primary.
//!
//! A replica is skipped while it is down (tried again after a backoff that doubles) or while
//! its replay lags more than [`ReplicaOptions::max_lag`] behind the primary, measured against
//! the primary's WAL position sampled over time. With
//! [`ReplicaOptions::read_your_writes`], a read after a write through the handle waits until a
//! replica has replayed the primary's WAL up to that write (`pg_last_wal_replay_lsn()`), up to a
//! bound, then goes to the primary. A read that fails on a replica because the replica went away
//! (or refused it as a standby must) is run on the primary: reads have no effects to repeat.
//! Every decision is a `tracing` event of target `schema_core::replicas`.

mod lag;
mod options;
#[cfg(all(feature = "pool", feature = "tls"))]
mod pool;

pub use options::ReplicaOptions;
#[cfg(all(feature = "pool", feature = "tls"))]
pub use pool::ReplicatedPool;

use std::collections::VecDeque;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio_postgres::Client;

use super::cache::Cache;
use super::run::{run_on, Fetched, Params, Want};
use super::{Db, Error, Executor, Tx};

/// A primary and its read replicas (hot standbys, Neon read replicas): see the module's
/// documentation. Each server's URL gets its own TLS and pooler mode, as [`Db::connect`] does.
pub struct Replicated {
    primary: Db,
    replicas: Vec<Replica>,
    /// What the handles of one [`ReplicatedPool`] share: the rotation, the replicas' health,
    /// the primary's positions and the writes.
    shared: Arc<Shared>,
}

struct Shared {
    options: ReplicaOptions,
    next: AtomicUsize,
    /// How many writes went through the handle (with read-your-writes).
    writes: AtomicU64,
    state: Mutex<Samples>,
}

impl Shared {
    fn new(options: ReplicaOptions) -> Arc<Shared> {
        Arc::new(Shared {
            options,
            next: AtomicUsize::new(0),
            writes: AtomicU64::new(0),
            state: Mutex::new(Samples::default()),
        })
    }
}

/// The primary's WAL position over time, to tell how far behind a replica's replay is.
#[derive(Default)]
struct Samples {
    last_check: Option<Instant>,
    /// `(position, when)`, oldest first.
    positions: VecDeque<(u64, Instant)>,
    /// The position reads must see (read-your-writes): the newest write's, at least.
    target: u64,
    /// How many of the handle's writes `target` covers.
    covered: u64,
}

struct Replica {
    /// `host:port`, for logs: never the URL, which may hold a password.
    name: String,
    source: Arc<Source>,
    db: Mutex<Option<Arc<Db>>>,
    health: Arc<Mutex<Health>>,
}

/// Where a replica's connections come from.
enum Source {
    Url(String),
    #[cfg(all(feature = "pool", feature = "tls"))]
    Pool(super::DbPool),
}

impl Source {
    async fn connect(&self) -> Result<Db, Error> {
        match self {
            Source::Url(url) => Db::connect(url).await,
            #[cfg(all(feature = "pool", feature = "tls"))]
            Source::Pool(pool) => pool.get().await,
        }
    }
}

#[derive(Default)]
struct Health {
    /// Down (failed) until then.
    down_until: Option<Instant>,
    failures: u32,
    /// Lagging more than `max_lag` at the last measure.
    lagging: bool,
    /// The newest replay position seen.
    replayed: u64,
}

/// Where a read runs: the primary, or a replica that can serve it.
pub enum Reader<'a> {
    Primary(&'a Db),
    Replica(Arc<Db>),
}

impl Deref for Reader<'_> {
    type Target = Db;

    fn deref(&self) -> &Db {
        match self {
            Reader::Primary(db) => db,
            Reader::Replica(db) => db,
        }
    }
}

impl fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reader::Primary(_) => f.write_str("Reader::Primary"),
            Reader::Replica(_) => f.write_str("Reader::Replica"),
        }
    }
}

/// What a replica looks like to the handle now, for status pages and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplicaStatus {
    /// `host:port`.
    pub name: String,
    pub connected: bool,
    /// Skipped after a failure, until its backoff ends.
    pub down: bool,
    /// Skipped: its replay lagged more than `max_lag` at the last measure.
    pub lagging: bool,
}

impl fmt::Debug for Replicated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replicated")
            .field("primary", &self.primary)
            .field("replicas", &self.status())
            .finish()
    }
}

/// `host:port` of a connection string, for logs.
fn server_name(url: &str) -> String {
    match url.parse::<tokio_postgres::Config>() {
        Ok(config) => {
            let host = match config.get_hosts().first() {
                Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
                #[cfg(unix)]
                Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
                None => "localhost".to_string(),
            };
            let port = config.get_ports().first().copied().unwrap_or(5432);
            format!("{host}:{port}")
        }
        Err(_) => "(an invalid URL)".to_string(),
    }
}

/// A replica's error that says the replica cannot serve now (it went away, is shutting down or
/// starting, or the connection broke): it is skipped for a while.
fn replica_failed(error: &Error) -> bool {
    match error.db_error() {
        None => matches!(error, Error::Database { .. } | Error::Broken(_)),
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08") || code.starts_with("57P")
        }
    }
}

/// A replica's error that a standby must give and the primary would not: a statement that
/// writes after all (`nextval`, say), or one cancelled by a conflict with replay.
fn primary_only(error: &Error) -> bool {
    error.db_error().is_some_and(|db| {
        let code = db.code().code();
        code == "25006" || (code == "40001" && db.message().contains("conflict with recovery"))
    })
}

impl Replicated {
    /// Connects to the primary (an error when it cannot) and to each replica (a replica that
    /// cannot be reached is skipped, and tried again later), with the default options.
    pub async fn connect(primary_url: &str, replica_urls: &[&str]) -> Result<Replicated, Error> {
        Replicated::connect_with(primary_url, replica_urls, ReplicaOptions::default()).await
    }

    /// [`Replicated::connect`] with `options`.
    pub async fn connect_with(
        primary_url: &str,
        replica_urls: &[&str],
        options: ReplicaOptions,
    ) -> Result<Replicated, Error> {
        let primary = Db::connect(primary_url).await?;
        let replicas = replica_urls
            .iter()
            .map(|url| Replica {
                name: server_name(url),
                source: Arc::new(Source::Url(url.to_string())),
                db: Mutex::new(None),
                health: Arc::new(Mutex::new(Health::default())),
            })
            .collect();
        let set = Replicated {
            primary,
            replicas,
            shared: Shared::new(options),
        };
        for replica in &set.replicas {
            set.connected(replica).await;
        }
        Ok(set)
    }

    /// The primary: for a read that must see the newest data whatever the options, and for
    /// what a replica cannot do.
    pub fn primary(&self) -> &Db {
        &self.primary
    }

    /// A server for reads: a replica that is up, not lagging and (with read-your-writes) has
    /// replayed the newest write, in turn; the primary when none is. Several reads on one reader
    /// see one server's data.
    pub async fn reader(&self) -> Reader<'_> {
        match self.choose_replica().await {
            Some(db) => Reader::Replica(db),
            None => Reader::Primary(&self.primary),
        }
    }

    /// Runs `f` in a transaction on the primary (see [`Db::transaction`]).
    pub async fn transaction<R, E>(
        &mut self,
        f: impl AsyncFnOnce(&mut Tx<'_>) -> Result<R, E>,
    ) -> Result<R, E>
    where
        E: From<Error>,
    {
        self.transaction_with(super::TxOptions::new(), f).await
    }

    /// Runs `f` in a transaction on the primary with these options (see
    /// [`Db::transaction_with`]).
    pub async fn transaction_with<R, E>(
        &mut self,
        options: super::TxOptions,
        f: impl AsyncFnOnce(&mut Tx<'_>) -> Result<R, E>,
    ) -> Result<R, E>
    where
        E: From<Error>,
    {
        self.note_write();
        let result = self.primary.transaction_with(options, f).await;
        self.note_write();
        result
    }

    /// Logs parameter values in the `schema_core::sql` events, on every server (see
    /// [`Db::log_parameters`]).
    pub fn log_parameters(&self, on: bool) {
        self.primary.log_parameters(on);
        for replica in &self.replicas {
            if let Some(db) = replica
                .db
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
            {
                db.log_parameters(on);
            }
        }
    }

    /// How each replica looks now, in the order given.
    pub fn status(&self) -> Vec<ReplicaStatus> {
        let now = Instant::now();
        self.replicas
            .iter()
            .map(|replica| {
                let health = replica.health.lock().unwrap_or_else(|e| e.into_inner());
                ReplicaStatus {
                    name: replica.name.clone(),
                    connected: replica
                        .db
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .is_some(),
                    down: health.down_until.is_some_and(|until| until > now),
                    lagging: health.lagging,
                }
            })
            .collect()
    }

    fn note_write(&self) {
        if self.shared.options.read_your_writes {
            self.shared.writes.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Runs a statement: a read on a replica that can serve it (on the primary when none can,
    /// or when the replica fails it), anything else on the primary.
    pub(super) async fn run(
        &self,
        sql: &str,
        params: Params<'_>,
        want: Want,
    ) -> Result<Fetched, Error> {
        let read = !self.replicas.is_empty()
            && !self.primary.in_transaction()
            && crate::sql::lex::is_read_only(sql);
        if read {
            if let Some(db) = self.choose_replica().await {
                match run_on(&*db, sql, params, want).await {
                    Err(error) if replica_failed(&error) => {
                        self.failed(&db, &error);
                    }
                    Err(error) if primary_only(&error) => {
                        tracing::debug!(target: "schema_core::replicas", sql, "a replica cannot run this read: run on the primary");
                    }
                    other => return other,
                }
            }
            return run_on(&self.primary, sql, params, want).await;
        }
        // Counted before (a future dropped while it runs may still have written) and after (the
        // position of a read that asked meanwhile may predate the write).
        self.note_write();
        let result = run_on(&self.primary, sql, params, want).await;
        self.note_write();
        result
    }

    /// The replica the next read goes to, if one can serve it.
    async fn choose_replica(&self) -> Option<Arc<Db>> {
        if self.replicas.is_empty() {
            return None;
        }
        self.measure_if_due().await;
        let target = self.read_target().await;
        let deadline = Instant::now() + self.shared.options.wait_for_replay;
        let start = self.shared.next.fetch_add(1, Ordering::Relaxed);
        let count = self.replicas.len();
        if self.shared.options.read_from_primary && start % (count + 1) == count {
            tracing::trace!(target: "schema_core::replicas", "read on the primary, by turn");
            return None;
        }
        for step in 0..count {
            let replica = &self.replicas[(start + step) % count];
            {
                let health = replica.health.lock().unwrap_or_else(|e| e.into_inner());
                if health.lagging {
                    tracing::debug!(target: "schema_core::replicas", replica = %replica.name, "skipped: it lags");
                    continue;
                }
                if health
                    .down_until
                    .is_some_and(|until| until > Instant::now())
                {
                    continue;
                }
            }
            let Some(db) = self.connected(replica).await else {
                continue;
            };
            if let Some(target) = target {
                if !self.replayed(replica, &db, target, deadline).await {
                    tracing::debug!(target: "schema_core::replicas", replica = %replica.name, "skipped: it has not replayed the newest write");
                    continue;
                }
            }
            tracing::trace!(target: "schema_core::replicas", replica = %replica.name, "read on a replica");
            return Some(db);
        }
        tracing::debug!(target: "schema_core::replicas", "no replica can serve the read: run on the primary");
        None
    }

    /// The replica's connection, made anew when it has none (and its backoff is over).
    async fn connected(&self, replica: &Replica) -> Option<Arc<Db>> {
        if let Some(db) = replica.db.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            if !db.client().is_closed() {
                return Some(db);
            }
        }
        let made = tokio::time::timeout(
            self.shared.options.connect_timeout,
            replica.source.connect(),
        )
        .await
        .unwrap_or_else(|_| {
            Err(Error::Broken(format!(
                "no connection within {:?}",
                self.shared.options.connect_timeout
            )))
        })
        .inspect(|db| db.log_parameters(Executor::log_parameters(&self.primary)));
        match made {
            Ok(db) => {
                let db = Arc::new(db);
                *replica.db.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&db));
                let mut health = replica.health.lock().unwrap_or_else(|e| e.into_inner());
                if health.failures > 0 {
                    tracing::info!(target: "schema_core::replicas", replica = %replica.name, "connected again: back in use");
                }
                health.down_until = None;
                health.failures = 0;
                Some(db)
            }
            Err(error) => {
                self.mark_down(replica, &error);
                None
            }
        }
    }

    /// A statement on `db` failed in a way that says its replica cannot serve now.
    fn failed(&self, db: &Arc<Db>, error: &Error) {
        if let Some(replica) = self.replicas.iter().find(|r| {
            r.db.lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .is_some_and(|d| Arc::ptr_eq(d, db))
        }) {
            self.mark_down(replica, error);
        }
    }

    fn mark_down(&self, replica: &Replica, error: &Error) {
        *replica.db.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let mut health = replica.health.lock().unwrap_or_else(|e| e.into_inner());
        let backoff = self.shared.options.retry_after * 2u32.pow(health.failures.min(5));
        health.failures += 1;
        health.down_until = Some(Instant::now() + backoff);
        tracing::warn!(target: "schema_core::replicas", replica = %replica.name, retry_in = ?backoff, error = %error, "replica down: skipped");
    }
}

impl Executor for Replicated {
    fn connection(&self) -> (&Client, Cache<'_>) {
        self.primary.connection()
    }

    fn log_parameters(&self) -> bool {
        Executor::log_parameters(&self.primary)
    }

    fn in_transaction(&self) -> bool {
        self.primary.in_transaction()
    }

    fn note_raw_transaction(&self, open: bool) {
        self.primary.note_raw_transaction(open)
    }

    fn note_broken(&self) {
        self.primary.note_broken()
    }

    fn replicated(&self) -> Option<&Replicated> {
        Some(self)
    }
}
