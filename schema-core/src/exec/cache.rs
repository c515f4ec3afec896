//! The statement caches: prepared statements per connection, by SQL text, and which cache a
//! statement goes through.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio_postgres::{Client, Statement};

use super::{Error, Executor, ParamTypes};

/// Prepared statements of one connection, by SQL text. The builders render the same text for
/// the same query shape, so each shape is parsed and planned once per connection.
#[derive(Debug, Default)]
pub struct StatementCache {
    statements: Mutex<HashMap<String, Statement>>,
}

impl StatementCache {
    fn get(&self, sql: &str) -> Option<Statement> {
        self.statements
            .lock()
            .expect("statement cache lock")
            .get(sql)
            .cloned()
    }

    fn remove(&self, sql: &str) {
        self.statements
            .lock()
            .expect("statement cache lock")
            .remove(sql);
    }

    fn insert(&self, sql: &str, statement: Statement) {
        self.statements
            .lock()
            .expect("statement cache lock")
            .insert(sql.to_string(), statement);
    }

    /// How many statements are cached.
    pub fn len(&self) -> usize {
        self.statements.lock().expect("statement cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The statement cache of a connection: ours, or a pooled connection's own.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
#[derive(Clone, Copy)]
pub enum Cache<'a> {
    Own(&'a StatementCache),
    /// Through a transaction-mode pooler: no named statement outlives its transaction.
    Unprepared {
        types: &'a ParamTypes,
        in_transaction: bool,
    },
    #[cfg(feature = "pool")]
    Pool(&'a deadpool_postgres::StatementCache),
}

pub(super) async fn prepared(
    exec: &(impl Executor + ?Sized),
    sql: &str,
) -> Result<Statement, Error> {
    let (client, cache) = exec.connection();
    match cache {
        Cache::Unprepared { .. } => unreachable!("unprepared statements are not prepared"),
        Cache::Own(cache) => {
            if let Some(statement) = cache.get(sql) {
                return Ok(statement);
            }
            let statement = client
                .prepare(sql)
                .await
                .map_err(|e| Error::from_postgres(e, Some(sql)))?;
            cache.insert(sql, statement.clone());
            Ok(statement)
        }
        #[cfg(feature = "pool")]
        Cache::Pool(cache) => cache
            .prepare(client, sql)
            .await
            .map_err(|e| Error::from_postgres(e, Some(sql))),
    }
}

/// Removes what the connection keeps of `sql`, so that it is prepared (or described) again.
pub(super) fn evict(client: &Client, cache: Cache<'_>, sql: &str) {
    match cache {
        Cache::Own(cache) => {
            cache.remove(sql);
            // A type dropped and made again has a new oid: look types up afresh.
            client.clear_type_cache();
        }
        Cache::Unprepared { types, .. } => types.forget(sql),
        #[cfg(feature = "pool")]
        Cache::Pool(cache) => {
            cache.remove(sql, &[]);
            client.clear_type_cache();
        }
    }
}
