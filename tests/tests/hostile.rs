//! Hostile input to the builders (issue 10, item 8): `Expr::raw` placeholders only where SQL
//! allows a parameter, statements past the parameter limit, expressions nested past any need;
//! each refused before anything is sent, with an error that says why, never a panic, a stack
//! overflow or a multi-megabyte message.

use example_app::schema::*;
use schema_core::exec::Error;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[test]
fn raw_placeholders_are_only_where_sql_is() {
    let filter = Expr::<User, bool>::raw(
        "name = ? AND 'what?' <> \"we?rd\" -- why?\n\
         AND /* ? */ '{\"k\": 1}'::jsonb ?? ? AND '{}'::jsonb ?| array['a'] \
         AND '{}'::jsonb ?& array['b'] AND $$?$$ = E'\\'?'",
        ["Ada".to_string(), "k".to_string()],
    );
    let (sql, params) = User::select().filter(filter).sql();
    assert_eq!(params.len(), 2);
    assert!(
        sql.contains(
            "WHERE name = $1 AND 'what?' <> \"we?rd\" -- why?\n\
             AND /* ? */ '{\"k\": 1}'::jsonb ? $2 AND '{}'::jsonb ?| array['a'] \
             AND '{}'::jsonb ?& array['b'] AND $$?$$ = E'\\'?'"
        ),
        "{sql}"
    );
}

#[tokio::test]
async fn raw_sql_with_the_wrong_number_of_values_is_not_sent() {
    let (_test_db, db) = app_db(false).await;
    User::insert(NewUser::new().email("ada@x.io").name("Ada"))
        .execute(&db)
        .await
        .unwrap();
    // jsonb's `?` written `??`, next to a placeholder, on the server.
    let found = User::select()
        .filter(Expr::raw("'{\"k\": 1}'::jsonb ?? ?", ["k".to_string()]))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    let sent = db.statements_sent();
    for (sql, values) in [
        ("name = ? AND email = ?", vec!["Ada".to_string()]),
        ("name = 'Ada?'", vec!["dropped".to_string()]),
    ] {
        let error = User::select()
            .filter(Expr::raw(sql, values))
            .all(&db)
            .await
            .unwrap_err();
        match &error {
            Error::InvalidQuery(message) => {
                assert!(message.contains("placeholder(s) but"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        // Inside an update too: nothing runs.
        let error = User::update()
            .set(users::name, "Eve")
            .filter(Expr::raw(sql, vec![String::new(); 3]))
            .execute(&db)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidQuery(_)), "{error:?}");
    }
    assert_eq!(db.statements_sent(), sent, "nothing was sent");
    assert_eq!(
        User::select()
            .filter(users::name.eq("Eve"))
            .count(&db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_statement_past_the_parameter_limit_is_refused_before_it_is_sent() {
    let (_test_db, db) = app_db(false).await;
    // Rows that leave different columns out go as `VALUES` with a parameter a value: 40,000
    // rows of two or three values are past 65,535.
    let rows = (0..40_000).map(|n| {
        let row = NewUser::new().email(format!("u{n}@x.io")).name("bulk");
        if n % 2 == 0 {
            row.role(UserRole::Admin)
        } else {
            row
        }
    });
    let error = User::insert_many(rows).execute(&db).await.unwrap_err();
    let shown = error.to_string();
    match &error {
        Error::InvalidQuery(message) => assert!(message.contains("at most 65535"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(
        shown.len() < 4096,
        "a bounded message: {} bytes",
        shown.len()
    );
    assert_eq!(User::select().count(&db).await.unwrap(), 0);

    // Rows that set the same columns go as one array a column: no limit.
    let rows = (0..40_000).map(|n| NewUser::new().email(format!("u{n}@x.io")).name("bulk"));
    assert_eq!(User::insert_many(rows).execute(&db).await.unwrap(), 40_000);

    // A server error on a huge statement quotes a bounded part of its SQL, and says how long
    // it was.
    let long_list: Vec<String> = (0..20_000).map(|n| format!("'{n}'")).collect();
    let sql = format!(
        "SELECT no_such_column FROM users WHERE name IN ({})",
        long_list.join(", ")
    );
    let error = schema_core::exec::raw_query::<schema_core::exec::Value<i64>>(&db, &sql, &[])
        .await
        .unwrap_err();
    let shown = error.to_string();
    assert!(shown.len() < 4096, "{} bytes", shown.len());
    assert!(
        shown.contains(&format!("{} bytes in all", sql.len())),
        "{shown}"
    );
    let debug = format!("{error:?}");
    assert!(debug.len() < 4096, "{} bytes", debug.len());
}

#[test]
fn an_expression_nested_ten_thousand_deep_is_refused_on_a_small_stack() {
    let rendered = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let mut filter = users::name.eq("a");
            for n in 0..10_000 {
                filter = if n % 2 == 0 {
                    users::email.eq("b").or(filter.not())
                } else {
                    users::email.eq("c").and(filter)
                };
            }
            let (sql, params) = User::select().filter(filter).sql();
            (sql, params.len())
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert!(
        rendered.0.contains("nested more than 1000 levels deep"),
        "{}",
        &rendered.0[..rendered.0.len().min(300)]
    );
    assert_eq!(rendered.1, 0);
}

#[test]
fn a_write_filtered_ten_thousand_deep_is_refused_on_a_small_stack() {
    // Writes spell their shape before rendering (to render each shape once): the spelling
    // stops where its buffer does, and the rendering refuses the depth as a select's does.
    let texts = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let deep = || {
                let mut filter = users::name.eq("a");
                for n in 0..10_000 {
                    filter = if n % 2 == 0 {
                        users::email.eq("b").or(filter.not())
                    } else {
                        users::email.eq("c").and(filter)
                    };
                }
                filter
            };
            // Twice each: a refused text is never kept for the next call.
            (0..2)
                .flat_map(|_| {
                    [
                        User::update()
                            .set(users::name, "x")
                            .filter(deep())
                            .returning()
                            .sql()
                            .0
                            .to_string(),
                        User::delete()
                            .filter(deep())
                            .returning()
                            .sql()
                            .0
                            .to_string(),
                    ]
                })
                .collect::<Vec<_>>()
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    for text in texts {
        assert!(
            text.contains("nested more than 1000 levels deep"),
            "{}",
            &text[..text.len().min(300)]
        );
    }
}

mod dollar {
    use schema_core::prelude::*;

    /// A column whose name is the on-update trigger's dollar-quote tag.
    #[table(name = "stamps")]
    pub struct Stamp {
        #[column(primary_key)]
        pub id: i32,
        pub note: String,
        #[column(name = "$fn$", default = now, on_update = now, trigger)]
        pub touched: TimestampTz,
    }
}

/// Issue 10, item 8: the on-update trigger's body is dollar-quoted with a tag the body does not
/// contain, so a column named `$fn$` migrates and its trigger works.
#[tokio::test]
async fn a_column_named_like_the_dollar_quote_tag_gets_a_working_trigger() {
    let schema = Schema::new().table::<dollar::Stamp>();
    let sql = schema_core::migrate::migration_sql(
        "0000_init",
        &schema_core::migrate::render::create_all(&schema),
    );
    assert!(sql.contains("AS $fn1$"), "{sql}");
    let test_db = schema_core::testing::TestDb::new().await.unwrap();
    let client = test_db.connect().await.unwrap();
    client.batch_execute(&sql).await.unwrap();
    client
        .batch_execute(
            "INSERT INTO stamps (id, note, \"$fn$\") VALUES (1, 'a', '2000-01-01');\
             UPDATE stamps SET note = 'b'",
        )
        .await
        .unwrap();
    let refreshed: bool = client
        .query_one("SELECT \"$fn$\" > '2020-01-01' FROM stamps", &[])
        .await
        .unwrap()
        .get(0);
    assert!(refreshed, "the trigger refreshed the column");
}

/// Through a pooler, a new shape's parameter types are asked of the server in a simple query:
/// raw SQL with a second statement is refused as the extended protocol would refuse it (never
/// run by the describe), and a trailing line comment does not swallow the describe.
#[tokio::test]
async fn raw_sql_through_the_pooler_mode_runs_one_statement() {
    let (test_db, setup) = app_db(false).await;
    let db = Db::connect_through_pooler(&test_db.url()).await.unwrap();
    let error =
        schema_core::exec::raw_execute(&db, "SELECT $1::int; DROP TABLE ai_usage_log", &[&1_i32])
            .await
            .unwrap_err();
    assert!(matches!(error, Error::InvalidQuery(_)), "{error:?}");
    assert_eq!(
        AiUsageLog::select().count(&setup).await.unwrap(),
        0,
        "the table is still there"
    );
    let rows = schema_core::exec::raw_query::<schema_core::exec::Value<i32>>(
        &db,
        "SELECT $1::int -- a trailing comment",
        &[&7_i32],
    )
    .await
    .unwrap();
    assert_eq!(rows, [schema_core::exec::Value(7)]);
}
