//! Functions and operators, typed as PostgreSQL types them: arithmetic, `CAST`, `COALESCE`,
//! `NULLIF`, `GREATEST`/`LEAST`, `CASE`, text and date functions, more aggregates
//! (`count(DISTINCT …)`, `string_agg`, `array_agg`, `bool_and`/`bool_or`, and `sum`/`avg`/`min`/
//! `max` of an expression) and window functions (`row_number`, `rank`, `lag`/`lead`, any
//! aggregate `OVER (PARTITION BY … ORDER BY …)`).
//!
//! They are methods of [`Operate`], which columns, expressions and aggregates have (it is in the
//! prelude): `projects::budget.mul(2).add(projects::extra)`, `users::email.lower()`. Each result
//! is an [`Expr`] whose Rust type follows the SQL: NULL in, NULL out (`length` of an
//! `Option<String>` is an `Option<i32>`), `count` never NULL, `sum` of an `i32` an
//! `Option<i64>`. Every value is a bound parameter, cast to its column type where PostgreSQL
//! could not infer it.

use std::marker::PhantomData;
use std::sync::Arc;

use super::aggregate::{Aggregate, AggregateOperand, Summable};
use super::expr::{ColumnOf, Expr, Expression, InSource, IntoExpr, Node, Position, Textual};
use super::order::IntoOrder;
use super::Column;
use crate::schema::{ColumnValue, Nullness};

/// Something that stands for a value in a query on `S`: a column of the query (its value
/// `Option`al when its table is left-joined), an expression, an aggregate, or a Rust value
/// (bound, and cast to its column type). `M` is inferred.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value of a query on `{S}`",
    label = "not a column, expression or value of this query",
    note = "use a column of the query's tables, an expression of them, or a Rust value of a column type"
)]
pub trait Operand<S, M> {
    /// The operand's Rust type.
    type Value;
    #[doc(hidden)]
    fn operand(self) -> Node;
}

/// An operand's kind, for [`Operand`]: inferred, never written.
#[derive(Debug)]
pub enum ValueOperand {}
/// An operand's kind, for [`Operand`]: inferred, never written.
#[derive(Debug)]
pub enum TextOperand {}

/// `CAST($n AS type)`: a bound value whose type PostgreSQL cannot infer from its place.
fn typed_param<V: ColumnValue>(value: V) -> Node {
    Node::Raw {
        sql: Arc::from(format!("CAST(? AS {})", V::SQL_TYPE.ddl())),
        params: vec![Node::Param(value.into_param())],
    }
}

#[diagnostic::do_not_recommend]
impl<S, V: ColumnValue> Operand<S, ValueOperand> for V {
    type Value = V;
    fn operand(self) -> Node {
        typed_param(self)
    }
}

#[diagnostic::do_not_recommend]
impl<S> Operand<S, TextOperand> for &str {
    type Value = String;
    fn operand(self) -> Node {
        typed_param(self.to_string())
    }
}

#[diagnostic::do_not_recommend]
impl<S, T, V, N, I: Position> Operand<S, ColumnOf<I>> for Column<T, V, N>
where
    T: InSource<S, I>,
{
    type Value = I::Wrap<V>;
    fn operand(self) -> Node {
        self.node()
    }
}

#[diagnostic::do_not_recommend]
impl<S, V> Operand<S, Expression> for Expr<S, V> {
    type Value = V;
    fn operand(self) -> Node {
        self.node
    }
}

#[diagnostic::do_not_recommend]
impl<S, V> Operand<S, AggregateOperand> for Aggregate<S, V> {
    type Value = V;
    fn operand(self) -> Node {
        self.expr().node
    }
}

/// Numbers: what arithmetic, `sum` and `avg` take.
#[diagnostic::on_unimplemented(
    message = "arithmetic needs a number, not `{Self}`",
    label = "not a number",
    note = "`add`, `sub`, `mul` and `div` apply to integer and floating-point columns and expressions"
)]
pub trait Numeric {
    /// The type itself: what the other operand must be (named through this trait, so that
    /// arithmetic on a non-number is one error, not a second about the operand).
    type Number;
}

macro_rules! numeric {
    ($($ty:ty),*) => {
        $(#[diagnostic::do_not_recommend]
        impl Numeric for $ty {
            type Number = $ty;
        })*
    };
}

numeric!(i16, i32, i64, f32, f64);
#[cfg(feature = "decimal")]
numeric!(rust_decimal::Decimal);

/// Timestamps: what `date_trunc` takes (and gives back, of the same type).
#[diagnostic::on_unimplemented(
    message = "`date_trunc` needs a timestamp, not `{Self}`",
    label = "not a timestamp",
    note = "`date_trunc` applies to `timestamp` (`NaiveDateTime`) and `timestamptz` (`DateTime<Utc>`) values"
)]
pub trait Timestamp {}
#[diagnostic::do_not_recommend]
impl Timestamp for chrono::NaiveDateTime {}
#[diagnostic::do_not_recommend]
impl Timestamp for chrono::DateTime<chrono::Utc> {}

/// Values with date or time fields: what `extract` takes.
#[diagnostic::on_unimplemented(
    message = "`extract` needs a date, time, timestamp or interval, not `{Self}`",
    label = "no date or time fields"
)]
pub trait Temporal {}
#[diagnostic::do_not_recommend]
impl Temporal for chrono::NaiveDateTime {}
#[diagnostic::do_not_recommend]
impl Temporal for chrono::DateTime<chrono::Utc> {}
#[diagnostic::do_not_recommend]
impl Temporal for chrono::NaiveDate {}
#[diagnostic::do_not_recommend]
impl Temporal for chrono::NaiveTime {}
#[diagnostic::do_not_recommend]
impl Temporal for crate::types::Interval {}

/// A unit of time, for `date_trunc` and `extract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Microseconds,
    Milliseconds,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
}

impl TimeUnit {
    fn sql(self) -> &'static str {
        match self {
            TimeUnit::Microseconds => "microseconds",
            TimeUnit::Milliseconds => "milliseconds",
            TimeUnit::Second => "second",
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Quarter => "quarter",
            TimeUnit::Year => "year",
            TimeUnit::Decade => "decade",
            TimeUnit::Century => "century",
            TimeUnit::Millennium => "millennium",
        }
    }
}

/// A field `extract` reads: a [`TimeUnit`], or one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    /// A unit: `EXTRACT(YEAR FROM …)`.
    Unit(TimeUnit),
    /// The day of the week, Sunday 0 to Saturday 6.
    DayOfWeek,
    /// The ISO day of the week, Monday 1 to Sunday 7.
    IsoDayOfWeek,
    /// The day of the year, 1 to 366.
    DayOfYear,
    /// Seconds since 1970-01-01 00:00 UTC (of an interval: its length in seconds).
    Epoch,
    /// The ISO 8601 week-numbering year.
    IsoYear,
}

impl DatePart {
    fn sql(self) -> &'static str {
        match self {
            DatePart::Unit(unit) => unit.sql(),
            DatePart::DayOfWeek => "dow",
            DatePart::IsoDayOfWeek => "isodow",
            DatePart::DayOfYear => "doy",
            DatePart::Epoch => "epoch",
            DatePart::IsoYear => "isoyear",
        }
    }
}

impl From<TimeUnit> for DatePart {
    fn from(unit: TimeUnit) -> Self {
        DatePart::Unit(unit)
    }
}

fn raw(sql: impl Into<Arc<str>>, params: Vec<Node>) -> Node {
    Node::Raw {
        sql: sql.into(),
        params,
    }
}

/// The types an operand's value has, named once for the signatures below.
type NotNull<O> = <O as ColumnValue>::NotNull;

/// Functions and operators of a column, expression or aggregate (see the [module](self)).
/// Implemented for [`Column`], [`Expr`] and [`Aggregate`]; in the prelude.
pub trait Operate<S, M>: Operand<S, M> + Sized {
    /// `(self + rhs)`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn add<R, MR>(self, rhs: R) -> Expr<S, Self::Value> where Self::Value: ColumnValue, NotNull<Self::Value>: Numeric, R: IntoExpr<S, <NotNull<Self::Value> as Numeric>::Number, MR> {
        Expr::new(raw("(? + ?)", vec![self.operand(), rhs.into_node()]))
    }

    /// `(self - rhs)`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn sub<R, MR>(self, rhs: R) -> Expr<S, Self::Value> where Self::Value: ColumnValue, NotNull<Self::Value>: Numeric, R: IntoExpr<S, <NotNull<Self::Value> as Numeric>::Number, MR> {
        Expr::new(raw("(? - ?)", vec![self.operand(), rhs.into_node()]))
    }

    /// `(self * rhs)`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn mul<R, MR>(self, rhs: R) -> Expr<S, Self::Value> where Self::Value: ColumnValue, NotNull<Self::Value>: Numeric, R: IntoExpr<S, <NotNull<Self::Value> as Numeric>::Number, MR> {
        Expr::new(raw("(? * ?)", vec![self.operand(), rhs.into_node()]))
    }

    /// `(self / rhs)`: of integers, an integer (truncated toward zero); dividing by zero is an
    /// error of the statement (SQLSTATE `22012`).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn div<R, MR>(self, rhs: R) -> Expr<S, Self::Value> where Self::Value: ColumnValue, NotNull<Self::Value>: Numeric, R: IntoExpr<S, <NotNull<Self::Value> as Numeric>::Number, MR> {
        Expr::new(raw("(? / ?)", vec![self.operand(), rhs.into_node()]))
    }

    /// `CAST(self AS type)`, the type of `U` (`cast::<f64>()` is `double precision`); NULL stays
    /// NULL, so the result is `U`, or `Option<U>` for an `Option` operand.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn cast<U: ColumnValue>(self) -> Expr<S, <Self::Value as Nullness>::With<U>> where Self::Value: Nullness {
        Expr::new(raw(
            format!("CAST(? AS {})", U::SQL_TYPE.ddl()),
            vec![self.operand()],
        ))
    }

    /// `COALESCE(self, fallback)`: the operand, or `fallback` where it is NULL; never NULL.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn coalesce<R, MR>(self, fallback: R) -> Expr<S, NotNull<Self::Value>> where Self::Value: ColumnValue, R: IntoExpr<S, NotNull<Self::Value>, MR> {
        Expr::new(Node::Call {
            name: "COALESCE",
            args: vec![self.operand(), fallback.into_node()],
            star: false,
        })
    }

    /// `NULLIF(self, value)`: NULL where the operand equals `value`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn null_if<R, MR>(self, value: R) -> Expr<S, Option<NotNull<Self::Value>>> where Self::Value: ColumnValue, R: IntoExpr<S, NotNull<Self::Value>, MR> {
        Expr::new(Node::Call {
            name: "NULLIF",
            args: vec![self.operand(), value.into_node()],
            star: false,
        })
    }

    /// `GREATEST(self, other)`: the larger, ignoring NULLs (NULL only when both are).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn greatest<R, MR>(self, other: R) -> Expr<S, Self::Value> where Self::Value: ColumnValue, R: IntoExpr<S, NotNull<Self::Value>, MR> {
        Expr::new(Node::Call {
            name: "GREATEST",
            args: vec![self.operand(), other.into_node()],
            star: false,
        })
    }

    /// `LEAST(self, other)`: the smaller, ignoring NULLs (NULL only when both are).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn least<R, MR>(self, other: R) -> Expr<S, Self::Value> where Self::Value: ColumnValue, R: IntoExpr<S, NotNull<Self::Value>, MR> {
        Expr::new(Node::Call {
            name: "LEAST",
            args: vec![self.operand(), other.into_node()],
            star: false,
        })
    }

    /// `lower(self)`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn lower(self) -> Expr<S, Self::Value> where Self::Value: ColumnValue, NotNull<Self::Value>: Textual {
        Expr::new(raw("lower(?)", vec![self.operand()]))
    }

    /// `upper(self)`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn upper(self) -> Expr<S, Self::Value> where Self::Value: ColumnValue, NotNull<Self::Value>: Textual {
        Expr::new(raw("upper(?)", vec![self.operand()]))
    }

    /// `btrim(self)`: without leading and trailing spaces.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn trim(self) -> Expr<S, Self::Value> where Self::Value: ColumnValue, NotNull<Self::Value>: Textual {
        Expr::new(raw("btrim(?)", vec![self.operand()]))
    }

    /// `char_length(self)`: the length in characters.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn char_length(self) -> Expr<S, <Self::Value as Nullness>::With<i32>> where Self::Value: ColumnValue + Nullness, NotNull<Self::Value>: Textual {
        Expr::new(raw("char_length(?)", vec![self.operand()]))
    }

    /// `concat(self, text)`: NULLs count as empty text, so never NULL.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn concat<R, MR>(self, text: R) -> Expr<S, String> where Self::Value: ColumnValue, NotNull<Self::Value>: Textual, R: IntoExpr<S, String, MR> {
        Expr::new(raw(
            "concat(?, CAST(? AS text))",
            vec![self.operand(), text.into_node()],
        ))
    }

    /// `date_trunc('unit', self)`: the timestamp truncated to the unit. A `timestamptz` is
    /// truncated in the session's `TimeZone`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn date_trunc(self, unit: TimeUnit) -> Expr<S, Self::Value> where Self::Value: ColumnValue, NotNull<Self::Value>: Timestamp {
        Expr::new(raw(
            format!("date_trunc('{}', ?)", unit.sql()),
            vec![self.operand()],
        ))
    }

    /// `EXTRACT(field FROM self)` as `double precision`.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn extract(self, field: impl Into<DatePart>) -> Expr<S, <Self::Value as Nullness>::With<f64>> where Self::Value: ColumnValue + Nullness, NotNull<Self::Value>: Temporal {
        Expr::new(raw(
            format!(
                "CAST(EXTRACT({} FROM ?) AS double precision)",
                field.into().sql()
            ),
            vec![self.operand()],
        ))
    }

    /// `count(DISTINCT self)`: the distinct values that are not NULL.
    fn count_distinct(self) -> Aggregate<S, i64> {
        Aggregate::new(raw("count(DISTINCT ?)", vec![self.operand()]))
    }

    /// `sum(self)`: `bigint` for integers, `double precision` for floats; NULL over no rows.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn sum_of(self) -> Aggregate<S, Option<<NotNull<Self::Value> as Summable>::Sum>> where Self::Value: ColumnValue, NotNull<Self::Value>: Summable {
        Aggregate::cast(
            raw("sum(?)", vec![self.operand()]),
            <NotNull<Self::Value> as Summable>::SUM_TYPE,
        )
    }

    /// `avg(self)` as `double precision`; NULL over no rows.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn avg_of(self) -> Aggregate<S, Option<f64>> where Self::Value: ColumnValue, NotNull<Self::Value>: Summable {
        Aggregate::cast(raw("avg(?)", vec![self.operand()]), "double precision")
    }

    /// `min(self)`; NULL over no rows.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn min_of(self) -> Aggregate<S, Option<NotNull<Self::Value>>> where Self::Value: ColumnValue {
        Aggregate::new(raw("min(?)", vec![self.operand()]))
    }

    /// `max(self)`; NULL over no rows.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn max_of(self) -> Aggregate<S, Option<NotNull<Self::Value>>> where Self::Value: ColumnValue {
        Aggregate::new(raw("max(?)", vec![self.operand()]))
    }

    /// `string_agg(self, separator)`: the texts joined, NULLs left out; NULL over no rows.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn string_agg(self, separator: &str) -> Aggregate<S, Option<String>> where Self::Value: ColumnValue, NotNull<Self::Value>: Textual {
        Aggregate::new(raw(
            "string_agg(?, ?)",
            vec![
                self.operand(),
                typed_param(separator.to_string()),
            ],
        ))
    }

    /// `array_agg(self)`: the values, NULLs included, as an array; NULL over no rows.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn array_agg(self) -> Aggregate<S, Option<Vec<Self::Value>>> where Self::Value: ColumnValue {
        Aggregate::new(raw("array_agg(?)", vec![self.operand()]))
    }

    /// `bool_and(self)`: every value is true (NULLs left out); NULL over no rows.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn bool_and(self) -> Aggregate<S, Option<bool>> where Self::Value: ColumnValue<NotNull = bool> {
        Aggregate::new(raw("bool_and(?)", vec![self.operand()]))
    }

    /// `bool_or(self)`: some value is true (NULLs left out); NULL over no rows.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn bool_or(self) -> Aggregate<S, Option<bool>> where Self::Value: ColumnValue<NotNull = bool> {
        Aggregate::new(raw("bool_or(?)", vec![self.operand()]))
    }

    /// `lag(self)`: the operand in the window's previous row; NULL in the first.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn lag(self) -> WindowFn<S, Option<NotNull<Self::Value>>> where Self::Value: ColumnValue {
        WindowFn::new(raw("lag(?)", vec![self.operand()]))
    }

    /// `lead(self)`: the operand in the window's next row; NULL in the last.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn lead(self) -> WindowFn<S, Option<NotNull<Self::Value>>> where Self::Value: ColumnValue {
        WindowFn::new(raw("lead(?)", vec![self.operand()]))
    }

    /// `first_value(self)`: the operand in the window frame's first row.
    fn first_value(self) -> WindowFn<S, Self::Value> {
        WindowFn::new(raw("first_value(?)", vec![self.operand()]))
    }
}

#[diagnostic::do_not_recommend]
impl<S, T, V, N, I: Position> Operate<S, ColumnOf<I>> for Column<T, V, N> where T: InSource<S, I> {}
#[diagnostic::do_not_recommend]
impl<S, V> Operate<S, Expression> for Expr<S, V> {}
#[diagnostic::do_not_recommend]
impl<S, V> Operate<S, AggregateOperand> for Aggregate<S, V> {}

/// `CASE WHEN … THEN … [WHEN …] [ELSE …] END`, begun by [`case_when`].
pub struct Case<S, V> {
    sql: String,
    params: Vec<Node>,
    _marker: PhantomData<fn() -> (S, V)>,
}

impl<S, V> std::fmt::Debug for Case<S, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Case({})", self.sql)
    }
}

/// `CASE WHEN condition THEN value …`: add branches with [`Case::when`], close with
/// [`Case::otherwise`] (the value when no condition holds) or [`Case::end`] (NULL then, so
/// an `Option`).
pub fn case_when<S, M, O: Operand<S, M>>(condition: Expr<S, bool>, then: O) -> Case<S, O::Value> {
    Case {
        sql: "CASE WHEN ? THEN ?".to_string(),
        params: vec![condition.node, then.operand()],
        _marker: PhantomData,
    }
}

impl<S, V> Case<S, V> {
    /// Another `WHEN condition THEN value`, tried after the ones before.
    pub fn when<M>(
        mut self,
        condition: Expr<S, bool>,
        then: impl Operand<S, M, Value = V>,
    ) -> Self {
        self.sql.push_str(" WHEN ? THEN ?");
        self.params.push(condition.node);
        self.params.push(then.operand());
        self
    }

    /// `ELSE value END`
    pub fn otherwise<M>(mut self, value: impl Operand<S, M, Value = V>) -> Expr<S, V> {
        self.sql.push_str(" ELSE ? END");
        self.params.push(value.operand());
        Expr::new(raw(self.sql, self.params))
    }

    /// `END`: NULL when no condition holds.
    pub fn end(mut self) -> Expr<S, Option<V>> {
        self.sql.push_str(" END");
        Expr::new(raw(self.sql, self.params))
    }
}

/// A window: `OVER (PARTITION BY … ORDER BY …)`, made by [`Window::new`] (the whole result as
/// one partition, in no order) and refined.
pub struct Window<S> {
    partition: Vec<Node>,
    order: Vec<(Node, bool, Option<bool>)>,
    _marker: PhantomData<fn() -> S>,
}

impl<S> std::fmt::Debug for Window<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (sql, _) = self.sql();
        write!(f, "Window({sql})")
    }
}

impl<S> Default for Window<S> {
    fn default() -> Self {
        Window::new()
    }
}

impl<S> Window<S> {
    /// `OVER ()`
    pub fn new() -> Self {
        Window {
            partition: Vec::new(),
            order: Vec::new(),
            _marker: PhantomData,
        }
    }

    /// `PARTITION BY operand`; called again, partitions by one more.
    pub fn partition_by<M>(mut self, operand: impl Operand<S, M>) -> Self {
        self.partition.push(operand.operand());
        self
    }

    /// `ORDER BY …` inside the window; called again, adds a key after the others.
    pub fn order_by<I>(mut self, order: impl IntoOrder<S, I>) -> Self {
        self.order.push(order.into_order().into_parts());
        self
    }

    fn sql(&self) -> (String, Vec<Node>) {
        let mut sql = String::from("OVER (");
        let mut params = Vec::new();
        if !self.partition.is_empty() {
            sql.push_str("PARTITION BY ");
            sql.push_str(&vec!["?"; self.partition.len()].join(", "));
            params.extend(self.partition.iter().cloned());
        }
        if !self.order.is_empty() {
            if !self.partition.is_empty() {
                sql.push(' ');
            }
            sql.push_str("ORDER BY ");
            let keys: Vec<String> = self
                .order
                .iter()
                .map(|(node, desc, nulls)| {
                    params.push(node.clone());
                    let mut key = String::from(if *desc { "? DESC" } else { "?" });
                    match nulls {
                        Some(true) => key.push_str(" NULLS FIRST"),
                        Some(false) => key.push_str(" NULLS LAST"),
                        None => {}
                    }
                    key
                })
                .collect();
            sql.push_str(&keys.join(", "));
        }
        sql.push(')');
        (sql, params)
    }
}

/// A window function, which needs its window: `.over(Window::new().partition_by(…))`.
pub struct WindowFn<S, V> {
    node: Node,
    _marker: PhantomData<fn() -> (S, V)>,
}

impl<S, V> std::fmt::Debug for WindowFn<S, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WindowFn({:?})", self.node)
    }
}

impl<S, V> WindowFn<S, V> {
    fn new(node: Node) -> Self {
        WindowFn {
            node,
            _marker: PhantomData,
        }
    }

    /// The function over `window`: an expression of each row, beside the row's columns (no
    /// `GROUP BY` needed).
    pub fn over(self, window: Window<S>) -> Expr<S, V> {
        over(self.node, window)
    }
}

fn over<S, V>(function: Node, window: Window<S>) -> Expr<S, V> {
    let (sql, mut params) = window.sql();
    params.insert(0, function);
    Expr::new(raw(format!("? {sql}"), params))
}

impl<S, V> Aggregate<S, V> {
    /// The aggregate over a window (`sum(x) OVER (PARTITION BY …)`): computed for each row
    /// from its window's rows, beside the row's columns, with no `GROUP BY`.
    pub fn over(self, window: Window<S>) -> Expr<S, V> {
        let (call, cast) = self.into_call();
        let windowed: Expr<S, V> = over(call, window);
        match cast {
            Some(sql_type) => Expr::new(raw(format!("CAST(? AS {sql_type})"), vec![windowed.node])),
            None => windowed,
        }
    }
}

/// `row_number() OVER (…)`: the row's number in its partition, from 1.
pub fn row_number<S>() -> WindowFn<S, i64> {
    WindowFn::new(raw("row_number()", Vec::new()))
}

/// `rank() OVER (…)`: the row's rank in its partition, with gaps after ties.
pub fn rank<S>() -> WindowFn<S, i64> {
    WindowFn::new(raw("rank()", Vec::new()))
}

/// `dense_rank() OVER (…)`: the row's rank in its partition, without gaps.
pub fn dense_rank<S>() -> WindowFn<S, i64> {
    WindowFn::new(raw("dense_rank()", Vec::new()))
}

impl<S, V: ColumnValue> Expr<S, V> {
    /// A Rust value as an expression of the query: a bound parameter cast to its column type
    /// (`CAST($1 AS integer)`), for a constant column (`Expr::value(0)` as the depth of a
    /// recursive query's first rows).
    pub fn value(value: V) -> Self {
        Expr::new(typed_param(value))
    }
}
