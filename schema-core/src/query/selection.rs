//! What a query selects: the [`Selection`] trait (a column, an expression, an aggregate, a tuple
//! of them, each maybe `.alias`ed), how each reads its value from a row, and its [`Grouping`]
//! (plain columns, aggregates, both or neither), which decides whether `.columns(…)` needs a
//! `.group_by(…)` before it runs.

use std::sync::Arc;

use postgres_types::FromSql;
use tokio_postgres::Row;

pub use super::expr::Position;
use super::expr::{Expr, InSource, Node};
use super::Column;
use crate::exec::{self, Error};

/// What a query returns: the source's rows, or a projection.
#[diagnostic::on_unimplemented(
    message = "this cannot be selected in a query on `{S}`",
    label = "not a column, expression or aggregate of this query, or a tuple of up to 16 of them",
    note = "select the query's columns, expressions of them, or a tuple of at most 16; nest tuples for more: `((a, b), (c, d))`"
)]
pub trait Selection<S, I> {
    type Output;
    /// Plain columns, aggregates, both or neither: whether the selection needs a `GROUP BY`.
    type Grouping: Grouping;
    #[doc(hidden)]
    fn nodes(&self) -> Vec<Node>;
    #[doc(hidden)]
    fn decode(row: &Row, start: usize) -> Result<Self::Output, Error>;
    #[doc(hidden)]
    const WIDTH: usize;
}

#[diagnostic::do_not_recommend]
impl<S, C, V, N, I> Selection<S, I> for Column<C, V, N>
where
    C: InSource<S, I>,
    I: Position,
    I::Wrap<V>: for<'r> FromSql<'r>,
{
    type Output = I::Wrap<V>;
    type Grouping = Plain;
    const WIDTH: usize = 1;

    fn nodes(&self) -> Vec<Node> {
        vec![self.node()]
    }

    fn decode(row: &Row, start: usize) -> Result<Self::Output, Error> {
        exec::get(row, start)
    }
}

/// An expression's position marker: expressions are already typed for the source.
#[derive(Debug)]
pub enum ExprPosition {}

#[diagnostic::do_not_recommend]
impl<S, V> Selection<S, ExprPosition> for Expr<S, V>
where
    V: for<'r> FromSql<'r>,
{
    type Output = V;
    type Grouping = Either;
    const WIDTH: usize = 1;

    fn nodes(&self) -> Vec<Node> {
        vec![self.node.clone()]
    }

    fn decode(row: &Row, start: usize) -> Result<V, Error> {
        exec::get(row, start)
    }
}

/// A selected column or expression under a name of its own (`SELECT … AS "name"`), made by
/// `.alias("name")`: what a `#[derive(FromRow)]` field of that name reads.
#[derive(Debug, Clone)]
pub struct Aliased<E> {
    inner: E,
    name: &'static str,
}

impl<E> Aliased<E> {
    pub(crate) fn new(inner: E, name: &'static str) -> Self {
        Aliased { inner, name }
    }
}

#[diagnostic::do_not_recommend]
impl<S, I, E: Selection<S, I>> Selection<S, I> for Aliased<E> {
    type Output = E::Output;
    type Grouping = E::Grouping;
    const WIDTH: usize = E::WIDTH;

    fn nodes(&self) -> Vec<Node> {
        let sql: Arc<str> = Arc::from(format!("? AS {}", crate::sql::quote_ident(self.name)));
        self.inner
            .nodes()
            .into_iter()
            .map(|node| Node::Raw {
                sql: sql.clone(),
                params: vec![node],
            })
            .collect()
    }

    fn decode(row: &Row, start: usize) -> Result<Self::Output, Error> {
        E::decode(row, start)
    }
}

/// The grouping of a tuple selection: its elements' groupings, combined left to right.
macro_rules! grouping {
    ($acc:ty;) => { $acc };
    ($acc:ty; ($name:ident, $marker:ident) $($rest:tt)*) => {
        grouping!(
            <$acc as Grouping>::With<<$name as Selection<S, $marker>>::Grouping>;
            $($rest)*
        )
    };
}

macro_rules! tuple_selection {
    ($(($name:ident, $marker:ident)),+) => {
        #[diagnostic::do_not_recommend]
        impl<S, $($name, $marker),+> Selection<S, ($($marker,)+)> for ($($name,)+)
        where
            $($name: Selection<S, $marker>),+
        {
            type Output = ($($name::Output,)+);
            type Grouping = grouping!(Either; $(($name, $marker))+);
            const WIDTH: usize = 0 $(+ $name::WIDTH)+;

            #[allow(non_snake_case)]
            fn nodes(&self) -> Vec<Node> {
                let ($($name,)+) = self;
                let mut nodes = Vec::new();
                $(nodes.extend($name.nodes());)+
                nodes
            }

            #[allow(unused_assignments)]
            fn decode(row: &Row, start: usize) -> Result<Self::Output, Error> {
                let mut at = start;
                Ok(($({
                    let value = $name::decode(row, at)?;
                    at += $name::WIDTH;
                    value
                },)+))
            }
        }
    };
}

tuple_selection!((A, IA));
tuple_selection!((A, IA), (B, IB));
tuple_selection!((A, IA), (B, IB), (C, IC));
tuple_selection!((A, IA), (B, IB), (C, IC), (D, ID));
tuple_selection!((A, IA), (B, IB), (C, IC), (D, ID), (E, IE));
tuple_selection!((A, IA), (B, IB), (C, IC), (D, ID), (E, IE), (F, IF));
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM),
    (N, IN)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM),
    (N, IN),
    (O, IO)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM),
    (N, IN),
    (O, IO),
    (P, IP)
);
tuple_selection!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH),
    (J, IJ),
    (K, IK),
    (L, IL),
    (M, IM),
    (N, IN),
    (O, IO),
    (P, IP),
    (Q, IQ)
);

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
}

impl Grouping for Plain {
    type AndPlain = Plain;
    type AndAggregated = Mixed;
    type With<G: Grouping> = G::AndPlain;
}

impl Grouping for Aggregated {
    type AndPlain = Mixed;
    type AndAggregated = Aggregated;
    type With<G: Grouping> = G::AndAggregated;
}

impl Grouping for Mixed {
    type AndPlain = Mixed;
    type AndAggregated = Mixed;
    type With<G: Grouping> = Mixed;
}

impl<T, V, N> Column<T, V, N> {
    /// The column selected under another name, `"users"."email" AS "owner_email"`: what a
    /// `#[derive(FromRow)]` field `owner_email` reads.
    pub fn alias(self, name: &'static str) -> Aliased<Self> {
        Aliased::new(self, name)
    }
}

impl<S, V> Expr<S, V> {
    /// The expression selected under a name, `lower(email) AS "login"`: what a
    /// `#[derive(FromRow)]` field `login` reads.
    pub fn alias(self, name: &'static str) -> Aliased<Self> {
        Aliased::new(self, name)
    }
}
