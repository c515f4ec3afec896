//! Statements through a transaction-mode pooler (PgBouncer, Neon's `-pooler` endpoints): no named
//! statement may outlive its transaction, so the parameter types a prepared statement would have
//! told are learnt once per SQL text and kept on the client side, and the database's types are
//! learnt once per connection.
//!
//! Every step here can be cancelled at any await without leaving the connection inside a
//! transaction: a describe is one simple-query message that the server runs whole whether or not
//! anyone waits for its answer, and the type-learning transaction is rolled back by a guard when
//! its future is dropped.

use std::collections::HashMap;
use std::sync::Mutex;

use postgres_types::Type;
use tokio_postgres::{Client, SimpleQueryMessage};

use super::cleanup::RollbackGuard;
use super::Error;

/// Parameter types by SQL text, and the database's own types by oid, for connections through a
/// transaction-mode pooler.
///
/// tokio-postgres learns a type it does not know (an enum, `vector`) with named statements that
/// it keeps for the next type; through a pooler those would be left on, and later looked for on,
/// whichever server connection the pooler gave. So a connection learns every type of the
/// database first, in one transaction whose statements go before it ends, and never needs to
/// again (a type created later needs a new connection).
#[derive(Debug, Default)]
pub struct ParamTypes {
    types: Mutex<HashMap<String, Vec<Type>>>,
    /// The types learnt from the database (those tokio-postgres does not know by itself).
    by_oid: Mutex<HashMap<u32, Type>>,
    /// The connection has learnt the database's types (set from the start for a pool, whose
    /// connections learn them when they are made).
    learnt: tokio::sync::OnceCell<()>,
    /// Learning was cut short (its future dropped): the transaction was rolled back, but
    /// tokio-postgres keeps a type-lookup statement that is gone from the server, so the
    /// connection cannot learn types again.
    cut_short: std::sync::atomic::AtomicBool,
}

/// The name of the SQL-level prepared statement a describe makes and removes in one message.
const DESCRIBED: &str = "__schema_core_describe";

impl ParamTypes {
    /// For a pool whose connections learn the types when they are made.
    #[cfg(all(feature = "pool", feature = "tls"))]
    pub(super) fn learnt_per_connection() -> ParamTypes {
        ParamTypes {
            learnt: tokio::sync::OnceCell::new_with(Some(())),
            ..ParamTypes::default()
        }
    }

    /// Learns the database's types on `client` once (outside a transaction).
    pub(super) async fn learn(&self, client: &Client) -> Result<(), Error> {
        if self.learnt.initialized() {
            return Ok(());
        }
        if self.cut_short.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::Broken(
                "a future was dropped while this connection learnt the database's types; \
                 it was rolled back, but the connection cannot learn them again: open a new one \
                 (`Db::connect` learns them before it returns)"
                    .into(),
            ));
        }
        self.learnt
            .get_or_try_init(|| learn_types(client, self))
            .await
            .map(|_| ())
    }

    /// Forgets what was learnt of `sql` (its parameter types changed with the schema).
    pub(super) fn forget(&self, sql: &str) {
        self.types.lock().expect("param types lock").remove(sql);
    }

    fn remember_types(&self, types: impl IntoIterator<Item = Type>) {
        let mut by_oid = self.by_oid.lock().expect("param types lock");
        for ty in types {
            by_oid.insert(ty.oid(), ty);
        }
    }

    fn type_of(&self, oid: u32) -> Option<Type> {
        Type::from_oid(oid).or_else(|| {
            self.by_oid
                .lock()
                .expect("param types lock")
                .get(&oid)
                .cloned()
        })
    }

    /// The parameter types of `sql`, asked of the server once per SQL text.
    ///
    /// The server prepares, reports and deallocates the statement in one simple-query message:
    /// one round trip, one server connection (a pooler releases it only when the message is
    /// done), nothing left behind, and, inside or outside a transaction, nothing for a dropped
    /// future to leave half done.
    pub(super) async fn get_or_describe(
        &self,
        client: &Client,
        sql: &str,
        parameters: usize,
    ) -> Result<Vec<Type>, Error> {
        if parameters == 0 {
            // Nothing to type (and utility statements, which cannot be prepared with
            // `PREPARE`, never take parameters).
            return Ok(Vec::new());
        }
        if let Some(types) = self.types.lock().expect("param types lock").get(sql) {
            return Ok(types.clone());
        }
        // One statement, as the extended protocol would insist: the describe is a simple query,
        // which would run a second statement instead of refusing it.
        if crate::sql::lex::statements(sql).len() > 1 {
            return Err(Error::InvalidQuery(format!(
                "`{sql}` has more than one statement: send them one at a time"
            )));
        }
        // The newline ends a trailing line comment of `sql` before the `;`.
        let message = format!(
            "PREPARE {DESCRIBED} AS {sql}\n;\n\
             SELECT array_to_string(parameter_types::oid[], ',') FROM pg_prepared_statements \
             WHERE name = '{DESCRIBED}';\n\
             DEALLOCATE {DESCRIBED}"
        );
        let replies = client
            .simple_query(&message)
            .await
            .map_err(|e| Error::from_postgres(e, Some(sql)))?;
        let oids = replies
            .iter()
            .find_map(|reply| match reply {
                SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or_default().to_string()),
                _ => None,
            })
            .ok_or_else(|| Error::Protocol(format!("the server did not describe `{sql}`")))?;
        let mut types = Vec::new();
        for oid in oids.split(',').filter(|s| !s.is_empty()) {
            let oid: u32 = oid
                .parse()
                .map_err(|_| Error::Protocol(format!("the server described a type as {oid:?}")))?;
            types.push(self.type_of(oid).ok_or_else(|| Error::UnknownType {
                oid,
                sql: sql.to_string(),
            })?);
        }
        self.types
            .lock()
            .expect("param types lock")
            .insert(sql.to_string(), types.clone());
        Ok(types)
    }
}

/// Teaches `client` every type of its database that tokio-postgres does not know by itself,
/// in one transaction that leaves no statement behind; `into` keeps them by oid.
pub(crate) async fn learn_types(client: &Client, into: &ParamTypes) -> Result<(), Error> {
    const TYPES: &str = "SELECT format_type(t.oid, NULL) FROM pg_type t \
         JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' \
         AND t.typisdefined AND t.typtype IN ('b', 'd', 'e', 'm', 'r') ORDER BY t.oid";
    // Armed before `BEGIN` is sent: a future dropped anywhere until `COMMIT` is sent rolls the
    // transaction back and removes what it prepared.
    let mut guard = RollbackGuard::new(client, "ROLLBACK; DEALLOCATE ALL").on_drop(|| {
        into.cut_short
            .store(true, std::sync::atomic::Ordering::Relaxed)
    });
    client
        .batch_execute("BEGIN")
        .await
        .map_err(|e| Error::from_postgres(e, Some("BEGIN")))?;
    let learnt = async {
        let names: Vec<String> = client
            .simple_query(TYPES)
            .await?
            .iter()
            .filter_map(|message| match message {
                SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                _ => None,
            })
            .collect();
        // Describing `SELECT NULL::t, …` makes tokio-postgres look each type up (and its
        // elements', for arrays) and keep it.
        for chunk in names.chunks(500) {
            let casts: Vec<String> = chunk.iter().map(|name| format!("NULL::{name}")).collect();
            let statement = client
                .prepare(&format!("SELECT {}", casts.join(", ")))
                .await?;
            into.remember_types(statement.columns().iter().map(|c| c.type_().clone()));
        }
        client.batch_execute("DEALLOCATE ALL").await
    }
    .await;
    let end = if learnt.is_ok() { "COMMIT" } else { "ROLLBACK" };
    guard.disarm();
    client
        .batch_execute(end)
        .await
        .map_err(|e| Error::from_postgres(e, Some(end)))?;
    learnt.map_err(|e| Error::from_postgres(e, Some("learning the database's types")))
}
