//! The tokio-postgres side: connections with a statement cache, transactions, row decoding and
//! typed errors.

pub(crate) mod cleanup;
#[cfg(feature = "tls")]
pub mod connect;
mod copy;
mod log;
mod pooler;

pub use copy::{copy_in, CopyRow};

use std::collections::HashMap;
use std::sync::Mutex;

use tokio_postgres::{Client, Row, Statement};

pub use crate::error::{ConstraintViolation, Error, WithDetail};
pub use crate::row::{get, get_named, FromRow, Value};
#[cfg(all(feature = "pool", feature = "tls"))]
use pooler::learn_types;
pub use pooler::ParamTypes;

use crate::param::{param_refs, Param};

/// Prepared statements of one connection, by SQL text. The builders render the same text for
/// the same query shape, so each shape is parsed and planned once per connection.
#[derive(Debug, Default)]
pub struct StatementCache {
    statements: Mutex<HashMap<String, Statement>>,
}

impl StatementCache {
    fn get(&self, sql: &str) -> Option<Statement> {
        self.statements
            .lock()
            .expect("statement cache lock")
            .get(sql)
            .cloned()
    }

    fn remove(&self, sql: &str) {
        self.statements
            .lock()
            .expect("statement cache lock")
            .remove(sql);
    }

    fn insert(&self, sql: &str, statement: Statement) {
        self.statements
            .lock()
            .expect("statement cache lock")
            .insert(sql.to_string(), statement);
    }

    /// How many statements are cached.
    pub fn len(&self) -> usize {
        self.statements.lock().expect("statement cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The statement cache of a connection: ours, or a pooled connection's own.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
#[derive(Clone, Copy)]
pub enum Cache<'a> {
    Own(&'a StatementCache),
    /// Through a transaction-mode pooler: no named statement outlives its transaction.
    Unprepared {
        types: &'a ParamTypes,
        in_transaction: bool,
    },
    #[cfg(feature = "pool")]
    Pool(&'a deadpool_postgres::StatementCache),
}

/// Where queries run: a [`Db`] connection (direct or pooled) or a [`Tx`] transaction.
pub trait Executor: Sync {
    #[doc(hidden)]
    fn connection(&self) -> (&Client, Cache<'_>);

    /// Called once per statement sent; [`Db`] counts them.
    #[doc(hidden)]
    fn note_statement(&self) {}

    /// Whether the `schema_core::sql` tracing events carry the parameters' values.
    #[doc(hidden)]
    fn log_parameters(&self) -> bool {
        false
    }

    /// Whether statements run inside a transaction (a [`Tx`], or one opened with raw SQL), where
    /// a failed statement cannot simply be tried again.
    #[doc(hidden)]
    fn in_transaction(&self) -> bool {
        false
    }

    /// Raw SQL opened (`true`) or may have opened a transaction, or ended one (`false`).
    #[doc(hidden)]
    fn note_raw_transaction(&self, _open: bool) {}

    /// The connection cannot be trusted any more: a pooled one is closed when dropped.
    #[doc(hidden)]
    fn note_broken(&self) {}
}

enum Connection {
    Own {
        client: Client,
        cache: StatementCache,
    },
    Unprepared {
        client: Client,
        types: ParamTypes,
    },
    #[cfg(feature = "pool")]
    Pooled(deadpool_postgres::Object),
    /// Checked out of a [`DbPool`] whose connections go through a transaction-mode pooler: the
    /// pool's parameter types, no prepared statement kept.
    #[cfg(all(feature = "pool", feature = "tls"))]
    PooledUnprepared {
        object: deadpool_postgres::Object,
        types: std::sync::Arc<ParamTypes>,
    },
    /// Taken apart (only while a `Db` is dropped).
    Gone,
}

/// A connection with its statement cache: opened directly, or checked out of a pool (feature
/// `pool`, deadpool-postgres), in which case it goes back to the pool when dropped.
pub struct Db {
    connection: Connection,
    /// Statements sent to the server through this `Db` (not counting its transactions').
    sent: std::sync::atomic::AtomicU64,
    log_params: std::sync::atomic::AtomicBool,
    /// Raw SQL opened a transaction (or may have: its answer never came) that no raw SQL has
    /// ended since. A pooled connection in that state is closed, never handed out again.
    raw_transaction: std::sync::atomic::AtomicBool,
    /// The connection cannot be used as before (see [`Error::Broken`]): a pooled one is closed
    /// when dropped.
    broken: std::sync::atomic::AtomicBool,
}

impl Drop for Db {
    fn drop(&mut self) {
        if !*self.raw_transaction.get_mut() && !*self.broken.get_mut() {
            return;
        }
        // Out of the pool and closed: the server rolls the transaction back, and no later
        // checkout can run inside it.
        match std::mem::replace(&mut self.connection, Connection::Gone) {
            #[cfg(feature = "pool")]
            Connection::Pooled(object) => drop(deadpool_postgres::Object::take(object)),
            #[cfg(all(feature = "pool", feature = "tls"))]
            Connection::PooledUnprepared { object, .. } => {
                drop(deadpool_postgres::Object::take(object))
            }
            other => drop(other),
        }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.connection {
            Connection::Own { cache, .. } => write!(f, "Db {{ statements: {} }}", cache.len()),
            Connection::Unprepared { .. } => f.write_str("Db { unprepared }"),
            #[cfg(feature = "pool")]
            Connection::Pooled(_) => f.write_str("Db { pooled }"),
            #[cfg(all(feature = "pool", feature = "tls"))]
            Connection::PooledUnprepared { .. } => f.write_str("Db { pooled, unprepared }"),
            Connection::Gone => f.write_str("Db { closed }"),
        }
    }
}

/// A pool of connections (deadpool-postgres); see [`pool`].
#[cfg(feature = "pool")]
pub use deadpool_postgres::Pool;

/// A pool of up to `max_size` connections made with `config`, without TLS; [`DbPool::new`] takes
/// a connection string and its `sslmode`, and knows a transaction-mode pooler's URL.
#[cfg(feature = "pool")]
pub fn pool(config: tokio_postgres::Config, max_size: usize) -> Result<Pool, Error> {
    let recycling = deadpool_postgres::ManagerConfig {
        recycling_method: deadpool_postgres::RecyclingMethod::Fast,
    };
    let manager = deadpool_postgres::Manager::from_config(config, tokio_postgres::NoTls, recycling);
    Pool::builder(manager)
        .max_size(max_size)
        .build()
        .map_err(|e| Error::Pool(e.to_string()))
}

/// A pool of connections made from a connection string (features `pool` and `tls`): TLS per
/// its `sslmode`, as [`Db::connect`]; a pooled URL (`pgbouncer=true`, a `-pooler` host, port
/// 6432) gets [`Db::through_pooler`]'s mode on every connection, with the parameter types
/// learnt once for the whole pool.
///
/// ```no_run
/// # async fn run() -> Result<(), schema_core::exec::Error> {
/// use schema_core::exec::DbPool;
/// let pool = DbPool::new("postgresql://app@ep-x.eu-central-1.aws.neon.tech/db?sslmode=verify-full", 16)?;
/// let db = pool.get().await?; // back to the pool when dropped
/// # Ok(()) }
/// ```
#[cfg(all(feature = "pool", feature = "tls"))]
pub struct DbPool {
    pool: Pool,
    /// Set when the connections go through a transaction-mode pooler.
    pooler: Option<std::sync::Arc<ParamTypes>>,
}

#[cfg(all(feature = "pool", feature = "tls"))]
impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.pool.status();
        f.debug_struct("DbPool")
            .field("size", &status.size)
            .field("max_size", &status.max_size)
            .field("through_pooler", &self.pooler.is_some())
            .finish()
    }
}

#[cfg(all(feature = "pool", feature = "tls"))]
impl DbPool {
    /// A pool of up to `max_size` connections; none is opened until [`DbPool::get`] needs one.
    /// Errors only for a connection string that cannot be used (never naming its password).
    pub fn new(url: &str, max_size: usize) -> Result<DbPool, Error> {
        let options = connect::ConnectOptions::parse(url)?;
        let recycling = deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        };
        let manager = deadpool_postgres::Manager::from_config(
            options.config.clone(),
            options.tls()?,
            recycling,
        );
        let mut builder = Pool::builder(manager).max_size(max_size);
        let pooler = options
            .pooler
            .then(|| std::sync::Arc::new(ParamTypes::learnt_per_connection()));
        if let Some(types) = &pooler {
            // Each connection learns the database's types when it is made (see `ParamTypes`).
            let types = std::sync::Arc::clone(types);
            builder = builder.post_create(deadpool_postgres::Hook::async_fn(move |client, _| {
                let types = std::sync::Arc::clone(&types);
                Box::pin(async move {
                    learn_types(client, &types)
                        .await
                        .map_err(|e| deadpool_postgres::HookError::message(e.to_string()))
                })
            }));
        }
        let pool = builder.build().map_err(|e| Error::Pool(e.to_string()))?;
        Ok(DbPool { pool, pooler })
    }

    /// Checks a connection out (opening one when none is idle and the pool is not full); it
    /// goes back when the `Db` is dropped.
    pub async fn get(&self) -> Result<Db, Error> {
        let object = self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => Error::from_postgres(e, None),
            other => Error::Pool(other.to_string()),
        })?;
        let connection = match &self.pooler {
            Some(types) => Connection::PooledUnprepared {
                object,
                types: std::sync::Arc::clone(types),
            },
            None => Connection::Pooled(object),
        };
        Ok(Db {
            connection,
            sent: Default::default(),
            log_params: Default::default(),
            raw_transaction: Default::default(),
            broken: Default::default(),
        })
    }

    /// Whether the connections go through a transaction-mode pooler.
    pub fn through_pooler(&self) -> bool {
        self.pooler.is_some()
    }

    /// deadpool's pool, for its status and settings.
    pub fn inner(&self) -> &Pool {
        &self.pool
    }
}

impl Db {
    /// Connects with a `postgresql://…` URL or a `key=value …` string, TLS per its `sslmode`
    /// (see [`connect`]); without the `tls` feature, only plain connections. A pooled URL
    /// (`pgbouncer=true`, a `-pooler` host, port 6432) gets [`Db::through_pooler`]'s mode.
    pub async fn connect(url: &str) -> Result<Db, Error> {
        #[cfg(feature = "tls")]
        let client = {
            let options = connect::ConnectOptions::parse(url)?;
            let client = options.connect().await?;
            if options.pooler {
                return Db::through_pooler_learnt(client).await;
            }
            client
        };
        #[cfg(not(feature = "tls"))]
        let client = {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .map_err(|e| Error::from_postgres(e, None))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            client
        };
        Ok(Db::new(client))
    }

    /// Wraps a connected client.
    pub fn new(client: Client) -> Db {
        Db {
            connection: Connection::Own {
                client,
                cache: StatementCache::default(),
            },
            sent: Default::default(),
            log_params: Default::default(),
            raw_transaction: Default::default(),
            broken: Default::default(),
        }
    }

    /// Wraps a client connected through a transaction-mode pooler (PgBouncer, Neon's `-pooler`
    /// endpoints): no named prepared statement is left on the pooler's server connections. Each
    /// query is one unnamed statement with its parameter types, which are learnt once per query
    /// shape inside a short transaction.
    pub fn through_pooler(client: Client) -> Db {
        Db {
            connection: Connection::Unprepared {
                client,
                types: ParamTypes::default(),
            },
            sent: Default::default(),
            log_params: Default::default(),
            raw_transaction: Default::default(),
            broken: Default::default(),
        }
    }

    /// Connects through a transaction-mode pooler (see [`Db::through_pooler`]); the database's
    /// types are learnt before it returns, so that a future dropped while it learns drops the
    /// connection with it.
    pub async fn connect_through_pooler(url: &str) -> Result<Db, Error> {
        Db::through_pooler_learnt(Db::connect(url).await?.into_client()).await
    }

    async fn through_pooler_learnt(client: Client) -> Result<Db, Error> {
        let db = Db::through_pooler(client);
        if let (client, Cache::Unprepared { types, .. }) = db.connection() {
            types.learn(client).await?;
        }
        Ok(db)
    }

    fn into_client(mut self) -> Client {
        match std::mem::replace(&mut self.connection, Connection::Gone) {
            Connection::Own { client, .. } | Connection::Unprepared { client, .. } => client,
            #[cfg(feature = "pool")]
            Connection::Pooled(_) => unreachable!("a pooled connection is not taken apart"),
            #[cfg(all(feature = "pool", feature = "tls"))]
            Connection::PooledUnprepared { .. } => {
                unreachable!("a pooled connection is not taken apart")
            }
            Connection::Gone => unreachable!("a dropped connection is not taken apart"),
        }
    }

    /// Checks a connection out of `pool`; it goes back when the `Db` is dropped. Statements stay
    /// prepared on the pooled connection between checkouts.
    #[cfg(feature = "pool")]
    pub async fn from_pool(pool: &Pool) -> Result<Db, Error> {
        let object = pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => Error::from_postgres(e, None),
            other => Error::Pool(other.to_string()),
        })?;
        Ok(Db {
            connection: Connection::Pooled(object),
            sent: Default::default(),
            log_params: Default::default(),
            raw_transaction: Default::default(),
            broken: Default::default(),
        })
    }

    pub fn client(&self) -> &Client {
        self.connection().0
    }

    /// Logs parameter values in the `schema_core::sql` tracing events (off by default: values
    /// may be secrets).
    pub fn log_parameters(&self, on: bool) {
        self.log_params
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many statements (queries and commands, preparation not counted) this `Db` has sent.
    pub fn statements_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many statements this connection has prepared.
    pub fn prepared_statements(&self) -> usize {
        match &self.connection {
            Connection::Own { cache, .. } => cache.len(),
            Connection::Unprepared { .. } => 0,
            #[cfg(all(feature = "pool", feature = "tls"))]
            Connection::PooledUnprepared { .. } => 0,
            #[cfg(feature = "pool")]
            Connection::Pooled(object) => object.statement_cache.size(),
            Connection::Gone => 0,
        }
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back when it returns
    /// `Err` (or panics). Inside, [`Tx::transaction`] nests with a savepoint.
    pub async fn transaction<R, E>(
        &mut self,
        f: impl AsyncFnOnce(&mut Tx<'_>) -> Result<R, E>,
    ) -> Result<R, E>
    where
        E: From<Error>,
    {
        // Through a pooler, the types are learnt before the transaction, not inside it.
        if let (client, Cache::Unprepared { types, .. }) = self.connection() {
            types.learn(client).await?;
        }
        let (client, cache) = match &mut self.connection {
            Connection::Own { client, cache } => (client, TxCache::Own(&*cache)),
            Connection::Unprepared { client, types } => (client, TxCache::Unprepared(&*types)),
            #[cfg(all(feature = "pool", feature = "tls"))]
            Connection::PooledUnprepared { object, types } => {
                let wrapper: &mut deadpool_postgres::ClientWrapper = object;
                (&mut **wrapper, TxCache::Unprepared(types))
            }
            #[cfg(feature = "pool")]
            Connection::Pooled(object) => {
                let wrapper: &mut deadpool_postgres::ClientWrapper = object;
                let cache = TxCache::Pool(std::sync::Arc::clone(&wrapper.statement_cache));
                (&mut **wrapper, cache)
            }
            Connection::Gone => unreachable!("a dropped connection runs nothing"),
        };
        let log_params = *self.log_params.get_mut();
        // tokio-postgres' `Transaction` sends `ROLLBACK` when dropped unfinished: a transaction
        // whose future is dropped at any await ends with it.
        let inner = client
            .transaction()
            .await
            .map_err(|e| Error::from_postgres(e, Some("BEGIN")))?;
        run_transaction(
            Tx {
                inner,
                cache,
                log_params,
            },
            f,
        )
        .await
    }
}

/// A transaction (or a savepoint inside one).
pub struct Tx<'a> {
    inner: tokio_postgres::Transaction<'a>,
    cache: TxCache<'a>,
    /// The `Db`'s [`Db::log_parameters`] when the transaction began.
    log_params: bool,
}

/// A transaction's statement cache: its connection's (a pooled connection's is shared, since
/// the transaction borrows the connection itself).
#[derive(Clone)]
enum TxCache<'a> {
    Own(&'a StatementCache),
    Unprepared(&'a ParamTypes),
    #[cfg(feature = "pool")]
    Pool(std::sync::Arc<deadpool_postgres::StatementCache>),
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx")
    }
}

impl Tx<'_> {
    /// Runs `f` under a savepoint: released on `Ok`, rolled back to on `Err`, leaving the
    /// enclosing transaction usable.
    pub async fn transaction<R, E>(
        &mut self,
        f: impl AsyncFnOnce(&mut Tx<'_>) -> Result<R, E>,
    ) -> Result<R, E>
    where
        E: From<Error>,
    {
        let cache = self.cache.clone();
        let log_params = self.log_params;
        let inner = self
            .inner
            .transaction()
            .await
            .map_err(|e| Error::from_postgres(e, Some("SAVEPOINT")))?;
        run_transaction(
            Tx {
                inner,
                cache,
                log_params,
            },
            f,
        )
        .await
    }
}

async fn run_transaction<R, E>(
    mut tx: Tx<'_>,
    f: impl AsyncFnOnce(&mut Tx<'_>) -> Result<R, E>,
) -> Result<R, E>
where
    E: From<Error>,
{
    match f(&mut tx).await {
        Ok(value) => {
            tx.inner
                .commit()
                .await
                .map_err(|e| Error::from_postgres(e, Some("COMMIT")))?;
            Ok(value)
        }
        Err(error) => {
            // A failed rollback leaves nothing to do: the server rolls back when the
            // connection ends, and the caller's error is the one that matters.
            let _ = tx.inner.rollback().await;
            Err(error)
        }
    }
}

impl Executor for Db {
    fn log_parameters(&self) -> bool {
        self.log_params.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn in_transaction(&self) -> bool {
        self.raw_transaction
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn note_raw_transaction(&self, open: bool) {
        self.raw_transaction
            .store(open, std::sync::atomic::Ordering::Relaxed);
    }

    fn note_broken(&self) {
        self.broken
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn note_statement(&self) {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn connection(&self) -> (&Client, Cache<'_>) {
        match &self.connection {
            Connection::Own { client, cache } => (client, Cache::Own(cache)),
            Connection::Unprepared { client, types } => (
                client,
                Cache::Unprepared {
                    types,
                    in_transaction: false,
                },
            ),
            #[cfg(feature = "pool")]
            Connection::Pooled(object) => (object, Cache::Pool(&object.statement_cache)),
            #[cfg(all(feature = "pool", feature = "tls"))]
            Connection::PooledUnprepared { object, types } => (
                object,
                Cache::Unprepared {
                    types,
                    in_transaction: false,
                },
            ),
            Connection::Gone => unreachable!("a dropped connection runs nothing"),
        }
    }
}

impl Executor for Tx<'_> {
    fn log_parameters(&self) -> bool {
        self.log_params
    }

    fn in_transaction(&self) -> bool {
        true
    }

    fn connection(&self) -> (&Client, Cache<'_>) {
        let cache = match &self.cache {
            TxCache::Own(cache) => Cache::Own(cache),
            TxCache::Unprepared(types) => Cache::Unprepared {
                types,
                in_transaction: true,
            },
            #[cfg(feature = "pool")]
            TxCache::Pool(cache) => Cache::Pool(cache),
        };
        (self.inner.client(), cache)
    }
}

/// A reference to an executor is one: every method forwarded.
macro_rules! forward_executor {
    ($($reference:ty),+) => {$(
        impl<E: Executor + ?Sized> Executor for $reference {
            fn connection(&self) -> (&Client, Cache<'_>) {
                (**self).connection()
            }

            fn note_statement(&self) {
                (**self).note_statement()
            }

            fn log_parameters(&self) -> bool {
                (**self).log_parameters()
            }

            fn in_transaction(&self) -> bool {
                (**self).in_transaction()
            }

            fn note_raw_transaction(&self, open: bool) {
                (**self).note_raw_transaction(open)
            }

            fn note_broken(&self) {
                (**self).note_broken()
            }
        }
    )+};
}

forward_executor!(&E, &mut E);

async fn prepared(exec: &(impl Executor + ?Sized), sql: &str) -> Result<Statement, Error> {
    let (client, cache) = exec.connection();
    match cache {
        Cache::Unprepared { .. } => unreachable!("unprepared statements are not prepared"),
        Cache::Own(cache) => {
            if let Some(statement) = cache.get(sql) {
                return Ok(statement);
            }
            let statement = client
                .prepare(sql)
                .await
                .map_err(|e| Error::from_postgres(e, Some(sql)))?;
            cache.insert(sql, statement.clone());
            Ok(statement)
        }
        #[cfg(feature = "pool")]
        Cache::Pool(cache) => cache
            .prepare(client, sql)
            .await
            .map_err(|e| Error::from_postgres(e, Some(sql))),
    }
}

/// Runs a query (prepared once per connection) and returns its rows.
pub(crate) async fn query(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[Param],
) -> Result<Vec<Row>, Error> {
    run(exec, sql, &param_refs(params), Want::Rows)
        .await
        .map(|out| out.0)
}

/// Runs a statement (prepared once per connection) and returns the number of rows it touched.
pub(crate) async fn execute(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[Param],
) -> Result<u64, Error> {
    run(exec, sql, &param_refs(params), Want::Count)
        .await
        .map(|out| out.1)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Rows,
    Count,
}

/// The most bound parameters one statement can have (the protocol counts them in 16 bits).
const MAX_PARAMETERS: usize = 65_535;

/// The one path every statement takes: the statement cache (or, through a pooler, unnamed
/// statements), the statement count, and the `schema_core::sql` tracing event.
///
/// The cache is a cache, not a promise: a statement the schema changed under (a migration
/// altered its table or a type it uses, or its prepared statement is gone) is evicted, and
/// outside a transaction prepared again and retried once, which is safe because it failed before
/// it did anything. Inside a transaction the caller gets [`Error::SchemaChanged`].
async fn run(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
    want: Want,
) -> Result<(Vec<Row>, u64), Error> {
    if let Some(reason) = crate::sql::invalid_reason(sql) {
        return Err(Error::InvalidQuery(reason.to_string()));
    }
    if params.len() > MAX_PARAMETERS {
        return Err(Error::InvalidQuery(format!(
            "it has {} bound parameters, and PostgreSQL takes at most {MAX_PARAMETERS} in one \
             statement: send fewer rows at a time (insert_many rows that all set the same columns \
             go as one array a column, with no such limit)",
            params.len()
        )));
    }
    let started = std::time::Instant::now();
    let mut result = run_once(exec, sql, params, want).await;
    if let Err(error) = &result {
        let (client, cache) = exec.connection();
        if stale_statement(error, matches!(cache, Cache::Unprepared { .. })) {
            evict(client, cache, sql);
            result = if exec.in_transaction() {
                Err(Error::SchemaChanged {
                    sql: sql.to_string(),
                })
            } else {
                tracing::debug!(target: "schema_core::sql", sql, "the schema changed under a cached statement: prepared again");
                let retried = run_once(exec, sql, params, want).await;
                match retried {
                    // Prepared afresh and still missing a statement: one that tokio-postgres keeps
                    // for its own type lookups was removed from the server (`DEALLOCATE ALL` by
                    // someone else), and it cannot make it again.
                    Err(error)
                        if error
                            .db_error()
                            .is_some_and(|db| db.code().code() == "26000") =>
                    {
                        exec.note_broken();
                        Err(Error::Broken(format!(
                            "a prepared statement this connection relies on to look types up was \
                             removed from the server (by `DEALLOCATE ALL`?): open a new connection \
                             (a pooled one is replaced by itself) ({})",
                            error
                        )))
                    }
                    other => other,
                }
            };
        }
    }
    log::statement(sql, params, started.elapsed(), exec.log_parameters());
    result
}

async fn run_once(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
    want: Want,
) -> Result<(Vec<Row>, u64), Error> {
    let (client, cache) = exec.connection();
    let result = match cache {
        Cache::Unprepared {
            types,
            in_transaction,
        } => {
            if !in_transaction {
                types.learn(client).await?;
            }
            let types = types.get_or_describe(client, sql, params.len()).await?;
            let typed: Vec<(&(dyn postgres_types::ToSql + Sync), postgres_types::Type)> =
                params.iter().copied().zip(types).collect();
            exec.note_statement();
            match want {
                Want::Rows => client.query_typed(sql, &typed).await.map(|rows| (rows, 0)),
                Want::Count => client
                    .execute_typed(sql, &typed)
                    .await
                    .map(|n| (Vec::new(), n)),
            }
        }
        _ => {
            let statement = prepared(exec, sql).await?;
            exec.note_statement();
            match want {
                Want::Rows => client.query(&statement, params).await.map(|rows| (rows, 0)),
                Want::Count => client
                    .execute(&statement, params)
                    .await
                    .map(|n| (Vec::new(), n)),
            }
        }
    };
    result.map_err(|e| Error::from_postgres(e, Some(sql)))
}

/// Whether `error` says that a cached statement no longer fits the schema: its result type
/// changed, its prepared statement or a type it names is gone; through a pooler, the parameter
/// types learnt for it no longer fit.
fn stale_statement(error: &Error, unprepared: bool) -> bool {
    let Some(db) = error.db_error() else {
        return false;
    };
    let message = db.message();
    match db.code().code() {
        "0A000" => message.starts_with("cached plan must not change result type"),
        "26000" => true,
        "42704" => message.starts_with("type with OID"),
        "XX000" => message.starts_with("cache lookup failed for type"),
        "42804" => unprepared,
        _ => false,
    }
}

/// Removes what the connection keeps of `sql`, so that it is prepared (or described) again.
fn evict(client: &Client, cache: Cache<'_>, sql: &str) {
    match cache {
        Cache::Own(cache) => {
            cache.remove(sql);
            // A type dropped and made again has a new oid: look types up afresh.
            client.clear_type_cache();
        }
        Cache::Unprepared { types, .. } => types.forget(sql),
        #[cfg(feature = "pool")]
        Cache::Pool(cache) => {
            cache.remove(sql, &[]);
            client.clear_type_cache();
        }
    }
}

/// Runs raw SQL with bound parameters and decodes each row into `R` (a `#[table]` struct, a
/// `#[derive(FromRow)]` struct, [`Value`], or a tuple of them):
///
/// ```no_run
/// # async fn run(db: &schema_core::exec::Db) -> Result<(), schema_core::exec::Error> {
/// use schema_core::exec::{raw_query, Value};
/// let counts = raw_query::<(Value<i64>,)>(db, "SELECT count(*) FROM users WHERE name = $1", &[&"A"]).await?;
/// let (Value(n),) = &counts[0];
/// # let _ = n;
/// # Ok(()) }
/// ```
pub async fn raw_query<R: FromRow>(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<Vec<R>, Error> {
    let (rows, _) = run_raw(exec, sql, params, Want::Rows).await?;
    rows.iter().map(|row| R::from_row(row, 0)).collect()
}

/// Runs raw SQL with bound parameters; returns the number of rows touched.
pub async fn raw_execute(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<u64, Error> {
    run_raw(exec, sql, params, Want::Count)
        .await
        .map(|out| out.1)
}

/// Raw SQL may open or end a transaction: the connection keeps track, so that a failed
/// statement inside one is not retried and a pooled connection left inside one is closed.
async fn run_raw(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
    want: Want,
) -> Result<(Vec<Row>, u64), Error> {
    let Some(leaves_open) = crate::sql::lex::transaction_effect(sql) else {
        return run(exec, sql, params, want).await;
    };
    // Marked before the statement is sent: a future dropped before its answer leaves the
    // connection in a state nobody knows, which counts as inside a transaction.
    exec.note_raw_transaction(true);
    let result = run(exec, sql, params, want).await;
    // A `COMMIT` the server refused still ends the transaction; only a lost connection leaves
    // it unknown.
    let answered = result
        .as_ref()
        .map_or_else(|e| e.db_error().is_some(), |_| true);
    if !leaves_open && answered {
        exec.note_raw_transaction(false);
    }
    result
}
