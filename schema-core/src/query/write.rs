//! `INSERT` (one row or many, upserts), `UPDATE` and `DELETE` (soft or hard), each with
//! `RETURNING`. Every update the builders render refreshes the table's on-update columns.
//!
//! An update or delete without a filter does not compile until `.all_rows()` says so.

use std::marker::PhantomData;

use super::expr::{Expr, IntoExpr, Node, Param};
use super::render::SqlWriter;
use super::select::Source;
use super::Column;
use crate::exec::{self, Error, Executor, FromRow};
use crate::schema::{ColumnValue, OnUpdate, Table};

/// An insert row's values, by column index. `#[table]` generates the row type (`NewUser`) and
/// implements this only once every required column is set.
pub trait Insertable<T: Table>: Sized {
    /// The row's values, by column index.
    #[doc(hidden)]
    fn into_values(self) -> Vec<(usize, Param)>;

    /// The rows as one array a column, by column index, when they can go that way: all set
    /// the same columns, none of them an array column. Otherwise the rows, back.
    #[doc(hidden)]
    fn into_column_arrays(rows: Vec<Self>) -> Result<Vec<(usize, Param)>, Vec<Self>> {
        Err(rows)
    }
}

/// Typestate of a required column in a generated insert row: not set yet.
#[derive(Debug, Clone, Copy)]
pub struct Missing;
/// Typestate of a required column in a generated insert row: set.
#[derive(Debug, Clone, Copy)]
pub struct Provided;

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

/// The columns an `ON CONFLICT` names: a column, or a tuple of columns, that a unique
/// constraint or index of `T` covers exactly (in any order), which PostgreSQL can infer the
/// arbiter from. Anything else is a compile error, not a failure at the first conflict.
#[diagnostic::on_unimplemented(
    message = "no unique constraint or index of `{T}` is on exactly these columns, so `ON CONFLICT` cannot name them",
    label = "not a unique key of `{T}`",
    note = "declare one (`#[column(unique)]`, `#[table(unique(a, b))]`, a unique index), or name a constraint: `on_conflict_constraint(\"name\")`"
)]
pub trait ConflictTarget<T> {
    #[doc(hidden)]
    fn names(&self) -> Vec<&'static str>;
}

/// The column markers (one type per column, `#[table]` emits them) of a unique key of `T`:
/// implemented by `#[table]` for each primary key, unique constraint and unique index on
/// plain columns, in every order of its columns.
#[doc(hidden)]
pub trait UniqueKey<T> {}

#[diagnostic::do_not_recommend]
impl<T, V, N: UniqueKey<T>> ConflictTarget<T> for Column<T, V, N> {
    fn names(&self) -> Vec<&'static str> {
        vec![self.name()]
    }
}

macro_rules! conflict_tuple {
    ($(($v:ident, $n:ident)),+) => {
        #[diagnostic::do_not_recommend]
        impl<T, $($v, $n),+> ConflictTarget<T> for ($(Column<T, $v, $n>,)+)
        where
            ($($n,)+): UniqueKey<T>,
        {
            #[allow(non_snake_case)]
            fn names(&self) -> Vec<&'static str> {
                let ($($v,)+) = self;
                vec![$($v.name()),+]
            }
        }
    };
}
conflict_tuple!((A, NA));
conflict_tuple!((A, NA), (B, NB));
conflict_tuple!((A, NA), (B, NB), (C, NC));
conflict_tuple!((A, NA), (B, NB), (C, NC), (D, ND));

/// A one-column key is also one as a 1-tuple.
impl<T, N: UniqueKey<T>> UniqueKey<T> for (N,) {}

#[derive(Clone)]
enum Conflict {
    Columns(Vec<&'static str>),
    Constraint(&'static str),
    Any,
}

#[derive(Clone)]
enum ConflictAction {
    Nothing,
    Update(Vec<(&'static str, Node)>),
}

/// `excluded.column`: the value an upsert's insert proposed.
pub fn excluded<T, V, N>(column: Column<T, V, N>) -> Expr<T, V> {
    Expr::new(Node::Excluded(column.name()))
}

/// An `INSERT` of one or more rows into `T`.
pub struct Insert<T: Table> {
    rows: Rows,
    conflict: Option<(Conflict, ConflictAction)>,
    _marker: PhantomData<fn() -> T>,
}

impl<T: Table> std::fmt::Debug for Insert<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Insert({})", self.to_sql(false).0)
    }
}

/// The rows of an insert.
enum Rows {
    /// A parameter a value, `VALUES (…), (…)`, `DEFAULT` where a row leaves a column out.
    Values(Vec<Vec<(usize, Param)>>),
    /// One array parameter a column (by column index), for `unnest`: the statement's text is
    /// the same for any number of rows, and the protocol's 65,535-parameter limit is no limit.
    Arrays(Vec<(usize, Param)>),
    /// No row: nothing is sent.
    None,
}

/// An upsert's conflict target, waiting for its action.
pub struct OnConflict<T: Table> {
    insert: Insert<T>,
    target: Conflict,
}

impl<T: Table> std::fmt::Debug for OnConflict<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnConflict")
    }
}

impl<T: Table> OnConflict<T> {
    /// `DO NOTHING`
    pub fn do_nothing(mut self) -> Insert<T> {
        self.insert.conflict = Some((self.target, ConflictAction::Nothing));
        self.insert
    }

    /// `DO UPDATE SET column = value, …`: start with one assignment, add more with
    /// [`Insert::set`]. On-update columns are refreshed too.
    pub fn do_update<V, N, M>(
        mut self,
        column: Column<T, V, N>,
        value: impl IntoExpr<T, V, M>,
    ) -> Insert<T> {
        let sets = vec![(column.name(), value.into_node())];
        self.insert.conflict = Some((self.target, ConflictAction::Update(sets)));
        self.insert
    }
}

impl<T: Table> Insert<T> {
    fn new(rows: Rows) -> Self {
        Insert {
            rows,
            conflict: None,
            _marker: PhantomData,
        }
    }

    /// `ON CONFLICT (columns)`
    pub fn on_conflict(self, target: impl ConflictTarget<T>) -> OnConflict<T> {
        OnConflict {
            target: Conflict::Columns(target.names()),
            insert: self,
        }
    }

    /// `ON CONFLICT ON CONSTRAINT name`
    pub fn on_conflict_constraint(self, name: &'static str) -> OnConflict<T> {
        OnConflict {
            target: Conflict::Constraint(name),
            insert: self,
        }
    }

    /// `ON CONFLICT DO NOTHING`, whatever the conflict.
    pub fn on_conflict_do_nothing(mut self) -> Insert<T> {
        self.conflict = Some((Conflict::Any, ConflictAction::Nothing));
        self
    }

    /// Another assignment of an upsert's `DO UPDATE SET`.
    pub fn set<V, N, M>(
        mut self,
        column: Column<T, V, N>,
        value: impl IntoExpr<T, V, M>,
    ) -> Insert<T> {
        if let Some((_, ConflictAction::Update(sets))) = &mut self.conflict {
            sets.push((column.name(), value.into_node()));
        }
        self
    }

    /// ` (columns) VALUES (…), (…)`: a parameter a value, `DEFAULT` where a row leaves a
    /// column out; `DEFAULT VALUES` when no row sets any column.
    fn write_values(&self, w: &mut SqlWriter, rows: &[Vec<(usize, Param)>]) {
        // The columns any row sets, in declaration order.
        let mut used = vec![false; T::table().columns.len()];
        for row in rows {
            for (index, _) in row {
                used[*index] = true;
            }
        }
        let columns: Vec<usize> = (0..used.len()).filter(|&i| used[i]).collect();
        if columns.is_empty() {
            w.push(" DEFAULT VALUES");
            return;
        }
        w.push(" (");
        for (i, &index) in columns.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.ident(&T::table().columns[index].name);
        }
        w.push(") VALUES ");
        for (r, row) in rows.iter().enumerate() {
            if r > 0 {
                w.push(", ");
            }
            w.push("(");
            for (i, &index) in columns.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                match row.iter().find(|(at, _)| *at == index) {
                    Some((_, value)) => w.param(value.clone()),
                    None => w.push("DEFAULT"),
                }
            }
            w.push(")");
        }
    }

    fn to_sql(&self, returning: bool) -> (String, Vec<Param>) {
        let mut w = SqlWriter::new(false);
        w.push("INSERT INTO ");
        write_table::<T>(&mut w);
        match &self.rows {
            Rows::Values(rows) => self.write_values(&mut w, rows),
            Rows::Arrays(arrays) => {
                w.push(" (");
                for (i, (index, _)) in arrays.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.ident(&T::table().columns[*index].name);
                }
                w.push(") SELECT * FROM unnest(");
                for (i, (index, array)) in arrays.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.param(array.clone());
                    w.push("::");
                    w.push(&T::table().columns[*index].sql_type.ddl());
                    w.push("[]");
                }
                w.push(")");
            }
            Rows::None => return (String::new(), Vec::new()),
        }
        if let Some((target, action)) = &self.conflict {
            w.push(" ON CONFLICT");
            match target {
                Conflict::Columns(names) => {
                    w.push(" (");
                    for (i, name) in names.iter().enumerate() {
                        if i > 0 {
                            w.push(", ");
                        }
                        w.ident(name);
                    }
                    w.push(")");
                }
                Conflict::Constraint(name) => {
                    w.push(" ON CONSTRAINT ");
                    w.ident(name);
                }
                Conflict::Any => {}
            }
            match action {
                ConflictAction::Nothing => w.push(" DO NOTHING"),
                ConflictAction::Update(sets) => {
                    w.push(" DO UPDATE SET ");
                    for (i, (name, value)) in sets.iter().enumerate() {
                        if i > 0 {
                            w.push(", ");
                        }
                        w.ident(name);
                        w.push(" = ");
                        w.node(value);
                    }
                    let set: Vec<&str> = sets.iter().map(|(n, _)| *n).collect();
                    write_on_update::<T>(&mut w, &set, false);
                }
            }
        }
        if returning {
            write_returning::<T>(&mut w);
        }
        w.finish()
    }

    /// The SQL text and its parameters; an empty text for an `insert_many` of no rows, which
    /// sends nothing.
    pub fn sql(&self) -> (String, Vec<Param>) {
        self.to_sql(false)
    }

    /// Runs the insert; returns the number of rows inserted (0, with no statement sent, for an
    /// `insert_many` of no rows).
    pub async fn execute(&self, exec: &(impl Executor + ?Sized)) -> Result<u64, Error> {
        if matches!(self.rows, Rows::None) {
            return Ok(0);
        }
        let (sql, params) = self.to_sql(false);
        exec::execute(exec, &sql, &params).await
    }

    /// `RETURNING` every column of the inserted rows.
    pub fn returning(self) -> Returning<T> {
        let (sql, params) = self.to_sql(true);
        Returning {
            sql,
            params,
            _marker: PhantomData,
        }
    }
}

/// A write whose rows come back (`RETURNING`).
pub struct Returning<T> {
    sql: String,
    params: Vec<Param>,
    _marker: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Returning<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Returning({})", self.sql)
    }
}

impl<T: Table + FromRow> Returning<T> {
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
    pub async fn all(&self, exec: &(impl Executor + ?Sized)) -> Result<Vec<T>, Error> {
        let rows = self.rows(exec).await?;
        rows.iter().map(|row| T::from_row(row, 0)).collect()
    }

    /// Exactly one row: [`Error::NotFound`] when the statement touched none (an upsert that
    /// did nothing, an update that matched nothing).
    pub async fn one(&self, exec: &(impl Executor + ?Sized)) -> Result<T, Error> {
        let rows = self.rows(exec).await?;
        match rows.as_slice() {
            [row] => T::from_row(row, 0),
            [] => Err(Error::NotFound {
                table: T::table().name.to_string(),
                sql: self.sql.clone(),
            }),
            _ => Err(Error::TooManyRows {
                table: T::table().name.to_string(),
                sql: self.sql.clone(),
            }),
        }
    }

    /// The row, if the statement touched one.
    pub async fn optional(&self, exec: &(impl Executor + ?Sized)) -> Result<Option<T>, Error> {
        let rows = self.rows(exec).await?;
        match rows.as_slice() {
            [row] => T::from_row(row, 0).map(Some),
            [] => Ok(None),
            _ => Err(Error::TooManyRows {
                table: T::table().name.to_string(),
                sql: self.sql.clone(),
            }),
        }
    }
}

/// Which rows of a soft-delete table an update or delete touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    Live,
    Deleted,
    All,
}

/// An `UPDATE` of `T`; runnable once filtered (`F = Filtered`).
pub struct Update<T: Table, F = Unfiltered> {
    sets: Vec<(&'static str, Node)>,
    filter: Option<Node>,
    scope: Scope,
    _marker: PhantomData<fn() -> (T, F)>,
}

impl<T: Table, F> std::fmt::Debug for Update<T, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Update({})", self.to_sql(false).0)
    }
}

fn scope_condition<T: Table>(scope: Scope) -> Option<Node> {
    let column = T::table().soft_delete.as_ref()?;
    let column = Node::Column {
        schema: T::table().schema.as_deref(),
        table: T::table().name.as_ref(),
        name: column.as_ref(),
    };
    match scope {
        Scope::Live => Some(Node::IsNull(Box::new(column), false)),
        Scope::Deleted => Some(Node::IsNull(Box::new(column), true)),
        Scope::All => None,
    }
}

fn write_where<T: Table>(w: &mut SqlWriter, filter: &Option<Node>, scope: Scope) {
    w.where_clause(filter.as_ref(), scope_condition::<T>(scope).as_ref());
}

impl<T: Table> Update<T, Unfiltered> {
    pub(crate) fn new() -> Self {
        Update {
            sets: Vec::new(),
            filter: None,
            scope: Scope::Live,
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
            scope: self.scope,
            _marker: PhantomData,
        }
    }

    /// `SET column = value`: a value, another column of `T` or an expression, of the column's
    /// own type (`None` sets a nullable column to NULL).
    pub fn set<V: ColumnValue, N, M>(
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
        self.filter = Some(match self.filter.take() {
            Some(existing) => Expr::<T, bool>::new(existing).and(condition).node,
            None => condition.node,
        });
        self.retype()
    }

    /// Touches soft-deleted rows too.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn with_deleted(mut self) -> Self where (): crate::schema::SoftDeleteOf<T> {
        self.scope = Scope::All;
        self
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
        write_where::<T>(&mut w, &self.filter, self.scope);
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
        let (sql, params) = self.to_sql(false);
        Box::pin(async move { exec::execute(exec, &sql, &params).await })
    }

    /// `RETURNING` every column of the updated rows.
    pub fn returning(self) -> Returning<T>
    where
        F: Runnable,
    {
        let (sql, params) = self.to_sql(true);
        Returning {
            sql,
            params,
            _marker: PhantomData,
        }
    }
}

/// A `DELETE` of `T` (on a soft-delete table, an update of its soft-delete column), or a
/// restore of soft-deleted rows; runnable once filtered.
pub struct Delete<T: Table, F = Unfiltered> {
    mode: DeleteMode,
    filter: Option<Node>,
    _marker: PhantomData<fn() -> (T, F)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DeleteMode {
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
    /// `WHERE …`; called again, the conditions are joined with `AND`.
    pub fn filter(mut self, condition: Expr<T, bool>) -> Delete<T, Filtered> {
        let filter = Some(match self.filter.take() {
            Some(existing) => Expr::<T, bool>::new(existing).and(condition).node,
            None => condition.node,
        });
        Delete {
            mode: self.mode,
            filter,
            _marker: PhantomData,
        }
    }

    fn to_sql(&self, returning: bool) -> (String, Vec<Param>) {
        let mut w = SqlWriter::new(false);
        match self.mode {
            DeleteMode::Hard => {
                w.push("DELETE FROM ");
                write_table::<T>(&mut w);
                write_where::<T>(&mut w, &self.filter, Scope::All);
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
                    Scope::Live
                } else {
                    Scope::Deleted
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
        let (sql, params) = self.to_sql(false);
        Box::pin(async move { exec::execute(exec, &sql, &params).await })
    }

    /// `RETURNING` every column of the rows deleted (or restored).
    pub fn returning(self) -> Returning<T>
    where
        F: Runnable,
    {
        let (sql, params) = self.to_sql(true);
        Returning {
            sql,
            params,
            _marker: PhantomData,
        }
    }
}

/// The query-builder entry points of every `#[table]` type.
pub trait TableQueries: Table + FromRow + Source + super::KeyFilter {
    /// `SELECT` every column; soft-deleted rows are left out unless asked for.
    fn select() -> super::Select<Self, Self> {
        super::Select::new()
    }

    /// The row with this primary key.
    fn find(key: Self::Key) -> super::Select<Self, Self> {
        super::Select::new().filter(Self::key_filter(key))
    }

    /// `INSERT` one row (a `New…` row with every required column set).
    fn insert(row: impl Insertable<Self>) -> Insert<Self> {
        Insert::new(Rows::Values(vec![row.into_values()]))
    }

    /// `INSERT` many rows in one statement.
    fn insert_many<R: Insertable<Self>>(rows: impl IntoIterator<Item = R>) -> Insert<Self> {
        let rows: Vec<R> = rows.into_iter().collect();
        Insert::new(match rows.len() {
            0 => Rows::None,
            1 => Rows::Values(rows.into_iter().map(Insertable::into_values).collect()),
            _ => match R::into_column_arrays(rows) {
                Ok(arrays) => Rows::Arrays(arrays),
                Err(rows) => Rows::Values(rows.into_iter().map(Insertable::into_values).collect()),
            },
        })
    }

    /// `UPDATE`; needs `.filter(…)` or `.all_rows()` before it runs.
    fn update() -> Update<Self, Unfiltered> {
        Update::new()
    }

    /// `DELETE`, or on a soft-delete table, set its soft-delete column to now().
    fn delete() -> Delete<Self, Unfiltered> {
        Delete::new(false)
    }

    /// `DELETE`, even on a soft-delete table.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    fn hard_delete() -> Delete<Self, Unfiltered> where (): crate::schema::SoftDeleteOf<Self> {
        Delete::new(true)
    }

    /// Sets a soft-delete table's soft-delete column back to NULL.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    fn restore() -> Delete<Self, Unfiltered> where (): crate::schema::SoftDeleteOf<Self> {
        Delete::restore()
    }
}

impl<T: Table + FromRow + Source + super::KeyFilter> TableQueries for T {}
