//! The anti-join (issue 12): a NOT NULL column of a left join's right side is NULL where the join
//! found nothing, so `is_null` on it compiles there, and finds the rows with no match.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[tokio::test]
async fn users_without_projects() {
    let (_test_db, db) = app_db(false).await;
    let mut ids = Vec::new();
    for name in ["ada", "bob", "cy"] {
        ids.push(
            User::insert(NewUser::new().email(format!("{name}@x.io")).name(name))
                .returning_columns(users::id)
                .one(&db)
                .await
                .unwrap(),
        );
    }
    Project::insert(NewProject::new().owner_id(ids[1]).name("b1"))
        .execute(&db)
        .await
        .unwrap();
    let query = User::select()
        .left_join::<Project>(projects::owner_id.eq(users::id))
        .filter(projects::id.is_null())
        .columns((users::name,))
        .order_by(users::name);
    insta::assert_snapshot!(query.sql().0);
    let lonely: Vec<(String,)> = query.all(&db).await.unwrap();
    assert_eq!(lonely, [("ada".to_string(),), ("cy".to_string(),)]);
    let with: i64 = User::select()
        .left_join::<Project>(projects::owner_id.eq(users::id))
        .filter(projects::id.is_not_null())
        .count(&db)
        .await
        .unwrap();
    assert_eq!(with, 1);
}
