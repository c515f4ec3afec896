//! Transactions with an isolation level, read only and deferrable (issue 12), on a real server:
//! the options reach the server, a read-only transaction refuses writes, and two serializable
//! transactions that cannot both commit end with one serialization failure.

use std::sync::Arc;

use example_app::schema::*;
use schema_core::exec::{raw_execute, raw_query, Isolation, TxOptions, Value};
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[tokio::test]
async fn the_options_reach_the_server_and_read_only_refuses_writes() {
    let (_test_db, mut db) = app_db(false).await;
    let options = TxOptions::new()
        .isolation(Isolation::Serializable)
        .read_only()
        .deferrable();
    let settings = db
        .transaction_with(options, async |tx| {
            let rows: Vec<(Value<String>, Value<String>, Value<String>)> = raw_query(
                tx,
                "SELECT current_setting('transaction_isolation'), \
                 current_setting('transaction_read_only'), \
                 current_setting('transaction_deferrable')",
                &[],
            )
            .await?;
            Ok::<_, Error>(rows.into_iter().next().map(|(a, b, c)| (a.0, b.0, c.0)))
        })
        .await
        .unwrap();
    assert_eq!(
        settings,
        Some(("serializable".into(), "on".into(), "on".into()))
    );

    let refused = db
        .transaction_with(TxOptions::new().read_only(), async |tx| {
            User::insert(NewUser::new().email("a@x.io").name("A"))
                .execute(tx)
                .await
        })
        .await
        .unwrap_err();
    assert_eq!(
        refused.db_error().map(|e| e.code().code()),
        Some("25006"),
        "{refused}"
    );
    assert_eq!(User::select().count(&db).await.unwrap(), 0);

    // Plain `transaction` is read committed, read write.
    let plain = db
        .transaction(async |tx| {
            let rows: Vec<(Value<String>,)> =
                raw_query(tx, "SELECT current_setting('transaction_isolation')", &[]).await?;
            Ok::<_, Error>(rows.into_iter().next().map(|(a,)| a.0))
        })
        .await
        .unwrap();
    assert_eq!(plain.as_deref(), Some("read committed"));
}

/// Write skew: each transaction reads both rows and changes one. Serializable lets one commit and
/// refuses the other with `40001`, which `Error::is_serialization_failure` tells; run again, it
/// succeeds.
#[tokio::test]
async fn conflicting_serializable_transactions_end_with_one_failure() {
    let (test_db, setup) = app_db(false).await;
    for sql in [
        "CREATE TABLE on_call (doctor text PRIMARY KEY, on_duty bool NOT NULL)",
        "INSERT INTO on_call VALUES ('a', true), ('b', true)",
    ] {
        raw_execute(&setup, sql, &[]).await.unwrap();
    }
    let read_both = Arc::new(tokio::sync::Barrier::new(2));
    let run = |doctor: &'static str| {
        let read_both = Arc::clone(&read_both);
        let url = test_db.url();
        async move {
            let mut db = Db::connect(&url).await.unwrap();
            db.transaction_with(
                TxOptions::new().isolation(Isolation::Serializable),
                async |tx| {
                    let on: Vec<(Value<i64>,)> =
                        raw_query(tx, "SELECT count(*) FROM on_call WHERE on_duty", &[]).await?;
                    read_both.wait().await;
                    if on[0].0 .0 == 2 {
                        raw_execute(
                            tx,
                            "UPDATE on_call SET on_duty = false WHERE doctor = $1",
                            &[&doctor],
                        )
                        .await?;
                    }
                    Ok::<_, Error>(())
                },
            )
            .await
        }
    };
    let (a, b) = tokio::join!(run("a"), run("b"));
    let failures = [&a, &b]
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.is_serialization_failure()))
        .count();
    assert_eq!(failures, 1, "{a:?} {b:?}");
    assert!(a.is_ok() || b.is_ok());
    let on: Vec<(Value<i64>,)> =
        raw_query(&setup, "SELECT count(*) FROM on_call WHERE on_duty", &[])
            .await
            .unwrap();
    assert_eq!(on[0].0 .0, 1, "one doctor stays on call");
}
