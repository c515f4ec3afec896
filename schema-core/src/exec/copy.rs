//! Bulk loading with `COPY … FROM STDIN (FORMAT binary)`: rows are encoded as they come from the
//! iterator and sent in chunks, so memory stays flat however many there are.

use std::pin::pin;

use postgres_types::ToSql;
use tokio_postgres::binary_copy::BinaryCopyInWriter;

use super::{Error, Executor};
use crate::schema::Table;
use crate::sql::{quote_ident, quote_qualified};

/// A table row that `COPY` can send: its values in column order (`#[table]` implements it; an
/// `identity = always` column is left to the database).
pub trait CopyRow: Table {
    /// The columns sent, in order.
    fn copy_columns() -> Vec<&'static str>;
    /// The row's values, in [`CopyRow::copy_columns`]'s order.
    fn copy_values(&self) -> Vec<&(dyn ToSql + Sync)>;
}

/// Loads `rows` into their table with one `COPY`; returns how many were written.
pub async fn copy_in<T, I>(exec: &(impl Executor + ?Sized), rows: I) -> Result<u64, Error>
where
    T: CopyRow,
    I: IntoIterator<Item = T>,
{
    let def = T::table();
    let columns = T::copy_columns();
    let list = columns
        .iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let table = quote_qualified(def.schema.as_deref(), &def.name);
    let (client, _) = exec.connection();
    // The column types, from a statement that reads no row.
    let probe = format!("SELECT {list} FROM {table} LIMIT 0");
    let types: Vec<postgres_types::Type> = client
        .prepare(&probe)
        .await
        .map_err(|e| Error::from_postgres(e, Some(&probe)))?
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let sql = format!("COPY {table} ({list}) FROM STDIN (FORMAT binary)");
    exec.note_statement();
    let sink = client
        .copy_in(&sql)
        .await
        .map_err(|e| Error::from_postgres(e, Some(&sql)))?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for row in rows {
        writer
            .as_mut()
            .write(&row.copy_values())
            .await
            .map_err(|e| Error::from_postgres(e, Some(&sql)))?;
    }
    writer
        .finish()
        .await
        .map_err(|e| Error::from_postgres(e, Some(&sql)))
}
