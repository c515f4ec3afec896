//! The runner stopped at every statement boundary of a generated online file (issue 10, item 3):
//! its backend terminated, or the whole server stopped at once and started again, then one
//! plain `migrate` finishes the file, and the catalog equals a fresh database's.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use schema_core::migrate::catalog::Catalog;
use schema_core::migrate::runner::{self, Progress, RunnerOptions, JOURNAL_TABLE};
use schema_core::migrate::{migration_sql, render, MigrationsDir};
use schema_core::testing::{self, LocalServer, TestDb};

mod v1 {
    use schema_core::prelude::*;

    #[table(name = "accounts")]
    pub struct Account {
        #[column(primary_key, identity)]
        pub id: i64,
        pub email: String,
        pub name: String,
        pub age: Option<i32>,
    }

    #[table(name = "notes")]
    pub struct Note {
        #[column(primary_key, identity)]
        pub id: i64,
        pub account_id: i64,
        pub body: String,
    }

    pub fn schema() -> Schema {
        Schema::new().table::<Account>().table::<Note>()
    }
}

/// Every online form at once: a unique constraint built concurrently then adopted, a concurrent
/// index, `SET NOT NULL` through a validated check, a foreign key validated apart.
mod v2 {
    use schema_core::prelude::*;

    #[table(name = "accounts", index(name = "accounts_name_idx", on(name)))]
    pub struct Account {
        #[column(primary_key, identity)]
        pub id: i64,
        #[column(unique)]
        pub email: String,
        pub name: String,
        pub age: i32,
    }

    #[table(name = "notes")]
    pub struct Note {
        #[column(primary_key, identity)]
        pub id: i64,
        #[column(references = accounts::id)]
        pub account_id: i64,
        pub body: String,
    }

    pub fn schema() -> Schema {
        Schema::new().table::<Account>().table::<Note>()
    }
}

struct Folder(PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn migrations() -> (Folder, MigrationsDir) {
    let root = std::env::temp_dir().join(format!(
        "schema-kills-{}",
        schema_core::uuid::Uuid::new_v4().simple()
    ));
    let dir = MigrationsDir::new(&root);
    dir.generate(&v1::schema(), None).unwrap();
    dir.generate(&v2::schema(), None).unwrap();
    let online = std::fs::read_dir(&root)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with("_online.sql")
        })
        .count();
    assert_eq!(online, 1, "v2 has an online file");
    (Folder(root), dir)
}

/// A database with v1 applied and rows that v2's constraints accept.
async fn at_v1(db: &TestDb, dir: &MigrationsDir) -> tokio_postgres::Client {
    let mut client = db.connect().await.unwrap();
    let first = MigrationsDir::new(dir.root().join("v1-only"));
    // Only the first migration: a folder with the first file and its journal entry.
    let journal = dir.journal().unwrap();
    std::fs::create_dir_all(first.root().join("meta")).unwrap();
    let entry = &journal.entries[0];
    std::fs::copy(dir.sql_path(&entry.tag), first.sql_path(&entry.tag)).unwrap();
    let only_first = schema_core::migrate::Journal {
        entries: vec![entry.clone()],
        ..journal.clone()
    };
    std::fs::write(
        first.root().join("meta/_journal.json"),
        serde_json::to_string_pretty(&only_first).unwrap(),
    )
    .unwrap();
    runner::migrate(&mut client, &first, RunnerOptions::default())
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(first.root());
    client
        .batch_execute(
            "INSERT INTO accounts (email, name, age) SELECT 'a' || n || '@x.io', 'n' || n, n \
             FROM generate_series(1, 500) n;
             INSERT INTO notes (account_id, body) SELECT n, 'b' FROM generate_series(1, 500) n",
        )
        .await
        .unwrap();
    client
}

/// The statement boundaries the runner reports while it applies v2 on a fresh database.
async fn boundaries(target: testing::Target, dir: &MigrationsDir) -> usize {
    let db = TestDb::on(target).await.unwrap();
    let mut client = at_v1(&db, dir).await;
    let count = AtomicUsize::new(0);
    runner::migrate_reporting(&mut client, dir, RunnerOptions::default(), &mut |p| {
        if matches!(p, Progress::Statement { .. }) {
            count.fetch_add(1, Ordering::SeqCst);
        }
    })
    .await
    .unwrap();
    count.into_inner()
}

/// The catalog of a database built from v2 directly.
async fn fresh_catalog(target: testing::Target) -> String {
    let db = TestDb::on(target).await.unwrap();
    let client = db.connect().await.unwrap();
    client
        .batch_execute(&migration_sql("fresh", &render::create_all(&v2::schema())))
        .await
        .unwrap();
    Catalog::read(&client).await.unwrap().to_string()
}

#[derive(Debug, Clone, Copy)]
enum Stop {
    /// The runner's backend is terminated (`pg_terminate_backend`'s signal).
    Terminate,
    /// The server stops at once (no checkpoint) and starts again.
    Crash,
}

async fn stopped_at_every_boundary_then_finished(
    target: testing::Target,
    server: Option<&LocalServer>,
    stop: Stop,
) {
    let (_folder, dir) = migrations();
    let total = boundaries(target, &dir).await;
    assert!(total >= 8, "{total} boundaries");
    let expected = fresh_catalog(target).await;
    for at in 0..total {
        let db = TestDb::on(target).await.unwrap();
        let mut client = at_v1(&db, &dir).await;
        let backend: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .unwrap()
            .get(0);
        let seen = AtomicUsize::new(0);
        let stopped =
            runner::migrate_reporting(&mut client, &dir, RunnerOptions::default(), &mut |p| {
                if matches!(p, Progress::Statement { .. })
                    && seen.fetch_add(1, Ordering::SeqCst) == at
                {
                    match stop {
                        Stop::Terminate => {
                            let status = std::process::Command::new("kill")
                                .args(["-TERM", &backend.to_string()])
                                .status()
                                .unwrap();
                            assert!(status.success());
                            // The backend ends before it reads another command.
                            std::thread::sleep(std::time::Duration::from_millis(100));
                        }
                        Stop::Crash => server
                            .expect("a server of our own")
                            .crash_and_restart()
                            .unwrap(),
                    }
                }
            })
            .await;
        assert!(
            stopped.is_err(),
            "{stop:?} at boundary {at}: the runner was stopped"
        );
        drop(client);

        // One plain `migrate` finishes it.
        let mut client = db.connect().await.unwrap();
        let applied = runner::migrate(&mut client, &dir, RunnerOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{stop:?} at boundary {at}: {e}"));
        assert!(!applied.is_empty(), "{stop:?} at boundary {at}");
        let statuses: Vec<String> = client
            .query(&format!("SELECT status FROM {JOURNAL_TABLE}"), &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(statuses.iter().all(|s| s == "applied"), "{statuses:?}");
        let catalog = Catalog::read(&client).await.unwrap().to_string();
        assert_eq!(catalog, expected, "{stop:?} at boundary {at}");
        let invalid: i64 = client
            .query_one("SELECT count(*) FROM pg_index WHERE NOT indisvalid", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            invalid, 0,
            "{stop:?} at boundary {at}: no INVALID index left"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_file_terminated_at_every_boundary_is_finished_by_the_next_run() {
    let target = testing::default_target().unwrap();
    stopped_at_every_boundary_then_finished(target, None, Stop::Terminate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_file_whose_server_crashes_at_every_boundary_is_finished_by_the_next_run() {
    // A server of its own, whatever `DATABASE_URL` says: it is crashed on purpose.
    let server: &'static LocalServer = Box::leak(Box::new(
        testing::start_custom_server(&testing::ServerSetup::default()).unwrap(),
    ));
    stopped_at_every_boundary_then_finished(server.target(), Some(server), Stop::Crash).await;
}

/// After a dropped runner or rollback, once `client` answers (whatever the dropped future queued
/// has run): its session settings are reset, the migration lock is free, and no session of the
/// database is idle inside a transaction.
async fn nothing_held(db: &TestDb, client: &tokio_postgres::Client, k: usize) {
    let lock_timeout: String = client
        .query_one("SHOW lock_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(lock_timeout, "0", "dropped at await {k}: settings reset");
    let other = db.connect().await.unwrap();
    let held: i64 = other
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(held, 0, "dropped at await {k}: the lock is free");
    let open: i64 = other
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND state LIKE 'idle in transaction%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(open, 0, "dropped at await {k}: no transaction left open");
}

/// Polls `future` and drops it after its `k`-th `Pending` (it waits on the server there);
/// whether it finished first.
async fn poll_until_pending<F: std::future::Future>(future: F, k: usize) -> bool {
    let mut future = Box::pin(future);
    let mut pending = 0;
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        std::task::Poll::Ready(_) => std::task::Poll::Ready(true),
        std::task::Poll::Pending => {
            pending += 1;
            if pending >= k {
                std::task::Poll::Ready(false)
            } else {
                std::task::Poll::Pending
            }
        }
    })
    .await
}

/// A runner whose future is dropped at every await (a timeout, a cancelled deploy) leaves no
/// lock, no open transaction and no session setting behind, and the next run, on the same
/// connection, finishes the work.
#[tokio::test]
async fn a_runner_dropped_at_every_await_leaves_nothing_held_and_the_next_run_finishes() {
    let (_folder, dir) = migrations();
    let target = testing::default_target().unwrap();
    let expected = fresh_catalog(target).await;
    for k in 1.. {
        let db = TestDb::on(target).await.unwrap();
        let mut client = at_v1(&db, &dir).await;
        let finished = poll_until_pending(
            runner::migrate(&mut client, &dir, RunnerOptions::default()),
            k,
        )
        .await;
        // Whatever the dropped runner queued has run once this answers.
        nothing_held(&db, &client, k).await;
        runner::migrate(&mut client, &dir, RunnerOptions::default())
            .await
            .unwrap_or_else(|e| panic!("dropped at await {k}: {e}"));
        assert_eq!(
            Catalog::read(&client).await.unwrap().to_string(),
            expected,
            "dropped at await {k}"
        );
        if finished {
            assert!(k > 10, "the runner waited only {k} times");
            return;
        }
        assert!(k < 500, "the runner should finish");
    }
}

/// The catalog with its columns in name order: a rolled-back migration adds a dropped column
/// back last, and PostgreSQL cannot place it.
async fn catalog_by_name(client: &tokio_postgres::Client) -> String {
    let mut catalog = Catalog::read(client).await.unwrap();
    for table in catalog.tables.values_mut() {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    catalog.to_string()
}

/// A rollback whose future is dropped at every await leaves no lock, no open transaction and no
/// session setting behind; the migration is either still applied (journal and catalog at v2) or
/// undone (both at v1), never between; and the next rollback finishes the work.
#[tokio::test]
async fn a_rollback_dropped_at_every_await_is_all_or_nothing() {
    use schema_core::migrate::rollback::{self, RollbackOptions};
    let (_folder, dir) = migrations();
    let target = testing::default_target().unwrap();
    let options = RollbackOptions {
        allow_data_loss: true,
        ..RollbackOptions::default()
    };
    let (at_one, at_two) = {
        let db = TestDb::on(target).await.unwrap();
        let mut client = at_v1(&db, &dir).await;
        let one = catalog_by_name(&client).await;
        runner::migrate(&mut client, &dir, RunnerOptions::default())
            .await
            .unwrap();
        (one, catalog_by_name(&client).await)
    };
    let journal_rows = async |client: &tokio_postgres::Client| -> i64 {
        client
            .query_one(&format!("SELECT count(*) FROM {JOURNAL_TABLE}"), &[])
            .await
            .unwrap()
            .get(0)
    };
    for k in 1.. {
        let db = TestDb::on(target).await.unwrap();
        let mut client = at_v1(&db, &dir).await;
        runner::migrate(&mut client, &dir, RunnerOptions::default())
            .await
            .unwrap();
        let applied = journal_rows(&client).await;
        let finished = poll_until_pending(rollback::rollback(&client, &dir, &options), k).await;
        nothing_held(&db, &client, k).await;
        let now = catalog_by_name(&client).await;
        if journal_rows(&client).await == applied {
            assert_eq!(now, at_two, "dropped at await {k}: still applied, whole");
            rollback::rollback(&client, &dir, &options)
                .await
                .unwrap_or_else(|e| panic!("dropped at await {k}: {e}"));
        }
        assert_eq!(
            catalog_by_name(&client).await,
            at_one,
            "dropped at await {k}: undone, whole"
        );
        if finished {
            assert!(k > 3, "the rollback waited only {k} times");
            return;
        }
        assert!(k < 500, "the rollback should finish");
    }
}
