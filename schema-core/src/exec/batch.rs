//! Several statements in one round trip, atomically: each prepared (or, through a pooler,
//! described) first, all unknown ones together, then `BEGIN`, the statements and `COMMIT` sent
//! as one pipeline.
//!
//! The pipeline is all or nothing on the server: every message is queued in one poll, before
//! any reply is awaited, so a future dropped afterwards leaves the server to run the whole of it
//! (`COMMIT` included), and a statement that fails makes PostgreSQL turn the `COMMIT` into a
//! rollback. What could fail before a message is queued (a parameter its statement's type does
//! not take) is checked for every statement before anything is sent.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use bytes::BytesMut;
use postgres_types::{ToSql, Type};
use tokio_postgres::{Client, Row, Statement};

use super::cache::{evict, prepared, Cache};
use super::run::stale_statement;
use super::{log, Error, Executor};
use crate::param::{param_refs, Param};

/// One statement of a batch: its text, its parameters, and whether its rows are wanted.
#[doc(hidden)]
#[derive(Debug)]
pub struct Piece {
    pub(crate) sql: String,
    pub(crate) params: Vec<Param>,
    pub(crate) rows: bool,
}

/// What a statement of a batch returned: its rows (when wanted) and the rows it touched.
pub(crate) type Outcome = (Vec<Row>, u64);

/// Runs `pieces` in one transaction (or in the caller's, inside a [`Tx`](super::Tx)), pipelined:
/// their outcomes in order, or the first error, with nothing of the batch kept.
pub(crate) async fn run_batch(
    exec: &(impl Executor + ?Sized),
    pieces: &[Piece],
) -> Result<Vec<Outcome>, Error> {
    match exec.replicated() {
        // Writes go to the primary, and a batch is one transaction: all of it there.
        Some(set) => run_on(set.primary(), pieces).await,
        None => run_on(exec, pieces).await,
    }
}

async fn run_on(exec: &(impl Executor + ?Sized), pieces: &[Piece]) -> Result<Vec<Outcome>, Error> {
    for piece in pieces {
        if let Some(reason) = crate::sql::invalid_reason(&piece.sql) {
            return Err(Error::InvalidQuery(reason.to_string()));
        }
    }
    let started = log::enabled().then(std::time::Instant::now);
    let mut result = run_once(exec, pieces).await;
    if let Err((error, at)) = &result {
        let (client, cache) = exec.connection();
        if stale_statement(error, matches!(cache, Cache::Unprepared { .. })) {
            // Whichever statement the schema changed under: each is prepared again. Nothing of
            // the batch was kept, so outside a transaction it is sent again, once.
            for piece in pieces {
                evict(client, cache, &piece.sql);
            }
            result = if exec.in_transaction() {
                Err((
                    Error::SchemaChanged {
                        sql: at.map(|i| pieces[i].sql.clone()).unwrap_or_default(),
                    },
                    *at,
                ))
            } else {
                run_once(exec, pieces).await
            };
        }
    }
    if let Some(started) = started {
        let elapsed = started.elapsed();
        for piece in pieces {
            log::statement(
                &piece.sql,
                super::run::Params::Owned(&piece.params),
                elapsed,
                exec.log_parameters(),
            );
        }
    }
    result.map_err(|(error, _)| error)
}

/// An error of a batch, and the statement it came from (none for `BEGIN` or `COMMIT`).
type Failed = (Error, Option<usize>);

/// One message of the pipeline, sent on its first poll.
type Message<'a> = Pin<Box<dyn Future<Output = Result<Outcome, Error>> + Send + 'a>>;

/// How each statement goes: prepared, or (through a pooler) unnamed with its parameter types.
enum Ready {
    Prepared(Statement),
    Typed(Vec<Type>),
}

impl Ready {
    fn types(&self) -> &[Type] {
        match self {
            Ready::Prepared(statement) => statement.params(),
            Ready::Typed(types) => types,
        }
    }
}

async fn run_once(
    exec: &(impl Executor + ?Sized),
    pieces: &[Piece],
) -> Result<Vec<Outcome>, Failed> {
    let (client, cache) = exec.connection();
    // Prepared or described, the unknown ones side by side (one round trip).
    let ready: Vec<Result<Ready, Error>> =
        match cache {
            Cache::Unprepared {
                types,
                in_transaction,
            } => {
                if !in_transaction {
                    types.learn(client).await.map_err(|e| (e, None))?;
                }
                join_all(pieces.iter().map(|piece| async move {
                    types
                        .get_or_describe(client, &piece.sql, piece.params.len())
                        .await
                        .map(Ready::Typed)
                }))
                .await
            }
            _ => {
                join_all(pieces.iter().map(|piece| async move {
                    prepared(exec, &piece.sql).await.map(Ready::Prepared)
                }))
                .await
            }
        };
    let mut prepared_all = Vec::with_capacity(pieces.len());
    for (i, ready) in ready.into_iter().enumerate() {
        prepared_all.push(ready.map_err(|e| (e, Some(i)))?);
    }
    // What would fail as a message is made, before any is sent.
    for (i, (piece, ready)) in pieces.iter().zip(&prepared_all).enumerate() {
        check_parameters(piece, ready.types()).map_err(|e| (e, Some(i)))?;
    }
    let wrap = !exec.in_transaction();
    let mut sends: Vec<Message<'_>> = Vec::with_capacity(pieces.len() + 2);
    if wrap {
        sends.push(Box::pin(simple(client, "BEGIN")));
    }
    for (piece, ready) in pieces.iter().zip(prepared_all) {
        exec.note_statement();
        sends.push(Box::pin(send(client, piece, ready)));
    }
    if wrap {
        sends.push(Box::pin(simple(client, "COMMIT")));
    }
    let outcomes = join_all(sends).await;
    let skip = usize::from(wrap);
    let mut statements = Vec::with_capacity(pieces.len());
    let mut first_error = None;
    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Ok(outcome) => {
                if i >= skip && statements.len() < pieces.len() {
                    statements.push(outcome);
                }
            }
            // The first error is the cause; after it, each statement reports the aborted
            // transaction.
            Err(error) => {
                if first_error.is_none() {
                    let at = i.checked_sub(skip).filter(|&at| at < pieces.len());
                    first_error = Some((error, at));
                }
            }
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(statements),
    }
}

async fn simple(client: &Client, sql: &'static str) -> Result<Outcome, Error> {
    client
        .batch_execute(sql)
        .await
        .map(|()| (Vec::new(), 0))
        .map_err(|e| Error::from_postgres(e, Some(sql)))
}

async fn send(client: &Client, piece: &Piece, ready: Ready) -> Result<Outcome, Error> {
    let params = param_refs(&piece.params);
    let sql = piece.sql.as_str();
    let result = match (ready, piece.rows) {
        (Ready::Prepared(statement), true) => client
            .query(&statement, &params)
            .await
            .map(|rows| (rows, 0)),
        (Ready::Prepared(statement), false) => client
            .execute(&statement, &params)
            .await
            .map(|n| (Vec::new(), n)),
        (Ready::Typed(types), want_rows) => {
            let typed: Vec<(&(dyn ToSql + Sync), Type)> =
                params.iter().copied().zip(types).collect();
            if want_rows {
                client.query_typed(sql, &typed).await.map(|rows| (rows, 0))
            } else {
                client
                    .execute_typed(sql, &typed)
                    .await
                    .map(|n| (Vec::new(), n))
            }
        }
    };
    result.map_err(|e| Error::from_postgres(e, Some(sql)))
}

/// Encodes each parameter as tokio-postgres will, so that none fails once the pipeline is
/// under way: the right number, each of a type its place takes, each value encodable.
fn check_parameters(piece: &Piece, types: &[Type]) -> Result<(), Error> {
    if types.len() != piece.params.len() {
        return Err(Error::InvalidQuery(format!(
            "`{}` takes {} parameter(s), and {} were given",
            piece.sql,
            types.len(),
            piece.params.len()
        )));
    }
    let mut buf = BytesMut::new();
    for (i, (param, ty)) in piece.params.iter().zip(types).enumerate() {
        buf.clear();
        if let Err(error) = param.to_sql_checked(ty, &mut buf) {
            return Err(Error::InvalidQuery(format!(
                "parameter ${} of `{}` cannot be sent as {}: {error}",
                i + 1,
                piece.sql,
                ty
            )));
        }
    }
    Ok(())
}

/// Polls every future, in order, until all are done: what is sent on a first poll is sent in
/// this order, in one go.
async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_some() {
                continue;
            }
            match future.as_mut().poll(cx) {
                Poll::Ready(value) => *output = Some(value),
                Poll::Pending => pending = true,
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect())
        }
    })
    .await
}
