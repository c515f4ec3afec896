//! Transactions and savepoints: [`Tx`].

use tokio_postgres::Client;

use super::cache::{Cache, StatementCache};
use super::{Error, Executor, ParamTypes};

/// The isolation level of a transaction (PostgreSQL's default is read committed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    ReadCommitted,
    RepeatableRead,
    /// Transactions behave as if run one after another; one that cannot is refused with
    /// SQLSTATE `40001` ([`Error::is_serialization_failure`]), to be run again.
    Serializable,
}

/// How a transaction begins: `BEGIN ISOLATION LEVEL … READ ONLY DEFERRABLE`, for
/// [`Db::transaction_with`](super::Db::transaction_with).
///
/// ```
/// use schema_core::exec::{Isolation, TxOptions};
/// let report = TxOptions::new().isolation(Isolation::Serializable).read_only().deferrable();
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxOptions {
    isolation: Option<Isolation>,
    read_only: bool,
    deferrable: bool,
}

impl TxOptions {
    pub const fn new() -> Self {
        TxOptions {
            isolation: None,
            read_only: false,
            deferrable: false,
        }
    }

    pub const fn isolation(mut self, level: Isolation) -> Self {
        self.isolation = Some(level);
        self
    }

    /// `READ ONLY`: a write in it is refused by the server.
    pub const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// `DEFERRABLE`: with `Serializable` and `read_only`, the transaction waits until it can
    /// run without any risk of a serialization failure (for long reports).
    pub const fn deferrable(mut self) -> Self {
        self.deferrable = true;
        self
    }

    /// Begins a transaction on `client` with these options.
    pub(super) async fn begin<'a>(
        &self,
        client: &'a mut Client,
    ) -> Result<tokio_postgres::Transaction<'a>, tokio_postgres::Error> {
        let mut builder = client.build_transaction();
        if let Some(level) = self.isolation {
            builder = builder.isolation_level(match level {
                Isolation::ReadCommitted => tokio_postgres::IsolationLevel::ReadCommitted,
                Isolation::RepeatableRead => tokio_postgres::IsolationLevel::RepeatableRead,
                Isolation::Serializable => tokio_postgres::IsolationLevel::Serializable,
            });
        }
        if self.read_only {
            builder = builder.read_only(true);
        }
        if self.deferrable {
            builder = builder.deferrable(true);
        }
        builder.start().await
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
pub(super) enum TxCache<'a> {
    Own(&'a StatementCache, Option<&'a super::Driver>),
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
        run_transaction(inner, cache, log_params, f).await
    }
}

/// Runs `f` in the transaction (or savepoint) `inner` has begun: commits (releases) it on
/// `Ok`, rolls it back on `Err`.
pub(super) async fn run_transaction<R, E>(
    inner: tokio_postgres::Transaction<'_>,
    cache: TxCache<'_>,
    log_params: bool,
    f: impl AsyncFnOnce(&mut Tx<'_>) -> Result<R, E>,
) -> Result<R, E>
where
    E: From<Error>,
{
    let mut tx = Tx {
        inner,
        cache,
        log_params,
    };
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

impl Executor for Tx<'_> {
    fn log_parameters(&self) -> bool {
        self.log_params
    }

    fn in_transaction(&self) -> bool {
        true
    }

    fn connection(&self) -> (&Client, Cache<'_>) {
        let cache = match &self.cache {
            TxCache::Own(cache, _) => Cache::Own(cache),
            TxCache::Unprepared(types) => Cache::Unprepared {
                types,
                in_transaction: true,
            },
            #[cfg(feature = "pool")]
            TxCache::Pool(cache) => Cache::Pool(cache),
        };
        (self.inner.client(), cache)
    }

    fn driver(&self) -> Option<&super::Driver> {
        match &self.cache {
            TxCache::Own(_, driver) => *driver,
            _ => None,
        }
    }
}
