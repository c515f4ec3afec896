//! Real PostgreSQL for tests and demos (feature `testing`).
//!
//! With `DATABASE_URL` set, every [`TestDb`] is a fresh database created on that server. Without
//! it, the first use starts a throwaway cluster from local PostgreSQL binaries, shared by the
//! whole test process: the folders in `PG_BIN` (separated by `:`), or else the ones found on the
//! machine (`pg_config --bindir`, `/usr/lib/postgresql/*/bin`, and the `pgserver` Python
//! package's build). Each test gets its own database, dropped when the [`TestDb`] is dropped;
//! each cluster's folder is removed when the process that started it exits, however it exits.
//!
//! `initdb` refuses to run as root; as root, the cluster runs as the unprivileged user `nobody`,
//! so its binaries must be readable by everyone.

mod binaries;
mod cluster;
mod pgbouncer;
mod replica;

pub use binaries::find_bin_dirs;
pub use cluster::{
    local_servers, start_custom_server, start_custom_server_in, LocalServer, ServerSetup,
};
pub use pgbouncer::PgBouncer;
pub use replica::ReplicaPair;

use std::fmt;

use tokio_postgres::{Client, Config, NoTls};

/// What went wrong while finding or starting PostgreSQL.
#[derive(Debug, Clone)]
pub struct TestingError(pub String);

impl fmt::Display for TestingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TestingError {}

fn err(message: impl Into<String>) -> TestingError {
    TestingError(message.into())
}

/// Where test databases are created.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// The server of `DATABASE_URL`.
    External,
    Local(&'static LocalServer),
}

impl Target {
    /// The admin connection that creates and drops test databases.
    fn admin_config(&self) -> Result<Config, TestingError> {
        match self {
            Target::External => database_url_config(),
            Target::Local(server) => Ok(server.admin_config()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Target::External => "DATABASE_URL".into(),
            Target::Local(server) => {
                format!("PostgreSQL {} ({})", server.major, server.bin_dir.display())
            }
        }
    }

    /// The server's major version, asked of the server itself.
    pub async fn major_version(&self) -> Result<u32, TestingError> {
        if let Target::Local(server) = self {
            return Ok(server.major);
        }
        let client = connect(self.admin_config()?).await?;
        let row = client
            .query_one(
                "SELECT current_setting('server_version_num')::int / 10000",
                &[],
            )
            .await
            .map_err(|e| err(format!("cannot read the server version: {e}")))?;
        Ok(row.get::<_, i32>(0) as u32)
    }

    /// Whether `CREATE EXTENSION name` can work on the server.
    pub async fn has_extension(&self, name: &str) -> Result<bool, TestingError> {
        if let Target::Local(server) = self {
            return Ok(server.has_extension(name));
        }
        let client = connect(self.admin_config()?).await?;
        let row = client
            .query_one(
                "SELECT count(*) FROM pg_available_extensions WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(|e| err(format!("cannot list extensions: {e}")))?;
        Ok(row.get::<_, i64>(0) > 0)
    }
}

fn database_url_config() -> Result<Config, TestingError> {
    let url = std::env::var("DATABASE_URL").map_err(|_| err("DATABASE_URL is not set"))?;
    url.parse::<Config>().map_err(|e| {
        err(format!(
            "DATABASE_URL is not a valid connection string: {e}"
        ))
    })
}

/// Every server tests should run on: `DATABASE_URL`'s when it is set, otherwise one local
/// cluster per PostgreSQL build found, oldest first. Never empty.
pub fn targets() -> Result<Vec<Target>, TestingError> {
    if std::env::var_os("DATABASE_URL").is_some() {
        return Ok(vec![Target::External]);
    }
    let servers = local_servers()?;
    Ok(servers.iter().map(Target::Local).collect())
}

/// The server most tests use: `DATABASE_URL`'s, or the oldest local build.
pub fn default_target() -> Result<Target, TestingError> {
    Ok(targets()?[0])
}

async fn connect(config: Config) -> Result<Client, TestingError> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| err(format!("cannot connect: {e}")))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// A database of its own for one test, dropped (with its connections) when this is dropped.
#[derive(Debug)]
pub struct TestDb {
    admin: Config,
    config: Config,
    name: String,
}

impl TestDb {
    /// A fresh database on the [`default_target`].
    pub async fn new() -> Result<TestDb, TestingError> {
        TestDb::on(default_target()?).await
    }

    /// A fresh database on `target`.
    pub async fn on(target: Target) -> Result<TestDb, TestingError> {
        let admin = target.admin_config()?;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let client = connect(admin.clone()).await?;
        client
            .batch_execute(&format!(
                "CREATE DATABASE {}",
                crate::sql::quote_ident(&name)
            ))
            .await
            .map_err(|e| err(format!("cannot create the test database: {e}")))?;
        let mut config = admin.clone();
        config.dbname(&name);
        Ok(TestDb {
            admin,
            config,
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The connection settings of the test database.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The test database as a connection URL (for command-line tools under test).
    pub fn url(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_string(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let user = self.config.get_user().unwrap_or("postgres");
        let password = self
            .config
            .get_password()
            .map(|p| format!(":{}", String::from_utf8_lossy(p)))
            .unwrap_or_default();
        format!("postgresql://{user}{password}@{host}:{port}/{}", self.name)
    }

    /// A new connection to the test database.
    pub async fn connect(&self) -> Result<Client, TestingError> {
        connect(self.config.clone()).await
    }

    /// A [`Db`](crate::exec::Db) on this database, driving its connection itself
    /// ([`Db::drive`](crate::exec::Db::drive)), as [`Db::connect`](crate::exec::Db::connect) does.
    pub async fn db(&self) -> Result<crate::exec::Db, TestingError> {
        let (client, connection) = self
            .config
            .connect(NoTls)
            .await
            .map_err(|e| err(format!("cannot connect: {e}")))?;
        Ok(crate::exec::Db::drive(client, connection))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            crate::sql::quote_ident(&self.name)
        );
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let client = connect(admin).await.ok()?;
                client.batch_execute(&sql).await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("warning: test database {} was not dropped", self.name);
        }
    }
}
