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
    statements: Mutex<HashMap<String, Statement, TextHash>>,
}

/// The hash of the cache's keys: FxHash's word-at-a-time mix, several times cheaper than the
/// standard SipHash on a statement's text (measured: ~650 instructions a lookup with SipHash).
/// Its keys are statements this process renders or was handed, so there is no outside input
/// to flood it with colliding keys. (Also the hash of maps keyed by `TypeId`, itself a hash.)
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TextHash;

impl std::hash::BuildHasher for TextHash {
    type Hasher = FxHasher;

    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

#[derive(Debug)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Each 8 bytes of `bytes` as a little-endian word, the last zero-padded: what a hash mixes in.
#[inline]
pub(crate) fn for_each_word(bytes: &[u8], mut add: impl FnMut(u64)) {
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        add(u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        add(u64::from_le_bytes(word));
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for_each_word(bytes, |word| self.add(word));
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl StatementCache {
    pub(super) fn get(&self, sql: &str) -> Option<Statement> {
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
