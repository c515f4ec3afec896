//! Which Rust types map to which SQL types.

use super::{Schema, SqlType};

/// A Rust type that a column can hold, and its SQL type.
///
/// Implemented for the scalar types below, `Vec<T>` (arrays), and every `#[pg_enum]`. For any
/// other type, implement it (with tokio-postgres' `ToSql` and `FromSql`), or keep a supported
/// Rust type and give the SQL type with `#[column(sql_type = "…")]`.
///
/// | Rust | SQL |
/// | --- | --- |
/// | `i16`, `i32`, `i64` | `smallint`, `integer`, `bigint` |
/// | `f32`, `f64` | `real`, `double precision` |
/// | `bool` | `boolean` |
/// | `String` | `text` (`varchar(n)` with `#[column(varchar(n))]`) |
/// | `uuid::Uuid` | `uuid` |
/// | `chrono::NaiveDateTime`, `chrono::DateTime<Utc>` | `timestamp`, `timestamptz` |
/// | `chrono::NaiveDate`, `chrono::NaiveTime` | `date`, `time` |
/// | `serde_json::Value` | `jsonb` |
/// | `pgvector::Vector` | `vector` (`vector(n)` with `#[column(vector(n))]`) |
/// | `rust_decimal::Decimal` (feature `decimal`) | `numeric` |
/// | `Vec<u8>` | `bytea` |
/// | [`Json<T>`](crate::types::Json) for any serde `T` | `jsonb` |
/// | [`Interval`](crate::types::Interval) | `interval` |
/// | `std::net::IpAddr` | `inet` |
/// | [`TsVector`](crate::types::TsVector) | `tsvector` |
/// | `cidr::IpInet`, `cidr::IpCidr` (feature `net`) | `inet`, `cidr` |
/// | `eui48::MacAddress` (feature `net`) | `macaddr` |
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported column type",
    label = "no SQL type is known for `{Self}`",
    note = "use a supported type (with `#[column(sql_type = \"…\")]` for another SQL type), declare the enum with `#[pg_enum]`, or implement `ColumnValue` for it"
)]
pub trait ColumnValue:
    postgres_types::ToSql + for<'a> postgres_types::FromSql<'a> + Send + Sync + Sized + 'static
{
    /// The type without its `Option`: what a comparison with the column takes.
    type NotNull;
    /// Whether the type is an `Option` (a nullable column).
    const NULLABLE: bool = false;
    const SQL_TYPE: SqlType;
    /// Array dimensions: `0` for a scalar, `1` for `Vec<T>`.
    const ARRAY_DIMS: u8 = 0;

    /// Adds what the type needs (its enum, its extension) to the schema.
    fn register_types(_schema: &mut Schema) {}

    /// Reads column `index` of a row. (Generated code goes through these methods, so that a type
    /// that is no column value is reported once, as such.)
    #[doc(hidden)]
    fn read(row: &tokio_postgres::Row, index: usize) -> Result<Self, crate::error::Error> {
        crate::row::get(row, index)
    }

    /// Reads field `index` of a loaded relation's record.
    #[doc(hidden)]
    fn read_record(
        record: &crate::row::Record<'_>,
        index: usize,
    ) -> Result<Self, crate::error::Error> {
        if Self::ARRAY_DIMS > 0 {
            record.get_array(index)
        } else {
            record.get(index)
        }
    }

    /// The value as a bound parameter.
    #[doc(hidden)]
    fn into_param(self) -> crate::param::Param {
        std::sync::Arc::new(self)
    }

    /// Values of this column from many rows, as one array parameter.
    #[doc(hidden)]
    fn array_param(values: Vec<Self>) -> crate::param::Param {
        std::sync::Arc::new(values)
    }

    /// The value by reference, as COPY and other bulk paths take it.
    #[doc(hidden)]
    fn as_sql(&self) -> &(dyn postgres_types::ToSql + Sync) {
        self
    }
}

macro_rules! column_values {
    ($($ty:ty => $sql:expr),* $(,)?) => {
        $(#[diagnostic::do_not_recommend]
        impl ColumnValue for $ty {
            type NotNull = $ty;
            const SQL_TYPE: SqlType = $sql;
        }
        impl Nullness for $ty {
            type With<U> = U;
        })*
    };
}

column_values! {
    i16 => SqlType::SmallInt,
    i32 => SqlType::Integer,
    i64 => SqlType::BigInt,
    f32 => SqlType::Real,
    f64 => SqlType::DoublePrecision,
    bool => SqlType::Boolean,
    String => SqlType::Text,
    uuid::Uuid => SqlType::Uuid,
    chrono::NaiveDateTime => SqlType::Timestamp,
    chrono::DateTime<chrono::Utc> => SqlType::TimestampTz,
    chrono::NaiveDate => SqlType::Date,
    chrono::NaiveTime => SqlType::Time,
    serde_json::Value => SqlType::Jsonb,
    pgvector::Vector => SqlType::Vector(None),
}

/// A type PostgreSQL has that this model names by its SQL (`inet`).
const fn named(sql: &'static str) -> SqlType {
    SqlType::Custom(std::borrow::Cow::Borrowed(sql))
}

column_values! {
    crate::types::Interval => SqlType::Interval,
    std::net::IpAddr => named("inet"),
    crate::types::TsVector => named("tsvector"),
}

#[cfg(feature = "net")]
column_values! {
    cidr::IpInet => named("inet"),
    cidr::IpCidr => named("cidr"),
    eui48::MacAddress => named("macaddr"),
}

/// Whether a column value can be NULL, as a type: what a function of a value gives, NULL in,
/// NULL out (`length(name)` is an `i32` for a `String`, an `Option<i32>` for an `Option<String>`).
pub trait Nullness {
    /// `U`, or `Option<U>` when `Self` is an `Option`.
    type With<U>;
}

impl<T> Nullness for Option<T> {
    type With<U> = Option<U>;
}

impl Nullness for Vec<u8> {
    type With<U> = U;
}

impl<T> Nullness for crate::types::Json<T> {
    type With<U> = U;
}

impl<T: ColumnValue> Nullness for Vec<T> {
    type With<U> = U;
}

/// `bytea`. (No `u8` is a column value, so this is no array of bytes.)
#[diagnostic::do_not_recommend]
impl ColumnValue for Vec<u8> {
    type NotNull = Vec<u8>;
    const SQL_TYPE: SqlType = SqlType::Bytea;
}

#[diagnostic::do_not_recommend]
impl<T> ColumnValue for crate::types::Json<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug + Send + Sync + 'static,
{
    type NotNull = crate::types::Json<T>;
    const SQL_TYPE: SqlType = SqlType::Jsonb;
}

#[cfg(feature = "decimal")]
column_values! {
    rust_decimal::Decimal => SqlType::Numeric { precision: None, scale: None },
}

#[diagnostic::do_not_recommend]
impl<T: ColumnValue> ColumnValue for Vec<T> {
    type NotNull = Vec<T>;
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const ARRAY_DIMS: u8 = T::ARRAY_DIMS + 1;

    fn register_types(schema: &mut Schema) {
        T::register_types(schema)
    }
}

/// Nullable array elements (`Vec<Option<T>>`); a column's own nullability is its `Option`.
#[diagnostic::do_not_recommend]
impl<T: ColumnValue> ColumnValue for Option<T> {
    type NotNull = T::NotNull;
    const NULLABLE: bool = true;
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const ARRAY_DIMS: u8 = T::ARRAY_DIMS;

    fn register_types(schema: &mut Schema) {
        T::register_types(schema)
    }
}
