//! `DISTINCT` and `DISTINCT ON (…)` (issue 12): the SQL, and the rows on a real database.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[test]
fn the_sql_of_distinct_and_distinct_on() {
    let cases = [
        (
            "distinct",
            Project::select()
                .columns((projects::status,))
                .distinct()
                .order_by(projects::status)
                .sql()
                .0,
        ),
        (
            "distinct on, ordered by the query",
            Project::select()
                .distinct_on(projects::owner_id)
                .order_by(projects::created_at.desc())
                .sql()
                .0,
        ),
        (
            "distinct on, its column ordered descending by the query",
            Project::select()
                .distinct_on((projects::owner_id, projects::status))
                .order_by(projects::status.desc())
                .order_by(projects::name)
                .sql()
                .0,
        ),
    ];
    let text: Vec<String> = cases
        .iter()
        .map(|(name, sql)| format!("-- {name}\n{sql}"))
        .collect();
    insta::assert_snapshot!(text.join("\n\n"));
}

#[tokio::test]
async fn distinct_rows_and_the_newest_of_each_group() {
    let (_test_db, db) = app_db(false).await;
    let mut owners = Vec::new();
    for name in ["ada", "bob"] {
        owners.push(
            User::insert(NewUser::new().email(format!("{name}@x.io")).name(name))
                .returning()
                .one(&db)
                .await
                .unwrap(),
        );
    }
    for (owner, name, status, day) in [
        (&owners[0], "a1", "active", "2026-01-01T00:00:00"),
        (&owners[0], "a2", "active", "2026-01-03T00:00:00"),
        (&owners[0], "a3", "archived", "2026-01-02T00:00:00"),
        (&owners[1], "b1", "active", "2026-01-05T00:00:00"),
    ] {
        Project::insert(
            NewProject::new()
                .owner_id(owner.id)
                .name(name)
                .status(Some(status.to_string()))
                .created_at(day.parse::<Timestamp>().unwrap()),
        )
        .execute(&db)
        .await
        .unwrap();
    }

    let statuses: Vec<(Option<String>,)> = Project::select()
        .columns((projects::status,))
        .distinct()
        .order_by(projects::status)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        statuses,
        [
            (Some("active".to_string()),),
            (Some("archived".to_string()),)
        ]
    );
    assert_eq!(
        Project::select()
            .columns((projects::status,))
            .distinct()
            .count(&db)
            .await
            .unwrap(),
        2,
        "count counts the distinct rows"
    );

    // The newest project of each owner: the ORDER BY starts with the DISTINCT ON column.
    let newest = Project::select()
        .distinct_on(projects::owner_id)
        .order_by(projects::created_at.desc())
        .all(&db)
        .await
        .unwrap();
    let mut names: Vec<&str> = newest.iter().map(|p| p.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["a2", "b1"]);
}
