//! How far behind a replica is: the primary's WAL position sampled over time against each
//! replica's replay position, and the position a read must see (read-your-writes).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio_postgres::Client;

use super::{Replica, Replicated};
use crate::exec::{Db, Error};

impl Replicated {
    /// The position reads must see, when reads must see the handle's writes. Cancel-safe: the
    /// writes counted are marked covered only once their position is stored.
    pub(super) async fn read_target(&self) -> Option<u64> {
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
    pub(super) async fn replayed(
        &self,
        replica: &Replica,
        db: &Db,
        target: u64,
        deadline: Instant,
    ) -> bool {
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
    pub(super) async fn measure_if_due(&self) {
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
