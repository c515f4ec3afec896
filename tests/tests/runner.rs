//! The migration runner against real PostgreSQL: ordering, checksums, failures, concurrency and
//! recovery.

use std::path::{Path, PathBuf};
use std::time::Duration;

use schema_core::migrate::runner::{self, RunnerOptions, State, JOURNAL_TABLE, LOCK_KEY};
use schema_core::migrate::{
    checksum, Journal, JournalEntry, MigrateError, MigrationsDir, FORMAT_VERSION,
};
use schema_core::testing::TestDb;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "schema-runner-{name}-{}",
        schema_core::uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(dir.join("meta")).unwrap();
    dir
}

struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes migration files and a journal with their checksums, as `gen-migrations` would.
fn write_migrations(dir: &Path, files: &[(&str, &str)]) {
    let mut journal = Journal {
        version: FORMAT_VERSION,
        dialect: "postgresql".into(),
        entries: Vec::new(),
    };
    for (i, (tag, sql)) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("{tag}.sql")), sql).unwrap();
        journal.entries.push(JournalEntry {
            idx: i as u32,
            tag: tag.to_string(),
            checksum: checksum(sql.as_bytes()),
            custom: false,
            down: None,
        });
    }
    std::fs::write(
        dir.join("meta/_journal.json"),
        serde_json::to_string_pretty(&journal).unwrap(),
    )
    .unwrap();
}

const FIRST: &str = "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);\n";
const SECOND: &str = "ALTER TABLE items ADD COLUMN price integer;\n";

async fn applied(client: &tokio_postgres::Client) -> Vec<(String, String)> {
    client
        .query(
            &format!("SELECT name, status FROM {JOURNAL_TABLE} ORDER BY name"),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn err_text(result: Result<Vec<runner::Applied>, MigrateError>) -> String {
    result.expect_err("the runner must refuse").to_string()
}

#[tokio::test]
async fn applies_in_order_once_and_reports_status() {
    let dir = temp_dir("order");
    let _cleanup = Cleanup(dir.clone());
    write_migrations(&dir, &[("0000_items", FIRST), ("0001_price", SECOND)]);
    let db = TestDb::new().await.unwrap();
    let mut client = db.connect().await.unwrap();
    let migrations = MigrationsDir::new(&dir);
    let status = runner::status(&client, &migrations).await.unwrap();
    assert!(status.iter().all(|s| s.state == State::Pending));
    let first = runner::migrate(&mut client, &migrations, RunnerOptions::default())
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|a| a.tag.as_str()).collect::<Vec<_>>(),
        ["0000_items", "0001_price"]
    );
    assert!(
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap()
            .is_empty()
    );
    let status = runner::status(&client, &migrations).await.unwrap();
    assert!(
        status
            .iter()
            .all(|s| matches!(s.state, State::Applied { .. })),
        "{status:?}"
    );
}

#[tokio::test]
async fn refuses_an_edited_a_missing_and_an_out_of_order_file() {
    let dir = temp_dir("refuse");
    let _cleanup = Cleanup(dir.clone());
    write_migrations(&dir, &[("0000_items", FIRST), ("0002_price", SECOND)]);
    let db = TestDb::new().await.unwrap();
    let mut client = db.connect().await.unwrap();
    let migrations = MigrationsDir::new(&dir);
    runner::migrate(&mut client, &migrations, RunnerOptions::default())
        .await
        .unwrap();

    // Edited after it was applied (and re-journaled, so the file matches its journal).
    write_migrations(
        &dir,
        &[
            ("0000_items", "CREATE TABLE items (id int);\n"),
            ("0002_price", SECOND),
        ],
    );
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(
        text.contains("migration 0000_items was edited after it was applied"),
        "{text}"
    );

    // Edited without the journal knowing.
    write_migrations(&dir, &[("0000_items", FIRST), ("0002_price", SECOND)]);
    std::fs::write(dir.join("0002_price.sql"), "SELECT 1;\n").unwrap();
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(
        text.contains("0002_price.sql differs from its checksum in the journal"),
        "{text}"
    );

    // An applied file missing from the folder.
    write_migrations(&dir, &[("0000_items", FIRST)]);
    std::fs::remove_file(dir.join("0002_price.sql")).unwrap();
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(
        text.contains("migration 0002_price was applied to the database but its file is missing"),
        "{text}"
    );

    // A new file sorting before the newest applied one.
    write_migrations(
        &dir,
        &[
            ("0000_items", FIRST),
            ("0001_late", "SELECT 1;\n"),
            ("0002_price", SECOND),
        ],
    );
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(
        text.contains("migration 0001_late is not applied but sorts before 0002_price"),
        "{text}"
    );
    assert_eq!(
        applied(&client).await.len(),
        2,
        "nothing was applied by the refused runs"
    );
}

#[tokio::test]
async fn a_failing_statement_rolls_its_file_back_and_leaves_the_journal_exact() {
    let dir = temp_dir("fail");
    let _cleanup = Cleanup(dir.clone());
    let broken = "ALTER TABLE items ADD COLUMN price integer;\nINSERT INTO items VALUES (1, NULL);\nALTER TABLE items ADD COLUMN stock integer;\n";
    write_migrations(&dir, &[("0000_items", FIRST), ("0001_broken", broken)]);
    let db = TestDb::new().await.unwrap();
    let mut client = db.connect().await.unwrap();
    let migrations = MigrationsDir::new(&dir);
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(
        text.contains("migration 0001_broken failed and was rolled back"),
        "{text}"
    );
    assert!(text.contains("null value in column \"name\""), "{text}");
    assert_eq!(
        applied(&client).await,
        [("0000_items".to_string(), "applied".to_string())]
    );
    let columns: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        columns, 2,
        "the failed file's first statement was rolled back too"
    );

    // Fixed, the next run applies it.
    write_migrations(&dir, &[("0000_items", FIRST), ("0001_broken", SECOND)]);
    runner::migrate(&mut client, &migrations, RunnerOptions::default())
        .await
        .unwrap();
    assert_eq!(applied(&client).await.len(), 2);
}

#[tokio::test]
async fn a_file_outside_a_transaction_that_fails_half_way_is_recorded_and_stops_the_next_run() {
    let dir = temp_dir("online");
    let _cleanup = Cleanup(dir.clone());
    let online = "-- migrate:no-transaction\n-- Migration 0001_online\n\nCREATE INDEX CONCURRENTLY items_name_idx ON items (name);\n\nCREATE INDEX CONCURRENTLY broken_idx ON missing_table (x);\n";
    write_migrations(&dir, &[("0000_items", FIRST), ("0001_online", online)]);
    let db = TestDb::new().await.unwrap();
    let mut client = db.connect().await.unwrap();
    let migrations = MigrationsDir::new(&dir);
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(
        text.contains("migration 0001_online failed part-way"),
        "{text}"
    );
    assert_eq!(
        applied(&client).await[1],
        ("0001_online".to_string(), "failed".to_string())
    );
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(
        text.contains("migration 0001_online failed part-way at"),
        "{text}"
    );
    assert!(text.contains("--retry-failed"), "{text}");
}

#[tokio::test]
async fn a_failed_online_file_resumes_at_the_failed_statement_once_fixed() {
    let dir = temp_dir("retry");
    let _cleanup = Cleanup(dir.clone());
    // The first index builds; the unique one meets duplicates and leaves an INVALID index.
    let online = "-- migrate:no-transaction\n-- Migration 0002_online\n\nSET lock_timeout = '5s';\n\n\
                  CREATE INDEX CONCURRENTLY \"items_id_idx\" ON items (id);\n\n\
                  CREATE UNIQUE INDEX CONCURRENTLY \"items_name_key\" ON items (name);\n\n\
                  ALTER TABLE items ADD CONSTRAINT \"items_name_key\" UNIQUE USING INDEX \"items_name_key\";\n";
    write_migrations(
        &dir,
        &[
            ("0000_items", FIRST),
            (
                "0001_rows",
                "INSERT INTO items VALUES (1, 'a'), (2, 'a'), (3, 'b');\n",
            ),
            ("0002_online", online),
        ],
    );
    let db = TestDb::new().await.unwrap();
    let mut client = db.connect().await.unwrap();
    let migrations = MigrationsDir::new(&dir);
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(text.contains("could not create unique index"), "{text}");
    let invalid: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_index WHERE NOT indisvalid AND indexrelid = 'items_name_key'::regclass",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(invalid, 1, "the failed build left an INVALID index");

    // Without the flag: refused, and told how to go on.
    let text = err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(text.contains("--retry-failed"), "{text}");

    // The cause fixed, resumed: the first index is not built again (it would fail, existing),
    // the INVALID one is dropped and built, the constraint adopts it.
    client
        .batch_execute("DELETE FROM items WHERE id = 2")
        .await
        .unwrap();
    let retry = RunnerOptions {
        retry_failed: true,
        ..RunnerOptions::default()
    };
    let applied_now = runner::migrate(&mut client, &migrations, retry)
        .await
        .expect("resumed");
    assert_eq!(
        applied_now
            .iter()
            .map(|a| a.tag.as_str())
            .collect::<Vec<_>>(),
        ["0002_online"]
    );
    assert_eq!(
        applied(&client).await[2],
        ("0002_online".to_string(), "applied".to_string())
    );
    let constraint: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE conname = 'items_name_key' AND contype = 'u'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(constraint, 1);
    let lock_timeout: String = client
        .query_one("SHOW lock_timeout", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(lock_timeout, "0", "reset after the file");
    // Nothing left to do, with or without the flag.
    assert!(runner::migrate(&mut client, &migrations, retry)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn eight_runners_at_once_apply_each_migration_exactly_once() {
    let dir = temp_dir("race");
    let _cleanup = Cleanup(dir.clone());
    let online =
        "-- migrate:no-transaction\n\nCREATE INDEX CONCURRENTLY items_name_idx ON items (name);\n";
    write_migrations(
        &dir,
        &[
            ("0000_items", FIRST),
            (
                "0001_rows",
                "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20000) g;\n",
            ),
            ("0002_index", online),
            ("0003_price", SECOND),
        ],
    );
    let db = TestDb::new().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut client = db.connect().await.unwrap();
        let dir = dir.clone();
        tasks.push(tokio::spawn(async move {
            runner::migrate(
                &mut client,
                &MigrationsDir::new(&dir),
                RunnerOptions::default(),
            )
            .await
        }));
    }
    let mut applied_by_all = Vec::new();
    for task in tasks {
        let applied = task.await.unwrap().expect("no runner fails");
        applied_by_all.extend(applied.into_iter().map(|a| a.tag));
    }
    applied_by_all.sort();
    assert_eq!(
        applied_by_all,
        ["0000_items", "0001_rows", "0002_index", "0003_price"],
        "each file exactly once"
    );
    let check = db.connect().await.unwrap();
    assert_eq!(applied(&check).await.len(), 4);
    let rows: i64 = check
        .query_one("SELECT count(*) FROM items", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 20000);
    let locks: i64 = check
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = ($1::bigint & 4294967295)::oid
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&LOCK_KEY],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(locks, 0, "no advisory lock left behind");
}

#[tokio::test]
async fn a_runner_killed_mid_migration_is_recovered_by_the_next_run() {
    let dir = temp_dir("kill");
    let _cleanup = Cleanup(dir.clone());
    let slow = "ALTER TABLE items ADD COLUMN price integer;\nSELECT pg_sleep(30);\n";
    // The first file applied; then the slow one, in a runner that gets killed.
    write_migrations(&dir, &[("0000_items", FIRST)]);
    let fresh = TestDb::new().await.unwrap();
    let mut victim = fresh.connect().await.unwrap();
    runner::migrate(
        &mut victim,
        &MigrationsDir::new(&dir),
        RunnerOptions::default(),
    )
    .await
    .unwrap();
    write_migrations(&dir, &[("0000_items", FIRST), ("0001_slow", slow)]);
    let pid: i32 = victim
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let dir_for_victim = dir.clone();
    let running = tokio::spawn(async move {
        runner::migrate(
            &mut victim,
            &MigrationsDir::new(&dir_for_victim),
            RunnerOptions::default(),
        )
        .await
    });
    let admin = fresh.connect().await.unwrap();
    // Wait until it sleeps inside the migration, then kill its backend, as a crash would.
    for _ in 0..100 {
        let sleeping: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep%'",
                &[&pid],
            )
            .await
            .unwrap()
            .get(0);
        if sleeping > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&pid])
        .await
        .unwrap();
    assert!(
        running.await.unwrap().is_err(),
        "the killed runner reports an error"
    );

    // Nothing of the killed file stuck, and the lock went with the session: the next run
    // applies it (fast this time).
    let price: i64 = admin
        .query_one("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'price'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(price, 0);
    write_migrations(&dir, &[("0000_items", FIRST), ("0001_slow", SECOND)]);
    let mut next = fresh.connect().await.unwrap();
    let applied_now = runner::migrate(
        &mut next,
        &MigrationsDir::new(&dir),
        RunnerOptions {
            lock_wait: Duration::from_secs(5),
            ..RunnerOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        applied_now
            .iter()
            .map(|a| a.tag.as_str())
            .collect::<Vec<_>>(),
        ["0001_slow"]
    );
}

/// Issue 10, item 4: a journal table of another shape, or with NULLs where values belong, is an
/// error that names the table, the column and what to do; never a panic.
#[tokio::test]
async fn an_unexpected_journal_table_is_an_error_not_a_panic() {
    let dir = temp_dir("journal-shape");
    let _cleanup = Cleanup(dir.clone());
    write_migrations(&dir, &[("0000_items", FIRST)]);
    let db = TestDb::new().await.unwrap();
    let mut client = db.connect().await.unwrap();
    let migrations = MigrationsDir::new(&dir);
    // An older or hand-made journal: `duration_ms integer` is read like `bigint`.
    client
        .batch_execute(&format!(
            "CREATE TABLE {JOURNAL_TABLE} (name text PRIMARY KEY, checksum text, applied_at timestamptz, \
             duration_ms integer, status text, error text)"
        ))
        .await
        .unwrap();
    runner::migrate(&mut client, &migrations, RunnerOptions::default())
        .await
        .unwrap();
    for (edit, column) in [
        ("checksum = NULL", "column checksum is NULL"),
        ("applied_at = NULL", "column applied_at is NULL"),
        ("status = 'maybe'", "column status is \"maybe\""),
    ] {
        client
            .batch_execute(&format!("BEGIN; UPDATE {JOURNAL_TABLE} SET {edit}; COMMIT"))
            .await
            .unwrap();
        let refusal =
            err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
        assert!(refusal.contains(JOURNAL_TABLE), "{refusal}");
        assert!(refusal.contains(column), "{refusal}");
        assert!(refusal.contains("restore the row"), "{refusal}");
        let status = runner::status(&client, &migrations).await;
        assert!(status.is_err());
        client
            .batch_execute(&format!(
                "DROP TABLE {JOURNAL_TABLE}; CREATE TABLE {JOURNAL_TABLE} (name text PRIMARY KEY, \
                 checksum text, applied_at timestamptz, duration_ms integer, status text, error text); \
                 INSERT INTO {JOURNAL_TABLE} VALUES ('0000_items', '{}', now(), 1, 'applied', NULL)",
                checksum(FIRST.as_bytes())
            ))
            .await
            .unwrap();
    }
    // A journal without the columns the runner needs.
    client
        .batch_execute(&format!(
            "DROP TABLE {JOURNAL_TABLE}; CREATE TABLE {JOURNAL_TABLE} (name text)"
        ))
        .await
        .unwrap();
    let refusal =
        err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(refusal.contains("expected the columns"), "{refusal}");
}

/// Issue 10, item 7: files the runner must refuse before it runs anything.
#[tokio::test]
async fn files_the_journal_does_not_list_or_that_control_their_transaction_are_refused() {
    let db = TestDb::new().await.unwrap();
    let mut client = db.connect().await.unwrap();

    // A stray `.sql` file: refused by migrate, status and the file check, naming it.
    let dir = temp_dir("stray");
    let _cleanup = Cleanup(dir.clone());
    write_migrations(&dir, &[("0000_items", FIRST)]);
    std::fs::write(dir.join("0001_by_hand.sql"), SECOND).unwrap();
    let migrations = MigrationsDir::new(&dir);
    let refusal =
        err_text(runner::migrate(&mut client, &migrations, RunnerOptions::default()).await);
    assert!(refusal.contains("0001_by_hand.sql"), "{refusal}");
    assert!(refusal.contains("does not list it"), "{refusal}");
    assert!(runner::status(&client, &migrations).await.is_err());
    assert!(runner::verify_files(&migrations).is_err());
    let journal: bool = client
        .query_one(
            &format!("SELECT to_regclass('{JOURNAL_TABLE}') IS NOT NULL"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!journal, "nothing ran");

    // Its own COMMIT in a transactional file: refused before anything runs.
    let dir = temp_dir("commit");
    let _cleanup_commit = Cleanup(dir.clone());
    let sql = "CREATE TABLE half (id int);\nCOMMIT;\nCREATE TABLE other (id int);\n";
    write_migrations(&dir, &[("0000_half", sql)]);
    let refusal = err_text(
        runner::migrate(
            &mut client,
            &MigrationsDir::new(&dir),
            RunnerOptions::default(),
        )
        .await,
    );
    assert!(
        refusal.contains("controls its own transaction (`COMMIT;`)"),
        "{refusal}"
    );
    assert!(refusal.contains("-- migrate:no-transaction"), "{refusal}");
    let exists: bool = client
        .query_one("SELECT to_regclass('half') IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(!exists, "nothing ran");
    // The same words inside a string, a body or a comment are not transaction control.
    let dir = temp_dir("quoted");
    let _cleanup_quoted = Cleanup(dir.clone());
    let sql = "-- COMMIT;\nCREATE TABLE t (note text DEFAULT 'COMMIT; BEGIN');\n\
               CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n";
    write_migrations(&dir, &[("0000_quoted", sql)]);
    runner::migrate(
        &mut client,
        &MigrationsDir::new(&dir),
        RunnerOptions::default(),
    )
    .await
    .unwrap();
}

/// Issue 10, item 7: journals and snapshots this version cannot trust are refused with what was
/// found: a tag that is not a plain file name, another format version, a table listed twice.
#[test]
fn journals_and_snapshots_that_cannot_be_trusted_are_refused() {
    let sum = checksum(b"x");
    let journal = |version: u32, tag: &str| {
        format!(
            r#"{{"version": {version}, "dialect": "postgresql", "entries": [{{"idx": 0, "tag": "{tag}", "checksum": "{sum}"}}]}}"#
        )
    };
    assert!(Journal::parse(&journal(FORMAT_VERSION, "0000_init")).is_ok());
    for (text, found) in [
        (journal(FORMAT_VERSION, "../x"), "not a plain file name"),
        (journal(FORMAT_VERSION, "a/b"), "not a plain file name"),
        (journal(FORMAT_VERSION, ""), "not a plain file name"),
        (journal(FORMAT_VERSION + 1, "0000_init"), "format version 2"),
    ] {
        let refusal = Journal::parse(&text).expect_err(&text);
        assert!(refusal.contains(found), "{refusal}");
    }
    let twice = format!(
        r#"{{"version": 1, "dialect": "postgresql", "entries": [{{"idx": 0, "tag": "a", "checksum": "{sum}"}}, {{"idx": 1, "tag": "a", "checksum": "{sum}"}}]}}"#
    );
    assert!(Journal::parse(&twice).unwrap_err().contains("listed twice"));

    let schema = schema_tests::schema();
    let mut snapshot = schema_core::migrate::Snapshot::new(schema);
    assert!(schema_core::migrate::Snapshot::parse(&snapshot.to_json()).is_ok());
    snapshot.version = 7;
    let refusal = schema_core::migrate::Snapshot::parse(&snapshot.to_json()).unwrap_err();
    assert!(refusal.contains("format version 7"), "{refusal}");
    snapshot.version = FORMAT_VERSION;
    let first = snapshot.schema.tables[0].clone();
    snapshot.schema.tables.push(first);
    let refusal = schema_core::migrate::Snapshot::parse(&snapshot.to_json()).unwrap_err();
    assert!(refusal.contains("listed twice"), "{refusal}");
}
