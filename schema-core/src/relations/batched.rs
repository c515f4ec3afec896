//! Batched loading: a relation in a statement of its own, sent in the same round trip as its
//! parents' and grouped on the client. For relations too wide to be one array value per row.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Cardinality, FromRecord, Nested, Relation};
use crate::exec::{self, Cache, Error, Executor, FromRow};
use crate::query::expr::{Node, Param};
use crate::query::render::SqlWriter;
use crate::query::Select;
use crate::row::RawValue;
use crate::schema::Table;

/// A query of `P` rows, each with its relation to `C` loaded by a second statement:
/// `User::select().with_batched(users::projects).all(&db)` gives `(User, Vec<Project>)` rows.
pub struct Batched<P: Table + FromRow, C, K, N> {
    parents: Select<P, P>,
    relation: Relation<P, C, K, N>,
}

impl<P: Table + FromRow, C, K, N> std::fmt::Debug for Batched<P, C, K, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Batched({})", self.relation.name)
    }
}

impl<P, C, K, N> Batched<P, C, K, N>
where
    P: Table + FromRow,
    C: Table + FromRecord + FromRow,
    K: Cardinality + 'static,
    N: Nested<C> + Send + Sync + 'static,
{
    pub(crate) fn new(parents: Select<P, P>, relation: Relation<P, C, K, N>) -> Self {
        Batched { parents, relation }
    }

    /// Where the parents' rows have the key their related rows are grouped by: among their own
    /// columns when the query selects the table's columns (the usual case), else a column of its
    /// own after them.
    fn parent_key_at(&self, parents: &Select<P, P>) -> KeyAt {
        own_column::<P>(self.relation.parent_key)
            .filter(|_| parents.selects_source_columns())
            .map_or(KeyAt::Added(P::WIDTH), KeyAt::Own)
    }

    /// Where the related rows have their parent's key: the child's own column (its foreign key,
    /// or for belongs-to its referenced key), else (many-to-many: the join table's column) a
    /// column of its own before the row's.
    fn child_key_at(&self) -> KeyAt {
        match self.relation.through {
            None => own_column::<C>(self.relation.child_key).map_or(KeyAt::Added(0), KeyAt::Own),
            Some(_) => KeyAt::Added(0),
        }
    }

    /// The parents' statement: their columns, then (when not among them) the key their related
    /// rows are grouped by.
    fn parents_sql(&self, parents: &Select<P, P>) -> (String, Vec<Param>) {
        if let KeyAt::Own(_) = self.parent_key_at(parents) {
            return parents.sql();
        }
        let table: &'static str = P::table().name.as_ref();
        let schema: Option<&'static str> = P::table().schema.as_deref();
        let key = self.relation.parent_key;
        parents
            .clone()
            .with_extra_value(Arc::new(move |w: &mut SqlWriter| {
                w.column(schema, table, key)
            }))
            .sql()
    }

    /// The related rows' statement: the key each belongs to (unless it is one of the row's),
    /// then the row's columns (and the values of its own nested relations) as plain columns, for
    /// the parents' keys only.
    fn children_sql(&self, parents: &Select<P, P>) -> (String, Vec<Param>) {
        let relation = &self.relation;
        let child_name: &'static str = C::table().name.as_ref();
        let alias = "t1";
        let limited = relation.limit.is_some() || relation.offset.is_some();
        let mut w = SqlWriter::new(false);
        if limited {
            // The rank is read by name, and comes last: every other column is read by position.
            // The names are ours, dotted, so that no column of the child's can take them.
            w.push("SELECT * FROM (");
        }
        w.push("SELECT ");
        if let KeyAt::Added(_) = self.child_key_at() {
            relation.write_key(&mut w, alias);
            w.push(" AS \"schema_core.key\", ");
        }
        w.push_alias(child_name, alias.to_string());
        relation.write_fields(&mut w, alias);
        if limited {
            // The first `limit` rows of each parent, in the relation's order.
            w.push(", row_number() OVER (PARTITION BY ");
            relation.write_key(&mut w, alias);
            w.order_by(&relation.order);
            w.push(") AS \"schema_core.n\"");
        }
        relation.write_source(&mut w, alias);
        // The parents' keys. When the parents' filter names them (`key = ANY($1)`, `key = $1`),
        // those values: a superset of the parents' keys (the filter may have other conditions),
        // no larger than the list, and the related rows of a key that no parent has are left
        // out when they are grouped. Otherwise the parents' query, with the parent table's own
        // names (not the alias, which a self-reference would share), as `= ANY(ARRAY(…))`, not
        // `IN (…)`: PostgreSQL computes the array once (an init plan) and looks each key up in
        // the child's index, where it plans `IN (…)` on PostgreSQL 15 as a scan of every child
        // row (0.41 ms against 1.22 ms for 100 parents of 10,000 children, in issue 13's
        // profile).
        w.pop_alias();
        w.push(" WHERE ");
        relation.write_key(&mut w, alias);
        let parent = P::table();
        match parents.named_keys(
            parent.schema.as_deref(),
            parent.name.as_ref(),
            relation.parent_key,
        ) {
            Some((values, true)) => {
                w.push(" = ANY(");
                w.param(values);
                w.push(")");
            }
            Some((value, false)) => {
                w.push(" = ");
                w.param(value);
            }
            None => {
                w.push(" = ANY(ARRAY(");
                let parent_key = Node::Column {
                    schema: parent.schema.as_deref(),
                    table: parent.name.as_ref(),
                    name: relation.parent_key,
                };
                (parents.keys_subquery(parent_key))(&mut w);
                w.push("))");
            }
        }
        w.push_alias(child_name, alias.to_string());
        relation.write_conditions(&mut w, alias);
        if limited {
            w.pop_alias();
            // Rows `offset + 1 ..= offset + limit` of each parent.
            let offset = relation.offset.unwrap_or(0);
            w.push(") AS \"s\" WHERE ");
            if let Some(limit) = relation.limit {
                w.push("\"schema_core.n\" <= ");
                w.param(Arc::new(offset.saturating_add(limit)));
            }
            if relation.offset.is_some() {
                w.push(if relation.limit.is_some() {
                    " AND \"schema_core.n\" > "
                } else {
                    "\"schema_core.n\" > "
                });
                w.param(Arc::new(offset));
            }
            w.push(" ORDER BY \"schema_core.n\"");
        } else {
            w.order_by(&relation.order);
            w.pop_alias();
        }
        w.finish()
    }

    /// The two statements: the parents', then the related rows'.
    pub fn sql(&self) -> [(String, Vec<Param>); 2] {
        [
            self.parents_sql(&self.parents),
            self.children_sql(&self.parents),
        ]
    }

    /// Every parent row with its related rows. Two statements, pipelined into one round trip
    /// on a direct connection (one after the other through a pooler).
    pub async fn all(
        &self,
        exec: &(impl Executor + ?Sized),
    ) -> Result<Vec<(P, K::Wrap<N::Item>)>, Error> {
        self.load(exec, &self.parents).await
    }

    /// Exactly one parent row, with its related rows: [`Error::NotFound`] when there is none,
    /// [`Error::TooManyRows`] when there are more.
    pub async fn one(
        &self,
        exec: &(impl Executor + ?Sized),
    ) -> Result<(P, K::Wrap<N::Item>), Error> {
        match self.optional(exec).await? {
            Some(found) => Ok(found),
            None => Err(Error::NotFound {
                table: P::table().name.to_string(),
                sql: self.parents_sql(&self.parents).0,
            }),
        }
    }

    /// At most one parent row, with its related rows: `None` when there is none,
    /// [`Error::TooManyRows`] when there are more.
    pub async fn optional(
        &self,
        exec: &(impl Executor + ?Sized),
    ) -> Result<Option<(P, K::Wrap<N::Item>)>, Error> {
        let parents = self.parents.clone().limit(2);
        let mut rows = self.load(exec, &parents).await?;
        if rows.len() > 1 {
            return Err(Error::TooManyRows {
                table: P::table().name.to_string(),
                sql: self.parents_sql(&parents).0,
            });
        }
        Ok(rows.pop())
    }

    /// Both statements on one server: through a handle over replicas, one reader, so that the
    /// children are read from the data the parents were.
    async fn load(
        &self,
        exec: &(impl Executor + ?Sized),
        parents: &Select<P, P>,
    ) -> Result<Vec<(P, K::Wrap<N::Item>)>, Error> {
        match exec.replicated() {
            Some(set) => self.load_on(&*set.reader().await, parents).await,
            None => self.load_on(exec, parents).await,
        }
    }

    async fn load_on(
        &self,
        exec: &(impl Executor + ?Sized),
        parents: &Select<P, P>,
    ) -> Result<Vec<(P, K::Wrap<N::Item>)>, Error> {
        let (parent_key, child_key) = (self.parent_key_at(parents), self.child_key_at());
        let (parents_sql, parents_params) = self.parents_sql(parents);
        let (children_sql, children_params) = self.children_sql(parents);
        let parents = exec::query(exec, &parents_sql, &parents_params);
        let children = exec::query(exec, &children_sql, &children_params);
        let (parents, children) = if matches!(exec.connection().1, Cache::Unprepared { .. }) {
            (parents.await?, children.await?)
        } else {
            tokio::try_join!(parents, children)?
        };
        // The parents by key: the first of each key, and after each the next with its key (a
        // belongs-to's parents share keys). A key's bytes are the same on both sides (the
        // relation's key types are the same).
        const END: usize = usize::MAX;
        let mut first: HashMap<&[u8], usize, KeyHash> =
            HashMap::with_capacity_and_hasher(parents.len(), KeyHash::new());
        let mut next = vec![END; parents.len()];
        for (i, row) in parents.iter().enumerate().rev() {
            let key: Option<RawValue<'_>> = exec::get(row, parent_key.index())?;
            if let Some(key) = key {
                if let Some(after) = first.insert(key.0, i) {
                    next[i] = after;
                }
            }
        }
        // Each related row, in its order, decoded under every parent of its key; a row of a
        // key that no parent has (the parents' filter named more keys than it kept) is skipped.
        let mut items: Vec<Vec<N::Item>> = (0..parents.len()).map(|_| Vec::new()).collect();
        let start = child_key.row_start();
        for row in &children {
            let key: Option<RawValue<'_>> = exec::get(row, child_key.index())?;
            let Some(&parent) = key.and_then(|key| first.get(key.0)) else {
                continue;
            };
            let mut at = parent;
            while at != END {
                items[at].push(N::decode_row(row, start)?);
                at = next[at];
            }
        }
        parents
            .iter()
            .zip(items)
            .map(|(row, items)| Ok((P::from_row(row, 0)?, K::collect(items))))
            .collect()
    }
}

/// Where a row has the key its side of a relation is matched by.
#[derive(Debug, Clone, Copy)]
enum KeyAt {
    /// One of the row's own columns, at this position.
    Own(usize),
    /// A column selected for it, at this position: after the parents' columns, before the
    /// related row's.
    Added(usize),
}

impl KeyAt {
    fn index(self) -> usize {
        match self {
            KeyAt::Own(at) | KeyAt::Added(at) => at,
        }
    }

    /// Where a related row's own columns start: after a key column selected for it.
    fn row_start(self) -> usize {
        match self {
            KeyAt::Own(_) => 0,
            KeyAt::Added(at) => at + 1,
        }
    }
}

/// The position of `column` among the columns `T`'s rows are read from, when `T` reads the
/// table's columns in their order.
fn own_column<T: Table + FromRow>(column: &str) -> Option<usize> {
    let columns = &T::table().columns;
    if columns.len() != T::WIDTH {
        return None;
    }
    columns.iter().position(|c| c.name == column)
}

/// The hash of the keys parents are found by (bytes the server sent): foldhash's folded
/// multiply of each 8-byte word, several times cheaper than the standard SipHash (which took
/// ~3 % of a 100 × 10 load's client instructions), keyed by a seed drawn for each load, so that
/// key values chosen to collide under one seed do not under the next.
#[derive(Debug, Clone, Copy)]
struct KeyHash(u64);

impl KeyHash {
    fn new() -> Self {
        use std::hash::BuildHasher;
        KeyHash(std::hash::RandomState::new().hash_one(0x5eed_u16))
    }
}

impl std::hash::BuildHasher for KeyHash {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher {
            seed: self.0,
            state: self.0,
        }
    }
}

#[derive(Debug)]
struct KeyHasher {
    seed: u64,
    state: u64,
}

/// The high and low halves of the 128-bit product, xored: every bit of each input reaches the
/// low bits a hash table indexes by.
#[inline]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl KeyHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.state = folded_multiply(self.state ^ word, self.seed ^ 0x243f_6a88_85a3_08d3);
    }
}

impl std::hash::Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        crate::exec::for_each_word(bytes, |word| self.add(word));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        folded_multiply(self.state, self.seed | 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn keys_of_every_length_are_found_and_told_apart() {
        // Lengths around the 8-byte words, and keys that differ only by trailing zero bytes
        // (the length is hashed too).
        let keys: Vec<Vec<u8>> = (0..=24usize)
            .flat_map(|len| (0..40u8).map(move |b| vec![b; len]))
            .chain([vec![1, 0], vec![1, 0, 0], vec![1]])
            .collect();
        let mut map: HashMap<&[u8], usize, KeyHash> =
            HashMap::with_capacity_and_hasher(keys.len(), KeyHash::new());
        for (i, key) in keys.iter().enumerate() {
            map.entry(key).or_insert(i);
        }
        for (i, key) in keys.iter().enumerate() {
            let first = keys.iter().position(|k| k == key).unwrap();
            assert_eq!(map.get(key.as_slice()), Some(&first), "key {i}");
        }
        let hash = KeyHash::new();
        assert_ne!(
            hash.hash_one([1u8].as_slice()),
            hash.hash_one([1u8, 0].as_slice())
        );
    }

    #[test]
    fn each_load_draws_its_own_seed() {
        let key: &[u8] = &[7; 16];
        assert_ne!(KeyHash::new().hash_one(key), KeyHash::new().hash_one(key));
    }
}
