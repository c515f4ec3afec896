//! Aggregates (`count(*)`, `sum(col)`, …) and the rule they bring to a selection: a plain column
//! beside an aggregate needs a `GROUP BY`.
//!
//! PostgreSQL refuses `SELECT model, count(*) FROM t` ("must appear in the GROUP BY clause") when
//! the statement runs. Here an aggregate is an [`Aggregate`], not a plain [`Expr`], and each
//! selection knows its [`Grouping`]: plain columns, aggregates, both, or neither (an expression
//! written with `Expr::raw`, which the types cannot see into). A selection of both is a
//! [`NeedsGroupBy`], which runs only after `.group_by(…)`; calling `all`, `one` and the others
//! before is a compile error that says so.

use postgres_types::FromSql;
use tokio_postgres::Row;

use super::expr::{Expr, IntoExpr, Node};
use super::lock::Run;
use super::select::{Aliased, IntoOrder, Order, Select, Selection, Source};
use crate::exec::{self, Error, Executor};
use crate::schema::ColumnValue;

/// An aggregate over the rows of a query (or of each group): `count_star()`, `col.count()`,
/// `col.sum()`, `col.min()`, `col.max()`, `col.avg()`. Compare it (`.gt(5)`, for `having`),
/// order by it, `.alias` it, or select it; [`Aggregate::expr`] makes it a plain expression for
/// anything else.
pub struct Aggregate<S, V> {
    expr: Expr<S, V>,
}

impl<S, V> Aggregate<S, V> {
    pub(crate) fn new(node: Node) -> Self {
        Aggregate {
            expr: Expr::new(node),
        }
    }

    /// The aggregate as an expression, to combine with others. (The selection rule is checked
    /// on aggregates the types can see; an expression of one is taken as it is.)
    pub fn expr(self) -> Expr<S, V> {
        self.expr
    }

    /// Selected under a name (`count(*) AS "projects"`), for a `#[derive(FromRow)]` field.
    pub fn alias(self, name: &'static str) -> Aliased<Self> {
        Aliased::new(self, name)
    }

    /// `ORDER BY aggregate ASC`
    pub fn asc(self) -> Order<S> {
        self.expr.asc()
    }

    /// `ORDER BY aggregate DESC`
    pub fn desc(self) -> Order<S> {
        self.expr.desc()
    }
}

impl<S, V: ColumnValue> Aggregate<S, V> {
    /// `aggregate = value`
    pub fn eq<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.expr.eq(rhs)
    }

    /// `aggregate <> value`
    pub fn ne<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.expr.ne(rhs)
    }

    /// `aggregate < value`
    pub fn lt<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.expr.lt(rhs)
    }

    /// `aggregate <= value`
    pub fn le<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.expr.le(rhs)
    }

    /// `aggregate > value`
    pub fn gt<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.expr.gt(rhs)
    }

    /// `aggregate >= value`
    pub fn ge<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.expr.ge(rhs)
    }
}

impl<S, V> Clone for Aggregate<S, V> {
    fn clone(&self) -> Self {
        Aggregate {
            expr: Expr::new(self.expr.node.clone()),
        }
    }
}

impl<S, V> std::fmt::Debug for Aggregate<S, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Aggregate({:?})", self.expr.node)
    }
}

/// An aggregate's position marker in selections and `ORDER BY`.
#[derive(Debug)]
pub enum AggregatePosition {}

/// An aggregate is an operand like any expression (`col.eq(other.max())` in a subquery, say).
#[derive(Debug)]
pub enum AggregateOperand {}

#[diagnostic::do_not_recommend]
impl<S, V> IntoExpr<S, V, AggregateOperand> for Aggregate<S, V> {
    fn into_node(self) -> Node {
        self.expr.node
    }
}

impl<S, V> IntoOrder<S, AggregatePosition> for Aggregate<S, V> {
    fn into_order(self) -> Order<S> {
        self.asc()
    }
}

impl<S, V> Selection<S, AggregatePosition> for Aggregate<S, V>
where
    V: for<'r> FromSql<'r>,
{
    type Output = V;
    type Grouping = Aggregated;
    const WIDTH: usize = 1;

    fn nodes(&self) -> Vec<Node> {
        vec![self.expr.node.clone()]
    }

    fn decode(row: &Row, start: usize) -> Result<V, Error> {
        exec::get(row, start)
    }
}

/// What a selection holds, for the `GROUP BY` rule: [`Plain`] columns, [`Aggregated`] values,
/// [`Mixed`] (both: a `GROUP BY` is needed), or [`Either`] (an expression the types cannot see
/// into, which goes with anything).
pub trait Grouping {
    /// This grouping with a plain column beside it.
    type AndPlain: Grouping;
    /// This grouping with an aggregate beside it.
    type AndAggregated: Grouping;
    /// This grouping beside another.
    type With<G: Grouping>: Grouping;
    /// The query that `.columns(…)` of this grouping returns.
    type Query<S: Source, O>;
    #[doc(hidden)]
    fn query<S: Source, O>(select: Select<S, O>) -> Self::Query<S, O>;
}

/// Plain columns only.
#[derive(Debug)]
pub enum Plain {}
/// Aggregates only.
#[derive(Debug)]
pub enum Aggregated {}
/// Plain columns beside aggregates.
#[derive(Debug)]
pub enum Mixed {}
/// Expressions that go with anything.
#[derive(Debug)]
pub enum Either {}

impl Grouping for Either {
    type AndPlain = Plain;
    type AndAggregated = Aggregated;
    type With<G: Grouping> = G;
    type Query<S: Source, O> = Select<S, O>;
    fn query<S: Source, O>(select: Select<S, O>) -> Select<S, O> {
        select
    }
}

impl Grouping for Plain {
    type AndPlain = Plain;
    type AndAggregated = Mixed;
    type With<G: Grouping> = G::AndPlain;
    type Query<S: Source, O> = Select<S, O>;
    fn query<S: Source, O>(select: Select<S, O>) -> Select<S, O> {
        select
    }
}

impl Grouping for Aggregated {
    type AndPlain = Mixed;
    type AndAggregated = Aggregated;
    type With<G: Grouping> = G::AndAggregated;
    type Query<S: Source, O> = Select<S, O>;
    fn query<S: Source, O>(select: Select<S, O>) -> Select<S, O> {
        select
    }
}

impl Grouping for Mixed {
    type AndPlain = Mixed;
    type AndAggregated = Mixed;
    type With<G: Grouping> = Mixed;
    type Query<S: Source, O> = NeedsGroupBy<S, O>;
    fn query<S: Source, O>(select: Select<S, O>) -> NeedsGroupBy<S, O> {
        NeedsGroupBy { select }
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
    pub fn decode_as<U: crate::exec::FromRow>(self) -> NeedsGroupBy<S, U> {
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
