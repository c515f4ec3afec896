//! The test harness itself: databases are created per test and leave nothing behind.

use schema_core::testing::{self, TestDb};

#[tokio::test]
async fn a_test_database_is_dropped_with_its_handle() {
    let target = testing::default_target().expect("a PostgreSQL to test on");
    let db = TestDb::on(target).await.unwrap();
    let name = db.name().to_string();
    let client = db.connect().await.unwrap();
    client
        .batch_execute("CREATE TABLE left_open (x int)")
        .await
        .unwrap();
    // Dropped while a connection is still open: the database goes anyway.
    drop(db);

    let other = TestDb::on(target).await.unwrap();
    assert_ne!(other.name(), name, "every test gets a database of its own");
    let check = other.connect().await.unwrap();
    let remaining: i64 = check
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(remaining, 0, "database {name} was left behind");
    assert!(client.is_closed() || client.simple_query("SELECT 1").await.is_err());
}

#[tokio::test]
async fn every_target_answers() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let db = TestDb::on(target).await.unwrap();
        let client = db.connect().await.unwrap();
        let major: i32 = client
            .query_one(
                "SELECT current_setting('server_version_num')::int / 10000",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            major as u32,
            target.major_version().await.unwrap(),
            "{}",
            target.describe()
        );
    }
}
