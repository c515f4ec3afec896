//! Inline views: a `#[view(inline)]` struct names the rows of a query written where the struct
//! is used, typed by its fields: a derived table (`JOIN (SELECT …) AS "totals"("owner_id", …)`),
//! a `LATERAL` one that reads the columns of the tables before it, or a CTE (`WITH`,
//! `WITH RECURSIVE`, and a write's `RETURNING` rows in a data-modifying `WITH`).
//!
//! The query's columns are checked against the struct's fields at compile time, in order, as
//! [`decode_as`](Select::decode_as) checks them; the names the query gives its columns do not
//! matter, since the struct's column names are written after the inline view's name.

use std::marker::PhantomData;
use std::sync::Arc;

use super::compound::Compound;
use super::expr::{Expr, Node};
use super::render::{SqlWriter, WriteFn};
use super::select::{Join, JoinKind, Nullable, Select, Source};
use super::write::Returning;
use crate::exec::{FromRow, ReadsInto};
use crate::schema::Table;

/// A struct declared with `#[view(name = "…", inline)]`: rows that a query gives where the
/// struct is used, read like a table's (its columns in `users::…` style, filters, joins).
pub trait InlineView: Table + FromRow + Source {
    /// The rows of `query`, under this struct's name: for [`Select::inner_join_query`] and its
    /// siblings (a derived table), or [`Select::with_cte`] (a CTE). The query selects the
    /// struct's columns in the order of its fields, each of its field's type.
    fn query(query: impl FillsView<Self>) -> InlineQuery<Self> {
        InlineQuery {
            body: query.into_body(),
            materialized: None,
            _marker: PhantomData,
        }
    }

    /// `WITH RECURSIVE "name"(…) AS (base UNION ALL step)`: the rows of `base`, then of `step`
    /// run on the rows found last, until it finds none. `step` reads this struct's table (joins
    /// it, or selects from it): `Chain::recursive(roots, Context::select().inner_join::<Chain>(…)…)`.
    fn recursive(base: impl FillsView<Self>, step: impl FillsView<Self>) -> Recursive<Self> {
        Recursive {
            base: base.into_body(),
            step: step.into_body(),
            operator: " UNION ALL ",
            _marker: PhantomData,
        }
    }

    /// As [`recursive`](Self::recursive), with `UNION`: a row already found is not found
    /// again, so a cycle in the data ends the recursion.
    fn recursive_distinct(
        base: impl FillsView<Self>,
        step: impl FillsView<Self>,
    ) -> Recursive<Self> {
        Recursive {
            operator: " UNION ",
            ..Self::recursive(base, step)
        }
    }

    /// `SELECT` the rows of the inline view, once a CTE names it:
    /// `Totals::select().with_cte(Totals::query(…))`.
    fn select() -> Select<Self, Self> {
        Select::new()
    }
}

/// A query whose rows fit inline view `V`: a [`Select`], a set operation of selects, or a
/// write's [`Returning`] rows, whose columns read into `V`'s fields in order.
#[diagnostic::on_unimplemented(
    message = "the rows of this query do not fit `{V}`",
    label = "its columns are not `{V}`'s fields, in order",
    note = "select the columns of `{V}`'s fields in the order of its fields, each of its field's type: `.columns((projects::owner_id, count_star()))`"
)]
pub trait FillsView<V> {
    #[doc(hidden)]
    fn into_body(self) -> WriteFn;
}

#[diagnostic::do_not_recommend]
impl<S: Source, O: 'static, V: FromRow> FillsView<V> for Select<S, O>
where
    O: ReadsInto<V>,
{
    fn into_body(self) -> WriteFn {
        self.render_fn().0
    }
}

#[diagnostic::do_not_recommend]
impl<O: 'static, V: FromRow> FillsView<V> for Compound<O>
where
    O: ReadsInto<V>,
{
    fn into_body(self) -> WriteFn {
        Arc::new(move |w: &mut SqlWriter| self.write(w))
    }
}

#[diagnostic::do_not_recommend]
impl<T: Table, O: 'static, V: FromRow> FillsView<V> for Returning<T, O>
where
    O: ReadsInto<V>,
{
    fn into_body(self) -> WriteFn {
        Arc::new(move |w: &mut SqlWriter| {
            let (sql, params) = self.sql();
            w.embed(sql, params)
        })
    }
}

/// The rows of a query under an inline view's name, made by [`InlineView::query`].
pub struct InlineQuery<V> {
    body: WriteFn,
    materialized: Option<bool>,
    _marker: PhantomData<fn() -> V>,
}

impl<V> Clone for InlineQuery<V> {
    fn clone(&self) -> Self {
        InlineQuery {
            body: self.body.clone(),
            materialized: self.materialized,
            _marker: PhantomData,
        }
    }
}

impl<V> std::fmt::Debug for InlineQuery<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut w = SqlWriter::new(false);
        (self.body)(&mut w);
        write!(f, "InlineQuery({})", w.sql())
    }
}

impl<V: InlineView> InlineQuery<V> {
    /// As a CTE, `AS MATERIALIZED`: computed once, even where PostgreSQL would fold it into the
    /// query that reads it.
    pub fn materialized(mut self) -> Self {
        self.materialized = Some(true);
        self
    }

    /// As a CTE, `AS NOT MATERIALIZED`: folded into the query that reads it, even when read
    /// more than once.
    pub fn not_materialized(mut self) -> Self {
        self.materialized = Some(false);
        self
    }
}

/// A recursive CTE, made by [`InlineView::recursive`].
pub struct Recursive<V> {
    base: WriteFn,
    step: WriteFn,
    operator: &'static str,
    _marker: PhantomData<fn() -> V>,
}

impl<V> std::fmt::Debug for Recursive<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recursive")
    }
}

/// What [`Select::with_cte`] takes: an [`InlineQuery`] or a [`Recursive`] one.
pub trait Cte {
    #[doc(hidden)]
    fn into_cte(self) -> CteDef;
}

/// A CTE, ready to write.
#[doc(hidden)]
#[derive(Clone)]
pub struct CteDef {
    pub(super) write: WriteFn,
    pub(super) recursive: bool,
}

impl std::fmt::Debug for CteDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut w = SqlWriter::new(false);
        (self.write)(&mut w);
        write!(f, "CteDef({})", w.sql())
    }
}

/// `"name"("a", "b")`: an inline view's name and its columns.
fn write_name<V: Table>(w: &mut SqlWriter) {
    w.table(None, &V::table().name);
    w.push("(");
    w.push(V::COLUMN_LIST);
    w.push(")");
}

impl<V: InlineView> Cte for InlineQuery<V> {
    fn into_cte(self) -> CteDef {
        CteDef {
            write: Arc::new(move |w: &mut SqlWriter| {
                write_name::<V>(w);
                w.push(match self.materialized {
                    None => " AS (",
                    Some(true) => " AS MATERIALIZED (",
                    Some(false) => " AS NOT MATERIALIZED (",
                });
                (self.body)(w);
                w.push(")");
            }),
            recursive: false,
        }
    }
}

impl<V: InlineView> Cte for Recursive<V> {
    fn into_cte(self) -> CteDef {
        CteDef {
            write: Arc::new(move |w: &mut SqlWriter| {
                write_name::<V>(w);
                w.push(" AS ((");
                (self.base)(w);
                w.push(")");
                w.push(self.operator);
                w.push("(");
                (self.step)(w);
                w.push("))");
            }),
            recursive: true,
        }
    }
}

/// `WITH [RECURSIVE] cte, cte `: the CTEs before a statement.
pub(super) fn write_with(w: &mut SqlWriter, ctes: &[CteDef]) {
    if ctes.is_empty() {
        return;
    }
    w.push(if ctes.iter().any(|c| c.recursive) {
        "WITH RECURSIVE "
    } else {
        "WITH "
    });
    for (i, cte) in ctes.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        (cte.write)(w);
    }
    w.push(" ");
}

/// A derived table of a join: `[LATERAL ](query) AS "name"(…)`.
pub(super) fn derived<V: InlineView>(query: InlineQuery<V>, lateral: bool) -> WriteFn {
    Arc::new(move |w: &mut SqlWriter| {
        if lateral {
            w.push("LATERAL ");
        }
        w.push("(");
        (query.body)(w);
        w.push(") AS ");
        write_name::<V>(w);
    })
}

/// Joins of inline views: derived tables, `LATERAL` or not.
impl<S: Source> Select<S, S::Row> {
    /// `INNER JOIN (query) AS "name"(…) ON …`: rows decode as `(…, V)`.
    pub fn inner_join_query<V: InlineView>(
        self,
        query: InlineQuery<V>,
        on: Expr<(S, V), bool>,
    ) -> Select<(S, V), <(S, V) as Source>::Row> {
        let join = Join::derived::<V>(JoinKind::Inner, on.node, derived(query, false));
        self.join_to(join)
    }

    /// `LEFT JOIN (query) AS "name"(…) ON …`: rows decode as `(…, Option<V>)`.
    #[allow(clippy::type_complexity)]
    pub fn left_join_query<V: InlineView>(
        self,
        query: InlineQuery<V>,
        on: Expr<(S, Nullable<V>), bool>,
    ) -> Select<(S, Nullable<V>), <(S, Nullable<V>) as Source>::Row> {
        let join = Join::derived::<V>(JoinKind::Left, on.node, derived(query, false));
        self.join_to(join)
    }

    /// `INNER JOIN LATERAL (query) AS "name"(…) ON …`: `query` is run for each row of the
    /// tables before it, and reads their columns (`.correlated::<User>()`); rows decode as
    /// `(…, V)`. "The three newest projects of each user" is
    /// `User::select().inner_join_lateral(Newest::query(Project::select().correlated::<User>().filter(projects::owner_id.eq(users::id)).order_by(…).limit(3).columns(…)), Expr::always())`.
    pub fn inner_join_lateral<V: InlineView>(
        self,
        query: InlineQuery<V>,
        on: Expr<(S, V), bool>,
    ) -> Select<(S, V), <(S, V) as Source>::Row> {
        let join = Join::derived::<V>(JoinKind::Inner, on.node, derived(query, true));
        self.join_to(join)
    }

    /// `LEFT JOIN LATERAL (query) AS "name"(…) ON …`: as [`inner_join_lateral`](Self::inner_join_lateral),
    /// keeping the rows for which `query` finds nothing; rows decode as `(…, Option<V>)`.
    #[allow(clippy::type_complexity)]
    pub fn left_join_lateral<V: InlineView>(
        self,
        query: InlineQuery<V>,
        on: Expr<(S, Nullable<V>), bool>,
    ) -> Select<(S, Nullable<V>), <(S, Nullable<V>) as Source>::Row> {
        let join = Join::derived::<V>(JoinKind::Left, on.node, derived(query, true));
        self.join_to(join)
    }

    /// `CROSS JOIN LATERAL (query) AS "name"(…)`: each row of the tables before it with each
    /// row `query` finds for it; rows decode as `(…, V)`.
    pub fn cross_join_lateral<V: InlineView>(
        self,
        query: InlineQuery<V>,
    ) -> Select<(S, V), <(S, V) as Source>::Row> {
        let join = Join::derived::<V>(JoinKind::Cross, Node::Keyword(""), derived(query, true));
        self.join_to(join)
    }
}

impl<S> Expr<S, bool> {
    /// `TRUE`: the `ON` of a join whose condition is inside its `LATERAL` query.
    pub fn always() -> Expr<S, bool> {
        Expr::new(Node::Keyword("TRUE"))
    }
}

impl<S: Source, O> Select<S, O> {
    /// `WITH "name"(…) AS (query) SELECT …`: names the rows of an inline view's query for this
    /// statement, to join (`.inner_join::<Totals>(…)`) or select from (`Totals::select()`).
    /// Called again, adds another; a recursive one makes it `WITH RECURSIVE`. A CTE of a write
    /// (`Moved::query(Message::delete()…returning_columns(…))`) runs once, whether or not its
    /// rows are read.
    pub fn with_cte(mut self, cte: impl Cte) -> Self {
        self.push_cte(cte.into_cte());
        self
    }
}
