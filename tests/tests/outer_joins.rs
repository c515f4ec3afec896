//! Right and full joins (issue 12): the rows of the other table with no match in the query's
//! table, typed `Option` on the side that may be absent; a soft-delete table's deleted rows do
//! not match, and do not appear on their own.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[test]
fn the_sql_of_outer_joins() {
    let cases = [
        Context::select()
            .right_join::<Message>(contexts::id.eq(messages::context_id))
            .columns((contexts::name, messages::content))
            .sql()
            .0,
        Context::select()
            .right_join::<Message>(contexts::id.eq(messages::context_id))
            .filter(messages::role.eq("user"))
            .columns((contexts::name, messages::content))
            .sql()
            .0,
        User::select()
            .full_join::<Project>(users::id.eq(projects::owner_id))
            .filter(projects::name.is_null().or(users::name.is_null()))
            .sql()
            .0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn outer_joins_keep_the_unmatched_rows() {
    let (_guard, db) = app_db(true).await;
    let mut contexts = Vec::new();
    for name in ["kept", "deleted", "empty"] {
        let context = Context::insert(NewContext::new().name(Some(name.to_string())))
            .returning()
            .one(&db)
            .await
            .unwrap();
        contexts.push(context);
    }
    for (context, version) in [(&contexts[0], 1_i64), (&contexts[1], 1)] {
        Message::insert(
            NewMessage::new()
                .context_id(context.id)
                .version(version)
                .role("user")
                .content(format!(
                    "in {}",
                    context.name.as_deref().unwrap_or_default()
                )),
        )
        .execute(&db)
        .await
        .unwrap();
    }
    Context::delete()
        .filter(contexts::id.eq(contexts[1].id))
        .execute(&db)
        .await
        .unwrap();

    // RIGHT JOIN: every message; the one whose context is deleted has none. (`name` is itself
    // nullable: `Some(None)` would be a context without a name, `None` no context.)
    let mut read: Vec<(Option<Option<String>>, String)> = Context::select()
        .right_join::<Message>(contexts::id.eq(messages::context_id))
        .columns((contexts::name, messages::content))
        .all(&db)
        .await
        .unwrap();
    read.sort();
    assert_eq!(
        read,
        [
            (None, "in deleted".to_string()),
            (Some(Some("kept".to_string())), "in kept".to_string()),
        ]
    );
    // Whole rows: `(Option<Context>, Message)`.
    let rows = Context::select()
        .right_join::<Message>(contexts::id.eq(messages::context_id))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .any(|(c, m)| c.is_none() && m.content == "in deleted"));

    // FULL JOIN: the empty context too, with no message; the deleted context not at all.
    let mut read: Vec<(Option<Option<String>>, Option<String>)> = Context::select()
        .full_join::<Message>(contexts::id.eq(messages::context_id))
        .columns((contexts::name, messages::content))
        .all(&db)
        .await
        .unwrap();
    read.sort();
    assert_eq!(
        read,
        [
            (None, Some("in deleted".to_string())),
            (Some(Some("empty".to_string())), None),
            (Some(Some("kept".to_string())), Some("in kept".to_string())),
        ]
    );
    // With the deleted rows asked for, the deleted context matches its message.
    let all = Context::select()
        .with_deleted()
        .full_join::<Message>(contexts::id.eq(messages::context_id))
        .columns((contexts::name, messages::content))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.contains(&(
        Some(Some("deleted".to_string())),
        Some("in deleted".to_string())
    )));
}
