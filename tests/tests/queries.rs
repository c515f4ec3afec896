//! The query builder against real PostgreSQL, on the example app's schema: the scenarios of
//! PRD-003 and of the contexts/messages schema.

use example_app::schema::*;
use schema_core::exec::{raw_execute, Error};
use schema_core::pgvector::Vector;
use schema_core::prelude::*;
use schema_tests::support::app_db;

async fn new_user(db: &impl Executor, email: &str) -> User {
    User::insert(NewUser::new().email(email).name("Ada"))
        .returning()
        .one(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn insert_a_user_then_a_project_then_read_it_back() {
    let (_guard, db) = app_db(false).await;
    let user = new_user(&db, "ada@example.com").await;
    assert_eq!(user.role, Some(UserRole::User), "the enum default applies");
    assert_eq!(user.email_verified, Some(false));

    let project = Project::insert(
        NewProject::new()
            .owner_id(user.id)
            .name("Engine")
            .description(Some("analytical".to_string())),
    )
    .returning()
    .one(&db)
    .await
    .unwrap();
    assert_eq!(project.status.as_deref(), Some("active"));

    let found = Project::find(project.id).one(&db).await.unwrap();
    assert_eq!(found, project);
    let mine = Project::select()
        .filter(
            projects::owner_id
                .eq(user.id)
                .and(projects::status.eq("active")),
        )
        .order_by(projects::created_at.desc())
        .limit(20)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(mine, vec![project.clone()]);

    let owner_and_project = Project::select()
        .inner_join::<User>(projects::owner_id.eq(users::id))
        .filter(projects::id.eq(project.id))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(owner_and_project, (project, user));
}

#[tokio::test]
async fn deleting_a_user_cascades_to_their_projects() {
    let (_guard, db) = app_db(false).await;
    let user = new_user(&db, "grace@example.com").await;
    for name in ["a", "b"] {
        Project::insert(NewProject::new().owner_id(user.id).name(name))
            .execute(&db)
            .await
            .unwrap();
    }
    assert_eq!(Project::select().count(&db).await.unwrap(), 2);
    let deleted = User::delete()
        .filter(users::id.eq(user.id))
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(Project::select().count(&db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_duplicate_email_is_a_typed_unique_violation() {
    let (_guard, db) = app_db(false).await;
    new_user(&db, "dup@example.com").await;
    let error = User::insert(NewUser::new().email("dup@example.com").name("Again"))
        .execute(&db)
        .await
        .unwrap_err();
    let Error::UniqueViolation(violation) = &error else {
        panic!("expected a unique violation, got {error:?}")
    };
    assert_eq!(violation.table, "users");
    assert_eq!(violation.constraint, "users_email_key");
    assert!(violation.sql.starts_with("INSERT INTO \"users\""));
    assert!(
        !violation.sql.contains("dup@example.com"),
        "values never appear in the SQL"
    );
    // The key is a row value: shown only when asked.
    assert_eq!(
        error.to_string(),
        "unique constraint \"users_email_key\" of table \"users\" refused the row"
    );
    assert_eq!(
        error.with_detail().to_string(),
        "unique constraint \"users_email_key\" of table \"users\" refused the row\nDETAIL: Key (email)=(dup@example.com) already exists."
    );
}

#[tokio::test]
async fn updating_a_project_moves_updated_at_and_keeps_created_at() {
    let (_guard, db) = app_db(false).await;
    let user = new_user(&db, "u@example.com").await;
    // Created in the past, so that "moved forward" is visible whatever the clock's resolution.
    let past = chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let project = Project::insert(
        NewProject::new()
            .owner_id(user.id)
            .name("old")
            .created_at(past)
            .updated_at(past),
    )
    .returning()
    .one(&db)
    .await
    .unwrap();
    let updated = Project::update()
        .set(projects::name, "renamed")
        .filter(projects::id.eq(project.id))
        .returning()
        .one(&db)
        .await
        .unwrap();
    assert_eq!(updated.name, "renamed");
    assert_eq!(updated.created_at, past);
    assert!(
        updated.updated_at > past,
        "updated_at is refreshed by the update"
    );
}

#[tokio::test]
async fn seeding_twice_neither_fails_nor_duplicates() {
    let (_guard, db) = app_db(false).await;
    for _ in 0..2 {
        for (email, name) in [("admin@example.com", "Admin"), ("user@example.com", "User")] {
            User::insert(NewUser::new().email(email).name(name))
                .on_conflict(users::email)
                .do_update(users::name, schema_core::query::excluded(users::name))
                .execute(&db)
                .await
                .unwrap();
        }
        User::insert_many([
            NewUser::new().email("a@example.com").name("A"),
            NewUser::new().email("b@example.com").name("B"),
        ])
        .on_conflict_do_nothing()
        .execute(&db)
        .await
        .unwrap();
    }
    assert_eq!(User::select().count(&db).await.unwrap(), 4);
}

#[tokio::test]
async fn soft_deleted_contexts_vanish_from_reads_and_come_back_after_restore() {
    let (_guard, db) = app_db(false).await;
    let context = Context::insert(NewContext::new().name(Some("chat".to_string())))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let fork = Context::insert(
        NewContext::new()
            .parent_id(Some(context.id))
            .fork_version(Some(3)),
    )
    .returning()
    .one(&db)
    .await
    .unwrap();
    assert_eq!(Context::select().count(&db).await.unwrap(), 2);

    let gone = Context::delete()
        .filter(contexts::id.eq(context.id))
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(gone, 1);
    assert_eq!(
        Context::select().all(&db).await.unwrap(),
        vec![fork.clone()]
    );
    assert!(Context::find(context.id)
        .optional(&db)
        .await
        .unwrap()
        .is_none());
    let deleted = Context::select().only_deleted().one(&db).await.unwrap();
    assert_eq!(deleted.id, context.id);
    assert!(deleted.deleted_at.is_some());
    assert_eq!(
        Context::select().with_deleted().count(&db).await.unwrap(),
        2
    );

    Context::restore()
        .filter(contexts::id.eq(context.id))
        .execute(&db)
        .await
        .unwrap();
    let back = Context::find(context.id).one(&db).await.unwrap();
    assert_eq!(back.deleted_at, None);

    Context::hard_delete()
        .filter(contexts::id.eq(fork.id))
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(
        Context::select().with_deleted().count(&db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn a_transaction_that_returns_an_error_leaves_nothing_behind() {
    let (_guard, mut db) = app_db(false).await;
    let result: Result<(), Error> = db
        .transaction(async |tx| {
            new_user(tx, "t@example.com").await;
            User::insert(NewUser::new().email("t@example.com").name("dup"))
                .execute(tx)
                .await?;
            Ok(())
        })
        .await;
    assert!(matches!(result, Err(Error::UniqueViolation(_))));
    assert_eq!(User::select().count(&db).await.unwrap(), 0);

    // A savepoint rolls back its own part only.
    db.transaction(async |tx| {
        User::insert(NewUser::new().email("kept@example.com").name("K"))
            .execute(tx)
            .await?;
        let inner: Result<(), Error> = tx
            .transaction(async |sp| {
                User::insert(NewUser::new().email("dropped@example.com").name("D"))
                    .execute(sp)
                    .await?;
                Err(Error::NotFound {
                    table: "users".into(),
                    sql: String::new(),
                })
            })
            .await;
        assert!(inner.is_err());
        Ok::<_, Error>(())
    })
    .await
    .unwrap();
    let emails = User::select().columns(users::email).all(&db).await.unwrap();
    assert_eq!(emails, vec!["kept@example.com".to_string()]);
}

#[tokio::test]
async fn tricky_text_round_trips_and_matches_literally() {
    let (_guard, db) = app_db(false).await;
    let user = new_user(&db, "t@example.com").await;
    let names = [
        "it's",
        r"back\slash",
        "100%",
        "snake_case",
        "\"quoted\"",
        "naïve 日本語 🚀",
        "%_\\",
    ];
    for name in names {
        Project::insert(NewProject::new().owner_id(user.id).name(name))
            .execute(&db)
            .await
            .unwrap();
    }
    for name in names {
        let found = Project::select()
            .filter(projects::name.eq(name))
            .one(&db)
            .await
            .unwrap();
        assert_eq!(found.name, name);
        let contains = Project::select()
            .filter(projects::name.contains(name))
            .columns(projects::name)
            .all(&db)
            .await
            .unwrap();
        assert!(
            contains.iter().all(|n| n.contains(name)),
            "contains({name:?}) matched {contains:?}"
        );
        assert!(contains.contains(&name.to_string()));
    }
    // `%` and `_` are not wildcards in the helpers.
    let percent = Project::select()
        .filter(projects::name.contains("%"))
        .columns(projects::name)
        .all(&db)
        .await
        .unwrap();
    let mut percent = percent;
    percent.sort();
    assert_eq!(percent, vec!["%_\\".to_string(), "100%".to_string()]);
    let underscore = Project::select()
        .filter(projects::name.starts_with("snake_"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(underscore, 1);
    let ends = Project::select()
        .filter(projects::name.ends_with("\\"))
        .columns(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(ends, vec!["%_\\".to_string()]);
}

#[tokio::test]
async fn a_nul_byte_is_a_clear_error_and_the_connection_survives() {
    let (_guard, db) = app_db(false).await;
    let error = User::insert(NewUser::new().email("nul\0@example.com").name("N"))
        .execute(&db)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidText { .. }), "got {error:?}");
    assert!(error.to_string().contains("NUL"), "{error}");
    let user = new_user(&db, "after@example.com").await;
    assert_eq!(user.email, "after@example.com");
    raw_execute(&db, "SELECT 1", &[]).await.unwrap();
}

#[tokio::test]
async fn projections_aggregates_joins_and_subqueries() {
    let (_guard, db) = app_db(false).await;
    let ada = new_user(&db, "ada@example.com").await;
    let bob = new_user(&db, "bob@example.com").await;
    let lone = new_user(&db, "lone@example.com").await;
    for (owner, name) in [(&ada, "a1"), (&ada, "a2"), (&bob, "b1")] {
        Project::insert(NewProject::new().owner_id(owner.id).name(name))
            .execute(&db)
            .await
            .unwrap();
    }
    for (user, model, tokens) in [
        (&ada, "gpt", "10"),
        (&ada, "gpt", "5"),
        (&bob, "claude", "7"),
    ] {
        AiUsageLog::insert(
            NewAiUsageLog::new()
                .user_id(user.id)
                .model(model)
                .tokens_used(tokens),
        )
        .execute(&db)
        .await
        .unwrap();
    }

    // Projection into a tuple, ordered.
    let names = Project::select()
        .columns((projects::name, projects::owner_id))
        .order_by(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        names,
        vec![
            ("a1".to_string(), ada.id),
            ("a2".to_string(), ada.id),
            ("b1".to_string(), bob.id)
        ]
    );

    // Aggregates with GROUP BY and HAVING.
    let per_model = AiUsageLog::select()
        .columns((ai_usage_log::model, count_star()))
        .group_by(ai_usage_log::model)
        .having(count_star().ge(1_i64))
        .order_by(ai_usage_log::model)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        per_model,
        vec![("claude".to_string(), 1), ("gpt".to_string(), 2)]
    );
    let (total, newest) = Context::select()
        .columns((contexts::total_tokens.sum(), contexts::created_at.max()))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(
        (total, newest),
        (None, None),
        "aggregates over no rows are NULL"
    );

    // A left join's right side is None where nothing matched.
    let mut with_projects = User::select()
        .left_join::<Project>(projects::owner_id.eq(users::id))
        .order_by(users::email)
        .order_by(projects::name)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(with_projects.len(), 4);
    let (last_user, nothing) = with_projects.pop().unwrap();
    assert_eq!((last_user.id, nothing), (lone.id, None));
    let emails_and_names = User::select()
        .left_join::<Project>(projects::owner_id.eq(users::id))
        .columns((users::email, projects::name))
        .filter(users::id.eq(lone.id))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        emails_and_names,
        vec![("lone@example.com".to_string(), None)]
    );

    // IN and EXISTS subqueries.
    let owners = User::select()
        .filter(users::id.in_subquery(Project::select().columns(projects::owner_id)))
        .order_by(users::email)
        .columns(users::email)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        owners,
        vec!["ada@example.com".to_string(), "bob@example.com".to_string()]
    );
    let any_b = User::select()
        .filter(exists(
            Project::select().filter(projects::name.starts_with("b")),
        ))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(any_b, 3);
    let without_projects = User::select()
        .filter(not_exists(
            Project::select()
                .correlated::<User>()
                .filter(projects::owner_id.eq(users::id)),
        ))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(without_projects, vec![lone.clone()]);

    // first / one / optional.
    assert!(User::select()
        .filter(users::email.eq("nobody"))
        .first(&db)
        .await
        .unwrap()
        .is_none());
    let not_found = User::select()
        .filter(users::email.eq("nobody"))
        .one(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(&not_found, Error::NotFound { table, .. } if table == "users"),
        "{not_found:?}"
    );
    let too_many = Project::select()
        .filter(projects::owner_id.eq(ada.id))
        .optional(&db)
        .await
        .unwrap_err();
    assert!(matches!(too_many, Error::TooManyRows { .. }));
    assert!(Project::select()
        .filter(projects::owner_id.eq(bob.id))
        .exists(&db)
        .await
        .unwrap());

    // Row locks inside a transaction.
    let mut db = db;
    let locked = db
        .transaction(async |tx| {
            Project::select()
                .order_by(projects::name)
                .limit(1)
                .for_update_skip_locked()
                .all(tx)
                .await
        })
        .await
        .unwrap();
    assert_eq!(locked.len(), 1);
}

#[tokio::test]
async fn statements_are_prepared_once_per_shape() {
    let (_guard, db) = app_db(false).await;
    let user = new_user(&db, "cache@example.com").await;
    let before = db.prepared_statements();
    for i in 0..5 {
        let name = format!("p{i}");
        Project::insert(NewProject::new().owner_id(user.id).name(name.as_str()))
            .execute(&db)
            .await
            .unwrap();
        Project::select()
            .filter(projects::name.eq(name.as_str()))
            .one(&db)
            .await
            .unwrap();
    }
    assert_eq!(
        db.prepared_statements(),
        before + 2,
        "one insert shape and one select shape"
    );
}

#[tokio::test]
async fn foreign_key_and_not_null_violations_are_typed() {
    let (_guard, db) = app_db(false).await;
    let orphan = Project::insert(
        NewProject::new()
            .owner_id(Uuid::from_u128(7))
            .name("orphan"),
    )
    .execute(&db)
    .await
    .unwrap_err();
    let Error::ForeignKeyViolation(violation) = &orphan else {
        panic!("{orphan:?}")
    };
    assert_eq!(
        (violation.table.as_str(), violation.constraint.as_str()),
        ("projects", "projects_owner_id_fkey")
    );

    let user = new_user(&db, "nn@example.com").await;
    let error = User::update()
        .set(
            users::name,
            Expr::<User, String>::raw("NULL", Vec::<String>::new()),
        )
        .filter(users::id.eq(user.id))
        .execute(&db)
        .await;
    let Err(Error::NotNullViolation { table, column, .. }) = error else {
        panic!("{error:?}")
    };
    assert_eq!((table.as_str(), column.as_str()), ("users", "name"));
}

#[tokio::test]
async fn a_pool_serves_concurrent_tasks_and_keeps_statements_prepared() {
    let (test_db, db) = app_db(false).await;
    let user = new_user(&db, "pool@example.com").await;
    let pool = schema_core::exec::pool(test_db.config().clone(), 4).unwrap();
    let mut tasks = Vec::new();
    for task in 0..8 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..5 {
                let mut db = Db::from_pool(&pool).await.unwrap();
                let name = format!("t{task}-{i}");
                db.transaction(async |tx| {
                    Project::insert(NewProject::new().owner_id(user.id).name(name.as_str()))
                        .execute(tx)
                        .await?;
                    Project::select()
                        .filter(projects::name.eq(name.as_str()))
                        .one(tx)
                        .await
                })
                .await
                .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(Project::select().count(&db).await.unwrap(), 40);
    let pooled = Db::from_pool(&pool).await.unwrap();
    assert!(
        pooled.prepared_statements() >= 2,
        "statements stay prepared on pooled connections"
    );
}

#[derive(Debug, PartialEq, FromRow)]
struct ProjectSummary {
    name: String,
    owner_email: String,
    status: Option<String>,
}

#[derive(Debug, PartialEq, FromRow)]
struct ModelTotal(String, i64);

#[tokio::test]
async fn rows_decode_into_user_structs() {
    let (_guard, db) = app_db(false).await;
    let user = new_user(&db, "s@example.com").await;
    Project::insert(NewProject::new().owner_id(user.id).name("p"))
        .execute(&db)
        .await
        .unwrap();
    let summaries = Project::select()
        .inner_join::<User>(projects::owner_id.eq(users::id))
        .columns((
            projects::name,
            users::email.alias("owner_email"),
            projects::status,
        ))
        .decode_as::<ProjectSummary>()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        summaries,
        vec![ProjectSummary {
            name: "p".into(),
            owner_email: "s@example.com".into(),
            status: Some("active".into())
        }]
    );
    AiUsageLog::insert(
        NewAiUsageLog::new()
            .user_id(user.id)
            .model("m")
            .tokens_used("12"),
    )
    .execute(&db)
    .await
    .unwrap();
    let totals: Vec<ModelTotal> = schema_core::exec::raw_query(
        &db,
        "SELECT model, sum(tokens_used::bigint)::bigint FROM ai_usage_log WHERE user_id = $1 GROUP BY model",
        &[&user.id],
    )
    .await
    .unwrap();
    assert_eq!(totals, vec![ModelTotal("m".into(), 12)]);
}

#[tokio::test]
async fn copy_in_loads_rows_in_one_statement() {
    let (_guard, db) = app_db(false).await;
    let owner = new_user(&db, "bulk@example.com").await;
    let now = chrono::Utc::now().naive_utc();
    let rows = (0..5000).map(|i| Project {
        id: Uuid::new_v4(),
        owner_id: owner.id,
        name: format!("bulk {i}"),
        description: (i % 2 == 0).then(|| "even it's 100% \\ fine".to_string()),
        status: Some("active".into()),
        created_at: now,
        updated_at: now,
    });
    let before = db.statements_sent();
    let written = schema_core::exec::copy_in(&db, rows).await.unwrap();
    assert_eq!(written, 5000);
    assert_eq!(db.statements_sent() - before, 1);
    assert_eq!(Project::select().count(&db).await.unwrap(), 5000);
    let one = Project::select()
        .filter(projects::name.eq("bulk 42"))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(one.description.as_deref(), Some("even it's 100% \\ fine"));
}

#[tokio::test]
async fn many_rows_go_as_one_array_a_column() {
    let (_guard, db) = app_db(true).await;
    // Enums, NULLs and order kept through `unnest`.
    let users = User::insert_many([
        NewUser::new()
            .email("one@example.com")
            .name("One")
            .role(UserRole::Admin)
            .password_hash(None),
        NewUser::new()
            .email("two@example.com")
            .name("Two")
            .role(UserRole::User)
            .password_hash(Some("h".to_string())),
    ])
    .returning()
    .all(&db)
    .await
    .unwrap();
    assert_eq!(
        users
            .iter()
            .map(|u| (u.email.as_str(), u.role, u.password_hash.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("one@example.com", Some(UserRole::Admin), None),
            ("two@example.com", Some(UserRole::User), Some("h")),
        ]
    );

    // pgvector values and NULL vectors in one array.
    let context = Context::insert(NewContext::new())
        .returning()
        .one(&db)
        .await
        .unwrap();
    let embedding = Vector::from(vec![0.5_f32; 1536]);
    Message::insert_many((1..=3_i32).map(|version| {
        NewMessage::new()
            .context_id(context.id)
            .version(i64::from(version))
            .role("user")
            .content(format!("m{version}"))
            .token_count(Some(version))
            .embedding((version != 2).then(|| embedding.clone()))
    }))
    .execute(&db)
    .await
    .unwrap();
    let messages = Message::select()
        .order_by(messages::version)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        messages
            .iter()
            .map(|m| (m.version, m.token_count, m.embedding.is_some()))
            .collect::<Vec<_>>(),
        [(1, Some(1), true), (2, Some(2), false), (3, Some(3), true)]
    );
    assert_eq!(messages[0].embedding.as_ref(), Some(&embedding));

    // Past the protocol's 65,535 parameters: 40,000 rows × 2 columns in one statement.
    let owner = &users[0];
    let before = db.prepared_statements();
    let names: Vec<String> = (0..40_000).map(|i| format!("p{i}")).collect();
    let inserted = Project::insert_many(
        names
            .iter()
            .map(|n| NewProject::new().owner_id(owner.id).name(n.as_str())),
    )
    .execute(&db)
    .await
    .unwrap();
    assert_eq!(inserted, 40_000);

    // Every batch size shares that one prepared statement.
    for size in [2, 3, 7] {
        Project::insert_many((0..size).map(|i| {
            NewProject::new()
                .owner_id(owner.id)
                .name(format!("b{size}.{i}"))
        }))
        .execute(&db)
        .await
        .unwrap();
    }
    assert_eq!(db.prepared_statements(), before + 1);

    // No rows: nothing is sent, nothing is inserted.
    let sent = db.statements_sent();
    let none = Project::insert_many(
        Vec::<String>::new()
            .into_iter()
            .map(|n| NewProject::new().owner_id(owner.id).name(n)),
    );
    assert_eq!(none.execute(&db).await.unwrap(), 0);
    let returned = Project::insert_many(
        Vec::<String>::new()
            .into_iter()
            .map(|n| NewProject::new().owner_id(owner.id).name(n)),
    )
    .returning()
    .all(&db)
    .await
    .unwrap();
    assert!(returned.is_empty());
    assert_eq!(db.statements_sent(), sent);

    // A violation inside the batch is still typed, naming table and constraint.
    let error = User::insert_many([
        NewUser::new().email("three@example.com").name("Three"),
        NewUser::new().email("one@example.com").name("Again"),
    ])
    .execute(&db)
    .await
    .unwrap_err();
    let Error::UniqueViolation(violation) = &error else {
        panic!("expected a unique violation, got {error:?}")
    };
    assert_eq!(
        (violation.table.as_str(), violation.constraint.as_str()),
        ("users", "users_email_key")
    );
    assert_eq!(
        User::select().count(&db).await.unwrap(),
        2,
        "nothing of the failed batch stays"
    );
}
