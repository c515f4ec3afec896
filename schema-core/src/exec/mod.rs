//! The tokio-postgres side: connections with a statement cache, transactions, row decoding and
//! typed errors.

mod error;

use std::collections::HashMap;
use std::sync::Mutex;

use tokio_postgres::{Client, NoTls, Row, Statement};

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

/// The statement cache of a connection: ours, or a pooled connection's own.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
#[derive(Clone, Copy)]
pub enum Cache<'a> {
    Own(&'a StatementCache),
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
}

enum Connection {
    Own {
        client: Client,
        cache: StatementCache,
    },
    #[cfg(feature = "pool")]
    Pooled(deadpool_postgres::Object),
}

/// A connection with its statement cache: opened directly, or checked out of a pool (feature
/// `pool`, deadpool-postgres), in which case it goes back to the pool when dropped.
pub struct Db {
    connection: Connection,
    /// Statements sent to the server through this `Db` (not counting its transactions').
    sent: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.connection {
            Connection::Own { cache, .. } => write!(f, "Db {{ statements: {} }}", cache.len()),
            #[cfg(feature = "pool")]
            Connection::Pooled(_) => f.write_str("Db { pooled }"),
        }
    }
}

/// A pool of connections (deadpool-postgres); see [`pool`].
#[cfg(feature = "pool")]
pub use deadpool_postgres::Pool;

/// A pool of up to `max_size` connections made with `config` (without TLS), each checked with a
/// cheap round trip when it is reused.
#[cfg(feature = "pool")]
pub fn pool(config: tokio_postgres::Config, max_size: usize) -> Result<Pool, Error> {
    let recycling = deadpool_postgres::ManagerConfig {
        recycling_method: deadpool_postgres::RecyclingMethod::Fast,
    };
    let manager = deadpool_postgres::Manager::from_config(config, NoTls, recycling);
    Pool::builder(manager)
        .max_size(max_size)
        .build()
        .map_err(|e| Error::Pool(e.to_string()))
}

impl Db {
    /// Connects without TLS (local and test servers).
    pub async fn connect(url: &str) -> Result<Db, Error> {
        let (client, connection) = tokio_postgres::connect(url, NoTls)
            .await
            .map_err(|e| Error::from_postgres(e, None))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
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
        })
    }

    pub fn client(&self) -> &Client {
        self.connection().0
    }

    /// How many statements (queries and commands, preparation not counted) this `Db` has sent.
    pub fn statements_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many statements this connection has prepared.
    pub fn prepared_statements(&self) -> usize {
        match &self.connection {
            Connection::Own { cache, .. } => cache.len(),
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
        let (client, cache) = match &mut self.connection {
            Connection::Own { client, cache } => (client, TxCache::Own(&*cache)),
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
    fn note_statement(&self) {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn connection(&self) -> (&Client, Cache<'_>) {
        match &self.connection {
            Connection::Own { client, cache } => (client, Cache::Own(cache)),
            #[cfg(feature = "pool")]
            Connection::Pooled(object) => (object, Cache::Pool(&object.statement_cache)),
        }
    }
}

impl Executor for Tx<'_> {
    fn connection(&self) -> (&Client, Cache<'_>) {
        let cache = match &self.cache {
            TxCache::Own(cache) => Cache::Own(cache),
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
}

impl<E: Executor + ?Sized> Executor for &mut E {
    fn connection(&self) -> (&Client, Cache<'_>) {
        (**self).connection()
    }

    fn note_statement(&self) {
        (**self).note_statement()
    }
}

async fn prepared(exec: &(impl Executor + ?Sized), sql: &str) -> Result<Statement, Error> {
    let (client, cache) = exec.connection();
    match cache {
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
    let statement = prepared(exec, sql).await?;
    let refs = param_refs(params);
    let (client, _) = exec.connection();
    exec.note_statement();
    client
        .query(&statement, &refs)
        .await
        .map_err(|e| Error::from_postgres(e, Some(sql)))
}

/// Runs a statement (prepared once per connection) and returns the number of rows it touched.
pub(crate) async fn execute(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[Param],
) -> Result<u64, Error> {
    let statement = prepared(exec, sql).await?;
    let refs = param_refs(params);
    let (client, _) = exec.connection();
    exec.note_statement();
    client
        .execute(&statement, &refs)
        .await
        .map_err(|e| Error::from_postgres(e, Some(sql)))
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
/// `raw_query::<(i64,)>(&db, "SELECT count(*) FROM users WHERE name = $1", &[&"A"])`.
pub async fn raw_query<R: FromRow>(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<Vec<R>, Error> {
    let statement = prepared(exec, sql).await?;
    let (client, _) = exec.connection();
    exec.note_statement();
    let rows = client
        .query(&statement, params)
        .await
        .map_err(|e| Error::from_postgres(e, Some(sql)))?;
    rows.iter().map(|row| R::from_row(row, 0)).collect()
}

/// Runs raw SQL with bound parameters; returns the number of rows touched.
pub async fn raw_execute(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<u64, Error> {
    let statement = prepared(exec, sql).await?;
    let (client, _) = exec.connection();
    exec.note_statement();
    client
        .execute(&statement, params)
        .await
        .map_err(|e| Error::from_postgres(e, Some(sql)))
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
