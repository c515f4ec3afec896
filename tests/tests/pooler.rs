//! Through a real PgBouncer in transaction mode: the example app's builder queries from many
//! tasks at once, with no prepared-statement errors; and the runner refusing pooled URLs.

use example_app::schema::*;
use schema_core::exec::DbPool;
use schema_core::migrate::runner;
use schema_core::pgvector::Vector;
use schema_core::prelude::*;
use schema_core::testing::TestDb;
use schema_tests::support::{app_db, pgbouncer};

/// The named statements on the server connections behind `dbs` (one each): a transaction held
/// open on every one pins them all at once, and the simple protocol counts without preparing.
async fn statements_on_server_connections(dbs: &[Db]) -> Vec<i64> {
    for db in dbs {
        db.client().batch_execute("BEGIN").await.unwrap();
    }
    let mut counts = Vec::new();
    for db in dbs {
        let rows = db
            .client()
            .simple_query("SELECT count(*) FROM pg_prepared_statements")
            .await
            .unwrap();
        counts.push(match &rows[1] {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).unwrap().parse().unwrap(),
            other => panic!("{other:?}"),
        });
    }
    for db in dbs {
        db.client().batch_execute("COMMIT").await.unwrap();
    }
    counts
}

#[tokio::test]
async fn builder_queries_through_pgbouncer_in_transaction_mode() {
    let (test_db, setup) = app_db(false).await;
    let Some((bouncer, url)) = pgbouncer(
        &test_db,
        3,
        "builder_queries_through_pgbouncer_in_transaction_mode",
    ) else {
        return;
    };

    let owner = User::insert(NewUser::new().email("owner@x.io").name("Owner"))
        .returning()
        .one(&setup)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for task in 0..8 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut db = Db::connect(&url).await.expect("through the pooler");
            assert_eq!(db.prepared_statements(), 0, "no statement kept prepared");
            for i in 0..10 {
                let name = format!("p{task}-{i}");
                let project =
                    Project::insert(NewProject::new().owner_id(owner.id).name(name.as_str()))
                        .returning()
                        .one(&db)
                        .await
                        .unwrap();
                let found = Project::select()
                    .inner_join::<User>(projects::owner_id.eq(users::id))
                    .filter(projects::name.eq(name.as_str()))
                    .one(&db)
                    .await
                    .unwrap();
                assert_eq!(found.0, project);
                Project::update()
                    .set(projects::status, Some("done".to_string()))
                    .filter(projects::id.eq(project.id))
                    .execute(&db)
                    .await
                    .unwrap();
                let (_, projects) = User::select()
                    .filter(users::id.eq(owner.id))
                    .with(users::projects)
                    .one(&db)
                    .await
                    .unwrap();
                assert!(!projects.is_empty());
                db.transaction(async |tx| {
                    AiUsageLog::insert(
                        NewAiUsageLog::new()
                            .user_id(owner.id)
                            .model("m")
                            .tokens_used("1"),
                    )
                    .execute(tx)
                    .await?;
                    AiUsageLog::select()
                        .filter(ai_usage_log::user_id.eq(owner.id))
                        .count(tx)
                        .await
                })
                .await
                .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        Project::select()
            .filter(projects::status.eq("done"))
            .count(&setup)
            .await
            .unwrap(),
        80
    );
    assert_eq!(AiUsageLog::select().count(&setup).await.unwrap(), 80);
    // No named statement is left on any of the pooler's three server connections.
    let mut dbs = Vec::new();
    for _ in 0..3 {
        dbs.push(Db::connect(&url).await.unwrap());
    }
    assert_eq!(statements_on_server_connections(&dbs).await, [0, 0, 0]);
    drop(bouncer);
    drop(test_db);
}

#[tokio::test]
async fn an_application_pool_through_pgbouncer_keeps_no_statement_prepared() {
    let (test_db, setup) = app_db(false).await;
    // Port and flag both say "pooler"; the pool runs every connection unprepared.
    let Some((bouncer, url)) = pgbouncer(
        &test_db,
        2,
        "an_application_pool_through_pgbouncer_keeps_no_statement_prepared",
    ) else {
        return;
    };
    let pool = std::sync::Arc::new(DbPool::new(&url, 4).unwrap());
    assert!(pool.through_pooler());
    let owner = User::insert(NewUser::new().email("pool@x.io").name("Pool"))
        .returning()
        .one(&setup)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for task in 0..6 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                // A fresh checkout each round: connections move between tasks.
                let mut db = pool.get().await.unwrap();
                Project::insert_many([
                    NewProject::new()
                        .owner_id(owner.id)
                        .name(format!("a{task}-{i}")),
                    NewProject::new()
                        .owner_id(owner.id)
                        .name(format!("b{task}-{i}")),
                ])
                .execute(&db)
                .await
                .unwrap();
                let (_, projects) = User::select()
                    .filter(users::id.eq(owner.id))
                    .with(users::projects)
                    .one(&db)
                    .await
                    .unwrap();
                assert!(projects.len() >= 2);
                db.transaction(async |tx| {
                    Project::update()
                        .set(projects::status, Some("done".to_string()))
                        .filter(projects::name.eq(format!("a{task}-{i}")))
                        .execute(tx)
                        .await
                })
                .await
                .unwrap();
                assert_eq!(db.prepared_statements(), 0);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(Project::select().count(&setup).await.unwrap(), 120);
    assert_eq!(
        Project::select()
            .filter(projects::status.eq("done"))
            .count(&setup)
            .await
            .unwrap(),
        60
    );
    // Both server connections: no named statement left.
    let dbs = vec![pool.get().await.unwrap(), pool.get().await.unwrap()];
    assert_eq!(statements_on_server_connections(&dbs).await, [0, 0]);
    drop(dbs);
    drop(pool);
    drop(bouncer);
    drop(test_db);
}

#[test]
fn the_runner_refuses_a_pooled_url_and_asks_for_the_direct_one() {
    for url in [
        "postgresql://u:p@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/app?sslmode=require",
        "postgresql://u@127.0.0.1:6432/app",
        "postgresql://u@db.internal:5432/app?pgbouncer=true",
    ] {
        let refusal = runner::refuse_pooled(url).expect_err(url).to_string();
        assert!(refusal.contains("Migrate with the direct URL"), "{refusal}");
        assert!(!refusal.contains("u:p@"), "no secret in {refusal}");
    }
    runner::refuse_pooled(
        "postgresql://u@ep-cool-name-123456.eu-central-1.aws.neon.tech/app?sslmode=require",
    )
    .unwrap();
    let _ = TestDb::new;
}

#[tokio::test]
async fn through_pgbouncer_types_the_client_does_not_know_are_learnt_first() {
    let (test_db, _setup) = app_db(true).await;
    let Some((bouncer, url)) = pgbouncer(
        &test_db,
        2,
        "through_pgbouncer_types_the_client_does_not_know_are_learnt_first",
    ) else {
        return;
    };
    // Shapes that meet, one after another, types tokio-postgres looks up with statements of its
    // own: an enum (`user_role`), then `vector`, then both inside loaded relations.
    let run = async |db: &Db, n: usize| {
        let user = User::insert(
            NewUser::new()
                .email(format!("types{n}@x.io"))
                .name("T")
                .role(UserRole::Admin),
        )
        .returning()
        .one(db)
        .await
        .unwrap();
        assert_eq!(user.role, Some(UserRole::Admin));
        let context = Context::insert(NewContext::new())
            .returning()
            .one(db)
            .await
            .unwrap();
        let message = Message::insert(
            NewMessage::new()
                .context_id(context.id)
                .version(1)
                .role("user")
                .content("hi")
                .embedding(Some(Vector::from(vec![0.25_f32; 1536]))),
        )
        .returning()
        .one(db)
        .await
        .unwrap();
        let (_, messages) = Context::select()
            .filter(contexts::id.eq(context.id))
            .with(contexts::messages)
            .one(db)
            .await
            .unwrap();
        assert_eq!(messages, [message]);
    };
    let db = Db::connect(&url).await.unwrap();
    run(&db, 0).await;
    let pool = DbPool::new(&url, 2).unwrap();
    for n in 1..4 {
        run(&pool.get().await.unwrap(), n).await;
    }
    drop(pool);
    let dbs = vec![
        Db::connect(&url).await.unwrap(),
        Db::connect(&url).await.unwrap(),
    ];
    assert_eq!(statements_on_server_connections(&dbs).await, [0, 0]);
    drop(dbs);
    drop(db);
    drop(bouncer);
    drop(test_db);
}
