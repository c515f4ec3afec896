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

/// A database another tool made (here: the same schema's SQL run by hand, and drizzle-kit's
/// journal beside it) is adopted by `baseline`: every migration recorded, none run; `migrate`
/// then applies only the migrations that come after; a second baseline is refused.
#[test]
fn baseline_adopts_a_database_that_already_has_the_schema() {
    use schema_core::migrate::{migration_sql, render, runner};
    let (runtime, db, dir) = setup();
    let url = db.url();
    let v1 = || Schema::new().table::<before::Widget>();
    let v2 = || Schema::new().table::<after::Widget>();
    assert_eq!(run(v1(), &dir, &[]), ExitCode::SUCCESS);
    runtime.block_on(async {
        let client = db.connect().await.unwrap();
        client
            .batch_execute(&migration_sql("made_elsewhere", &render::create_all(&v1())))
            .await
            .unwrap();
        client
            .batch_execute(
                "CREATE SCHEMA drizzle; \
                 CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text, created_at bigint); \
                 INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('abc', 1)",
            )
            .await
            .unwrap();
    });
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::FAILURE,
        "without a baseline, the first migration meets the tables it would create"
    );
    let baselined = runtime.block_on(async {
        let client = db.connect().await.unwrap();
        schema_core::migrate::baseline::baseline(
            &client,
            &MigrationsDir::new(&dir),
            runner::RunnerOptions::default(),
        )
        .await
        .unwrap()
    });
    assert_eq!(baselined.recorded.len(), 1);
    assert_eq!(baselined.other_journals.len(), 1);
    assert!(
        baselined.other_journals[0]
            .starts_with("drizzle-kit's journal drizzle.__drizzle_migrations (1 row(s))"),
        "{:?}",
        baselined.other_journals
    );
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS,
        "nothing to apply"
    );
    assert_eq!(
        run(v1(), &dir, &["baseline", "--database-url", &url]),
        ExitCode::FAILURE,
        "a database this tool manages is not baselined again"
    );
    // The schema moves on: only the new migration runs.
    assert_eq!(run(v2(), &dir, &[]), ExitCode::SUCCESS);
    assert_eq!(
        run(v2(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(v2(), &dir, &["check", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    let journal: Vec<(String, bool)> = runtime.block_on(async {
        let client = db.connect().await.unwrap();
        client
            .query(
                "SELECT name, baseline FROM __schema_migrations ORDER BY name",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect()
    });
    // The baseline, then the new migration (and its online part: the index built concurrently).
    assert!(journal.len() >= 2, "{journal:?}");
    assert!(journal[0].1, "{journal:?}");
    assert!(
        journal[1..].iter().all(|(_, baseline)| !baseline),
        "{journal:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A database that is not what the migrations make is refused, each difference listed, and
/// nothing is written: not even the journal table.
#[test]
fn baseline_refuses_a_database_that_differs() {
    use schema_core::migrate::runner;
    let (runtime, db, dir) = setup();
    let url = db.url();
    let v2 = || Schema::new().table::<after::Widget>();
    assert_eq!(run(v2(), &dir, &[]), ExitCode::SUCCESS);
    let refused = runtime.block_on(async {
        let client = db.connect().await.unwrap();
        client
            .batch_execute(
                "CREATE TABLE widgets (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \
                 name text NOT NULL)",
            )
            .await
            .unwrap();
        let refused = schema_core::migrate::baseline::baseline(
            &client,
            &MigrationsDir::new(&dir),
            runner::RunnerOptions::default(),
        )
        .await
        .unwrap_err()
        .to_string();
        let journal: bool = client
            .query_one("SELECT to_regclass('__schema_migrations') IS NOT NULL", &[])
            .await
            .unwrap()
            .get(0);
        assert!(!journal, "nothing written");
        refused
    });
    assert!(refused.contains("cannot be baselined"), "{refused}");
    assert!(
        refused.contains("color"),
        "names the missing column: {refused}"
    );
    assert!(
        refused.contains("widgets_name_idx"),
        "names the missing index: {refused}"
    );
    assert_eq!(
        run(v2(), &dir, &["baseline", "--database-url", &url]),
        ExitCode::FAILURE
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `generate --custom` writes a registered migration to fill in by hand: refused while it is the
/// bare template, edited freely until applied, run in order with the generated ones, refused
/// once edited after it was applied; the next generated migration follows it.
#[test]
fn custom_migrations_run_in_order_and_are_sealed_when_applied() {
    let (runtime, db, dir) = setup();
    let url = db.url();
    let v1 = || Schema::new().table::<before::Widget>();
    let v2 = || Schema::new().table::<after::Widget>();
    let template = std::cell::OnceCell::new();
    let sql = |statements: &str| {
        let path = dir.join("0001_upper_names.sql");
        let template = template.get_or_init(|| std::fs::read_to_string(&path).unwrap());
        std::fs::write(&path, format!("{template}{statements}\n")).unwrap();
    };
    let names = || {
        runtime.block_on(async {
            let client = db.connect().await.unwrap();
            client
                .query("SELECT name FROM widgets ORDER BY id", &[])
                .await
                .unwrap()
                .iter()
                .map(|row| row.get::<_, String>(0))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(run(v1(), &dir, &[]), ExitCode::SUCCESS);
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    runtime.block_on(async {
        let client = db.connect().await.unwrap();
        client
            .batch_execute("INSERT INTO widgets (name) VALUES ('a'), ('b')")
            .await
            .unwrap();
    });
    assert_eq!(
        run(v1(), &dir, &["generate", "--custom"]),
        ExitCode::from(2),
        "a custom migration needs a name"
    );
    assert_eq!(
        run(
            v1(),
            &dir,
            &["generate", "--custom", "--name", "upper names"]
        ),
        ExitCode::SUCCESS
    );
    assert!(dir.join("0001_upper_names.sql").exists());
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::FAILURE,
        "the bare template is not applied"
    );
    // Edited before it is applied: fine, as often as needed.
    sql("UPDATE widgets SET name = name || '!';");
    sql("UPDATE widgets SET name = upper(name);");
    assert_eq!(run(v1(), &dir, &["check"]), ExitCode::SUCCESS);
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(names(), ["A", "B"]);
    // Edited after: refused like any applied file, until restored.
    sql("UPDATE widgets SET name = lower(name);");
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::FAILURE
    );
    assert_eq!(
        run(v1(), &dir, &["check", "--database-url", &url]),
        ExitCode::FAILURE
    );
    sql("UPDATE widgets SET name = upper(name);");
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(names(), ["A", "B"], "applied once");
    // The next generated migration comes after it, from the same snapshot.
    assert_eq!(run(v2(), &dir, &[]), ExitCode::SUCCESS);
    let next = MigrationsDir::new(&dir).journal().unwrap().entries;
    assert!(next.len() >= 3 && !next[2].custom, "{next:?}");
    assert_eq!(
        run(v2(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(v2(), &dir, &["check", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `pull` writes a new folder of declarations, and never over files.
#[test]
fn pull_writes_a_new_folder_and_never_over_files() {
    let (_runtime, db, dir) = setup();
    let url = db.url();
    let v1 = || Schema::new().table::<before::Widget>();
    assert_eq!(run(v1(), &dir, &[]), ExitCode::SUCCESS);
    assert_eq!(
        run(v1(), &dir, &["migrate", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    let out = dir.join("pulled");
    let out_arg = out.to_str().unwrap();
    assert_eq!(
        run(
            v1(),
            &dir,
            &["pull", "--database-url", &url, "--out", out_arg]
        ),
        ExitCode::SUCCESS
    );
    let widgets = std::fs::read_to_string(out.join("widgets_table.rs")).unwrap();
    assert!(widgets.contains("pub struct Widget {"), "{widgets}");
    assert!(
        widgets.contains("#[column(primary_key, identity)]"),
        "{widgets}"
    );
    let root = std::fs::read_to_string(out.join("mod.rs")).unwrap();
    assert!(root.contains(".table::<Widget>()"), "{root}");
    assert_eq!(
        run(
            v1(),
            &dir,
            &["pull", "--database-url", &url, "--out", out_arg]
        ),
        ExitCode::FAILURE,
        "the folder is not empty"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `rollback` undoes the newest migration with its down migration: refused while it would lose
/// data and `--allow-data-loss` is not given, by steps or `--to` a tag; a custom migration rolls
/// back only with a down written by hand.
#[test]
fn rollback_undoes_migrations_with_their_downs() {
    let (runtime, db, dir) = setup();
    let url = db.url();
    let v1 = || Schema::new().table::<before::Widget>();
    let v2 = || Schema::new().table::<after::Widget>();
    let journal = || {
        runtime.block_on(async {
            let client = db.connect().await.unwrap();
            client
                .query("SELECT name FROM __schema_migrations ORDER BY name", &[])
                .await
                .unwrap()
                .iter()
                .map(|row| row.get::<_, String>(0))
                .collect::<Vec<_>>()
        })
    };
    let migrate = |schema: Schema| run(schema, &dir, &["migrate", "--database-url", &url]);
    assert_eq!(run(v1(), &dir, &[]), ExitCode::SUCCESS);
    assert_eq!(migrate(v1()), ExitCode::SUCCESS);
    assert_eq!(run(v2(), &dir, &[]), ExitCode::SUCCESS);
    assert_eq!(migrate(v2()), ExitCode::SUCCESS);
    let all = journal();
    assert!(all.len() >= 2, "{all:?}");
    assert!(dir.join(format!("{}.down.sql", all[1])).exists());
    assert_eq!(
        run(v2(), &dir, &["rollback", "--database-url", &url]),
        ExitCode::FAILURE,
        "dropping the added column loses data"
    );
    assert_eq!(journal(), all, "nothing undone");
    // A generated down edited by hand, or a migration stopped part-way: refused, nothing undone.
    let down = dir.join(format!("{}.down.sql", all[1]));
    let generated = std::fs::read_to_string(&down).unwrap();
    std::fs::write(&down, format!("{generated}DROP TABLE widgets;\n")).unwrap();
    let rollback = || {
        run(
            v2(),
            &dir,
            &["rollback", "--database-url", &url, "--allow-data-loss"],
        )
    };
    assert_eq!(rollback(), ExitCode::FAILURE, "an edited down");
    std::fs::write(&down, &generated).unwrap();
    let mark = |status: &str| {
        runtime.block_on(async {
            let client = db.connect().await.unwrap();
            client
                .execute(
                    "UPDATE __schema_migrations SET status = $1 WHERE name = $2",
                    &[&status, &all[1]],
                )
                .await
                .unwrap();
        })
    };
    mark("running");
    assert_eq!(
        rollback(),
        ExitCode::FAILURE,
        "a migration stopped part-way"
    );
    mark("applied");
    assert_eq!(journal(), all, "nothing undone");
    assert_eq!(rollback(), ExitCode::SUCCESS);
    assert_eq!(journal(), ["0000_init"]);
    assert_eq!(migrate(v2()), ExitCode::SUCCESS);
    assert_eq!(journal(), all, "migrated again");
    assert_eq!(
        run(
            v2(),
            &dir,
            &[
                "rollback",
                "--database-url",
                &url,
                "--to",
                "0000_init",
                "--allow-data-loss"
            ]
        ),
        ExitCode::SUCCESS
    );
    assert_eq!(journal(), ["0000_init"]);
    assert_eq!(migrate(v2()), ExitCode::SUCCESS);

    // A custom migration: no down, no rollback; a down written by hand, a rollback.
    assert_eq!(
        run(v2(), &dir, &["generate", "--custom", "--name", "seed"]),
        ExitCode::SUCCESS
    );
    let tag = MigrationsDir::new(&dir)
        .journal()
        .unwrap()
        .entries
        .last()
        .unwrap()
        .tag
        .clone();
    let path = dir.join(format!("{tag}.sql"));
    let template = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("{template}INSERT INTO widgets (name) VALUES ('seed');\n"),
    )
    .unwrap();
    assert_eq!(migrate(v2()), ExitCode::SUCCESS);
    assert_eq!(
        run(v2(), &dir, &["rollback", "--database-url", &url]),
        ExitCode::FAILURE,
        "a custom migration has no generated down"
    );
    std::fs::write(
        dir.join(format!("{tag}.down.sql")),
        "DELETE FROM widgets WHERE name = 'seed';\n",
    )
    .unwrap();
    assert_eq!(
        run(v2(), &dir, &["check"]),
        ExitCode::SUCCESS,
        "a down file is no stray"
    );
    assert_eq!(
        run(v2(), &dir, &["rollback", "--database-url", &url]),
        ExitCode::SUCCESS
    );
    assert!(!journal().contains(&tag));
    std::fs::remove_dir_all(&dir).ok();
}

/// `push` as a library function: a statement the server refuses comes back with the server's
/// own message, and nothing is left behind (not the push table either); the runner's refusals
/// are typed, for callers to match on.
#[test]
fn a_refused_push_says_why_and_leaves_nothing() {
    use schema_core::migrate::{push, MigrateError, RunnerError};

    let (runtime, db, dir) = setup();
    let migrations = MigrationsDir::new(&dir);
    let schema = Schema::new().table::<misspelled::Widget>();
    runtime.block_on(async {
        let mut client = db.connect().await.unwrap();
        let mut told = Vec::new();
        let error = push::push(&mut client, &migrations, &schema, false, &mut |sql: &str| {
            told.push(sql.to_string())
        })
        .await
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("column \"nmae\" does not exist") && message.contains("failed"),
            "{message}"
        );
        let left: Option<String> = client
            .query_one(
                "SELECT string_agg(relname, ', ') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, None, "the failed push left {left:?} behind");

        let schema = Schema::new().table::<before::Widget>();
        let ran = push::push(&mut client, &migrations, &schema, false, &mut |sql: &str| {
            told.push(sql.to_string())
        })
        .await
        .unwrap();
        assert_eq!(ran, told, "each statement told as it ran");
        assert!(ran[0].starts_with("CREATE TABLE \"widgets\""), "{ran:?}");
        let again = push::push(&mut client, &migrations, &schema, false, &mut |_: &str| {})
            .await
            .unwrap();
        assert!(again.is_empty(), "{again:?}");

        // The runner's refusals are values callers match on.
        let error = schema_core::migrate::runner::refuse_pooled(
            "postgresql://u@example-pooler.neon.tech/db",
        )
        .unwrap_err();
        assert!(
            matches!(error, MigrateError::Runner(RunnerError::ThroughPooler)),
            "{error:?}"
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
}
