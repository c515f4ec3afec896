//! The typed SQL template (issue 12): literal SQL text with the query's columns, tables and
//! bound values put in by type, and a declared result type; no `?` is ever taken for a
//! placeholder, and columns follow the query's own naming (an alias inside a loaded relation).

use example_app::schema::*;
use schema_core::prelude::*;
use schema_core::query::template::Template;
use schema_tests::support::app_db;

/// Projects whose name matches a regular expression.
fn name_matches<S, I>(pattern: &str) -> Expr<S, bool>
where
    Project: schema_core::query::expr::InSource<S, I>,
{
    Template::new()
        .column(projects::name)
        .sql(" ~ ")
        .value(pattern.to_string())
        .typed()
}

/// `'{"k": 1}'::jsonb ? 'k'`: jsonb's `?` operator, written as it is.
fn has_key<S>() -> Expr<S, bool> {
    Template::new().sql(r#"'{"k": 1}'::jsonb ? 'k'"#).typed()
}

/// A project's name, its length plus one, and the number of users: a column, a template of a
/// column and a value, and a template naming a table.
#[allow(clippy::type_complexity)]
fn report_columns() -> (
    Column<Project, String, projects::__columns::name>,
    Expr<Project, i32>,
    Expr<Project, i64>,
) {
    (
        projects::name,
        Template::new()
            .sql("char_length(")
            .column(projects::name)
            .sql(") + ")
            .value(1_i32)
            .typed::<i32>(),
        Template::new()
            .sql("(SELECT count(*) FROM ")
            .table::<User>()
            .sql(")")
            .typed::<i64>(),
    )
}

#[test]
fn the_sql_of_templates() {
    let cases = [
        Project::select()
            .filter(name_matches("^a").and(has_key()))
            .columns(report_columns())
            .sql()
            .0,
        User::select()
            .with(users::projects.filter(name_matches("^a")))
            .sql()
            .0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn templates_run_as_written() {
    let (_guard, db) = app_db(false).await;
    let ada = User::insert(NewUser::new().email("ada@x.io").name("Ada"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    for name in ["alpha", "beta", "a?b"] {
        Project::insert(NewProject::new().owner_id(ada.id).name(name))
            .execute(&db)
            .await
            .unwrap();
    }
    let read: Vec<(String, i32, i64)> = Project::select()
        .filter(name_matches("^a").and(has_key()))
        .columns(report_columns())
        .order_by(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        read,
        [("a?b".to_string(), 4, 1), ("alpha".to_string(), 6, 1)]
    );
    // A value is never text: a pattern with a quote and a `?` is a parameter.
    let none = Project::select()
        .filter(name_matches("'; DROP TABLE projects; --?"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(none, 0);
    // Inside a loaded relation, the column is the relation's alias's.
    let (_, projects) = User::select()
        .with(
            users::projects
                .filter(name_matches("^a"))
                .order_by(projects::name),
        )
        .one(&db)
        .await
        .unwrap();
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a?b", "alpha"]);
}
