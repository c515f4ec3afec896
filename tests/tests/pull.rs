//! `gen-migrations pull`: a live database written as Rust declarations, and back. The pulled
//! code of each fixture database is committed under `tests/src/pulled/` and compiled into this
//! crate; a test pulls again and compares the text (set `PULL_UPDATE=1` to rewrite the files,
//! then review the diff as any generated output), and its `schema()` must build exactly the
//! catalog of the database it came from.

use std::path::{Path, PathBuf};

use schema_core::migrate::catalog::Catalog;
use schema_core::migrate::pull;
use schema_core::schema::Schema;
use schema_core::testing::TestDb;
use schema_tests::support::app_db;

/// Pulls `test_db` and compares (or, with `PULL_UPDATE` set, writes) the folder `name`.
async fn pulled_matches(test_db: &TestDb, name: &str) {
    let client = test_db.connect().await.unwrap();
    let files = pull::pull(&client, &[]).await.unwrap();
    let folder: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/pulled")
        .join(name);
    if std::env::var_os("PULL_UPDATE").is_some() {
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        for (file, text) in &files {
            std::fs::write(folder.join(file), text).unwrap();
        }
        return;
    }
    let mut committed: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    committed.sort();
    let mut written: Vec<String> = files.iter().map(|(f, _)| f.clone()).collect();
    written.sort();
    assert_eq!(written, committed, "the files of {name}");
    for (file, text) in &files {
        let on_disk = std::fs::read_to_string(folder.join(file)).unwrap();
        assert_eq!(
            text, &on_disk,
            "src/pulled/{name}/{file} differs from what pull writes now (PULL_UPDATE=1 rewrites it)"
        );
    }
}

/// The declared schema builds the same catalog as the database it was pulled from.
async fn round_trips(test_db: &TestDb, schema: &Schema) {
    let client = test_db.connect().await.unwrap();
    let live = Catalog::read(&client).await.unwrap();
    let expected = Catalog::expected_on(&client, schema).await.unwrap();
    assert_eq!(expected.differences(&live), Vec::<String>::new());
}

#[tokio::test]
async fn the_example_app_database_pulls_and_round_trips() {
    let (test_db, _db) = app_db(true).await;
    pulled_matches(&test_db, "example_app").await;
    round_trips(&test_db, &schema_tests::pulled::example_app::schema()).await;
}

/// A database made by drizzle-kit's SQL (`tests/fixtures/drizzle_kit.sql`): its names,
/// camelCase columns and `serial` key are pulled as declarations that build the same catalog.
/// On every server the tests have (PostgreSQL 15 and 18): the same files.
#[tokio::test]
async fn a_drizzle_kit_database_pulls_and_round_trips() {
    for target in schema_core::testing::targets().unwrap() {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(include_str!("../fixtures/drizzle_kit.sql"))
            .await
            .unwrap();
        pulled_matches(&test_db, "drizzle_kit").await;
        round_trips(&test_db, &schema_tests::pulled::drizzle_kit::schema()).await;
    }
}

/// A column of every type with a Rust type, generated columns, sequences, row-level security and
/// views (`tests/src/column_types.rs`), pulled: what it writes (`Vec<u8>`, `IpAddr`, `IpCidr`,
/// `MacAddress`, `Interval`, `generated = …`, `nextval(…)`, policies, `#[view]`s) compiles and
/// builds the same catalog.
#[tokio::test]
async fn every_column_type_pulls_and_round_trips() {
    for target in schema_core::testing::targets().unwrap() {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        let schema = schema_tests::column_types::schema();
        client
            .batch_execute(&schema_core::migrate::migration_sql(
                "0000_types",
                &schema_core::migrate::render::create_all(&schema),
            ))
            .await
            .unwrap();
        // A view's query is written as the server prints it, which differs between major
        // versions (PostgreSQL 15 qualifies the column names, 18 does not): the committed text is
        // PostgreSQL 15's; every server round-trips.
        if target.describe().starts_with("PostgreSQL 15") {
            pulled_matches(&test_db, "column_types").await;
        }
        round_trips(&test_db, &schema_tests::pulled::column_types::schema()).await;
    }
}

/// Functions, triggers (the on-update one read back as `on_update = now, trigger`, others as
/// `trigger(…)`) and range, list and hash partitions (`tests/src/routines.rs`), pulled: the code
/// compiles and builds the same catalog.
#[tokio::test]
async fn functions_triggers_and_partitions_pull_and_round_trip() {
    for target in schema_core::testing::targets().unwrap() {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&schema_core::migrate::migration_sql(
                "0000_routines",
                &schema_core::migrate::render::create_all(&schema_tests::routines::schema()),
            ))
            .await
            .unwrap();
        pulled_matches(&test_db, "routines").await;
        round_trips(&test_db, &schema_tests::pulled::routines::schema()).await;
    }
}
