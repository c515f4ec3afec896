//! A typed SQL template, for what the builders do not cover: SQL text written as literals,
//! with the query's columns, tables and bound values put in by type, and a declared result
//! type. Nothing is parsed for placeholders (a `?` in the text is the jsonb operator, or
//! whatever SQL makes of it), columns are written as the query writes them (qualified, or under
//! a relation's alias inside a loaded relation), and every value is a bound parameter.
//!
//! ```
//! use schema_core::prelude::*;
//! use schema_core::query::template::Template;
//!
//! #[table(name = "users")]
//! pub struct User {
//!     #[column(primary_key)]
//!     pub id: i64,
//!     pub email: String,
//! }
//!
//! fn main() {
//!     let gmail: Expr<User, bool> = Template::new()
//!         .column(users::email)
//!         .sql(" ~* ")
//!         .value("@gmail\\.com$".to_string())
//!         .typed();
//!     let (sql, _) = User::select().filter(gmail).sql();
//!     assert_eq!(sql, r#"SELECT "id", "email" FROM "users" WHERE "email" ~* $1"#);
//! }
//! ```

use std::marker::PhantomData;
use std::sync::Arc;

use postgres_types::ToSql;

use super::expr::{Expr, InSource, Node};
use super::Column;
use crate::schema::Table;

/// SQL text and typed pieces for a query on `S`, made into an expression of a declared type
/// with [`Template::typed`].
pub struct Template<S> {
    pieces: Vec<Node>,
    _marker: PhantomData<fn() -> S>,
}

impl<S> std::fmt::Debug for Template<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Template({:?})", Node::Concat(self.pieces.clone()))
    }
}

impl<S> Default for Template<S> {
    fn default() -> Self {
        Template::new()
    }
}

impl<S> Template<S> {
    pub fn new() -> Self {
        Template {
            pieces: Vec::new(),
            _marker: PhantomData,
        }
    }

    /// SQL text, as written: a literal, so that no value is ever spliced into the text (values
    /// go through [`Template::value`]).
    pub fn sql(mut self, text: &'static str) -> Self {
        self.pieces.push(Node::Keyword(text));
        self
    }

    /// A column of the query's tables (a compile error otherwise), written as the query writes
    /// its columns.
    pub fn column<T, V, N, I>(mut self, column: Column<T, V, N>) -> Self
    where
        T: InSource<S, I>,
    {
        self.pieces.push(column.node());
        self
    }

    /// An expression of the query (a function of its columns, another template).
    pub fn expr<V>(mut self, expr: Expr<S, V>) -> Self {
        self.pieces.push(expr.node);
        self
    }

    /// A table's name, quoted (and schema-qualified): `FROM`, a cast to a row type.
    pub fn table<T: Table>(mut self) -> Self {
        let table = T::table();
        let name = match table.schema.as_deref() {
            Some(schema) => format!(
                "{}.{}",
                crate::sql::quote_ident(schema),
                crate::sql::quote_ident(&table.name)
            ),
            None => crate::sql::quote_ident(&table.name),
        };
        self.pieces.push(Node::Raw {
            sql: Arc::from(name),
            params: Vec::new(),
        });
        self
    }

    /// A bound parameter of any Rust type the driver sends; PostgreSQL infers its SQL type
    /// from where it stands (cast it in the text, `.sql("CAST(").value(v).sql(" AS bigint)")`,
    /// where it cannot).
    pub fn value<P: ToSql + Send + Sync + 'static>(mut self, value: P) -> Self {
        self.pieces.push(Node::Param(Arc::new(value)));
        self
    }

    /// The template as an expression of type `V`, the type its SQL gives (declared here, read
    /// as such): usable in filters (`V = bool`), selections, orders and other templates.
    pub fn typed<V>(self) -> Expr<S, V> {
        Expr::new(Node::Concat(self.pieces))
    }
}
