//! Typed aliases (issue 12): a self-join, and one table joined twice, each under a name of its
//! own (`alias!`), with the alias's columns typed like the table's.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

schema_core::alias!(
    /// The context a context was forked from.
    Parent = Context as "parent"
);
schema_core::alias!(Grandparent = Context as "grandparent");

#[test]
fn the_sql_of_aliases() {
    let cases = [
        Context::select()
            .left_join::<Parent>(Parent::col(contexts::id).eq(contexts::parent_id))
            .sql()
            .0,
        Context::select()
            .inner_join::<Parent>(Parent::col(contexts::id).eq(contexts::parent_id))
            .left_join::<Grandparent>(
                Grandparent::col(contexts::id).eq(Parent::col(contexts::parent_id)),
            )
            .filter(Parent::col(contexts::name).eq("root"))
            .order_by(Parent::col(contexts::created_at).desc())
            .columns((
                contexts::name,
                Parent::col(contexts::name),
                Grandparent::col(contexts::name),
            ))
            .sql()
            .0,
        Project::select()
            .inner_join::<User>(users::id.eq(projects::owner_id))
            .cross_join::<Parent>()
            .columns((projects::name, Parent::col(contexts::id)))
            .sql()
            .0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn a_self_join_and_a_table_joined_twice() {
    let (_guard, db) = app_db(true).await;
    let mut made: Vec<Context> = Vec::new();
    for (name, parent) in [("root", None), ("fork", Some(0)), ("fork of fork", Some(1))] {
        let parent_id = parent.map(|i: usize| made[i].id);
        let context = Context::insert(
            NewContext::new()
                .name(Some(name.to_string()))
                .parent_id(parent_id),
        )
        .returning()
        .one(&db)
        .await
        .unwrap();
        made.push(context);
    }

    // Whole rows: the alias's part decodes as the table's struct, `None` with no parent.
    let mut rows: Vec<(Context, Option<Context>)> = Context::select()
        .left_join::<Parent>(Parent::col(contexts::id).eq(contexts::parent_id))
        .all(&db)
        .await
        .unwrap();
    rows.sort_by_key(|(c, _)| c.name.clone());
    let names: Vec<(Option<&str>, Option<&str>)> = rows
        .iter()
        .map(|(c, p)| {
            (
                c.name.as_deref(),
                p.as_ref().and_then(|p| p.name.as_deref()),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (Some("fork"), Some("root")),
            (Some("fork of fork"), Some("fork")),
            (Some("root"), None),
        ]
    );
    assert_eq!(rows[1].1.as_ref(), Some(&made[1]));

    // Two aliases of one table: child, parent and grandparent side by side.
    // A child's name, its parent's, and its grandparent's (a nullable column of a left join).
    type Names = (Option<String>, Option<String>, Option<Option<String>>);
    let chain: Vec<Names> = Context::select()
        .inner_join::<Parent>(Parent::col(contexts::id).eq(contexts::parent_id))
        .left_join::<Grandparent>(
            Grandparent::col(contexts::id).eq(Parent::col(contexts::parent_id)),
        )
        .order_by(contexts::name)
        .columns((
            contexts::name,
            Parent::col(contexts::name),
            Grandparent::col(contexts::name),
        ))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        chain,
        [
            (Some("fork".into()), Some("root".into()), None),
            (
                Some("fork of fork".into()),
                Some("fork".into()),
                Some(Some("root".into()))
            ),
        ]
    );

    // A filter on the alias's columns reads the alias, not the table.
    let forks_of_root: Vec<Option<String>> = Context::select()
        .inner_join::<Parent>(Parent::col(contexts::id).eq(contexts::parent_id))
        .filter(Parent::col(contexts::name).eq("root"))
        .columns(contexts::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(forks_of_root, [Some("fork".to_string())]);

    // The anti-join through an alias: contexts without a parent.
    let roots: Vec<Option<String>> = Context::select()
        .left_join::<Parent>(Parent::col(contexts::id).eq(contexts::parent_id))
        .filter(Parent::col(contexts::id).is_null())
        .columns(contexts::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(roots, [Some("root".to_string())]);
}
