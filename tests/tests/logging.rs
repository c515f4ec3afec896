//! Opt-in SQL logging through `tracing`: statement and duration, parameters redacted unless asked.

use std::io::Write;
use std::sync::{Arc, Mutex};

use example_app::schema::*;
use schema_core::prelude::*;
use schema_tests::support::app_db;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn statements_are_logged_with_duration_and_redacted_parameters() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (_test_db, db) = app_db(false).await;
    User::insert(NewUser::new().email("secret-email@x.io").name("S"))
        .execute(&db)
        .await
        .unwrap();
    let logged = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
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
    let logged = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("secret-email@x.io"),
        "parameters when asked:\n{logged}"
    );
}
