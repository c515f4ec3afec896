//! Reads spread over a primary and a hot standby against the primary alone, under 16 concurrent
//! clients (issue 16). Each client has its own connections; each read is a primary-key select.
//! Throughput, not a ratio to raw: on a machine of few cores the two servers share them, which
//! bounds what the standby can add.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use schema_core::exec::{Executor, ReplicaOptions, Replicated};
use schema_core::prelude::*;
use schema_core::testing::{find_bin_dirs, ReplicaPair};

use crate::Row;

#[table(name = "items")]
pub struct Item {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
}

const CLIENTS: usize = 16;
const ROWS: i64 = 10_000;
const RUN_FOR: Duration = Duration::from_secs(5);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads by `CLIENTS` clients for `RUN_FOR`, each on the executor `make` gives it; reads a second.
async fn throughput<E, F>(make: F) -> Result<f64, BoxError>
where
    E: Executor + Send + 'static,
    F: AsyncFn() -> Result<E, BoxError>,
{
    let done = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let exec = make().await?;
        let done = Arc::clone(&done);
        clients.push(tokio::spawn(async move {
            let started = Instant::now();
            let mut id = client as i64;
            while started.elapsed() < RUN_FOR {
                id = (id * 7919 + 13) % ROWS + 1;
                Item::find(id).one(&exec).await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, schema_core::exec::Error>(())
        }));
    }
    for client in clients {
        client.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / RUN_FOR.as_secs_f64())
}

pub fn run() -> Result<Row, BoxError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dirs = find_bin_dirs()?;
    let pair = ReplicaPair::start(&dirs[0])?;
    runtime.block_on(async {
        let admin = Db::connect(&pair.primary_url("postgres")).await?;
        admin.client().batch_execute("CREATE DATABASE bench").await?;
        let (primary, standby) = (pair.primary_url("bench"), pair.standby_url("bench"));
        let db = Db::connect(&primary).await?;
        db.client()
            .batch_execute(&format!(
                "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
                 INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, {ROWS}) i;
                 ANALYZE items"
            ))
            .await?;
        // Wait for the standby to have every row.
        loop {
            if let Ok(replica) = Db::connect(&standby).await {
                if Item::select().count(&replica).await.unwrap_or(0) == ROWS {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let alone = throughput(async || Ok(Db::connect(&primary).await?)).await?;
        let spread = throughput(async || {
            let options = ReplicaOptions::default().read_from_primary();
            Ok(Replicated::connect_with(&primary, &[&standby], options).await?)
        })
        .await?;
        let per_read = |per_second: f64| Duration::from_secs_f64(1.0 / per_second);
        Ok(Row {
            scenario: format!(
                "{CLIENTS} clients reading by primary key: primary + replica (ours) vs the primary alone (raw)"
            ),
            raw: per_read(alone),
            ours: per_read(spread),
            target: "reported".into(),
            met: true,
            note: format!(
                "{alone:.0} reads/s on the primary alone, {spread:.0} reads/s spread over both \
                 (`Replicated` with `read_from_primary`); PostgreSQL {}, both servers and the \
                 clients on this machine's cores",
                pair.primary.major_version()
            ),
            sqlx: None,
        })
    })
}
