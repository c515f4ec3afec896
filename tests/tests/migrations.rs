//! The SQL that migrations are made of (insta snapshots), and the files `gen-migrations` writes.

use std::path::PathBuf;

use schema_core::migrate::{
    checksum, migration_sql, render, Generated, MigrateError, MigrationsDir, Snapshot,
};
use schema_core::schema::Schema;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "schema-tests-{name}-{}",
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

#[test]
fn example_app_create_sql() {
    let sql = migration_sql("0000_init", &render::create_all(&example_app::schema()));
    insta::assert_snapshot!(sql);
}

#[test]
fn test_schema_create_sql() {
    let sql = migration_sql("0000_init", &render::create_all(&schema_tests::schema()));
    insta::assert_snapshot!(sql);
}

/// `bytea`, `inet`, `cidr`, `macaddr`, `interval`, typed `jsonb`, arrays of an enum and of
/// `inet`: each spelled as PostgreSQL takes it.
#[test]
fn column_types_create_sql() {
    let sql = migration_sql(
        "0000_types",
        &render::create_all(&schema_tests::column_types::schema()),
    );
    insta::assert_snapshot!(sql);
}

#[test]
fn test_schema_snapshot_json_round_trips() {
    let snapshot = Snapshot::new(schema_tests::schema());
    let json = snapshot.to_json();
    insta::assert_snapshot!(json);
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back, snapshot,
        "a snapshot reads back as the schema it was written from"
    );
}

/// Views, sequences, policies, grants, comments and generated columns read back from a snapshot
/// as they were written, and a schema generated once has no pending changes (no false drift).
#[test]
fn column_types_snapshot_round_trips_with_no_pending_change() {
    let schema = schema_tests::column_types::schema();
    let snapshot = Snapshot::new(schema.clone());
    let json = snapshot.to_json();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snapshot);
    let dir = temp_dir("column-types");
    let _cleanup = Cleanup(dir.clone());
    let migrations = MigrationsDir::new(&dir);
    migrations.generate(&schema, None).unwrap();
    assert!(matches!(
        migrations.generate(&schema, None).unwrap(),
        Generated::NoChanges
    ));
}

/// The committed migration of the example app is exactly what `gen-migrations` writes for the
/// schema as declared now: nobody edited it by hand, and nobody changed the schema without
/// generating.
#[test]
fn committed_example_migration_is_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../example-app/migrations");
    let committed = MigrationsDir::new(&root);
    let journal = committed.journal().unwrap();
    assert_eq!(journal.entries.len(), 1);
    let entry = &journal.entries[0];
    let sql = std::fs::read(committed.sql_path(&entry.tag)).unwrap();
    assert_eq!(
        entry.checksum,
        checksum(&sql),
        "{} was edited after it was generated",
        entry.tag
    );
    let latest = committed.latest_snapshot().unwrap().unwrap();
    assert_eq!(
        latest.schema,
        example_app::schema(),
        "the schema changed: run `cargo run --bin gen-migrations`"
    );

    let fresh = temp_dir("fresh");
    let _cleanup = Cleanup(fresh.clone());
    let Generated::Written { files, .. } = MigrationsDir::new(&fresh)
        .generate(&example_app::schema(), None)
        .unwrap()
    else {
        panic!("a first migration is written");
    };
    let [written] = files.as_slice() else {
        panic!("one file: {files:?}")
    };
    assert_eq!(written.tag, "0000_init");
    assert_eq!(std::fs::read(&written.sql_path).unwrap(), sql);
    for file in [
        "0000_init.down.sql",
        "meta/0000_snapshot.json",
        "meta/_journal.json",
    ] {
        assert_eq!(
            std::fs::read(fresh.join(file)).unwrap(),
            std::fs::read(root.join(file)).unwrap(),
            "{file} differs from a fresh generation"
        );
    }
}

#[test]
fn generate_writes_once_then_nothing() {
    let dir = temp_dir("twice");
    let _cleanup = Cleanup(dir.clone());
    let migrations = MigrationsDir::new(&dir);
    let schema = schema_tests::schema();
    let Generated::Written { files, .. } = migrations
        .generate(&schema, Some("Create Everything!"))
        .unwrap()
    else {
        panic!("a first migration is written");
    };
    assert_eq!(files[0].tag, "0000_create_everything");
    let files = |d: &PathBuf| {
        let mut names: Vec<String> = walk(d)
            .into_iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        names.sort();
        names
    };
    let before = files(&dir);
    assert_eq!(
        before,
        [
            "0000_create_everything.down.sql",
            "0000_create_everything.sql",
            "meta/0000_snapshot.json",
            "meta/_journal.json"
        ]
    );
    assert!(matches!(
        migrations.generate(&schema, None).unwrap(),
        Generated::NoChanges
    ));
    assert_eq!(files(&dir), before, "an unchanged schema writes nothing");
    let sql = std::fs::read_to_string(dir.join("0000_create_everything.sql")).unwrap();
    assert!(sql.ends_with(";\n"), "files end with a newline");
}

fn walk(dir: &PathBuf) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn generation_is_deterministic_whatever_the_declaration_order() {
    let a = temp_dir("order-a");
    let b = temp_dir("order-b");
    let _cleanup = (Cleanup(a.clone()), Cleanup(b.clone()));
    let forward = Schema::new()
        .table::<example_app::schema::User>()
        .table::<example_app::schema::Project>()
        .table::<example_app::schema::AiUsageLog>()
        .table::<example_app::schema::Context>()
        .table::<example_app::schema::Message>();
    let backward = Schema::new()
        .table::<example_app::schema::Message>()
        .table::<example_app::schema::Context>()
        .table::<example_app::schema::AiUsageLog>()
        .table::<example_app::schema::Project>()
        .table::<example_app::schema::User>();
    MigrationsDir::new(&a).generate(&forward, None).unwrap();
    MigrationsDir::new(&b).generate(&backward, None).unwrap();
    for file in [
        "0000_init.sql",
        "meta/0000_snapshot.json",
        "meta/_journal.json",
    ] {
        assert_eq!(
            std::fs::read(a.join(file)).unwrap(),
            std::fs::read(b.join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_foreign_key_to_a_table_outside_the_schema_is_refused() {
    let dir = temp_dir("invalid");
    let _cleanup = Cleanup(dir.clone());
    // projects references users, which this schema leaves out.
    let schema = Schema::new().table::<example_app::schema::Project>();
    let error = MigrationsDir::new(&dir)
        .generate(&schema, None)
        .unwrap_err();
    assert!(matches!(error, MigrateError::InvalidSchema(_)));
    insta::assert_snapshot!(error.to_string(), @r#"
    the schema is not valid:
      - foreign key "projects_owner_id_fkey" of table "projects" references table "users", which is not in the schema; add it with `.table::<…>()`
    "#);
    assert!(
        walk(&dir).is_empty(),
        "nothing is written for an invalid schema"
    );
}
