//! Client instructions per operation, counted by callgrind: `bench/instructions.sh` runs this
//! binary under valgrind once per (scenario, side), collecting only inside that side's
//! `count_…` function, which runs the operation [`CALLS`] times on a warm connection. The
//! server is another process, and valgrind does not follow it: the count is the client's own.
//!
//! `schema-bench --instructions SCENARIO SIDE` runs one; the script divides callgrind's total.

use example_app::schema::*;
use schema_core::prelude::*;
use tokio::runtime::Runtime;
use tokio_postgres::{Client, Statement};

use crate::queries::{prepare_by_keys, raw_by_keys, user_raw, users_by_keys, USER_COLUMNS};

/// Operations a counted function runs.
pub const CALLS: usize = 2_000;
/// Nested loads a counted function runs (each is 100 users and 1,000 projects).
pub const NESTED_CALLS: usize = 20;

/// The scenarios counted, and the sides. `nested`: 100 users × 10 projects, raw as the two
/// pipelined `= ANY($1)` statements, ours `with_batched` (`nested-with`: ours `with`).
pub const SCENARIOS: [&str; 5] = ["pk", "insert", "update", "nested", "nested-with"];
pub const SIDES: [&str; 2] = ["raw", "ours"];

struct Setup {
    db: Db,
    /// Raw tokio-postgres' own connection, spawned as its documentation shows (ours drives its
    /// connection itself).
    raw: Client,
    ids: Vec<Uuid>,
    project_ids: Vec<Uuid>,
    select: Statement,
    insert: Statement,
    update: Statement,
    nest_ids: Vec<Uuid>,
    users_by_id: Statement,
    projects_by_owner: Statement,
}

impl Setup {
    fn client(&self) -> &Client {
        &self.raw
    }
}

async fn setup() -> Setup {
    let (test_db, db) = schema_tests::support::app_db(false).await;
    // The database lives as long as the process: this mode runs once and exits.
    let raw = test_db.connect().await.expect("connect");
    std::mem::forget(test_db);
    let client = &raw;
    client
        .batch_execute(
            "INSERT INTO users (email, name) SELECT 'u' || g || '@x.io', 'User ' || g FROM generate_series(1, 1000) g;
             INSERT INTO projects (owner_id, name) SELECT id, 'p' || email FROM users;
             INSERT INTO users (email, name) SELECT 'nest' || g || '@x.io', 'Nest ' || g FROM generate_series(1, 100) g;
             INSERT INTO projects (owner_id, name) SELECT u.id, 'np' || g FROM users u, generate_series(1, 10) g WHERE u.email LIKE 'nest%';
             ANALYZE;",
        )
        .await
        .expect("data");
    let ids = client
        .query("SELECT id FROM users", &[])
        .await
        .expect("ids")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let project_ids = client
        .query("SELECT id FROM projects", &[])
        .await
        .expect("ids")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let select = client
        .prepare(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .await
        .expect("prepare");
    let insert = client
        .prepare("INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id")
        .await
        .expect("prepare");
    let update = client
        .prepare("UPDATE projects SET name = $1, updated_at = now() WHERE id = $2")
        .await
        .expect("prepare");
    let nest_ids = client
        .query("SELECT id FROM users WHERE email LIKE 'nest%'", &[])
        .await
        .expect("ids")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let (users_by_id, projects_by_owner) = prepare_by_keys(client).await.expect("prepare");
    Setup {
        db,
        raw,
        ids,
        project_ids,
        select,
        insert,
        update,
        nest_ids,
        users_by_id,
        projects_by_owner,
    }
}

async fn raw_op(s: &Setup, scenario: &str, n: usize) {
    match scenario {
        "pk" => {
            let row = s
                .client()
                .query_one(&s.select, &[&s.ids[n % s.ids.len()]])
                .await
                .expect("select");
            std::hint::black_box(user_raw(&row));
        }
        "insert" => {
            let email = format!("raw{n}@x.io");
            let row = s
                .client()
                .query_one(&s.insert, &[&email, &"Raw"])
                .await
                .expect("insert");
            std::hint::black_box(row.get::<_, Uuid>(0));
        }
        "nested" | "nested-with" => {
            let out = raw_by_keys(
                s.client(),
                &s.users_by_id,
                &s.projects_by_owner,
                &s.nest_ids,
            )
            .await
            .expect("nested");
            assert_eq!(out.len(), 100);
            std::hint::black_box(out);
        }
        _ => {
            let name = format!("r{n}");
            let id = &s.project_ids[n % s.project_ids.len()];
            s.client()
                .execute(&s.update, &[&name, id])
                .await
                .expect("update");
        }
    }
}

async fn our_op(s: &Setup, scenario: &str, n: usize) {
    match scenario {
        "pk" => {
            let user = User::find(s.ids[n % s.ids.len()])
                .one(&s.db)
                .await
                .expect("select");
            std::hint::black_box(user);
        }
        "insert" => {
            let id = User::insert(NewUser::new().email(format!("ours{n}@x.io")).name("Ours"))
                .returning_columns(users::id)
                .one(&s.db)
                .await
                .expect("insert");
            std::hint::black_box(id);
        }
        "nested" => {
            let loaded = users_by_keys(&s.nest_ids)
                .with_batched(users::projects.order_by(projects::id))
                .all(&s.db)
                .await
                .expect("nested");
            assert_eq!(loaded.len(), 100);
            std::hint::black_box(loaded);
        }
        "nested-with" => {
            let loaded = users_by_keys(&s.nest_ids)
                .with(users::projects.order_by(projects::id))
                .all(&s.db)
                .await
                .expect("nested");
            assert_eq!(loaded.len(), 100);
            std::hint::black_box(loaded);
        }
        _ => {
            Project::update()
                .set(projects::name, format!("o{n}"))
                .filter(projects::id.eq(s.project_ids[n % s.project_ids.len()]))
                .execute(&s.db)
                .await
                .expect("update");
        }
    }
}

/// How many operations the counted loop of `scenario` runs.
pub fn calls(scenario: &str) -> usize {
    if scenario.starts_with("nested") {
        NESTED_CALLS
    } else {
        CALLS
    }
}

/// The counted loop of raw tokio-postgres (callgrind's `--toggle-collect` names it).
#[inline(never)]
fn count_raw(runtime: &Runtime, s: &Setup, scenario: &str) {
    runtime.block_on(async {
        for n in 0..calls(scenario) {
            raw_op(s, scenario, n).await;
        }
    });
}

/// The counted loop of ours.
#[inline(never)]
fn count_ours(runtime: &Runtime, s: &Setup, scenario: &str) {
    runtime.block_on(async {
        for n in 0..calls(scenario) {
            our_op(s, scenario, CALLS + n).await;
        }
    });
}

/// Sets up, warms both sides up, then runs `side`'s counted loop of `scenario`.
pub fn run(scenario: &str, side: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let s = runtime.block_on(setup());
    runtime.block_on(async {
        for n in 0..50 {
            raw_op(&s, scenario, 10 * CALLS + n).await;
            our_op(&s, scenario, 11 * CALLS + n).await;
        }
    });
    match side {
        "raw" => count_raw(&runtime, &s, scenario),
        _ => count_ours(&runtime, &s, scenario),
    }
}
