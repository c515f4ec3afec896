//! Upserts: `ON CONFLICT` on a unique key of the table, checked by type, `DO NOTHING` or
//! `DO UPDATE SET` with `excluded` values.

use super::{Insert, Writable};
use crate::query::expr::{Expr, IntoExpr, Node};
use crate::query::Column;
use crate::schema::Table;

/// The columns an `ON CONFLICT` names: a column, or a tuple of columns, that a unique
/// constraint or index of `T` covers exactly (in any order), which PostgreSQL can infer the
/// arbiter from. Anything else is a compile error, not a failure at the first conflict.
#[diagnostic::on_unimplemented(
    message = "no unique constraint or index of `{T}` is on exactly these columns, so `ON CONFLICT` cannot name them",
    label = "not a unique key of `{T}`",
    note = "declare one (`#[column(unique)]`, `#[table(unique(a, b))]`, a unique index), or name a constraint: `on_conflict_constraint(\"name\")`"
)]
pub trait ConflictTarget<T, K = WholeKey> {
    #[doc(hidden)]
    fn names(&self) -> Vec<&'static str>;
}

/// The column markers (one type per column, `#[table]` emits them) of a unique key of `T`:
/// implemented by `#[table]` for each primary key, unique constraint and unique index on
/// plain columns, in every order of its columns; `K` is [`WholeKey`], or [`PartialKey`] for a
/// unique index with a predicate (which `ON CONFLICT` names with it).
#[doc(hidden)]
pub trait UniqueKey<T, K = WholeKey> {}

/// A unique key over every row of the table.
#[derive(Debug)]
pub enum WholeKey {}

/// A unique index with a predicate (`where = "deleted_at IS NULL"`): unique among the rows the
/// predicate holds for, and an `ON CONFLICT` target only with it.
#[derive(Debug)]
pub enum PartialKey {}

#[diagnostic::do_not_recommend]
impl<T, V, K, N: UniqueKey<T, K>> ConflictTarget<T, K> for Column<T, V, N> {
    fn names(&self) -> Vec<&'static str> {
        vec![self.name()]
    }
}

macro_rules! conflict_tuple {
    ($(($v:ident, $n:ident)),+) => {
        #[diagnostic::do_not_recommend]
        impl<T, K, $($v, $n),+> ConflictTarget<T, K> for ($(Column<T, $v, $n>,)+)
        where
            ($($n,)+): UniqueKey<T, K>,
        {
            #[allow(non_snake_case)]
            fn names(&self) -> Vec<&'static str> {
                let ($($v,)+) = self;
                vec![$($v.name()),+]
            }
        }
    };
}

conflict_tuple!((A, NA));

conflict_tuple!((A, NA), (B, NB));

conflict_tuple!((A, NA), (B, NB), (C, NC));

conflict_tuple!((A, NA), (B, NB), (C, NC), (D, ND));

/// A one-column key is also one as a 1-tuple.
impl<T, K, N: UniqueKey<T, K>> UniqueKey<T, K> for (N,) {}

#[derive(Clone)]
pub(super) enum Conflict {
    Columns(Vec<&'static str>),
    Constraint(&'static str),
    Any,
}

#[derive(Clone)]
pub(super) enum ConflictAction {
    Nothing,
    Update(Vec<(&'static str, Node)>),
}

/// `excluded.column`: the value an upsert's insert proposed.
pub fn excluded<T, V, N>(column: Column<T, V, N>) -> Expr<T, V> {
    Expr::new(Node::Excluded(column.name()))
}

/// An upsert's conflict target, waiting for its action.
pub struct OnConflict<T: Table> {
    pub(super) insert: Insert<T>,
    pub(super) target: Conflict,
}

impl<T: Table> std::fmt::Debug for OnConflict<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnConflict")
    }
}

impl<T: Table> OnConflict<T> {
    /// `DO NOTHING`
    pub fn do_nothing(mut self) -> Insert<T> {
        self.insert.conflict = Some((self.target, ConflictAction::Nothing));
        self.insert
    }

    /// `DO UPDATE SET column = value, …`: start with one assignment, add more with
    /// [`Insert::set`]. On-update columns are refreshed too.
    pub fn do_update<V, N: Writable, M>(
        mut self,
        column: Column<T, V, N>,
        value: impl IntoExpr<T, V, M>,
    ) -> Insert<T> {
        let sets = vec![(column.name(), value.into_node())];
        self.insert.conflict = Some((self.target, ConflictAction::Update(sets)));
        self.insert
    }
}
