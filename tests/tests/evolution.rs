//! Schema evolution: the diff's SQL for each change kind (insta), and a database replaying an
//! evolution of several steps through the runner, on every server found, ending with exactly
//! the catalog of a fresh database built from the final schema.

#![allow(dead_code)]

use std::path::PathBuf;

use schema_core::migrate::catalog::Catalog;
use schema_core::migrate::runner::{self, RunnerOptions};
use schema_core::migrate::{
    diff, migration_sql, render, DiffOptions, Generated, MigrateError, MigrationsDir,
};

use schema_core::schema::Schema;
use schema_core::testing::{self, TestDb};

mod v1 {
    use schema_core::prelude::*;

    #[pg_enum(name = "status")]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Status {
        Active,
        Archived,
    }

    #[table(name = "accounts")]
    pub struct Account {
        #[column(primary_key, identity)]
        pub id: i64,
        pub email: String,
        #[column(varchar(100))]
        pub name: String,
        pub age: i32,
        pub legacy: Option<String>,
        #[column(default = Status::Active)]
        pub status: Status,
        #[column(default = "free")]
        pub plan: String,
    }

    #[table(name = "notes")]
    pub struct Note {
        #[column(primary_key, default = random)]
        pub id: Uuid,
        #[column(references = accounts::id)]
        pub account_id: i64,
        pub body: String,
        pub pinned: bool,
    }

    #[table(name = "old_logs")]
    pub struct OldLog {
        #[column(primary_key, identity)]
        pub id: i64,
        pub message: String,
    }

    pub fn schema() -> Schema {
        Schema::new()
            .table::<Account>()
            .table::<Note>()
            .table::<OldLog>()
    }
}

/// Every change kind: enum value in the middle, column rename, widening, drop, add (nullable and
/// defaulted), nullability, default change, unique, check and index on an existing table, FK
/// action change, table rename, table drop, new table with FK, new extension and schema.
mod v2 {
    use schema_core::prelude::*;

    #[pg_enum(name = "status")]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Status {
        Active,
        Paused,
        Archived,
    }

    #[table(
        name = "accounts",
        unique(on(email)),
        index(on(full_name)),
        check(name = "accounts_age_positive", sql = "age >= 0")
    )]
    pub struct Account {
        #[column(primary_key, identity)]
        pub id: i64,
        pub email: String,
        #[column(varchar(100), renamed_from = "name")]
        pub full_name: String,
        pub age: i64,
        #[column(default = Status::Active)]
        pub status: Option<Status>,
        #[column(default = "basic")]
        pub plan: String,
        pub bio: Option<String>,
        #[column(default = 0)]
        pub score: i32,
        /// Refreshed by a database trigger too.
        #[column(default = now, on_update = now, trigger)]
        pub updated_at: Timestamp,
    }

    #[table(name = "memos", renamed_from = "notes", index(on(sql("lower(body)"))))]
    pub struct Note {
        #[column(primary_key, default = random)]
        pub id: Uuid,
        #[column(references = accounts::id, on_delete = cascade)]
        pub account_id: i64,
        pub body: String,
        pub pinned: bool,
    }

    #[table(name = "labels", schema = "meta")]
    pub struct Label {
        #[column(primary_key, identity)]
        pub id: i32,
        #[column(references = accounts::id, on_delete = cascade, index)]
        pub account_id: i64,
        #[column(varchar(50))]
        pub text: String,
    }

    pub fn schema() -> Schema {
        Schema::new()
            .table::<Account>()
            .table::<Note>()
            .table::<Label>()
            .extension("pg_trgm")
    }
}

/// Undoing some of it: a dropped default, a dropped index and unique, a narrowed column (allowed
/// explicitly), NOT NULL again.
mod v3 {
    use schema_core::prelude::*;

    #[pg_enum(name = "status")]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Status {
        Active,
        Paused,
        Archived,
    }

    #[table(
        name = "accounts",
        check(name = "accounts_age_positive", sql = "age >= 0")
    )]
    pub struct Account {
        #[column(primary_key, identity)]
        pub id: i64,
        #[column(varchar(200))]
        pub email: String,
        #[column(varchar(100))]
        pub full_name: String,
        pub age: i64,
        #[column(default = Status::Active)]
        pub status: Status,
        pub plan: String,
        pub bio: Option<String>,
        #[column(default = 0)]
        pub score: i32,
        /// The trigger goes; the builders still refresh it.
        #[column(default = now, on_update = now)]
        pub updated_at: Timestamp,
    }

    #[table(name = "memos", index(on(sql("lower(body)"))))]
    pub struct Note {
        #[column(primary_key, default = random)]
        pub id: Uuid,
        #[column(references = accounts::id, on_delete = cascade)]
        pub account_id: i64,
        pub body: String,
        pub pinned: bool,
    }

    #[table(name = "labels", schema = "meta")]
    pub struct Label {
        #[column(primary_key, identity)]
        pub id: i32,
        #[column(references = accounts::id, on_delete = cascade, index)]
        pub account_id: i64,
        #[column(varchar(50))]
        pub text: String,
    }

    pub fn schema() -> Schema {
        Schema::new()
            .table::<Account>()
            .table::<Note>()
            .table::<Label>()
            .extension("pg_trgm")
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "schema-evolution-{name}-{}",
        schema_core::uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn allow() -> DiffOptions {
    DiffOptions {
        allow_data_loss: true,
    }
}

fn files_text(dir: &PathBuf, from: usize) -> String {
    let journal = MigrationsDir::new(dir).journal().unwrap();
    journal.entries[from..]
        .iter()
        .map(|e| {
            format!(
                "=== {}.sql\n{}",
                e.tag,
                std::fs::read_to_string(dir.join(format!("{}.sql", e.tag))).unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn diff_sql_of_every_change_kind() {
    let dir = temp_dir("sql");
    let _cleanup = Cleanup(dir.clone());
    let migrations = MigrationsDir::new(&dir);
    migrations.generate(&v1::schema(), None).unwrap();
    migrations
        .generate_with(&v2::schema(), None, allow())
        .unwrap();
    insta::assert_snapshot!("v1_to_v2", files_text(&dir, 1));
    migrations
        .generate_with(&v3::schema(), None, allow())
        .unwrap();
    insta::assert_snapshot!("v2_to_v3", files_text(&dir, 3));
    assert!(matches!(
        migrations.generate(&v3::schema(), None).unwrap(),
        Generated::NoChanges
    ));
}

#[test]
fn an_unhinted_drop_is_refused_with_the_hint_to_add() {
    let plan = diff::diff(&v1::schema(), &v2::schema(), DiffOptions::default());
    let refusal = plan.unwrap_err();
    insta::assert_snapshot!(refusal.to_string());

    // Nothing is written when the diff is refused.
    let dir = temp_dir("refused");
    let _cleanup = Cleanup(dir.clone());
    let migrations = MigrationsDir::new(&dir);
    migrations.generate(&v1::schema(), None).unwrap();
    let before = migrations.journal().unwrap();
    assert!(matches!(
        migrations.generate(&v2::schema(), None),
        Err(MigrateError::Refused(_))
    ));
    assert_eq!(migrations.journal().unwrap(), before);
}

#[test]
fn a_rename_with_a_hint_is_a_rename_and_an_enum_value_lands_in_its_place() {
    let plan = diff::diff(&v1::schema(), &v2::schema(), allow()).unwrap();
    let sql: Vec<String> = plan.steps.iter().map(|s| s.sql()).collect();
    assert!(
        sql.contains(&"ALTER TABLE \"notes\" RENAME TO \"memos\";".to_string()),
        "{sql:#?}"
    );
    assert!(sql.contains(
        &"ALTER TABLE \"accounts\" RENAME COLUMN \"name\" TO \"full_name\";".to_string()
    ));
    assert!(
        sql.contains(&"ALTER TYPE \"status\" ADD VALUE 'paused' BEFORE 'archived';".to_string())
    );
    assert!(!sql
        .iter()
        .any(|s| s.contains("DROP COLUMN \"name\"") || s.contains("DROP TABLE \"notes\"")));
}

#[test]
fn removing_an_enum_value_is_refused_with_a_plan() {
    let mut before = v2::schema();
    let mut after = before.clone();
    after.enums[0].labels.to_mut().retain(|l| l != "paused");
    // The column default still names a kept label.
    let refusal = diff::diff(&before, &after, allow()).unwrap_err();
    assert!(
        refusal
            .to_string()
            .contains("removes or renames label(s) 'paused'"),
        "{refusal}"
    );
    assert!(refusal.to_string().contains("Plan:"), "{refusal}");
    before.enums[0].labels.to_mut().reverse();
    assert!(diff::diff(&before, &v2::schema(), allow())
        .unwrap_err()
        .to_string()
        .contains("reorders"));
}

#[test]
fn a_not_null_column_without_default_on_an_existing_table_is_refused() {
    let mut after = v1::schema();
    let accounts = after
        .tables
        .iter_mut()
        .find(|t| t.name == "accounts")
        .unwrap();
    let mut column = accounts.columns[1].clone();
    column.name = "tax_id".into();
    accounts.columns.to_mut().push(column);
    let refusal = diff::diff(&v1::schema(), &after, allow()).unwrap_err();
    assert!(
        refusal
            .to_string()
            .contains("\"tax_id\" of \"accounts\" is added NOT NULL without a default"),
        "{refusal}"
    );
}

async fn apply(client: &mut tokio_postgres::Client, dir: &PathBuf) -> Vec<String> {
    runner::migrate(client, &MigrationsDir::new(dir), RunnerOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|a| a.tag)
        .collect()
}

#[tokio::test]
async fn an_evolution_replayed_equals_a_fresh_database() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let dir = temp_dir("replay");
        let _cleanup = Cleanup(dir.clone());
        let migrations = MigrationsDir::new(&dir);
        let db = TestDb::on(target).await.unwrap();
        let mut client = db.connect().await.unwrap();

        migrations.generate(&v1::schema(), None).unwrap();
        assert_eq!(apply(&mut client, &dir).await, ["0000_init"]);
        // Rows, so that the later steps meet a filled table.
        client
            .batch_execute(
                "INSERT INTO accounts (email, name, age, legacy) VALUES ('a@x.io', 'A', 30, 'l'), ('b@x.io', 'B', 40, NULL);
                 INSERT INTO notes (account_id, body, pinned) SELECT id, 'hello', false FROM accounts;
                 INSERT INTO old_logs (message) VALUES ('bye');",
            )
            .await
            .unwrap();

        migrations
            .generate_with(&v2::schema(), None, allow())
            .unwrap();
        let second = apply(&mut client, &dir).await;
        assert_eq!(
            second.len(),
            2,
            "a transactional file and an online one: {second:?}"
        );
        let renamed: i64 = client
            .query_one("SELECT count(*) FROM memos WHERE body = 'hello'", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(renamed, 2, "the renamed table kept its rows");
        let names: Vec<String> = client
            .query("SELECT full_name FROM accounts ORDER BY id", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(names, ["A", "B"], "the renamed column kept its values");
        // The database-side on-update hook: raw SQL refreshes updated_at, unless it sets it.
        client
            .batch_execute("UPDATE accounts SET updated_at = '2000-01-01'")
            .await
            .unwrap();
        client
            .batch_execute("UPDATE accounts SET bio = 'raw sql' WHERE full_name = 'A'")
            .await
            .unwrap();
        let refreshed: Vec<bool> = client
            .query(
                "SELECT updated_at > '2001-01-01' FROM accounts ORDER BY id",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(
            refreshed,
            [true, false],
            "only the updated row is refreshed, and an explicit value stands"
        );

        migrations
            .generate_with(&v3::schema(), None, allow())
            .unwrap();
        apply(&mut client, &dir).await;
        assert!(
            apply(&mut client, &dir).await.is_empty(),
            "nothing left to apply"
        );

        // The catalog equals the declaration, and a fresh database built from it.
        let replayed = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &v3::schema()).await.unwrap();
        let differences = expected.differences(&replayed);
        assert!(
            differences.is_empty(),
            "on {}:\n  {}",
            target.describe(),
            differences.join("\n  ")
        );
        let fresh_db = TestDb::on(target).await.unwrap();
        let fresh = fresh_db.connect().await.unwrap();
        fresh
            .batch_execute(&migration_sql("fresh", &render::create_all(&v3::schema())))
            .await
            .unwrap();
        let fresh = Catalog::read(&fresh).await.unwrap();
        assert_eq!(
            replayed.to_string(),
            fresh.to_string(),
            "on {}",
            target.describe()
        );

        // No drift: the declared schema needs no migration.
        assert!(migrations.pending_changes(&v3::schema()).unwrap().is_none());
    }
}

/// The kinds the evolution above does not take: dropping an enum and an extension, a column
/// moving off an enum, a primary key that changes, identity removed.
#[test]
fn diff_sql_of_the_remaining_change_kinds() {
    let before = v3::schema();
    let mut after = before.clone();
    after.extensions.clear();
    after.enums.clear();
    let accounts = after
        .tables
        .iter_mut()
        .find(|t| t.name == "accounts")
        .unwrap();
    let status = accounts
        .columns
        .to_mut()
        .iter_mut()
        .find(|c| c.name == "status")
        .unwrap();
    status.sql_type = schema_core::schema::SqlType::Text;
    status.default = Some(schema_core::schema::DefaultValue::Text("active".into()));
    let labels = after
        .tables
        .iter_mut()
        .find(|t| t.name == "labels")
        .unwrap();
    labels.columns.to_mut()[0].identity = None;
    let pk = labels.primary_key.as_mut().unwrap();
    pk.columns = vec!["id".into(), "account_id".into()].into();
    let plan = diff::diff(&before, &after, allow()).unwrap();
    let text = schema_core::migrate::diff_sql("0004_more", &plan.steps, false);
    insta::assert_snapshot!(text);

    // And it applies, on a database built from the first schema.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = TestDb::new().await.unwrap();
        let client = db.connect().await.unwrap();
        client
            .batch_execute(&migration_sql("v3", &render::create_all(&before)))
            .await
            .unwrap();
        client
            .batch_execute(
                "INSERT INTO accounts (email, full_name, age, plan) VALUES ('a@x.io', 'A', 1, 'p')",
            )
            .await
            .unwrap();
        client
            .batch_execute(&format!("BEGIN;\n{text}\nCOMMIT;"))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let catalog = Catalog::read(&client).await.unwrap();
        let differences = Catalog::expected_on(&client, &after)
            .await
            .unwrap()
            .differences(&catalog);
        assert!(differences.is_empty(), "{differences:#?}");
    });
}

/// A unique constraint on a filled table is built online (its index `CONCURRENTLY`, then adopted),
/// unless a foreign key of the same migration needs it inside the transaction; both apply, and the
/// catalog equals the declaration.
#[test]
fn a_unique_is_online_unless_a_new_foreign_key_needs_it() {
    use schema_core::migrate::render::Step;
    use schema_core::schema::{FkAction, ForeignKeyDef, QualifiedName, UniqueDef};

    let before = v3::schema();
    let mut after = before.clone();
    let accounts = after
        .tables
        .iter_mut()
        .find(|t| t.name == "accounts")
        .unwrap();
    for (name, column) in [
        ("accounts_email_key", "email"),
        ("accounts_full_name_key", "full_name"),
    ] {
        accounts.uniques.to_mut().push(UniqueDef {
            name: name.into(),
            columns: vec![column.into()].into(),
            nulls_not_distinct: false,
        });
    }
    let memos = after.tables.iter_mut().find(|t| t.name == "memos").unwrap();
    let mut author = memos.columns[2].clone();
    author.name = "author_email".into();
    author.sql_type = schema_core::schema::SqlType::Varchar(Some(200));
    author.nullable = true;
    memos.columns.to_mut().push(author);
    memos.foreign_keys.to_mut().push(ForeignKeyDef {
        name: "memos_author_email_fkey".into(),
        columns: vec!["author_email".into()].into(),
        references: QualifiedName::new(None, "accounts".into()),
        referenced_columns: vec!["email".into()].into(),
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
    });

    let plan = diff::diff(&before, &after, allow()).unwrap();
    let inline = |name: &str| {
        plan.steps.iter().any(|s| {
            matches!(s, Step::AddUnique { unique, using_index: false, .. } if unique.name == name)
        })
    };
    let online = |name: &str| {
        plan.online
            .iter()
            .any(|s| matches!(s, Step::CreateUniqueIndex { unique, .. } if unique.name == name))
    };
    assert!(inline("accounts_email_key") && !online("accounts_email_key"));
    assert!(online("accounts_full_name_key") && !inline("accounts_full_name_key"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let db = TestDb::new().await.unwrap();
        let client = db.connect().await.unwrap();
        client
            .batch_execute(&migration_sql("v3", &render::create_all(&before)))
            .await
            .unwrap();
        client
            .batch_execute(
                "INSERT INTO accounts (email, full_name, age, plan) VALUES ('a@x.io', 'A', 1, 'p'), ('b@x.io', 'B', 2, 'p')",
            )
            .await
            .unwrap();
        let text = schema_core::migrate::diff_sql("0004_uniques", &plan.steps, false);
        client
            .batch_execute(&format!("BEGIN;\n{text}\nCOMMIT;"))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        // The online file's statements, one at a time outside a transaction, as the runner does.
        for step in &plan.online {
            client
                .batch_execute(&step.sql())
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", step.sql()));
        }
        let catalog = Catalog::read(&client).await.unwrap();
        let differences = Catalog::expected_on(&client, &after)
            .await
            .unwrap()
            .differences(&catalog);
        assert!(differences.is_empty(), "{differences:#?}");
    });
}

/// Every migration of the evolution undone by its down migration gives back the catalog from
/// before it, exactly, on every server; rolled back to nothing and migrated again, the database
/// ends where it started.
#[tokio::test]
async fn each_migration_undone_gives_back_the_catalog_before_it() {
    use schema_core::migrate::rollback::{self, RollbackOptions, Target};
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let dir = temp_dir("down");
        let _cleanup = Cleanup(dir.clone());
        let migrations = MigrationsDir::new(&dir);
        let db = TestDb::on(target).await.unwrap();
        let mut client = db.connect().await.unwrap();
        let on = target.describe();
        // Compared as `check` compares, but for the order of columns: a column the migration
        // dropped is added back last, since PostgreSQL cannot put a column in a place.
        let read = async |client: &tokio_postgres::Client| {
            let mut catalog = Catalog::read(client).await.unwrap();
            for table in catalog.tables.values_mut() {
                table.columns.sort_by(|a, b| a.name.cmp(&b.name));
            }
            catalog
        };
        let mut catalogs = vec![read(&client).await];
        // Every change kind but the added enum label, which PostgreSQL cannot take back (below).
        let same_labels = |mut schema: Schema| {
            schema.enums = v1::schema().enums.clone();
            schema
        };
        let versions = [
            v1::schema(),
            same_labels(v2::schema()),
            same_labels(v3::schema()),
        ];
        for (n, schema) in versions.iter().enumerate() {
            migrations.generate_with(schema, None, allow()).unwrap();
            apply(&mut client, &dir).await;
            if n == 0 {
                client
                    .batch_execute(
                        "INSERT INTO accounts (email, name, age, legacy) VALUES ('a@x.io', 'A', 30, 'l');
                         INSERT INTO notes (account_id, body, pinned) SELECT id, 'hello', false FROM accounts;",
                    )
                    .await
                    .unwrap();
            }
            catalogs.push(read(&client).await);
        }
        let step = RollbackOptions {
            target: Target::Steps(1),
            allow_data_loss: true,
            ..RollbackOptions::default()
        };
        for back in (0..versions.len()).rev() {
            let undone = rollback::rollback(&client, &migrations, &step)
                .await
                .unwrap_or_else(|e| panic!("on {on}, undoing version {}: {e}", back + 1));
            assert!(!undone.is_empty(), "on {on}");
            let now = read(&client).await;
            assert_eq!(
                catalogs[back].differences(&now),
                Vec::<String>::new(),
                "on {on}, after undoing version {}",
                back + 1
            );
        }
        assert!(
            rollback::rollback(&client, &migrations, &step)
                .await
                .unwrap()
                .is_empty(),
            "nothing left to undo"
        );
        apply(&mut client, &dir).await;
        let again = read(&client).await;
        assert_eq!(
            catalogs.last().unwrap().differences(&again),
            Vec::<String>::new(),
            "on {on}: migrated again"
        );
    }
}

/// An added enum label cannot be taken back in place: the down migration says so with the plan,
/// and rollback refuses it, undoing nothing.
#[tokio::test]
async fn an_added_enum_label_is_not_rolled_back() {
    use schema_core::migrate::rollback::{self, RollbackOptions};
    let dir = temp_dir("down-enum");
    let _cleanup = Cleanup(dir.clone());
    let migrations = MigrationsDir::new(&dir);
    let db = TestDb::new().await.unwrap();
    let mut client = db.connect().await.unwrap();
    migrations.generate(&v1::schema(), None).unwrap();
    migrations
        .generate_with(&v2::schema(), None, allow())
        .unwrap();
    apply(&mut client, &dir).await;
    let before = Catalog::read(&client).await.unwrap().to_string();
    let options = RollbackOptions {
        allow_data_loss: true,
        ..RollbackOptions::default()
    };
    let refused = rollback::rollback(&client, &migrations, &options)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("cannot be rolled back"), "{refused}");
    assert!(
        refused.contains("'paused'") && refused.contains("Plan:"),
        "{refused}"
    );
    assert_eq!(Catalog::read(&client).await.unwrap().to_string(), before);
}
