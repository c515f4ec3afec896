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

impl<T, V, N> Column<T, V, N> {
    /// `ORDER BY column ASC`
    pub fn asc<S, I>(self) -> Order<S>
    where
        T: InSource<S, I>,
    {
        Order {
            node: self.node(),
            desc: false,
            nulls: None,
            _marker: PhantomData,
        }
    }

    /// `ORDER BY column DESC`
    pub fn desc<S, I>(self) -> Order<S>
    where
        T: InSource<S, I>,
    {
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
pub trait IntoOrder<S, I> {
    fn into_order(self) -> Order<S>;
}

impl<S> IntoOrder<S, ExprPosition> for Order<S> {
    fn into_order(self) -> Order<S> {
        self
    }
}

impl<S, T, V, N, I> IntoOrder<S, I> for Column<T, V, N>
where
    T: InSource<S, I>,
{
    fn into_order(self) -> Order<S> {
        self.asc()
    }
}
