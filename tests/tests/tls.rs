//! TLS against a local PostgreSQL with `ssl = on`, a certificate made here, and a pg_hba.conf
//! that accepts only `hostssl`: every `sslmode`, channel binding, and secrets kept out of errors.

use schema_core::exec::connect::connect_client;
use schema_core::exec::DbPool;
use schema_core::testing::start_custom_server;

#[path = "common/pki.rs"]
mod pki;
use pki::{make_pki, write_temp};

#[tokio::test]
async fn every_sslmode_against_a_server_that_demands_tls() {
    let pki = make_pki("schema-core test CA");
    let other = make_pki("some other CA");
    let mut setup = pki.server_setup(
        "local all all trust\n\
         hostssl all app 127.0.0.1/32 scram-sha-256\n\
         hostssl all app ::1/128 scram-sha-256\n\
         hostssl all all 127.0.0.1/32 trust\n\
         hostssl all all ::1/128 trust\n",
    );
    setup
        .settings
        .push(("password_encryption".into(), "scram-sha-256".into()));
    let server = start_custom_server(&setup).expect("a TLS server");
    let port = server.port();
    let ca = write_temp("ca.pem", &pki.ca_pem);
    let unknown_ca = write_temp("other-ca.pem", &other.ca_pem);
    let url =
        |host: &str, extra: &str| format!("postgresql://postgres@{host}:{port}/postgres?{extra}");

    let encrypted = |client: tokio_postgres::Client| async move {
        client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .unwrap()
            .get::<_, bool>(0)
    };

    // verify-full: the right CA and host name.
    let client = connect_client(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    ))
    .await
    .expect("verify-full with the right CA and host");
    assert!(encrypted(client).await);

    // verify-full: the wrong host (the certificate names localhost only).
    let error = connect_client(&url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    ))
    .await
    .expect_err("verify-full with the wrong host name")
    .to_string();
    assert!(
        error.contains("certificate not valid for name \"127.0.0.1\""),
        "{error}"
    );

    // verify-full: an unknown CA.
    let error = connect_client(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", unknown_ca.display()),
    ))
    .await
    .expect_err("verify-full with an unknown CA")
    .to_string();
    assert!(
        error.to_lowercase().contains("unknownissuer")
            || error.to_lowercase().contains("unknown issuer"),
        "{error}"
    );

    // verify-ca: the chain only, so an IP address as host passes.
    let client = connect_client(&url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={}", ca.display()),
    ))
    .await
    .expect("verify-ca ignores the host name");
    assert!(encrypted(client).await);

    // require: encrypted, whatever the certificate.
    let client = connect_client(&url("127.0.0.1", "sslmode=require"))
        .await
        .expect("require");
    assert!(encrypted(client).await, "require encrypts (pg_stat_ssl)");

    // disable, to a server that accepts only hostssl: refused, clearly.
    let error = connect_client(&url("127.0.0.1", "sslmode=disable"))
        .await
        .expect_err("disable is refused")
        .to_string();
    assert!(
        error.contains("pg_hba.conf") && error.contains("no encryption"),
        "{error}"
    );

    // Channel binding with SCRAM over TLS, and a password that never shows in errors.
    let admin = connect_client(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    ))
    .await
    .unwrap();
    admin
        .batch_execute("CREATE ROLE app LOGIN PASSWORD 's3cret-pw'")
        .await
        .unwrap();
    let bound = connect_client(&format!(
        "postgresql://app:s3cret-pw@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={}&channel_binding=require",
        ca.display()
    ))
    .await
    .expect("SCRAM with channel binding over TLS");
    assert!(encrypted(bound).await);
    let error = connect_client(&format!(
        "postgresql://app:wrong-pw-xyz@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={}",
        ca.display()
    ))
    .await
    .expect_err("a wrong password")
    .to_string();
    assert!(
        !error.contains("wrong-pw-xyz") && !error.contains("s3cret"),
        "{error}"
    );
    assert!(error.contains("password authentication failed"), "{error}");

    // A pool: the same TLS modes for every connection it opens.
    let pool = DbPool::new(
        &format!(
            "postgresql://app:s3cret-pw@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={}",
            ca.display()
        ),
        2,
    )
    .unwrap();
    let mut checked_out = Vec::new();
    for _ in 0..2 {
        checked_out.push(pool.get().await.expect("a pooled TLS connection"));
    }
    for db in &checked_out {
        let ssl: bool = db
            .client()
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert!(ssl, "pooled connections are encrypted");
    }
    drop(checked_out);
    let wrong_host = DbPool::new(
        &format!(
            "postgresql://app:s3cret-pw@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={}",
            ca.display()
        ),
        2,
    )
    .unwrap();
    let error = wrong_host
        .get()
        .await
        .expect_err("verify-full, wrong host")
        .to_string();
    assert!(error.contains("certificate not valid"), "{error}");
    assert!(!error.contains("s3cret"), "{error}");

    let _ = std::fs::remove_file(ca);
    let _ = std::fs::remove_file(unknown_ca);
    drop(server);
}
