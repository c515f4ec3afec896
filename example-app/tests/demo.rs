//! The demo binary, run as a user would, and its seed run twice.

use example_app::schema::*;
use schema_core::exec::Db;
use schema_core::migrate::runner::{self, RunnerOptions};
use schema_core::migrate::MigrationsDir;
use schema_core::prelude::*;
use schema_core::testing::{self, TestDb};

const EXPECTED: &str = "\
Applied 1 migration(s).
Users and their projects:
  Ada Admin <admin@example.com> (admin): Analytics engine
  Una User <user@example.com> (user): Side project
Projects with their owners:
  Analytics engine [active] owned by Ada Admin
  Side project [active] owned by Una User
AI usage per model:
  claude-sonnet: 1 calls, 950 tokens
  gpt-4o: 2 calls, 2000 tokens
Latest messages of \"Demo chat\":
  #4 assistant: New indexes on existing tables are built CONCURRENTLY.
  #3 user: And concurrently?
  #2 assistant: Declare it in #[table(index(...))] and run gen-migrations.
Forks of the chat:
  \"Demo chat (fork)\" forked at version 2
Seeded as admin@example.com and user@example.com.
Done; a throwaway database is removed on exit.
";

#[test]
fn the_demo_binary_runs_on_a_throwaway_database() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_demo"))
        .env_remove("DATABASE_URL")
        .output()
        .expect("the demo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the demo failed:\n{stdout}\n{stderr}"
    );
    let (first, rest) = stdout.split_once('\n').unwrap();
    assert!(
        first.starts_with("Started a throwaway PostgreSQL "),
        "{first}"
    );
    assert_eq!(rest, EXPECTED);
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let mut target = None;
    for t in testing::targets().unwrap() {
        if t.has_extension("vector").await.unwrap() {
            target = Some(t);
            break;
        }
    }
    let target = target.expect("a PostgreSQL with pgvector (see the README's prerequisites)");
    let test_db = TestDb::on(target).await.unwrap();
    let mut runner_client = test_db.connect().await.unwrap();
    let migrations = MigrationsDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"));
    runner::migrate(&mut runner_client, &migrations, RunnerOptions::default())
        .await
        .unwrap();
    let mut db = Db::new(test_db.connect().await.unwrap());
    let first = example_app::demo::run(&mut db).await.unwrap();
    let second = example_app::demo::run(&mut db).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(User::select().count(&db).await.unwrap(), 2);
    assert_eq!(Project::select().count(&db).await.unwrap(), 2);
    assert_eq!(AiUsageLog::select().count(&db).await.unwrap(), 3);
    assert_eq!(Context::select().count(&db).await.unwrap(), 2);
    assert_eq!(Message::select().count(&db).await.unwrap(), 4);
}
