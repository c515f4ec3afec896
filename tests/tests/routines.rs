//! Functions, triggers and partitioned tables (`tests/src/routines.rs`), on every server the
//! tests have (PostgreSQL 15 and 18): the migration makes them, `check` finds the declared
//! catalog, the triggers run, rows land in their partitions and queries prune the others; the
//! diff makes, replaces, renames, attaches, detaches and drops them.

use schema_core::migrate::catalog::Catalog;
use schema_core::migrate::{migration_sql, render};
use schema_core::prelude::*;
use schema_core::testing::{self, TestDb};
use schema_tests::routines::{
    accounts, ai_usage_log, schema, Account, AiUsage, NewAccount, NewAiUsage, NewRegion, Region,
};

/// A fresh database on `target` with the schema migrated: a client for raw SQL and a `Db`.
async fn migrated(target: testing::Target) -> (TestDb, tokio_postgres::Client, Db) {
    let test_db = TestDb::on(target).await.unwrap();
    let client = test_db.connect().await.unwrap();
    client
        .batch_execute(&migration_sql(
            "0000_routines",
            &render::create_all(&schema()),
        ))
        .await
        .unwrap_or_else(|e| panic!("the migration applies on {}: {e:?}", target.describe()));
    let db = Db::new(test_db.connect().await.unwrap());
    (test_db, client, db)
}

fn at(text: &str) -> TimestampTz {
    text.parse().unwrap()
}

#[test]
fn the_migration_of_functions_triggers_and_partitions() {
    let sql = migration_sql("0000_routines", &render::create_all(&schema()));
    insta::assert_snapshot!(sql);
}

#[tokio::test]
async fn functions_and_triggers_run_and_check_clean() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, client, db) = migrated(target).await;
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &schema()).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        assert_eq!(
            live.tables["public.accounts"].triggers["accounts_audit_update"]
                .when
                .as_deref(),
            Some("((old.* IS DISTINCT FROM new.*))"),
            "the condition as the server prints it"
        );

        // The SQL function, called by the trigger: the address is stored normalized.
        let ann = Account::insert(NewAccount::new().email("  Ann@Example.COM ").name("Ann"))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!(ann.email, "ann@example.com");

        // `trigger = always` overwrites what the update sets; `trigger` keeps it.
        let old = at("2001-02-03T04:05:06Z");
        let updated = Account::update()
            .set(accounts::updated_at, old)
            .set(accounts::seen_at, old)
            .filter(accounts::id.eq(ann.id))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert!(updated.updated_at > old, "always overwritten");
        assert_eq!(updated.seen_at, old, "kept: the update set it");

        // An update that changes nothing writes no audit row (`WHEN OLD.* IS DISTINCT FROM NEW.*`
        // is false only when the row is equal; `updated_at` changes, so it writes one).
        Account::update()
            .set(accounts::name, "Ann B".to_string())
            .filter(accounts::id.eq(ann.id))
            .execute(&db)
            .await
            .unwrap();
        Account::delete()
            .filter(accounts::id.eq(ann.id))
            .execute(&db)
            .await
            .unwrap();
        let audit: Vec<(String, i64, Option<String>)> = client
            .query(
                "SELECT operation, row_id, detail FROM audit_log ORDER BY id",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        assert_eq!(
            audit,
            vec![
                ("INSERT".to_string(), ann.id, Some("written".to_string())),
                ("UPDATE".to_string(), ann.id, Some("changed".to_string())),
                ("UPDATE".to_string(), ann.id, Some("changed".to_string())),
                ("DELETE".to_string(), ann.id, Some("written".to_string())),
            ]
        );

        // The statement trigger refuses TRUNCATE.
        let refused = client
            .batch_execute("TRUNCATE accounts CASCADE")
            .await
            .unwrap_err();
        let refused = refused.as_db_error().unwrap().message().to_string();
        assert!(
            refused.to_string().contains("accounts are never truncated"),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn rows_land_in_their_partitions_and_queries_prune_the_others() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, client, db) = migrated(target).await;
        let account = Account::insert(NewAccount::new().email("a@b.c").name("A"))
            .returning()
            .one(&db)
            .await
            .unwrap();
        for (month, created) in [
            ("ai_usage_log_y2026m01", "2026-01-31T23:59:59Z"),
            ("ai_usage_log_y2026m02", "2026-02-01T00:00:00Z"),
            ("ai_usage_log_y2026m03", "2026-03-15T12:00:00Z"),
            ("ai_usage_log_rest", "2026-04-01T00:00:00Z"),
            ("ai_usage_log_rest", "2025-12-31T23:59:59Z"),
        ] {
            let row = AiUsage::insert(
                NewAiUsage::new()
                    .account_id(account.id)
                    .model("gpt")
                    .tokens_used(10)
                    .created_at(at(created)),
            )
            .returning()
            .one(&db)
            .await
            .unwrap();
            let partition: String = client
                .query_one(
                    "SELECT tableoid::regclass::text FROM ai_usage_log WHERE id = $1",
                    &[&row.id],
                )
                .await
                .unwrap()
                .get(0);
            assert_eq!(partition, month, "{created} on {}", target.describe());
        }

        // February, read through the builder: one row, and the plan reads one partition.
        let query = AiUsage::select().filter(
            ai_usage_log::created_at
                .ge(at("2026-02-01T00:00:00Z"))
                .and(ai_usage_log::created_at.lt(at("2026-03-01T00:00:00Z"))),
        );
        assert_eq!(query.clone().all(&db).await.unwrap().len(), 1);
        let (sql, _) = query.sql();
        let explain = sql
            .replace("$1", "'2026-02-01 00:00:00+00'::timestamptz")
            .replace("$2", "'2026-03-01 00:00:00+00'::timestamptz");
        let plan: String = client
            .query(&format!("EXPLAIN {explain}"), &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0) + "\n")
            .collect();
        assert!(plan.contains("ai_usage_log_y2026m02"), "{plan}");
        for other in ["y2026m01", "y2026m03", "rest"] {
            assert!(!plan.contains(&format!("ai_usage_log_{other}")), "{plan}");
        }

        // List partitions: by value, the rest in the default one.
        for (code, partition) in [
            ("uk", "regions_europe"),
            ("ca", "regions_americas"),
            ("jp", "regions_other"),
        ] {
            let region = Region::insert(NewRegion::new().code(code).name(code))
                .returning()
                .one(&db)
                .await
                .unwrap();
            let found: String = client
                .query_one(
                    "SELECT tableoid::regclass::text FROM regions WHERE id = $1",
                    &[&region.id],
                )
                .await
                .unwrap()
                .get(0);
            assert_eq!(found, partition);
        }
    }
}

/// The fixture changed the way a team changes it: a function's body and another's arguments, a
/// trigger renamed and another given new arguments, the on-update trigger from `always` to
/// keeping what the update sets, a month added, a month dropped, a list partition given another
/// value.
fn changed() -> schema_core::schema::Schema {
    use schema_core::schema::{OnUpdateTrigger, PartitionBound, PartitionDef};
    let mut schema = with_usage_total(schema(), "account bigint");
    for function in &mut schema.functions {
        if function.name == "normalize_email" {
            function.body = "SELECT lower(btrim(email))".into();
        }
    }
    schema = with_usage_total(
        schema,
        "account bigint, since timestamptz DEFAULT '-infinity'",
    );
    schema
        .functions
        .retain(|f| !(f.name == "usage_total" && f.arguments == "account bigint"));
    for table in &mut schema.tables {
        match &*table.name {
            "accounts" => {
                for trigger in table.triggers.to_mut() {
                    match &*trigger.name {
                        "accounts_audit_update" => trigger.name = "accounts_audit_change".into(),
                        "accounts_audit_insert" => trigger.arguments = vec!["made".into()].into(),
                        _ => {}
                    }
                }
                for column in table.columns.to_mut() {
                    if column.name == "updated_at" {
                        column.on_update_trigger = OnUpdateTrigger::UnlessSet;
                    }
                }
            }
            "ai_usage_log" => {
                let partitions = table.partitions.to_mut();
                partitions.retain(|p| p.name != "ai_usage_log_y2026m01");
                partitions.push(PartitionDef {
                    name: "ai_usage_log_y2026m04".into(),
                    bound: PartitionBound::Range {
                        from: vec!["'2026-04-01 00:00:00+00'".into()].into(),
                        to: vec!["'2026-05-01 00:00:00+00'".into()].into(),
                    },
                });
            }
            "regions" => {
                for partition in table.partitions.to_mut() {
                    if partition.name == "regions_americas" {
                        partition.bound = PartitionBound::In(
                            vec!["'us'".into(), "'ca'".into(), "'mx'".into()].into(),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    schema
}

/// `schema` with an SQL function `usage_total(arguments)`.
fn with_usage_total(
    schema: schema_core::schema::Schema,
    arguments: &'static str,
) -> schema_core::schema::Schema {
    schema.function(
        schema_core::schema::FunctionDef::new("usage_total")
            .arguments(arguments)
            .returns("bigint")
            .language("sql")
            .stable()
            .body("SELECT COALESCE(sum(tokens_used), 0) FROM ai_usage_log WHERE account_id = $1"),
    )
}

#[tokio::test]
async fn the_diff_replaces_renames_attaches_and_drops() {
    use schema_core::migrate::runner::{self, RunnerOptions};
    use schema_core::migrate::{DiffOptions, MigrationsDir};

    for target in testing::targets().expect("a PostgreSQL to test on") {
        let dir = std::env::temp_dir().join(format!(
            "schema-routines-{}",
            schema_core::uuid::Uuid::new_v4().simple()
        ));
        let migrations = MigrationsDir::new(&dir);
        let test_db = TestDb::on(target).await.unwrap();
        let mut client = test_db.connect().await.unwrap();
        let before = with_usage_total(schema(), "account bigint");
        migrations.generate(&before, None).unwrap();
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap();
        client
            .batch_execute(
                "INSERT INTO accounts (email, name) VALUES ('A@x', 'a');
                 INSERT INTO ai_usage_log (account_id, model, tokens_used, created_at)
                 VALUES (1, 'm', 5, '2026-02-10'), (1, 'm', 7, '2026-01-10');
                 INSERT INTO regions (code, name) VALUES ('mx', 'Mexico');",
            )
            .await
            .unwrap();

        // Dropping a month loses its rows: refused unless allowed.
        let refused = migrations
            .generate_with(&changed(), None, DiffOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains(
                "partition \"ai_usage_log_y2026m01\" of \"ai_usage_log\" is no longer declared"
            ),
            "{refused}"
        );
        migrations
            .generate_with(
                &changed(),
                None,
                DiffOptions {
                    allow_data_loss: true,
                },
            )
            .unwrap();
        let journal = migrations.journal().unwrap();
        let file =
            std::fs::read_to_string(dir.join(format!("{}.sql", journal.entries[1].tag))).unwrap();
        insta::assert_snapshot!("routines_changed", file);

        // `mx` sits in the default partition: moving it to `regions_americas` is refused by the
        // server (the attach checks the rows of the default partition), and nothing changes.
        let failed = runner::migrate(&mut client, &migrations, RunnerOptions::default()).await;
        assert!(failed.is_err(), "on {}", target.describe());
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &before).await.unwrap();
        assert_eq!(expected.differences(&live), Vec::<String>::new());

        client
            .batch_execute("DELETE FROM regions WHERE code = 'mx'")
            .await
            .unwrap();
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap_or_else(|e| panic!("on {}: {e}", target.describe()));
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &changed()).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        // The function with its new arguments answers; the February row stayed, January's went.
        let total: i64 = client
            .query_one("SELECT usage_total(1)", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(total, 5);
        // The on-update trigger now keeps what an update sets.
        client
            .batch_execute("UPDATE accounts SET updated_at = '2001-01-01' WHERE id = 1")
            .await
            .unwrap();
        let kept: bool = client
            .query_one(
                "SELECT updated_at = '2001-01-01'::timestamptz FROM accounts WHERE id = 1",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert!(kept);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_new_partitioning_is_refused_with_the_plan() {
    use schema_core::migrate::diff::diff;
    use schema_core::migrate::DiffOptions;
    let before = schema();
    let mut after = schema();
    for table in &mut after.tables {
        if table.name == "sessions" {
            table.partition_by = None;
            table.partitions = Default::default();
        }
    }
    let refused = diff(&before, &after, DiffOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("table \"sessions\" changes from PARTITION BY HASH (id) to not partitioned, which PostgreSQL cannot do in place. Plan:"),
        "{refused}"
    );
}

/// The trial (what `generate` runs with a database) makes the functions, partitions and
/// triggers in the temporary schema, and names what the server refuses: a PL/pgSQL body that
/// does not parse, an SQL body that reads a missing table, a partition whose bound overlaps
/// another's, a trigger calling a function that does not exist.
#[tokio::test]
async fn the_trial_names_refused_functions_partitions_and_triggers() {
    use schema_core::migrate::trial::try_on;
    use schema_core::schema::{FunctionDef, PartitionBound, PartitionDef, QualifiedName};
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        assert_eq!(try_on(&client, &schema()).await.unwrap(), []);

        let mut bad = schema()
            .function(FunctionDef::trigger("broken", "BEGIN RETURN NEW END"))
            .function(
                FunctionDef::new("count_missing")
                    .returns("bigint")
                    .language("sql")
                    .body("SELECT count(*) FROM no_such_table"),
            );
        for table in &mut bad.tables {
            if table.name == "ai_usage_log" {
                table.partitions.to_mut().push(PartitionDef {
                    name: "ai_usage_log_overlap".into(),
                    bound: PartitionBound::Range {
                        from: vec!["'2026-01-15 00:00:00+00'".into()].into(),
                        to: vec!["'2026-02-15 00:00:00+00'".into()].into(),
                    },
                });
            }
            if table.name == "accounts" {
                let mut trigger = table.triggers[0].clone();
                trigger.name = "accounts_missing".into();
                trigger.function = QualifiedName::new(None, "no_such_function".into());
                table.triggers.to_mut().push(trigger);
            }
        }
        let refused: Vec<String> = try_on(&client, &bad)
            .await
            .unwrap()
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(refused.len(), 4, "on {}: {refused:#?}", target.describe());
        assert!(
            refused[0].starts_with("function `broken()`: syntax error"),
            "{refused:#?}"
        );
        assert!(
            refused[1].starts_with("partition `ai_usage_log_overlap` of table `ai_usage_log`:")
                && refused[1].contains("would overlap partition"),
            "{refused:#?}"
        );
        assert!(
            refused[2].starts_with(
                "function `count_missing()`: relation \"no_such_table\" does not exist"
            ),
            "{refused:#?}"
        );
        assert!(
            refused[3].starts_with("trigger `accounts_missing` of table `accounts`: function no_such_function() does not exist"),
            "{refused:#?}"
        );
    }
}

/// Indexes, unique constraints, checks, foreign keys and columns added to a partitioned table
/// that already has partitions and rows: each in the form PostgreSQL allows on one.
#[tokio::test]
async fn a_partitioned_table_takes_new_indexes_constraints_and_columns() {
    use schema_core::migrate::runner::{self, RunnerOptions};
    use schema_core::migrate::{DiffOptions, MigrationsDir};
    use schema_core::schema::{
        CheckDef, ColumnDef, ForeignKeyDef, IndexDef, IndexKey, IndexMethod, IndexTarget,
        QualifiedName, SqlType, UniqueDef,
    };

    for target in testing::targets().expect("a PostgreSQL to test on") {
        let dir = std::env::temp_dir().join(format!(
            "schema-partitioned-{}",
            schema_core::uuid::Uuid::new_v4().simple()
        ));
        let migrations = MigrationsDir::new(&dir);
        let test_db = TestDb::on(target).await.unwrap();
        let mut client = test_db.connect().await.unwrap();
        migrations.generate(&schema(), None).unwrap();
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap();
        client
            .batch_execute(
                "INSERT INTO accounts (email, name) VALUES ('a@x', 'a');
                 INSERT INTO ai_usage_log (account_id, model, tokens_used, created_at)
                 VALUES (1, 'm', 5, '2026-02-10'), (1, 'n', 7, '2026-05-10');",
            )
            .await
            .unwrap();
        let mut after = schema();
        for table in &mut after.tables {
            if table.name != "ai_usage_log" {
                continue;
            }
            table.columns.to_mut().push(ColumnDef {
                name: "audit_id".into(),
                sql_type: SqlType::BigInt,
                array_dims: 0,
                nullable: true,
                default: None,
                identity: None,
                generated: None,
                on_update: None,
                on_update_trigger: Default::default(),
                renamed_from: None,
                comment: None,
            });
            table.indexes.to_mut().push(IndexDef {
                name: "ai_usage_log_model_idx".into(),
                keys: vec![IndexKey {
                    target: IndexTarget::Column("model".into()),
                    order: None,
                    nulls: None,
                    opclass: None,
                }]
                .into(),
                unique: false,
                method: IndexMethod::Btree,
                predicate: None,
                with: None,
            });
            table.uniques.to_mut().push(UniqueDef {
                name: "ai_usage_log_model_created_at_key".into(),
                columns: vec!["model".into(), "created_at".into()].into(),
                nulls_not_distinct: false,
            });
            table.checks.to_mut().push(CheckDef {
                name: "ai_usage_log_tokens_check".into(),
                expression: "tokens_used >= 0".into(),
            });
            table.foreign_keys.to_mut().push(ForeignKeyDef {
                name: "ai_usage_log_audit_id_fkey".into(),
                columns: vec!["audit_id".into()].into(),
                references: QualifiedName::new(None, "audit_log".into()),
                referenced_columns: vec!["id".into()].into(),
                on_delete: Default::default(),
                on_update: Default::default(),
            });
        }
        migrations
            .generate_with(&after, None, DiffOptions::default())
            .unwrap();
        let journal = migrations.journal().unwrap();
        let files: String = journal.entries[1..]
            .iter()
            .map(|entry| std::fs::read_to_string(dir.join(format!("{}.sql", entry.tag))).unwrap())
            .collect();
        insta::assert_snapshot!("partitioned_table_changes", files);
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap_or_else(|e| panic!("on {}: {e}", target.describe()));
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &after).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The example app's `ai_usage_log`, partitioned by month: a user's usage of one month, read
/// through the builder, is read from that month's partition alone.
#[tokio::test]
async fn the_example_apps_usage_log_is_read_by_month() {
    use example_app::schema::{ai_usage_log, users, AiUsageLog, NewAiUsageLog, NewUser, User};
    let (_test_db, db) = schema_tests::support::app_db(false).await;
    let user = User::insert(NewUser::new().email("ada@x.io").name("Ada"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let at = |text: &str| -> Timestamp { text.parse().unwrap() };
    for created in [
        "2026-03-31T23:59:59",
        "2026-04-01T00:00:00",
        "2026-04-30T12:00:00",
    ] {
        AiUsageLog::insert(
            NewAiUsageLog::new()
                .user_id(user.id)
                .model("gpt")
                .tokens_used("10")
                .created_at(at(created)),
        )
        .execute(&db)
        .await
        .unwrap();
    }
    let april = AiUsageLog::select()
        .filter(
            ai_usage_log::user_id
                .eq(user.id)
                .and(ai_usage_log::created_at.ge(at("2026-04-01T00:00:00")))
                .and(ai_usage_log::created_at.lt(at("2026-05-01T00:00:00"))),
        )
        .order_by(ai_usage_log::created_at);
    assert_eq!(april.clone().all(&db).await.unwrap().len(), 2);
    let (sql, _) = april.sql();
    let explain = sql
        .replace("$1", &format!("'{}'::uuid", user.id))
        .replace("$2", "'2026-04-01 00:00:00'::timestamp")
        .replace("$3", "'2026-05-01 00:00:00'::timestamp");
    let plan: Vec<(schema_core::exec::Value<String>,)> =
        schema_core::exec::raw_query(&db, &format!("EXPLAIN {explain}"), &[])
            .await
            .unwrap();
    let plan: String = plan.into_iter().map(|(line,)| line.0 + "\n").collect();
    assert!(plan.contains("ai_usage_log_y2026m04"), "{plan}");
    assert!(!plan.contains("ai_usage_log_y2026m03"), "{plan}");
    assert!(!plan.contains("ai_usage_log_default"), "{plan}");
    // The has-many relation reads every partition.
    let (_, usage) = User::select()
        .filter(users::id.eq(user.id))
        .with(users::usage)
        .one(&db)
        .await
        .unwrap();
    assert_eq!(usage.len(), 3);
}

/// An SQL function calling another (whose name sorts after it) is made after it, in the first
/// migration and in a diff; the trial does not refuse it.
#[tokio::test]
async fn sql_functions_are_made_after_those_they_call() {
    use schema_core::migrate::diff::diff;
    use schema_core::migrate::trial::try_on;
    use schema_core::migrate::DiffOptions;
    use schema_core::schema::FunctionDef;
    let with_calls = || {
        schema()
            .function(
                FunctionDef::new("account_tokens")
                    .arguments("account bigint")
                    .returns("bigint")
                    .language("sql")
                    .body("SELECT tokens_of(account) * 2"),
            )
            .function(
                FunctionDef::new("tokens_of")
                    .arguments("account bigint")
                    .returns("bigint")
                    .language("sql")
                    .body("SELECT COALESCE(sum(tokens_used), 0) FROM ai_usage_log WHERE account_id = account"),
            )
    };
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        assert_eq!(try_on(&client, &with_calls()).await.unwrap(), []);
        client
            .batch_execute(&migration_sql(
                "0000_calls",
                &render::create_all(&with_calls()),
            ))
            .await
            .unwrap_or_else(|e| panic!("on {}: {e:?}", target.describe()));
        let doubled: i64 = client
            .query_one("SELECT account_tokens(1)", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(doubled, 0);

        let (_other, client, _db) = migrated(target).await;
        let plan = diff(&schema(), &with_calls(), DiffOptions::default()).unwrap();
        client
            .batch_execute(&migration_sql("0001_calls", &plan.steps))
            .await
            .unwrap_or_else(|e| panic!("on {}: {e:?}", target.describe()));
    }
}
