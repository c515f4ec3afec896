//! The correct forms of the mistakes that `tests/ui` rejects at compile time (issue 19): each
//! compiles and does the right thing on a real database.

use schema_core::migrate::{migration_sql, render};
use schema_core::prelude::*;
use schema_core::testing::TestDb;

/// `default = now` is the time of each insert; a string default is text, kept as written.
#[table(name = "events", soft_delete = deleted_at)]
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    #[column(primary_key)]
    pub id: i32,
    #[column(default = now)]
    pub happened_at: TimestampTz,
    #[column(default = "now()")]
    pub label: String,
    pub deleted_at: Option<TimestampTz>,
}

async fn events_db() -> (TestDb, Db) {
    let test_db = TestDb::new().await.unwrap();
    let client = test_db.connect().await.unwrap();
    let schema = Schema::new().table::<Event>();
    client
        .batch_execute(&migration_sql("0000_init", &render::create_all(&schema)))
        .await
        .unwrap();
    (test_db, Db::new(client))
}

#[tokio::test]
async fn defaults_are_the_time_of_each_insert_or_the_text_as_written() {
    let (_test_db, db) = events_db().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    Event::insert(NewEvent::new().id(1))
        .execute(&db)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    Event::insert(NewEvent::new().id(2))
        .execute(&db)
        .await
        .unwrap();
    let events = Event::select()
        .order_by(events::id.asc())
        .all(&db)
        .await
        .unwrap();
    assert!(
        events[0].happened_at > before,
        "the insert's time, not the migration's"
    );
    assert!(
        events[1].happened_at > events[0].happened_at,
        "each insert its own time"
    );
    assert_eq!(events[0].label, "now()", "a string default is text");
}

#[tokio::test]
async fn a_soft_delete_timestamp_hides_deleted_rows() {
    let (_test_db, db) = events_db().await;
    for id in 1..=2 {
        Event::insert(NewEvent::new().id(id))
            .execute(&db)
            .await
            .unwrap();
    }
    Event::delete()
        .filter(events::id.eq(1))
        .execute(&db)
        .await
        .unwrap();
    let live: Vec<i32> = Event::select()
        .all(&db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(live, [2]);
    let deleted = Event::select().only_deleted().all(&db).await.unwrap();
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].deleted_at.is_some());
}

/// A row lock taken inside a transaction holds until it ends: two workers, each in its own
/// transaction, take different rows with `FOR UPDATE SKIP LOCKED`, and a third session's plain
/// `FOR UPDATE` of a taken row waits (here: gives up after its `lock_timeout`).
#[tokio::test]
async fn a_row_lock_in_a_transaction_holds_until_it_ends() {
    let (test_db, db) = events_db().await;
    for id in 1..=3 {
        Event::insert(NewEvent::new().id(id))
            .execute(&db)
            .await
            .unwrap();
    }
    let next = Event::select()
        .order_by(events::id.asc())
        .for_update_skip_locked();
    let mut workers = Vec::new();
    for _ in 0..2 {
        workers.push(Db::new(test_db.connect().await.unwrap()));
    }
    let mut third = Db::new(test_db.connect().await.unwrap());
    let [first, second] = &mut workers[..] else {
        unreachable!()
    };
    let taken = first
        .transaction(async |tx1| {
            let one = next.first(tx1).await?.unwrap().id;
            let two = second
                .transaction(async |tx2| Ok::<_, Error>(next.first(tx2).await?.unwrap().id))
                .await?;
            let blocked = third
                .transaction(async |tx3| {
                    schema_core::exec::raw_execute(tx3, "SET LOCAL lock_timeout = '200ms'", &[])
                        .await?;
                    Event::select()
                        .filter(events::id.eq(one))
                        .for_update()
                        .one(tx3)
                        .await
                })
                .await;
            Ok::<_, Error>((one, two, blocked))
        })
        .await
        .unwrap();
    assert_eq!((taken.0, taken.1), (1, 2));
    let blocked = taken.2.unwrap_err();
    assert!(
        format!("{blocked:?}").contains("lock timeout"),
        "the first worker's lock holds: {blocked:?}"
    );
    // Committed, the lock is gone.
    let unlocked = third
        .transaction(async |tx| {
            Event::select()
                .filter(events::id.eq(1))
                .for_update()
                .one(tx)
                .await
        })
        .await
        .unwrap();
    assert_eq!(unlocked.id, 1);
}

/// A `#[derive(FromRow)]` struct reads each field from the selected column of its name: fields
/// in another order than the selection (here two `String`s, which no type check could tell
/// apart) get the right values, an expression reads under its `.alias`, and a field nobody
/// selected is an error naming it.
#[tokio::test]
async fn from_row_fields_read_the_column_of_their_name() {
    #[derive(Debug, PartialEq, FromRow)]
    struct Label {
        id: i32,
        shout: String,
        label: String,
        seen: i64,
    }
    #[derive(Debug, FromRow)]
    struct Missing {
        #[allow(dead_code)]
        id: i32,
        #[allow(dead_code)]
        note: String,
    }
    let (_test_db, db) = events_db().await;
    Event::insert(NewEvent::new().id(7).label("seven"))
        .execute(&db)
        .await
        .unwrap();
    let read = Event::select()
        .columns((
            events::id,
            events::label,
            Expr::<Event, String>::raw("upper(label)", Vec::<String>::new()).alias("shout"),
            count_star().alias("seen"),
        ))
        .group_by((events::id, events::label))
        .decode_as::<Label>()
        .one(&db)
        .await
        .unwrap();
    assert_eq!(
        read,
        Label {
            id: 7,
            shout: "SEVEN".into(),
            label: "seven".into(),
            seen: 1,
        }
    );
    let missing = Event::select()
        .columns((events::id, events::label))
        .decode_as::<Missing>()
        .one(&db)
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NoColumn { .. }), "{missing:?}");
    assert_eq!(
        missing.to_string(),
        "`Missing.note` is read from the selected column named `note`, and none is (selected: \
         id, label): select it, or name an expression with `.alias(\"note\")`"
    );
}

/// `on_conflict` on a unique key (here the primary key) updates the row it conflicts with.
#[tokio::test]
async fn on_conflict_on_a_unique_key_updates_the_conflicting_row() {
    let (_test_db, db) = events_db().await;
    for label in ["first", "second"] {
        Event::insert(NewEvent::new().id(1).label(label))
            .on_conflict(events::id)
            .do_update(events::label, excluded(events::label))
            .execute(&db)
            .await
            .unwrap();
    }
    let events = Event::select().all(&db).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].label, "second");
}

/// A plain column beside an aggregate, grouped by it, counts per group; aggregates alone need no
/// grouping.
#[tokio::test]
async fn a_grouped_column_beside_an_aggregate_counts_per_group() {
    let (_test_db, db) = events_db().await;
    for (id, label) in [(1, "a"), (2, "b"), (3, "b")] {
        Event::insert(NewEvent::new().id(id).label(label))
            .execute(&db)
            .await
            .unwrap();
    }
    let per_label = Event::select()
        .columns((events::label, count_star()))
        .group_by(events::label)
        .having(count_star().ge(1_i64))
        .order_by(events::label)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(per_label, [("a".to_string(), 1), ("b".to_string(), 2)]);
    let (total, last) = Event::select()
        .columns((count_star(), events::id.max()))
        .one(&db)
        .await
        .unwrap();
    assert_eq!((total, last), (3, Some(3)));
}
