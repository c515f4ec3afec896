//! What generated code names (`::schema_core::__private::…`). Not a public API.

pub use std::borrow::Cow;
pub use std::option::Option::{None, Some};

pub use crate::exec::{get, get_named, CopyRow, Error, FromRow, OneField, ReadsAs, ReadsInto};
pub use crate::query::expr::{Expr, Param};
pub use crate::query::write::{
    Computed, Insert, Insertable, Missing, PartialKey, Provided, UniqueKey, WholeKey, Writable,
};
pub use crate::query::{
    view_query_sql, Column, InlineView, KeyFilter, Select, TableQueries, ViewQueries,
};
pub use crate::relations::{
    BelongsTo, FromRecord, HasMany, HasOne, ManyToMany, Record, Relation, Through,
};
pub use std::marker::PhantomData;
pub use std::sync::Arc;
pub use std::vec::Vec;
pub use tokio_postgres::Row;

pub use crate::fits::*;
pub use crate::schema::*;

#[diagnostic::on_unimplemented(
    message = "a boolean literal cannot be the default of a `{Self}` column",
    label = "this boolean literal does not fit `{Self}`",
    note = "give a literal of the column's type, or a SQL expression: `default = sql(\"…\")`"
)]
pub trait BoolDefault {}
#[diagnostic::do_not_recommend]
impl BoolDefault for bool {}

#[diagnostic::on_unimplemented(
    message = "an integer literal cannot be the default of a `{Self}` column",
    label = "this integer literal does not fit `{Self}`",
    note = "give a literal of the column's type, or a SQL expression: `default = sql(\"…\")`"
)]
pub trait IntDefault {}
#[diagnostic::do_not_recommend]
impl IntDefault for i16 {}
#[diagnostic::do_not_recommend]
impl IntDefault for i32 {}
#[diagnostic::do_not_recommend]
impl IntDefault for i64 {}
#[diagnostic::do_not_recommend]
impl IntDefault for f32 {}
#[diagnostic::do_not_recommend]
impl IntDefault for f64 {}

#[diagnostic::on_unimplemented(
    message = "a decimal literal cannot be the default of a `{Self}` column",
    label = "this decimal literal does not fit `{Self}`",
    note = "give a literal of the column's type, or a SQL expression: `default = sql(\"…\")`"
)]
pub trait FloatDefault {}
#[diagnostic::do_not_recommend]
impl FloatDefault for f32 {}
#[diagnostic::do_not_recommend]
impl FloatDefault for f64 {}

#[diagnostic::on_unimplemented(
    message = "a string literal cannot be the default of a `{Self}` column",
    label = "this string literal does not fit `{Self}`",
    note = "give a literal of the column's type, or a SQL expression: `default = sql(\"…\")`"
)]
pub trait StrDefault {}
#[diagnostic::do_not_recommend]
impl StrDefault for String {}
#[diagnostic::do_not_recommend]
impl StrDefault for uuid::Uuid {}
#[diagnostic::do_not_recommend]
impl StrDefault for chrono::NaiveDateTime {}
#[diagnostic::do_not_recommend]
impl StrDefault for chrono::DateTime<chrono::Utc> {}
#[diagnostic::do_not_recommend]
impl StrDefault for chrono::NaiveDate {}
#[diagnostic::do_not_recommend]
impl StrDefault for chrono::NaiveTime {}

#[cfg(feature = "decimal")]
#[diagnostic::do_not_recommend]
impl IntDefault for rust_decimal::Decimal {}
#[cfg(feature = "decimal")]
#[diagnostic::do_not_recommend]
impl FloatDefault for rust_decimal::Decimal {}

#[diagnostic::on_unimplemented(
    message = "this string default is text, not a call: the column would get that text's value once, when the migration runs",
    label = "a string, on a `{Self}` column",
    note = "for the current time write `default = now`; for any SQL expression, `default = sql(\"now()\")`"
)]
pub trait TakesCallText {}

#[diagnostic::on_unimplemented(
    message = "the soft-delete column is the time a row was deleted: a `{Self}` cannot be",
    label = "not a timestamp",
    note = "make it `Option<TimestampTz>` (or `Option<Timestamp>`)"
)]
pub trait SoftDeleteTime {}
#[diagnostic::do_not_recommend]
impl SoftDeleteTime for chrono::NaiveDateTime {}
#[diagnostic::do_not_recommend]
impl SoftDeleteTime for chrono::DateTime<chrono::Utc> {}
#[diagnostic::do_not_recommend]
impl TakesCallText for String {}

#[diagnostic::on_unimplemented(
    message = "`{Self}` has no current time: `now` needs a timestamp, timestamptz or date column",
    label = "`now` is not a `{Self}`",
    note = "use `now` on a `NaiveDateTime`, `DateTime<Utc>` or `NaiveDate` field"
)]
pub trait TakesNow {}
#[diagnostic::do_not_recommend]
impl TakesNow for chrono::NaiveDateTime {}
#[diagnostic::do_not_recommend]
impl TakesNow for chrono::DateTime<chrono::Utc> {}
#[diagnostic::do_not_recommend]
impl TakesNow for chrono::NaiveDate {}

#[diagnostic::on_unimplemented(
    message = "`random` (gen_random_uuid()) needs a `Uuid` column, not `{Self}`",
    label = "not a `Uuid`",
    note = "for another type, give the default as SQL: `default = sql(\"…\")`"
)]
pub trait TakesRandom {}
#[diagnostic::do_not_recommend]
impl TakesRandom for uuid::Uuid {}

#[diagnostic::on_unimplemented(
    message = "`varchar(n)` and `char(n)` need a `String` column, not `{Self}`",
    label = "not a string type",
    note = "remove `varchar(…)`, or make the field a `String`"
)]
pub trait TextValue {}
#[diagnostic::do_not_recommend]
impl TextValue for String {}
#[diagnostic::do_not_recommend]
impl<T: TextValue> TextValue for Vec<T> {}

#[diagnostic::on_unimplemented(
    message = "`vector(n)` needs a `pgvector::Vector` column, not `{Self}`",
    label = "not a `pgvector::Vector`"
)]
pub trait VectorValue {}
#[diagnostic::do_not_recommend]
impl VectorValue for pgvector::Vector {}

#[diagnostic::on_unimplemented(
    message = "`numeric(p, s)` needs a decimal column, not `{Self}`",
    label = "not a decimal type",
    note = "use `rust_decimal::Decimal` (feature `decimal` of schema-core), or `sql_type = \"numeric(p, s)\"`"
)]
pub trait NumericValue {}
#[cfg(feature = "decimal")]
#[diagnostic::do_not_recommend]
impl NumericValue for rust_decimal::Decimal {}

#[diagnostic::on_unimplemented(
    message = "a foreign key of type `{Self}` cannot reference a column of type `{Target}`",
    label = "this column is `{Target}`",
    note = "a foreign key column has the referenced column's type, or `Option` of it"
)]
pub trait References<Target> {}
#[diagnostic::do_not_recommend]
impl<T> References<T> for T {}
#[diagnostic::do_not_recommend]
impl<T> References<T> for Option<T> {}

#[diagnostic::on_unimplemented(
    message = "`identity` needs an integer column (`i16`, `i32` or `i64`), not `{Self}`",
    label = "not an integer type"
)]
pub trait IdentityValue {}
#[diagnostic::do_not_recommend]
impl IdentityValue for i16 {}
#[diagnostic::do_not_recommend]
impl IdentityValue for i32 {}
#[diagnostic::do_not_recommend]
impl IdentityValue for i64 {}

/// Compile-time checks emitted by `#[table]`: each call fails to type-check, under the user's
/// token, when its bound does not hold.
pub fn check_bool_default<T: BoolDefault + ?Sized>() {}
pub fn check_int_default<T: IntDefault + ?Sized>() {}
pub fn check_float_default<T: FloatDefault + ?Sized>() {}
pub fn check_str_default<T: StrDefault + ?Sized>() {}
pub fn check_call_in_a_string_default<T: TakesCallText + ?Sized>() {}
pub fn check_soft_delete<T: SoftDeleteTime + ?Sized>() {}
pub fn check_now<T: TakesNow + ?Sized>() {}
pub fn check_on_update_now<T: TakesNow + ?Sized>() {}
pub fn check_random<T: TakesRandom + ?Sized>() {}
pub fn check_nextval<T: TakesNextval + ?Sized>() {}

/// Never implemented: the bound of a view's `insert`, `update` and `delete`.
#[diagnostic::on_unimplemented(
    message = "`{V}` is a view: it is read, never written",
    label = "a write to a view",
    note = "write to the tables its query reads; `{V}::select()` reads it"
)]
pub trait ViewIsReadOnly<V> {}

#[diagnostic::on_unimplemented(
    message = "`nextval` gives an integer, not a `{Self}`",
    label = "not an integer type",
    note = "a sequence fills an `i16`, `i32` or `i64` column"
)]
pub trait TakesNextval {}
#[diagnostic::do_not_recommend]
impl TakesNextval for i16 {}
#[diagnostic::do_not_recommend]
impl TakesNextval for i32 {}
#[diagnostic::do_not_recommend]
impl TakesNextval for i64 {}
pub fn check_text<T: TextValue + ?Sized>() {}
pub fn check_vector<T: VectorValue + ?Sized>() {}
pub fn check_numeric<T: NumericValue + ?Sized>() {}
pub fn check_identity<T: IdentityValue + ?Sized>() {}
/// The referenced column's value type, as a receiver: the foreign-key check is a method call on
/// it, so that type is fixed before the bound `F: References<V>` is looked at.
#[derive(Debug)]
pub struct Referenced<V>(std::marker::PhantomData<V>);

pub const fn referenced<T, V, N>(_: Column<T, V, N>) -> Referenced<V> {
    Referenced(std::marker::PhantomData)
}

impl<V> Referenced<V> {
    pub fn by<F: References<V> + ?Sized>(self) {}
}

pub fn check_on_update_fn<T, F: Fn() -> T>(_: F) {}
/// What a `default_fn` may return for a column of type `T`: a `T`, or for an `Option<T>` column
/// the value without its `Option`.
#[diagnostic::on_unimplemented(
    message = "this `default_fn` returns `{Self}`, and the column is `{T}`",
    label = "returns `{Self}`",
    note = "make the function return `{T}`"
)]
pub trait DefaultFnValue<T> {
    fn into_column(self) -> T;
}
#[diagnostic::do_not_recommend]
impl<T> DefaultFnValue<T> for T {
    fn into_column(self) -> T {
        self
    }
}
#[diagnostic::do_not_recommend]
impl<T> DefaultFnValue<Option<T>> for T {
    fn into_column(self) -> Option<T> {
        Some(self)
    }
}
pub fn check_enum_default<T>(_: T) {}

pub use bytes::BytesMut;
pub use postgres_types;

/// `Option<&'static str>` as the model's `Option<Str>`, in a constant.
pub const fn opt_str(value: Option<&'static str>) -> Option<Str> {
    match value {
        Some(s) => Some(Cow::Borrowed(s)),
        None => None,
    }
}

/// The error a `#[pg_enum]` returns for a label it does not know.
pub fn unknown_label(enum_name: &str, label: &str) -> Box<dyn std::error::Error + Sync + Send> {
    format!("unknown label {label:?} for enum {enum_name}").into()
}

/// The table and value type of a column, read from its type (`users::id` is also a type alias of
/// the column's `Column<User, Uuid>`), for declarations that must name them.
pub trait ColumnTypes {
    type Table;
    type Value;
}

impl<T, V, N> ColumnTypes for Column<T, V, N> {
    type Table = T;
    type Value = V;
}

/// What a column's marker type (`users::__columns::email`, `#[table]` emits one per column)
/// knows of its column, so that generated code reaches a column through its type alone: a
/// misspelled column in a relation is then one error (a type not found), not a second one for
/// the value.
pub trait ColumnMarker {
    const SCHEMA: Option<&'static str>;
    const TABLE: &'static str;
    const NAME: &'static str;
    const INDEX: usize;
}

impl<N: ColumnMarker> ColumnMarker for Computed<N> {
    const SCHEMA: Option<&'static str> = N::SCHEMA;
    const TABLE: &'static str = N::TABLE;
    const NAME: &'static str = N::NAME;
    const INDEX: usize = N::INDEX;
}

/// A column made from its type: `<users::email as ColumnConst>::COLUMN` is `users::email`.
pub trait ColumnConst {
    const COLUMN: Self;
}

impl<T, V, N: ColumnMarker> ColumnConst for Column<T, V, N> {
    const COLUMN: Self = Column::new(N::SCHEMA, N::TABLE, N::NAME, N::INDEX);
}

/// Checks that a column of type `F` can reference one of type `V` (a relation's key), by types
/// alone: the compile error then quotes no call.
pub const fn references_type<V, F: References<V>>() {}

/// `column = $1` with `key` bound as is: a relation accessor's filter. The key's type is checked
/// once, by the relation's declaration (`references_type`), not again here.
pub fn key_eq<C, V, N, K>(column: Column<C, V, N>, key: K) -> Expr<C, bool>
where
    K: postgres_types::ToSql + Send + Sync + 'static,
{
    crate::query::expr::column_eq_param(column, Arc::new(key))
}

/// Whether `table` declares a single-column foreign key from `column` to `key` (emitted by
/// `#[table]` as a constant assertion for each `has_many`, `has_one` and `many_to_many`).
pub const fn is_foreign_key<T, V, N, K, W, O>(
    table: &TableDef,
    column: Column<T, V, N>,
    key: Column<K, W, O>,
) -> bool {
    let Cow::Borrowed(foreign_keys) = &table.foreign_keys else {
        return false;
    };
    let mut i = 0;
    while i < foreign_keys.len() {
        let fk = &foreign_keys[i];
        if one_name(&fk.columns, column.name())
            && one_name(&fk.referenced_columns, key.name())
            && str_is(&fk.references.name, key.table_name())
            && same_schema(&fk.references.schema, key.table_schema())
        {
            return true;
        }
        i += 1;
    }
    false
}

const fn one_name(names: &List<Str>, name: &str) -> bool {
    match names {
        Cow::Borrowed([only]) => str_is(only, name),
        _ => false,
    }
}

const fn same_schema(schema: &Option<Str>, other: Option<&str>) -> bool {
    match (schema, other) {
        (None, None) => true,
        (Some(schema), Some(other)) => str_is(schema, other),
        _ => false,
    }
}

const fn str_is(value: &Str, other: &str) -> bool {
    let Cow::Borrowed(value) = value else {
        return false;
    };
    let (a, b) = (value.as_bytes(), other.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A `#[domain]` newtype's value travels as its base type's (a domain's binary format is its
/// base type's): the type to encode or decode with.
pub fn domain_base(ty: &postgres_types::Type) -> &postgres_types::Type {
    match ty.kind() {
        postgres_types::Kind::Domain(base) => base,
        _ => ty,
    }
}

pub fn domain_accepts_to<I: postgres_types::ToSql>(ty: &postgres_types::Type) -> bool {
    I::accepts(domain_base(ty))
}

pub fn domain_accepts_from<'a, I: postgres_types::FromSql<'a>>(ty: &postgres_types::Type) -> bool {
    I::accepts(domain_base(ty))
}
