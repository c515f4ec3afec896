//! The `GROUP BY` rule of a selection: plain columns beside aggregates need one.
//!
//! PostgreSQL refuses `SELECT model, count(*) FROM t` ("must appear in the GROUP BY clause") when
//! the statement runs. Here each selection knows its [`Grouping`]: plain columns, aggregates,
//! both, or neither (an expression written with `Expr::raw`, which the types cannot see into).
//! `.columns(…)` of both is a [`NeedsGroupBy`], which runs only after `.group_by(…)`; calling
//! `all`, `one` and the others before is a compile error that says so.

use super::expr::Expr;
use super::lock::Run;
use super::select::{IntoOrder, Select, Source};
use super::selection::{Aggregated, Either, Grouping, Mixed, Plain, Selection};
use crate::exec::{Executor, FromRow, ReadsInto};

/// The query that `.columns(…)` of a selection with this grouping returns: a [`Select`], or a
/// [`NeedsGroupBy`] for plain columns beside aggregates.
pub trait GroupingQuery: Grouping {
    type Query<S: Source, O>;
    #[doc(hidden)]
    fn query<S: Source, O>(select: Select<S, O>) -> Self::Query<S, O>;
}

macro_rules! runs_as_is {
    ($($grouping:ty),+) => {$(
        impl GroupingQuery for $grouping {
            type Query<S: Source, O> = Select<S, O>;
            fn query<S: Source, O>(select: Select<S, O>) -> Select<S, O> {
                select
            }
        }
    )+};
}
runs_as_is!(Plain, Aggregated, Either);

impl GroupingQuery for Mixed {
    type Query<S: Source, O> = NeedsGroupBy<S, O>;
    fn query<S: Source, O>(select: Select<S, O>) -> NeedsGroupBy<S, O> {
        NeedsGroupBy { select }
    }
}

impl<S: Source> Select<S, S::Row> {
    /// Selects these columns or expressions instead of whole rows: `.columns((users::id, users::email))`.
    ///
    /// Plain columns beside aggregates (`(model, count_star())`) need a `GROUP BY`: such a
    /// selection is a [`NeedsGroupBy`], which runs after `.group_by(…)`.
    #[allow(clippy::type_complexity)]
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn columns<I, C>(self, columns: C) -> <C::Grouping as GroupingQuery>::Query<S, C::Output> where C: Selection<S, I>, C::Grouping: GroupingQuery {
        <C::Grouping as GroupingQuery>::query(self.project(columns))
    }
}

/// A selection of plain columns beside aggregates, before its `.group_by(…)`: it can be
/// filtered and ordered, and it runs once grouped.
pub struct NeedsGroupBy<S: Source, O> {
    select: Select<S, O>,
}

impl<S: Source, O> std::fmt::Debug for NeedsGroupBy<S, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NeedsGroupBy({:?})", self.select)
    }
}

/// A query ready to run: not a selection of plain columns beside aggregates left ungrouped.
#[diagnostic::on_unimplemented(
    message = "a plain column is selected beside an aggregate, and the rows are not grouped",
    label = "PostgreSQL would refuse it: the column \"must appear in the GROUP BY clause\"",
    note = "add `.group_by(column)` (after `.columns(…)`) for the plain columns, or select aggregates only"
)]
pub trait Grouped {}

impl<S: Source, O> NeedsGroupBy<S, O> {
    /// `GROUP BY …`: the query, ready to run (and to take `having`).
    pub fn group_by<I, C: Selection<S, I>>(self, columns: C) -> Select<S, O> {
        self.select.group_by(columns)
    }

    /// `WHERE …`, before the grouping.
    pub fn filter(self, condition: Expr<S, bool>) -> Self {
        NeedsGroupBy {
            select: self.select.filter(condition),
        }
    }

    /// `ORDER BY …`
    pub fn order_by<I>(self, order: impl IntoOrder<S, I>) -> Self {
        NeedsGroupBy {
            select: self.select.order_by(order),
        }
    }

    /// Decodes each row into a `#[derive(FromRow)]` struct.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn decode_as<U: FromRow>(self) -> NeedsGroupBy<S, U> where O: ReadsInto<U> {
        NeedsGroupBy {
            select: self.select.decode_as(),
        }
    }
}

impl<S: Source, O: Send> NeedsGroupBy<S, O> {
    /// Runs only once grouped: a compile error that says to add `.group_by(…)`.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn all<'a>(&'a self, exec: &'a (impl Executor + ?Sized)) -> Run<'a, Vec<O>> where Self: Grouped {
        Box::pin(self.select.all(exec))
    }

    /// Runs only once grouped: a compile error that says to add `.group_by(…)`.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn one<'a>(&'a self, exec: &'a (impl Executor + ?Sized)) -> Run<'a, O> where Self: Grouped {
        Box::pin(self.select.one(exec))
    }

    /// Runs only once grouped: a compile error that says to add `.group_by(…)`.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn first<'a>(&'a self, exec: &'a (impl Executor + ?Sized)) -> Run<'a, Option<O>> where Self: Grouped {
        Box::pin(self.select.first(exec))
    }

    /// Runs only once grouped: a compile error that says to add `.group_by(…)`.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn optional<'a>(&'a self, exec: &'a (impl Executor + ?Sized)) -> Run<'a, Option<O>> where Self: Grouped {
        Box::pin(self.select.optional(exec))
    }
}
