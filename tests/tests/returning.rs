//! `RETURNING` some columns (issue 12): insert, update and delete give back the columns asked
//! for, typed, and nothing else.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[test]
fn the_sql_of_returning_columns() {
    let id = Uuid::from_u128(1);
    let cases = [
        User::insert(NewUser::new().email("a@x.io").name("A"))
            .returning_columns((users::id, users::email))
            .sql()
            .0
            .to_string(),
        Project::update()
            .set(projects::name, "renamed")
            .filter(projects::id.eq(id))
            .returning_columns(projects::updated_at)
            .sql()
            .0
            .to_string(),
        Project::delete()
            .filter(projects::id.eq(id))
            .returning_columns((projects::id, projects::name))
            .sql()
            .0
            .to_string(),
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn insert_update_and_delete_return_the_columns_asked_for() {
    let (_test_db, db) = app_db(false).await;
    let (id, email): (Uuid, String) = User::insert(NewUser::new().email("a@x.io").name("A"))
        .returning_columns((users::id, users::email))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(email, "a@x.io");
    let owned: Vec<(Uuid, String)> = Project::insert_many([
        NewProject::new().owner_id(id).name("p1"),
        NewProject::new().owner_id(id).name("p2"),
    ])
    .returning_columns((projects::owner_id, projects::name))
    .all(&db)
    .await
    .unwrap();
    assert_eq!(owned, [(id, "p1".to_string()), (id, "p2".to_string())]);

    let status: Vec<Option<String>> = Project::update()
        .set(projects::status, Some("archived".to_string()))
        .filter(projects::name.eq("p1"))
        .returning_columns(projects::status)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(status, [Some("archived".to_string())]);

    let gone: Option<String> = Project::delete()
        .filter(projects::name.eq("p2"))
        .returning_columns(projects::name)
        .optional(&db)
        .await
        .unwrap();
    assert_eq!(gone.as_deref(), Some("p2"));
    let none: Vec<String> = Project::delete()
        .filter(projects::name.eq("nothing"))
        .returning_columns(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert!(none.is_empty());
}
