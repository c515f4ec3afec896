//! Chosen columns with relations (issue 12): `.columns(…)` takes relations beside columns and
//! computed values, each loaded in the same statement as `with` loads it (nested, filtered,
//! ordered, limited), on a query of one table or of joined ones.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[test]
fn the_sql_of_relations_among_columns() {
    let cases = [
        User::select()
            .columns((users::id, users::name.lower(), users::projects))
            .sql()
            .0,
        User::select()
            .filter(users::name.eq("Ada"))
            .columns((
                users::name,
                users::projects
                    .order_by(projects::name)
                    .limit(1)
                    .with(projects::owner),
            ))
            .sql()
            .0,
        Project::select()
            .inner_join::<User>(users::id.eq(projects::owner_id))
            .columns((
                projects::name,
                users::email,
                users::projects.order_by(projects::name),
            ))
            .sql()
            .0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn relations_load_beside_chosen_columns() {
    let (_guard, db) = app_db(false).await;
    let mut users = Vec::new();
    for name in ["Ada", "Bob"] {
        let user = User::insert(NewUser::new().email(format!("{name}@x.io")).name(name))
            .returning()
            .one(&db)
            .await
            .unwrap();
        users.push(user);
    }
    for name in ["b", "a", "c"] {
        Project::insert(NewProject::new().owner_id(users[0].id).name(name))
            .execute(&db)
            .await
            .unwrap();
    }

    // Columns, a computed value and a relation: one statement.
    let before = db.statements_sent();
    let rows: Vec<(Uuid, String, Vec<Project>)> = User::select()
        .order_by(users::name)
        .columns((users::id, users::name.lower(), users::projects))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(db.statements_sent() - before, 1);
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].0, rows[0].1.as_str()), (users[0].id, "ada"));
    let mut names: Vec<&str> = rows[0].2.iter().map(|p| p.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!((rows[1].1.as_str(), rows[1].2.len()), ("bob", 0));

    // A refined relation with a nested one.
    let (name, first): (String, Vec<(Project, Option<User>)>) = User::select()
        .filter(users::name.eq("Ada"))
        .columns((
            users::name,
            users::projects
                .order_by(projects::name)
                .limit(1)
                .with(projects::owner),
        ))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(name, "Ada");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].0.name, "a");
    assert_eq!(first[0].1.as_ref().map(|u| u.id), Some(users[0].id));

    // A relation of a joined table.
    let joined: Vec<(String, String, Vec<Project>)> = Project::select()
        .inner_join::<User>(users::id.eq(projects::owner_id))
        .order_by(projects::name)
        .columns((
            projects::name,
            users::email,
            users::projects.order_by(projects::name),
        ))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(joined.len(), 3);
    assert!(joined
        .iter()
        .all(|(_, email, all)| email == "Ada@x.io" && all.len() == 3));
}
