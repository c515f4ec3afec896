//! Relations: accessors, and eager loading of whole trees in one statement.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_core::query::expr::Param;
use schema_core::testing::TestDb;
use schema_tests::support::app_db;
use schema_tests::{
    tags, task_tags, task_tree, NewTag, NewTaskTag, NewTaskTree, Tag, TaskTag, TaskTree,
};

fn show((sql, params): (String, Vec<Param>)) -> String {
    let mut out = sql;
    for (i, p) in params.iter().enumerate() {
        out.push_str(&format!("\n  ${} = {:?}", i + 1, p));
    }
    out
}

#[test]
fn eager_loading_sql() {
    let cases = [
        (
            "one level",
            show(User::select().with(users::projects).sql()),
        ),
        (
            "two levels nested",
            show(
                User::select()
                    .with(users::projects.with(projects::owner))
                    .sql(),
            ),
        ),
        (
            "two relations side by side",
            show(
                User::select()
                    .with(users::projects)
                    .with(users::usage)
                    .sql(),
            ),
        ),
        (
            "self-reference: a context with its parent and its forks",
            show(
                Context::select()
                    .with(contexts::parent)
                    .with(contexts::forks)
                    .sql(),
            ),
        ),
        (
            "many-to-many",
            show(TaskTree::select().with(task_tree::tags).sql()),
        ),
        (
            "filtered, ordered and limited relation",
            show(
                Context::select()
                    .filter(contexts::name.eq("chat"))
                    .with(
                        contexts::messages
                            .filter(messages::role.eq("user").or(messages::role.eq("assistant")))
                            .order_by(messages::version.desc())
                            .limit(20),
                    )
                    .sql(),
            ),
        ),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(name, sql)| format!("-- {name}\n{sql}"))
        .collect();
    insta::assert_snapshot!(text.join("\n\n"));
}

async fn user(db: &Db, email: &str) -> User {
    User::insert(NewUser::new().email(email).name(email))
        .returning()
        .one(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn users_with_projects_and_usage_in_one_statement() {
    let (_guard, db) = app_db(false).await;
    let ada = user(&db, "ada@x.io").await;
    let bob = user(&db, "bob@x.io").await;
    let lone = user(&db, "lone@x.io").await;
    for (owner, name) in [(&ada, "a2"), (&ada, "a1"), (&bob, "b1")] {
        Project::insert(NewProject::new().owner_id(owner.id).name(name))
            .execute(&db)
            .await
            .unwrap();
    }
    for (who, model) in [(&ada, "gpt"), (&bob, "claude"), (&bob, "gpt")] {
        AiUsageLog::insert(
            NewAiUsageLog::new()
                .user_id(who.id)
                .model(model)
                .tokens_used("1"),
        )
        .execute(&db)
        .await
        .unwrap();
    }

    let before = db.statements_sent();
    let loaded = User::select()
        .order_by(users::email)
        .with(users::projects.order_by(projects::name))
        .with(users::usage.order_by(ai_usage_log::model))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        db.statements_sent() - before,
        1,
        "one statement for the whole tree"
    );

    // The same answer as separate simple queries.
    assert_eq!(loaded.len(), 3);
    for (u, projects, usage) in &loaded {
        let expected_projects = Project::select()
            .filter(projects::owner_id.eq(u.id))
            .order_by(projects::name)
            .all(&db)
            .await
            .unwrap();
        let expected_usage = AiUsageLog::select()
            .filter(ai_usage_log::user_id.eq(u.id))
            .order_by(ai_usage_log::model)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(projects, &expected_projects);
        assert_eq!(usage, &expected_usage);
    }
    let (first, projects, _) = &loaded[0];
    assert_eq!(first.id, ada.id);
    assert_eq!(
        projects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["a1", "a2"],
        "ordered within the relation"
    );
    let (last, projects, usage) = &loaded[2];
    assert_eq!(
        (last.id, projects.len(), usage.len()),
        (lone.id, 0, 0),
        "no related rows: empty, not missing"
    );
}

#[tokio::test]
async fn nested_relations_load_in_one_statement() {
    let (_guard, db) = app_db(false).await;
    let ada = user(&db, "ada@x.io").await;
    Project::insert(NewProject::new().owner_id(ada.id).name("p"))
        .execute(&db)
        .await
        .unwrap();

    let before = db.statements_sent();
    let loaded = User::select()
        .with(users::projects.with(projects::owner))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(db.statements_sent() - before, 1);
    let (u, projects) = &loaded[0];
    let (project, owner) = &projects[0];
    assert_eq!(owner.as_ref(), Some(u), "each project's owner, nested");
    assert_eq!(project.owner_id, ada.id);

    // A project with its owner, through the accessor and through eager loading.
    let project = project.clone();
    assert_eq!(project.owner().one(&db).await.unwrap(), ada);
    let (p, owner) = Project::select()
        .with(projects::owner)
        .one(&db)
        .await
        .unwrap();
    assert_eq!((p, owner), (project, Some(ada.clone())));
    assert_eq!(ada.projects().count(&db).await.unwrap(), 1);
}

#[tokio::test]
async fn a_context_with_its_parent_forks_and_messages() {
    let (_guard, db) = app_db(true).await;
    let root = Context::insert(NewContext::new().name(Some("root".to_string())))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let mut forks = Vec::new();
    for version in [2_i64, 5] {
        let fork = Context::insert(
            NewContext::new()
                .parent_id(Some(root.id))
                .fork_version(Some(version)),
        )
        .returning()
        .one(&db)
        .await
        .unwrap();
        forks.push(fork);
    }
    for version in 1..=4_i64 {
        Message::insert(
            NewMessage::new()
                .context_id(root.id)
                .version(version)
                .role("user")
                .content(format!("m{version}")),
        )
        .execute(&db)
        .await
        .unwrap();
    }
    // A deleted fork and a deleted message stay out of loaded relations.
    Context::delete()
        .filter(contexts::id.eq(forks[1].id))
        .execute(&db)
        .await
        .unwrap();
    Message::delete()
        .filter(messages::version.eq(4_i64))
        .execute(&db)
        .await
        .unwrap();

    let before = db.statements_sent();
    let (context, parent, children, recent) = Context::select()
        .filter(contexts::id.eq(root.id))
        .with(contexts::parent)
        .with(contexts::forks.order_by(contexts::fork_version))
        .with(
            contexts::messages
                .order_by(messages::version.desc())
                .limit(2),
        )
        .one(&db)
        .await
        .unwrap();
    assert_eq!(db.statements_sent() - before, 1);
    assert_eq!(context, root);
    assert_eq!(parent, None, "the root has no parent");
    assert_eq!(
        children,
        vec![forks[0].clone()],
        "the deleted fork is left out"
    );
    assert_eq!(
        recent.iter().map(|m| m.version).collect::<Vec<_>>(),
        [3, 2],
        "the latest live messages, limited"
    );

    // From the fork's side: its parent, by eager loading and by accessor.
    let (fork, parent) = Context::select()
        .filter(contexts::id.eq(forks[0].id))
        .with(contexts::parent)
        .one(&db)
        .await
        .unwrap();
    assert_eq!(parent.as_ref(), Some(&root));
    assert_eq!(fork.parent().one(&db).await.unwrap(), root);
    assert_eq!(root.forks().all(&db).await.unwrap(), vec![forks[0].clone()]);
    let with_deleted = Context::select()
        .filter(contexts::id.eq(root.id))
        .with(contexts::forks.with_deleted())
        .one(&db)
        .await
        .unwrap();
    assert_eq!(
        with_deleted.1.len(),
        2,
        "with_deleted() includes the deleted fork"
    );

    // A message with its context.
    let (message, owner) = Message::select()
        .filter(messages::version.eq(1_i64))
        .with(messages::context)
        .one(&db)
        .await
        .unwrap();
    assert_eq!(owner, Some(root.clone()));
    assert_eq!(message.context().one(&db).await.unwrap(), root);
}

#[tokio::test]
async fn many_to_many_and_self_reference_on_the_test_schema() {
    let test_db = TestDb::new().await.unwrap();
    let client = test_db.connect().await.unwrap();
    let schema = schema_core::schema::Schema::new()
        .table::<TaskTree>()
        .table::<Tag>()
        .table::<schema_tests::TaskTag>();
    let sql = schema_core::migrate::migration_sql(
        "t",
        &schema_core::migrate::render::create_all(&schema),
    );
    client.batch_execute(&sql).await.unwrap();
    let db = Db::new(client);

    let root = TaskTree::insert(NewTaskTree::new().note(Some("root".to_string())))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let child = TaskTree::insert(NewTaskTree::new().parent_id(Some(root.id)))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let red = Tag::insert(NewTag::new().label("red"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let blue = Tag::insert(NewTag::new().label("blue"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    for tag in [&red, &blue] {
        TaskTag::insert(NewTaskTag::new().task_tree_id(root.id).tag_id(tag.id))
            .execute(&db)
            .await
            .unwrap();
    }

    let before = db.statements_sent();
    let loaded = TaskTree::select()
        .filter(task_tree::id.eq(root.id))
        .with(task_tree::tags.order_by(tags::label))
        .with(task_tree::children.with(task_tree::tags))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(db.statements_sent() - before, 1);
    let (tree, tags_of_root, children) = loaded;
    assert_eq!(tree, root);
    assert_eq!(tags_of_root, vec![blue.clone(), red.clone()]);
    assert_eq!(children, vec![(child.clone(), Vec::new())]);

    // has_one: at most one row, the first in the given order.
    let second = TaskTree::insert(
        NewTaskTree::new()
            .parent_id(Some(root.id))
            .note(Some("b".to_string())),
    )
    .returning()
    .one(&db)
    .await
    .unwrap();
    let (_, first) = TaskTree::select()
        .filter(task_tree::id.eq(root.id))
        .with(task_tree::first_child.order_by(task_tree::note.desc().nulls_last()))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(first, Some(second.clone()));
    let (_, none) = TaskTree::select()
        .filter(task_tree::id.eq(second.id))
        .with(task_tree::first_child)
        .one(&db)
        .await
        .unwrap();
    assert_eq!(none, None);
    assert_eq!(
        root.tags().order_by(tags::label).all(&db).await.unwrap(),
        vec![blue.clone(), red.clone()]
    );
    let (_, tasks_of_red) = Tag::select()
        .filter(tags::id.eq(red.id))
        .with(tags::tasks)
        .one(&db)
        .await
        .unwrap();
    assert_eq!(tasks_of_red, vec![root.clone()]);
    let (_, task, tag) = TaskTag::select()
        .filter(task_tags::tag_id.eq(red.id))
        .with(task_tags::task)
        .with(task_tags::tag)
        .one(&db)
        .await
        .unwrap();
    assert_eq!((task, tag), (Some(root), Some(red)));
}

/// Enums and arrays of enums inside a loaded relation (their oids are not built-in types).
#[pg_enum(name = "mood")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mood {
    Calm,
    Glad,
}

#[table(name = "diaries", has_many(entries, by = entries::diary_id))]
#[derive(Debug, Clone, PartialEq)]
pub struct Diary {
    #[column(primary_key, identity)]
    pub id: i32,
    pub title: String,
}

#[table(name = "entries")]
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    #[column(primary_key, identity)]
    pub id: i32,
    #[column(references = diaries::id, on_delete = cascade, relation = diary)]
    pub diary_id: i32,
    pub mood: Mood,
    pub moods: Vec<Mood>,
    pub maybe: Option<Vec<Mood>>,
}

#[tokio::test]
async fn enums_and_enum_arrays_load_inside_relations() {
    let test_db = TestDb::new().await.unwrap();
    let client = test_db.connect().await.unwrap();
    let schema = schema_core::schema::Schema::new()
        .table::<Diary>()
        .table::<Entry>();
    let sql = schema_core::migrate::migration_sql(
        "t",
        &schema_core::migrate::render::create_all(&schema),
    );
    client.batch_execute(&sql).await.unwrap();
    let db = Db::new(client);

    let diary = Diary::insert(NewDiary::new().title("d"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    Entry::insert_many([
        NewEntry::new()
            .diary_id(diary.id)
            .mood(Mood::Glad)
            .moods(vec![Mood::Calm, Mood::Glad])
            .maybe(Some(vec![Mood::Glad])),
        NewEntry::new()
            .diary_id(diary.id)
            .mood(Mood::Calm)
            .moods(vec![])
            .maybe(None),
    ])
    .execute(&db)
    .await
    .unwrap();

    let (loaded, entries) = Diary::select()
        .with(diaries::entries.order_by(entries::id))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(loaded, diary);
    let direct = Entry::select()
        .order_by(entries::id)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(entries, direct);
    assert_eq!(entries[0].moods, [Mood::Calm, Mood::Glad]);
    assert_eq!(entries[1].maybe, None);

    // And the other way: each entry with its diary.
    let with_diary = Entry::select()
        .order_by(entries::id)
        .with(entries::diary)
        .all(&db)
        .await
        .unwrap();
    assert!(with_diary.iter().all(|(_, d)| d.as_ref() == Some(&diary)));
}

#[test]
fn batched_loading_sql() {
    let show_both = |[parents, children]: [(String, Vec<Param>); 2]| {
        format!("{}\n{}", show(parents), show(children))
    };
    let cases = [
        (
            "one level",
            show_both(User::select().with_batched(users::projects).sql()),
        ),
        (
            "filtered parents; filtered, ordered, limited per parent, nested",
            show_both(
                User::select()
                    .filter(users::email.like("a%"))
                    .order_by(users::email)
                    .limit(10)
                    .with_batched(
                        users::projects
                            .filter(projects::status.eq("active"))
                            .order_by(projects::created_at.desc())
                            .limit(3)
                            .with(projects::owner),
                    )
                    .sql(),
            ),
        ),
        (
            "parents by a list of keys: the related rows take the list",
            show_both(
                User::select()
                    .filter(users::id.in_list([Uuid::from_u128(1), Uuid::from_u128(2)]))
                    .filter(users::email.like("a%"))
                    .with_batched(users::projects)
                    .sql(),
            ),
        ),
        (
            "a parent by key, belongs-to: the related row takes the parent's key column's value",
            show_both(
                Project::select()
                    .filter(projects::owner_id.eq(Uuid::from_u128(1)))
                    .with_batched(projects::owner)
                    .sql(),
            ),
        ),
        (
            "self-reference, soft delete",
            show_both(Context::select().with_batched(contexts::forks).sql()),
        ),
        (
            "many-to-many",
            show_both(TaskTree::select().with_batched(task_tree::tags).sql()),
        ),
    ];
    let text: Vec<String> = cases
        .into_iter()
        .map(|(name, sql)| format!("-- {name}\n{sql}"))
        .collect();
    insta::assert_snapshot!(text.join("\n\n"));
}

/// Each user's email with the names of its projects, in order.
fn emails_and_names(rows: &[(User, Vec<Project>)]) -> Vec<(String, Vec<String>)> {
    rows.iter()
        .map(|(u, ps)| (u.email.clone(), ps.iter().map(|p| p.name.clone()).collect()))
        .collect()
}

#[tokio::test]
async fn batched_loading_equals_eager_loading_in_two_statements() {
    let (_guard, db) = app_db(false).await;
    let ada = user(&db, "ada@x.io").await;
    let bob = user(&db, "bob@x.io").await;
    let lone = user(&db, "lone@x.io").await;
    for (owner, name) in [(&ada, "a3"), (&ada, "a1"), (&ada, "a2"), (&bob, "b1")] {
        Project::insert(NewProject::new().owner_id(owner.id).name(name))
            .execute(&db)
            .await
            .unwrap();
    }

    // Has-many, nested belongs-to inside, parents filtered and ordered.
    let tree = || {
        users::projects
            .order_by(projects::name)
            .with(projects::owner)
    };
    let before = db.statements_sent();
    let batched = User::select()
        .order_by(users::email)
        .with_batched(tree())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        db.statements_sent() - before,
        2,
        "parents, then related rows"
    );
    let eager = User::select()
        .order_by(users::email)
        .with(tree())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(batched, eager);
    assert_eq!(batched[2].0, lone);
    assert!(batched[2].1.is_empty(), "no related rows: empty");

    // A limit per parent, and parents limited themselves.
    let limited = User::select()
        .order_by(users::email)
        .limit(2)
        .with_batched(users::projects.order_by(projects::name.desc()).limit(2))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        emails_and_names(&limited),
        [
            (
                "ada@x.io".to_string(),
                vec!["a3".to_string(), "a2".to_string()]
            ),
            ("bob@x.io".to_string(), vec!["b1".to_string()]),
        ]
    );

    // One parent by key; none; more than one.
    let (found, projects) = User::find(ada.id)
        .with_batched(users::projects.order_by(projects::name))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(
        (found.id, projects.len(), projects[0].name.as_str()),
        (ada.id, 3, "a1")
    );
    let missing = User::find(Uuid::from_u128(9))
        .with_batched(users::projects)
        .optional(&db)
        .await
        .unwrap();
    assert!(missing.is_none());
    let error = User::select()
        .with_batched(users::projects)
        .one(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(error, schema_core::exec::Error::TooManyRows { .. }),
        "{error:?}"
    );

    // Parents by a list of keys: the related rows' statement takes the list itself. A key the
    // other conditions rule out, or that no row has, brings no related rows to anyone.
    let listed_users = || {
        User::select()
            .filter(users::id.in_list([ada.id, bob.id, lone.id, Uuid::from_u128(7)]))
            .filter(users::email.ne("bob@x.io"))
            .order_by(users::email)
    };
    let listed = listed_users()
        .with_batched(users::projects.order_by(projects::name))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        emails_and_names(&listed),
        [
            (
                "ada@x.io".to_string(),
                vec!["a1".to_string(), "a2".to_string(), "a3".to_string()]
            ),
            ("lone@x.io".to_string(), vec![]),
        ]
    );
    let eager = listed_users()
        .with(users::projects.order_by(projects::name))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(listed, eager);

    // Belongs-to: many projects share one owner, each gets it.
    let owned = Project::select()
        .order_by(projects::name)
        .with_batched(projects::owner)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(owned.len(), 4);
    for (project, owner) in &owned {
        assert_eq!(owner.as_ref().map(|o| o.id), Some(project.owner_id));
    }
}

#[tokio::test]
async fn batched_self_reference_and_many_to_many() {
    let (_guard, db) = app_db(false).await;
    let root = Context::insert(NewContext::new())
        .returning()
        .one(&db)
        .await
        .unwrap();
    for version in [2, 1] {
        Context::insert(
            NewContext::new()
                .parent_id(Some(root.id))
                .fork_version(Some(version)),
        )
        .execute(&db)
        .await
        .unwrap();
    }
    let gone = Context::insert(NewContext::new().parent_id(Some(root.id)))
        .returning()
        .one(&db)
        .await
        .unwrap();
    Context::delete()
        .filter(contexts::id.eq(gone.id))
        .execute(&db)
        .await
        .unwrap();
    let forks = || contexts::forks.order_by(contexts::fork_version);
    let batched = Context::select()
        .filter(contexts::id.eq(root.id))
        .with_batched(forks())
        .all(&db)
        .await
        .unwrap();
    let eager = Context::select()
        .filter(contexts::id.eq(root.id))
        .with(forks())
        .all(&db)
        .await
        .unwrap();
    assert_eq!(batched, eager);
    assert_eq!(batched[0].1.len(), 2, "the soft-deleted fork stays out");

    // Many-to-many through the join table, on the test schema.
    let test_db = TestDb::new().await.unwrap();
    let client = test_db.connect().await.unwrap();
    let schema = schema_core::schema::Schema::new()
        .table::<TaskTree>()
        .table::<Tag>()
        .table::<schema_tests::TaskTag>();
    client
        .batch_execute(&schema_core::migrate::migration_sql(
            "t",
            &schema_core::migrate::render::create_all(&schema),
        ))
        .await
        .unwrap();
    let db = Db::new(client);
    let tree = TaskTree::insert(NewTaskTree::new())
        .returning()
        .one(&db)
        .await
        .unwrap();
    let bare = TaskTree::insert(NewTaskTree::new())
        .returning()
        .one(&db)
        .await
        .unwrap();
    for label in ["x", "y"] {
        let tag = Tag::insert(NewTag::new().label(label))
            .returning()
            .one(&db)
            .await
            .unwrap();
        TaskTag::insert(NewTaskTag::new().task_tree_id(tree.id).tag_id(tag.id))
            .execute(&db)
            .await
            .unwrap();
    }
    let tags = || task_tree::tags.order_by(tags::label);
    let batched = TaskTree::select()
        .with_batched(tags())
        .all(&db)
        .await
        .unwrap();
    let eager = TaskTree::select().with(tags()).all(&db).await.unwrap();
    assert_eq!(batched, eager);
    let labels = |id| {
        batched
            .iter()
            .find(|(t, _)| t.id == id)
            .map(|(_, tags)| tags.iter().map(|t| t.label.clone()).collect::<Vec<_>>())
            .unwrap()
    };
    assert_eq!(labels(tree.id), ["x", "y"]);
    assert!(labels(bare.id).is_empty());
}
