//! Set operations, scalar subqueries and cross joins (issue 12): `UNION [ALL]`, `INTERSECT`,
//! `EXCEPT` of queries of one row type, a query as a column, every pair of rows.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

fn emails_of_owners() -> schema_core::query::Select<(Project, User), String> {
    Project::select()
        .inner_join::<User>(projects::owner_id.eq(users::id))
        .columns(users::email)
}

#[test]
fn the_sql_of_set_operations() {
    let cases = [
        User::select()
            .filter(users::name.starts_with("a"))
            .columns(users::email)
            .union(emails_of_owners())
            .order_by_column_desc(1)
            .limit(10)
            .sql()
            .0,
        User::select()
            .columns((users::email, users::name))
            .order_by(users::email)
            .limit(3)
            .union_all(User::select().columns((users::email, users::name)))
            .intersect(User::select().columns((users::email, users::name)))
            .sql()
            .0,
        User::select()
            .columns(users::email)
            .except(emails_of_owners())
            .sql()
            .0,
        Project::select()
            .columns((
                projects::name,
                User::select()
                    .correlated::<Project>()
                    .filter(users::id.eq(projects::owner_id))
                    .columns(users::email)
                    .scalar(),
                Project::select().columns(count_star()).scalar(),
            ))
            .sql()
            .0,
        User::select().cross_join::<Project>().sql().0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn set_operations_scalar_subqueries_and_cross_joins() {
    let (_guard, db) = app_db(false).await;
    let mut ids = Vec::new();
    for (email, name) in [("ada@x.io", "ada"), ("bob@x.io", "bob"), ("cy@x.io", "cy")] {
        let user = User::insert(NewUser::new().email(email).name(name))
            .returning()
            .one(&db)
            .await
            .unwrap();
        ids.push(user.id);
    }
    for (owner, name) in [(ids[1], "b1"), (ids[1], "b2"), (ids[2], "c1")] {
        Project::insert(NewProject::new().owner_id(owner).name(name))
            .execute(&db)
            .await
            .unwrap();
    }
    let emails = |filter: Expr<User, bool>| User::select().filter(filter).columns(users::email);

    // UNION: once each; UNION ALL: duplicates kept; ordered by the output column.
    let union = emails(users::name.eq("ada"))
        .union(emails_of_owners())
        .order_by_column(1)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(union, ["ada@x.io", "bob@x.io", "cy@x.io"]);
    let all = emails(users::name.eq("ada"))
        .union_all(emails_of_owners())
        .order_by_column(1)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(all, ["ada@x.io", "bob@x.io", "bob@x.io", "cy@x.io"]);
    // INTERSECT and EXCEPT: users who own projects, and those who do not.
    let owners = User::select()
        .columns(users::email)
        .intersect(emails_of_owners())
        .order_by_column_desc(1)
        .limit(1)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(owners, ["cy@x.io"]);
    let idle = User::select()
        .columns(users::email)
        .except(emails_of_owners())
        .one(&db)
        .await
        .unwrap();
    assert_eq!(idle, "ada@x.io");
    // Each operand keeps its own order and limit.
    let firsts = emails(users::name.ne("zz"))
        .order_by(users::email)
        .limit(1)
        .union_all(
            emails(users::name.ne("zz"))
                .order_by(users::email.desc())
                .limit(1),
        )
        .order_by_column(1)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(firsts, ["ada@x.io", "cy@x.io"]);

    // A scalar subquery as a column: each project's owner's email (correlated), and a count.
    let named: Vec<(String, Option<String>, Option<i64>)> = Project::select()
        .columns((
            projects::name,
            User::select()
                .correlated::<Project>()
                .filter(users::id.eq(projects::owner_id))
                .columns(users::email)
                .scalar(),
            Project::select().columns(count_star()).scalar(),
        ))
        .order_by(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        named,
        [
            ("b1".to_string(), Some("bob@x.io".to_string()), Some(3)),
            ("b2".to_string(), Some("bob@x.io".to_string()), Some(3)),
            ("c1".to_string(), Some("cy@x.io".to_string()), Some(3)),
        ]
    );

    // CROSS JOIN: every pair.
    let pairs = User::select()
        .cross_join::<Project>()
        .columns((users::name, projects::name))
        .order_by(users::name)
        .order_by(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(pairs.len(), 9);
    assert_eq!(pairs[0], ("ada".to_string(), "b1".to_string()));
}
