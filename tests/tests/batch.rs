//! Batches (issue 12): several typed statements in one round trip, atomically, results as a
//! tuple; on an own connection, a pooled one, through PgBouncer, and inside a transaction. The
//! round trips are counted by a proxy between client and server.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use example_app::schema::*;
use schema_core::exec::Error;
use schema_core::prelude::*;
use schema_core::query::batch;
use schema_core::query::write::Provided;
use schema_tests::support::{app_db, cancel_at_every_await, pgbouncer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn new_user(name: &str) -> NewUser<Provided, Provided> {
    NewUser::new().email(format!("{name}@x.io")).name(name)
}

#[test]
fn the_sql_of_a_batch() {
    let owner = Uuid::nil();
    let statements = (
        User::insert(new_user("ada")).returning(),
        Project::insert(NewProject::new().owner_id(owner).name("p")),
        Project::select().filter(projects::owner_id.eq(owner)),
        Project::update()
            .set(projects::name, "renamed")
            .filter(projects::owner_id.eq(owner)),
        Project::delete()
            .filter(projects::name.eq("gone"))
            .returning_columns(projects::id),
    );
    insta::assert_snapshot!(schema_core::query::Batch::sql(&statements).join("\n"));
}

#[tokio::test]
async fn a_batch_runs_its_statements_together_or_not_at_all() {
    let (_guard, mut db) = app_db(false).await;
    let ada = User::insert(new_user("ada"))
        .returning()
        .one(&db)
        .await
        .unwrap();

    // Results as a tuple, each of its statement's type; one transaction (one `now()`).
    let (users, inserted, projects, renamed, removed) = batch(
        &db,
        (
            User::insert(new_user("bob")).returning(),
            Project::insert_many([
                NewProject::new().owner_id(ada.id).name("a1"),
                NewProject::new().owner_id(ada.id).name("gone"),
            ]),
            Project::select()
                .filter(projects::owner_id.eq(ada.id))
                .order_by(projects::name),
            Project::update()
                .set(projects::name, "a2")
                .filter(projects::name.eq("a1")),
            Project::delete()
                .filter(projects::name.eq("gone"))
                .returning_columns(projects::name),
        ),
    )
    .await
    .unwrap();
    assert_eq!(users[0].name, "bob");
    assert_eq!(inserted, 2);
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a1", "gone"], "each statement sees the ones before");
    assert_eq!((renamed, removed), (1, vec!["gone".to_string()]));
    let stamps: Vec<_> = Project::select()
        .columns(projects::created_at)
        .all(&db)
        .await
        .unwrap();
    assert!(stamps.iter().all(|s| *s == stamps[0]), "one transaction");

    // A failing statement: none of the batch is kept, and the error is its own (a unique
    // violation naming the constraint), not the aborted transaction's of the ones after it.
    let error = batch(
        &db,
        (
            Project::insert(NewProject::new().owner_id(ada.id).name("kept?")),
            User::insert(new_user("ada")),
            Project::update()
                .set(projects::name, "never")
                .filter(projects::name.eq("a2")),
        ),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, Error::UniqueViolation(v) if v.table == "users"),
        "{error:?}"
    );
    let names: Vec<String> = Project::select()
        .order_by(projects::name)
        .columns(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names, ["a2"], "the batch's insert was rolled back");

    // A parameter its statement cannot take is refused before anything is sent.
    let refused = batch(
        &db,
        (
            Project::insert(NewProject::new().owner_id(ada.id).name("not sent")),
            Project::select().filter(Expr::raw("name = ?", [1_i64])),
        ),
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, Error::InvalidQuery(_)), "{refused:?}");
    assert_eq!(Project::select().count(&db).await.unwrap(), 1);

    // An insert of no rows sends nothing and touched nothing.
    let nothing = [NewProject::new().owner_id(ada.id).name("x")]
        .into_iter()
        .filter(|_| false);
    let (none, found) = batch(
        &db,
        (
            Project::insert_many(nothing),
            Project::select().filter(projects::name.eq("a2")),
        ),
    )
    .await
    .unwrap();
    assert_eq!((none, found.len()), (0, 1));
    // A `Vec` of statements of one kind: a `Vec` of results.
    let counts = batch(
        &db,
        vec![
            Project::select().filter(projects::name.eq("a2")),
            Project::select().filter(projects::name.eq("zz")),
        ],
    )
    .await
    .unwrap();
    assert_eq!((counts[0].len(), counts[1].len()), (1, 0));

    // Inside a transaction the batch is part of it: rolled back with it.
    let result: Result<(), Error> = db
        .transaction(async |tx| {
            let (n,) = batch(&*tx, (Project::delete().all_rows(),)).await?;
            assert_eq!(n, 1);
            Err(Error::InvalidQuery("roll back".into()))
        })
        .await;
    assert!(result.is_err());
    assert_eq!(Project::select().count(&db).await.unwrap(), 1);
}

/// Counts the turns of a conversation: each time the client sends after the server has answered
/// (or first), one round trip begins.
struct Proxy {
    port: u16,
    turns: Arc<AtomicUsize>,
}

impl Proxy {
    async fn to(backend_port: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let turns = Arc::new(AtomicUsize::new(0));
        let counted = turns.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let server = tokio::net::TcpStream::connect(("127.0.0.1", backend_port))
                    .await
                    .unwrap();
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                // Whether the server spoke last: the client's next bytes begin a turn.
                let answered = Arc::new(AtomicBool::new(true));
                let (answered_up, turns) = (answered.clone(), counted.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = client_read.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        if answered_up.swap(false, Ordering::SeqCst) {
                            turns.fetch_add(1, Ordering::SeqCst);
                        }
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = server_read.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        answered.store(true, Ordering::SeqCst);
                        if client_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Proxy { port, turns }
    }

    fn turns(&self) -> usize {
        self.turns.load(Ordering::SeqCst)
    }
}

/// Three statements: an insert, a select and an update, on owner `owner`.
#[allow(clippy::type_complexity)]
fn three(
    owner: Uuid,
    name: &str,
) -> (
    schema_core::query::Insert<Project>,
    schema_core::query::Select<Project>,
    schema_core::query::Update<Project, schema_core::query::write::Filtered>,
) {
    (
        Project::insert(NewProject::new().owner_id(owner).name(name)),
        Project::select().filter(projects::owner_id.eq(owner)),
        Project::update()
            .set(projects::status, Some("seen".to_string()))
            .filter(projects::owner_id.eq(owner)),
    )
}

#[tokio::test]
async fn a_prepared_batch_is_one_round_trip_on_every_kind_of_connection() {
    let (test_db, setup) = app_db(false).await;
    let owner = User::insert(new_user("owner"))
        .returning()
        .one(&setup)
        .await
        .unwrap();
    let backend = test_db.config().get_ports()[0];
    let proxy = Proxy::to(backend).await;
    let via_proxy = format!(
        "postgresql://postgres@127.0.0.1:{}/{}?sslmode=disable",
        proxy.port,
        test_db.name()
    );

    // An own connection: the first batch prepares (one more round trip), the next does not.
    let db = Db::connect(&via_proxy).await.unwrap();
    batch(&db, three(owner.id, "first")).await.unwrap();
    let before = proxy.turns();
    let (inserted, rows, updated) = batch(&db, three(owner.id, "second")).await.unwrap();
    assert_eq!((inserted, rows.len(), updated), (1, 2, 2));
    assert_eq!(
        proxy.turns() - before,
        1,
        "BEGIN, three statements, COMMIT: one turn"
    );
    // The same statements one by one take a turn each: the proxy does count.
    let before = proxy.turns();
    let (a, b, c) = three(owner.id, "third");
    a.execute(&db).await.unwrap();
    b.all(&db).await.unwrap();
    c.execute(&db).await.unwrap();
    assert_eq!(proxy.turns() - before, 3);

    // A pooled connection (deadpool's statement cache).
    let config: tokio_postgres::Config = via_proxy.parse().unwrap();
    let pool = schema_core::exec::pool(config, 1).unwrap();
    let pooled = Db::from_pool(&pool).await.unwrap();
    batch(&pooled, three(owner.id, "pooled")).await.unwrap();
    let before = proxy.turns();
    batch(&pooled, three(owner.id, "pooled again"))
        .await
        .unwrap();
    assert_eq!(proxy.turns() - before, 1);
    drop(pooled);

    // Through PgBouncer in transaction mode: unnamed statements, their parameter types learnt
    // once; the batch's transaction holds one server connection from BEGIN to COMMIT.
    if let Some((_bouncer, url)) = pgbouncer(&test_db, 2, "a batch through PgBouncer") {
        let db = Db::connect_through_pooler(&url).await.unwrap();
        batch(&db, three(owner.id, "bounced")).await.unwrap();
        let (inserted, rows, _) = batch(&db, three(owner.id, "bounced again")).await.unwrap();
        assert_eq!(inserted, 1);
        assert_eq!(rows.len(), 7);
        let failed = batch(
            &db,
            (
                Project::insert(NewProject::new().owner_id(owner.id).name("rolled back")),
                User::insert(new_user("owner")),
            ),
        )
        .await;
        assert!(matches!(failed, Err(Error::UniqueViolation(_))));
        let left = Project::select()
            .filter(projects::name.eq("rolled back"))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
}

/// Cut short at every await (preparing, or with the pipeline sent), a batch is kept whole or
/// not at all, leaves no transaction open, and the connection goes on: directly and through
/// PgBouncer.
#[tokio::test]
async fn a_batch_cancelled_at_every_await_is_whole_or_absent() {
    let (test_db, setup) = app_db(false).await;
    let owner = User::insert(new_user("owner"))
        .returning()
        .one(&setup)
        .await
        .unwrap();
    let bouncer = pgbouncer(&test_db, 1, "a batch cancelled through PgBouncer");
    let mut dbs = vec![("direct", Db::connect(&test_db.url()).await.unwrap())];
    if let Some((_, url)) = &bouncer {
        dbs.push(("bounced", Db::connect_through_pooler(url).await.unwrap()));
    }
    for (label, db) in &dbs {
        let runs = std::cell::Cell::new(0);
        cancel_at_every_await(
            || {
                runs.set(runs.get() + 1);
                let name = format!("{label}-{}", runs.get());
                async move {
                    batch(
                        db,
                        (
                            Project::insert(
                                NewProject::new()
                                    .owner_id(owner.id)
                                    .name(format!("{name}-a")),
                            ),
                            Project::insert(
                                NewProject::new()
                                    .owner_id(owner.id)
                                    .name(format!("{name}-b")),
                            ),
                            Project::select().filter(projects::name.like(format!("{name}-%"))),
                        ),
                    )
                    .await
                    .unwrap()
                }
            },
            async |k| {
                // A statement after it on the same connection runs after whatever was sent.
                Project::select().count(db).await.unwrap();
                let kept = Project::select()
                    .filter(projects::name.like(format!("{label}-{k}-%")))
                    .count(&setup)
                    .await
                    .unwrap();
                assert!(
                    kept == 0 || kept == 2,
                    "{label} cut at {k}: {kept} of 2 kept"
                );
                let open: i64 = setup
                    .client()
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                         AND state LIKE 'idle in transaction%'",
                        &[],
                    )
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(open, 0, "{label} cut at {k}");
            },
        )
        .await;
    }
    drop(bouncer);
}
