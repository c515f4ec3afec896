//! The tokio-postgres side: connections with a statement cache, transactions, row decoding and
//! typed errors.

#[cfg(feature = "tls")]
pub mod connect;
mod copy;
mod error;
mod log;

pub use copy::{copy_in, CopyRow};

use std::collections::HashMap;
use std::sync::Mutex;

use tokio_postgres::{Client, Row, Statement};

pub use error::{ConstraintViolation, Error};

use crate::query::expr::Param;

/// Decodes a row (from position `start` on) into `Self`. `#[table]` implements it for the
/// table's struct, in column order; tuples of `FromRow` types decode side by side.
pub trait FromRow: Sized {
    /// How many columns the value takes.
    const WIDTH: usize;

    fn from_row(row: &Row, start: usize) -> Result<Self, Error>;
}

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

/// Parameter types by SQL text, for connections through a transaction-mode pooler: what a
/// prepared statement would have told, learnt once and kept on the client side.
///
/// tokio-postgres learns a type it does not know (an enum, `vector`) with named statements that
/// it keeps for the next type; through a pooler those would be left on, and later looked for on,
/// whichever server connection the pooler gave. So a connection learns every type of the
/// database first, in one transaction whose statements go before it ends, and never needs to
/// again (a type created later needs a new connection).
#[derive(Debug, Default)]
pub struct ParamTypes {
    types: Mutex<HashMap<String, Vec<postgres_types::Type>>>,
    /// The connection has learnt the database's types (set from the start for a pool, whose
    /// connections learn them when they are made).
    learnt: tokio::sync::OnceCell<()>,
}

/// Teaches `client` every type of its database that tokio-postgres does not know by itself,
/// in one transaction that leaves no statement behind.
pub(crate) async fn learn_types(client: &Client) -> Result<(), Error> {
    const TYPES: &str = "SELECT format_type(t.oid, NULL) FROM pg_type t \
         JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' \
         AND t.typisdefined AND t.typtype IN ('b', 'd', 'e', 'm', 'r') ORDER BY t.oid";
    client
        .batch_execute("BEGIN")
        .await
        .map_err(|e| Error::from_postgres(e, Some("BEGIN")))?;
    let learnt = async {
        let names: Vec<String> = client
            .simple_query(TYPES)
            .await?
            .iter()
            .filter_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                _ => None,
            })
            .collect();
        // Describing `SELECT NULL::t, …` makes tokio-postgres look each type up (and its
        // elements', for arrays) and keep it.
        for chunk in names.chunks(500) {
            let casts: Vec<String> = chunk.iter().map(|name| format!("NULL::{name}")).collect();
            client
                .prepare(&format!("SELECT {}", casts.join(", ")))
                .await?;
        }
        client.batch_execute("DEALLOCATE ALL").await
    }
    .await;
    let end = if learnt.is_ok() { "COMMIT" } else { "ROLLBACK" };
    client
        .batch_execute(end)
        .await
        .map_err(|e| Error::from_postgres(e, Some(end)))?;
    learnt.map_err(|e| Error::from_postgres(e, Some("learning the database's types")))
}

impl ParamTypes {
    /// For a pool whose connections learn the types when they are made.
    #[cfg(all(feature = "pool", feature = "tls"))]
    fn learnt_per_connection() -> ParamTypes {
        ParamTypes {
            types: Default::default(),
            learnt: tokio::sync::OnceCell::new_with(Some(())),
        }
    }

    /// Learns the database's types on `client` once (outside a transaction).
    async fn learn(&self, client: &Client) -> Result<(), Error> {
        self.learnt
            .get_or_try_init(|| learn_types(client))
            .await
            .map(|_| ())
    }

    async fn get_or_describe(
        &self,
        client: &Client,
        sql: &str,
        in_transaction: bool,
    ) -> Result<Vec<postgres_types::Type>, Error> {
        if let Some(types) = self.types.lock().expect("param types lock").get(sql) {
            return Ok(types.clone());
        }
        // A named statement lives on one server connection: prepare, read and close it inside
        // one transaction, which the pooler keeps on one server connection.
        let describe = async {
            let statement = client.prepare(sql).await?;
            let types = statement.params().to_vec();
            drop(statement);
            // The statement, and the type lookups tokio-postgres prepared for it (whose results
            // it keeps), go from this server connection before the pooler hands it to anyone.
            client.batch_execute("DEALLOCATE ALL").await?;
            Ok::<_, tokio_postgres::Error>(types)
        };
        let types = if in_transaction {
            describe.await
        } else {
            client
                .batch_execute("BEGIN")
                .await
                .map_err(|e| Error::from_postgres(e, Some("BEGIN")))?;
            let types = describe.await;
            let end = if types.is_ok() { "COMMIT" } else { "ROLLBACK" };
            client
                .batch_execute(end)
                .await
                .map_err(|e| Error::from_postgres(e, Some(end)))?;
            types
        }
        .map_err(|e| Error::from_postgres(e, Some(sql)))?;
        self.types
            .lock()
            .expect("param types lock")
            .insert(sql.to_string(), types.clone());
        Ok(types)
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
}

/// A connection with its statement cache: opened directly, or checked out of a pool (feature
/// `pool`, deadpool-postgres), in which case it goes back to the pool when dropped.
pub struct Db {
    connection: Connection,
    /// Statements sent to the server through this `Db` (not counting its transactions').
    sent: std::sync::atomic::AtomicU64,
    log_params: std::sync::atomic::AtomicBool,
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
        if options.pooler {
            // Each connection learns the database's types when it is made (see `ParamTypes`).
            builder = builder.post_create(deadpool_postgres::Hook::async_fn(|client, _| {
                Box::pin(async move {
                    learn_types(client)
                        .await
                        .map_err(|e| deadpool_postgres::HookError::message(e.to_string()))
                })
            }));
        }
        let pool = builder.build().map_err(|e| Error::Pool(e.to_string()))?;
        Ok(DbPool {
            pool,
            pooler: options
                .pooler
                .then(|| std::sync::Arc::new(ParamTypes::learnt_per_connection())),
        })
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
                return Ok(Db::through_pooler(client));
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
        }
    }

    /// Connects through a transaction-mode pooler (see [`Db::through_pooler`]).
    pub async fn connect_through_pooler(url: &str) -> Result<Db, Error> {
        Ok(Db::through_pooler(Db::connect(url).await?.into_client()))
    }

    fn into_client(self) -> Client {
        match self.connection {
            Connection::Own { client, .. } | Connection::Unprepared { client, .. } => client,
            #[cfg(feature = "pool")]
            Connection::Pooled(_) => unreachable!("a pooled connection is not taken apart"),
            #[cfg(all(feature = "pool", feature = "tls"))]
            Connection::PooledUnprepared { .. } => {
                unreachable!("a pooled connection is not taken apart")
            }
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
        };
        let inner = client
            .transaction()
            .await
            .map_err(|e| Error::from_postgres(e, Some("BEGIN")))?;
        run_transaction(Tx { inner, cache }, f).await
    }
}

/// A transaction (or a savepoint inside one).
pub struct Tx<'a> {
    inner: tokio_postgres::Transaction<'a>,
    cache: TxCache<'a>,
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
        let inner = self
            .inner
            .transaction()
            .await
            .map_err(|e| Error::from_postgres(e, Some("SAVEPOINT")))?;
        run_transaction(Tx { inner, cache }, f).await
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
        }
    }
}

impl Executor for Tx<'_> {
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

impl<E: Executor + ?Sized> Executor for &E {
    fn connection(&self) -> (&Client, Cache<'_>) {
        (**self).connection()
    }

    fn note_statement(&self) {
        (**self).note_statement()
    }

    fn log_parameters(&self) -> bool {
        (**self).log_parameters()
    }
}

impl<E: Executor + ?Sized> Executor for &mut E {
    fn connection(&self) -> (&Client, Cache<'_>) {
        (**self).connection()
    }

    fn note_statement(&self) {
        (**self).note_statement()
    }

    fn log_parameters(&self) -> bool {
        (**self).log_parameters()
    }
}

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

fn param_refs(params: &[Param]) -> Vec<&(dyn postgres_types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| p.as_ref() as &(dyn postgres_types::ToSql + Sync))
        .collect()
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

/// The one path every statement takes: the statement cache (or, through a pooler, unnamed
/// statements), the statement count, and the `schema_core::sql` tracing event.
async fn run(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
    want: Want,
) -> Result<(Vec<Row>, u64), Error> {
    let started = std::time::Instant::now();
    let (client, cache) = exec.connection();
    let result = match cache {
        Cache::Unprepared {
            types,
            in_transaction,
        } => {
            if !in_transaction {
                types.learn(client).await?;
            }
            let types = types.get_or_describe(client, sql, in_transaction).await?;
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
    let elapsed = started.elapsed();
    log::statement(sql, params, elapsed, exec.log_parameters());
    result.map_err(|e| Error::from_postgres(e, Some(sql)))
}

/// Reads column `index` of `row` as a `T`, naming the column in the error.
pub fn get<'r, T: postgres_types::FromSql<'r>>(row: &'r Row, index: usize) -> Result<T, Error> {
    row.try_get(index).map_err(|source| Error::Decode {
        column: row
            .columns()
            .get(index)
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| format!("#{index}")),
        source,
    })
}

macro_rules! tuple_from_row {
    ($($name:ident),+) => {
        impl<$($name: FromRow),+> FromRow for ($($name,)+) {
            const WIDTH: usize = 0 $(+ $name::WIDTH)+;

            #[allow(unused_assignments)]
            fn from_row(row: &Row, start: usize) -> Result<Self, Error> {
                let mut at = start;
                Ok(($({
                    let value = $name::from_row(row, at)?;
                    at += $name::WIDTH;
                    value
                },)+))
            }
        }
    };
}

tuple_from_row!(A, B);
tuple_from_row!(A, B, C);
tuple_from_row!(A, B, C, D);

/// Runs raw SQL with bound parameters and decodes each row into `R`:
/// `raw_query::<(Value<i64>,)>(&db, "SELECT count(*) FROM users WHERE name = $1", &[&"A"])`.
pub async fn raw_query<R: FromRow>(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<Vec<R>, Error> {
    let (rows, _) = run(exec, sql, params, Want::Rows).await?;
    rows.iter().map(|row| R::from_row(row, 0)).collect()
}

/// Runs raw SQL with bound parameters; returns the number of rows touched.
pub async fn raw_execute(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<u64, Error> {
    run(exec, sql, params, Want::Count).await.map(|out| out.1)
}

/// A single value as a one-column row: `raw_query::<Value<i64>>(…)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Value<T>(pub T);

impl<T: for<'r> postgres_types::FromSql<'r>> FromRow for Value<T> {
    const WIDTH: usize = 1;

    fn from_row(row: &Row, start: usize) -> Result<Self, Error> {
        get(row, start).map(Value)
    }
}
