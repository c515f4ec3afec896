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
