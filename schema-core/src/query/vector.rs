//! pgvector distances, typed: `column <-> value` and its kin, for select, filter and order. "The
//! ten messages nearest to an embedding by cosine distance" is
//! `.order_by(messages::embedding.cosine_distance(query)).limit(10)`, which an HNSW or IVFFlat
//! index with the matching operator class (`vector_cosine_ops`) serves. A distance is read as
//! `Option<f64>`: NULL where the column is (pgvector's operators are strict).

use super::expr::{Expr, InSource, IntoExpr, Node};
use super::Column;
use crate::schema::ColumnValue;

/// A pgvector column: the distances apply.
#[diagnostic::on_unimplemented(
    message = "a vector distance needs a pgvector column, not `{Self}`",
    label = "not a vector",
    note = "declare the field `pgvector::Vector` (`#[column(vector(1536))]`), or compare the column with `eq`"
)]
pub trait IsVector {}
#[diagnostic::do_not_recommend]
impl IsVector for pgvector::Vector {}

impl<T, V, N> Column<T, V, N> {
    fn distance<S, M>(
        self,
        operator: &'static str,
        to: impl IntoExpr<S, pgvector::Vector, M>,
    ) -> Node
    where
        V: ColumnValue,
    {
        Node::Binary(Box::new(self.node()), operator, Box::new(to.into_node()))
    }

    /// `column <-> value`: the Euclidean (L2) distance.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn l2_distance<S, I, M>(self, to: impl IntoExpr<S, pgvector::Vector, M>) -> Expr<S, Option<f64>> where V: ColumnValue, V::NotNull: IsVector, T: InSource<S, I> {
        Expr::new(self.distance("<->", to))
    }

    /// `column <=> value`: the cosine distance (1 − cosine similarity), from 0 to 2.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn cosine_distance<S, I, M>(self, to: impl IntoExpr<S, pgvector::Vector, M>) -> Expr<S, Option<f64>> where V: ColumnValue, V::NotNull: IsVector, T: InSource<S, I> {
        Expr::new(self.distance("<=>", to))
    }

    /// `column <#> value`: the negative inner product (pgvector's operator, so that ascending
    /// order, which an index serves, puts the largest inner product first).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn negative_inner_product<S, I, M>(self, to: impl IntoExpr<S, pgvector::Vector, M>) -> Expr<S, Option<f64>> where V: ColumnValue, V::NotNull: IsVector, T: InSource<S, I> {
        Expr::new(self.distance("<#>", to))
    }

    /// `column <+> value`: the taxicab (L1) distance (pgvector 0.7 and later).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn l1_distance<S, I, M>(self, to: impl IntoExpr<S, pgvector::Vector, M>) -> Expr<S, Option<f64>> where V: ColumnValue, V::NotNull: IsVector, T: InSource<S, I> {
        Expr::new(self.distance("<+>", to))
    }
}
