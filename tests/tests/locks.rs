//! Row locks with `OF`, `NOWAIT` and `SKIP LOCKED` (issue 12): the SQL, and two transactions on
//! a real server, one holding rows the other asks for.

use std::sync::Arc;

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[test]
fn the_sql_of_lock_options() {
    let cases = [
        Project::select()
            .inner_join::<User>(users::id.eq(projects::owner_id))
            .for_update()
            .of::<Project, _>()
            .skip_locked()
            .sql()
            .0,
        Project::select().for_share().nowait().sql().0,
        Project::select()
            .inner_join::<User>(users::id.eq(projects::owner_id))
            .for_no_key_update()
            .of::<Project, _>()
            .of::<User, _>()
            .sql()
            .0,
        Project::select().for_key_share().skip_locked().sql().0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn nowait_fails_skip_locked_skips_and_of_locks_one_table() {
    let (test_db, db) = app_db(false).await;
    let owner = User::insert(NewUser::new().email("ada@x.io").name("Ada"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    for name in ["a", "b"] {
        Project::insert(NewProject::new().owner_id(owner.id).name(name))
            .execute(&db)
            .await
            .unwrap();
    }
    let holding = Arc::new(tokio::sync::Barrier::new(2));
    let done = Arc::new(tokio::sync::Barrier::new(2));

    // The holder locks project `a` (and only projects, not their owner) and waits.
    let holder = {
        let (holding, done) = (Arc::clone(&holding), Arc::clone(&done));
        let url = test_db.url();
        tokio::spawn(async move {
            let mut db = Db::connect(&url).await.unwrap();
            db.transaction(async |tx| {
                let held = Project::select()
                    .inner_join::<User>(users::id.eq(projects::owner_id))
                    .filter(projects::name.eq("a"))
                    .for_update()
                    .of::<Project, _>()
                    .all(tx)
                    .await?;
                assert_eq!(held.len(), 1);
                holding.wait().await;
                done.wait().await;
                Ok::<_, Error>(())
            })
            .await
            .unwrap();
        })
    };
    holding.wait().await;

    let mut db = db;
    let result = db
        .transaction(async |tx| {
            // NOWAIT: project `a` is held, so the lock fails at once (55P03).
            let refused = tx
                .transaction(async |tx| {
                    Project::select()
                        .filter(projects::name.eq("a"))
                        .for_update()
                        .nowait()
                        .all(tx)
                        .await
                })
                .await
                .unwrap_err();
            assert_eq!(
                refused.db_error().map(|e| e.code().code()),
                Some("55P03"),
                "{refused}"
            );
            // SKIP LOCKED: only `b` is free.
            let free = Project::select()
                .order_by(projects::name)
                .for_update()
                .skip_locked()
                .all(tx)
                .await?;
            assert_eq!(
                free.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
                ["b"]
            );
            // OF projects left the owner's row free: it locks without waiting.
            let owner_row = User::select()
                .filter(users::id.eq(owner.id))
                .for_update()
                .nowait()
                .all(tx)
                .await?;
            assert_eq!(owner_row.len(), 1);
            Ok::<_, Error>(())
        })
        .await;
    done.wait().await;
    holder.await.unwrap();
    result.unwrap();
}
