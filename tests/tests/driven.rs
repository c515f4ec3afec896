//! A connection driven in the caller's task (`Db::drive`, as `Db::connect` and every test's
//! `app_db` connect): statements poll tokio-postgres' connection themselves while they wait, a
//! background task drives it the rest of the time. Nothing may hang or lose an answer: the
//! `Client` used directly, a statement kept unfinished while its task does something else,
//! many tasks on one connection, a statement dropped at every await, a server that ends the
//! connection, a `Db` dropped.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use example_app::schema::*;
use schema_core::exec::{raw_query, Db, Value};
use schema_core::prelude::*;
use schema_core::testing::TestDb;
use schema_tests::support::{app_db, cancel_at_every_await};

/// Long enough for any of these operations on a loaded machine; reaching it is a hang.
const HANG: Duration = Duration::from_secs(30);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: hung"))
}

/// Polls `future` once: it must be waiting for the server then.
async fn poll_once<F: Future + Unpin>(future: &mut F) {
    std::future::poll_fn(|cx| {
        assert!(
            std::pin::Pin::new(&mut *future).poll(cx).is_pending(),
            "the statement should wait for the server"
        );
        Poll::Ready(())
    })
    .await;
}

async fn backend_pid(db: &Db) -> i32 {
    raw_query::<Value<i32>>(db, "SELECT pg_backend_pid()", &[])
        .await
        .unwrap()[0]
        .0
}

async fn backends(test_db: &TestDb, pid: i32) -> i64 {
    let admin = test_db.connect().await.unwrap();
    admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
            &[&pid],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn the_client_used_directly_is_served_by_the_background_task() {
    let (_test_db, db) = app_db(false).await;
    let one: i32 = within("a direct query", db.client().query_one("SELECT 1", &[]))
        .await
        .unwrap()
        .get(0);
    assert_eq!(one, 1);
    // Then a statement of ours, then the client again: each way of driving hands over to the
    // other.
    let user = User::insert(NewUser::new().email("d@x.io").name("D"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let name: String = within(
        "a direct query after ours",
        db.client()
            .query_one("SELECT name FROM users WHERE id = $1", &[&user.id]),
    )
    .await
    .unwrap()
    .get(0);
    assert_eq!(name, "D");
}

#[tokio::test(flavor = "current_thread")]
async fn a_statement_kept_unfinished_does_not_stall_the_client_used_directly() {
    let (_test_db, db) = app_db(false).await;
    // Polled once (its request sent, it waits), then kept while the same task uses the client
    // directly: the wake-ups of the connection go to the kept statement's task, which does not
    // poll it. The watch thread sees the event unserved and the background task serves it.
    let mut kept = pin!(raw_query::<Value<i32>>(
        &db,
        "SELECT 7 FROM pg_sleep(0.05)",
        &[]
    ));
    poll_once(&mut kept).await;
    for n in 0..3 {
        let got: i32 = within(
            "a direct query beside a kept statement",
            db.client().query_one("SELECT $1::int", &[&n]),
        )
        .await
        .unwrap()
        .get(0);
        assert_eq!(got, n);
    }
    // A batch of ours meanwhile (its BEGIN, statements and COMMIT are the client's own calls).
    within(
        "a batch beside a kept statement",
        batch(
            &db,
            vec![User::insert(NewUser::new().email("k@x.io").name("K"))],
        ),
    )
    .await
    .unwrap();
    let kept = within("the kept statement", kept).await.unwrap();
    assert_eq!(kept[0].0, 7);
    assert_eq!(User::select().count(&db).await.unwrap(), 1);
}

#[test]
fn many_tasks_on_one_connection_get_their_own_answers() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (_test_db, db) = app_db(false).await;
        let db = Arc::new(db);
        let mut tasks = Vec::new();
        for t in 0..8i32 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for n in 0..150i32 {
                    let want = t * 1000 + n;
                    let got = if n % 10 == 0 {
                        // Now and then the client directly, beside the others' statements.
                        db.client()
                            .query_one("SELECT $1::int", &[&want])
                            .await
                            .unwrap()
                            .get::<_, i32>(0)
                    } else {
                        raw_query::<Value<i32>>(&*db, "SELECT $1::int", &[&want])
                            .await
                            .unwrap()[0]
                            .0
                    };
                    assert_eq!(got, want, "task {t} got another's answer");
                }
            }));
        }
        within("eight tasks on one connection", async {
            for task in tasks {
                task.await.unwrap();
            }
        })
        .await;
    });
}

#[tokio::test]
async fn a_statement_dropped_at_every_await_leaves_the_connection_usable() {
    let (_test_db, db) = app_db(false).await;
    let user = User::insert(NewUser::new().email("c@x.io").name("C"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let id = user.id;
    cancel_at_every_await(
        || async {
            Project::insert(NewProject::new().owner_id(id).name("p"))
                .returning()
                .one(&db)
                .await
                .unwrap()
        },
        async |k| {
            // Whatever the dropped statement left on the wire is read past: the next answer is
            // the next statement's.
            let found = within("a statement after a dropped one", User::find(id).one(&db))
                .await
                .unwrap();
            assert_eq!(found.name, "C", "after a drop at await {k}");
            let direct: i32 = within(
                "a direct query after a dropped statement",
                db.client().query_one("SELECT 5", &[]),
            )
            .await
            .unwrap()
            .get(0);
            assert_eq!(direct, 5);
        },
    )
    .await;
}

#[tokio::test]
async fn a_connection_the_server_ends_fails_its_statements_without_hanging() {
    let (test_db, db) = app_db(false).await;
    let pid = backend_pid(&db).await;
    let waiting = raw_query::<Value<i32>>(&db, "SELECT 1 FROM pg_sleep(30)", &[]);
    let kill = async {
        // The statement is on the server by now or soon; terminated either way.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let admin = test_db.connect().await.unwrap();
        admin
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap();
    };
    let (result, ()) = within("a statement on a terminated backend", async {
        tokio::join!(waiting, kill)
    })
    .await;
    assert!(result.is_err(), "the terminated statement fails");
    // Every later statement fails at once too: the connection has ended.
    let later = within("a statement after the end", User::select().count(&db)).await;
    assert!(later.is_err());
    let direct = within(
        "a direct query after the end",
        db.client().query_one("SELECT 1", &[]),
    )
    .await;
    assert!(direct.is_err());
}

#[tokio::test]
async fn a_dropped_db_closes_its_connection() {
    let (test_db, db) = app_db(false).await;
    let pid = backend_pid(&db).await;
    assert_eq!(backends(&test_db, pid).await, 1);
    drop(db);
    within("the backend going away", async {
        while backends(&test_db, pid).await != 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_transaction_on_a_driven_connection_commits_and_rolls_back() {
    let (_test_db, mut db) = app_db(false).await;
    within(
        "a committed transaction",
        db.transaction(async |tx| {
            User::insert(NewUser::new().email("t1@x.io").name("T1"))
                .execute(tx)
                .await?;
            tx.transaction(async |inner| {
                User::insert(NewUser::new().email("t2@x.io").name("T2"))
                    .execute(inner)
                    .await
            })
            .await?;
            Ok::<_, schema_core::exec::Error>(())
        }),
    )
    .await
    .unwrap();
    let failed = within(
        "a rolled-back transaction",
        db.transaction(async |tx| {
            User::insert(NewUser::new().email("t3@x.io").name("T3"))
                .execute(tx)
                .await?;
            User::insert(NewUser::new().email("t1@x.io").name("dup"))
                .execute(tx)
                .await?;
            Ok::<_, schema_core::exec::Error>(())
        }),
    )
    .await;
    assert!(failed.is_err(), "the duplicate email fails the transaction");
    let mut names: Vec<String> = User::select()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    names.sort();
    assert_eq!(names, ["T1", "T2"]);
}
