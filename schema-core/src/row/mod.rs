//! Row decoding: a row's columns into Rust values ([`FromRow`], [`get`], [`get_named`]), and
//! PostgreSQL's binary records into typed values ([`Record`]), below every other module.

mod record;

pub(crate) use record::RawValue;
pub use record::{FromRecord, Record, RecordValue, RelationValue};

use tokio_postgres::Row;

use crate::error::Error;

/// Decodes a row (from position `start` on) into `Self`. `#[table]` implements it for the
/// table's struct, in column order; tuples of `FromRow` types decode side by side.
pub trait FromRow: Sized {
    /// How many columns the value takes.
    const WIDTH: usize;

    fn from_row(row: &Row, start: usize) -> Result<Self, Error>;
}

/// Reads column `index` of `row` as a `T`, naming the column in the error.
pub fn get<'r, T: postgres_types::FromSql<'r>>(row: &'r Row, index: usize) -> Result<T, Error> {
    row.try_get(index).map_err(|source| Error::Decode {
        column: row
            .columns()
            .get(index)
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| format!("#{index}")),
        source,
    })
}

/// Field `field` of the `#[derive(FromRow)]` struct `of`, the `at`-th of its `width` fields,
/// read from the row's columns `start..start + width` by name: the column in the field's place
/// when it has the field's name (the usual case, one comparison), else the one of that name
/// elsewhere in the struct's columns; [`Error::NoColumn`] when there is none.
pub fn get_named<'r, T: postgres_types::FromSql<'r>>(
    row: &'r Row,
    (start, width): (usize, usize),
    at: usize,
    field: &'static str,
    of: &'static str,
) -> Result<T, Error> {
    let columns = row.columns();
    let own = &columns[start.min(columns.len())..(start + width).min(columns.len())];
    if own.get(at).is_some_and(|c| c.name() == field) {
        return get(row, start + at);
    }
    match own.iter().position(|c| c.name() == field) {
        Some(found) => get(row, start + found),
        None => Err(Error::NoColumn {
            field: format!("{of}.{field}"),
            selected: own.iter().map(|c| c.name().to_string()).collect(),
        }),
    }
}

macro_rules! tuple_from_row {
    ($($name:ident),+) => {
        impl<$($name: FromRow),+> FromRow for ($($name,)+) {
            const WIDTH: usize = 0 $(+ $name::WIDTH)+;

            #[allow(unused_assignments)]
            fn from_row(row: &Row, start: usize) -> Result<Self, Error> {
                let mut at = start;
                Ok(($({
                    let value = $name::from_row(row, at)?;
                    at += $name::WIDTH;
                    value
                },)+))
            }
        }
    };
}

tuple_from_row!(A);
tuple_from_row!(A, B);
tuple_from_row!(A, B, C);
tuple_from_row!(A, B, C, D);

/// A single value as a one-column row: `raw_query::<Value<i64>>(…)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Value<T>(pub T);

impl<T: for<'r> postgres_types::FromSql<'r>> FromRow for Value<T> {
    const WIDTH: usize = 1;

    fn from_row(row: &Row, start: usize) -> Result<Self, Error> {
        get(row, start).map(Value)
    }
}
