//! `INSERT` (one row or many, upserts), `UPDATE` and `DELETE` (soft or hard), each with
//! `RETURNING`. Every update the builders render refreshes the table's on-update columns.
//!
//! An update or delete without a filter does not compile until `.all_rows()` says so.

mod delete;
mod insert;
mod insert_select;
mod joined;
mod update;
mod upsert;

use std::marker::PhantomData;
use std::sync::Arc;

pub use delete::Delete;
pub(crate) use insert::Rows;
pub use insert::{Insert, Insertable, Missing, Provided};
pub use insert_select::InsertColumns;
pub use joined::{DeletesRows, Joined, SetsRows};
pub use update::Update;
pub use upsert::{excluded, ConflictTarget, OnConflict, PartialKey, UniqueKey, WholeKey};

// Where `TableQueries` was before it had a file of its own.
pub use super::table_queries::TableQueries;

use super::expr::{Expr, Node, Param};
use super::render::SqlWriter;
use super::shape::{Rendered, Shape};
use super::soft_delete::Deleted;
use crate::exec::{self, Error, Executor, FromRow};
use crate::schema::{OnUpdate, Table};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Typestate of an update or delete: no filter yet, so it cannot run.
#[derive(Debug)]
pub enum Unfiltered {}

/// Typestate of an update or delete: filtered, or explicitly on all rows.
#[derive(Debug)]
pub enum Filtered {}

/// Runs only once filtered.
#[diagnostic::on_unimplemented(
    message = "this update or delete has no filter, so it does not run",
    label = "add `.filter(…)` before this, or `.all_rows()` to touch every row",
    note = "an update or delete of every row is never an accident: it has to be asked for"
)]
pub trait Runnable {}

#[diagnostic::do_not_recommend]
impl Runnable for Filtered {}

/// The column markers of the columns an update or upsert may set: `#[table]` implements it for
/// every column but those the database computes (`generated`, `identity = always`).
#[diagnostic::on_unimplemented(
    message = "this column is computed by the database (`generated` or `identity = always`) and cannot be set",
    label = "computed by the database",
    note = "set the columns it is computed from; the database keeps it up to date"
)]
#[doc(hidden)]
pub trait Writable {}

/// The marker of a column the database computes: `Column<T, V, Computed<marker>>`, which no
/// update or upsert can set.
#[doc(hidden)]
#[derive(Debug)]
pub struct Computed<N>(PhantomData<N>);

/// A column made by hand (`Column::new`), with no marker of its own.
#[diagnostic::do_not_recommend]
impl Writable for () {}

fn write_table<T: Table>(w: &mut SqlWriter) {
    w.table(T::table().schema.as_deref(), &T::table().name);
}

fn write_returning<T: Table>(w: &mut SqlWriter) {
    w.push(" RETURNING ");
    for (i, column) in T::table().columns.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(&column.name);
    }
}

/// `"col" = now()` / `= $n` for every on-update column the statement does not set itself.
fn write_on_update<T: Table>(w: &mut SqlWriter, set: &[&str], first: bool) {
    let mut first = first;
    let mut values = None;
    for column in T::table().columns.iter() {
        let Some(hook) = &column.on_update else {
            continue;
        };
        if set.contains(&&*column.name) {
            continue;
        }
        if !first {
            w.push(", ");
        }
        first = false;
        w.ident(&column.name);
        w.push(" = ");
        match hook {
            OnUpdate::Now => w.push("now()"),
            OnUpdate::Function(_) => {
                let values = values.get_or_insert_with(T::on_update_values);
                let value = values
                    .iter()
                    .find(|(name, _)| *name == &*column.name)
                    .map(|(_, v)| v.clone());
                match value {
                    Some(value) => w.param(value),
                    None => w.push("DEFAULT"),
                }
            }
        }
    }
}

/// A write whose rows come back (`RETURNING`): every column, read as `T`, or the columns of
/// `returning_columns(…)`, read as `O`.
pub struct Returning<T, O = T> {
    sql: Arc<str>,
    params: Vec<Param>,
    decode: fn(&tokio_postgres::Row) -> Result<O, Error>,
    _marker: PhantomData<fn() -> T>,
}

impl<T, O> std::fmt::Debug for Returning<T, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Returning({})", self.sql)
    }
}

impl<T: Table + FromRow> Returning<T> {
    /// The rendered statement, `RETURNING` its rows.
    fn of(statement: impl Into<Rendered>) -> Self {
        let Rendered { text, params } = statement.into();
        Returning {
            sql: text,
            params,
            decode: |row| T::from_row(row, 0),
            _marker: PhantomData,
        }
    }
}

impl<T: Table> Returning<T> {
    /// A statement `RETURNING` columns, its rows decoded with `decode`.
    fn decoded<O>(
        statement: impl Into<Rendered>,
        decode: fn(&tokio_postgres::Row) -> Result<O, Error>,
    ) -> Returning<T, O> {
        let Rendered { text, params } = statement.into();
        Returning {
            sql: text,
            params,
            decode,
            _marker: PhantomData,
        }
    }

    /// The rendered statement (without `RETURNING`) and `RETURNING nodes` (qualified or not),
    /// its rows decoded with `decode`.
    fn nodes<O>(
        statement: (String, Vec<Param>),
        nodes: Vec<Node>,
        qualify: bool,
        decode: fn(&tokio_postgres::Row) -> Result<O, Error>,
    ) -> Returning<T, O> {
        Returning::decoded(append_returning(statement, &nodes, qualify), decode)
    }
}

/// What a write returns: nothing, its rows (every column), or the columns of
/// `returning_columns`.
#[derive(Clone, Copy)]
pub(super) enum Tail<'a> {
    Nothing,
    Rows,
    Columns(&'a [Node]),
}

impl<'a> Tail<'a> {
    /// The tail, spelled into its statement's shape.
    fn spell(self, shape: &mut Shape<'a>) {
        match self {
            Tail::Nothing => shape.tag(0),
            Tail::Rows => shape.tag(1),
            Tail::Columns(nodes) => {
                shape.tag(2);
                shape.index(nodes.len());
                for node in nodes {
                    shape.node(node);
                }
            }
        }
    }

    /// Whether the statement's own rendering ends with `RETURNING` every column.
    fn rows(self) -> bool {
        matches!(self, Tail::Rows)
    }

    /// The statement (rendered as [`Tail::rows`] says) with the tail's columns after it.
    fn append(self, statement: (String, Vec<Param>)) -> (String, Vec<Param>) {
        match self {
            Tail::Columns(nodes) => append_returning(statement, nodes, false),
            Tail::Nothing | Tail::Rows => statement,
        }
    }
}

/// ` RETURNING nodes` (qualified or not) after a rendered statement; nothing after none (an
/// insert of no rows sends nothing, and returns nothing).
fn append_returning(
    (sql, params): (String, Vec<Param>),
    nodes: &[Node],
    qualify: bool,
) -> (String, Vec<Param>) {
    if sql.is_empty() {
        return (sql, params);
    }
    let mut w = SqlWriter::resume(sql, params);
    w.set_qualify(qualify);
    w.push(" RETURNING ");
    for (i, node) in nodes.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.node(node);
    }
    w.finish()
}

impl<T: Table, O> Returning<T, O> {
    pub fn sql(&self) -> (&str, &[Param]) {
        (&self.sql, &self.params)
    }

    /// The rows the statement returns; none, with nothing sent, when there is no statement (an
    /// `insert_many` of no rows).
    async fn rows(
        &self,
        exec: &(impl Executor + ?Sized),
    ) -> Result<Vec<tokio_postgres::Row>, Error> {
        if self.sql.is_empty() {
            return Ok(Vec::new());
        }
        exec::query(exec, &self.sql, &self.params).await
    }

    /// Every row the statement touched.
    pub async fn all(&self, exec: &(impl Executor + ?Sized)) -> Result<Vec<O>, Error> {
        let rows = self.rows(exec).await?;
        self.decode_rows(&rows)
    }

    pub(crate) fn decode_rows(&self, rows: &[tokio_postgres::Row]) -> Result<Vec<O>, Error> {
        rows.iter().map(self.decode).collect()
    }

    /// The first row the statement returns, and whether it returned more; streamed, not
    /// collected. None, with nothing sent, when there is no statement.
    async fn first_row(
        &self,
        exec: &(impl Executor + ?Sized),
    ) -> Result<(Option<tokio_postgres::Row>, bool), Error> {
        if self.sql.is_empty() {
            return Ok((None, false));
        }
        exec::query_first(exec, &self.sql, exec::Params::Owned(&self.params)).await
    }

    /// Exactly one row: [`Error::NotFound`] when the statement touched none (an upsert that
    /// did nothing, an update that matched nothing).
    pub async fn one(&self, exec: &(impl Executor + ?Sized)) -> Result<O, Error> {
        match self.first_row(exec).await? {
            (Some(row), false) => (self.decode)(&row),
            (None, _) => Err(Error::NotFound {
                table: T::table().name.to_string(),
                sql: self.sql.to_string(),
            }),
            (Some(_), true) => Err(Error::TooManyRows {
                table: T::table().name.to_string(),
                sql: self.sql.to_string(),
            }),
        }
    }

    /// The row, if the statement touched one.
    pub async fn optional(&self, exec: &(impl Executor + ?Sized)) -> Result<Option<O>, Error> {
        match self.first_row(exec).await? {
            (Some(row), false) => (self.decode)(&row).map(Some),
            (None, _) => Ok(None),
            (Some(_), true) => Err(Error::TooManyRows {
                table: T::table().name.to_string(),
                sql: self.sql.to_string(),
            }),
        }
    }
}

/// ` WHERE filter AND <the soft-delete test>` of an update or delete.
fn write_where<T: Table>(w: &mut SqlWriter, filter: &Option<Node>, deleted: Deleted) {
    w.where_clause(filter.as_ref(), deleted.condition(T::table()).as_ref());
}

/// An update's or delete's filter with one more condition: `existing AND condition`.
fn and_filter<T>(existing: Option<Node>, condition: Expr<T, bool>) -> Node {
    match existing {
        Some(existing) => Expr::<T, bool>::new(existing).and(condition).node,
        None => condition.node,
    }
}

/// Runs an update or delete of `shape`: its text as this thread kept it, its parameters bound
/// by reference (no list made for them), else rendered by `render`; the number of rows it
/// touched.
fn execute_shaped<'a, E: Executor + ?Sized>(
    exec: &'a E,
    shape: Shape<'a>,
    render: impl FnOnce() -> (String, Vec<Param>),
) -> BoxFuture<'a, Result<u64, Error>> {
    match shape.kept() {
        Some(kept) => {
            Box::pin(async move { exec::execute_params(exec, &kept.text, kept.params()).await })
        }
        None => execute(exec, shape.text(render)),
    }
}

/// Runs a rendered insert, update or delete; the number of rows it touched.
fn execute<'a, E: Executor + ?Sized>(
    exec: &'a E,
    statement: impl Into<Rendered>,
) -> BoxFuture<'a, Result<u64, Error>> {
    let Rendered { text, params } = statement.into();
    Box::pin(async move { exec::execute(exec, &text, &params).await })
}
