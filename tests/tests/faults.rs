//! Trust under faults (issue 10): no write lost to a cancelled future in the pooler mode, a
//! future dropped at every await of the executor's multi-step operations leaves no transaction
//! open, and running applications survive the project's own migrations.

use std::time::Duration;

use example_app::schema::*;
use schema_core::exec::{raw_execute, raw_query, DbPool, Value};
use schema_core::prelude::*;
use schema_core::testing::TestDb;
use schema_tests::support::{app_db, cancel_at_every_await, pgbouncer};

/// Server sessions of `test_db` idle inside a transaction, by their SQL. A dropped connection's
/// session ends a moment after its socket closes (and PgBouncer's server connection after its
/// client's): they are given two seconds to go.
async fn idle_in_transaction(test_db: &TestDb) -> Vec<String> {
    let client = test_db.connect().await.unwrap();
    let mut tries = 0;
    loop {
        let idle: Vec<String> = client
            .query(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database() \
                 AND state LIKE 'idle in transaction%'",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        tries += 1;
        if idle.is_empty() || tries == 40 {
            return idle;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn users_named(setup: &Db, name: &str) -> i64 {
    User::select()
        .filter(users::name.eq(name))
        .count(setup)
        .await
        .unwrap()
}

/// The reproduction, first half: warm an insert, then a new select shape waits for a
/// table another session locked, and a timeout drops it.
async fn cut_short(db: &Db, locker: &tokio_postgres::Client, name: &str) {
    User::insert(NewUser::new().email(format!("{name}-1@x.io")).name(name))
        .execute(db)
        .await
        .unwrap();
    locker
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let waited = tokio::time::timeout(
        Duration::from_millis(400),
        User::select()
            .filter(users::name.eq(name))
            .filter(users::email.like("%@x.io"))
            .all(db),
    )
    .await;
    assert!(waited.is_err(), "the select waits for the lock");
    locker.batch_execute("COMMIT").await.unwrap();
}

/// Second half: the next write lands, for everyone to see.
async fn write_lands(db: &Db, setup: &Db, test_db: &TestDb, name: &str) {
    let written = User::insert(NewUser::new().email(format!("{name}-2@x.io")).name(name))
        .execute(db)
        .await
        .unwrap();
    assert_eq!(written, 1);
    assert_eq!(
        users_named(setup, name).await,
        2,
        "{name}: both rows visible"
    );
    assert_eq!(idle_in_transaction(test_db).await, Vec::<String>::new());
}

/// Item 1: a describe cut short by a timeout left the connection inside `BEGIN`, and the next
/// write vanished. Direct to the server in the pooler mode, through PgBouncer, and through a
/// pool whose next checkout gets the same connection.
#[tokio::test]
async fn a_timeout_during_a_describe_loses_no_write() {
    let (test_db, setup) = app_db(false).await;
    let locker = test_db.connect().await.unwrap();

    let direct = Db::connect_through_pooler(&test_db.url()).await.unwrap();
    cut_short(&direct, &locker, "direct").await;
    write_lands(&direct, &setup, &test_db, "direct").await;

    let Some((bouncer, url)) = pgbouncer(
        &test_db,
        2,
        "a timeout during a describe, through PgBouncer",
    ) else {
        return;
    };
    let bounced = Db::connect(&url).await.unwrap();
    cut_short(&bounced, &locker, "bounced").await;
    write_lands(&bounced, &setup, &test_db, "bounced").await;

    let pool = DbPool::new(&url, 1).unwrap();
    {
        let first = pool.get().await.unwrap();
        cut_short(&first, &locker, "pooled").await;
    }
    let second = pool.get().await.unwrap();
    write_lands(&second, &setup, &test_db, "pooled").await;
    drop((second, pool, bounced, bouncer));
}

/// A fresh connection in the pooler mode meets every step of its first statement: connecting,
/// learning the database's types (a transaction), describing a new shape, running it. Dropped at
/// each await, it leaves no transaction open on the server, and its next write lands.
#[tokio::test]
async fn connecting_learning_and_describing_cancelled_at_every_await_leave_no_transaction() {
    let (test_db, setup) = app_db(false).await;
    let bouncer = pgbouncer(&test_db, 1, "cancelled connections through PgBouncer");
    let mut urls = vec![("direct", test_db.url())];
    urls.extend(bouncer.as_ref().map(|(_, url)| ("bounced", url.clone())));
    for (label, url) in urls {
        let cell = std::cell::RefCell::new(None::<std::rc::Rc<Db>>);
        let runs = std::cell::Cell::new(0);
        cancel_at_every_await(
            || {
                let cell = &cell;
                let url = url.clone();
                runs.set(runs.get() + 1);
                let email = format!("{label}-cancelled-{}@x.io", runs.get());
                async move {
                    let db = std::rc::Rc::new(Db::connect_through_pooler(&url).await.unwrap());
                    *cell.borrow_mut() = Some(db.clone());
                    User::insert(NewUser::new().email(email.as_str()).name("cancelled"))
                        .execute(&*db)
                        .await
                        .unwrap();
                    User::delete()
                        .filter(users::email.eq(email.as_str()))
                        .execute(&*db)
                        .await
                        .unwrap();
                }
            },
            async |k| {
                let db = cell.borrow_mut().take();
                if let Some(db) = db {
                    let name = format!("{label}-after-{k}");
                    User::insert(
                        NewUser::new()
                            .email(format!("{name}@x.io"))
                            .name(name.as_str()),
                    )
                    .execute(&*db)
                    .await
                    .unwrap();
                    assert_eq!(users_named(&setup, &name).await, 1, "{name}");
                }
                assert_eq!(idle_in_transaction(&test_db).await, Vec::<String>::new());
            },
        )
        .await;
    }
    drop(bouncer);
}

/// A client wrapped with `Db::through_pooler` learns the types lazily, in its first statement.
/// Cut short there, the learning transaction is rolled back and the connection says it must be
/// replaced; cut short anywhere else, its next write lands.
#[tokio::test]
async fn lazy_type_learning_cancelled_at_every_await_rolls_back() {
    let (test_db, setup) = app_db(false).await;
    let db = std::cell::RefCell::new(None::<std::rc::Rc<Db>>);
    let runs = std::cell::Cell::new(0);
    cancel_at_every_await(
        || {
            let db = &db;
            let test_db = &test_db;
            runs.set(runs.get() + 1);
            let email = format!("lazy-{}@x.io", runs.get());
            async move {
                let fresh = std::rc::Rc::new(Db::through_pooler(test_db.connect().await.unwrap()));
                *db.borrow_mut() = Some(fresh.clone());
                User::insert(NewUser::new().email(email.as_str()).name("lazy"))
                    .execute(&*fresh)
                    .await
                    .unwrap();
            }
        },
        async |k| {
            let db = db.borrow_mut().take();
            if let Some(db) = db {
                let name = format!("lazy-after-{k}");
                let written = User::insert(
                    NewUser::new()
                        .email(format!("{name}@x.io"))
                        .name(name.as_str()),
                )
                .execute(&*db)
                .await;
                match written {
                    Ok(1) => assert_eq!(users_named(&setup, &name).await, 1, "{name}"),
                    Err(Error::Broken(message)) => assert!(message.contains("open a new one")),
                    other => panic!("{other:?}"),
                }
            }
            assert_eq!(idle_in_transaction(&test_db).await, Vec::<String>::new());
        },
    )
    .await;
}

/// `Db::transaction` dropped at every await (BEGIN, each statement, COMMIT): the transaction
/// is rolled back or committed whole, never left open, and the connection's next write lands.
#[tokio::test]
async fn a_transaction_cancelled_at_every_await_is_all_or_nothing() {
    let (test_db, setup) = app_db(false).await;
    // The pool goes through PgBouncer where it is installed, else straight to the server.
    let bouncer = pgbouncer(
        &test_db,
        1,
        "a cancelled transaction on a pool through PgBouncer",
    );
    let url = bouncer
        .as_ref()
        .map_or_else(|| test_db.url(), |(_, url)| url.clone());
    let pool = DbPool::new(&url, 1).unwrap();
    let direct = tokio::sync::Mutex::new(Db::connect(&test_db.url()).await.unwrap());
    for label in ["direct", "pooled"] {
        cancel_at_every_await(
            || {
                let direct = &direct;
                let pool = &pool;
                async move {
                    let run = async |db: &mut Db| {
                        db.transaction(async |tx| {
                            for n in 0..3 {
                                User::insert(
                                    NewUser::new().email(format!("tx{n}@x.io")).name("tx"),
                                )
                                .execute(tx)
                                .await?;
                            }
                            Ok::<_, Error>(())
                        })
                        .await
                        .unwrap()
                    };
                    if label == "direct" {
                        run(&mut *direct.lock().await).await
                    } else {
                        run(&mut pool.get().await.unwrap()).await
                    }
                }
            },
            async |k| {
                // The connection's next write goes first: it queues behind the COMMIT or
                // ROLLBACK a cancelled transaction left in flight, so once it returns, that
                // outcome is settled and visible to the other session.
                let name = format!("{label}-tx-after-{k}");
                let insert = User::insert(
                    NewUser::new()
                        .email(format!("{name}@x.io"))
                        .name(name.as_str()),
                );
                if label == "direct" {
                    insert.execute(&*direct.lock().await).await.unwrap();
                } else {
                    insert.execute(&pool.get().await.unwrap()).await.unwrap();
                }
                assert_eq!(users_named(&setup, &name).await, 1, "{name}");
                let written = users_named(&setup, "tx").await;
                assert!(
                    written == 0 || written == 3,
                    "{label} at {k}: {written} of 3 rows"
                );
                User::delete()
                    .filter(users::name.eq("tx"))
                    .execute(&setup)
                    .await
                    .unwrap();
                assert_eq!(idle_in_transaction(&test_db).await, Vec::<String>::new());
            },
        )
        .await;
    }
    drop((pool, bouncer));
}

/// The schema an application runs on, before a migration.
mod before {
    use schema_core::prelude::*;

    #[pg_enum(name = "mood")]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Mood {
        Calm,
        Busy,
    }

    #[table(name = "notes")]
    pub struct Note {
        #[column(primary_key, identity)]
        pub id: i64,
        #[column(varchar(10))]
        pub title: String,
        pub mood: Mood,
        pub legacy: Option<String>,
    }

    #[table(name = "archive")]
    pub struct Archive {
        #[column(primary_key, identity)]
        pub id: i64,
    }

    pub fn schema() -> Schema {
        Schema::new().table::<Note>().table::<Archive>()
    }
}

/// After it: a type widened (`generate` calls it free), a column added and one dropped, an enum
/// value added, a table renamed.
mod after {
    use schema_core::prelude::*;

    #[pg_enum(name = "mood")]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Mood {
        Calm,
        Busy,
        Tired,
    }

    #[table(name = "notes")]
    pub struct Note {
        #[column(primary_key, identity)]
        pub id: i64,
        #[column(varchar(20))]
        pub title: String,
        pub mood: Mood,
        pub pinned: Option<bool>,
    }

    #[table(name = "archived_notes", renamed_from = "archive")]
    pub struct Archive {
        #[column(primary_key, identity)]
        pub id: i64,
    }

    pub fn schema() -> Schema {
        Schema::new().table::<Note>().table::<Archive>()
    }
}

/// A database at `before`, its runner's connection, and a migrations folder whose next
/// migration (written, not applied) goes to `after`.
struct Evolving {
    test_db: TestDb,
    runner: tokio_postgres::Client,
    migrations: schema_core::migrate::MigrationsDir,
}

impl Evolving {
    async fn new() -> Evolving {
        let dir = std::env::temp_dir().join(format!(
            "schema-faults-{}",
            schema_core::uuid::Uuid::new_v4().simple()
        ));
        let migrations = schema_core::migrate::MigrationsDir::new(&dir);
        migrations.generate(&before::schema(), None).unwrap();
        let test_db = TestDb::new().await.unwrap();
        let mut runner = test_db.connect().await.unwrap();
        schema_core::migrate::runner::migrate(&mut runner, &migrations, Default::default())
            .await
            .unwrap();
        let allow = schema_core::migrate::DiffOptions {
            allow_data_loss: true,
        };
        migrations
            .generate_with(&after::schema(), None, allow)
            .unwrap();
        Evolving {
            test_db,
            runner,
            migrations,
        }
    }

    /// Applies the migration to `after` with the runner.
    async fn migrate(&mut self) {
        let applied = schema_core::migrate::runner::migrate(
            &mut self.runner,
            &self.migrations,
            Default::default(),
        )
        .await
        .unwrap();
        assert_eq!(applied.len(), 1);
    }
}

impl Drop for Evolving {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.migrations.root());
    }
}

/// What the application does on every request: statements whose cached plans the migration
/// makes stale (a result type changed: the widened column, `*` with a column added and one
/// dropped) and some it leaves alone.
async fn requests(db: &Db) -> Result<(), Error> {
    let id = raw_query::<Value<i64>>(
        db,
        "INSERT INTO notes (title, mood) VALUES ($1, 'calm') RETURNING id",
        &[&"hello"],
    )
    .await?[0]
        .0;
    let title =
        raw_query::<Value<String>>(db, "SELECT title FROM notes WHERE id = $1", &[&id]).await?;
    assert_eq!(title, [Value("hello".to_string())]);
    let first = raw_query::<Value<i64>>(db, "SELECT * FROM notes WHERE id = $1", &[&id]).await?;
    assert_eq!(first, [Value(id)]);
    raw_query::<Value<i64>>(db, "SELECT count(*) FROM notes WHERE mood = 'calm'", &[]).await?;
    Ok(())
}

/// Item 2: after the runner applies a migration under a running application, its cached
/// statements recover by themselves (direct with our cache, a pool with deadpool's, and the
/// pooler mode); a transaction that meets a stale statement gets `SchemaChanged` and succeeds
/// when run again.
#[tokio::test]
async fn running_applications_survive_the_projects_own_migrations() {
    let mut evolving = Evolving::new().await;
    let test_db = &evolving.test_db;

    let mut direct = Db::connect(&test_db.url()).await.unwrap();
    let pool = DbPool::new(&test_db.url(), 1).unwrap();
    let unprepared = Db::connect_through_pooler(&test_db.url()).await.unwrap();
    for db in [&direct, &pool.get().await.unwrap(), &unprepared] {
        requests(db).await.unwrap();
    }
    // Cached before the migration, used first inside a transaction after it.
    raw_query::<Value<i64>>(&direct, "SELECT * FROM notes WHERE title = $1", &[&"x"])
        .await
        .unwrap();

    evolving.migrate().await;

    for (label, db) in [
        ("direct", &direct),
        ("pooled", &pool.get().await.unwrap()),
        ("unprepared", &unprepared),
    ] {
        requests(db)
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        let tired =
            raw_query::<Value<i64>>(db, "SELECT count(*) FROM notes WHERE mood = 'tired'", &[])
                .await
                .unwrap();
        assert_eq!(tired, [Value(0)]);
        raw_query::<Value<i64>>(db, "SELECT count(*) FROM archived_notes", &[])
            .await
            .unwrap();
    }

    let in_transaction = async |db: &mut Db| {
        db.transaction(async |tx| {
            raw_query::<Value<i64>>(tx, "SELECT * FROM notes WHERE title = $1", &[&"x"]).await
        })
        .await
    };
    match in_transaction(&mut direct).await {
        Err(Error::SchemaChanged { sql }) => assert!(sql.contains("title = $1")),
        other => panic!("expected SchemaChanged, got {other:?}"),
    }
    assert_eq!(in_transaction(&mut direct).await.unwrap(), []);
    drop((direct, pool, unprepared));
}

/// Batched loading (two statements, pipelined; one after the other through a pooler) dropped at
/// every await: nothing is left open, and the next load on the connection is whole.
#[tokio::test]
async fn batched_loading_cancelled_at_every_await_leaves_the_connection_whole() {
    let (test_db, setup) = app_db(false).await;
    let owner = User::insert(NewUser::new().email("owner@x.io").name("Owner"))
        .returning()
        .one(&setup)
        .await
        .unwrap();
    for n in 0..5 {
        Project::insert(NewProject::new().owner_id(owner.id).name(format!("p{n}")))
            .execute(&setup)
            .await
            .unwrap();
    }
    let direct = Db::connect(&test_db.url()).await.unwrap();
    let unprepared = Db::connect_through_pooler(&test_db.url()).await.unwrap();
    for (label, db) in [("direct", &direct), ("pooler mode", &unprepared)] {
        let id = owner.id;
        let load = || async move {
            User::select()
                .filter(users::id.eq(id))
                .with_batched(users::projects)
                .all(db)
                .await
        };
        cancel_at_every_await(load, async |k| {
            let loaded = load().await.unwrap();
            assert_eq!(loaded.len(), 1, "{label} at {k}");
            assert_eq!(loaded[0].1.len(), 5, "{label} at {k}");
            assert_eq!(idle_in_transaction(&test_db).await, Vec::<String>::new());
        })
        .await;
    }
}

/// Item 2 with the application running while the runner migrates: requests loop on a pool
/// the whole time; none that starts after the migration committed fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_running_across_a_migration_fail_only_while_it_runs() {
    let mut evolving = Evolving::new().await;
    let test_db = &evolving.test_db;

    let pool = std::sync::Arc::new(DbPool::new(&test_db.url(), 2).unwrap());
    let committed = std::sync::Arc::new(std::sync::Mutex::new(None::<std::time::Instant>));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut loops = Vec::new();
    for _ in 0..2 {
        let (pool, committed, stop) = (pool.clone(), committed.clone(), stop.clone());
        loops.push(tokio::spawn(async move {
            let mut after_commit = 0;
            let mut late_failures = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let started = std::time::Instant::now();
                let db = pool.get().await.unwrap();
                let result = requests(&db).await;
                let commit = *committed.lock().unwrap();
                if let Some(commit) = commit.filter(|c| started > *c) {
                    after_commit += 1;
                    if let Err(e) = result {
                        late_failures.push(format!("{:?} after the commit: {e}", started - commit));
                    }
                }
            }
            (after_commit, late_failures)
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    evolving.migrate().await;
    *committed.lock().unwrap() = Some(std::time::Instant::now());
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for handle in loops {
        let (after_commit, late_failures) = handle.await.unwrap();
        assert!(after_commit > 0, "requests ran after the migration");
        assert_eq!(late_failures, Vec::<String>::new());
    }
}

/// Item 1: raw SQL that leaves a pooled connection inside a transaction (`BEGIN` with no end)
/// does not reach the next checkout: the connection is closed, its transaction rolled back.
#[tokio::test]
async fn a_pooled_connection_left_inside_a_raw_transaction_is_not_handed_out_again() {
    let (test_db, setup) = app_db(false).await;
    let pool = DbPool::new(&test_db.url(), 1).unwrap();
    {
        let db = pool.get().await.unwrap();
        raw_execute(&db, "BEGIN", &[]).await.unwrap();
        User::insert(NewUser::new().email("inside@x.io").name("inside"))
            .execute(&db)
            .await
            .unwrap();
    }
    let db = pool.get().await.unwrap();
    User::insert(NewUser::new().email("next@x.io").name("next"))
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        users_named(&setup, "next").await,
        1,
        "the next checkout's write lands"
    );
    assert_eq!(
        users_named(&setup, "inside").await,
        0,
        "the abandoned transaction is rolled back"
    );
    assert_eq!(idle_in_transaction(&test_db).await, Vec::<String>::new());
    // A raw transaction ended by raw SQL keeps the connection.
    raw_execute(&db, "BEGIN", &[]).await.unwrap();
    raw_execute(&db, "COMMIT", &[]).await.unwrap();
    drop(db);
    assert_eq!(pool.inner().status().size, 1);
}

/// Item 2: prepared statements that vanished from the server (`DEALLOCATE ALL` by someone else)
/// and a type dropped and made again are recovered from, outside a transaction. When the
/// statement tokio-postgres keeps for its own type lookups is among those gone, the connection
/// says it must be replaced, and a pool replaces it by itself.
#[tokio::test]
async fn vanished_statements_and_types_are_prepared_again() {
    let test_db = TestDb::new().await.unwrap();
    let setup = Db::connect(&test_db.url()).await.unwrap();
    for sql in [
        "CREATE TYPE mood AS ENUM ('calm', 'busy')",
        "CREATE TABLE days (m mood)",
        "INSERT INTO days VALUES ('calm')",
    ] {
        raw_execute(&setup, sql, &[]).await.unwrap();
    }
    let count = "SELECT count(*) FROM days WHERE m::text = $1";
    let typed = "SELECT count(*) FROM days WHERE m = $1";

    // Someone else's `DEALLOCATE ALL` (a pooler's reset, a script).
    let db = Db::connect(&test_db.url()).await.unwrap();
    assert_eq!(
        raw_query::<Value<i64>>(&db, count, &[&"calm"])
            .await
            .unwrap(),
        [Value(1)]
    );
    db.client().batch_execute("DEALLOCATE ALL").await.unwrap();
    assert_eq!(
        raw_query::<Value<i64>>(&db, count, &[&"calm"])
            .await
            .unwrap(),
        [Value(1)]
    );

    // The type dropped and made again, with a new oid, under a statement cached with it.
    let db = Db::connect(&test_db.url()).await.unwrap();
    let calm = [Value(1_i64)];
    assert_eq!(
        raw_query::<Value<i64>>(&db, typed, &[&after::Mood::Calm])
            .await
            .unwrap(),
        calm
    );
    let remake = "ALTER TABLE days ALTER m TYPE text; DROP TYPE mood; \
                  CREATE TYPE mood AS ENUM ('calm', 'busy', 'tired'); \
                  ALTER TABLE days ALTER m TYPE mood USING m::mood";
    setup.client().batch_execute(remake).await.unwrap();
    assert_eq!(
        raw_query::<Value<i64>>(&db, typed, &[&after::Mood::Calm])
            .await
            .unwrap(),
        calm
    );

    // Both at once: the type-lookup statement is gone too.
    let pool = DbPool::new(&test_db.url(), 1).unwrap();
    {
        let db = pool.get().await.unwrap();
        assert_eq!(
            raw_query::<Value<i64>>(&db, typed, &[&after::Mood::Calm])
                .await
                .unwrap(),
            calm
        );
        db.client().batch_execute("DEALLOCATE ALL").await.unwrap();
        setup.client().batch_execute(remake).await.unwrap();
        match raw_query::<Value<i64>>(&db, typed, &[&after::Mood::Calm]).await {
            Err(Error::Broken(message)) => assert!(message.contains("open a new connection")),
            other => panic!("{other:?}"),
        }
    }
    // The broken connection was closed, not pooled: the next checkout is a new one.
    let db = pool.get().await.unwrap();
    assert_eq!(
        raw_query::<Value<i64>>(&db, typed, &[&after::Mood::Calm])
            .await
            .unwrap(),
        calm
    );
}
