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

/// The compile-time check of `.decode_as::<U>()`: rows whose selected columns are `Self` (the
/// query's output, a tuple of the columns' types) can be read into `U`, a `#[derive(FromRow)]`
/// struct, field by field in the order of the selection. The derive implements it (a one-field
/// struct through [`OneField`]); a field whose type cannot hold its column's is a compile error at
/// the `decode_as` call that lists the columns' types.
#[diagnostic::on_unimplemented(
    message = "the selected columns `{Self}` do not fit the fields of `{U}`",
    label = "a field's type does not fit its column's",
    note = "`decode_as` reads the fields in the order of the selected columns, one a column, each of its column's type or an `Option` of it; a column that can be NULL (an `Option`, as every column of a left-joined table is) needs an `Option` field"
)]
pub trait ReadsInto<U: FromRow> {}

/// A `#[derive(FromRow)]` struct of one field, read from a one-column selection (whose output is
/// the column's type itself).
pub trait OneField: FromRow {
    /// The field's type.
    type Field;
}

#[diagnostic::do_not_recommend]
impl<T, U: OneField> ReadsInto<U> for T where T: ReadsAs<U::Field> {}

/// A selected column of type `Self` read into a field of type `F`: the same type, or the type
/// in an `Option`. Implement it for a field type of your own that reads a column's type
/// (`impl ReadsAs<Email> for String` when `Email: FromSql` reads `text`).
#[diagnostic::on_unimplemented(
    message = "a field of type `{F}` cannot hold a selected column of type `{Self}`",
    note = "a field holds its column's type or an `Option` of it"
)]
pub trait ReadsAs<F> {}

impl<T> ReadsAs<T> for T {}
impl<T> ReadsAs<Option<T>> for T {}

/// Reads column `index` of `row` as a `T`, naming the column in the error.
#[inline]
pub fn get<'r, T: postgres_types::FromSql<'r>>(row: &'r Row, index: usize) -> Result<T, Error> {
    // The error is made out of line: every column of every row comes through here, and the
    // happy path is a `try_get` and nothing else.
    match row.try_get(index) {
        Ok(value) => Ok(value),
        Err(source) => Err(decode_error(row, index, source)),
    }
}

#[cold]
#[inline(never)]
fn decode_error(row: &Row, index: usize, source: tokio_postgres::Error) -> Error {
    Error::Decode {
        column: row
            .columns()
            .get(index)
            .map(|c| c.name().to_string())
            .unwrap_or_else(|| format!("#{index}")),
        source,
    }
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
