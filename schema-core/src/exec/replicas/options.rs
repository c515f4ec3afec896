//! How a [`Replicated`](super::Replicated) handle chooses and watches its replicas.

use std::time::Duration;

/// How a [`Replicated`](super::Replicated) handle chooses and watches its replicas.
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
