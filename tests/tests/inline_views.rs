//! Inline views (issue 12): subqueries as tables, typed by a `#[view(inline)]` struct: a
//! derived table in a join, `LATERAL` joins, CTEs (`WITH`), recursive ones, and a write's
//! `RETURNING` rows in a data-modifying `WITH`, also hoisted above an `INSERT … SELECT`.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

/// How many projects each owner has.
#[view(name = "owner_totals", inline)]
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerTotal {
    pub owner_id: Uuid,
    pub projects: i64,
}

/// A user's newest project.
#[view(name = "newest", inline)]
#[derive(Debug, Clone, PartialEq)]
pub struct Newest {
    pub name: String,
}

/// A context and its ancestors, with how far up each is.
#[view(name = "lineage", inline)]
#[derive(Debug, Clone, PartialEq)]
pub struct Lineage {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub depth: i32,
}

/// Rows a write took out.
#[view(name = "removed", inline)]
#[derive(Debug, Clone, PartialEq)]
pub struct Removed {
    pub id: Uuid,
    pub name: String,
}

/// Where removed projects go (made by the test).
#[table(name = "project_archive")]
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedProject {
    #[column(primary_key)]
    pub id: Uuid,
    pub name: String,
}

fn totals() -> schema_core::query::InlineQuery<OwnerTotal> {
    OwnerTotal::query(
        Project::select()
            .filter(projects::status.eq("active"))
            .columns((projects::owner_id, count_star()))
            .group_by(projects::owner_id),
    )
}

fn newest() -> schema_core::query::InlineQuery<Newest> {
    Newest::query(
        Project::select()
            .correlated::<User>()
            .filter(projects::owner_id.eq(users::id))
            .order_by(projects::created_at.desc())
            .order_by(projects::name)
            .limit(1)
            .columns(projects::name),
    )
}

fn lineage(of: Uuid) -> schema_core::query::inline::Recursive<Lineage> {
    Lineage::recursive(
        Context::select().filter(contexts::id.eq(of)).columns((
            contexts::id,
            contexts::parent_id,
            Expr::value(0),
        )),
        Context::select()
            .inner_join::<Lineage>(lineage::parent_id.eq(contexts::id))
            .columns((contexts::id, contexts::parent_id, lineage::depth.add(1))),
    )
}

fn removed(status: &str) -> schema_core::query::InlineQuery<Removed> {
    Removed::query(
        Project::delete()
            .filter(projects::status.eq(status))
            .returning_columns((projects::id, projects::name)),
    )
}

fn archive(status: &str) -> schema_core::query::Insert<ArchivedProject> {
    ArchivedProject::insert_select(
        (project_archive::id, project_archive::name),
        Removed::select()
            .with_cte(removed(status))
            .filter(removed::name.ne("keep me"))
            .columns((removed::id, removed::name)),
    )
}

#[test]
fn the_sql_of_inline_views() {
    let cases = [
        User::select()
            .inner_join_query(totals(), owner_totals::owner_id.eq(users::id))
            .columns((users::name, owner_totals::projects))
            .sql()
            .0,
        User::select()
            .left_join_lateral(newest(), Expr::always())
            .columns((users::name, newest::name))
            .sql()
            .0,
        User::select()
            .with_cte(totals().materialized())
            .inner_join::<OwnerTotal>(owner_totals::owner_id.eq(users::id))
            .filter(owner_totals::projects.gt(1_i64))
            .columns(users::name)
            .sql()
            .0,
        Lineage::select()
            .with_cte(lineage(Uuid::nil()))
            .order_by(lineage::depth)
            .sql()
            .0,
        archive("done").sql().0,
        // The write's own `$1` is numbered on after the first CTE's.
        Removed::select()
            .with_cte(totals())
            .with_cte(removed("done"))
            .sql()
            .0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn inline_views_read_their_queries_rows() {
    let (_guard, db) = app_db(true).await;
    let mut users = Vec::new();
    for name in ["ada", "bob", "cy"] {
        let user = User::insert(NewUser::new().email(format!("{name}@x.io")).name(name))
            .returning()
            .one(&db)
            .await
            .unwrap();
        users.push(user);
    }
    for (owner, name, status) in [
        (0, "a1", "active"),
        (0, "a2", "active"),
        (0, "a3", "done"),
        (1, "b1", "active"),
        (1, "keep me", "done"),
    ] {
        Project::insert(
            NewProject::new()
                .owner_id(users[owner].id)
                .name(name)
                .status(Some(status.to_string())),
        )
        .execute(&db)
        .await
        .unwrap();
    }

    // A derived table: each user with their count of active projects.
    let counts: Vec<(String, i64)> = User::select()
        .inner_join_query(totals(), owner_totals::owner_id.eq(users::id))
        .order_by(users::name)
        .columns((users::name, owner_totals::projects))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(counts, [("ada".to_string(), 2), ("bob".to_string(), 1)]);
    // Whole rows of an inline view decode as its struct; left-joined, as an `Option`.
    let rows: Vec<(User, Option<OwnerTotal>)> = User::select()
        .left_join_query(totals(), owner_totals::owner_id.eq(users::id))
        .order_by(users::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0].1,
        Some(OwnerTotal {
            owner_id: users[0].id,
            projects: 2
        })
    );
    assert_eq!(rows[2].1, None);

    // LATERAL: the query runs for each user and reads its columns; `cy` has no project.
    let newest_of: Vec<(String, Option<String>)> = User::select()
        .left_join_lateral(newest(), Expr::always())
        .order_by(users::name)
        .columns((users::name, newest::name))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(newest_of.len(), 3);
    assert!(newest_of[0]
        .1
        .as_deref()
        .is_some_and(|n| n.starts_with('a')));
    assert_eq!(newest_of[2], ("cy".to_string(), None));
    let inner: Vec<String> = User::select()
        .inner_join_lateral(newest(), Expr::always())
        .columns(users::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(inner.len(), 2, "an inner lateral join drops `cy`");

    // A CTE, joined by its name, with a filter on its columns.
    let busy: Vec<String> = User::select()
        .with_cte(totals().materialized())
        .inner_join::<OwnerTotal>(owner_totals::owner_id.eq(users::id))
        .filter(owner_totals::projects.gt(1_i64))
        .columns(users::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(busy, ["ada"]);
    // Counting and `exists` keep the `WITH`.
    let query = User::select()
        .with_cte(totals().not_materialized())
        .inner_join::<OwnerTotal>(owner_totals::owner_id.eq(users::id));
    assert_eq!(query.count(&db).await.unwrap(), 2);
    assert!(query.exists(&db).await.unwrap());

    // WITH RECURSIVE: a fork's ancestors, nearest first.
    let mut contexts: Vec<Context> = Vec::new();
    for name in ["root", "fork", "fork of fork"] {
        let parent_id = contexts.last().map(|c| c.id);
        let context = Context::insert(
            NewContext::new()
                .name(Some(name.to_string()))
                .parent_id(parent_id),
        )
        .returning()
        .one(&db)
        .await
        .unwrap();
        contexts.push(context);
    }
    let chain = Lineage::select()
        .with_cte(lineage(contexts[2].id))
        .order_by(lineage::depth)
        .all(&db)
        .await
        .unwrap();
    let expected: Vec<Lineage> = (0..3)
        .map(|i| Lineage {
            id: contexts[2 - i].id,
            parent_id: (i < 2).then(|| contexts[1 - i].id),
            depth: i as i32,
        })
        .collect();
    assert_eq!(chain, expected);

    // A data-modifying WITH: the deleted rows come back through the inline view.
    let gone: Vec<Removed> = Removed::select()
        .with_cte(totals())
        .with_cte(removed("nothing has this status"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(gone, []);
    schema_core::exec::raw_execute(
        &db,
        "CREATE TABLE project_archive (id uuid PRIMARY KEY, name text NOT NULL)",
        &[],
    )
    .await
    .unwrap();
    // Hoisted above the INSERT: the done projects move to the archive in one statement;
    // "keep me" is deleted by the CTE (it runs whole) but not archived.
    let moved = archive("done").execute(&db).await.unwrap();
    assert_eq!(moved, 1);
    let archived: Vec<String> = ArchivedProject::select()
        .columns(project_archive::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(archived, ["a3"]);
    let left = Project::select()
        .filter(projects::status.eq("done"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}
