//! Read replicas on real streaming replication (issue 16): a primary and a hot standby made by
//! `pg_basebackup -R`, on every PostgreSQL build found. Which server ran a statement is asked of
//! the server itself (`pg_is_in_recovery()`).

use std::time::{Duration, Instant};

use schema_core::exec::{
    raw_execute, raw_query, ReplicaOptions, Replicated, ReplicatedPool, Value,
};
use schema_core::migrate::runner::{self, RunnerOptions};
use schema_core::migrate::{MigrateError, MigrationsDir, RunnerError};
use schema_core::prelude::*;
use schema_core::testing::{find_bin_dirs, ReplicaPair};
use schema_tests::support::{cancel_at_every_await, pgbouncer_at};

#[path = "common/log.rs"]
mod log;
#[path = "common/pki.rs"]
mod pki;
use log::Buffer;

#[table(name = "notes")]
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    #[column(primary_key, identity)]
    pub id: i64,
    pub body: String,
}

/// A database `app` with the notes table on the pair's primary, once the standby has it too.
async fn app_database(pair: &ReplicaPair) -> (String, String) {
    let (admin, standby_admin) = (pair.primary_url("postgres"), pair.standby_url("postgres"));
    let client = connect(&admin).await;
    client.batch_execute("CREATE DATABASE app").await.unwrap();
    let primary = pair.primary_url("app");
    let client = connect(&primary).await;
    client
        .batch_execute(
            "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)",
        )
        .await
        .unwrap();
    let standby = pair.standby_url("app");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(db) = Db::connect(&standby).await {
            let ready = raw_query::<(Value<i64>,)>(
                &db,
                "SELECT count(*) FROM pg_class WHERE relname = 'notes'",
                &[],
            )
            .await;
            if matches!(ready.as_deref(), Ok([(Value(1),)])) {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the standby did not replay the database within 30 s ({standby_admin})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (primary, standby)
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// Whether the statement ran on a standby, and how many notes it saw there.
async fn where_read(db: &Replicated) -> Result<(bool, i64), Error> {
    let rows = raw_query::<(Value<bool>, Value<i64>)>(
        db,
        "SELECT pg_is_in_recovery(), (SELECT count(*) FROM notes)",
        &[],
    )
    .await?;
    let (Value(standby), Value(count)) = rows[0];
    Ok((standby, count))
}

#[tokio::test]
async fn reads_go_to_the_replica_writes_to_the_primary_and_reads_see_the_writes() {
    for pair in ReplicaPair::start_all().unwrap() {
        let version = pair.primary.major_version();
        let (primary, standby) = app_database(&pair).await;
        let options = ReplicaOptions::default().read_your_writes(Duration::from_secs(10));
        let mut db = Replicated::connect_with(&primary, &[&standby], options)
            .await
            .unwrap();

        // A read goes to the standby; a write to the primary.
        assert_eq!(where_read(&db).await.unwrap(), (true, 0), "PG {version}");
        let sent = db.primary().statements_sent();
        Note::insert(NewNote::new().body("first"))
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(db.primary().statements_sent(), sent + 1, "PG {version}");

        // Read-your-writes: the next read waits for the standby to replay the insert.
        assert_eq!(where_read(&db).await.unwrap(), (true, 1), "PG {version}");
        let sent = db.primary().statements_sent();
        let notes = Note::select().all(&db).await.unwrap();
        assert_eq!(notes.len(), 1, "PG {version}");
        assert_eq!(
            db.primary().statements_sent(),
            sent,
            "PG {version}: the builder's read went to the replica"
        );
        // Batched loading and counts read on the replica too.
        assert_eq!(Note::select().count(&db).await.unwrap(), 1);
        assert_eq!(db.primary().statements_sent(), sent);

        // A transaction runs on the primary, and the reads after it see it.
        db.transaction(async |tx| {
            Note::insert(NewNote::new().body("second"))
                .execute(tx)
                .await
        })
        .await
        .unwrap();
        assert_eq!(where_read(&db).await.unwrap(), (true, 2), "PG {version}");

        // A read can ask for the primary.
        let on_primary =
            raw_query::<(Value<bool>,)>(db.primary(), "SELECT pg_is_in_recovery()", &[])
                .await
                .unwrap();
        assert!(!on_primary[0].0 .0);

        // A read that writes after all (nextval) is refused by the standby and runs on the
        // primary.
        let next = raw_query::<(Value<i64>,)>(&db, "SELECT nextval('notes_id_seq')", &[])
            .await
            .unwrap();
        assert!(next[0].0 .0 >= 3, "PG {version}");
        // A row lock is a write: the primary.
        let locked = raw_query::<(Value<bool>,)>(
            &db,
            "SELECT pg_is_in_recovery() FROM notes LIMIT 1 FOR UPDATE",
            &[],
        )
        .await;
        assert!(locked.is_err() || !locked.unwrap()[0].0 .0);

        // Each URL gets its own mode: the replica through PgBouncer in transaction mode
        // (`pgbouncer=true`), the primary direct.
        if let Some(bouncer) = pgbouncer_at(
            pair.standby.port(),
            2,
            "a replica reached through PgBouncer",
        ) {
            let pooled = format!(
                "postgresql://postgres@127.0.0.1:{}/app?pgbouncer=true",
                bouncer.port()
            );
            let through_pooler = Replicated::connect(&primary, &[&pooled]).await.unwrap();
            for _ in 0..3 {
                assert!(where_read(&through_pooler).await.unwrap().0);
                assert_eq!(Note::select().count(&through_pooler).await.unwrap(), 2);
            }
        }

        // Pooled: handles from one pool share what is known of the replicas and the writes: a
        // read through one handle sees a write made through another, on the replica.
        let pool = ReplicatedPool::new(
            &primary,
            &[&standby],
            4,
            ReplicaOptions::default().read_your_writes(Duration::from_secs(10)),
        )
        .unwrap();
        let (before_standby, before) = where_read(&pool.get().await.unwrap()).await.unwrap();
        assert!(before_standby, "PG {version}");
        {
            let writer = pool.get().await.unwrap();
            Note::insert(NewNote::new().body("pooled"))
                .execute(&writer)
                .await
                .unwrap();
        }
        let reader = pool.get().await.unwrap();
        assert_eq!(
            where_read(&reader).await.unwrap(),
            (true, before + 1),
            "PG {version}"
        );

        // With the primary in the rotation, reads take turns on both.
        let both = Replicated::connect_with(
            &primary,
            &[&standby],
            ReplicaOptions::default().read_from_primary(),
        )
        .await
        .unwrap();
        let mut servers = Vec::new();
        for _ in 0..4 {
            servers.push(where_read(&both).await.unwrap().0);
        }
        assert!(
            servers.contains(&true) && servers.contains(&false),
            "{servers:?}"
        );

        // The migration runner refuses the replica, naming the fix.
        let mut replica_client = connect(&standby).await;
        let dir = MigrationsDir::new(std::env::temp_dir().join("schema-replicas-none"));
        let refused = runner::migrate(&mut replica_client, &dir, RunnerOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(refused, MigrateError::Runner(RunnerError::Replica)),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("primary's URL"), "{refused}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_standby_stopped_mid_run_is_skipped_then_used_again() {
    let log = Buffer::default();
    let _capture = log.capture();
    for pair in ReplicaPair::start_all().unwrap() {
        let version = pair.primary.major_version();
        let (primary, standby) = app_database(&pair).await;
        let options = ReplicaOptions::default().retry_after(Duration::from_millis(100));
        let db = Replicated::connect_with(&primary, &[&standby], options)
            .await
            .unwrap();
        assert!(where_read(&db).await.unwrap().0);

        // Reads go on while the standby stops: each one is answered (by the primary once the
        // standby is gone), none fails.
        let pair = std::sync::Arc::new(pair);
        let stopping = {
            let pair = std::sync::Arc::clone(&pair);
            tokio::task::spawn_blocking(move || pair.standby.stop_for_now())
        };
        let mut on_primary = 0;
        while !stopping.is_finished() || on_primary == 0 {
            let (standby_read, _) = where_read(&db).await.unwrap_or_else(|e| {
                panic!("PG {version}: a read failed while the standby stopped: {e}")
            });
            if !standby_read {
                on_primary += 1;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stopping.await.unwrap().unwrap();
        assert!(
            db.status()[0].down || !db.status()[0].connected,
            "{:?}",
            db.status()
        );
        assert!(
            !where_read(&db).await.unwrap().0,
            "PG {version}: the primary serves"
        );

        // Back: the standby is used again once its backoff is over.
        let starting = {
            let pair = std::sync::Arc::clone(&pair);
            tokio::task::spawn_blocking(move || pair.standby.start_again())
        };
        starting.await.unwrap().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !where_read(&db).await.unwrap().0 {
            assert!(
                Instant::now() < deadline,
                "PG {version}: the standby was not used again within 30 s: {:?}",
                db.status()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!db.status()[0].down);
        let said = log.text();
        let name = format!("127.0.0.1:{}", pair.standby.port());
        assert!(
            said.contains("replica down: skipped") && said.contains(&name),
            "PG {version}: {said}"
        );
        assert!(said.contains("connected again: back in use"), "{said}");
        assert!(
            !said.contains("postgresql://"),
            "no URL in the logs: {said}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_replica_whose_replay_is_paused_is_detected_and_skipped() {
    let log = Buffer::default();
    let _capture = log.capture();
    for pair in ReplicaPair::start_all().unwrap() {
        let version = pair.primary.major_version();
        let (primary, standby) = app_database(&pair).await;
        let options = ReplicaOptions::default()
            .max_lag(Duration::from_millis(200))
            .check_every(Duration::from_millis(20));
        let db = Replicated::connect_with(&primary, &[&standby], options)
            .await
            .unwrap();
        assert!(where_read(&db).await.unwrap().0);

        // Replay paused on the standby, then writes on the primary: the standby falls behind.
        let replica_admin = connect(&pair.standby_url("app")).await;
        replica_admin
            .batch_execute("SELECT pg_wal_replay_pause()")
            .await
            .unwrap();
        // With read-your-writes, the read after a write does not wait past its bound for a
        // standby that does not replay: it goes to the primary, and sees the write.
        let ryw = Replicated::connect_with(
            &primary,
            &[&standby],
            ReplicaOptions::default().read_your_writes(Duration::from_millis(100)),
        )
        .await
        .unwrap();
        assert_eq!(where_read(&ryw).await.unwrap(), (true, 0), "PG {version}");
        raw_execute(
            &ryw,
            "INSERT INTO notes (body) VALUES ('while paused')",
            &[],
        )
        .await
        .unwrap();
        let started = Instant::now();
        assert_eq!(where_read(&ryw).await.unwrap(), (false, 1), "PG {version}");
        assert!(started.elapsed() >= Duration::from_millis(100));
        // Without it, reads stay on the standby until its lag passes the bound.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (standby_read, count) = where_read(&db).await.unwrap();
            if !standby_read {
                assert_eq!(count, 1, "the primary has the row");
                break;
            }
            assert_eq!(
                count, 0,
                "PG {version}: the paused standby has not replayed the row"
            );
            assert!(
                Instant::now() < deadline,
                "PG {version}: the lag was not detected within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(db.status()[0].lagging, "{:?}", db.status());

        // Replay resumed: the standby catches up and is used again.
        replica_admin
            .batch_execute("SELECT pg_wal_replay_resume()")
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (standby_read, count) = where_read(&db).await.unwrap();
            if standby_read {
                assert_eq!(count, 1);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "PG {version}: the standby was not used again within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!db.status()[0].lagging);
        let said = log.text();
        assert!(
            said.contains("replica lags: skipped"),
            "PG {version}: {said}"
        );
        assert!(said.contains("replica caught up: back in use"), "{said}");
    }
}

/// Read-your-writes holds whatever future is dropped where: a write dropped at any await (which
/// may still land) and a read after a write dropped at any await (while it asks the primary's
/// position, while it waits for the replay), the next read sees every row the primary has.
#[tokio::test]
async fn writes_and_reads_dropped_at_every_await_keep_reads_seeing_writes() {
    for pair in ReplicaPair::start_all().unwrap() {
        let version = pair.primary.major_version();
        let (primary, standby) = app_database(&pair).await;
        let options = ReplicaOptions::default().read_your_writes(Duration::from_secs(10));
        let db = Replicated::connect_with(&primary, &[&standby], options)
            .await
            .unwrap();
        let sees_every_write = async |k: usize| {
            let on_primary =
                raw_query::<(Value<i64>,)>(db.primary(), "SELECT count(*) FROM notes", &[])
                    .await
                    .unwrap()[0]
                    .0
                     .0;
            let (_, seen) = where_read(&db).await.unwrap();
            assert_eq!(seen, on_primary, "PG {version}, dropped at await {k}");
        };
        cancel_at_every_await(
            || raw_execute(&db, "INSERT INTO notes (body) VALUES ('w')", &[]),
            sees_every_write,
        )
        .await;
        cancel_at_every_await(
            || async {
                raw_execute(&db, "INSERT INTO notes (body) VALUES ('r')", &[])
                    .await
                    .unwrap();
                where_read(&db).await.unwrap()
            },
            sees_every_write,
        )
        .await;
    }
}

/// Each URL gets its own TLS, as `Db::connect` gives it: a primary and a standby that accept
/// only TLS, both reached with `sslmode=verify-full` and the test's own CA.
#[tokio::test]
async fn each_server_is_reached_with_its_own_tls() {
    let pki = pki::make_pki("schema-core replica test CA");
    let ca = pki::write_temp("ca.pem", &pki.ca_pem);
    let setup = pki.server_setup(
        "local all all trust\n\
         hostssl all all 127.0.0.1/32 trust\n\
         hostssl replication all 127.0.0.1/32 trust\n",
    );
    // The oldest build, as `tls.rs` uses: Debian's, built with TLS (the pgserver build is not).
    for dir in find_bin_dirs().unwrap().into_iter().take(1) {
        let pair = ReplicaPair::start_with(&dir, &setup).unwrap();
        let url = |port: u16, db: &str| {
            format!(
                "postgresql://postgres@localhost:{port}/{db}?sslmode=verify-full&sslrootcert={}",
                ca.display()
            )
        };
        let admin = Db::connect(&url(pair.primary.port(), "postgres"))
            .await
            .unwrap();
        admin
            .client()
            .batch_execute("CREATE DATABASE app")
            .await
            .unwrap();
        let app = Db::connect(&url(pair.primary.port(), "app")).await.unwrap();
        app.client()
            .batch_execute("CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL)")
            .await
            .unwrap();
        let standby = url(pair.standby.port(), "app");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Db::connect(&standby).await.is_err() {
            assert!(Instant::now() < deadline, "the standby has no database app");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let db = Replicated::connect(&url(pair.primary.port(), "app"), &[&standby])
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let read = raw_query::<(Value<bool>, Value<bool>)>(
                &db,
                "SELECT pg_is_in_recovery(), (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())",
                &[],
            )
            .await;
            match read.as_deref() {
                Ok([(Value(true), Value(ssl))]) => {
                    assert!(*ssl, "the replica is read over TLS");
                    break;
                }
                // The table not replayed yet, or read on the primary meanwhile.
                _ => assert!(
                    Instant::now() < deadline,
                    "no TLS read on the replica: {read:?}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let on_primary = raw_query::<(Value<bool>,)>(
            db.primary(),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
        assert!(on_primary[0].0 .0, "the primary is reached over TLS");
    }
}
