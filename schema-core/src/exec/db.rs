//! A connection: [`Db`], opened directly, through a pooler, or checked out of a pool.

use tokio_postgres::Client;

use super::cache::{Cache, StatementCache};
#[cfg(feature = "tls")]
use super::connect;
use super::tx::{run_transaction, Tx, TxCache, TxOptions};
#[cfg(feature = "pool")]
use super::Pool;
use super::{Driver, Error, Executor, ParamTypes};

pub(super) enum Connection {
    Own {
        client: Client,
        cache: StatementCache,
        /// Set when this `Db` drives the connection itself (see [`Driver`]).
        driver: Option<Driver>,
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

impl Db {
    /// Connects with a `postgresql://…` URL or a `key=value …` string, TLS per its `sslmode`
    /// (see [`connect`]); without the `tls` feature, only plain connections. A pooled URL
    /// (`pgbouncer=true`, a `-pooler` host, port 6432) gets [`Db::through_pooler`]'s mode.
    pub async fn connect(url: &str) -> Result<Db, Error> {
        #[cfg(feature = "tls")]
        {
            let options = connect::ConnectOptions::parse(url)?;
            if options.pooler {
                return Db::through_pooler_learnt(options.connect().await?).await;
            }
            let (client, driver) = options.connect_driven().await?;
            Ok(Db::on(Connection::Own {
                client,
                cache: StatementCache::default(),
                driver: Some(driver),
            }))
        }
        #[cfg(not(feature = "tls"))]
        {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .map_err(|e| Error::from_postgres(e, None))?;
            Ok(Db::drive(client, connection))
        }
    }

    /// A `Db` over `connection`, nothing sent yet.
    pub(super) fn on(connection: Connection) -> Db {
        Db {
            connection,
            sent: Default::default(),
            log_params: Default::default(),
            raw_transaction: Default::default(),
            broken: Default::default(),
        }
    }

    /// Wraps a connected client.
    /// Wraps a connected client whose connection is driven elsewhere (spawned as a task, as
    /// tokio-postgres' documentation shows). [`Db::drive`] is the faster form when you have the
    /// connection at hand.
    pub fn new(client: Client) -> Db {
        Db::on(Connection::Own {
            client,
            cache: StatementCache::default(),
            driver: None,
        })
    }

    /// Wraps a connected client and its connection (the pair `tokio_postgres::connect`
    /// returns), which it drives itself: a statement run through this `Db` (or its transactions)
    /// polls the connection in its own task while it waits for the server, instead of waiting
    /// to be woken by the connection's task; a spawned task drives it the rest of the time (for
    /// `client()` used directly, say). Two task switches fewer a statement: 1 to 1.5 % off a
    /// primary-key lookup on a local server (`BENCHMARKS.md`).
    /// Needs a tokio runtime, as spawning the connection does. [`Db::connect`] connects this way.
    pub fn drive<C>(client: Client, connection: C) -> Db
    where
        C: std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
    {
        Db::on(Connection::Own {
            client,
            cache: StatementCache::default(),
            driver: Some(Driver::spawn(connection)),
        })
    }

    /// Wraps a client connected through a transaction-mode pooler (PgBouncer, Neon's `-pooler`
    /// endpoints): no named prepared statement is left on the pooler's server connections. Each
    /// query is one unnamed statement with its parameter types, which are learnt once per query
    /// shape inside a short transaction.
    pub fn through_pooler(client: Client) -> Db {
        Db::on(Connection::Unprepared {
            client,
            types: ParamTypes::default(),
        })
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
        Ok(Db::on(Connection::Pooled(object)))
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
        self.transaction_with(TxOptions::new(), f).await
    }

    /// [`Db::transaction`] with an isolation level, read only, deferrable:
    /// `db.transaction_with(TxOptions::new().isolation(Isolation::Serializable), async |tx| …)`.
    pub async fn transaction_with<R, E>(
        &mut self,
        options: TxOptions,
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
            Connection::Own {
                client,
                cache,
                driver,
            } => (client, TxCache::Own(&*cache, driver.as_ref())),
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
        let inner = options
            .begin(client)
            .await
            .map_err(|e| Error::from_postgres(e, Some("BEGIN")))?;
        run_transaction(inner, cache, log_params, f).await
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

    fn driver(&self) -> Option<&Driver> {
        match &self.connection {
            Connection::Own { driver, .. } => driver.as_ref(),
            _ => None,
        }
    }

    fn connection(&self) -> (&Client, Cache<'_>) {
        match &self.connection {
            Connection::Own { client, cache, .. } => (client, Cache::Own(cache)),
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
