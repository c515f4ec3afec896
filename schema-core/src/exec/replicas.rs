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

use std::collections::VecDeque;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_postgres::{Client, Row};

use super::cache::Cache;
use super::run::{run_on, Want};
use super::{Db, Error, Executor, Tx};

/// How a [`Replicated`] handle chooses and watches its replicas.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReplicaOptions {
    /// A replica whose replay is further behind the primary than this is skipped (5 s).
    pub max_lag: Duration,
    /// How often, at the most, the replicas' lag is measured (1 s); a read that finds the last
    /// measure older does it first.
    pub check_every: Duration,
    /// After a write through the handle, reads wait until a replica has replayed it (off).
    pub read_your_writes: bool,
    /// How long such a read waits for a replica before it goes to the primary (1 s).
    pub wait_for_replay: Duration,
    /// A replica that failed is tried again after this, doubled at each failure in a row up to
    /// 32 times (1 s).
    pub retry_after: Duration,
    /// How long connecting to a replica, or measuring it, may take (5 s).
    pub connect_timeout: Duration,
    /// The primary takes its turn at reads too, as one more server of the rotation (off: it
    /// reads only when no replica can).
    pub read_from_primary: bool,
}

impl Default for ReplicaOptions {
    fn default() -> Self {
        ReplicaOptions {
            max_lag: Duration::from_secs(5),
            check_every: Duration::from_secs(1),
            read_your_writes: false,
            wait_for_replay: Duration::from_secs(1),
            retry_after: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            read_from_primary: false,
        }
    }
}

impl ReplicaOptions {
    /// Skips a replica whose replay is more than `max_lag` behind.
    pub fn max_lag(mut self, max_lag: Duration) -> Self {
        self.max_lag = max_lag;
        self
    }

    /// Measures the replicas' lag at most this often.
    pub fn check_every(mut self, every: Duration) -> Self {
        self.check_every = every;
        self
    }

    /// Reads after a write wait (up to `wait`) for a replica that has replayed it.
    pub fn read_your_writes(mut self, wait: Duration) -> Self {
        self.read_your_writes = true;
        self.wait_for_replay = wait;
        self
    }

    /// Tries a failed replica again after `after` (doubling while it keeps failing).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = after;
        self
    }

    /// Lets the primary take its turn at reads, beside the replicas.
    pub fn read_from_primary(mut self) -> Self {
        self.read_from_primary = true;
        self
    }

    /// Bounds the time a connection to a replica, or a measure of it, may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

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
        self.note_write();
        let result = self.primary.transaction(f).await;
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
        params: &[&(dyn postgres_types::ToSql + Sync)],
        want: Want,
    ) -> Result<(Vec<Row>, u64), Error> {
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

    /// The position reads must see, when reads must see the handle's writes. Cancel-safe: the
    /// writes counted are marked covered only once their position is stored.
    async fn read_target(&self) -> Option<u64> {
        if !self.shared.options.read_your_writes {
            return None;
        }
        let writes = self.shared.writes.load(Ordering::SeqCst);
        let covered = self
            .shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .covered;
        if writes > covered {
            match wal_position(self.primary.client(), "pg_current_wal_insert_lsn()").await {
                Ok(position) => {
                    let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
                    state.target = state.target.max(position);
                    state.covered = state.covered.max(writes);
                }
                Err(error) => {
                    tracing::warn!(target: "schema_core::replicas", error = %error, "the primary's WAL position cannot be read: read on the primary");
                    return Some(u64::MAX);
                }
            }
        }
        let target = self
            .shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .target;
        (target > 0).then_some(target)
    }

    /// Whether `replica` has replayed up to `target`, waiting for it until `deadline`.
    async fn replayed(&self, replica: &Replica, db: &Db, target: u64, deadline: Instant) -> bool {
        loop {
            if replica
                .health
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .replayed
                >= target
            {
                return true;
            }
            if target == u64::MAX {
                return false;
            }
            match self.replay_position(db).await {
                Ok(position) => {
                    let mut health = replica.health.lock().unwrap_or_else(|e| e.into_inner());
                    health.replayed = health.replayed.max(position);
                    if position >= target {
                        return true;
                    }
                }
                Err(error) => {
                    self.mark_down(replica, &error);
                    return false;
                }
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn replay_position(&self, db: &Db) -> Result<u64, Error> {
        tokio::time::timeout(
            self.shared.options.connect_timeout,
            wal_position(db.client(), "pg_last_wal_replay_lsn()"),
        )
        .await
        .unwrap_or_else(|_| Err(Error::Broken("no answer in time".into())))
    }

    /// Samples the primary's WAL position and measures each replica's lag against the samples,
    /// when the last measure is older than `check_every`.
    async fn measure_if_due(&self) {
        {
            let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            if state
                .last_check
                .is_some_and(|at| at.elapsed() < self.shared.options.check_every)
            {
                return;
            }
            // Marked before the measure: concurrent reads do not measure again meanwhile.
            state.last_check = Some(Instant::now());
        }
        let position = match wal_position(self.primary.client(), "pg_current_wal_lsn()").await {
            Ok(position) => position,
            Err(error) => {
                tracing::warn!(target: "schema_core::replicas", error = %error, "the primary's WAL position cannot be read: lag not measured");
                return;
            }
        };
        let now = Instant::now();
        let positions: Vec<(u64, Instant)> = {
            let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            state.positions.push_back((position, now));
            let keep = self.shared.options.max_lag * 2 + self.shared.options.check_every;
            while state.positions.len() > 2
                && state
                    .positions
                    .front()
                    .is_some_and(|(_, at)| now.duration_since(*at) > keep)
            {
                state.positions.pop_front();
            }
            state.positions.iter().copied().collect()
        };
        for replica in &self.replicas {
            let Some(db) = replica.db.lock().unwrap_or_else(|e| e.into_inner()).clone() else {
                continue;
            };
            match self.replay_position(&db).await {
                Ok(replayed) => {
                    // Behind since the oldest sample the replica has not replayed.
                    let lag = positions
                        .iter()
                        .find(|(position, _)| *position > replayed)
                        .map_or(Duration::ZERO, |(_, at)| now.duration_since(*at));
                    let lagging = lag > self.shared.options.max_lag;
                    let mut health = replica.health.lock().unwrap_or_else(|e| e.into_inner());
                    if lagging != health.lagging {
                        if lagging {
                            tracing::warn!(target: "schema_core::replicas", replica = %replica.name, lag = ?lag, "replica lags: skipped");
                        } else {
                            tracing::info!(target: "schema_core::replicas", replica = %replica.name, "replica caught up: back in use");
                        }
                    }
                    health.lagging = lagging;
                    health.replayed = health.replayed.max(replayed);
                }
                Err(error) => self.mark_down(replica, &error),
            }
        }
    }
}

/// Pools over a primary and its read replicas (features `pool` and `tls`): each
/// [`ReplicatedPool::get`] is a [`Replicated`] handle whose connections are checked out of the
/// servers' pools (a replica's only when a read goes there) and go back when it is dropped. The
/// handles share the rotation, what is known of each replica (down, lagging, how far it has
/// replayed) and, with read-your-writes, the writes: a read through any handle sees a write
/// made through any other.
///
/// ```no_run
/// # async fn run() -> Result<(), schema_core::exec::Error> {
/// use schema_core::exec::{ReplicaOptions, ReplicatedPool};
/// let pool = ReplicatedPool::new(
///     "postgresql://app@primary.internal/db",
///     &["postgresql://app@replica-1.internal/db", "postgresql://app@replica-2.internal/db"],
///     16,
///     ReplicaOptions::default(),
/// )?;
/// let db = pool.get().await?; // a `Replicated`
/// # Ok(()) }
/// ```
#[cfg(all(feature = "pool", feature = "tls"))]
pub struct ReplicatedPool {
    primary: super::DbPool,
    replicas: Vec<(String, Arc<Source>, Arc<Mutex<Health>>)>,
    shared: Arc<Shared>,
}

#[cfg(all(feature = "pool", feature = "tls"))]
impl fmt::Debug for ReplicatedPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplicatedPool")
            .field("primary", &self.primary)
            .field(
                "replicas",
                &self.replicas.iter().map(|r| &r.0).collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(all(feature = "pool", feature = "tls"))]
impl ReplicatedPool {
    /// A pool of up to `max_size` connections to each server; none is opened until a handle
    /// needs it. Errors only for a connection string that cannot be used.
    pub fn new(
        primary_url: &str,
        replica_urls: &[&str],
        max_size: usize,
        options: ReplicaOptions,
    ) -> Result<ReplicatedPool, Error> {
        let primary = super::DbPool::new(primary_url, max_size)?;
        let replicas = replica_urls
            .iter()
            .map(|url| {
                Ok((
                    server_name(url),
                    Arc::new(Source::Pool(super::DbPool::new(url, max_size)?)),
                    Arc::new(Mutex::new(Health::default())),
                ))
            })
            .collect::<Result<_, Error>>()?;
        Ok(ReplicatedPool {
            primary,
            replicas,
            shared: Shared::new(options),
        })
    }

    /// A handle: a primary connection checked out now, replica connections when reads need
    /// them; all go back when it is dropped.
    pub async fn get(&self) -> Result<Replicated, Error> {
        Ok(Replicated {
            primary: self.primary.get().await?,
            replicas: self
                .replicas
                .iter()
                .map(|(name, source, health)| Replica {
                    name: name.clone(),
                    source: Arc::clone(source),
                    db: Mutex::new(None),
                    health: Arc::clone(health),
                })
                .collect(),
            shared: Arc::clone(&self.shared),
        })
    }
}

/// A WAL position (`pg_current_wal_lsn()`, `pg_last_wal_replay_lsn()`…) as bytes from `0/0`;
/// an error when the server has none (a replay position on a server that is not a standby).
async fn wal_position(client: &Client, function: &str) -> Result<u64, Error> {
    let sql = format!("SELECT pg_wal_lsn_diff({function}, '0/0')::bigint");
    let row = client
        .query_one(&sql, &[])
        .await
        .map_err(|e| Error::from_postgres(e, Some(&sql)))?;
    let position: Option<i64> = crate::row::get(&row, 0)?;
    position.map(|p| p as u64).ok_or_else(|| {
        Error::Protocol(format!(
            "{function} is NULL: the server is not a standby (promoted, or the wrong URL)"
        ))
    })
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
