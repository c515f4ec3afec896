//! Set operations: `UNION [ALL]`, `INTERSECT [ALL]`, `EXCEPT [ALL]` of queries whose rows are of
//! one type (`q1.union(q2)` compiles only when both select the same Rust types), each operand
//! parenthesised so that its own order and limit stay its own. The compound orders by its
//! output columns (`.order_by_column(1)`), limits, and runs like a query.

use std::sync::Arc;

use tokio_postgres::Row;

use super::expr::{Expr, Node, Param};
use super::render::{SqlWriter, WriteFn};
use super::select::{Select, Source};
use crate::exec::{self, Error, Executor};
use crate::schema::ColumnValue;

/// `q1 UNION q2 …`, made by [`Select::union`] and its siblings.
pub struct Compound<O> {
    first: WriteFn,
    rest: Vec<(&'static str, WriteFn)>,
    order: Vec<(usize, bool)>,
    limit: Option<i64>,
    offset: Option<i64>,
    decode: fn(&Row) -> Result<O, Error>,
    table: &'static str,
}

impl<O> Clone for Compound<O> {
    fn clone(&self) -> Self {
        Compound {
            first: self.first.clone(),
            rest: self.rest.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            decode: self.decode,
            table: self.table,
        }
    }
}

impl<O: 'static> std::fmt::Debug for Compound<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compound({})", self.sql().0)
    }
}

impl<S: Source, O: 'static> Select<S, O> {
    /// `(self) UNION (other)`: the rows of either, once each.
    pub fn union<S2: Source>(self, other: Select<S2, O>) -> Compound<O> {
        Compound::of(self).then("UNION", other)
    }

    /// `(self) UNION ALL (other)`: the rows of both, duplicates kept.
    pub fn union_all<S2: Source>(self, other: Select<S2, O>) -> Compound<O> {
        Compound::of(self).then("UNION ALL", other)
    }

    /// `(self) INTERSECT (other)`: the rows of both, once each.
    pub fn intersect<S2: Source>(self, other: Select<S2, O>) -> Compound<O> {
        Compound::of(self).then("INTERSECT", other)
    }

    /// `(self) INTERSECT ALL (other)`
    pub fn intersect_all<S2: Source>(self, other: Select<S2, O>) -> Compound<O> {
        Compound::of(self).then("INTERSECT ALL", other)
    }

    /// `(self) EXCEPT (other)`: the rows of `self` that `other` does not have, once each.
    pub fn except<S2: Source>(self, other: Select<S2, O>) -> Compound<O> {
        Compound::of(self).then("EXCEPT", other)
    }

    /// `(self) EXCEPT ALL (other)`
    pub fn except_all<S2: Source>(self, other: Select<S2, O>) -> Compound<O> {
        Compound::of(self).then("EXCEPT ALL", other)
    }

    /// The query as a scalar subquery, `(SELECT …)`: its one column of its first row, NULL
    /// when it has none (so an `Option`), usable as a column of another query or in a
    /// comparison: `Project::select().columns((projects::name, User::select().correlated::<Project>().filter(users::id.eq(projects::owner_id)).columns(users::email).scalar()))`.
    pub fn scalar<S3>(self) -> Expr<S3, Option<O::NotNull>>
    where
        O: ColumnValue,
    {
        Expr::new(Node::Subquery(super::Subquery::into_render(self)))
    }
}

impl<O: 'static> Compound<O> {
    fn of<S: Source>(select: Select<S, O>) -> Self {
        let (first, decode) = select.render_fn();
        Compound {
            first,
            rest: Vec::new(),
            order: Vec::new(),
            limit: None,
            offset: None,
            decode,
            table: <S::Base as crate::schema::Table>::table().name.as_ref(),
        }
    }

    fn then<S: Source>(mut self, operator: &'static str, other: Select<S, O>) -> Self {
        self.rest.push((operator, other.render_fn().0));
        self
    }

    /// `… UNION (other)`, after the operations so far (PostgreSQL applies them left to right,
    /// `INTERSECT` first).
    pub fn union<S: Source>(self, other: Select<S, O>) -> Self {
        self.then("UNION", other)
    }

    /// `… UNION ALL (other)`
    pub fn union_all<S: Source>(self, other: Select<S, O>) -> Self {
        self.then("UNION ALL", other)
    }

    /// `… INTERSECT (other)`
    pub fn intersect<S: Source>(self, other: Select<S, O>) -> Self {
        self.then("INTERSECT", other)
    }

    /// `… EXCEPT (other)`
    pub fn except<S: Source>(self, other: Select<S, O>) -> Self {
        self.then("EXCEPT", other)
    }

    /// `ORDER BY n`: by the `n`-th output column (from 1), ascending; called again, adds a key.
    pub fn order_by_column(mut self, n: usize) -> Self {
        self.order.push((n, false));
        self
    }

    /// `ORDER BY n DESC`
    pub fn order_by_column_desc(mut self, n: usize) -> Self {
        self.order.push((n, true));
        self
    }

    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = Some(limit);
        self
    }

    pub fn offset(mut self, offset: i64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The SQL text and its parameters.
    pub fn sql(&self) -> (String, Vec<Param>) {
        let mut w = SqlWriter::new(false);
        self.write(&mut w);
        w.finish()
    }

    pub(super) fn write(&self, w: &mut SqlWriter) {
        w.push("(");
        (self.first)(w);
        w.push(")");
        for (operator, operand) in &self.rest {
            w.push(" ");
            w.push(operator);
            w.push(" (");
            operand(w);
            w.push(")");
        }
        for (i, (n, desc)) in self.order.iter().enumerate() {
            w.push(if i == 0 { " ORDER BY " } else { ", " });
            w.push(&n.to_string());
            if *desc {
                w.push(" DESC");
            }
        }
        if let Some(limit) = self.limit {
            w.push(" LIMIT ");
            w.param(Arc::new(limit));
        }
        if let Some(offset) = self.offset {
            w.push(" OFFSET ");
            w.param(Arc::new(offset));
        }
    }

    /// Every row.
    pub async fn all(&self, exec: &(impl Executor + ?Sized)) -> Result<Vec<O>, Error> {
        let (sql, params) = self.sql();
        let rows = exec::query(exec, &sql, &params).await?;
        self.decode_rows(&rows)
    }

    pub(super) fn decode_rows(&self, rows: &[Row]) -> Result<Vec<O>, Error> {
        rows.iter().map(self.decode).collect()
    }

    /// Exactly one row: [`Error::NotFound`] when there is none, [`Error::TooManyRows`] when
    /// there are more.
    pub async fn one(&self, exec: &(impl Executor + ?Sized)) -> Result<O, Error> {
        let (sql, params) = self.sql();
        let rows = exec::query(exec, &sql, &params).await?;
        match rows.as_slice() {
            [row] => (self.decode)(row),
            [] => Err(Error::NotFound {
                table: self.table.to_string(),
                sql,
            }),
            _ => Err(Error::TooManyRows {
                table: self.table.to_string(),
                sql,
            }),
        }
    }
}
