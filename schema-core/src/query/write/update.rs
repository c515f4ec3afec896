//! `UPDATE`: `SET` columns of one table, runnable once filtered; the table's on-update columns
//! refreshed.

use std::marker::PhantomData;

use super::{
    and_filter, execute_shaped, write_on_update, write_returning, write_table, write_where,
    BoxFuture, Filtered, Returning, Runnable, Tail, Unfiltered, Writable,
};
use crate::exec::{Error, Executor};
use crate::query::expr::{Expr, IntoExpr, Node, Param};
use crate::query::render::SqlWriter;
use crate::query::selection::{Plain, Selection};
use crate::query::shape::{Rendered, Shape};
use crate::query::soft_delete::Deleted;
use crate::query::Column;
use crate::schema::{ColumnValue, Table};

/// Names the shapes of updates (with their table's type).
enum UpdateShape {}

/// An `UPDATE` of `T`; runnable once filtered (`F = Filtered`).
pub struct Update<T: Table, F = Unfiltered> {
    sets: Vec<(&'static str, Node)>,
    filter: Option<Node>,
    deleted: Deleted,
    _marker: PhantomData<fn() -> (T, F)>,
}

impl<T: Table, F> std::fmt::Debug for Update<T, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Update({})", self.to_sql(false).0)
    }
}

impl<T: Table> Update<T, Unfiltered> {
    pub(crate) fn new() -> Self {
        Update {
            sets: Vec::new(),
            filter: None,
            deleted: Deleted::Live,
            _marker: PhantomData,
        }
    }

    /// Touches every row of the table: an unfiltered update is never an accident.
    pub fn all_rows(self) -> Update<T, Filtered> {
        self.retype()
    }
}

impl<T: Table, F> Update<T, F> {
    fn retype<G>(self) -> Update<T, G> {
        Update {
            sets: self.sets,
            filter: self.filter,
            deleted: self.deleted,
            _marker: PhantomData,
        }
    }

    /// `SET column = value`: a value, another column of `T` or an expression, of the column's
    /// own type (`None` sets a nullable column to NULL).
    pub fn set<V: ColumnValue, N: Writable, M>(
        mut self,
        column: Column<T, V, N>,
        value: impl IntoExpr<T, V, M>,
    ) -> Self {
        self.sets.retain(|(name, _)| *name != column.name());
        self.sets.push((column.name(), value.into_node()));
        self
    }

    /// `WHERE …`; called again, the conditions are joined with `AND`.
    pub fn filter(mut self, condition: Expr<T, bool>) -> Update<T, Filtered> {
        self.filter = Some(and_filter(self.filter.take(), condition));
        self.retype()
    }

    /// Touches soft-deleted rows too.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn with_deleted(mut self) -> Self where (): crate::schema::SoftDeleteOf<T> {
        self.deleted = Deleted::All;
        self
    }

    /// `UPDATE T … FROM U WHERE on`: the values and the filter may read `U`'s columns
    /// (`Project::update().from::<User>(projects::owner_id.eq(users::id)).set(projects::status,
    /// users::name)`). Runnable once filtered, as any update. The assignments made so far are
    /// kept.
    pub fn from<U: Table>(self, on: Expr<(T, U), bool>) -> super::Joined<T, U, F, super::SetsRows> {
        let joined = super::Joined::update(self.sets, on.node, self.filter, self.deleted);
        joined.retype_from()
    }

    /// The statement's shape, by which its text is rendered once (the columns set, the filter's
    /// columns and operators, whether it returns rows).
    fn shape<'a>(&'a self, tail: Tail<'a>) -> Shape<'a> {
        let mut shape = Shape::new::<(UpdateShape, T)>();
        tail.spell(&mut shape);
        shape.tag(self.deleted as u8);
        for (name, value) in &self.sets {
            shape.word(name);
            shape.node(value);
        }
        shape.option_node(self.filter.as_ref());
        shape
    }

    /// The statement, its text as this thread kept it for the shape or rendered.
    fn statement(&self, tail: Tail<'_>) -> Rendered {
        self.shape(tail)
            .text(|| tail.append(self.to_sql(tail.rows())))
    }

    fn to_sql(&self, returning: bool) -> (String, Vec<Param>) {
        let mut w = SqlWriter::new(false);
        w.push("UPDATE ");
        write_table::<T>(&mut w);
        w.push(" SET ");
        for (i, (name, value)) in self.sets.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(name);
            w.push(" = ");
            w.node(value);
        }
        let set: Vec<&str> = self.sets.iter().map(|(n, _)| *n).collect();
        write_on_update::<T>(&mut w, &set, self.sets.is_empty());
        write_where::<T>(&mut w, &self.filter, self.deleted);
        if returning {
            write_returning::<T>(&mut w);
        }
        w.finish()
    }
}

impl<T: Table, F> Update<T, F> {
    // The bound is on each method, not the impl, so that a call on an unfiltered update
    // reports `Runnable`'s message.
    /// The SQL text and its parameters.
    pub fn sql(&self) -> (String, Vec<Param>)
    where
        F: Runnable,
    {
        self.to_sql(false)
    }

    /// Runs the update; returns the number of rows updated.
    // A boxed future rather than an `async fn`: its type does not mention `F`, so a missing
    // filter is reported once, at the call, and not again at the `.await`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn execute<'a, E: Executor + ?Sized>(&'a self, exec: &'a E) -> BoxFuture<'a, Result<u64, Error>> where F: Runnable {
        execute_shaped(exec, self.shape(Tail::Nothing), || self.to_sql(false))
    }

    /// `RETURNING` every column of the updated rows.
    pub fn returning(self) -> Returning<T>
    where
        F: Runnable,
        T: crate::exec::FromRow,
    {
        Returning::of(self.statement(Tail::Rows))
    }

    /// `RETURNING` these columns (one, or a tuple), read as their values.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn returning_columns<I, C>(self, columns: C) -> Returning<T, C::Output> where F: Runnable, C: Selection<T, I, Grouping = Plain> {
        let nodes = columns.nodes();
        Returning::decoded(self.statement(Tail::Columns(&nodes)), |row| C::decode(row, 0))
    }
}
