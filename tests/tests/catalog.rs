//! Applies generated migrations to fresh databases and checks, by reading `pg_catalog`, that
//! every object is exactly what the structs declare. Runs on every server the harness finds
//! (PostgreSQL 15 and PostgreSQL 18 with pgvector in CI), or on `DATABASE_URL`.

use schema_core::migrate::catalog::Catalog;
use schema_core::migrate::{migration_sql, render};
use schema_core::schema::{IndexTarget, Schema, SqlType};
use schema_core::testing::{self, Target, TestDb};

/// The schema without pgvector, for servers that lack it: `vector` columns, the indexes on
/// them and the extension left out.
fn without_vector(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    schema.extensions.retain(|e| e != "vector");
    for table in &mut schema.tables {
        let vector_columns: Vec<String> = table
            .columns
            .iter()
            .filter(|c| matches!(c.sql_type, SqlType::Vector(_)))
            .map(|c| c.name.to_string())
            .collect();
        table
            .columns
            .to_mut()
            .retain(|c| !vector_columns.contains(&c.name.to_string()));
        table.indexes.to_mut().retain(|i| {
            !i.keys.iter().any(|k| matches!(&k.target, IndexTarget::Column(c) if vector_columns.contains(&c.to_string())))
        });
    }
    schema
}

async fn apply_and_compare(target: Target, schema: &Schema, sql: &str) -> Catalog {
    let db = TestDb::on(target).await.expect("test database");
    let client = db.connect().await.expect("connect");
    client
        .batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;"))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "the migration does not apply on {}: {e:?}",
                target.describe()
            )
        });
    let actual = Catalog::read(&client).await.expect("read the catalog");
    let expected = Catalog::expected_on(&client, schema)
        .await
        .expect("the declared catalog");
    let differences = expected.differences(&actual);
    assert!(
        differences.is_empty(),
        "on {}, the database differs from the declared schema:\n  {}",
        target.describe(),
        differences.join("\n  ")
    );
    actual
}

#[tokio::test]
async fn example_app_migration_builds_the_declared_schema() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../example-app/migrations/0000_init.sql"
    ))
    .expect("the committed migration");
    let targets = testing::targets().expect("a PostgreSQL to test on");
    let mut with_vector = 0;
    for target in targets {
        let schema = example_app::schema();
        let actual = if target.has_extension("vector").await.unwrap() {
            with_vector += 1;
            // The committed file itself, byte for byte.
            apply_and_compare(target, &schema, &committed).await
        } else {
            let schema = without_vector(&schema);
            let sql = migration_sql("0000_init", &render::create_all(&schema));
            apply_and_compare(target, &schema, &sql).await
        };
        // A few facts spelled out by hand, so the comparison is not only model against model.
        let users = &actual.tables["public.users"];
        let role = users.columns.iter().find(|c| c.name == "role").unwrap();
        assert_eq!(role.type_name, "user_role");
        assert_eq!(role.default.as_deref(), Some("'user'::user_role"));
        assert!(!role.not_null);
        let email = users.columns.iter().find(|c| c.name == "email").unwrap();
        assert_eq!(
            (email.type_name.as_str(), email.not_null),
            ("character varying(255)", true)
        );
        assert_eq!(users.uniques["users_email_key"].columns, ["email"]);
        let projects = &actual.tables["public.projects"];
        let owner = &projects.foreign_keys["projects_owner_id_fkey"];
        assert_eq!(owner.references, "public.users");
        assert_eq!(owner.on_delete, schema_core::schema::FkAction::Cascade);
        assert_eq!(actual.enums["public.user_role"], ["user", "admin"]);
        let contexts = &actual.tables["public.contexts"];
        assert_eq!(
            contexts.foreign_keys["contexts_parent_id_fkey"].references,
            "public.contexts"
        );
        let messages = &actual.tables["public.messages"];
        let idx = &messages.indexes["messages_context_version_idx"];
        assert_eq!(
            idx.keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
            ["context_id", "version"]
        );
        if actual.extensions.contains(&"vector".to_string()) {
            let embedding = messages
                .columns
                .iter()
                .find(|c| c.name == "embedding")
                .unwrap();
            assert_eq!(embedding.type_name, "vector(1536)");
        }
    }
    if std::env::var_os("CI").is_some() && std::env::var_os("DATABASE_URL").is_none() {
        assert!(
            with_vector > 0,
            "CI must test the vector(1536) column on a PostgreSQL with pgvector"
        );
    }
}

#[tokio::test]
async fn test_schema_migration_builds_every_attribute() {
    let targets = testing::targets().expect("a PostgreSQL to test on");
    for target in targets {
        let has_vector = target.has_extension("vector").await.unwrap();
        let schema = if has_vector {
            tests_schema()
        } else {
            without_vector(&tests_schema())
        };
        let sql = migration_sql("0000_init", &render::create_all(&schema));
        let actual = apply_and_compare(target, &schema, &sql).await;
        let major = target.major_version().await.unwrap();
        if major == 15 || major == 18 {
            insta::assert_snapshot!(format!("test_schema_catalog_pg{major}"), actual.to_string());
        }
    }
}

fn tests_schema() -> Schema {
    schema_tests::schema()
}

mod drizzle_habits {
    use schema_core::prelude::*;

    #[pg_enum(name = "post_kind")]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum PostKind {
        Note,
        Essay,
    }

    /// SQL written as people write it, which the server prints back otherwise: `IN` lists,
    /// `BETWEEN`, casts, operators, keywords, quoted and camelCase names.
    #[table(
        name = "posts",
        check(name = "posts_status_check", sql = "status IN ('draft', 'active', 'archived')"),
        check(name = "posts_score_check", sql = "score BETWEEN 0 AND 100"),
        check(name = "posts_title_check", sql = "length(title) > 0 AND title <> 'untitled'::text"),
        check(name = "posts_kind_check", sql = "kind <> 'essay' OR score IS NOT NULL"),
        check(name = "posts_mixed_check", sql = "\"userId\" IS NOT NULL AND NOT (score < 0)"),
        index(name = "posts_user_idx", on(user_id)),
        index(name = "posts_lower_title_idx", on(sql("lower(title)"))),
        index(name = "posts_live_idx", on(user_id, score desc), where = "status IN ('active') AND deleted_at IS NULL"),
        index(name = "posts_recent_idx", on(created_at), where = "score > 10::smallint AND created_at > '2020-01-01 00:00+00'::timestamptz")
    )]
    pub struct Post {
        #[column(primary_key)]
        pub id: i64,
        #[column(name = "userId")]
        pub user_id: i64,
        pub title: String,
        #[column(varchar(20), default = "draft")]
        pub status: String,
        pub score: Option<i32>,
        #[column(default = PostKind::Note)]
        pub kind: PostKind,
        #[column(default = sql("(now() + '1 day'::interval)"))]
        pub created_at: TimestampTz,
        pub deleted_at: Option<TimestampTz>,
    }
}

/// Issue 10, item 6: `check` compares what the user wrote in the form the server prints it, so a
/// database migrated from the declaration shows no drift, and a real change still shows.
#[tokio::test]
async fn hand_written_sql_is_compared_as_the_server_prints_it() {
    let schema = Schema::new().table::<drizzle_habits::Post>();
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let db = TestDb::on(target).await.unwrap();
        let client = db.connect().await.unwrap();
        client
            .batch_execute(&migration_sql("0000_init", &render::create_all(&schema)))
            .await
            .unwrap();
        let actual = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &schema).await.unwrap();
        assert_eq!(
            expected.differences(&actual),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        // The server's forms really differ from what was written.
        let posts = &actual.tables["public.posts"];
        assert!(posts.checks["posts_status_check"].contains("ANY (ARRAY["));
        assert_eq!(posts.indexes["posts_user_idx"].keys[0].key, "\"userId\"");
        // Nothing was left behind by the comparison.
        let scratch: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_class WHERE relname LIKE '__schema_core_scratch%'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(scratch, 0);

        // Real drift is still drift.
        client
            .batch_execute(
                "ALTER TABLE posts DROP CONSTRAINT posts_score_check, \
                 ADD CONSTRAINT posts_score_check CHECK (score BETWEEN 0 AND 1000); \
                 DROP INDEX posts_live_idx; \
                 CREATE INDEX posts_live_idx ON posts (\"userId\", score DESC) WHERE status = 'active'",
            )
            .await
            .unwrap();
        let actual = Catalog::read(&client).await.unwrap();
        let differences = expected.differences(&actual);
        assert_eq!(differences.len(), 2, "{differences:#?}");
        assert!(
            differences[0].contains("posts_score_check"),
            "{differences:#?}"
        );
        assert!(
            differences[1].contains("posts_live_idx"),
            "{differences:#?}"
        );
    }
}
