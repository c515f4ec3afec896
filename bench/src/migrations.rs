//! `gen-migrations` on generated schemas, and the build of a generated schema crate.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use schema_core::migrate::{diff, DiffOptions, MigrationsDir};
use schema_core::schema::{
    ColumnDef, DefaultValue, FkAction, ForeignKeyDef, IndexDef, IndexKey, IndexMethod, IndexTarget,
    PrimaryKeyDef, QualifiedName, Schema, SqlType, TableDef,
};

/// `tables` tables of 20 columns, each with a primary key, a foreign key to the previous table
/// and an index; `extra` adds one nullable column to every table.
pub fn schema(tables: usize, extra: bool) -> Schema {
    let mut schema = Schema::new();
    for t in 0..tables {
        let name = format!("table_{t:05}");
        let mut columns = vec![ColumnDef {
            name: "id".into(),
            sql_type: SqlType::BigInt,
            array_dims: 0,
            nullable: false,
            default: None,
            identity: Some(schema_core::schema::Identity::ByDefault),
            generated: None,
            on_update: None,
            on_update_trigger: schema_core::schema::OnUpdateTrigger::Off,
            renamed_from: None,
            comment: None,
        }];
        for c in 1..20 {
            let sql_type = match c % 4 {
                0 => SqlType::Text,
                1 => SqlType::Integer,
                2 => SqlType::Varchar(Some(255)),
                _ => SqlType::TimestampTz,
            };
            columns.push(ColumnDef {
                name: format!("column_{c:02}").into(),
                default: (c % 4 == 1).then(|| DefaultValue::Number("0".into())),
                nullable: c % 3 == 0,
                sql_type,
                array_dims: 0,
                identity: None,
                generated: None,
                on_update: None,
                on_update_trigger: schema_core::schema::OnUpdateTrigger::Off,
                renamed_from: None,
                comment: None,
            });
        }
        if extra {
            columns.push(ColumnDef {
                name: "added".into(),
                sql_type: SqlType::Text,
                array_dims: 0,
                nullable: true,
                default: None,
                identity: None,
                generated: None,
                on_update: None,
                on_update_trigger: schema_core::schema::OnUpdateTrigger::Off,
                renamed_from: None,
                comment: None,
            });
        }
        let foreign_keys = if t > 0 {
            vec![ForeignKeyDef {
                name: format!("{name}_column_01_fkey").into(),
                columns: vec![Cow::from("column_01")].into(),
                references: QualifiedName::new(None, format!("table_{:05}", t - 1).into()),
                referenced_columns: vec![Cow::from("id")].into(),
                on_delete: FkAction::Cascade,
                on_update: FkAction::NoAction,
            }]
        } else {
            Vec::new()
        };
        schema.add_table(TableDef {
            schema: None,
            renamed_from: None,
            primary_key: Some(PrimaryKeyDef {
                name: format!("{name}_pkey").into(),
                columns: vec![Cow::from("id")].into(),
            }),
            uniques: Vec::new().into(),
            indexes: vec![IndexDef {
                name: format!("{name}_column_02_idx").into(),
                keys: vec![IndexKey {
                    target: IndexTarget::Column("column_02".into()),
                    order: None,
                    nulls: None,
                    opclass: None,
                }]
                .into(),
                unique: false,
                method: IndexMethod::Btree,
                predicate: None,
                with: None,
            }]
            .into(),
            foreign_keys: foreign_keys.into(),
            checks: Vec::new().into(),
            soft_delete: None,
            row_security: schema_core::schema::RowSecurity::Off,
            policies: Vec::new().into(),
            comment: None,
            grants: Vec::new().into(),
            triggers: Vec::new().into(),
            partition_by: None,
            partitions: Vec::new().into(),
            columns: columns.into(),
            name: name.into(),
        });
    }
    schema
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schema-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub fn run() -> String {
    let mut out = String::new();
    writeln!(
        out,
        "| tables | in-memory diff (1 column added to every table) | whole generate of that change (diff, SQL, snapshot, journal) | first generate (create all) |"
    )
    .ok();
    writeln!(out, "| --- | --- | --- | --- |").ok();
    for tables in [100, 500, 1000, 2000, 5000] {
        let before = schema(tables, false);
        let after = schema(tables, true);
        let diff_time = best_of(5, || {
            diff::diff(&before, &after, DiffOptions::default()).unwrap()
        });
        let dir = temp(&format!("gen-{tables}"));
        let migrations = MigrationsDir::new(&dir);
        let t = Instant::now();
        migrations.generate(&before, None).unwrap();
        let first = t.elapsed();
        let t = Instant::now();
        migrations.generate(&after, None).unwrap();
        let whole = t.elapsed();
        let _ = std::fs::remove_dir_all(&dir);
        writeln!(
            out,
            "| {tables} | {} | {} | {} |",
            crate::ms(diff_time),
            crate::ms(whole),
            crate::ms(first)
        )
        .ok();
    }
    writeln!(out, "\nTargets at 1,000 tables: in-memory diff ≤ 50 ms, whole generate ≤ 1 s, linear from 100 to 5,000.").ok();
    out
}

/// A crate of `tables` `#[table]` structs of 10 columns, depending on schema-core by path.
fn write_crate(root: &Path, tables: usize, variant: bool) {
    let src = root.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let core = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schema-core")
        .canonicalize()
        .unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"generated-schema\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nschema-core = {{ path = \"{}\", default-features = false }}\n\n[workspace]\n",
            core.display()
        ),
    )
    .unwrap();
    let mut code = String::from("#![allow(dead_code)]\nuse schema_core::prelude::*;\n\n");
    for t in 0..tables {
        let parent = if t > 0 {
            format!("    #[column(references = table_{:04}::id, on_delete = cascade)]\n    pub parent_id: i64,\n", t - 1)
        } else {
            "    pub parent_id: i64,\n".into()
        };
        let changed = if variant && t == tables / 2 {
            "    pub extra: Option<String>,\n"
        } else {
            ""
        };
        writeln!(
            code,
            "#[table(name = \"table_{t:04}\", index(on(name)))]\npub struct Table{t} {{\n    #[column(primary_key, identity)]\n    pub id: i64,\n{parent}    #[column(varchar(100))]\n    pub name: String,\n    pub note: Option<String>,\n    #[column(default = 0)]\n    pub count: i32,\n    pub flag: bool,\n    #[column(default = now)]\n    pub created_at: Timestamp,\n    #[column(default = now, on_update = now)]\n    pub updated_at: Timestamp,\n    pub score: f64,\n    pub owner: Uuid,\n{changed}}}\n"
        )
        .ok();
    }
    std::fs::write(src.join("lib.rs"), code).unwrap();
}

fn cargo_build(root: &Path, target: &Path) -> Duration {
    let t = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .status()
        .expect("cargo build");
    assert!(status.success(), "the generated crate builds");
    t.elapsed()
}

pub fn build_times() -> String {
    let mut out = String::new();
    writeln!(out, "| tables | cold build, dependencies included (empty target folder) | clean build of the crate (dependencies built) | rebuild after one column is added | lib.rs lines |").ok();
    writeln!(out, "| --- | --- | --- | --- | --- |").ok();
    for tables in [50, 100] {
        let target = temp(&format!("build-target-{tables}"));
        let root = temp(&format!("crate-{tables}"));
        write_crate(&root, tables, false);
        // Dependencies first, so that the timings below are the crate's own.
        let cold = cargo_build(&root, &target);
        let _ = Command::new(env!("CARGO"))
            .args([
                "clean",
                "--quiet",
                "-p",
                "generated-schema",
                "--manifest-path",
            ])
            .arg(root.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target)
            .status();
        let clean = cargo_build(&root, &target);
        write_crate(&root, tables, true);
        let rebuild = cargo_build(&root, &target);
        let lines = std::fs::read_to_string(root.join("src/lib.rs"))
            .unwrap()
            .lines()
            .count();
        writeln!(
            out,
            "| {tables} | {} | {} | {} | {lines} |",
            crate::ms(cold),
            crate::ms(clean),
            crate::ms(rebuild)
        )
        .ok();
        let _ = std::fs::remove_dir_all(&root);
        let _ = std::fs::remove_dir_all(&target);
    }
    writeln!(
        out,
        "\nGenerated code is per table (constants, a module, the insert row, impls) and per relation; nothing is \
         generated per pair of tables, so the build grows linearly: compare the 50- and 100-table rows."
    )
    .ok();
    out
}
