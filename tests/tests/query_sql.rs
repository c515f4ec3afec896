//! The SQL each builder form renders (insta snapshots): a change here is a behaviour change.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_core::query::expr::Param;
use schema_core::query::{excluded, now};
use schema_tests::{NewTask, Task, TaskStatus, Team};

/// The SQL, then one line per parameter (its Debug form).
fn show((sql, params): (String, Vec<Param>)) -> String {
    let mut out = sql;
    for (i, p) in params.iter().enumerate() {
        out.push_str(&format!("\n  ${} = {:?}", i + 1, p));
    }
    out
}

/// Columns named like the locals of the generated insert code: they must not clash.
#[table(name = "tallies")]
#[derive(Debug)]
pub struct Tally {
    #[column(primary_key, identity)]
    pub id: i64,
    pub set: i32,
    pub count: i32,
    pub rows: Option<i32>,
    pub out: String,
}

fn id() -> Uuid {
    Uuid::from_u128(0x1234)
}

#[test]
fn select_filters() {
    let cases = [
        (
            "eq/and/or/not",
            Project::select()
                .filter(
                    projects::owner_id
                        .eq(id())
                        .and(projects::status.eq("active").or(projects::status.is_null()))
                        .and(projects::name.ne("x").not()),
                )
                .sql(),
        ),
        (
            "comparisons",
            Project::select()
                .filter(
                    projects::created_at.lt(chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                        .unwrap()
                        .and_hms_opt(0, 0, 0)
                        .unwrap())
                        & projects::updated_at.ge(projects::created_at)
                        & projects::name.le("m")
                        & projects::name.gt("a"),
                )
                .sql(),
        ),
        (
            "between/in/not in",
            Context::select()
                .filter(
                    contexts::latest_version.between(1_i64, 10_i64)
                        & contexts::message_count.in_list([1, 2, 3])
                        & contexts::total_tokens.not_in_list([0]),
                )
                .sql(),
        ),
        (
            "is null on nullable",
            Context::select()
                .filter(contexts::parent_id.is_not_null())
                .with_deleted()
                .sql(),
        ),
        (
            "like helpers",
            Project::select()
                .filter(
                    projects::name.contains("50%_off")
                        | projects::name.starts_with("a\\b")
                        | projects::name.ends_with("z")
                        | projects::description.ilike("%Rust%")
                        | projects::name.like("a_c")
                        | projects::name.not_like("x%"),
                )
                .sql(),
        ),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(name, sql)| format!("-- {name}\n{}", show(sql)))
        .collect();
    insta::assert_snapshot!(text.join("\n\n"));
}

#[test]
fn select_shapes() {
    let cases = [
        (
            "order, limit, offset",
            Project::select()
                .order_by(projects::created_at.desc().nulls_last())
                .order_by(projects::name)
                .limit(20)
                .offset(40)
                .sql(),
        ),
        ("find", User::find(id()).sql()),
        ("composite key", Task::find((7, 3)).sql()),
        (
            "projection",
            User::select()
                .columns((users::id, users::email))
                .filter(users::role.eq(UserRole::Admin))
                .sql(),
        ),
        (
            "count and aggregates",
            AiUsageLog::select()
                .columns((
                    ai_usage_log::model,
                    count_star(),
                    ai_usage_log::created_at.max(),
                ))
                .group_by(ai_usage_log::model)
                .having(count_star().gt(1_i64))
                .order_by(ai_usage_log::model)
                .sql(),
        ),
        (
            "sum and avg",
            Context::select()
                .columns((contexts::total_tokens.sum(), contexts::message_count.avg()))
                .sql(),
        ),
        (
            "inner join",
            Project::select()
                .inner_join::<User>(projects::owner_id.eq(users::id))
                .filter(users::email.eq("a@x.io"))
                .sql(),
        ),
        (
            "left join",
            User::select()
                .left_join::<Project>(projects::owner_id.eq(users::id))
                .columns((users::email, projects::name))
                .sql(),
        ),
        (
            "soft delete: live rows",
            Message::select()
                .filter(messages::context_id.eq(id()))
                .order_by(messages::version.desc())
                .limit(50)
                .sql(),
        ),
        (
            "soft delete: only deleted",
            Message::select().only_deleted().sql(),
        ),
        (
            "in subquery",
            User::select()
                .filter(
                    users::id.in_subquery(
                        Project::select()
                            .columns(projects::owner_id)
                            .filter(projects::status.eq("active")),
                    ),
                )
                .sql(),
        ),
        (
            "exists",
            User::select()
                .filter(exists(
                    Project::select().filter(projects::status.eq("archived")),
                ))
                .sql(),
        ),
        (
            "correlated not exists",
            User::select()
                .filter(schema_core::query::not_exists(
                    Project::select()
                        .correlated::<User>()
                        .filter(projects::owner_id.eq(users::id)),
                ))
                .sql(),
        ),
        (
            "row locks",
            Message::select()
                .filter(messages::role.eq("user"))
                .limit(10)
                .for_update_skip_locked()
                .sql(),
        ),
        (
            "raw expression",
            User::select()
                .filter(Expr::raw(
                    "lower(\"email\") = lower(?)",
                    ["A@X.IO".to_string()],
                ))
                .sql(),
        ),
        (
            "schema-qualified",
            Team::select()
                .filter(schema_tests::team_columns::name.eq("core"))
                .sql(),
        ),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(name, sql)| format!("-- {name}\n{}", show(sql)))
        .collect();
    insta::assert_snapshot!(text.join("\n\n"));
}

#[test]
fn inserts() {
    let one = User::insert(
        NewUser::new()
            .email("a@x.io")
            .name("A")
            .role(UserRole::Admin),
    );
    let many = Project::insert_many([
        NewProject::new().owner_id(id()).name("a"),
        NewProject::new()
            .owner_id(id())
            .name("b")
            .status(Some("archived".to_string())),
    ]);
    let same_columns = Project::insert_many([
        NewProject::new().owner_id(id()).name("a"),
        NewProject::new().owner_id(id()).name("b"),
    ])
    .on_conflict_do_nothing();
    let clashing_names = Tally::insert_many([
        NewTally::new().set(1).count(2).rows(Some(3)).out("a"),
        NewTally::new().set(4).count(5).rows(None).out("b"),
    ]);
    let empty = Project::insert_many(
        Vec::<String>::new()
            .into_iter()
            .map(|n| NewProject::new().owner_id(id()).name(n)),
    );
    let array_column = Task::insert_many([
        NewTask::new()
            .team_id(1)
            .number(1)
            .heading("t")
            .labels(vec!["x".to_string()]),
        NewTask::new()
            .team_id(1)
            .number(2)
            .heading("u")
            .labels(vec![]),
    ]);
    let upsert = User::insert(NewUser::new().email("a@x.io").name("A"))
        .on_conflict(users::email)
        .do_update(users::name, excluded(users::name))
        .set(users::email_verified, Some(true));
    let upsert_nothing = Message::insert(
        NewMessage::new()
            .context_id(id())
            .version(1)
            .role("user")
            .content("hi"),
    )
    .on_conflict_constraint("messages_context_version_unique")
    .do_nothing();
    let hooks = Task::insert(
        NewTask::new()
            .team_id(1)
            .number(1)
            .heading("t")
            .labels(vec!["x".to_string()]),
    )
    .on_conflict((schema_tests::tasks::team_id, schema_tests::tasks::number))
    .do_update(schema_tests::tasks::status, TaskStatus::Done);
    let cases = [
        ("one row", one.sql()),
        (
            "many rows, DEFAULT where a row leaves a column out",
            many.sql(),
        ),
        (
            "many rows setting the same columns: one array a column",
            same_columns.sql(),
        ),
        (
            "many rows with an array column: VALUES (unnest would flatten it)",
            array_column.sql(),
        ),
        (
            "columns named set, count, rows, out (the generated code's locals)",
            clashing_names.sql(),
        ),
        ("no rows: nothing to send", empty.sql()),
        (
            "upsert, do update with excluded; updated_at refreshed",
            upsert.sql(),
        ),
        ("upsert on a constraint, do nothing", upsert_nothing.sql()),
        (
            "upsert refreshes on-update columns, by now() and by function",
            hooks.sql(),
        ),
    ];
    let mut text: Vec<String> = cases
        .into_iter()
        .map(|(name, sql)| format!("-- {name}\n{}", show(sql)))
        .collect();
    let returning = User::insert(NewUser::new().email("a@x.io").name("A")).returning();
    text.push(format!("-- returning\n{}", returning.sql().0));
    // The function hook's value changes every call: hide it.
    let text = text.join("\n\n");
    let text = regex_lite_replace(&text);
    insta::assert_snapshot!(text);
}

/// Masks the millisecond timestamps of `revision_now()`.
fn regex_lite_replace(text: &str) -> String {
    text.lines()
        .map(|line| {
            let digits = line
                .trim_start()
                .strip_prefix('$')
                .and_then(|l| l.split_once(" = "))
                .map(|(_, v)| v);
            match digits {
                Some(v) if v.len() >= 12 && v.chars().all(|c| c.is_ascii_digit()) => {
                    line.replace(v, "<revision_now()>")
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn updates_and_deletes() {
    let cases = [
        (
            "set a value; updated_at refreshed",
            Project::update()
                .set(projects::name, "renamed")
                .filter(projects::id.eq(id()))
                .sql(),
        ),
        (
            "set updated_at itself: not refreshed twice",
            Project::update()
                .set(projects::updated_at, now())
                .set(projects::description, None)
                .filter(projects::id.eq(id()))
                .sql(),
        ),
        (
            "set from an expression of the same type",
            Context::update()
                .set(contexts::total_tokens, contexts::message_count.expr())
                .all_rows()
                .sql(),
        ),
        (
            "soft delete",
            Context::delete().filter(contexts::id.eq(id())).sql(),
        ),
        (
            "hard delete",
            Context::hard_delete().filter(contexts::id.eq(id())).sql(),
        ),
        (
            "restore",
            Context::restore().filter(contexts::id.eq(id())).sql(),
        ),
        (
            "plain delete",
            Project::delete()
                .filter(projects::status.eq("archived"))
                .sql(),
        ),
        (
            "delete every row, asked for",
            AiUsageLog::delete().all_rows().sql(),
        ),
        (
            "update of a table with a function hook",
            Task::update()
                .set(schema_tests::tasks::heading, "x")
                .all_rows()
                .sql(),
        ),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(name, sql)| format!("-- {name}\n{}", show(sql)))
        .collect();
    insta::assert_snapshot!(regex_lite_replace(&text.join("\n\n")));
}

/// A key lookup's text is rendered once and reused; anything added to the lookup is written,
/// never lost to the reused text.
#[test]
fn a_key_lookup_reuses_its_text_and_keeps_what_is_added() {
    let plain = User::find(id()).sql();
    assert_eq!(User::find(Uuid::nil()).sql().0, plain.0);
    assert_eq!(plain.1.len(), 1);
    let cases = [
        User::find(id()).filter(users::name.eq("x")).sql().0,
        User::find(id()).order_by(users::name).sql().0,
        User::find(id()).for_update().sql().0,
        User::find(id()).columns(users::email).sql().0,
        User::find(id()).with(users::projects).sql().0,
        User::find(id()).limit(1).sql().0,
        Context::find(id()).with_deleted().sql().0,
        Task::find((7, 3))
            .filter(schema_tests::tasks::heading.eq("t"))
            .sql()
            .0,
    ];
    for (case, needle) in cases.iter().zip([
        "\"name\" = $2",
        "ORDER BY",
        "FOR UPDATE",
        "SELECT \"email\" FROM",
        "ARRAY(SELECT",
        "LIMIT $2",
        "FROM \"contexts\" WHERE \"id\" = $1",
        "\"title\" = $3",
    ]) {
        assert!(case.contains(needle), "{needle} in {case}");
        assert_ne!(*case, plain.0);
    }
    assert!(!cases[6].contains("IS NULL"), "{}", cases[6]);
    assert_eq!(Task::find((7, 3)).sql().1.len(), 2);
}
