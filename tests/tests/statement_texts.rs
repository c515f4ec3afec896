//! A write's text is rendered once per shape and thread (issue 13): the same shape with other
//! values binds the new values, and a shape that differs anywhere (a column set, a filter's
//! column or operator, soft or hard) gets a text of its own. Interleaved on one thread, each
//! statement still touches the rows it should.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_core::query::Returning;
use schema_tests::support::app_db;

#[test]
fn shapes_that_differ_get_texts_of_their_own() {
    let id = Uuid::from_u128(1);
    let text = |r: Returning<Project>| r.sql().0.to_string();
    // Each twice: the second comes from what the first rendered.
    for _ in 0..2 {
        let by_name = text(
            Project::update()
                .set(projects::name, "a")
                .filter(projects::id.eq(id))
                .returning(),
        );
        let by_status = text(
            Project::update()
                .set(projects::status, Some("b".to_string()))
                .filter(projects::id.eq(id))
                .returning(),
        );
        let other_operator = text(
            Project::update()
                .set(projects::name, "a")
                .filter(projects::id.ne(id))
                .returning(),
        );
        let other_column = text(
            Project::update()
                .set(projects::name, "a")
                .filter(projects::owner_id.eq(id))
                .returning(),
        );
        assert!(by_name.contains(r#"SET "name" = $1"#), "{by_name}");
        assert!(by_status.contains(r#"SET "status" = $1"#), "{by_status}");
        assert!(other_operator.contains(r#""id" <> $2"#), "{other_operator}");
        assert!(
            other_column.contains(r#""owner_id" = $2"#),
            "{other_column}"
        );

        let with_description = text(
            Project::insert(
                NewProject::new()
                    .owner_id(id)
                    .name("p")
                    .description(Some("d".to_string())),
            )
            .returning(),
        );
        let without = text(Project::insert(NewProject::new().owner_id(id).name("p")).returning());
        let columns = |text: &str| text.split(" VALUES").next().unwrap_or_default().to_string();
        assert!(
            columns(&with_description).contains(r#""description""#),
            "{with_description}"
        );
        assert!(!columns(&without).contains(r#""description""#), "{without}");
    }
    for _ in 0..2 {
        let id_only = User::insert(NewUser::new().email("a@x.io").name("A"))
            .returning_columns(users::id)
            .sql()
            .0
            .to_string();
        let two = User::insert(NewUser::new().email("a@x.io").name("A"))
            .returning_columns((users::id, users::email))
            .sql()
            .0
            .to_string();
        assert!(id_only.ends_with(r#" RETURNING "id""#), "{id_only}");
        assert!(two.ends_with(r#" RETURNING "id", "email""#), "{two}");
    }
    // And the texts are the ones rendered afresh (`sql()` renders every time).
    let update = || {
        Project::update()
            .set(projects::name, "a")
            .filter(projects::id.eq(id))
    };
    let fresh = update().sql().0;
    let kept = format!("{:?}", update().returning());
    assert!(
        kept.starts_with(&format!("Returning({fresh} RETURNING ")),
        "{kept}"
    );
}

#[tokio::test]
async fn interleaved_shapes_touch_the_rows_they_should() {
    let (_test_db, db) = app_db(false).await;
    let owner = User::insert(NewUser::new().email("o@x.io").name("O"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..6 {
        // Two shapes of insert, alternating: with and without a description.
        let row = if i % 2 == 0 {
            NewProject::new()
                .owner_id(owner.id)
                .name(format!("p{i}"))
                .description(Some(format!("d{i}")))
        } else {
            NewProject::new().owner_id(owner.id).name(format!("p{i}"))
        };
        let project = if i % 2 == 0 {
            Project::insert(row).returning().one(&db).await.unwrap()
        } else {
            let project = Project::insert(row).returning().one(&db).await.unwrap();
            assert_eq!(project.description, None);
            project
        };
        assert_eq!(project.name, format!("p{i}"));
        ids.push(project.id);
    }
    for (i, id) in ids.iter().enumerate() {
        // Two shapes of update, alternating, each with its own values.
        let touched = if i % 2 == 0 {
            Project::update()
                .set(projects::name, format!("renamed {i}"))
                .filter(projects::id.eq(*id))
                .execute(&db)
                .await
                .unwrap()
        } else {
            Project::update()
                .set(projects::status, Some(format!("s{i}")))
                .set(projects::name, format!("renamed {i}"))
                .filter(projects::id.eq(*id))
                .execute(&db)
                .await
                .unwrap()
        };
        assert_eq!(touched, 1);
    }
    let rows = Project::select()
        .order_by(projects::name)
        .all(&db)
        .await
        .unwrap();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.id, ids[i]);
        assert_eq!(row.name, format!("renamed {i}"));
        let status = if i % 2 == 0 {
            "active".to_string()
        } else {
            format!("s{i}")
        };
        assert_eq!(row.status.as_deref(), Some(status.as_str()));
        let description = (i % 2 == 0).then(|| format!("d{i}"));
        assert_eq!(row.description, description);
    }
    // A delete by one key leaves the others.
    for id in &ids[..3] {
        let gone = Project::delete()
            .filter(projects::id.eq(*id))
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(gone, 1);
    }
    let left = Project::select().all(&db).await.unwrap();
    assert_eq!(left.len(), 3);
    // Inserts that return nothing, one shape twice: each binds its own values.
    for name in ["e1", "e2"] {
        let inserted = Project::insert(NewProject::new().owner_id(owner.id).name(name))
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(inserted, 1);
    }
    let names: Vec<String> = Project::select()
        .columns(projects::name)
        .filter(projects::name.like("e%"))
        .order_by(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(names, ["e1", "e2"]);
}
