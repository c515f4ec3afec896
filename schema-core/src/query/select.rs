//! `SELECT`: filters, order, limit and offset, projections, aggregates with `GROUP BY`/`HAVING`,
//! inner and left joins, row locks, and soft-deleted rows left out unless asked for.

use std::marker::PhantomData;
use std::sync::Arc;

use tokio_postgres::Row;

use super::expr::{Expr, Node};
// The public paths of the parts a `Select` is made of, as they were before these had files of
// their own.
pub use super::order::{IntoOrder, Order};
use super::render::SqlWriter;
pub use super::selection::{Aliased, ExprPosition, Position, Selection};
use super::soft_delete::Deleted;
pub use super::source::{
    InNullable, InOuter, Join, JoinKind, JoinTarget, Joinable, Nullable, OptionalBase, Outer,
    Source,
};
use crate::exec::{self, Error, Executor, FromRow, ReadsInto};
use crate::schema::Table;

/// A `SELECT` on source `S` (a table, or joined tables), returning `O`.
pub struct Select<S, O = <S as Source>::Row>
where
    S: Source,
{
    filter: Option<Node>,
    joins: Vec<Join>,
    order: Vec<(Node, bool, Option<bool>)>,
    /// `DISTINCT` (empty) or `DISTINCT ON (…)`.
    distinct: Option<Vec<Node>>,
    group_by: Vec<Node>,
    having: Option<Node>,
    limit: Option<i64>,
    offset: Option<i64>,
    lock: Option<super::row_lock::RowLock>,
    deleted: Deleted,
    projection: Option<Vec<Node>>,
    /// Loaded relations, written after the columns (one value each).
    relations: Vec<super::render::WriteFn>,
    /// The CTEs of a `WITH` before the `SELECT`.
    ctes: Vec<super::inline::CteDef>,
    /// At most one row by construction (a primary-key lookup, not joined since): `one` and
    /// `first` need no `LIMIT` of their own.
    at_most_one: bool,
    /// `T::find(key)` as it was made, its filter the key's alone: its text is the same on every
    /// call, rendered once per table and thread (see [`key_lookup_text`]).
    key_lookup: bool,
    decode: fn(&Row) -> Result<O, Error>,
    _marker: PhantomData<fn() -> S>,
}

impl<S: Source, O> Clone for Select<S, O> {
    fn clone(&self) -> Self {
        Select {
            filter: self.filter.clone(),
            joins: self.joins.clone(),
            order: self.order.clone(),
            distinct: self.distinct.clone(),
            group_by: self.group_by.clone(),
            having: self.having.clone(),
            limit: self.limit,
            offset: self.offset,
            lock: self.lock.clone(),
            deleted: self.deleted,
            projection: self.projection.clone(),
            relations: self.relations.clone(),
            ctes: self.ctes.clone(),
            at_most_one: self.at_most_one,
            key_lookup: self.key_lookup,
            decode: self.decode,
            _marker: PhantomData,
        }
    }
}

impl<S: Source, O> std::fmt::Debug for Select<S, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Select({})", self.sql().0)
    }
}

impl<T: Table + FromRow> Select<T, T> {
    pub(crate) fn new() -> Self {
        Select {
            filter: None,
            joins: Vec::new(),
            order: Vec::new(),
            distinct: None,
            group_by: Vec::new(),
            having: None,
            limit: None,
            offset: None,
            lock: None,
            deleted: Deleted::Live,
            projection: None,
            relations: Vec::new(),
            ctes: Vec::new(),
            at_most_one: false,
            key_lookup: false,
            decode: |row| T::from_row(row, 0),
            _marker: PhantomData,
        }
    }
}

impl<S: Source> Select<S, S::Row> {
    fn join<R: Joinable, S2: Source>(self, kind: JoinKind, on: Node) -> Select<S2, S2::Row> {
        self.join_to(Join::to::<R>(kind, on))
    }

    /// The query with `join` after its joins, as a query on `S2`.
    pub(super) fn join_to<S2: Source>(mut self, join: Join) -> Select<S2, S2::Row> {
        let mut joins = std::mem::take(&mut self.joins);
        joins.push(join);
        // A join may match a row many times.
        self.at_most_one = false;
        let mut select = self.recast(|row| S2::decode(row, 0));
        select.joins = joins;
        select.projection = None;
        select.relations = Vec::new();
        select
    }

    /// `INNER JOIN r ON …`: rows decode as `(…, R)`.
    pub fn inner_join<R: Joinable>(
        self,
        on: Expr<(S, R), bool>,
    ) -> Select<(S, R), <(S, R) as Source>::Row> {
        self.join::<R, (S, R)>(JoinKind::Inner, on.node)
    }

    /// `CROSS JOIN r`: every row of the query with every row of `R`; rows decode as `(…, R)`.
    pub fn cross_join<R: Joinable>(self) -> Select<(S, R), <(S, R) as Source>::Row> {
        self.join::<R, (S, R)>(JoinKind::Cross, Node::Keyword(""))
    }

    /// `LEFT JOIN r ON …`: rows decode as `(…, Option<R>)`, and `R`'s columns read as `Option`.
    #[allow(clippy::type_complexity)]
    pub fn left_join<R: Joinable>(
        self,
        on: Expr<(S, Nullable<R>), bool>,
    ) -> Select<(S, Nullable<R>), <(S, Nullable<R>) as Source>::Row> {
        self.join::<R, (S, Nullable<R>)>(JoinKind::Left, on.node)
    }

    /// `RIGHT JOIN r ON …` (on a query of one table): every row of `R`, with the query's table's
    /// row where one matches; rows decode as `(Option<T>, R)`, and `T`'s columns read as
    /// `Option`. A soft-delete table's deleted rows do not match.
    #[allow(clippy::type_complexity)]
    pub fn right_join<R: Joinable>(
        self,
        on: Expr<(OptionalBase<S>, R), bool>,
    ) -> Select<(OptionalBase<S>, R), <(OptionalBase<S>, R) as Source>::Row>
    where
        S: Table + FromRow,
    {
        self.join::<R, (OptionalBase<S>, R)>(JoinKind::Right, on.node)
    }

    /// `FULL JOIN r ON …` (on a query of one table): every row of both, matched where they
    /// match; rows decode as `(Option<T>, Option<R>)`, and every column reads as `Option`.
    #[allow(clippy::type_complexity)]
    pub fn full_join<R: Joinable>(
        self,
        on: Expr<(OptionalBase<S>, Nullable<R>), bool>,
    ) -> Select<(OptionalBase<S>, Nullable<R>), <(OptionalBase<S>, Nullable<R>) as Source>::Row>
    where
        S: Table + FromRow,
    {
        self.join::<R, (OptionalBase<S>, Nullable<R>)>(JoinKind::Full, on.node)
    }

    /// The query with `columns` as its selection (what `.columns(…)` builds).
    pub(super) fn project<I, C: Selection<S, I>>(self, columns: C) -> Select<S, C::Output> {
        let mut select = self.recast(|row| C::decode(row, 0));
        select.projection = Some(columns.nodes());
        select.relations = Vec::new();
        select
    }
}

impl<S: Source, O> Select<S, O> {
    /// The same query as another source or row type, decoded with `decode`.
    pub(crate) fn recast<S2: Source, O2>(
        self,
        decode: fn(&Row) -> Result<O2, Error>,
    ) -> Select<S2, O2> {
        Select {
            filter: self.filter,
            joins: self.joins,
            order: self.order,
            distinct: self.distinct,
            group_by: self.group_by,
            having: self.having,
            limit: self.limit,
            offset: self.offset,
            lock: self.lock,
            deleted: self.deleted,
            projection: self.projection,
            relations: self.relations,
            ctes: self.ctes,
            at_most_one: self.at_most_one,
            key_lookup: self.key_lookup,
            decode,
            _marker: PhantomData,
        }
    }

    /// Lets this query, used as a subquery, refer to the columns of `T`, a table of the
    /// enclosing query: `exists(Project::select().correlated::<User>().filter(projects::owner_id.eq(users::id)))`.
    pub fn correlated<T: Table>(self) -> Select<(S, Outer<T>), O> {
        let decode = self.decode;
        self.recast(decode)
    }

    /// Decodes each row into a user struct (`#[derive(FromRow)]`), its fields in the order of
    /// the selected columns: a field whose type cannot hold its column's (an `i64` for a
    /// `String`, a non-`Option` for a left-joined column) is a compile error here.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn decode_as<U: FromRow>(self) -> Select<S, U> where O: ReadsInto<U> {
        self.recast(|row| U::from_row(row, 0))
    }

    /// `WHERE …`; called again, the conditions are joined with `AND`.
    pub fn filter(mut self, condition: Expr<S, bool>) -> Self {
        self.key_lookup = false;
        self.filter = Some(match self.filter.take() {
            Some(existing) => Expr::<S, bool>::new(existing).and(condition).node,
            None => condition.node,
        });
        self
    }

    /// `ORDER BY …`; called again, adds a key after the others.
    pub fn order_by<I>(mut self, order: impl IntoOrder<S, I>) -> Self {
        let order = order.into_order();
        self.order.push(order.into_parts());
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

    /// `GROUP BY …`
    /// `SELECT DISTINCT`: equal rows once.
    pub fn distinct(mut self) -> Self {
        self.distinct = Some(Vec::new());
        self
    }

    /// `SELECT DISTINCT ON (columns)`: the first row of each group of rows equal on `columns`,
    /// first as the query orders them (`.order_by(messages::created_at.desc())` for the newest of
    /// each). The `ORDER BY` starts with `columns`, as PostgreSQL requires: those of them the
    /// query orders by keep their direction, the others are ascending.
    pub fn distinct_on<I, C: Selection<S, I>>(mut self, columns: C) -> Self {
        self.distinct = Some(columns.nodes());
        self
    }

    /// The `ORDER BY` to write: with `DISTINCT ON`, its expressions first.
    fn effective_order(&self) -> std::borrow::Cow<'_, [(Node, bool, Option<bool>)]> {
        let Some(on) = self.distinct.as_ref().filter(|on| !on.is_empty()) else {
            return std::borrow::Cow::Borrowed(&self.order);
        };
        let text = |node: &Node| {
            let mut w = SqlWriter::new(S::JOINED);
            w.node(node);
            w.finish().0
        };
        let on_text: Vec<String> = on.iter().map(text).collect();
        let mut first = Vec::new();
        for (node, key) in on.iter().zip(&on_text) {
            let ordered = self.order.iter().find(|(n, ..)| text(n) == *key);
            first.push(ordered.cloned().unwrap_or((node.clone(), false, None)));
        }
        let rest = self
            .order
            .iter()
            .filter(|(n, ..)| !on_text.contains(&text(n)))
            .cloned();
        std::borrow::Cow::Owned(first.into_iter().chain(rest).collect())
    }

    pub fn group_by<I, C: Selection<S, I>>(mut self, columns: C) -> Self {
        self.group_by.extend(columns.nodes());
        self
    }

    /// `HAVING …`
    pub fn having(mut self, condition: Expr<S, bool>) -> Self {
        self.having = Some(condition.node);
        self
    }

    pub(super) fn lock_mut(&mut self) -> Option<&mut super::row_lock::RowLock> {
        self.lock.as_mut()
    }

    /// The query with a row lock (what `for_update()` and the others build).
    pub(super) fn with_lock(mut self, lock: super::row_lock::RowLock) -> Self {
        self.lock = Some(lock);
        self
    }

    /// Includes soft-deleted rows.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn with_deleted(mut self) -> Self where (): crate::schema::SoftDeleteOf<S::Base> {
        self.deleted = Deleted::All;
        self
    }

    /// Only soft-deleted rows.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn only_deleted(mut self) -> Self where (): crate::schema::SoftDeleteOf<S::Base> {
        self.deleted = Deleted::Only;
        self
    }

    /// `FROM … WHERE …`: the source, the filter and the soft-delete test of the base table.
    fn write_from_where(&self, w: &mut SqlWriter) {
        let base = <S::Base as Table>::table();
        let deleted = self.deleted.condition(base);
        let preserves_absent_base = self.joins.iter().any(Join::can_lack_the_base);
        match (&deleted, preserves_absent_base) {
            (Some(test), true) => {
                // A right or full join keeps rows with no row of the base table: its soft-delete
                // test goes in the join's `ON` (a deleted row does not match), and the `WHERE`
                // keeps the rows where the base is absent (its key NULL).
                let joins: Vec<Join> = self
                    .joins
                    .iter()
                    .map(|join| join.clone().and_on(test.clone()))
                    .collect();
                S::write_from(w, &joins);
                let key = base.primary_key.as_ref().and_then(|pk| pk.columns.first());
                let kept = match key {
                    Some(key) => Node::Logic(
                        "OR",
                        vec![
                            test.clone(),
                            Node::IsNull(
                                Box::new(Node::Column {
                                    schema: base.schema.as_deref(),
                                    table: base.name.as_ref(),
                                    name: key.as_ref(),
                                }),
                                false,
                            ),
                        ],
                    ),
                    None => test.clone(),
                };
                w.where_clause(self.filter.as_ref(), Some(&kept));
            }
            _ => {
                S::write_from(w, &self.joins);
                w.where_clause(self.filter.as_ref(), deleted.as_ref());
            }
        }
    }

    pub(super) fn push_cte(&mut self, cte: super::inline::CteDef) {
        self.ctes.push(cte);
    }

    /// The `WITH` of the query, taken out of it: what an `INSERT … SELECT` writes before its
    /// `INSERT` (PostgreSQL runs a data-modifying `WITH` only at the top of a statement).
    pub(crate) fn take_with(&mut self) -> Option<super::render::WriteFn> {
        if self.ctes.is_empty() {
            return None;
        }
        let ctes = std::mem::take(&mut self.ctes);
        Some(Arc::new(move |w: &mut SqlWriter| {
            super::inline::write_with(w, &ctes)
        }))
    }

    fn write(&self, w: &mut SqlWriter) {
        self.write_limited(w, Limit::Own);
    }

    /// The query with `limit` for its `LIMIT`: what `one` (`LIMIT 2`) and `first` (`LIMIT 1`)
    /// send, written without copying the query.
    fn write_limited(&self, w: &mut SqlWriter, limit: Limit) {
        super::inline::write_with(w, &self.ctes);
        w.push("SELECT ");
        match &self.distinct {
            None => {}
            Some(on) if on.is_empty() => w.push("DISTINCT "),
            Some(on) => {
                w.push("DISTINCT ON (");
                for (i, node) in on.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.node(node);
                }
                w.push(") ");
            }
        }
        match &self.projection {
            Some(nodes) => {
                for (i, node) in nodes.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.node(node);
                }
            }
            None => S::write_columns(w),
        }
        for relation in &self.relations {
            w.push(", ");
            relation(w);
        }
        w.push(" FROM ");
        self.write_from_where(w);
        if !self.group_by.is_empty() {
            w.push(" GROUP BY ");
            for (i, node) in self.group_by.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.node(node);
            }
        }
        if let Some(having) = &self.having {
            w.push(" HAVING ");
            w.node(having);
        }
        w.order_by(&self.effective_order());
        match limit {
            // A constant of ours, not a value of the caller's: written as it is, so that the
            // plan knows it.
            Limit::Rows(rows) if !self.at_most_one => {
                w.push(" LIMIT ");
                w.push(rows);
            }
            _ => {
                if let Some(limit) = self.limit {
                    w.push(" LIMIT ");
                    w.param(Arc::new(limit));
                }
            }
        }
        if let Some(offset) = self.offset {
            w.push(" OFFSET ");
            w.param(Arc::new(offset));
        }
        if let Some(lock) = &self.lock {
            lock.write(w);
        }
    }

    /// The SQL text and its parameters.
    pub fn sql(&self) -> (String, Vec<super::expr::Param>) {
        self.sql_limited(Limit::Own)
    }

    fn sql_limited(&self, limit: Limit) -> (String, Vec<super::expr::Param>) {
        if let Some(statement) = self.key_lookup_sql() {
            return statement;
        }
        let mut w = SqlWriter::new(S::JOINED);
        self.write_limited(&mut w, limit);
        w.finish()
    }

    fn table_name() -> String {
        <S::Base as Table>::table().name.to_string()
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

    /// The first row of the query limited to `rows`, whether there were more, and the text
    /// sent (for an error to quote). The rows stream in; none is collected into a list. A key
    /// lookup as `find` made it sends its text rendered once, and its key's values as they are
    /// in the query.
    async fn first_row(
        &self,
        exec: &(impl Executor + ?Sized),
        rows: &'static str,
    ) -> Result<(Option<Row>, bool, std::borrow::Cow<'static, str>), Error> {
        let mut picked: [Option<&super::expr::Param>; MAX_KEY_COLUMNS] = [None; MAX_KEY_COLUMNS];
        if let Some((text, n)) = self.key_lookup_statement(&mut picked) {
            let (row, more) =
                exec::query_first(exec, text, exec::Params::Picked(&picked[..n])).await?;
            return Ok((row, more, std::borrow::Cow::Borrowed(text)));
        }
        let (sql, params) = self.sql_limited(Limit::Rows(rows));
        let (row, more) = exec::query_first(exec, &sql, exec::Params::Owned(&params)).await?;
        Ok((row, more, std::borrow::Cow::Owned(sql)))
    }

    /// The first row, if any (`LIMIT 1`).
    pub async fn first(&self, exec: &(impl Executor + ?Sized)) -> Result<Option<O>, Error> {
        let (row, _, _) = self.first_row(exec, "1").await?;
        row.as_ref().map(self.decode).transpose()
    }

    /// Exactly one row: [`Error::NotFound`] when there is none, [`Error::TooManyRows`] when
    /// there are more.
    pub async fn one(&self, exec: &(impl Executor + ?Sized)) -> Result<O, Error> {
        match self.first_row(exec, "2").await? {
            (Some(row), false, _) => (self.decode)(&row),
            (None, _, sql) => Err(Error::NotFound {
                table: Self::table_name(),
                sql: sql.into_owned(),
            }),
            (Some(_), true, sql) => Err(Error::TooManyRows {
                table: Self::table_name(),
                sql: sql.into_owned(),
            }),
        }
    }

    /// At most one row: `None` when there is none, [`Error::TooManyRows`] when there are more.
    pub async fn optional(&self, exec: &(impl Executor + ?Sized)) -> Result<Option<O>, Error> {
        match self.first_row(exec, "2").await? {
            (Some(row), false, _) => (self.decode)(&row).map(Some),
            (None, _, _) => Ok(None),
            (Some(_), true, sql) => Err(Error::TooManyRows {
                table: Self::table_name(),
                sql: sql.into_owned(),
            }),
        }
    }

    /// `SELECT count(*)` of the rows the query would return.
    pub async fn count(&self, exec: &(impl Executor + ?Sized)) -> Result<i64, Error> {
        let mut w = SqlWriter::new(S::JOINED);
        if self.limit.is_some()
            || self.offset.is_some()
            || !self.group_by.is_empty()
            || self.distinct.is_some()
            || !self.ctes.is_empty()
        {
            w.push("SELECT count(*) FROM (");
            self.write(&mut w);
            w.push(") AS counted");
        } else {
            w.push("SELECT count(*) FROM ");
            self.write_from_where(&mut w);
        }
        let (sql, params) = w.finish();
        let rows = exec::query(exec, &sql, &params).await?;
        exec::get(&rows[0], 0)
    }

    /// Whether the query returns any row (`SELECT EXISTS (…)`).
    pub async fn exists(&self, exec: &(impl Executor + ?Sized)) -> Result<bool, Error> {
        let mut w = SqlWriter::new(S::JOINED);
        w.push("SELECT EXISTS (");
        self.write(&mut w);
        w.push(")");
        let (sql, params) = w.finish();
        let rows = exec::query(exec, &sql, &params).await?;
        exec::get(&rows[0], 0)
    }
}

/// How a statement's `LIMIT` is written.
#[derive(Clone, Copy)]
enum Limit {
    /// The query's own (`.limit(n)`, a parameter), if any.
    Own,
    /// At most this many rows (`one`, `first`), unless the query returns at most one anyway.
    Rows(&'static str),
}

impl<S: Source, O> Select<S, O> {
    /// Marks the query as a primary-key lookup: at most one row, its text the same every call.
    pub(crate) fn key_lookup(mut self) -> Self {
        self.at_most_one = true;
        self.key_lookup = true;
        self
    }

    /// A key lookup still as `find` made it: its text from the cache, its parameters the key's.
    fn key_lookup_sql(&self) -> Option<(String, Vec<super::expr::Param>)> {
        let mut picked = [None; MAX_KEY_COLUMNS];
        let (text, n) = self.key_lookup_statement(&mut picked)?;
        Some((
            text.to_string(),
            picked[..n].iter().flatten().map(|p| (*p).clone()).collect(),
        ))
    }

    /// A key lookup still as `find` made it: its text, rendered once per table, and its key's
    /// values picked out of the filter into `picked` (how many, after the text).
    fn key_lookup_statement<'a>(
        &'a self,
        picked: &mut [Option<&'a super::expr::Param>; MAX_KEY_COLUMNS],
    ) -> Option<(&'static str, usize)> {
        let pristine = self.key_lookup
            && self.joins.is_empty()
            && self.order.is_empty()
            && self.distinct.is_none()
            && self.group_by.is_empty()
            && self.having.is_none()
            && self.limit.is_none()
            && self.offset.is_none()
            && self.lock.is_none()
            && self.deleted == Deleted::Live
            && self.projection.is_none()
            && self.relations.is_empty()
            && self.ctes.is_empty();
        if !pristine {
            return None;
        }
        let mut n = 0;
        if !key_params(self.filter.as_ref()?, picked, &mut n) {
            return None;
        }
        let text = key_lookup_text::<S>(|| {
            let mut w = SqlWriter::new(S::JOINED);
            self.write(&mut w);
            w.finish().0
        })?;
        Some((text, n))
    }
}

/// The most key columns a key lookup picks its values out of without a list (a longer key
/// renders as any other query).
const MAX_KEY_COLUMNS: usize = 8;

/// The parameters of a key filter (`key = $1`, or `a = $1 AND b = $2`), in the order the
/// text binds them, into `out` from `n` on; `false` for any other shape.
fn key_params<'a>(
    node: &'a Node,
    out: &mut [Option<&'a super::expr::Param>; MAX_KEY_COLUMNS],
    n: &mut usize,
) -> bool {
    match node {
        Node::Binary(column, "=", value) => match (&**column, &**value) {
            (Node::Column { .. }, Node::Param(param)) if *n < MAX_KEY_COLUMNS => {
                out[*n] = Some(param);
                *n += 1;
                true
            }
            _ => false,
        },
        Node::Logic("AND", operands) => operands.iter().all(|o| key_params(o, out, n)),
        _ => false,
    }
}

/// The text of source `S`'s key lookup, rendered by `render` on the process's first call and
/// kept for its life (one string a table); `None` when the text is invalid (a comment saying
/// why), which is not kept: it is rendered again, and refused again, each time.
fn key_lookup_text<S: 'static>(render: impl FnOnce() -> String) -> Option<&'static str> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Texts = HashMap<std::any::TypeId, &'static str, crate::exec::TypeIdHash>;
    thread_local! {
        static TEXTS: RefCell<Texts> = RefCell::new(HashMap::default());
    }
    static SHARED: OnceLock<Mutex<Texts>> = OnceLock::new();
    let key = std::any::TypeId::of::<S>();
    if let Some(text) = TEXTS.with(|texts| texts.borrow().get(&key).copied()) {
        return Some(text);
    }
    let shared = SHARED.get_or_init(|| Mutex::new(HashMap::default()));
    let known = shared
        .lock()
        .ok()
        .and_then(|texts| texts.get(&key).copied());
    let text = match known {
        Some(text) => text,
        None => {
            let text = render();
            if crate::sql::invalid_reason(&text).is_some() {
                return None;
            }
            let mut texts = shared.lock().ok()?;
            *texts
                .entry(key)
                .or_insert_with(|| Box::leak(text.into_boxed_str()))
        }
    };
    TEXTS.with(|texts| texts.borrow_mut().insert(key, text));
    Some(text)
}

/// A query usable as a subquery (`IN (…)`, `EXISTS (…)`).
pub trait Subquery {
    /// The value of its one column, for `IN`.
    type Value;
    #[doc(hidden)]
    fn into_render(self) -> super::render::WriteFn;
}

impl<S: Source, O: 'static> Subquery for Select<S, O> {
    type Value = O;

    fn into_render(self) -> super::render::WriteFn {
        Arc::new(move |w: &mut SqlWriter| self.write(w))
    }
}

/// How a query's rows decode.
pub(super) type Decode<O> = fn(&Row) -> Result<O, Error>;

impl<S: Source, O: 'static> Select<S, O> {
    /// The query as an operand of a set operation, written with its own columns' qualification,
    /// and how its rows decode.
    pub(super) fn render_fn(self) -> (super::render::WriteFn, Decode<O>) {
        let decode = self.decode;
        let write = Arc::new(move |w: &mut SqlWriter| {
            let before = w.set_qualify(S::JOINED);
            self.write(w);
            w.set_qualify(before);
        });
        (write, decode)
    }

    /// The values this query's filter names for `column` outright: a conjunct `column =
    /// ANY($n)` (the array, `true`) or `column = $n` (the value, `false`). Every row the query
    /// returns has its `column` among them; the query may return fewer (other conditions, a
    /// limit).
    pub(crate) fn named_keys(
        &self,
        schema: Option<&str>,
        table: &str,
        column: &str,
    ) -> Option<(super::expr::Param, bool)> {
        fn find(
            node: &Node,
            schema: Option<&str>,
            table: &str,
            column: &str,
        ) -> Option<(super::expr::Param, bool)> {
            let is_column = |node: &Node| {
                matches!(node, Node::Column { schema: s, table: t, name }
                    if *s == schema && *t == table && *name == column)
            };
            match node {
                Node::InArray(inner, values, false) if is_column(inner) => {
                    Some((values.clone(), true))
                }
                Node::Binary(inner, "=", value) if is_column(inner) => match &**value {
                    Node::Param(value) => Some((value.clone(), false)),
                    _ => None,
                },
                Node::Logic("AND", operands) => operands
                    .iter()
                    .find_map(|operand| find(operand, schema, table, column)),
                _ => None,
            }
        }
        find(self.filter.as_ref()?, schema, table, column)
    }

    /// `SELECT column FROM …` with this query's filters, order and limits: the keys of its rows,
    /// as a subquery (batched loading).
    pub(crate) fn keys_subquery(&self, column: Node) -> super::render::WriteFn {
        let mut keys = self.clone();
        keys.projection = Some(vec![column]);
        keys.relations.clear();
        keys.lock = None;
        Arc::new(move |w: &mut SqlWriter| keys.write(w))
    }
}

impl<S: Source, O> Select<S, O> {
    /// Whether the query selects its source's own columns, in their order, and nothing after
    /// them (no projection, no relation).
    pub(crate) fn selects_source_columns(&self) -> bool {
        self.projection.is_none() && self.relations.is_empty()
    }

    /// The query with one more value after its columns (and relations).
    pub(crate) fn with_extra_value(mut self, write: super::render::WriteFn) -> Self {
        self.relations.push(write);
        self
    }
}
