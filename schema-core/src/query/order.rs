//! `ORDER BY` items: [`Order`], from columns and expressions, with `NULLS FIRST`/`LAST`.

use std::marker::PhantomData;

use super::expr::{Expr, InSource, Node};
use super::selection::ExprPosition;
use super::Column;

/// An `ORDER BY` item.
pub struct Order<S> {
    node: Node,
    desc: bool,
    nulls: Option<bool>,
    _marker: PhantomData<fn() -> S>,
}

impl<S> std::fmt::Debug for Order<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Order({:?}, desc: {})", self.node, self.desc)
    }
}

impl<S> Order<S> {
    pub(crate) fn into_parts(self) -> (Node, bool, Option<bool>) {
        (self.node, self.desc, self.nulls)
    }

    /// `NULLS FIRST`
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Some(true);
        self
    }

    /// `NULLS LAST`
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Some(false);
        self
    }
}

/// A table whose columns can order a query on `S`: a table of the query (or joined to it).
#[diagnostic::on_unimplemented(
    message = "a query on `{S}` cannot be ordered by a column of `{Self}`",
    label = "`{Self}` is not in this query",
    note = "order by the query's own columns, or join `{Self}` first"
)]
pub trait OrdersQueryOn<S, I> {}

#[diagnostic::do_not_recommend]
impl<T: InSource<S, I>, S, I> OrdersQueryOn<S, I> for T {}

impl<T, V, N> Column<T, V, N> {
    /// `ORDER BY column ASC`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn asc<S, I>(self) -> Order<S> where T: OrdersQueryOn<S, I> {
        Order {
            node: self.node(),
            desc: false,
            nulls: None,
            _marker: PhantomData,
        }
    }

    /// `ORDER BY column DESC`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn desc<S, I>(self) -> Order<S> where T: OrdersQueryOn<S, I> {
        Order {
            node: self.node(),
            desc: true,
            nulls: None,
            _marker: PhantomData,
        }
    }
}

impl<S, V> Expr<S, V> {
    pub fn asc(self) -> Order<S> {
        Order {
            node: self.node,
            desc: false,
            nulls: None,
            _marker: PhantomData,
        }
    }

    pub fn desc(self) -> Order<S> {
        Order {
            node: self.node,
            desc: true,
            nulls: None,
            _marker: PhantomData,
        }
    }
}

/// What `order_by` takes: an [`Order`], or a bare column (ascending).
#[diagnostic::on_unimplemented(
    message = "`order_by` takes a column of the query on `{S}` (or of a table joined to it), or its `.asc()`/`.desc()`",
    label = "not a column of this query",
    note = "order by the query's own columns, or join the column's table first"
)]
pub trait IntoOrder<S, I> {
    fn into_order(self) -> Order<S>;
}

#[diagnostic::do_not_recommend]
impl<S> IntoOrder<S, ExprPosition> for Order<S> {
    fn into_order(self) -> Order<S> {
        self
    }
}

/// An expression of the query (a distance, say), ascending.
#[diagnostic::do_not_recommend]
impl<S, V> IntoOrder<S, ExprPosition> for Expr<S, V> {
    fn into_order(self) -> Order<S> {
        self.asc()
    }
}

#[diagnostic::do_not_recommend]
impl<S, T, V, N, I> IntoOrder<S, I> for Column<T, V, N>
where
    T: OrdersQueryOn<S, I>,
{
    fn into_order(self) -> Order<S> {
        self.asc()
    }
}
