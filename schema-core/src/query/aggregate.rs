//! Aggregates: `count_star()`, and `count`, `min`, `max`, `sum`, `avg` of a column. Each is an
//! [`Aggregate`], not a plain [`Expr`], so that a selection knows when it holds one (see
//! [`grouped`](super::grouped) for the `GROUP BY` rule this brings).

use postgres_types::FromSql;
use tokio_postgres::Row;

use std::sync::Arc;

use super::expr::{Expr, InSource, IntoExpr, Node};
use super::select::{IntoOrder, Order};
use super::selection::{Aggregated, Aliased, Selection};
use super::Column;
use crate::exec::{self, Error};
use crate::schema::ColumnValue;

/// An aggregate over the rows of a query (or of each group): `count_star()`, `col.count()`,
/// `col.sum()`, `col.min()`, `col.max()`, `col.avg()`. Compare it (`.gt(5)`, for `having`),
/// order by it, `.alias` it, or select it; [`Aggregate::expr`] makes it a plain expression for
/// anything else.
pub struct Aggregate<S, V> {
    expr: Expr<S, V>,
    /// The call before its cast (`sum(x)` of `CAST(sum(x) AS bigint)`), and the type: what a
    /// window puts its `OVER` after.
    cast: Option<(Node, &'static str)>,
}

impl<S, V> Aggregate<S, V> {
    pub(crate) fn new(node: Node) -> Self {
        Aggregate {
            expr: Expr::new(node),
            cast: None,
        }
    }

    /// `CAST(call AS sql_type)`, the type PostgreSQL's own would not map to `V`.
    pub(crate) fn cast(call: Node, sql_type: &'static str) -> Self {
        Aggregate {
            expr: Expr::new(Node::Raw {
                sql: Arc::from(format!("CAST(? AS {sql_type})")),
                params: vec![call.clone()],
            }),
            cast: Some((call, sql_type)),
        }
    }

    /// The call and the type it is cast to, if it is.
    pub(crate) fn into_call(self) -> (Node, Option<&'static str>) {
        match self.cast {
            Some((call, sql_type)) => (call, Some(sql_type)),
            None => (self.expr.node, None),
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
            cast: self.cast.clone(),
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

#[diagnostic::do_not_recommend]
impl<S, V> IntoOrder<S, AggregatePosition> for Aggregate<S, V> {
    fn into_order(self) -> Order<S> {
        self.asc()
    }
}

#[diagnostic::do_not_recommend]
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

/// Aggregates over a column.
impl<T, V: ColumnValue, N> Column<T, V, N> {
    /// `name(column)`.
    fn call(self, name: &'static str) -> Node {
        Node::Call {
            name,
            args: vec![self.node()],
            star: false,
        }
    }

    /// `count(column)`: the rows where the column is not NULL.
    pub fn count<S, I>(self) -> Aggregate<S, i64>
    where
        T: InSource<S, I>,
    {
        Aggregate::new(self.call("count"))
    }

    /// `min(column)`; `None` over no rows.
    pub fn min<S, I>(self) -> Aggregate<S, Option<V::NotNull>>
    where
        T: InSource<S, I>,
    {
        Aggregate::new(self.call("min"))
    }

    /// `max(column)`; `None` over no rows.
    pub fn max<S, I>(self) -> Aggregate<S, Option<V::NotNull>>
    where
        T: InSource<S, I>,
    {
        Aggregate::new(self.call("max"))
    }

    /// `sum(column)`: `bigint` for integer columns, `double precision` for floats; `None` over
    /// no rows.
    pub fn sum<S, I>(self) -> Aggregate<S, Option<<V::NotNull as Summable>::Sum>>
    where
        T: InSource<S, I>,
        V::NotNull: Summable,
    {
        Aggregate::cast(self.call("sum"), <V::NotNull as Summable>::SUM_TYPE)
    }

    /// `avg(column)` as `double precision`; `None` over no rows.
    pub fn avg<S, I>(self) -> Aggregate<S, Option<f64>>
    where
        T: InSource<S, I>,
        V::NotNull: Summable,
    {
        Aggregate::cast(self.call("avg"), "double precision")
    }
}

/// Column types `sum` and `avg` apply to, and the type of their sum.
#[diagnostic::on_unimplemented(message = "`sum` and `avg` need a numeric column, not `{Self}`")]
pub trait Summable {
    type Sum;
    const SUM_TYPE: &'static str;
}

impl Summable for i16 {
    type Sum = i64;
    const SUM_TYPE: &'static str = "bigint";
}
impl Summable for i32 {
    type Sum = i64;
    const SUM_TYPE: &'static str = "bigint";
}
impl Summable for i64 {
    type Sum = i64;
    const SUM_TYPE: &'static str = "bigint";
}
impl Summable for f32 {
    type Sum = f64;
    const SUM_TYPE: &'static str = "double precision";
}
impl Summable for f64 {
    type Sum = f64;
    const SUM_TYPE: &'static str = "double precision";
}

/// `count(*)`
pub fn count_star<S>() -> Aggregate<S, i64> {
    Aggregate::new(Node::Call {
        name: "count",
        args: Vec::new(),
        star: true,
    })
}
