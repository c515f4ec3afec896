//! The tokio-postgres side: connections ([`Db`], pools) with a statement cache, transactions
//! ([`Tx`]), the path every statement takes, and raw SQL. Typed errors and row decoding live
//! below every module and are re-exported here.

mod batch;
mod cache;
pub(crate) mod cleanup;
#[cfg(feature = "tls")]
pub mod connect;
mod copy;
mod db;
mod drive;
mod log;
#[cfg(feature = "pool")]
mod pool;
mod pooler;
mod replicas;
mod run;
mod tx;

#[doc(hidden)]
pub use batch::Piece;
pub(crate) use batch::{run_batch, Outcome};
pub(crate) use cache::{for_each_word, TextHash as TypeIdHash};
pub use cache::{Cache, StatementCache};
pub use copy::{copy_in, CopyRow};
pub use db::Db;
#[doc(hidden)]
pub use drive::Driver;
pub(crate) use drive::{drive, Waiting};
#[cfg(feature = "pool")]
pub use pool::pool;
#[cfg(all(feature = "pool", feature = "tls"))]
pub use pool::DbPool;
#[cfg(feature = "pool")]
pub use pool::Pool;
pub use pooler::ParamTypes;
#[cfg(all(feature = "pool", feature = "tls"))]
pub use replicas::ReplicatedPool;
pub use replicas::{Reader, ReplicaOptions, ReplicaStatus, Replicated};
pub(crate) use run::{execute, execute_params, query, query_first, Params};
pub use run::{next_value, raw_execute, raw_query};
pub use tx::{Isolation, Tx, TxOptions};

pub use crate::error::{ConstraintViolation, Error, WithDetail};
pub use crate::row::{get, get_named, FromRow, OneField, ReadsAs, ReadsInto, Value};

use tokio_postgres::Client;

/// Where queries run: a [`Db`] connection (direct or pooled) or a [`Tx`] transaction.
pub trait Executor: Sync {
    #[doc(hidden)]
    fn connection(&self) -> (&Client, Cache<'_>);

    /// Called once per statement sent; [`Db`] counts them.
    #[doc(hidden)]
    fn note_statement(&self) {}

    /// Whether the `schema_core::sql` tracing events carry the parameters' values.
    #[doc(hidden)]
    fn log_parameters(&self) -> bool {
        false
    }

    /// Whether statements run inside a transaction (a [`Tx`], or one opened with raw SQL), where
    /// a failed statement cannot simply be tried again.
    #[doc(hidden)]
    fn in_transaction(&self) -> bool {
        false
    }

    /// Raw SQL opened (`true`) or may have opened a transaction, or ended one (`false`).
    #[doc(hidden)]
    fn note_raw_transaction(&self, _open: bool) {}

    /// The connection cannot be trusted any more: a pooled one is closed when dropped.
    #[doc(hidden)]
    fn note_broken(&self) {}

    /// A handle over a primary and replicas, which chooses the server of each statement.
    #[doc(hidden)]
    /// The driver of a connection polled in the caller's task (see [`Driver`]).
    #[doc(hidden)]
    fn driver(&self) -> Option<&Driver> {
        None
    }

    fn replicated(&self) -> Option<&Replicated> {
        None
    }
}

/// A reference to an executor is one: every method forwarded.
macro_rules! forward_executor {
    ($($reference:ty),+) => {$(
        impl<E: Executor + ?Sized> Executor for $reference {
            fn connection(&self) -> (&Client, Cache<'_>) {
                (**self).connection()
            }

            fn note_statement(&self) {
                (**self).note_statement()
            }

            fn log_parameters(&self) -> bool {
                (**self).log_parameters()
            }

            fn in_transaction(&self) -> bool {
                (**self).in_transaction()
            }

            fn note_raw_transaction(&self, open: bool) {
                (**self).note_raw_transaction(open)
            }

            fn note_broken(&self) {
                (**self).note_broken()
            }

            fn replicated(&self) -> Option<&Replicated> {
                (**self).replicated()
            }

            fn driver(&self) -> Option<&Driver> {
                (**self).driver()
            }
        }
    )+};
}

forward_executor!(&E, &mut E);
