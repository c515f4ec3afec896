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

#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub enum Conn<'a> {
    Client(&'a Client),
    Transaction(&'a tokio_postgres::Transaction<'a>),
}

/// Where queries run: a [`Db`] connection or a [`Tx`] transaction.
pub trait Executor: Sync {
    #[doc(hidden)]
    fn connection(&self) -> (Conn<'_>, &StatementCache);
}

/// A connection with its statement cache.
#[derive(Debug)]
pub struct Db {
    client: Client,
    cache: StatementCache,
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
            client,
            cache: StatementCache::default(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn statement_cache(&self) -> &StatementCache {
        &self.cache
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
        let inner = self
            .client
            .transaction()
            .await
            .map_err(|e| Error::from_postgres(e, Some("BEGIN")))?;
        run_transaction(
            Tx {
                inner,
                cache: &self.cache,
            },
            f,
        )
        .await
    }
}

/// A transaction (or a savepoint inside one).
pub struct Tx<'a> {
    inner: tokio_postgres::Transaction<'a>,
    cache: &'a StatementCache,
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
        let inner = self
            .inner
            .transaction()
            .await
            .map_err(|e| Error::from_postgres(e, Some("SAVEPOINT")))?;
        run_transaction(
            Tx {
                inner,
                cache: self.cache,
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
    fn connection(&self) -> (Conn<'_>, &StatementCache) {
        (Conn::Client(&self.client), &self.cache)
    }
}

impl<'a> Executor for Tx<'a> {
    fn connection(&self) -> (Conn<'_>, &StatementCache) {
        (Conn::Transaction(&self.inner), self.cache)
    }
}

impl<E: Executor + ?Sized> Executor for &E {
    fn connection(&self) -> (Conn<'_>, &StatementCache) {
        (**self).connection()
    }
}

impl<E: Executor + ?Sized> Executor for &mut E {
    fn connection(&self) -> (Conn<'_>, &StatementCache) {
        (**self).connection()
    }
}

async fn prepared(exec: &(impl Executor + ?Sized), sql: &str) -> Result<Statement, Error> {
    let (conn, cache) = exec.connection();
    if let Some(statement) = cache.get(sql) {
        return Ok(statement);
    }
    let statement = match conn {
        Conn::Client(client) => client.prepare(sql).await,
        Conn::Transaction(tx) => tx.prepare(sql).await,
    }
    .map_err(|e| Error::from_postgres(e, Some(sql)))?;
    cache.insert(sql, statement.clone());
    Ok(statement)
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
    let (conn, _) = exec.connection();
    match conn {
        Conn::Client(client) => client.query(&statement, &refs).await,
        Conn::Transaction(tx) => tx.query(&statement, &refs).await,
    }
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
    let (conn, _) = exec.connection();
    match conn {
        Conn::Client(client) => client.execute(&statement, &refs).await,
        Conn::Transaction(tx) => tx.execute(&statement, &refs).await,
    }
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
    let (conn, _) = exec.connection();
    let rows = match conn {
        Conn::Client(client) => client.query(&statement, params).await,
        Conn::Transaction(tx) => tx.query(&statement, params).await,
    }
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
    let (conn, _) = exec.connection();
    match conn {
        Conn::Client(client) => client.execute(&statement, params).await,
        Conn::Transaction(tx) => tx.execute(&statement, params).await,
    }
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
