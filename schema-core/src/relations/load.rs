//! Loading relations with a query's rows: `with` (the relation's value in each row, one
//! statement) and `with_batched` (a second statement in the same round trip).

use tokio_postgres::Row;

use super::{Batched, Cardinality, FromRecord, LoadRelation, Nested, Relation, RelationValue};
use crate::error::Error;
use crate::query::render::SqlWriter;
use crate::query::Select;
use crate::row::{FromRow, RawValue};
use crate::schema::Table;

/// `query` with `relation`'s value after its columns, its rows decoded with `decode`.
fn add_relation<T: Table + FromRow, O, R, O2>(
    query: Select<T, O>,
    relation: R,
    decode: fn(&Row) -> Result<O2, Error>,
) -> Select<T, O2>
where
    R: LoadRelation<T>,
{
    let parent: &'static str = T::table().name.as_ref();
    query
        .with_extra_value(std::sync::Arc::new(move |w: &mut SqlWriter| {
            relation.write(w, parent)
        }))
        .recast(decode)
}

/// Decodes the value of a relation from column `index` of a row.
fn decode_relation<V: RelationValue>(row: &Row, index: usize) -> Result<V, Error> {
    let raw: Option<RawValue<'_>> = crate::row::get(row, index)?;
    V::decode(raw.map(|r| r.0))
}

/// Batched loading: a relation in a second statement of the same round trip.
impl<T: Table + FromRow> Select<T, T> {
    /// Loads `relation` with a second statement instead of inside this one: `SELECT` of the
    /// related rows whose key is `IN` this query's keys, sent in the same round trip, grouped
    /// here. For relations too large for one value per row (a parent with 100,000 children is
    /// one 10 MB array with [`Select::with`], and PostgreSQL caps a value at 1 GB). Filters,
    /// order, `limit` (per parent) and nested `with` of the relation apply as with `with`.
    pub fn with_batched<C, K, N>(self, relation: Relation<T, C, K, N>) -> Batched<T, C, K, N>
    where
        C: Table + FromRecord,
        K: Cardinality + 'static,
        N: Nested<C> + Send + Sync + 'static,
    {
        Batched::new(self, relation)
    }
}

/// Eager loading: each `with` adds a relation's value to every row, in the same statement.
impl<T: Table + FromRow> Select<T, T> {
    /// Loads `relation` with every row: `User::select().with(users::projects)` gives
    /// `(User, Vec<Project>)` rows.
    pub fn with<R: LoadRelation<T>>(self, relation: R) -> Select<T, (T, R::Output)> {
        add_relation(self, relation, |row| {
            Ok((T::from_row(row, 0)?, decode_relation(row, T::WIDTH)?))
        })
    }
}

impl<T: Table + FromRow, A: RelationValue> Select<T, (T, A)> {
    /// Loads another relation beside the first: `(User, Vec<Project>, Vec<AiUsageLog>)` rows.
    pub fn with<R: LoadRelation<T>>(self, relation: R) -> Select<T, (T, A, R::Output)> {
        add_relation(self, relation, |row| {
            Ok((
                T::from_row(row, 0)?,
                decode_relation(row, T::WIDTH)?,
                decode_relation(row, T::WIDTH + 1)?,
            ))
        })
    }
}

impl<T: Table + FromRow, A: RelationValue, B: RelationValue> Select<T, (T, A, B)> {
    /// Loads a third relation beside the others.
    pub fn with<R: LoadRelation<T>>(self, relation: R) -> Select<T, (T, A, B, R::Output)> {
        add_relation(self, relation, |row| {
            Ok((
                T::from_row(row, 0)?,
                decode_relation(row, T::WIDTH)?,
                decode_relation(row, T::WIDTH + 1)?,
                decode_relation(row, T::WIDTH + 2)?,
            ))
        })
    }
}
