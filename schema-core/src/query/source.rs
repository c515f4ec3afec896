//! What a query reads from: a table, or tables joined to it ([`Source`]), inner, left
//! ([`Nullable`]) and correlated ([`Outer`]), and how their columns and `FROM` are written.

use std::marker::PhantomData;

use postgres_types::FromSql;
use tokio_postgres::Row;

use super::expr::Position;
use super::expr::{InSource, Node};
use super::render::SqlWriter;
use crate::exec::{self, Error, FromRow};
use crate::schema::Table;

/// The right side of a left join: its columns may all be NULL.
#[derive(Debug)]
pub struct Nullable<T>(PhantomData<T>);

/// Where a table of a left join's right side sits.
#[derive(Debug)]
pub enum InNullable {}

impl<T: Joinable, L> InSource<(L, Nullable<T>), InNullable> for T {}

impl Position for InNullable {
    type Wrap<V> = Option<V>;
}

/// A query source: a table, or a join of sources, with the tables it reads from.
pub trait Source: 'static {
    /// What a row of the source decodes into: the table's struct, or a tuple for a join
    /// (`Option<_>` for a left join's right side).
    type Row;
    /// The base table: what `FROM` names, and whose soft-delete column applies.
    type Base: Table;
    #[doc(hidden)]
    fn write_columns(w: &mut SqlWriter);
    #[doc(hidden)]
    fn write_from(w: &mut SqlWriter, joins: &[Join]);
    #[doc(hidden)]
    fn decode(row: &Row, start: usize) -> Result<Self::Row, Error>;
    #[doc(hidden)]
    const WIDTH: usize;
    #[doc(hidden)]
    const JOINED: bool;
}

impl<T: Table + FromRow> Source for T {
    type Row = T;
    type Base = T;
    const WIDTH: usize = T::WIDTH;
    const JOINED: bool = false;

    fn write_columns(w: &mut SqlWriter) {
        write_table_columns::<T>(w);
    }

    fn write_from(w: &mut SqlWriter, joins: &[Join]) {
        w.table(T::table().schema.as_deref(), &T::table().name);
        write_joins(w, joins);
    }

    fn decode(row: &Row, start: usize) -> Result<T, Error> {
        T::from_row(row, start)
    }
}

impl<L: Source, R: Joinable> Source for (L, R) {
    type Row = (L::Row, R::Row);
    type Base = L::Base;
    const WIDTH: usize = L::WIDTH + R::WIDTH;
    const JOINED: bool = true;

    fn write_columns(w: &mut SqlWriter) {
        L::write_columns(w);
        w.push(", ");
        R::write_columns(w);
    }

    fn write_from(w: &mut SqlWriter, joins: &[Join]) {
        L::write_from(w, joins);
    }

    fn decode(row: &Row, start: usize) -> Result<Self::Row, Error> {
        Ok((L::decode(row, start)?, R::decode(row, start + L::WIDTH)?))
    }
}

impl<L: Source, R: Joinable> Source for (L, Nullable<R>) {
    type Row = (L::Row, Option<R::Row>);
    type Base = L::Base;
    const WIDTH: usize = L::WIDTH + R::WIDTH;
    const JOINED: bool = true;

    fn write_columns(w: &mut SqlWriter) {
        L::write_columns(w);
        w.push(", ");
        R::write_columns(w);
    }

    fn write_from(w: &mut SqlWriter, joins: &[Join]) {
        L::write_from(w, joins);
    }

    fn decode(row: &Row, start: usize) -> Result<Self::Row, Error> {
        let right = R::decode_optional(row, start + L::WIDTH)?;
        Ok((L::decode(row, start)?, right))
    }
}

/// What a query can join: a table, or a table under a typed alias declared with
/// [`alias!`](crate::alias) (a self-join, or one table joined twice).
pub trait Joinable: 'static {
    /// What the joined table's part of a row decodes into.
    type Row;
    #[doc(hidden)]
    const WIDTH: usize;
    #[doc(hidden)]
    fn write_columns(w: &mut SqlWriter);
    #[doc(hidden)]
    fn target() -> JoinTarget;
    #[doc(hidden)]
    fn decode(row: &Row, start: usize) -> Result<Self::Row, Error>;
    /// The row, or `None` where an outer join found no match.
    #[doc(hidden)]
    fn decode_optional(row: &Row, start: usize) -> Result<Option<Self::Row>, Error>;
}

impl<T: Table + FromRow> Joinable for T {
    type Row = T;
    const WIDTH: usize = T::WIDTH;

    fn write_columns(w: &mut SqlWriter) {
        write_table_columns::<T>(w);
    }

    fn target() -> JoinTarget {
        JoinTarget {
            schema: T::table().schema.as_deref(),
            table: T::table().name.as_ref(),
            alias: None,
        }
    }

    fn decode(row: &Row, start: usize) -> Result<T, Error> {
        T::from_row(row, start)
    }

    fn decode_optional(row: &Row, start: usize) -> Result<Option<T>, Error> {
        decode_optional::<T>(row, start)
    }
}

/// The table a join reads, and the name it goes by in the query.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct JoinTarget {
    schema: Option<&'static str>,
    table: &'static str,
    alias: Option<&'static str>,
}

impl JoinTarget {
    /// Table `T` under the name `alias` (`"users" AS "manager"`).
    pub fn alias<T: Table>(alias: &'static str) -> JoinTarget {
        JoinTarget {
            schema: T::table().schema.as_deref(),
            table: T::table().name.as_ref(),
            alias: Some(alias),
        }
    }
}

/// The columns of table `T` under the alias `alias`, qualified by it (`"manager"."id", …`).
#[doc(hidden)]
pub fn write_alias_columns<T: Table>(w: &mut SqlWriter, alias: &'static str) {
    for (i, column) in T::table().columns.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.column(None, alias, &column.name);
    }
}

/// Declares a typed alias of a table, for self-joins and for joining one table twice:
///
/// ```ignore
/// schema_core::alias!(pub Parent = Context as "parent");
///
/// Context::select()
///     .left_join::<Parent>(Parent::col(contexts::id).eq(contexts::parent_id))
/// // SELECT … FROM "contexts" LEFT JOIN "contexts" AS "parent" ON "parent"."id" = "contexts"."parent_id"
/// ```
///
/// `Parent::col(contexts::title)` is the `title` column of the alias, a column like any other
/// (filters, order, `columns(…)`); rows decode the alias's part as the table's struct.
#[macro_export]
macro_rules! alias {
    ($(#[$meta:meta])* $vis:vis $name:ident = $table:ty as $sql:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        $vis enum $name {}

        impl $crate::query::Joinable for $name {
            type Row = $table;
            const WIDTH: usize = <$table as $crate::query::Joinable>::WIDTH;

            fn write_columns(w: &mut $crate::query::render::SqlWriter) {
                $crate::query::write_alias_columns::<$table>(w, $sql)
            }

            fn target() -> $crate::query::JoinTarget {
                $crate::query::JoinTarget::alias::<$table>($sql)
            }

            fn decode(
                row: &$crate::__private::Row,
                start: usize,
            ) -> ::std::result::Result<$table, $crate::exec::Error> {
                <$table as $crate::query::Joinable>::decode(row, start)
            }

            fn decode_optional(
                row: &$crate::__private::Row,
                start: usize,
            ) -> ::std::result::Result<::std::option::Option<$table>, $crate::exec::Error> {
                <$table as $crate::query::Joinable>::decode_optional(row, start)
            }
        }

        #[allow(dead_code)]
        impl $name {
            /// The column of the alias that `column` is of the table.
            $vis const fn col<V, N>(
                column: $crate::query::Column<$table, V, N>,
            ) -> $crate::query::Column<$name, V, N> {
                $crate::query::Column::new(None, $sql, column.name(), column.index())
            }
        }
    };
}

/// The base table of a right or full join: its row may be absent, and its columns read as
/// `Option`.
#[derive(Debug)]
pub struct OptionalBase<T>(PhantomData<T>);

impl<T: Table> InSource<OptionalBase<T>, InNullable> for T {}

impl<T: Table + FromRow> Source for OptionalBase<T> {
    type Row = Option<T>;
    type Base = T;
    const WIDTH: usize = T::WIDTH;
    const JOINED: bool = true;

    fn write_columns(w: &mut SqlWriter) {
        write_table_columns::<T>(w);
    }

    fn write_from(w: &mut SqlWriter, joins: &[Join]) {
        w.table(T::table().schema.as_deref(), &T::table().name);
        write_joins(w, joins);
    }

    fn decode(row: &Row, start: usize) -> Result<Option<T>, Error> {
        decode_optional::<T>(row, start)
    }
}

/// A table's row that a join may leave absent: absent when its primary key (never NULL in a
/// real row) is NULL, or, without one, when every column is.
fn decode_optional<R: Table + FromRow>(row: &Row, at: usize) -> Result<Option<R>, Error> {
    let absent = match R::table()
        .primary_key
        .as_ref()
        .and_then(|pk| pk.columns.first())
    {
        Some(pk) => {
            let index = R::table()
                .columns
                .iter()
                .position(|c| c.name == *pk)
                .unwrap_or(0);
            exec::get::<Option<AnyValue>>(row, at + index)?.is_none()
        }
        None => {
            (0..R::WIDTH).all(|i| matches!(exec::get::<Option<AnyValue>>(row, at + i), Ok(None)))
        }
    };
    if absent {
        Ok(None)
    } else {
        R::from_row(row, at).map(Some)
    }
}

/// A table of an enclosing query, referenced by a correlated subquery.
#[derive(Debug)]
pub struct Outer<T>(PhantomData<T>);

/// Where an enclosing query's table sits in a correlated subquery's source.
#[derive(Debug)]
pub enum InOuter {}

impl<T: Table, L> InSource<(L, Outer<T>), InOuter> for T {}

impl Position for InOuter {
    type Wrap<V> = V;
}

impl<L: Source, T: Table> Source for (L, Outer<T>) {
    type Row = L::Row;
    type Base = L::Base;
    const WIDTH: usize = L::WIDTH;
    const JOINED: bool = true;

    fn write_columns(w: &mut SqlWriter) {
        L::write_columns(w);
    }

    fn write_from(w: &mut SqlWriter, joins: &[Join]) {
        L::write_from(w, joins);
    }

    fn decode(row: &Row, start: usize) -> Result<Self::Row, Error> {
        L::decode(row, start)
    }
}

/// Accepts any column value, to tell NULL from not NULL.
struct AnyValue;

impl<'a> FromSql<'a> for AnyValue {
    fn from_sql(
        _: &postgres_types::Type,
        _: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(AnyValue)
    }

    fn accepts(_: &postgres_types::Type) -> bool {
        true
    }
}

fn write_table_columns<T: Table>(w: &mut SqlWriter) {
    if w.writes_bare_columns_of(&T::table().name) {
        w.push(T::COLUMN_LIST);
        return;
    }
    for (i, column) in T::table().columns.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.column(T::table().schema.as_deref(), &T::table().name, &column.name);
    }
}

#[doc(hidden)]
#[derive(Clone)]
pub struct Join {
    kind: JoinKind,
    target: JoinTarget,
    on: Node,
    /// A derived table's `[LATERAL ](query) AS "name"(…)`, written instead of the table.
    derived: Option<super::render::WriteFn>,
}

impl std::fmt::Debug for Join {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Join")
            .field("kind", &self.kind)
            .field("target", &self.target)
            .field("on", &self.on)
            .field("derived", &self.derived.is_some())
            .finish()
    }
}

/// How a table is joined.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    /// `RIGHT JOIN`: the base table's row may be absent.
    Right,
    /// `FULL JOIN`: either side may be absent.
    Full,
    /// `CROSS JOIN`: every pair of rows, no condition.
    Cross,
}

impl Join {
    /// `[LEFT|INNER] JOIN R ON on`, or `CROSS JOIN R`.
    pub(super) fn to<R: Joinable>(kind: JoinKind, on: Node) -> Join {
        Join {
            kind,
            target: R::target(),
            on,
            derived: None,
        }
    }

    /// A join of a derived table, written by `derived`.
    pub(super) fn derived<R: Joinable>(
        kind: JoinKind,
        on: Node,
        derived: super::render::WriteFn,
    ) -> Join {
        Join {
            derived: Some(derived),
            ..Join::to::<R>(kind, on)
        }
    }
}

impl Join {
    /// A right or full join: rows where the base table's row is absent.
    pub(super) fn can_lack_the_base(&self) -> bool {
        matches!(self.kind, JoinKind::Right | JoinKind::Full)
    }

    /// The join with `condition` added to its `ON` (for a right or full join).
    pub(super) fn and_on(mut self, condition: Node) -> Join {
        if self.can_lack_the_base() {
            self.on = Node::Logic("AND", vec![self.on, condition]);
        }
        self
    }
}

fn write_joins(w: &mut SqlWriter, joins: &[Join]) {
    for join in joins {
        w.push(match join.kind {
            JoinKind::Inner => " INNER JOIN ",
            JoinKind::Left => " LEFT JOIN ",
            JoinKind::Right => " RIGHT JOIN ",
            JoinKind::Full => " FULL JOIN ",
            JoinKind::Cross => " CROSS JOIN ",
        });
        match &join.derived {
            Some(derived) => derived(w),
            None => {
                w.table(join.target.schema, join.target.table);
                if let Some(alias) = join.target.alias {
                    w.push(" AS ");
                    w.table(None, alias);
                }
            }
        }
        if join.kind != JoinKind::Cross {
            w.push(" ON ");
            w.node(&join.on);
        }
    }
}
