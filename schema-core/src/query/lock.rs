//! Row locks (`FOR UPDATE`, `FOR SHARE`, …): a locked query runs only inside a transaction.
//!
//! A lock lasts until the transaction that took it ends. Outside one, each statement is its own
//! transaction and the lock ends with the statement that took it, protecting nothing; so
//! [`Locked`] runs only on a [`Tx`], and on a `Db` or a pool it is a compile
//! error that says so. (A transaction opened with raw SQL is invisible to the types: lock with
//! raw SQL there too, or use `Db::transaction`.)

use std::future::Future;
use std::pin::Pin;

use super::expr::InSource;
use super::row_lock::{OnHeld, RowLock};
use super::select::{Select, Source};
use crate::exec::{Error, Executor, Tx};
use crate::schema::Table;

/// An executor whose statements run inside a transaction: a [`Tx`], or a reference to one.
#[diagnostic::on_unimplemented(
    message = "a row lock needs a transaction, and `{Self}` runs each statement on its own",
    label = "the lock would end with this statement and protect nothing",
    note = "run the locked query and the writes it guards inside `db.transaction(async |tx| …)`, and pass `tx`"
)]
pub trait InTransaction: Executor {}

#[diagnostic::do_not_recommend]
impl InTransaction for Tx<'_> {}
#[diagnostic::do_not_recommend]
impl<E: InTransaction + ?Sized> InTransaction for &E {}
#[diagnostic::do_not_recommend]
impl<E: InTransaction + ?Sized> InTransaction for &mut E {}

/// A `SELECT … FOR UPDATE` (or another row lock): a [`Select`] that runs only inside a
/// transaction. Lock last: `filter`, `order_by` and `limit` go before `for_update()`.
pub struct Locked<S: Source, O> {
    select: Select<S, O>,
}

impl<S: Source, O> Clone for Locked<S, O> {
    fn clone(&self) -> Self {
        Locked {
            select: self.select.clone(),
        }
    }
}

impl<S: Source, O> std::fmt::Debug for Locked<S, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locked")
            .field("sql", &self.sql().0)
            .finish()
    }
}

/// The future of a query whose run methods carry a bound the executor or the query must meet
/// (a locked query, a grouped one). Boxed, so that its type does not name the executor's, and a
/// failed bound is one compile error, not one per use of the future.
pub type Run<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The row locks of a query. Each is called last, and the locked query runs only inside a
/// transaction.
impl<S: Source, O> Select<S, O> {
    /// `FOR UPDATE`: lock the rows read until the transaction ends. The locked query runs
    /// only inside a transaction ([`Locked`]); call it last.
    pub fn for_update(self) -> Locked<S, O> {
        self.locked("FOR UPDATE")
    }

    /// `FOR UPDATE SKIP LOCKED`: lock the rows read, skipping those another transaction holds
    /// (a work queue). Runs only inside a transaction.
    pub fn for_update_skip_locked(self) -> Locked<S, O> {
        self.locked("FOR UPDATE SKIP LOCKED")
    }

    /// `FOR UPDATE NOWAIT`: lock the rows read, failing at once if another transaction holds
    /// one. Runs only inside a transaction.
    pub fn for_update_nowait(self) -> Locked<S, O> {
        self.locked("FOR UPDATE NOWAIT")
    }

    /// `FOR NO KEY UPDATE`: the lock an `UPDATE` that leaves the key alone takes. Runs only
    /// inside a transaction.
    pub fn for_no_key_update(self) -> Locked<S, O> {
        self.locked("FOR NO KEY UPDATE")
    }

    /// `FOR SHARE`: the rows read cannot change until the transaction ends. Runs only inside
    /// a transaction.
    pub fn for_share(self) -> Locked<S, O> {
        self.locked("FOR SHARE")
    }

    /// `FOR KEY SHARE`: the rows read cannot be deleted nor their key changed. Runs only
    /// inside a transaction.
    pub fn for_key_share(self) -> Locked<S, O> {
        self.locked("FOR KEY SHARE")
    }

    fn locked(self, lock: &'static str) -> Locked<S, O> {
        let (strength, wait) = match lock.split_once(" SKIP") {
            Some((strength, _)) => (strength, OnHeld::Skip),
            None => match lock.strip_suffix(" NOWAIT") {
                Some(strength) => (strength, OnHeld::Fail),
                None => (lock, OnHeld::Block),
            },
        };
        Locked::new(self.with_lock(RowLock {
            strength,
            of: Vec::new(),
            wait,
        }))
    }
}

/// `T` is a table of the query on `S`: what `Locked::of` takes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a table of this query on `{S}`",
    label = "`FOR UPDATE OF` names a table the query reads",
    note = "lock the query's own table, or one joined to it"
)]
pub trait LockableIn<S, I> {}

#[diagnostic::do_not_recommend]
impl<T, S, I> LockableIn<S, I> for T where T: InSource<S, I> {}

impl<S: Source, O> Locked<S, O> {
    fn new(select: Select<S, O>) -> Self {
        Locked { select }
    }

    fn lock_mut(&mut self) -> &mut RowLock {
        self.select.lock_mut().expect("a locked query has a lock")
    }

    /// `… OF t`: lock the rows of `T` only (a table of the query; another is a compile error),
    /// not those of the tables joined to it. Called again, it adds a table.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn of<T, I>(mut self) -> Self where T: Table + LockableIn<S, I> {
        self.lock_mut().of.push(T::table().name.to_string());
        self
    }

    /// `… NOWAIT`: fail at once (SQLSTATE `55P03`) when another transaction holds a row.
    pub fn nowait(mut self) -> Self {
        self.lock_mut().wait = OnHeld::Fail;
        self
    }

    /// `… SKIP LOCKED`: leave out the rows another transaction holds (a queue's way to take work).
    pub fn skip_locked(mut self) -> Self {
        self.lock_mut().wait = OnHeld::Skip;
        self
    }

    /// The SQL text and its parameters.
    pub fn sql(&self) -> (String, Vec<super::expr::Param>) {
        self.select.sql()
    }
}

impl<S: Source, O: Send> Locked<S, O> {
    /// Every row, locked until the transaction ends.
    pub fn all<'a>(&'a self, tx: &'a (impl InTransaction + ?Sized)) -> Run<'a, Vec<O>> {
        Box::pin(self.select.all(tx))
    }

    /// The first row, if any, locked (`LIMIT 1`).
    pub fn first<'a>(&'a self, tx: &'a (impl InTransaction + ?Sized)) -> Run<'a, Option<O>> {
        Box::pin(self.select.first(tx))
    }

    /// Exactly one row, locked: [`Error::NotFound`] when there is none,
    /// [`Error::TooManyRows`] when there are more.
    pub fn one<'a>(&'a self, tx: &'a (impl InTransaction + ?Sized)) -> Run<'a, O> {
        Box::pin(self.select.one(tx))
    }

    /// At most one row, locked: `None` when there is none, [`Error::TooManyRows`] when there
    /// are more.
    pub fn optional<'a>(&'a self, tx: &'a (impl InTransaction + ?Sized)) -> Run<'a, Option<O>> {
        Box::pin(self.select.optional(tx))
    }
}
