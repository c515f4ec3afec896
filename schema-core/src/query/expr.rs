//! Typed SQL expressions.
//!
//! An [`Expr<S, V>`] is a piece of SQL whose value is a Rust `V`, usable in a query whose source
//! is `S` (a table type, or a join of them). Columns become expressions only where their table
//! is part of the source ([`InSource`]), and comparisons take only values of the column's type
//! ([`IntoExpr`]): both are compile errors otherwise. Every value is a bound parameter.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use postgres_types::ToSql;

use super::Column;
use crate::schema::ColumnValue;

pub use super::render::Node;
pub use crate::param::Param;

/// A typed SQL expression: value type `V`, usable in queries on source `S`.
pub struct Expr<S, V> {
    pub(crate) node: Node,
    _marker: PhantomData<fn() -> (S, V)>,
}

impl<S, V> Clone for Expr<S, V> {
    fn clone(&self) -> Self {
        Expr::new(self.node.clone())
    }
}

impl<S, V> fmt::Debug for Expr<S, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:?})", self.node)
    }
}

impl<S, V> Expr<S, V> {
    pub(crate) fn new(node: Node) -> Self {
        Expr {
            node,
            _marker: PhantomData,
        }
    }

    /// Raw SQL with `?` placeholders, each filled by one bound parameter, for what the builder
    /// lacks: `Expr::<User, bool>::raw("lower(email) = ?", ["a@x.io".to_string()])`. Identifiers
    /// in `sql` are the caller's to quote; values never go into the text.
    ///
    /// A placeholder is a `?` where SQL itself is: not inside a string, a quoted identifier, a
    /// comment or a dollar-quoted body. jsonb's `?|` and `?&` stay operators, and `??` writes
    /// jsonb's `?` operator (`data ?? 'key'`). As many values as placeholders: otherwise the
    /// statement is not sent, and running it returns [`Error::InvalidQuery`](crate::exec::Error).
    pub fn raw<P: ToSql + Send + Sync + 'static>(
        sql: &str,
        params: impl IntoIterator<Item = P>,
    ) -> Self {
        let params: Vec<Node> = params
            .into_iter()
            .map(|p| Node::Param(Arc::new(p)))
            .collect();
        let placeholders = super::render::raw_placeholders(sql);
        if placeholders != params.len() {
            return Expr::new(Node::Invalid(Arc::from(format!(
                "Expr::raw({sql:?}) has {placeholders} placeholder(s) but {} value(s)",
                params.len()
            ))));
        }
        Expr::new(Node::Raw {
            sql: Arc::from(sql),
            params,
        })
    }
}

/// Marker types naming where a table sits in a query's source; inferred, never written.
#[derive(Debug)]
pub enum Here {}
#[derive(Debug)]
pub struct InLeft<I>(PhantomData<I>);
#[derive(Debug)]
pub struct InRight<I>(PhantomData<I>);

/// Table `Self` is part of the source `S` of a query (at position `I`).
#[diagnostic::on_unimplemented(
    message = "a column of `{Self}` cannot be used in a query on `{S}`",
    label = "`{Self}` is not in this query",
    note = "filter on the query's own columns, or join `{Self}` first"
)]
pub trait InSource<S, I> {}

impl<T: crate::schema::Table> InSource<T, Here> for T {}
impl<T, L, R, I> InSource<(L, R), InLeft<I>> for T where T: InSource<L, I> {}
impl<T: super::Joinable, L> InSource<(L, T), InRight<Here>> for T {}

/// How a value read from a source position is wrapped: as is, or in an `Option` on the right
/// side of a left join.
pub trait Position {
    type Wrap<V>;
}

impl Position for Here {
    type Wrap<V> = V;
}

impl<I: Position> Position for InLeft<I> {
    type Wrap<V> = I::Wrap<V>;
}

impl<I: Position> Position for InRight<I> {
    type Wrap<V> = I::Wrap<V>;
}

/// Marker types for the kinds of [`IntoExpr`]; inferred, never written.
#[derive(Debug)]
pub enum Bind {}
#[derive(Debug)]
pub struct ColumnOf<I>(PhantomData<I>);
#[derive(Debug)]
pub enum Expression {}

/// A value or expression that can stand where a `V` is expected in a query on `S`: a Rust value
/// of type `V` (bound as a parameter), another column of type `V`, or an [`Expr<S, V>`].
#[diagnostic::on_unimplemented(
    message = "expected a `{V}` here, found `{Self}`",
    label = "this is not a `{V}`",
    note = "a comparison or assignment takes a value, column or expression of the column's own type"
)]
pub trait IntoExpr<S, V, M> {
    #[doc(hidden)]
    fn into_node(self) -> Node;
}

#[diagnostic::do_not_recommend]
impl<S, V: ToSql + Send + Sync + 'static> IntoExpr<S, V, Bind> for V {
    fn into_node(self) -> Node {
        Node::Param(Arc::new(self))
    }
}

#[diagnostic::do_not_recommend]
impl<S> IntoExpr<S, String, Bind> for &str {
    fn into_node(self) -> Node {
        Node::Param(Arc::new(self.to_string()))
    }
}

#[diagnostic::do_not_recommend]
impl<S> IntoExpr<S, Option<String>, Bind> for &str {
    fn into_node(self) -> Node {
        Node::Param(Arc::new(Some(self.to_string())))
    }
}

/// A value for a nullable column: `Some` is implied.
#[diagnostic::do_not_recommend]
impl<S, V: ToSql + Send + Sync + 'static> IntoExpr<S, Option<V>, Bind> for V {
    fn into_node(self) -> Node {
        Node::Param(Arc::new(Some(self)))
    }
}

#[diagnostic::do_not_recommend]
impl<S, V> IntoExpr<S, V, Expression> for Expr<S, V> {
    fn into_node(self) -> Node {
        self.node
    }
}

#[diagnostic::do_not_recommend]
impl<S, T, V, N, I> IntoExpr<S, V::NotNull, ColumnOf<I>> for Column<T, V, N>
where
    V: ColumnValue,
    T: InSource<S, I>,
{
    fn into_node(self) -> Node {
        self.node()
    }
}

/// Marker of [`IntoExpr`] for a column standing where a nullable value goes; inferred.
#[derive(Debug)]
pub struct NullableColumnOf<I>(PhantomData<I>);

/// A column as the value of a nullable column (`.set(members::note, clubs::name)`): its values,
/// NULL or not.
#[diagnostic::do_not_recommend]
impl<S, T, V, N, I> IntoExpr<S, Option<V::NotNull>, NullableColumnOf<I>> for Column<T, V, N>
where
    V: ColumnValue,
    T: InSource<S, I>,
{
    fn into_node(self) -> Node {
        self.node()
    }
}

/// Marker of [`IntoExpr`] for an expression standing where a nullable value goes; inferred.
#[derive(Debug)]
pub enum NullableExpression {}

/// An expression as the value of a nullable column: `Some` is implied.
#[diagnostic::do_not_recommend]
impl<S, V> IntoExpr<S, Option<V>, NullableExpression> for Expr<S, V> {
    fn into_node(self) -> Node {
        self.node
    }
}

/// The column type is nullable: `is_null` and `is_not_null` make sense.
#[diagnostic::on_unimplemented(
    message = "this column is NOT NULL (`{Self}`): `is_null` and `is_not_null` are for nullable columns",
    label = "a `{Self}` is never NULL",
    note = "a column is nullable when its field is an `Option<…>`"
)]
pub trait Nullable {}
#[diagnostic::do_not_recommend]
impl<T> Nullable for Option<T> {}

/// The column holds text: `like`, `contains` and friends apply.
#[diagnostic::on_unimplemented(
    message = "pattern matching needs a text column, not `{Self}`",
    label = "not text"
)]
pub trait Textual {}
impl Textual for String {}

impl<T, V, N> Column<T, V, N> {
    pub(crate) fn node(&self) -> Node {
        Node::Column {
            schema: self.table_schema(),
            table: self.table_name(),
            name: self.name(),
        }
    }

    /// The column as an expression of the query's source.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn expr<S, I>(self) -> Expr<S, V> where T: InSource<S, I> {
        Expr::new(self.node())
    }

    fn compare<S, I, M, R>(self, op: &'static str, rhs: R) -> Expr<S, bool>
    where
        V: ColumnValue,
        T: InSource<S, I>,
        R: IntoExpr<S, V::NotNull, M>,
    {
        Expr::new(Node::Binary(
            Box::new(self.node()),
            op,
            Box::new(rhs.into_node()),
        ))
    }

    /// `column = value`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn eq<S, I, M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, T: InSource<S, I> {
        self.compare("=", rhs)
    }

    /// `column <> value`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn ne<S, I, M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, T: InSource<S, I> {
        self.compare("<>", rhs)
    }

    /// `column < value`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn lt<S, I, M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, T: InSource<S, I> {
        self.compare("<", rhs)
    }

    /// `column <= value`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn le<S, I, M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, T: InSource<S, I> {
        self.compare("<=", rhs)
    }

    /// `column > value`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn gt<S, I, M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, T: InSource<S, I> {
        self.compare(">", rhs)
    }

    /// `column >= value`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn ge<S, I, M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> where V: ColumnValue, T: InSource<S, I> {
        self.compare(">=", rhs)
    }

    /// `column BETWEEN low AND high`
    pub fn between<S, I, M1, M2>(
        self,
        low: impl IntoExpr<S, V::NotNull, M1>,
        high: impl IntoExpr<S, V::NotNull, M2>,
    ) -> Expr<S, bool>
    where
        V: ColumnValue,
        T: InSource<S, I>,
    {
        Expr::new(Node::Between(
            Box::new(self.node()),
            Box::new(low.into_node()),
            Box::new(high.into_node()),
        ))
    }

    /// `column = ANY($1)`: one array parameter, so the SQL is the same whatever the list's length.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn in_list<S, I>(self, values: impl IntoIterator<Item = V::NotNull>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: ToSql + Send + Sync + 'static, T: InSource<S, I> {
        let values: Vec<V::NotNull> = values.into_iter().collect();
        Expr::new(Node::InArray(
            Box::new(self.node()),
            Arc::new(values),
            false,
        ))
    }

    /// `column <> ALL($1)`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn not_in_list<S, I>(self, values: impl IntoIterator<Item = V::NotNull>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: ToSql + Send + Sync + 'static, T: InSource<S, I> {
        let values: Vec<V::NotNull> = values.into_iter().collect();
        Expr::new(Node::InArray(Box::new(self.node()), Arc::new(values), true))
    }

    /// `column IN (subquery)`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn in_subquery<S, I, Q>(self, subquery: Q) -> Expr<S, bool> where T: InSource<S, I>, Q: super::Subquery<Value = V::NotNull>, V: ColumnValue {
        Expr::new(Node::InSubquery(
            Box::new(self.node()),
            subquery.into_render(),
            false,
        ))
    }

    /// `column IS NULL`, for columns that can be NULL in this query: nullable ones, and every
    /// column of a left join's right side (`IS NULL` on its key finds the rows with no match:
    /// the anti-join).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn is_null<S, I>(self) -> Expr<S, bool> where I: Position, I::Wrap<V>: Nullable, T: InSource<S, I> {
        Expr::new(Node::IsNull(Box::new(self.node()), false))
    }

    /// `column IS NOT NULL`, for columns that can be NULL in this query (as for `is_null`).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn is_not_null<S, I>(self) -> Expr<S, bool> where I: Position, I::Wrap<V>: Nullable, T: InSource<S, I> {
        Expr::new(Node::IsNull(Box::new(self.node()), true))
    }

    fn like_node<S, I>(
        self,
        pattern: String,
        case_insensitive: bool,
        negated: bool,
    ) -> Expr<S, bool>
    where
        T: InSource<S, I>,
    {
        let pattern = Box::new(Node::Param(Arc::new(pattern)));
        Expr::new(Node::Like {
            expr: Box::new(self.node()),
            pattern,
            case_insensitive,
            negated,
        })
    }

    /// `column LIKE pattern`, with the pattern as given (`%` and `_` are wildcards).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn like<S, I>(self, pattern: impl Into<String>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: Textual, T: InSource<S, I> {
        self.like_node(pattern.into(), false, false)
    }

    /// `column NOT LIKE pattern`
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn not_like<S, I>(self, pattern: impl Into<String>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: Textual, T: InSource<S, I> {
        self.like_node(pattern.into(), false, true)
    }

    /// `column ILIKE pattern` (case-insensitive)
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn ilike<S, I>(self, pattern: impl Into<String>) -> Expr<S, bool> where V: ColumnValue, V::NotNull: Textual, T: InSource<S, I> {
        self.like_node(pattern.into(), true, false)
    }

    /// The column contains `text` literally: `%`, `_` and `\` in it match themselves.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn contains<S, I>(self, text: &str) -> Expr<S, bool> where V: ColumnValue, V::NotNull: Textual, T: InSource<S, I> {
        self.like_node(format!("%{}%", escape_like(text)), false, false)
    }

    /// The column starts with `text`, literally.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn starts_with<S, I>(self, text: &str) -> Expr<S, bool> where V: ColumnValue, V::NotNull: Textual, T: InSource<S, I> {
        self.like_node(format!("{}%", escape_like(text)), false, false)
    }

    /// The column ends with `text`, literally.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn ends_with<S, I>(self, text: &str) -> Expr<S, bool> where V: ColumnValue, V::NotNull: Textual, T: InSource<S, I> {
        self.like_node(format!("%{}", escape_like(text)), false, false)
    }
}

/// Escapes `\`, `%` and `_` for a LIKE pattern (PostgreSQL's default escape character is `\`).
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Comparisons of a computed value (an aggregate, a raw expression) with a value of its type.
impl<S, V: ColumnValue> Expr<S, V> {
    fn compare<M>(self, op: &'static str, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        Expr::new(Node::Binary(
            Box::new(self.node),
            op,
            Box::new(rhs.into_node()),
        ))
    }

    /// `self = value`
    pub fn eq<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.compare("=", rhs)
    }

    /// `self <> value`
    pub fn ne<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.compare("<>", rhs)
    }

    /// `self < value`
    pub fn lt<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.compare("<", rhs)
    }

    /// `self <= value`
    pub fn le<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.compare("<=", rhs)
    }

    /// `self > value`
    pub fn gt<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.compare(">", rhs)
    }

    /// `self >= value`
    pub fn ge<M>(self, rhs: impl IntoExpr<S, V::NotNull, M>) -> Expr<S, bool> {
        self.compare(">=", rhs)
    }
}

impl<S> Expr<S, bool> {
    /// `self AND other`
    pub fn and(self, other: Expr<S, bool>) -> Expr<S, bool> {
        Expr::new(logic("AND", self.node, other.node))
    }

    /// `self OR other`
    pub fn or(self, other: Expr<S, bool>) -> Expr<S, bool> {
        Expr::new(logic("OR", self.node, other.node))
    }

    /// `NOT self`
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<S, bool> {
        Expr::new(Node::Not(Box::new(self.node)))
    }
}

/// Flattens `a AND (b AND c)` into one list.
pub(crate) fn logic(op: &'static str, lhs: Node, rhs: Node) -> Node {
    let mut operands = Vec::new();
    for mut node in [lhs, rhs] {
        match &mut node {
            Node::Logic(o, inner) if *o == op => operands.append(inner),
            _ => operands.push(node),
        }
    }
    Node::Logic(op, operands)
}

impl<S> std::ops::BitAnd for Expr<S, bool> {
    type Output = Expr<S, bool>;
    fn bitand(self, rhs: Self) -> Self::Output {
        self.and(rhs)
    }
}

impl<S> std::ops::BitOr for Expr<S, bool> {
    type Output = Expr<S, bool>;
    fn bitor(self, rhs: Self) -> Self::Output {
        self.or(rhs)
    }
}

impl<S> std::ops::Not for Expr<S, bool> {
    type Output = Expr<S, bool>;
    fn not(self) -> Self::Output {
        Expr::new(Node::Not(Box::new(self.node)))
    }
}

/// `EXISTS (subquery)`
pub fn exists<S, Q: super::Subquery>(subquery: Q) -> Expr<S, bool> {
    Expr::new(Node::Exists(subquery.into_render(), false))
}

/// `NOT EXISTS (subquery)`
pub fn not_exists<S, Q: super::Subquery>(subquery: Q) -> Expr<S, bool> {
    Expr::new(Node::Exists(subquery.into_render(), true))
}

/// `now()`, for timestamps.
pub fn now<S, V>() -> Expr<S, V> {
    Expr::new(Node::Keyword("now()"))
}

/// `column = $n` with an already-bound parameter, for generated code that checked types itself.
pub(crate) fn column_eq_param<T, V, N>(column: Column<T, V, N>, param: Param) -> Expr<T, bool> {
    Expr::new(Node::Binary(
        Box::new(column.node()),
        "=",
        Box::new(Node::Param(param)),
    ))
}
