//! Opt-in SQL logging through `tracing`: statement and duration, parameters redacted unless asked.

use std::sync::Mutex;

use example_app::schema::*;
use schema_core::exec::raw_execute;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[path = "common/log.rs"]
mod log_capture;
use log_capture::Buffer;

#[tokio::test(flavor = "current_thread")]
async fn statements_are_logged_with_duration_and_redacted_parameters() {
    let buffer = Buffer::default();
    let _guard = buffer.capture();

    let (_test_db, db) = app_db(false).await;
    User::insert(NewUser::new().email("secret-email@x.io").name("S"))
        .execute(&db)
        .await
        .unwrap();
    let logged = buffer.text();
    assert!(logged.contains("schema_core::sql"), "{logged}");
    assert!(
        logged.contains(r#"INSERT INTO \"users\" (\"email\", \"name\") VALUES ($1, $2)"#),
        "{logged}"
    );
    assert!(logged.contains("duration_ms="), "{logged}");
    assert!(
        logged.contains("params=2") && logged.contains("parameters redacted"),
        "{logged}"
    );
    assert!(
        !logged.contains("secret-email"),
        "parameters are redacted by default:\n{logged}"
    );

    db.log_parameters(true);
    User::select()
        .filter(users::email.eq("secret-email@x.io"))
        .one(&db)
        .await
        .unwrap();
    let logged = buffer.text();
    assert!(
        logged.contains("secret-email@x.io"),
        "parameters when asked:\n{logged}"
    );
}

/// Everything the `log` crate is given (tokio-postgres logs through it), filtered as the README
/// says: `tokio_postgres` at `info` and above, everything else at every level.
struct CaptureLog {
    documented_filter: std::sync::atomic::AtomicBool,
    lines: Mutex<Vec<String>>,
}

static CAPTURE: CaptureLog = CaptureLog {
    documented_filter: std::sync::atomic::AtomicBool::new(true),
    lines: Mutex::new(Vec::new()),
};

impl log::Log for CaptureLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        !(self
            .documented_filter
            .load(std::sync::atomic::Ordering::SeqCst)
            && metadata.target().starts_with("tokio_postgres")
            && metadata.level() > log::Level::Info)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.lines
                .lock()
                .unwrap()
                .push(format!("{} {}", record.target(), record.args()));
        }
    }

    fn flush(&self) {}
}

/// Issue 10, item 5: no row value and no bound parameter in an error's `Display` or `Debug`, in
/// the `tracing` events, or (with the README's filter) in the `log` records of tokio-postgres;
/// the DETAIL stays available when asked; `log_parameters` holds inside transactions.
#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_errors_or_logs_unless_asked() {
    const SECRET: &str = "tok-SECRET-123";
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (_test_db, mut db) = app_db(false).await;
    raw_execute(
        &db,
        "CREATE TABLE tokens (token text UNIQUE CHECK (length(token) < 20))",
        &[],
    )
    .await
    .unwrap();
    raw_execute(&db, "INSERT INTO tokens VALUES ($1)", &[&SECRET])
        .await
        .unwrap();
    let unique = raw_execute(&db, "INSERT INTO tokens VALUES ($1)", &[&SECRET])
        .await
        .unwrap_err();
    let long = format!("{SECRET}-and-more-to-break-the-check");
    let check = raw_execute(&db, "INSERT INTO tokens VALUES ($1)", &[&long])
        .await
        .unwrap_err();
    for error in [&unique, &check] {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(shown.contains("tokens"), "names the table: {shown}");
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            assert!(!inner.to_string().contains(SECRET), "{inner}");
            source = inner.source();
        }
        assert!(
            error.with_detail().to_string().contains(SECRET),
            "the detail when asked: {}",
            error.with_detail()
        );
    }
    assert!(
        matches!(&check, Error::CheckViolation(v) if v.detail.as_deref().unwrap_or_default().contains(SECRET))
    );

    let traced = buffer.text();
    assert!(!traced.contains(SECRET), "{traced}");
    let logged = CAPTURE.lines.lock().unwrap().join("\n");
    assert!(!logged.contains(SECRET), "{logged}");

    // `log_parameters(true)` holds inside a transaction too.
    db.log_parameters(true);
    db.transaction(async |tx| raw_execute(tx, "SELECT $1::text", &[&"asked-for-inside"]).await)
        .await
        .unwrap();
    let traced = buffer.text();
    assert!(traced.contains("asked-for-inside"), "{traced}");

    // Why the README's filter: below `info`, tokio-postgres logs every bound value.
    CAPTURE
        .documented_filter
        .store(false, std::sync::atomic::Ordering::SeqCst);
    raw_execute(&db, "SELECT $1::text", &[&"unfiltered-value"])
        .await
        .unwrap();
    let logged = CAPTURE.lines.lock().unwrap().join("\n");
    assert!(logged.contains("unfiltered-value"), "{logged}");
}

/// What `one`, `optional` and `first` send: a key lookup (at most one row) as it is, other
/// queries with a constant `LIMIT 2` (to tell one row from many) or `LIMIT 1`; a join of a key
/// lookup may match many rows, so it is limited again.
#[tokio::test(flavor = "current_thread")]
async fn one_and_first_limit_only_what_can_have_more_rows() {
    let buffer = Buffer::default();
    let _guard = buffer.capture();
    let (_test_db, db) = app_db(false).await;
    let user = User::insert(NewUser::new().email("limit@x.io").name("L"))
        .returning()
        .one(&db)
        .await
        .unwrap();
    let last_statement = || {
        let text = buffer.text();
        text.lines()
            .rev()
            .find(|l| l.contains("SELECT"))
            .unwrap_or_default()
            .to_string()
    };

    assert_eq!(User::find(user.id).one(&db).await.unwrap(), user);
    let sent = last_statement();
    assert!(sent.contains("FROM"), "{sent}");
    assert!(
        !sent.contains("LIMIT"),
        "a key lookup needs no limit: {sent}"
    );
    assert!(User::find(user.id).optional(&db).await.unwrap().is_some());
    assert!(!last_statement().contains("LIMIT"));

    User::select()
        .filter(users::email.eq("limit@x.io"))
        .one(&db)
        .await
        .unwrap();
    assert!(last_statement().contains("LIMIT 2"), "{}", last_statement());
    User::select().first(&db).await.unwrap();
    assert!(last_statement().contains("LIMIT 1"), "{}", last_statement());

    let joined = User::find(user.id)
        .left_join::<Project>(projects::owner_id.eq(users::id))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(joined.0, user);
    assert!(last_statement().contains("LIMIT 2"), "{}", last_statement());
}
