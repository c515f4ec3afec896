//! Writes that read another table: `UPDATE … FROM` and `DELETE … USING` (on a soft-delete
//! table, the update that soft-deletes, `FROM` the other table). The values, the filter and
//! `RETURNING` may use both tables' columns; every column is written qualified, so that names
//! the two tables share are never ambiguous. Soft-deleted rows of either table are left alone.

use std::marker::PhantomData;

use super::delete::DeleteMode;
use super::{
    and_filter, execute, write_on_update, write_table, BoxFuture, Filtered, Returning, Runnable,
    Unfiltered, Writable,
};
use crate::exec::{Error, Executor, FromRow};
use crate::query::expr::{Expr, IntoExpr, Node, Param};
use crate::query::render::SqlWriter;
use crate::query::selection::{Plain, Selection};
use crate::query::soft_delete::Deleted;
use crate::query::Column;
use crate::schema::{ColumnValue, Table};

/// What a joined write does to the rows of `T` it matches.
enum Action {
    /// `UPDATE … SET …`
    Set(Vec<(&'static str, Node)>),
    /// `DELETE`, or the update that soft-deletes or restores.
    Delete(DeleteMode),
}

/// An `UPDATE T … FROM U` or a `DELETE FROM T USING U`, made by [`Update::from`](super::Update::from)
/// and [`Delete::using`](super::Delete::using); runnable once filtered (the join condition alone
/// matches every row of `T` that has a partner, so it does not count).
pub struct Joined<T: Table, U: Table, F = Unfiltered, A = SetsRows> {
    action: Action,
    on: Node,
    filter: Option<Node>,
    deleted: Deleted,
    _marker: Markers<T, U, F, A>,
}

type Markers<T, U, F, A> = PhantomData<fn() -> (T, U, F, A)>;

/// What a joined write does, in its type: an `UPDATE … FROM`, which takes `set`.
#[derive(Debug)]
pub enum SetsRows {}

/// What a joined write does, in its type: a `DELETE … USING` (or the soft delete, or the
/// restore), which sets nothing of the caller's.
#[derive(Debug)]
pub enum DeletesRows {}

impl<T: Table, U: Table, F, A> std::fmt::Debug for Joined<T, U, F, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Joined({})", self.to_sql(false).0)
    }
}

impl<T: Table, U: Table> Joined<T, U, Unfiltered, SetsRows> {
    pub(super) fn update(
        sets: Vec<(&'static str, Node)>,
        on: Node,
        filter: Option<Node>,
        deleted: Deleted,
    ) -> Self {
        Joined {
            action: Action::Set(sets),
            on,
            filter,
            deleted,
            _marker: PhantomData,
        }
    }
}

impl<T: Table, U: Table> Joined<T, U, Unfiltered, DeletesRows> {
    pub(super) fn delete(mode: DeleteMode, on: Node, filter: Option<Node>) -> Self {
        Joined {
            action: Action::Delete(mode),
            on,
            filter,
            deleted: Deleted::Live,
            _marker: PhantomData,
        }
    }
}

impl<T: Table, U: Table, A> Joined<T, U, Unfiltered, A> {
    /// Touches every row of `T` the join matches.
    pub fn all_rows(self) -> Joined<T, U, Filtered, A> {
        self.retype()
    }

    /// The same write in the filter state `F` of the builder it was made from.
    pub(super) fn retype_from<F>(self) -> Joined<T, U, F, A> {
        self.retype()
    }
}

impl<T: Table, U: Table, F> Joined<T, U, F, SetsRows> {
    /// `SET column = value`: a column of `T`, to a value, a column of either table or an
    /// expression of them, of the column's own type.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn set<V: ColumnValue, N: Writable, M>(mut self, column: Column<T, V, N>, value: impl IntoExpr<(T, U), V, M>) -> Self {
        if let Action::Set(sets) = &mut self.action {
            sets.retain(|(name, _)| *name != column.name());
            sets.push((column.name(), value.into_node()));
        }
        self
    }
}

impl<T: Table, U: Table, F, A> Joined<T, U, F, A> {
    fn retype<G>(self) -> Joined<T, U, G, A> {
        Joined {
            action: self.action,
            on: self.on,
            filter: self.filter,
            deleted: self.deleted,
            _marker: PhantomData,
        }
    }

    /// `WHERE …` (beside the join condition); called again, the conditions are joined with
    /// `AND`.
    pub fn filter(mut self, condition: Expr<(T, U), bool>) -> Joined<T, U, Filtered, A> {
        self.filter = Some(and_filter(self.filter.take(), condition));
        self.retype()
    }

    fn to_sql(&self, returning: bool) -> (String, Vec<Param>) {
        let mut w = SqlWriter::new(true);
        let other = U::table();
        // The rows of `T` in scope: live ones, but for a restore (deleted ones) or a hard
        // delete or `with_deleted` update (all).
        let scope = match &self.action {
            Action::Set(sets) => {
                w.push("UPDATE ");
                write_table::<T>(&mut w);
                w.push(" SET ");
                for (i, (name, value)) in sets.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.ident(name);
                    w.push(" = ");
                    w.node(value);
                }
                let set: Vec<&str> = sets.iter().map(|(n, _)| *n).collect();
                write_on_update::<T>(&mut w, &set, sets.is_empty());
                w.push(" FROM ");
                self.deleted
            }
            Action::Delete(DeleteMode::Hard) => {
                w.push("DELETE FROM ");
                write_table::<T>(&mut w);
                w.push(" USING ");
                Deleted::All
            }
            Action::Delete(mode) => {
                let column = T::table().soft_delete.as_deref().unwrap_or_default();
                w.push("UPDATE ");
                write_table::<T>(&mut w);
                w.push(" SET ");
                w.ident(column);
                let restore = *mode == DeleteMode::Restore;
                w.push(if restore { " = NULL" } else { " = now()" });
                write_on_update::<T>(&mut w, &[column], false);
                w.push(" FROM ");
                if restore {
                    Deleted::Only
                } else {
                    Deleted::Live
                }
            }
        };
        w.table(other.schema.as_deref(), &other.name);
        let mut conditions = vec![self.on.clone()];
        conditions.extend(self.filter.clone());
        conditions.extend(scope.condition(T::table()));
        conditions.extend(Deleted::Live.condition(other));
        let condition = Node::Logic("AND", conditions);
        w.where_clause(Some(&condition), None);
        if returning {
            w.push(" RETURNING ");
            for (i, column) in T::table().columns.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.column(T::table().schema.as_deref(), &T::table().name, &column.name);
            }
        }
        w.finish()
    }

    /// The SQL text and its parameters.
    pub fn sql(&self) -> (String, Vec<Param>)
    where
        F: Runnable,
    {
        self.to_sql(false)
    }

    /// Runs the write; returns the number of rows of `T` it touched.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn execute<'a, E: Executor + ?Sized>(&'a self, exec: &'a E) -> BoxFuture<'a, Result<u64, Error>> where F: Runnable {
        execute(exec, self.to_sql(false))
    }

    /// `RETURNING` every column of the rows of `T` touched.
    pub fn returning(self) -> Returning<T>
    where
        F: Runnable,
        T: FromRow,
    {
        Returning::of(self.to_sql(true))
    }

    /// `RETURNING` these columns (one, or a tuple) of either table, read as their values:
    /// `.returning_columns((projects::name, users::email))`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn returning_columns<I, C>(self, columns: C) -> Returning<T, C::Output> where F: Runnable, C: Selection<(T, U), I, Grouping = Plain> {
        Returning::nodes(self.to_sql(false), columns.nodes(), true, |row| {
            C::decode(row, 0)
        })
    }
}
