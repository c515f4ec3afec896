//! [`ReplicatedPool`]: a pool per server, whose handles share what is known of the replicas.

use std::fmt;
use std::sync::{Arc, Mutex};

use super::{server_name, Health, Replica, ReplicaOptions, Replicated, Shared, Source};
use crate::exec::{DbPool, Error};

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
    primary: DbPool,
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
        let primary = DbPool::new(primary_url, max_size)?;
        let replicas = replica_urls
            .iter()
            .map(|url| {
                Ok((
                    server_name(url),
                    Arc::new(Source::Pool(DbPool::new(url, max_size)?)),
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
