//! Array operators, typed: `@>` (contains), `<@` (is contained by), `&&` (overlaps) and
//! `value = ANY (column)`, on array columns (`Vec<T>` fields) only.

use super::expr::{Expr, InSource, IntoExpr, Node};
use super::Column;
use crate::schema::ColumnValue;

/// An array column's value: `Vec<T>`, whose elements are `T`.
#[diagnostic::on_unimplemented(
    message = "an array operator needs an array column (a `Vec<…>` field), not `{Self}`",
    label = "not an array",
    note = "compare a scalar column with `eq` or `in_list`"
)]
pub trait ArrayValue {
    type Element;
}
#[diagnostic::do_not_recommend]
impl<T> ArrayValue for Vec<T> {
    type Element = T;
}

impl<T, V, N> Column<T, V, N> {
    fn array_op<S, M>(
        self,
        operator: &'static str,
        rhs: impl IntoExpr<S, V::NotNull, M>,
    ) -> Expr<S, bool>
    where
        V: ColumnValue,
    {
        Expr::new(Node::Binary(
            Box::new(self.node()),
            operator,
            Box::new(rhs.into_node()),
        ))
    }

    /// `column @> values`: the column holds every one of `values`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn array_contains<S, I, M>(self, values: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: ArrayValue, T: InSource<S, I> {
        self.array_op("@>", values)
    }

    /// `column <@ values`: every element of the column is one of `values`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn array_contained_by<S, I, M>(self, values: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: ArrayValue, T: InSource<S, I> {
        self.array_op("<@", values)
    }

    /// `column && values`: the column and `values` have an element in common.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn array_overlaps<S, I, M>(self, values: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: ArrayValue, T: InSource<S, I> {
        self.array_op("&&", values)
    }

    /// `value = ANY (column)`: the column holds `value`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn array_has<S, I, M>(self, value: impl IntoExpr<S, <V::NotNull as ArrayValue>::Element, M>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: ArrayValue, T: InSource<S, I> {
        Expr::new(Node::Raw {
            sql: "? = ANY (?)".into(),
            params: vec![value.into_node(), self.node()],
        })
    }
}
