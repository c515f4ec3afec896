//! `INSERT`: one row or many (as one array a column when they can go that way), with
//! `ON CONFLICT` (see `upsert`) and `RETURNING`.

use std::marker::PhantomData;

use super::upsert::{Conflict, ConflictAction, ConflictTarget, OnConflict};
use super::{write_on_update, write_returning, write_table, Returning, Tail, Writable};
use crate::exec::{self, Error, Executor};
use crate::query::expr::{Expr, IntoExpr, Node, Param};
use crate::query::render::SqlWriter;
use crate::query::selection::{Plain, Selection};
use crate::query::shape::{Rendered, Shape};
use crate::query::Column;
use crate::schema::Table;

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

/// Names the shapes of inserts (with their table's type).
enum InsertShape {}

/// An `INSERT` of one or more rows into `T`.
pub struct Insert<T: Table> {
    rows: Rows,
    pub(super) conflict: Option<(Conflict, ConflictAction)>,
    /// `ON CONFLICT (…) WHERE …`: the predicate of a partial unique index the target names.
    pub(super) target_where: Option<Node>,
    /// `DO UPDATE SET … WHERE …`: which conflicting rows are updated (the others are left).
    pub(super) update_where: Option<Node>,
    _marker: PhantomData<fn() -> T>,
}

impl<T: Table> std::fmt::Debug for Insert<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Insert({})", self.to_sql(false).0)
    }
}

/// The rows of an insert.
pub(crate) enum Rows {
    /// A parameter a value, `VALUES (…), (…)`, `DEFAULT` where a row leaves a column out.
    Values(Vec<Vec<(usize, Param)>>),
    /// One array parameter a column (by column index), for `unnest`: the statement's text is
    /// the same for any number of rows, and the protocol's 65,535-parameter limit is no limit.
    Arrays(Vec<(usize, Param)>),
    /// The rows of a query: `(columns) SELECT …`, the columns by index.
    /// The columns, the query's `WITH` (written before `INSERT`) and the query.
    Query(
        Vec<usize>,
        Option<crate::query::render::WriteFn>,
        crate::query::render::WriteFn,
    ),
    /// No row: nothing is sent.
    None,
}

impl<T: Table> Insert<T> {
    pub(crate) fn new(rows: Rows) -> Self {
        Insert {
            rows,
            conflict: None,
            target_where: None,
            update_where: None,
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

    /// `ON CONFLICT (columns) WHERE predicate`: the columns of a partial unique index (or of
    /// any unique key), and a predicate that implies the index's, from which PostgreSQL infers
    /// the index: `.on_conflict_where(members::email, members::deleted_at.is_null())` for an
    /// email unique among live members.
    pub fn on_conflict_where<K>(
        mut self,
        target: impl ConflictTarget<T, K>,
        predicate: Expr<T, bool>,
    ) -> OnConflict<T> {
        self.target_where = Some(predicate.node);
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
    pub fn set<V, N: Writable, M>(
        mut self,
        column: Column<T, V, N>,
        value: impl IntoExpr<T, V, M>,
    ) -> Insert<T> {
        if let Some((_, ConflictAction::Update(sets))) = &mut self.conflict {
            sets.push((column.name(), value.into_node()));
        }
        self
    }

    /// `DO UPDATE SET … WHERE condition`: only the conflicting rows for which `condition` holds
    /// are updated (the others are left as they are, and not returned); it may read the
    /// existing row's columns and `excluded(…)`, the proposed ones:
    /// `.update_where(counters::seen.lt(excluded(counters::seen)))`. Called again, the
    /// conditions are joined with `AND`.
    pub fn update_where(mut self, condition: Expr<T, bool>) -> Insert<T> {
        self.update_where = Some(match self.update_where.take() {
            Some(existing) => Expr::<T, bool>::new(existing).and(condition).node,
            None => condition.node,
        });
        self
    }

    /// ` (columns) VALUES (…), (…)`: a parameter a value, `DEFAULT` where a row leaves a
    /// column out; `DEFAULT VALUES` when the one row sets no column.
    fn write_values(&self, w: &mut SqlWriter, rows: &[Vec<(usize, Param)>]) {
        // The columns any row sets, in declaration order.
        let mut used = vec![false; T::table().columns.len()];
        for row in rows {
            for (index, _) in row {
                used[*index] = true;
            }
        }
        let mut columns: Vec<usize> = (0..used.len()).filter(|&i| used[i]).collect();
        if columns.is_empty() {
            if rows.len() <= 1 {
                w.push(" DEFAULT VALUES");
                return;
            }
            // `DEFAULT VALUES` is one row: many rows of defaults name a column to give DEFAULT
            // (allowed for any column, computed ones too), so that each row is inserted.
            columns.push(0);
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

    /// The statement, its text as this thread kept it for the shape or rendered.
    fn statement(&self, tail: Tail<'_>) -> Rendered {
        let render = || tail.append(self.to_sql(tail.rows()));
        match self.shape(tail) {
            Some(shape) => shape.text(render),
            None => render().into(),
        }
    }

    /// The statement's shape, by which its text is rendered once (the columns each row sets,
    /// the conflict clause, what it returns); none for an insert of a query's rows, rendered
    /// every time.
    fn shape<'a>(&'a self, tail: Tail<'a>) -> Option<Shape<'a>> {
        let mut shape = Shape::new::<(InsertShape, T)>();
        tail.spell(&mut shape);
        match &self.rows {
            Rows::Values(rows) => {
                shape.tag(1);
                shape.index(rows.len());
                for row in rows {
                    shape.index(row.len());
                    for (index, value) in row {
                        shape.index(*index);
                        shape.param(value);
                    }
                }
            }
            Rows::Arrays(arrays) => {
                shape.tag(2);
                shape.index(arrays.len());
                for (index, array) in arrays {
                    shape.index(*index);
                    shape.param(array);
                }
            }
            Rows::Query(..) | Rows::None => return None,
        }
        match &self.conflict {
            None => shape.tag(0),
            Some((target, action)) => {
                shape.tag(1);
                match target {
                    Conflict::Columns(names) => {
                        shape.tag(1);
                        shape.index(names.len());
                        for name in names {
                            shape.word(name);
                        }
                        shape.option_node(self.target_where.as_ref());
                    }
                    Conflict::Constraint(name) => {
                        shape.tag(2);
                        shape.word(name);
                    }
                    Conflict::Any => shape.tag(3),
                }
                match action {
                    ConflictAction::Nothing => shape.tag(0),
                    ConflictAction::Update(sets) => {
                        shape.tag(1);
                        shape.index(sets.len());
                        for (name, value) in sets {
                            shape.word(name);
                            shape.node(value);
                        }
                        shape.option_node(self.update_where.as_ref());
                    }
                }
            }
        }
        Some(shape)
    }

    fn to_sql(&self, returning: bool) -> (String, Vec<Param>) {
        let mut w = SqlWriter::new(false);
        if let Rows::Query(_, Some(with), _) = &self.rows {
            with(&mut w);
        }
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
            Rows::Query(columns, _, query) => {
                w.push(" (");
                for (i, index) in columns.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.ident(&T::table().columns[*index].name);
                }
                w.push(") ");
                query(&mut w);
            }
            Rows::None => return (String::new(), Vec::new()),
        }
        if let Some((target, action)) = &self.conflict {
            // In `ON CONFLICT`, a bare column name would be ambiguous with `excluded`'s: the
            // existing row's columns are written with the table's name.
            let before = w.set_qualify(true);
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
                    if let Some(predicate) = &self.target_where {
                        w.push(" WHERE ");
                        w.node(predicate);
                    }
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
                    if let Some(condition) = &self.update_where {
                        w.push(" WHERE ");
                        w.node(condition);
                    }
                }
            }
            w.set_qualify(before);
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
        // A kept text's parameters are bound by reference, with no list made for them. (The
        // shape itself is done with before the statement is sent.)
        let render = || self.to_sql(false);
        let statement = match self.shape(Tail::Nothing) {
            Some(shape) => match shape.kept() {
                Some(kept) => Ok(kept),
                None => Err(shape.text(render)),
            },
            None => Err(Rendered::from(render())),
        };
        match statement {
            Ok(kept) => exec::execute_params(exec, &kept.text, kept.params()).await,
            Err(Rendered { text, params }) => exec::execute(exec, &text, &params).await,
        }
    }

    /// `RETURNING` every column of the inserted rows.
    pub fn returning(self) -> Returning<T>
    where
        T: crate::exec::FromRow,
    {
        Returning::of(self.statement(Tail::Rows))
    }

    /// `RETURNING` these columns (one, or a tuple), read as their values:
    /// `.returning_columns((users::id, users::email))` gives `(Uuid, String)` rows.
    pub fn returning_columns<I, C>(self, columns: C) -> Returning<T, C::Output>
    where
        C: Selection<T, I, Grouping = Plain>,
    {
        let nodes = columns.nodes();
        Returning::decoded(self.statement(Tail::Columns(&nodes)), |row| {
            C::decode(row, 0)
        })
    }
}
