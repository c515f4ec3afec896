//! Which Rust types can read and write a column that `#[column(sql_type = "…")]` names: one
//! trait for each SQL type PostgreSQL has a binary format for that a Rust type here decodes. A
//! field whose type cannot hold the named SQL type is a compile error at `sql_type` that names
//! the types that fit (instead of an error at the first insert).

macro_rules! fits {
    ($($name:ident $message:literal, $note:literal => [$($(#[$cfg:meta])? $ty:ty),*];)*) => {$(
        #[diagnostic::on_unimplemented(message = $message, label = "the field is `{Self}`", note = $note)]
        pub trait $name {
            /// Called by `#[table]` as `<Field as FitsX>::fits()`: an error there names the fix.
            fn fits() {}
        }
        $($(#[$cfg])?
        #[diagnostic::do_not_recommend]
        impl $name for $ty {})*
        /// Arrays of the type.
        #[diagnostic::do_not_recommend]
        impl<T: $name> $name for Vec<T> {}
        /// Nullable elements.
        #[diagnostic::do_not_recommend]
        impl<T: $name> $name for Option<T> {}
    )*};
}

fits! {
    FitsInet "this `{Self}` field cannot hold an `inet` column", "an `inet` is a `std::net::IpAddr`, or a `cidr::IpInet` (feature `net`)" => [
        std::net::IpAddr, #[cfg(feature = "net")] cidr::IpInet
    ];
    FitsCidr "this `{Self}` field cannot hold a `cidr` column", "a `cidr` is a `cidr::IpCidr` (feature `net` of schema-core)" => [
        #[cfg(feature = "net")] cidr::IpCidr
    ];
    FitsMacaddr "this `{Self}` field cannot hold a `macaddr` column", "a `macaddr` is an `eui48::MacAddress` (feature `net` of schema-core)" => [
        #[cfg(feature = "net")] eui48::MacAddress
    ];
    FitsInterval "this `{Self}` field cannot hold an `interval` column", "an `interval` is a `schema_core::types::Interval`" => [
        crate::types::Interval
    ];
    FitsTsvector "this `{Self}` field cannot hold a `tsvector` column", "a `tsvector` is a `schema_core::types::TsVector`" => [
        crate::types::TsVector
    ];
    FitsBytea "this `{Self}` field cannot hold a `bytea` column", "a `bytea` is a `Vec<u8>`" => [Vec<u8>];
    FitsJson "this `{Self}` field cannot hold a `json` column", "a `json` or `jsonb` is a `serde_json::Value`, or `Json<T>` for any serde type" => [
        serde_json::Value
    ];
    FitsNumeric "this `{Self}` field cannot hold a `numeric` column", "a `numeric` is a `rust_decimal::Decimal` (feature `decimal` of schema-core)" => [
        #[cfg(feature = "decimal")] rust_decimal::Decimal
    ];
    FitsTime "this `{Self}` field cannot hold a `time` column", "a `time` is a `chrono::NaiveTime`" => [chrono::NaiveTime];
    FitsDate "this `{Self}` field cannot hold a `date` column", "a `date` is a `chrono::NaiveDate`" => [chrono::NaiveDate];
    FitsTimestamp "this `{Self}` field cannot hold a `timestamp` column", "a `timestamp` is a `chrono::NaiveDateTime` (`Timestamp`)" => [
        chrono::NaiveDateTime
    ];
    FitsTimestamptz "this `{Self}` field cannot hold a `timestamptz` column", "a `timestamptz` is a `chrono::DateTime<Utc>` (`TimestampTz`)" => [
        chrono::DateTime<chrono::Utc>
    ];
    FitsUuid "this `{Self}` field cannot hold a `uuid` column", "a `uuid` is a `uuid::Uuid`" => [uuid::Uuid];
    FitsText "this `{Self}` field cannot hold a `text` column", "a text type is a `String`" => [String];
    FitsBool "this `{Self}` field cannot hold a `boolean` column", "a `boolean` is a `bool`" => [bool];
    FitsSmallint "this `{Self}` field cannot hold a `smallint` column", "a `smallint` is an `i16`" => [i16];
    FitsInteger "this `{Self}` field cannot hold an `integer` column", "an `integer` is an `i32`" => [i32];
    FitsBigint "this `{Self}` field cannot hold a `bigint` column", "a `bigint` is an `i64`" => [i64];
    FitsReal "this `{Self}` field cannot hold a `real` column", "a `real` is an `f32`" => [f32];
    FitsDouble "this `{Self}` field cannot hold a `double precision` column", "a `double precision` is an `f64`" => [f64];
    FitsVector "this `{Self}` field cannot hold a `vector` column", "a `vector` is a `pgvector::Vector`" => [pgvector::Vector];
}

#[diagnostic::do_not_recommend]
impl<T> FitsJson for crate::types::Json<T> {}
