//! The one path every statement takes (cache, statement count, tracing, retry of a stale
//! statement), and raw SQL.

use std::pin::pin;

use futures_core::Stream;
use postgres_types::ToSql;
use tokio_postgres::{Row, RowStream};

use super::cache::{evict, prepared, Cache};
use super::{drive, log, Error, Executor, FromRow, Waiting};
use crate::param::Param;

/// Runs a query (prepared once per connection) and returns its rows.
pub(crate) async fn query(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[Param],
) -> Result<Vec<Row>, Error> {
    run(exec, sql, Params::Owned(params), Want::Rows)
        .await
        .map(Fetched::into_rows)
}

/// Runs a query that should return one row: its first row, and whether there were more. The
/// rows stream in, as `query_one` of tokio-postgres reads them: no list is collected.
pub(crate) async fn query_first(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: Params<'_>,
) -> Result<(Option<Row>, bool), Error> {
    match run(exec, sql, params, Want::First).await? {
        Fetched::First(row, more) => Ok((row, more)),
        other => {
            let mut rows = other.into_rows().into_iter();
            let first = rows.next();
            Ok((first, rows.next().is_some()))
        }
    }
}

/// Runs a statement (prepared once per connection) and returns the number of rows it touched.
pub(crate) async fn execute(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[Param],
) -> Result<u64, Error> {
    execute_params(exec, sql, Params::Owned(params)).await
}

/// [`execute`] with parameters in any of the forms [`Params`] takes.
pub(crate) async fn execute_params(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: Params<'_>,
) -> Result<u64, Error> {
    run(exec, sql, params, Want::Count)
        .await
        .map(Fetched::count)
}

/// A statement's parameters: the builders' own values, a caller's references, or some of the
/// builders' values picked out of a query (a key lookup's), without a list made for them.
#[derive(Clone, Copy)]
pub(crate) enum Params<'a> {
    Owned(&'a [Param]),
    Refs(&'a [&'a (dyn ToSql + Sync)]),
    Picked(&'a [Option<&'a Param>]),
}

impl<'a> Params<'a> {
    pub(crate) fn len(self) -> usize {
        match self {
            Params::Owned(p) => p.len(),
            Params::Refs(p) => p.len(),
            Params::Picked(p) => p.len(),
        }
    }

    pub(crate) fn iter(self) -> ParamIter<'a> {
        ParamIter(self)
    }
}

impl std::fmt::Debug for Params<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The parameters one by one, as tokio-postgres takes them.
#[derive(Clone)]
pub(crate) struct ParamIter<'a>(Params<'a>);

impl<'a> Iterator for ParamIter<'a> {
    type Item = &'a (dyn ToSql + Sync);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            Params::Owned(rest) => {
                let (first, tail) = rest.split_first()?;
                *rest = tail;
                Some(first.as_ref() as &(dyn ToSql + Sync))
            }
            Params::Refs(rest) => {
                let (first, tail) = rest.split_first()?;
                *rest = tail;
                Some(*first)
            }
            Params::Picked(rest) => {
                let (first, tail) = rest.split_first()?;
                *rest = tail;
                // Every slot given is filled (a key lookup passes the filled prefix of its
                // slots), so the count `len` promised holds.
                first.map(|p| p.as_ref() as &(dyn ToSql + Sync))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for ParamIter<'_> {}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    Rows,
    /// The first row, and whether there are more.
    First,
    Count,
}

/// What a statement gave, as [`Want`] asked.
pub(super) enum Fetched {
    Rows(Vec<Row>),
    First(Option<Row>, bool),
    Count(u64),
}

impl Fetched {
    pub(super) fn into_rows(self) -> Vec<Row> {
        match self {
            Fetched::Rows(rows) => rows,
            Fetched::First(row, _) => row.into_iter().collect(),
            Fetched::Count(_) => Vec::new(),
        }
    }

    pub(super) fn count(self) -> u64 {
        match self {
            Fetched::Count(n) => n,
            Fetched::Rows(rows) => rows.len() as u64,
            Fetched::First(row, more) => u64::from(row.is_some()) + u64::from(more),
        }
    }
}

/// The most bound parameters one statement can have (the protocol counts them in 16 bits).
const MAX_PARAMETERS: usize = 65_535;

/// The one path every statement takes: the statement cache (or, through a pooler, unnamed
/// statements), the statement count, and the `schema_core::sql` tracing event.
///
/// The cache is a cache, not a promise: a statement the schema changed under (a migration
/// altered its table or a type it uses, or its prepared statement is gone) is evicted, and
/// outside a transaction prepared again and retried once, which is safe because it failed before
/// it did anything. Inside a transaction the caller gets [`Error::SchemaChanged`].
///
/// A handle over replicas chooses the server first (see [`Replicated`](super::Replicated)).
async fn run(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: Params<'_>,
    want: Want,
) -> Result<Fetched, Error> {
    // The usual case in as few steps as it takes: a direct connection that has the statement
    // (its text checked when it was prepared), nothing listening for statement events.
    if let Some(statement) = ready_statement(exec, sql) {
        exec.note_statement();
        let result = {
            // Polled where it is made (no future moved into another's).
            let mut request = pin!(on_statement(exec.connection().0, &statement, params, want));
            let mut waiting = Waiting::new(exec.driver());
            std::future::poll_fn(|cx| waiting.poll(request.as_mut(), cx)).await
        }
        .map_err(|e| Error::from_postgres(e, Some(sql)));
        return match result {
            Err(error) if stale_statement(&error, false) => {
                retry_stale(exec, sql, params, want).await
            }
            other => other,
        };
    }
    // Any other case on the heap: its future (preparing, learning types, retrying, timing) is
    // many times the size of the usual case's, which every statement's future would otherwise
    // carry and move.
    match exec.replicated() {
        Some(set) => Box::pin(set.run(sql, params, want)).await,
        None => drive(exec.driver(), Box::pin(run_on(exec, sql, params, want))).await,
    }
}

/// [`run`] on the server of `exec`.
pub(super) async fn run_on(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: Params<'_>,
    want: Want,
) -> Result<Fetched, Error> {
    if let Some(reason) = crate::sql::invalid_reason(sql) {
        return Err(Error::InvalidQuery(reason.to_string()));
    }
    if params.len() > MAX_PARAMETERS {
        return Err(Error::InvalidQuery(format!(
            "it has {} bound parameters, and PostgreSQL takes at most {MAX_PARAMETERS} in one \
             statement: send fewer rows at a time (insert_many rows that all set the same columns \
             go as one array a column, with no such limit)",
            params.len()
        )));
    }
    // No clock read and no event when nothing listens to `schema_core::sql`.
    let started = log::enabled().then(std::time::Instant::now);
    let mut result = run_once(exec, sql, params, want).await;
    if let Err(error) = &result {
        if stale_statement(
            error,
            matches!(exec.connection().1, Cache::Unprepared { .. }),
        ) {
            result = retry_stale(exec, sql, params, want).await;
        }
    }
    if let Some(started) = started {
        log::statement(sql, params, started.elapsed(), exec.log_parameters());
    }
    result
}

/// The statement `exec` has prepared for `sql` when nothing else is to be done before it runs:
/// a direct connection (not a handle over replicas) whose own cache has it, and nothing listens
/// for statement events (which time each statement).
fn ready_statement(
    exec: &(impl Executor + ?Sized),
    sql: &str,
) -> Option<tokio_postgres::Statement> {
    if exec.replicated().is_some() || log::enabled() {
        return None;
    }
    match exec.connection().1 {
        Cache::Own(own) => own.get(sql),
        _ => None,
    }
}

/// After the statement for `sql` failed because the schema changed under it: evicted, and
/// inside a transaction (which the failure aborted) [`Error::SchemaChanged`]; outside one,
/// prepared again and run once more, which is safe because it failed before it did anything.
async fn retry_stale(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: Params<'_>,
    want: Want,
) -> Result<Fetched, Error> {
    let (client, cache) = exec.connection();
    evict(client, cache, sql);
    if exec.in_transaction() {
        return Err(Error::SchemaChanged {
            sql: sql.to_string(),
        });
    }
    tracing::debug!(target: "schema_core::sql", sql, "the schema changed under a cached statement: prepared again");
    match Box::pin(run_once(exec, sql, params, want)).await {
        // Prepared afresh and still missing a statement: one that tokio-postgres keeps for its
        // own type lookups was removed from the server (`DEALLOCATE ALL` by someone else), and
        // it cannot make it again.
        Err(error)
            if error
                .db_error()
                .is_some_and(|db| db.code().code() == "26000") =>
        {
            exec.note_broken();
            Err(Error::Broken(format!(
                "a prepared statement this connection relies on to look types up was removed \
                 from the server (by `DEALLOCATE ALL`?): open a new connection (a pooled one is \
                 replaced by itself) ({})",
                error
            )))
        }
        other => other,
    }
}

/// Runs a prepared statement, its rows read as `want` asks.
async fn on_statement(
    client: &tokio_postgres::Client,
    statement: &tokio_postgres::Statement,
    params: Params<'_>,
    want: Want,
) -> Result<Fetched, tokio_postgres::Error> {
    match want {
        Want::Count => client
            .execute_raw(statement, params.iter())
            .await
            .map(Fetched::Count),
        _ => fetch(client.query_raw(statement, params.iter()).await?, want).await,
    }
}

async fn run_once(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: Params<'_>,
    want: Want,
) -> Result<Fetched, Error> {
    let (client, cache) = exec.connection();
    let result = match cache {
        Cache::Unprepared {
            types,
            in_transaction,
        } => {
            if !in_transaction {
                types.learn(client).await?;
            }
            let types = types.get_or_describe(client, sql, params.len()).await?;
            exec.note_statement();
            match want {
                Want::Count => {
                    let typed: Vec<(&(dyn ToSql + Sync), postgres_types::Type)> =
                        params.iter().zip(types).collect();
                    client.execute_typed(sql, &typed).await.map(Fetched::Count)
                }
                _ => match client.query_typed_raw(sql, params.iter().zip(types)).await {
                    Ok(stream) => fetch(stream, want).await,
                    Err(error) => Err(error),
                },
            }
        }
        _ => {
            // A statement this connection has (the usual case) without another future.
            let cached = match cache {
                Cache::Own(own) => own.get(sql),
                _ => None,
            };
            let statement = match cached {
                Some(statement) => statement,
                None => prepared(exec, sql).await?,
            };
            exec.note_statement();
            on_statement(client, &statement, params, want).await
        }
    };
    result.map_err(|e| Error::from_postgres(e, Some(sql)))
}

/// Reads a statement's rows as `want` asks: all of them, or the first and whether there are
/// more (read to the end all the same, so that the statement completes). One loop over the
/// stream, polled in place.
async fn fetch(stream: RowStream, want: Want) -> Result<Fetched, tokio_postgres::Error> {
    let mut stream = pin!(stream);
    let mut rows = Vec::new();
    let mut first = None;
    let mut more = false;
    std::future::poll_fn(|cx| loop {
        match std::task::ready!(stream.as_mut().poll_next(cx)) {
            Some(Ok(row)) if want == Want::Rows => rows.push(row),
            Some(Ok(row)) => match first {
                None => first = Some(row),
                Some(_) => more = true,
            },
            Some(Err(error)) => return std::task::Poll::Ready(Err(error)),
            None => return std::task::Poll::Ready(Ok(())),
        }
    })
    .await?;
    Ok(match want {
        Want::Rows => Fetched::Rows(rows),
        _ => Fetched::First(first, more),
    })
}

/// Whether `error` says that a cached statement no longer fits the schema: its result type
/// changed, its prepared statement or a type it names is gone; through a pooler, the parameter
/// types learnt for it no longer fit.
pub(super) fn stale_statement(error: &Error, unprepared: bool) -> bool {
    let Some(db) = error.db_error() else {
        return false;
    };
    let message = db.message();
    match db.code().code() {
        "0A000" => message.starts_with("cached plan must not change result type"),
        "26000" => true,
        "42704" => message.starts_with("type with OID"),
        "XX000" => message.starts_with("cache lookup failed for type"),
        "42804" => unprepared,
        _ => false,
    }
}

/// Runs raw SQL with bound parameters and decodes each row into `R` (a `#[table]` struct, a
/// `#[derive(FromRow)]` struct, [`Value`](super::Value), or a tuple of them):
///
/// ```no_run
/// # async fn run(db: &schema_core::exec::Db) -> Result<(), schema_core::exec::Error> {
/// use schema_core::exec::{raw_query, Value};
/// let counts = raw_query::<(Value<i64>,)>(db, "SELECT count(*) FROM users WHERE name = $1", &[&"A"]).await?;
/// let (Value(n),) = &counts[0];
/// # let _ = n;
/// # Ok(()) }
/// ```
pub async fn raw_query<R: FromRow>(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<Vec<R>, Error> {
    let rows = run_raw(exec, sql, params, Want::Rows).await?.into_rows();
    rows.iter().map(|row| R::from_row(row, 0)).collect()
}

/// The next value of a declared sequence (`nextval`), as the database hands it out: never
/// given twice, even across transactions that roll back.
///
/// ```no_run
/// # async fn demo(db: &schema_core::exec::Db) -> Result<(), schema_core::exec::Error> {
/// use schema_core::schema::SequenceDef;
/// const INVOICE_NUMBERS: SequenceDef = SequenceDef::new("invoice_numbers").start(1000);
/// let number: i64 = schema_core::exec::next_value(db, &INVOICE_NUMBERS).await?;
/// # let _ = number; Ok(()) }
/// ```
pub async fn next_value(
    exec: &(impl Executor + ?Sized),
    sequence: &crate::schema::SequenceDef,
) -> Result<i64, Error> {
    let name = crate::sql::quote_qualified(sequence.schema.as_deref(), &sequence.name);
    let rows = run_raw(
        exec,
        "SELECT nextval($1::text::regclass)",
        &[&name],
        Want::Rows,
    )
    .await?
    .into_rows();
    let row = rows
        .first()
        .ok_or_else(|| Error::Protocol("nextval returned no row".into()))?;
    crate::row::get(row, 0)
}

/// Runs raw SQL with bound parameters; returns the number of rows touched.
pub async fn raw_execute(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
) -> Result<u64, Error> {
    run_raw(exec, sql, params, Want::Count)
        .await
        .map(Fetched::count)
}

/// Raw SQL may open or end a transaction: the connection keeps track, so that a failed
/// statement inside one is not retried and a pooled connection left inside one is closed.
async fn run_raw(
    exec: &(impl Executor + ?Sized),
    sql: &str,
    params: &[&(dyn postgres_types::ToSql + Sync)],
    want: Want,
) -> Result<Fetched, Error> {
    let params = Params::Refs(params);
    let Some(leaves_open) = crate::sql::lex::transaction_effect(sql) else {
        return run(exec, sql, params, want).await;
    };
    // Marked before the statement is sent: a future dropped before its answer leaves the
    // connection in a state nobody knows, which counts as inside a transaction.
    exec.note_raw_transaction(true);
    let result = run(exec, sql, params, want).await;
    // A `COMMIT` the server refused still ends the transaction; only a lost connection leaves
    // it unknown.
    let answered = result
        .as_ref()
        .map_or_else(|e| e.db_error().is_some(), |_| true);
    if !leaves_open && answered {
        exec.note_raw_transaction(false);
    }
    result
}
