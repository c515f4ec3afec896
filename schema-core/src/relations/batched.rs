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

    /// The parents' statement: their columns, then the key their related rows are grouped by.
    fn parents_sql(&self, parents: &Select<P, P>) -> (String, Vec<Param>) {
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

    /// The related rows' statement: the key each belongs to, then the row's columns (and the
    /// values of its own nested relations) as plain columns, for the parents' keys only.
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
        relation.write_key(&mut w, alias);
        w.push(" AS \"schema_core.key\", ");
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
        let mut first: HashMap<&[u8], usize> = HashMap::with_capacity(parents.len());
        let mut next = vec![END; parents.len()];
        for (i, row) in parents.iter().enumerate().rev() {
            let key: Option<RawValue<'_>> = exec::get(row, P::WIDTH)?;
            if let Some(key) = key {
                if let Some(after) = first.insert(key.0, i) {
                    next[i] = after;
                }
            }
        }
        // Each related row, in its order, decoded under every parent of its key; a row of a
        // key that no parent has (the parents' filter named more keys than it kept) is skipped.
        let mut items: Vec<Vec<N::Item>> = (0..parents.len()).map(|_| Vec::new()).collect();
        for row in &children {
            let key: Option<RawValue<'_>> = exec::get(row, 0)?;
            let Some(&parent) = key.and_then(|key| first.get(key.0)) else {
                continue;
            };
            let mut at = parent;
            while at != END {
                items[at].push(N::decode_row(row, 1)?);
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
