//! The query-builder entry points of every `#[table]` type: `User::select()`, `User::find(id)`,
//! `User::insert(row)`, `User::update()`, `User::delete()`.

use super::select::Source;
use super::write::{Delete, Insert, InsertColumns, Insertable, Rows, Unfiltered, Update};
use crate::exec::FromRow;
use crate::schema::Table;

/// The query-builder entry points of every `#[table]` type.
pub trait TableQueries: Table + FromRow + Source + super::KeyFilter {
    /// `SELECT` every column; soft-deleted rows are left out unless asked for.
    fn select() -> super::Select<Self, Self> {
        super::Select::new()
    }

    /// The row with this primary key.
    fn find(key: Self::Key) -> super::Select<Self, Self> {
        super::Select::new()
            .filter(Self::key_filter(key))
            .key_lookup()
    }

    /// `INSERT` one row (a `New…` row with every required column set).
    fn insert(row: impl Insertable<Self>) -> Insert<Self> {
        Insert::new(Rows::Values(vec![row.into_values()]))
    }

    /// `INSERT` many rows in one statement.
    fn insert_many<R: Insertable<Self>>(rows: impl IntoIterator<Item = R>) -> Insert<Self> {
        let rows: Vec<R> = rows.into_iter().collect();
        Insert::new(match rows.len() {
            0 => Rows::None,
            1 => Rows::Values(rows.into_iter().map(Insertable::into_values).collect()),
            _ => match R::into_column_arrays(rows) {
                Ok(arrays) => Rows::Arrays(arrays),
                Err(rows) => Rows::Values(rows.into_iter().map(Insertable::into_values).collect()),
            },
        })
    }

    /// `INSERT INTO … (columns) SELECT …`: the rows of `query`, whose selected values fill
    /// `columns` in order (a column, or a tuple of up to 8), each of the column's type:
    /// `Archive::insert_select((archive::id, archive::name), Project::select().columns((projects::id, projects::name)))`.
    /// Upserts (`on_conflict`) and `returning` apply as to any insert.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    fn insert_select<S: Source + 'static, O: 'static, C>(columns: C, mut query: super::Select<S, O>) -> Insert<Self> where C: InsertColumns<Self, O> {
        let indexes = columns.indexes();
        let with = query.take_with();
        Insert::new(Rows::Query(indexes, with, super::Subquery::into_render(query)))
    }

    /// `UPDATE`; needs `.filter(…)` or `.all_rows()` before it runs.
    fn update() -> Update<Self, Unfiltered> {
        Update::new()
    }

    /// `DELETE`, or on a soft-delete table, set its soft-delete column to now().
    fn delete() -> Delete<Self, Unfiltered> {
        Delete::new(false)
    }

    /// `DELETE`, even on a soft-delete table.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    fn hard_delete() -> Delete<Self, Unfiltered> where (): crate::schema::SoftDeleteOf<Self> {
        Delete::new(true)
    }

    /// Sets a soft-delete table's soft-delete column back to NULL.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    fn restore() -> Delete<Self, Unfiltered> where (): crate::schema::SoftDeleteOf<Self> {
        Delete::restore()
    }
}

impl<T: Table + FromRow + Source + super::KeyFilter> TableQueries for T {}

/// The query-builder entry points of a `#[view]`: it is read like a table (select, filters,
/// joins), never written; a materialized view is refreshed.
pub trait ViewQueries: crate::schema::View + FromRow + Source {
    /// `SELECT` every column of the view.
    fn select() -> super::Select<Self, Self> {
        super::Select::new()
    }

    /// `REFRESH MATERIALIZED VIEW`: runs its query again (reads of it wait meanwhile).
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    fn refresh<'a, E: crate::exec::Executor + ?Sized>(exec: &'a E) -> super::write::BoxFuture<'a, Result<(), crate::exec::Error>> where (): crate::schema::MaterializedOf<Self> {
        Box::pin(refresh::<Self, E>(exec, false))
    }

    /// `REFRESH MATERIALIZED VIEW CONCURRENTLY`: reads go on meanwhile; the view needs a unique
    /// index (`#[view(materialized, index(on(…), unique))]`).
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    fn refresh_concurrently<'a, E: crate::exec::Executor + ?Sized>(exec: &'a E) -> super::write::BoxFuture<'a, Result<(), crate::exec::Error>> where (): crate::schema::MaterializedOf<Self> {
        Box::pin(refresh::<Self, E>(exec, true))
    }
}

impl<T: crate::schema::View + FromRow + Source> ViewQueries for T {}

async fn refresh<V: crate::schema::View, E: crate::exec::Executor + ?Sized>(
    exec: &E,
    concurrently: bool,
) -> Result<(), crate::exec::Error> {
    let view = V::table();
    let sql = format!(
        "REFRESH MATERIALIZED VIEW {}{}",
        if concurrently { "CONCURRENTLY " } else { "" },
        crate::sql::quote_qualified(view.schema.as_deref(), &view.name)
    );
    crate::exec::raw_execute(exec, &sql, &[]).await.map(|_| ())
}
