//! A batch: several typed statements sent in one round trip and run atomically, their results
//! as a tuple (or, for a `Vec` of statements of one type, a `Vec`):
//!
//! ```ignore
//! let (user, projects, renamed) = batch(&db, (
//!     User::insert(row).returning(),
//!     Project::select().filter(projects::owner_id.eq(owner)),
//!     Project::update().set(projects::name, "x").filter(projects::id.eq(id)),
//! )).await?;
//! // user: Vec<User>, projects: Vec<Project>, renamed: u64
//! ```
//!
//! Each statement is prepared first (the ones the connection does not know yet, together), then
//! `BEGIN`, the statements and `COMMIT` go as one pipeline: one round trip once prepared. When
//! one fails, none of them is kept and the error is the first statement's that failed. Inside a
//! transaction ([`Tx`](crate::exec::Tx)) the batch is part of it, without a `BEGIN` of its own.

use tokio_postgres::Row;

use super::compound::Compound;
use super::select::{Select, Source};
use super::write::{Delete, Insert, Returning, Runnable, Update};
use crate::exec::{Error, Executor, Outcome, Piece};
use crate::schema::Table;

/// A statement that can go in a [`batch`]: a query (its rows), a write with `RETURNING` (its
/// rows), or a write (how many rows it touched).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot go in a batch",
    label = "not a query or a write",
    note = "a batch takes selects, set operations, inserts, updates and deletes (filtered, or `.all_rows()`), with or without `returning`"
)]
pub trait Batchable {
    /// The statement's result: its rows, or how many rows it touched.
    type Output;
    /// The statement, or `None` when there is nothing to send (an `insert_many` of no rows).
    #[doc(hidden)]
    fn piece(&self) -> Option<Piece>;
    #[doc(hidden)]
    fn output(&self, outcome: Outcome) -> Result<Self::Output, Error>;
}

fn piece((sql, params): (String, Vec<super::expr::Param>), rows: bool) -> Option<Piece> {
    (!sql.is_empty()).then_some(Piece { sql, params, rows })
}

impl<S: Source, O> Batchable for Select<S, O> {
    type Output = Vec<O>;

    fn piece(&self) -> Option<Piece> {
        piece(self.sql(), true)
    }

    fn output(&self, (rows, _): Outcome) -> Result<Vec<O>, Error> {
        self.decode_rows(&rows)
    }
}

impl<O: 'static> Batchable for Compound<O> {
    type Output = Vec<O>;

    fn piece(&self) -> Option<Piece> {
        piece(self.sql(), true)
    }

    fn output(&self, (rows, _): Outcome) -> Result<Vec<O>, Error> {
        self.decode_rows(&rows)
    }
}

impl<T: Table, O> Batchable for Returning<T, O> {
    type Output = Vec<O>;

    fn piece(&self) -> Option<Piece> {
        let (sql, params) = self.sql();
        piece((sql.to_string(), params.to_vec()), true)
    }

    fn output(&self, (rows, _): Outcome) -> Result<Vec<O>, Error> {
        self.decode_rows(&rows)
    }
}

impl<T: Table> Batchable for Insert<T> {
    type Output = u64;

    fn piece(&self) -> Option<Piece> {
        piece(self.sql(), false)
    }

    fn output(&self, (_, count): Outcome) -> Result<u64, Error> {
        Ok(count)
    }
}

impl<T: Table, F: Runnable> Batchable for Update<T, F> {
    type Output = u64;

    fn piece(&self) -> Option<Piece> {
        piece(self.sql(), false)
    }

    fn output(&self, (_, count): Outcome) -> Result<u64, Error> {
        Ok(count)
    }
}

impl<T: Table, F: Runnable> Batchable for Delete<T, F> {
    type Output = u64;

    fn piece(&self) -> Option<Piece> {
        piece(self.sql(), false)
    }

    fn output(&self, (_, count): Outcome) -> Result<u64, Error> {
        Ok(count)
    }
}

/// Statements that run as one [`batch`]: a tuple of up to 12 [`Batchable`]s, or a `Vec` of
/// one kind.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a batch",
    label = "a tuple of up to 12 statements, or a `Vec` of statements of one type",
    note = "each statement is a select, a set operation, an insert, an update or a delete"
)]
pub trait Batch {
    /// The results, in the statements' order.
    type Output;
    #[doc(hidden)]
    fn pieces(&self) -> Vec<Option<Piece>>;
    #[doc(hidden)]
    fn outputs(&self, outcomes: Vec<Outcome>) -> Result<Self::Output, Error>;

    /// The statements' SQL, in order, as [`batch`] sends them between `BEGIN` and `COMMIT`
    /// (one with nothing to send is left out).
    fn sql(&self) -> Vec<String> {
        self.pieces().into_iter().flatten().map(|p| p.sql).collect()
    }
}

impl<B: Batchable> Batch for Vec<B> {
    type Output = Vec<B::Output>;

    fn pieces(&self) -> Vec<Option<Piece>> {
        self.iter().map(Batchable::piece).collect()
    }

    fn outputs(&self, outcomes: Vec<Outcome>) -> Result<Self::Output, Error> {
        self.iter()
            .zip(outcomes)
            .map(|(statement, outcome)| statement.output(outcome))
            .collect()
    }
}

macro_rules! batch_tuple {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Batchable),+> Batch for ($($name,)+) {
            type Output = ($($name::Output,)+);

            fn pieces(&self) -> Vec<Option<Piece>> {
                vec![$(self.$index.piece()),+]
            }

            fn outputs(&self, outcomes: Vec<Outcome>) -> Result<Self::Output, Error> {
                let mut outcomes = outcomes.into_iter();
                Ok(($(self.$index.output(outcomes.next().unwrap_or_default())?,)+))
            }
        }
    };
}

batch_tuple!(A 0);
batch_tuple!(A 0, B 1);
batch_tuple!(A 0, B 1, C 2);
batch_tuple!(A 0, B 1, C 2, D 3);
batch_tuple!(A 0, B 1, C 2, D 3, E 4);
batch_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
batch_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
batch_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
batch_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
batch_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
batch_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
batch_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// Runs `statements` in one round trip, atomically: their results in order, or the first error
/// with none of them kept. See the [module](self).
pub async fn batch<B: Batch>(
    exec: &(impl Executor + ?Sized),
    statements: B,
) -> Result<B::Output, Error> {
    let pieces = statements.pieces();
    let present: Vec<bool> = pieces.iter().map(Option::is_some).collect();
    let sent: Vec<Piece> = pieces.into_iter().flatten().collect();
    let mut outcomes = if sent.is_empty() {
        Vec::new()
    } else {
        crate::exec::run_batch(exec, &sent).await?
    }
    .into_iter();
    // A statement with nothing to send has no rows and touched none.
    let outcomes: Vec<Outcome> = present
        .iter()
        .map(|&sent| match sent {
            true => outcomes.next().unwrap_or_default(),
            false => (Vec::<Row>::new(), 0),
        })
        .collect();
    statements.outputs(outcomes)
}
