//! The query builder: typed columns (the items `#[table]` emits for each field), expressions,
//! and the `SELECT`, `INSERT`, `UPDATE` and `DELETE` builders, rendered to SQL with bound
//! parameters.

pub mod aggregate;
pub mod array;
pub mod batch;
pub mod compound;
pub mod expr;
pub mod fts;
pub mod func;
pub mod grouped;
pub mod inline;
pub mod json;
pub mod lock;
mod order;
#[doc(hidden)]
pub mod render;
mod row_lock;
pub mod select;
pub mod selection;
mod shape;
pub(crate) mod soft_delete;
mod source;
mod table_queries;
pub mod template;
pub mod vector;
mod view_sql;
pub mod write;

pub use aggregate::{count_star, Aggregate};
pub use batch::{batch, Batch, Batchable};
pub use expr::{exists, not_exists, now, Expr, IntoExpr};
pub use grouped::NeedsGroupBy;
pub use inline::{FillsView, InlineQuery, InlineView};
pub use lock::{InTransaction, LockableIn, Locked};
pub use order::OrdersQueryOn;
pub use select::{Joinable, Nullable, Order, Select, Source, Subquery};
pub use selection::Aliased;
#[doc(hidden)]
pub use source::{write_alias_columns, JoinTarget};
pub use table_queries::ViewQueries;
#[doc(hidden)]
pub use view_sql::view_query_sql;
pub use view_sql::ViewQuery;
pub use write::{excluded, Delete, Insert, Insertable, Returning, TableQueries, Update};

use std::fmt;
use std::marker::PhantomData;

use crate::schema::Table;

/// The filter on a table's primary key, which `#[table]` emits beside [`Table`]: what
/// [`TableQueries::find`] uses.
pub trait KeyFilter: Table {
    /// `primary key = key`
    fn key_filter(key: Self::Key) -> Expr<Self, bool>;
}

/// Column `name` of table `T`, holding Rust values of type `V` (`Option<_>` when nullable).
///
/// `#[table]` emits one constant per field in the table's module: `users::email` is a
/// `Column<User, String, users::__columns::email>`, the last a type of its own for each column.
/// The types make a filter on another table's column, a comparison with a value of another
/// type, or an `ON CONFLICT` on columns that are not a unique key, a compile error.
pub struct Column<T, V, N = ()> {
    table: &'static str,
    schema: Option<&'static str>,
    name: &'static str,
    index: usize,
    _marker: PhantomData<fn() -> (T, V)>,
    /// The column's own marker type (`users::__columns::email`), which `#[table]` emits.
    _column: PhantomData<fn() -> N>,
}

impl<T, V, N> Column<T, V, N> {
    #[doc(hidden)]
    pub const fn new(
        schema: Option<&'static str>,
        table: &'static str,
        name: &'static str,
        index: usize,
    ) -> Self {
        Column {
            table,
            schema,
            name,
            index,
            _marker: PhantomData,
            _column: PhantomData,
        }
    }

    /// The column's SQL name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The SQL name of the column's table.
    pub const fn table_name(&self) -> &'static str {
        self.table
    }

    /// The Postgres schema of the column's table, when one was declared.
    pub const fn table_schema(&self) -> Option<&'static str> {
        self.schema
    }

    /// The column's position in the table (and in its `TableDef::columns`).
    pub const fn index(&self) -> usize {
        self.index
    }
}

impl<T, V, N> Clone for Column<T, V, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, V, N> Copy for Column<T, V, N> {}

impl<T, V, N> fmt::Debug for Column<T, V, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.schema {
            Some(schema) => write!(f, "Column({schema}.{}.{})", self.table, self.name),
            None => write!(f, "Column({}.{})", self.table, self.name),
        }
    }
}
