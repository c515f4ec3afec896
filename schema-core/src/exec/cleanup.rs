//! What a dropped future still owes the server. A multi-step operation that opens a transaction
//! of its own holds a [`RollbackGuard`]; dropped between two awaits (a timeout, a client that went
//! away), the guard queues the rollback on the connection at once, ahead of anything sent later,
//! so no later statement runs inside a transaction the caller never opened.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use tokio_postgres::Client;

/// Queues `sql` (a simple query) on `client`'s connection now, without waiting for its answer:
/// tokio-postgres sends a request when its future is first polled, and the connection's task
/// sends it, and the server runs it, whether or not anyone waits for the reply.
pub(crate) fn send_now(client: &Client, sql: &str) {
    let future = client.batch_execute(sql);
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    // `Pending` is the usual answer: the request is on its way, the reply is not wanted.
    if let Poll::Ready(Err(error)) = future.as_mut().poll(&mut cx) {
        tracing::warn!(target: "schema_core::exec", %error, "could not queue a clean-up statement; the connection is closed");
    }
}

/// Sends its statement when dropped armed: armed before the transaction's `BEGIN` is sent,
/// disarmed just before its `COMMIT` or `ROLLBACK` is.
pub(crate) struct RollbackGuard<'c> {
    client: &'c Client,
    sql: std::borrow::Cow<'static, str>,
    armed: bool,
    /// Also run when dropped armed (to mark the connection's state).
    also: Option<Box<dyn FnOnce() + Send + 'c>>,
}

impl<'c> RollbackGuard<'c> {
    pub(crate) fn new(
        client: &'c Client,
        sql: impl Into<std::borrow::Cow<'static, str>>,
    ) -> RollbackGuard<'c> {
        RollbackGuard {
            client,
            sql: sql.into(),
            armed: true,
            also: None,
        }
    }

    pub(crate) fn on_drop(mut self, also: impl FnOnce() + Send + 'c) -> RollbackGuard<'c> {
        self.also = Some(Box::new(also));
        self
    }

    pub(crate) fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for RollbackGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            send_now(self.client, &self.sql);
            if let Some(also) = self.also.take() {
                also();
            }
        }
    }
}
