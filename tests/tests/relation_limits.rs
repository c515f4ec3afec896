//! Relational loading without small caps (issue 12): eight relations side by side at the top
//! and under a relation, at depth; `offset` on a relation, eager and batched; selections of
//! sixteen columns.

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

/// The projects of status `status`, by name.
fn of_status(
    status: &'static str,
) -> schema_core::relations::Relation<User, Project, schema_core::relations::HasMany, ()> {
    users::projects
        .filter(projects::status.eq(status))
        .order_by(projects::name)
}

#[test]
fn the_sql_of_an_offset_relation() {
    let eager = User::select()
        .with(users::projects.order_by(projects::name).limit(2).offset(1))
        .sql()
        .0;
    let [_, batched] = User::select()
        .with_batched(users::projects.order_by(projects::name).limit(2).offset(1))
        .sql();
    let offset_only = User::select()
        .with_batched(users::projects.order_by(projects::name).offset(3))
        .sql()[1]
        .0
        .clone();
    insta::assert_snapshot!([eager, batched.0, offset_only].join("\n"));
}

#[tokio::test]
async fn eight_relations_side_by_side_and_nested() {
    let (_guard, db) = app_db(false).await;
    let ada = User::insert(NewUser::new().email("ada@x.io").name("Ada"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let statuses = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"];
    for (i, status) in statuses.iter().enumerate() {
        for n in 0..=i {
            Project::insert(
                NewProject::new()
                    .owner_id(ada.id)
                    .name(format!("{status}-{n}"))
                    .status(status.to_string()),
            )
            .execute(&db)
            .await
            .unwrap();
        }
    }

    let before = db.statements_sent();
    let (user, p1, p2, p3, p4, p5, p6, p7, p8) = User::select()
        .with(of_status("s1"))
        .with(of_status("s2"))
        .with(of_status("s3"))
        .with(of_status("s4"))
        .with(of_status("s5"))
        .with(of_status("s6"))
        .with(of_status("s7"))
        .with(of_status("s8"))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(db.statements_sent() - before, 1, "one statement");
    assert_eq!(user, ada);
    let counts = [p1, p2, p3, p4, p5, p6, p7, p8].map(|p| p.len());
    assert_eq!(counts, [1, 2, 3, 4, 5, 6, 7, 8]);

    // Eight under one relation, two levels down: each project's owner's projects of a status.
    let owners_of = || {
        projects::owner
            .with(of_status("s1"))
            .with(of_status("s2"))
            .with(of_status("s3"))
            .with(of_status("s4"))
            .with(of_status("s5"))
            .with(of_status("s6"))
            .with(of_status("s7"))
            .with(of_status("s8"))
    };
    let loaded = User::select()
        .with(
            users::projects
                .filter(projects::name.eq("s8-7"))
                .with(owners_of()),
        )
        .one(&db)
        .await
        .unwrap();
    let (_, projects) = loaded;
    let (project, owner) = &projects[0];
    assert_eq!(project.name, "s8-7");
    let (owner, q1, _, _, _, _, _, _, q8) = owner.as_ref().expect("the owner");
    assert_eq!((owner.id, q1.len(), q8.len()), (ada.id, 1, 8));

    // A page of each user's projects: the second and third by name, eager and batched alike.
    let page = || of_status("s8").limit(2).offset(1);
    let (_, eager) = User::select().with(page()).one(&db).await.unwrap();
    let (_, batched) = User::select().with_batched(page()).one(&db).await.unwrap();
    let names: Vec<&str> = eager.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["s8-1", "s8-2"]);
    assert_eq!(eager, batched);
    let (_, rest) = User::select()
        .with_batched(of_status("s8").offset(6))
        .one(&db)
        .await
        .unwrap();
    let names: Vec<&str> = rest.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["s8-6", "s8-7"]);
}

#[tokio::test]
async fn sixteen_columns_in_one_selection() {
    let (_guard, db) = app_db(false).await;
    User::insert(NewUser::new().email("ada@x.io").name("Ada"))
        .execute(&db)
        .await
        .unwrap();
    let row = User::select()
        .columns((
            users::email,
            users::name,
            users::email.upper(),
            users::name.lower(),
            users::email.char_length(),
            users::name.char_length(),
            users::password_hash,
            users::email_verified,
            users::created_at,
            users::updated_at,
            users::id,
            users::email.concat("!"),
            users::name.concat("?"),
            users::email.trim(),
            users::name.trim(),
            count_star().over(Window::new()),
        ))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(row.0, "ada@x.io");
    assert_eq!(row.2, "ADA@X.IO");
    assert_eq!(row.4, 8);
    assert_eq!(row.11, "ada@x.io!");
    assert_eq!(row.15, 1);
}
