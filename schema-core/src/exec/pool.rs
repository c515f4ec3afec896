//! Pools of connections (feature `pool`, deadpool-postgres).

use super::Error;
#[cfg(feature = "tls")]
use super::{connect, db::Connection, pooler::learn_types, Db, ParamTypes};

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
        Ok(Db::on(connection))
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
