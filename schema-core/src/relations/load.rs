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
pub(super) fn decode_relation<V: RelationValue>(row: &Row, index: usize) -> Result<V, Error> {
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
        C: Table + FromRecord + FromRow,
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

/// Another relation beside the ones loaded: `(User, Vec<Project>, Vec<AiUsageLog>)` rows, up to
/// [`MAX_RELATIONS`](super::MAX_RELATIONS).
macro_rules! with_another {
    ($($name:ident),+) => {
        impl<T: Table + FromRow, $($name: RelationValue),+> Select<T, (T, $($name),+)> {
            /// Loads another relation beside the others.
            #[allow(unused_assignments)]
            pub fn with<R: LoadRelation<T>>(self, relation: R) -> Select<T, (T, $($name,)+ R::Output)> {
                add_relation(self, relation, |row| {
                    let mut at = T::WIDTH;
                    let parent = T::from_row(row, 0)?;
                    Ok((parent, $({
                        let value: $name = decode_relation(row, at)?;
                        at += 1;
                        value
                    },)+ decode_relation(row, at)?))
                })
            }
        }
    };
}

with_another!(A);
with_another!(A, B);
with_another!(A, B, D);
with_another!(A, B, D, E);
with_another!(A, B, D, E, F);
with_another!(A, B, D, E, F, G);
with_another!(A, B, D, E, F, G, H);

/// Past the limit: a `with` that says so.
#[diagnostic::on_unimplemented(
    message = "at most 8 relations load side by side in one query",
    label = "a ninth relation",
    note = "load the others nested under a relation (`users::projects.with(projects::tasks)`), or with a second query"
)]
pub trait WithinRelationLimit: sealed::Sealed {}

mod sealed {
    /// Implemented by nothing, so that no type is [`WithinRelationLimit`](super::WithinRelationLimit).
    pub trait Sealed {}
}

impl<T, A, B, D, E, F, G, H, J> Select<T, (T, A, B, D, E, F, G, H, J)>
where
    T: Table + FromRow,
{
    /// There is no ninth: a compile error that says the limit.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn with<R>(self, _relation: R) -> Self where T: WithinRelationLimit {
        self
    }
}

/// `with` on a query of chosen columns: a compile error that says where the relation goes.
/// (Rows of whole tables take `with` from `Select` itself, which comes first.)
pub trait WithAfterColumns: Sized {
    /// A relation after `.columns(…)` goes among the columns instead.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    fn with<'a, R>(self, _relation: R) -> Self where &'a (): RelationAmongColumns<R> {
        self
    }
}

impl<S: crate::query::Source, O> WithAfterColumns for Select<S, O> {}

/// Never implemented: the bound of `with` after `.columns(…)`.
#[diagnostic::on_unimplemented(
    message = "after `.columns(…)`, a relation goes among the columns",
    label = "`with` loads relations beside whole rows",
    note = "put it in the selection: `.columns((users::id, users::name, users::projects))` reads `(Uuid, String, Vec<Project>)`"
)]
pub trait RelationAmongColumns<R> {}
