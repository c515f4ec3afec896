//! The migration command line, end to end: generate, migrate, status, check, push and drop, with
//! their exit codes.

#![allow(dead_code)]

use std::path::Path;
use std::process::ExitCode;

use schema_core::migrate::cli;
use schema_core::migrate::MigrationsDir;
use schema_core::schema::Schema;
use schema_core::testing::TestDb;

mod before {
    use schema_core::prelude::*;

    #[table(name = "widgets")]
    pub struct Widget {
        #[column(primary_key, identity)]
        pub id: i64,
        pub name: String,
    }
}

mod after {
    use schema_core::prelude::*;

    #[table(name = "widgets", index(on(name)))]
    pub struct Widget {
        #[column(primary_key, identity)]
        pub id: i64,
        pub name: String,
        pub color: Option<String>,
    }
}

/// SQL written by hand in the declaration that names columns the table does not have.
mod misspelled {
    use schema_core::prelude::*;

    #[table(
        name = "widgets",
        index(on(name), where = "archived = false"),
        check(name = "widgets_name_set", sql = "length(nmae) > 0")
    )]
    pub struct Widget {
        #[column(primary_key, identity)]
        pub id: i64,
        pub name: String,
    }
}

/// A runtime, a fresh database, and a migrations folder of its own (not created yet).
fn setup() -> (tokio::runtime::Runtime, TestDb, std::path::PathBuf) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::new()).unwrap();
    let dir = std::env::temp_dir().join(format!(
        "schema-cli-{}",
        schema_core::uuid::Uuid::new_v4().simple()
    ));
    (runtime, db, dir)
}

fn run(schema: Schema, dir: &Path, args: &[&str]) -> ExitCode {
    let mut argv = vec!["gen-migrations"];
    argv.extend_from_slice(args);
    cli::run(schema, dir.to_path_buf(), argv)
}

#[test]
fn generate_migrate_check_push_and_drop() {
    let (runtime, db, dir) = setup();
    let url = db.url();
    let v1 = || Schema::new().table::<before::Widget>();
    let v2 = || Schema::new().table::<after::Widget>();

    assert_eq!(
        run(v1(), &dir, &[]),
        ExitCode::SUCCESS,
        "generate is the default"
    );
    assert_eq!(run(v1(), &dir, &["check"]), ExitCode::SUCCESS);
    assert_eq!(
        run(v1(), &dir, &["check", "--database-url", &url]),
        ExitCode::FAILURE,
        "not applied yet"
    );
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(v1(), &dir, &["status", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(v1(), &dir, &["check", "--database-url", &url]),
        ExitCode::SUCCESS,
        "no drift"
    );

    // The schema moves on: check says so until a migration is generated and applied.
    assert_eq!(run(v2(), &dir, &["check"]), ExitCode::FAILURE);
    assert_eq!(
        run(v2(), &dir, &["generate", "--name", "color"]),
        ExitCode::SUCCESS
    );
    let tags: Vec<String> = MigrationsDir::new(&dir)
        .journal()
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.tag)
        .collect();
    assert_eq!(tags, ["0000_init", "0001_color", "0002_color_online"]);
    assert_eq!(run(v2(), &dir, &["check"]), ExitCode::SUCCESS);

    // drop removes the newest, unapplied migration: both of its files.
    assert_eq!(
        run(v2(), &dir, &["drop", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(MigrationsDir::new(&dir).journal().unwrap().entries.len(), 1);
    assert!(!dir.join("0002_color_online.sql").exists() && !dir.join("0001_color.sql").exists());
    assert_eq!(run(v2(), &dir, &["check"]), ExitCode::FAILURE);
    assert_eq!(
        run(v2(), &dir, &["generate", "--name", "color"]),
        ExitCode::SUCCESS,
        "written again"
    );
    assert_eq!(
        run(v2(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(v2(), &dir, &["drop", "--database-url", &url]),
        ExitCode::FAILURE,
        "an applied file is not dropped"
    );

    // A drift made behind the migrations' back is found.
    runtime.block_on(async {
        let client = db.connect().await.unwrap();
        client
            .batch_execute("ALTER TABLE widgets ADD COLUMN sneaky int")
            .await
            .unwrap();
    });
    assert_eq!(
        run(v2(), &dir, &["check", "--database-url", &url]),
        ExitCode::FAILURE
    );

    // push applies the schema straight to another database.
    let dev = runtime.block_on(TestDb::new()).unwrap();
    assert_eq!(
        run(v1(), &dir, &["push", "--database-url", &dev.url()]),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(v2(), &dir, &["push", "--database-url", &dev.url()]),
        ExitCode::SUCCESS
    );
    let columns: i64 = runtime.block_on(async {
        let client = dev.connect().await.unwrap();
        client
            .query_one(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'widgets'",
                &[],
            )
            .await
            .unwrap()
            .get(0)
    });
    assert_eq!(columns, 3);
    assert_eq!(
        run(v2(), &dir, &["push", "--database-url", &dev.url()]),
        ExitCode::SUCCESS,
        "nothing to do"
    );

    assert_eq!(
        run(v2(), &dir, &["migrate"]),
        ExitCode::FAILURE,
        "no database given"
    );
    assert_eq!(
        run(v2(), &dir, &["frobnicate"]),
        ExitCode::from(2),
        "usage error"
    );
    let _ = std::fs::remove_dir_all(&dir);
    drop(db);
    drop(dev);
}

#[test]
fn json_output_for_ci() {
    let dir = std::env::temp_dir().join(format!(
        "schema-cli-json-{}",
        schema_core::uuid::Uuid::new_v4().simple()
    ));
    let v1 = || Schema::new().table::<before::Widget>();
    // The library prints; the exit codes carry the verdict, and --json makes the text parseable.
    assert_eq!(run(v1(), &dir, &["--json"]), ExitCode::SUCCESS);
    assert_eq!(run(v1(), &dir, &["--json", "check"]), ExitCode::SUCCESS);
    assert_eq!(
        run(
            Schema::new().table::<after::Widget>(),
            &dir,
            &["check", "--json"]
        ),
        ExitCode::FAILURE
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `generate` with a database lets the server try the declared schema first: a check and an
/// index `where` naming columns the table lacks are refused by name, nothing is written, and
/// `check` says the same; the server's words come back through `migrate::trial`.
#[test]
fn the_server_tries_hand_written_sql_before_a_migration_is_written() {
    let (runtime, db, dir) = setup();
    let url = db.url();
    let bad = || Schema::new().table::<misspelled::Widget>();

    let refused = runtime.block_on(async {
        let client = db.connect().await.unwrap();
        let refused = schema_core::migrate::trial::try_on(&client, &bad())
            .await
            .unwrap();
        // Nothing of the trial is left behind, and the connection is usable.
        let tables: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_class WHERE relname = 'widgets'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(tables, 0);
        refused
    });
    let refused: Vec<String> = refused.iter().map(|r| r.to_string()).collect();
    assert_eq!(
        refused,
        [
            "check `widgets_name_set` of table `widgets`: column \"nmae\" does not exist (hint: \
             Perhaps you meant to reference the column \"widgets.name\".)",
            "index `widgets_name_idx` of table `widgets`: column \"archived\" does not exist",
        ]
    );

    assert_eq!(
        run(bad(), &dir, &["generate", "--database-url", &url]),
        ExitCode::FAILURE,
        "the server refused it"
    );
    assert!(
        !dir.join("0000_init.sql").exists()
            && MigrationsDir::new(&dir)
                .latest_snapshot()
                .unwrap()
                .is_none(),
        "nothing written"
    );
    // Without a database there is nobody to ask: it is written (and `check` with one refuses).
    assert_eq!(run(bad(), &dir, &["generate"]), ExitCode::SUCCESS);
    assert_eq!(
        run(bad(), &dir, &["check", "--database-url", &url]),
        ExitCode::FAILURE
    );
    // The correct form passes both.
    let good = || Schema::new().table::<before::Widget>();
    let fresh = dir.join("good");
    assert_eq!(
        run(good(), &fresh, &["generate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(good(), &fresh, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(good(), &fresh, &["check", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The trial refuses nothing that is right: the example app's schema (enums with defaults,
/// `vector(1536)`, on-update triggers, partial and expression indexes) and the test schema
/// (named schemas, composite keys, many-to-many) pass on every server that has pgvector.
#[test]
fn the_trial_accepts_the_real_schemas() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut tried = 0;
        for target in schema_core::testing::targets().unwrap() {
            if !target.has_extension("vector").await.unwrap() {
                continue;
            }
            let db = TestDb::on(target).await.unwrap();
            let client = db.connect().await.unwrap();
            for schema in [example_app::schema(), schema_tests::schema()] {
                let refused = schema_core::migrate::trial::try_on(&client, &schema)
                    .await
                    .unwrap();
                assert_eq!(refused, [], "{}", target.describe());
            }
            tried += 1;
        }
        assert!(
            tried > 0 || std::env::var_os("CI").is_none(),
            "no server with pgvector under CI"
        );
    });
}
