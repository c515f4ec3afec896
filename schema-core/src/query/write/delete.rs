//! `DELETE`, or on a soft-delete table an update of its soft-delete column (and the restore
//! that undoes it); runnable once filtered.

use std::marker::PhantomData;

use super::{
    and_filter, execute_shaped, write_on_update, write_returning, write_table, write_where,
    BoxFuture, Filtered, Returning, Runnable, Tail, Unfiltered,
};
use crate::exec::{Error, Executor};
use crate::query::expr::{Expr, Node, Param};
use crate::query::render::SqlWriter;
use crate::query::selection::{Plain, Selection};
use crate::query::shape::{Rendered, Shape};
use crate::query::soft_delete::Deleted;
use crate::schema::Table;

/// Names the shapes of deletes (with their table's type).
enum DeleteShape {}

/// A `DELETE` of `T` (on a soft-delete table, an update of its soft-delete column), or a
/// restore of soft-deleted rows; runnable once filtered.
pub struct Delete<T: Table, F = Unfiltered> {
    mode: DeleteMode,
    filter: Option<Node>,
    _marker: PhantomData<fn() -> (T, F)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DeleteMode {
    Hard,
    Soft,
    Restore,
}

impl<T: Table, F> std::fmt::Debug for Delete<T, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Delete({})", self.to_sql(false).0)
    }
}

impl<T: Table> Delete<T, Unfiltered> {
    pub(crate) fn new(hard: bool) -> Self {
        let mode = if hard || T::table().soft_delete.is_none() {
            DeleteMode::Hard
        } else {
            DeleteMode::Soft
        };
        Delete {
            mode,
            filter: None,
            _marker: PhantomData,
        }
    }

    pub(crate) fn restore() -> Self {
        Delete {
            mode: DeleteMode::Restore,
            filter: None,
            _marker: PhantomData,
        }
    }

    /// Touches every row of the table: an unfiltered delete is never an accident.
    pub fn all_rows(self) -> Delete<T, Filtered> {
        Delete {
            mode: self.mode,
            filter: self.filter,
            _marker: PhantomData,
        }
    }
}

impl<T: Table, F> Delete<T, F> {
    /// `DELETE FROM T USING U WHERE on` (on a soft-delete table, `UPDATE T SET deleted_at =
    /// now() FROM U …`): the filter may read `U`'s columns
    /// (`Project::delete().using::<User>(projects::owner_id.eq(users::id)).filter(users::email.ends_with("@old.io"))`).
    /// Runnable once filtered, as any delete.
    pub fn using<U: Table>(
        self,
        on: Expr<(T, U), bool>,
    ) -> super::Joined<T, U, F, super::DeletesRows> {
        super::Joined::delete(self.mode, on.node, self.filter).retype_from()
    }

    /// `WHERE …`; called again, the conditions are joined with `AND`.
    pub fn filter(mut self, condition: Expr<T, bool>) -> Delete<T, Filtered> {
        let filter = Some(and_filter(self.filter.take(), condition));
        Delete {
            mode: self.mode,
            filter,
            _marker: PhantomData,
        }
    }

    /// The statement's shape, by which its text is rendered once (the filter's columns and operators,
    /// soft or hard, whether it returns rows).
    fn shape<'a>(&'a self, tail: Tail<'a>) -> Shape<'a> {
        let mut shape = Shape::new::<(DeleteShape, T)>();
        tail.spell(&mut shape);
        shape.tag(self.mode as u8);
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
        match self.mode {
            DeleteMode::Hard => {
                w.push("DELETE FROM ");
                write_table::<T>(&mut w);
                write_where::<T>(&mut w, &self.filter, Deleted::All);
            }
            DeleteMode::Soft | DeleteMode::Restore => {
                let column = T::table().soft_delete.as_deref().unwrap_or_default();
                w.push("UPDATE ");
                write_table::<T>(&mut w);
                w.push(" SET ");
                w.ident(column);
                w.push(if self.mode == DeleteMode::Soft {
                    " = now()"
                } else {
                    " = NULL"
                });
                write_on_update::<T>(&mut w, &[column], false);
                let scope = if self.mode == DeleteMode::Soft {
                    Deleted::Live
                } else {
                    Deleted::Only
                };
                write_where::<T>(&mut w, &self.filter, scope);
            }
        }
        if returning {
            write_returning::<T>(&mut w);
        }
        w.finish()
    }
}

impl<T: Table, F> Delete<T, F> {
    // The bound is on each method, not the impl, so that a call on an unfiltered delete
    // reports `Runnable`'s message.
    /// The SQL text and its parameters.
    pub fn sql(&self) -> (String, Vec<Param>)
    where
        F: Runnable,
    {
        self.to_sql(false)
    }

    /// Runs the delete; returns the number of rows deleted (or restored).
    // A boxed future rather than an `async fn`: its type does not mention `F`, so a missing
    // filter is reported once, at the call, and not again at the `.await`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn execute<'a, E: Executor + ?Sized>(&'a self, exec: &'a E) -> BoxFuture<'a, Result<u64, Error>> where F: Runnable {
        execute_shaped(exec, self.shape(Tail::Nothing), || self.to_sql(false))
    }

    /// `RETURNING` every column of the rows deleted (or restored).
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
