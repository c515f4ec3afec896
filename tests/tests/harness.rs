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

/// A test process killed with its whole process group (Ctrl-C, `timeout`, `kill -- -pgid`)
/// leaves no server running and no cluster folder: the watchdog outlives the signal.
#[test]
fn a_cluster_goes_when_its_process_group_is_killed() {
    const CHILD: &str = "SCHEMA_CORE_HARNESS_CHILD";
    if std::env::var_os(CHILD).is_some() {
        // The child: start a cluster, say so, and wait to be killed.
        let server = testing::start_custom_server(&testing::ServerSetup::default()).unwrap();
        println!("ready {}", server.port());
        std::thread::sleep(std::time::Duration::from_secs(120));
        return;
    }
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_cluster_goes_when_its_process_group_is_killed",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("the child's output").unwrap();
        // libtest writes `test <name> ... ` on the same line first.
        if let Some((_, port)) = line.split_once("ready ") {
            break port.trim().parse().unwrap();
        }
    };
    let folders = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                name.starts_with("schema-core-pg") && name.contains(&format!("-{pid}-"))
            })
            .collect()
    };
    assert_eq!(folders().len(), 1, "the child's cluster folder");
    // SIGTERM to the whole group, as `timeout` and a terminal's Ctrl-C (SIGINT) do.
    // The shell's own `kill`: no procps needed.
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("kill -s TERM -- -{pid}")])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !folders().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(folders().is_empty(), "the cluster folder is removed");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no server listens on the cluster's port"
    );
}
