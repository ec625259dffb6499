//! A team workspace's connection: tokio-postgres, driven from Baton's synchronous core on a
//! runtime of its own (one thread, the caller's), with writes pipelined.
//!
//! Why not the `postgres` crate, which wraps the same client the same way: it waits for each
//! statement's answer before sending the next, so an import paid a round trip for every row it
//! wrote — about ten per handed-off deal. Here a write whose answer nobody reads
//! ([`PgConn::defer`]) is sent at once and its answer collected with the next statement's: a
//! hand-off's audit events, notification, draft and status travel together with the query that
//! follows them. The server still runs them one after another, in the order they were written,
//! inside the same transaction; the first failure among them is the one reported.

pub(crate) mod capture;
mod connect;
mod failure;
pub(crate) mod migrations;
pub mod url;

use bytes::Bytes;
pub(crate) use connect::{connect, found_pooler};

/// How often a follower that cannot be woken (behind a transaction pooler) looks for news.
pub const POLL: std::time::Duration = std::time::Duration::from_secs(3);
pub(crate) use failure::{collided, error, held, moved_on, LOCKED, MOVED};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{AsyncMessage, Error, Row, Socket, Statement};

/// A write sent and not yet answered.
type Pending = Pin<Box<dyn Future<Output = Result<u64, Error>> + Send>>;

/// How many writes may wait for their answers before the next one collects them (an import
/// of rows that only write would otherwise hold every answer to the end). Each collection
/// costs a round trip: an undo of the real export sends 24,000 writes, 6 round trips here.
const MAX_PENDING: usize = 4096;

/// The connection's own side: what the server sends without being asked (notifications).
trait Drive: Send {
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<AsyncMessage, Error>>>;
}

impl<S, T> Drive for tokio_postgres::Connection<S, T>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send,
{
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<AsyncMessage, Error>>> {
        tokio_postgres::Connection::poll_message(self, cx)
    }
}

/// One connection to a team workspace.
pub(crate) struct PgConn {
    runtime: tokio::runtime::Runtime,
    client: Arc<tokio_postgres::Client>,
    connection: Box<dyn Drive>,
    /// Writes sent whose answers have not been read, oldest first.
    pending: VecDeque<Pending>,
    /// Notifications heard and not yet taken by [`PgConn::wait_for_wake`].
    woken: usize,
    /// The transaction-mode pooler in front of the server, when there is one: statements are
    /// then sent unnamed, each whole in one message ([`PgConn::query_text`]).
    pub(crate) pooler: Option<url::TransactionPooler>,
    /// Where it connected to, to connect again when the server has ended the session (a
    /// restart, a serverless compute gone to sleep).
    pub(crate) url: Option<url::TeamUrl>,
    /// The `BEGIN` of a transaction sent with nothing answered since ([`PgConn::defer_batch`]):
    /// a connection found gone then has lost nothing, and the transaction opens on a new one.
    pub(crate) opening: Option<String>,
}

impl PgConn {
    /// Connects with `config` over `tls`; `refused` says why a connection failed.
    pub(crate) fn connect<T>(
        config: &tokio_postgres::Config,
        tls: T,
        refused: impl FnOnce(&Error) -> crate::error::Error,
    ) -> crate::error::Result<PgConn>
    where
        T: MakeTlsConnect<Socket> + 'static + Send,
        T::TlsConnect: Send,
        T::Stream: Send,
        <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
    {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| {
                crate::error::Error::Conflict(format!(
                    "could not start the connection to the team database: {e}"
                ))
            })?;
        let (client, connection) = runtime
            .block_on(config.connect(tls))
            .map_err(|e| refused(&e))?;
        Ok(PgConn {
            runtime,
            client: Arc::new(client),
            connection: Box::new(connection),
            pending: VecDeque::new(),
            woken: 0,
            pooler: None,
            url: None,
            opening: None,
        })
    }

    /// Counts a wake-up, as a notification would (after connecting again: whoever waits
    /// catches up on what happened meanwhile).
    pub(crate) fn wake(&mut self) {
        self.woken += 1;
    }

    /// Whether statements prepared on this connection may have been left on its server by
    /// other connections: a session of its own starts with none, while a transaction pooler
    /// hands over a server that other clients' statements are still prepared on. (None left
    /// proves nothing; a statement that then goes missing tells it too: [`moved`].)
    pub(crate) fn shares_its_server(&mut self) -> Result<bool, Error> {
        let client = self.client.clone();
        let rows = self.run(async move {
            client
                .simple_query("SELECT count(*) FROM pg_prepared_statements")
                .await
        })?;
        Ok(rows.iter().any(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).is_some_and(|n| n != "0"),
            _ => false,
        }))
    }

    /// Runs `future` to its end while the connection does its work, and reads the answers of
    /// the writes sent before it first: the first of them that failed is the error, since the
    /// server refused everything after it.
    fn run<R>(&mut self, future: impl Future<Output = Result<R, Error>>) -> Result<R, Error> {
        let PgConn {
            runtime,
            connection,
            pending,
            woken,
            ..
        } = &mut *self;
        let mut future = std::pin::pin!(future);
        let mut failed: Option<Error> = None;
        let mut answer: Option<Result<R, Error>> = None;
        let result = runtime.block_on(std::future::poll_fn(|cx| {
            // The future first, so that its request follows the pending ones out at once.
            if answer.is_none() {
                if let Poll::Ready(r) = future.as_mut().poll(cx) {
                    answer = Some(r);
                }
            }
            if let Err(e) = drive(&mut **connection, cx, woken) {
                return Poll::Ready(Err(e));
            }
            while let Some(first) = pending.front_mut() {
                match first.as_mut().poll(cx) {
                    Poll::Ready(r) => {
                        if let (Err(e), None) = (r, &failed) {
                            failed = Some(e);
                        }
                        pending.pop_front();
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
            // An answer read above has woken this task: the next pass takes it.
            match answer.take() {
                Some(r) => Poll::Ready(r),
                None => Poll::Pending,
            }
        }));
        let result = match failed {
            Some(e) => Err(e),
            None => result,
        };
        if result.is_ok() {
            self.opening = None;
        }
        // A statement prepared here gone from the server, or another's in its way: a
        // transaction pooler is in front, and from now on statements go unnamed.
        if let Err(e) = &result {
            if moved(e) && self.pooler.is_none() {
                self.pooler = Some(connect::found_pooler());
            }
        }
        result
    }

    /// Sends a write now and reads its answer with the next statement's (see the module's
    /// notes). A value that cannot be sent is refused at once.
    pub(crate) fn defer(
        &mut self,
        statement: Statement,
        values: Vec<super::sql::PgValue>,
        changed: Option<super::sql::Changed>,
    ) -> Result<(), Error> {
        let client = self.client.clone();
        self.send(Box::pin(async move {
            let refs = super::sql::as_pg(&values);
            let n = client.execute(&statement, &refs).await?;
            changed.inspect(|c| c.add(n));
            Ok(n)
        }))
    }

    /// Sends statements separated by `;` (no values) now, their answer read with the next
    /// statement's: a transaction's `BEGIN` travels with its first statement.
    pub(crate) fn defer_batch(&mut self, sql: &str) -> Result<(), Error> {
        let client = self.client.clone();
        let sql = sql.to_string();
        self.send(Box::pin(async move {
            client.batch_execute(&sql).await?;
            Ok(0)
        }))
    }

    /// Prepares `sql` now, its answer read with the next statement's: the statement lands in
    /// `slot` (a write met the second time, sent unnamed meanwhile, is prepared for the third
    /// without a round trip of its own).
    pub(crate) fn defer_prepare(&mut self, sql: String, slot: Slot) -> Result<(), Error> {
        let client = self.client.clone();
        self.send(Box::pin(async move {
            let st = client.prepare(&sql).await?;
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(st);
            }
            Ok(0)
        }))
    }

    /// Sends a read now, unnamed, its rows read with the next statement's answer into `slot`
    /// (what a command says after its write goes with the write's COMMIT).
    pub(crate) fn defer_query(
        &mut self,
        sql: String,
        values: Vec<super::sql::PgValue>,
        slot: RowsSlot,
    ) -> Result<(), Error> {
        let client = self.client.clone();
        self.send(Box::pin(async move {
            let rows = client.query_typed(&sql, &untyped(&values)).await?;
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(rows);
            }
            Ok(0)
        }))
    }

    /// Sends `write` now; its answer is read with the next statement's.
    fn send(&mut self, mut write: Pending) -> Result<(), Error> {
        // Polling it once encodes and queues its request; the runtime sends it with the next.
        match write.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Err(e)) => return Err(e),
            Poll::Ready(Ok(_)) => {}
            Poll::Pending => self.pending.push_back(write),
        }
        if self.pending.len() >= MAX_PENDING {
            self.flush()?;
        }
        Ok(())
    }

    /// Reads the answers of every write sent: the first failure among them.
    pub(crate) fn flush(&mut self) -> Result<(), Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.run(async { Ok(()) })
    }

    /// Forgets the writes sent (a transaction being rolled back): their answers are read and
    /// dropped, whatever they say.
    pub(crate) fn discard(&mut self) {
        let _ = self.flush();
        self.pending.clear();
    }

    pub(crate) fn prepare(&mut self, sql: &str) -> Result<Statement, Error> {
        let client = self.client.clone();
        self.run(async move { client.prepare(sql).await })
    }

    /// Prepares every statement of `sqls` in one round trip, in order.
    pub(crate) fn prepare_all(&mut self, sqls: &[String]) -> Result<Vec<Statement>, Error> {
        let client = self.client.clone();
        let client = &client;
        self.run(async move {
            futures_util::future::try_join_all(sqls.iter().map(|sql| client.prepare(sql))).await
        })
    }

    pub(crate) fn execute(
        &mut self,
        statement: &Statement,
        values: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, Error> {
        let client = self.client.clone();
        self.run(async move { client.execute(statement, values).await })
    }

    pub(crate) fn query(
        &mut self,
        statement: &Statement,
        values: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, Error> {
        let client = self.client.clone();
        self.run(async move { client.query(statement, values).await })
    }

    /// Runs `sql` (with `$n` placeholders) unnamed, parsed, bound and run in one message, its
    /// values sent as text for the server to read as each parameter's type: what a
    /// transaction pooler allows, one round trip.
    pub(crate) fn query_text(
        &mut self,
        sql: &str,
        values: &[super::sql::PgValue],
    ) -> Result<Vec<Row>, Error> {
        let client = self.client.clone();
        self.run(async move { client.query_typed(sql, &untyped(values)).await })
    }

    /// Runs every read of `reads` in one round trip, each as the statement prepared for it,
    /// or unnamed ([`PgConn::query_text`]) and, where asked, prepared for next time alongside.
    /// Their rows in order, with the statements prepared.
    pub(crate) fn query_all(&mut self, reads: &[Read]) -> Result<Vec<Answer>, Error> {
        let client = self.client.clone();
        let client = &client;
        self.run(async move {
            futures_util::future::try_join_all(reads.iter().map(|read| async move {
                match &read.how {
                    How::Prepared(st) => Ok((
                        None,
                        client.query(st, &super::sql::as_pg(&read.values)).await?,
                    )),
                    How::Unnamed => Ok((
                        None,
                        client
                            .query_typed(&read.sql, &untyped(&read.values))
                            .await?,
                    )),
                    How::Preparing => {
                        let (st, rows) = futures_util::future::try_join(
                            client.prepare(&read.sql),
                            client.query_typed(&read.sql, &untyped(&read.values)),
                        )
                        .await?;
                        Ok((Some(st), rows))
                    }
                }
            }))
            .await
        })
    }

    /// [`PgConn::query_text`] for a statement whose rows are not read: how many it changed.
    pub(crate) fn execute_text(
        &mut self,
        sql: &str,
        values: &[super::sql::PgValue],
    ) -> Result<u64, Error> {
        let client = self.client.clone();
        self.run(async move { client.execute_typed(sql, &untyped(values)).await })
    }

    /// [`PgConn::defer`] for [`PgConn::query_text`]'s unnamed statements.
    pub(crate) fn defer_text(
        &mut self,
        sql: String,
        values: Vec<super::sql::PgValue>,
        changed: Option<super::sql::Changed>,
    ) -> Result<(), Error> {
        let client = self.client.clone();
        self.send(Box::pin(async move {
            let n = client.execute_typed(&sql, &untyped(&values)).await?;
            changed.inspect(|c| c.add(n));
            Ok(n)
        }))
    }

    /// Runs statements separated by `;`, with no values.
    pub(crate) fn batch_execute(&mut self, sql: &str) -> Result<(), Error> {
        let client = self.client.clone();
        self.run(async move { client.batch_execute(sql).await })
    }

    /// Runs `COPY … FROM STDIN` with the data `next` gives, chunk by chunk, in COPY's text
    /// format, until it gives `None`.
    pub(crate) fn copy_in(
        &mut self,
        sql: &str,
        mut next: impl FnMut() -> Option<Bytes>,
    ) -> Result<u64, Error> {
        use futures_util::SinkExt;
        let client = self.client.clone();
        self.run(async move {
            let sink = client.copy_in(sql).await?;
            let mut sink = std::pin::pin!(sink);
            while let Some(chunk) = next() {
                sink.send(chunk).await?;
            }
            sink.as_mut().finish().await
        })
    }

    /// Waits up to `timeout` for a notification on a channel this connection listens to;
    /// whether one came. Every one waiting is taken, so one answer serves them all.
    pub(crate) fn wait_for_wake(&mut self, timeout: std::time::Duration) -> Result<bool, Error> {
        self.flush()?;
        let PgConn {
            runtime,
            connection,
            woken,
            ..
        } = self;
        let heard = runtime.block_on(async {
            let until_woken =
                std::future::poll_fn(|cx| match drive(&mut **connection, cx, woken) {
                    Err(e) => Poll::Ready(Err(e)),
                    Ok(()) if *woken > 0 => Poll::Ready(Ok(())),
                    Ok(()) => Poll::Pending,
                });
            tokio::time::timeout(timeout, until_woken).await
        });
        match heard {
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) | Err(_) => {
                let any = *woken > 0;
                *woken = 0;
                Ok(any)
            }
        }
    }
}

/// A read's rows, with the statement prepared alongside where it asked for one.
pub(crate) type Answer = (Option<Statement>, Vec<Row>);

/// Where the rows of a read sent without waiting land ([`PgConn::defer_query`]).
pub(crate) type RowsSlot = Arc<std::sync::Mutex<Option<Vec<Row>>>>;

/// Where a statement prepared without waiting lands ([`PgConn::defer_prepare`]).
pub(crate) type Slot = Arc<std::sync::Mutex<Option<Statement>>>;

/// One read of [`PgConn::query_all`]: its text (`$n` placeholders), values, and how it is sent.
pub(crate) struct Read {
    pub(crate) sql: String,
    pub(crate) values: Vec<super::sql::PgValue>,
    pub(crate) how: How,
}

/// How a statement is sent.
pub(crate) enum How {
    /// As the statement prepared for it on this connection: bound and run, one message.
    Prepared(Statement),
    /// Unnamed: parsed, bound and run in one message.
    Unnamed,
    /// Unnamed, and prepared for next time in the same round trip.
    Preparing,
}

/// Values bound as text of a type the server decides (`unknown`, as libpq sends them).
fn untyped(
    values: &[super::sql::PgValue],
) -> Vec<(
    &(dyn tokio_postgres::types::ToSql + Sync),
    tokio_postgres::types::Type,
)> {
    values
        .iter()
        .map(|v| {
            (
                v as &(dyn tokio_postgres::types::ToSql + Sync),
                tokio_postgres::types::Type::UNKNOWN,
            )
        })
        .collect()
}

/// Whether `e` says the connection is gone: closed, broken, or its session ended by the server.
pub(crate) fn lost(e: &Error) -> bool {
    use tokio_postgres::error::SqlState;
    if let Some(d) = e.as_db_error() {
        return [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(d.code());
    }
    e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// Whether `e` says a statement this connection prepared is not on the server it now talks
/// to, or another client's of the same name is: a transaction pooler handed it another
/// server, or this one with others' statements on it.
pub(crate) fn moved(e: &Error) -> bool {
    use tokio_postgres::error::SqlState;
    e.as_db_error().is_some_and(|d| {
        let (code, message) = (d.code(), d.message());
        ((*code == SqlState::INVALID_SQL_STATEMENT_NAME
            || *code == SqlState::DUPLICATE_PSTATEMENT)
            && message.starts_with("prepared statement \"s"))
            // Another client's statement of the same name, taking other values ("bind message
            // supplies 1 parameters, but prepared statement "s0" requires 3").
            || (*code == SqlState::PROTOCOL_VIOLATION
                && message.contains("but prepared statement \"s"))
    })
}

/// Lets the connection read and write what it can without waiting, counting notifications.
fn drive(connection: &mut dyn Drive, cx: &mut Context<'_>, woken: &mut usize) -> Result<(), Error> {
    loop {
        match connection.poll_message(cx) {
            Poll::Ready(Some(Ok(AsyncMessage::Notification(_)))) => *woken += 1,
            Poll::Ready(Some(Ok(_))) => {}
            Poll::Ready(Some(Err(e))) => return Err(e),
            // Closed: the client's requests fail with that themselves.
            Poll::Ready(None) | Poll::Pending => return Ok(()),
        }
    }
}

/// Every team workspace table's columns (in order) and its primary key's, from PostgreSQL's
/// catalogue, in one statement (an undo needs a dozen tables': one round trip, not two each).
/// (A key's columns are numbered from 0 there: `int2vector`'s lower bound.)
pub(crate) fn columns_and_keys(c: &super::sql::Db) -> crate::error::Result<super::sql::Shapes> {
    // Each column's place in the key (0: not in it), sorted once all are read.
    type Keyed = (Vec<String>, Vec<(i64, String)>);
    let mut shapes: std::collections::HashMap<String, Keyed> = Default::default();
    c.each(
        "SELECT CAST(t.relname AS TEXT), CAST(a.attname AS TEXT),
                CAST(COALESCE(array_position(CAST(i.indkey AS int2[]), a.attnum)
                              - array_lower(CAST(i.indkey AS int2[]), 1) + 1, 0) AS BIGINT)
           FROM pg_class t
           JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
           LEFT JOIN pg_index i ON i.indrelid = t.oid AND i.indisprimary
          WHERE t.relkind IN ('r', 'p')
          ORDER BY t.relname, a.attnum",
        [],
        |r| {
            let (table, column, in_key): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let shape = shapes.entry(table).or_default();
            if in_key > 0 {
                shape.1.push((in_key, column.clone()));
            }
            shape.0.push(column);
            Ok(())
        },
    )?;
    Ok(shapes
        .into_iter()
        .map(|(table, (columns, mut key))| {
            key.sort();
            (table, (columns, key.into_iter().map(|(_, k)| k).collect()))
        })
        .collect())
}

/// New ids from tables' sequences on a team workspace, `n` from each table asked for, each
/// list in order, in one round trip: rows sent without waiting for their ids take them (the
/// same ids, in the same order, as inserting them one at a time would give). Each sequence
/// is looked up once, not for every id (that took 3 ms for 500 ids).
pub(crate) fn next_ids<const N: usize>(
    c: &super::sql::Db,
    wanted: [(&str, usize); N],
) -> crate::error::Result<[Vec<i64>; N]> {
    let lookups: Vec<String> = (0..N)
        .map(|i| {
            format!(
                "CAST(pg_get_serial_sequence(?{}, 'id') AS regclass) AS s{i}",
                2 * i + 1
            )
        })
        .collect();
    let takes: Vec<String> = (0..N)
        .map(|i| {
            format!(
                "SELECT {i}, nextval(seq.s{i}) FROM seq, generate_series(1, ?{})",
                2 * i + 2
            )
        })
        .collect();
    let sql = format!(
        "WITH seq AS MATERIALIZED (SELECT {}) {}",
        lookups.join(", "),
        takes.join(" UNION ALL ")
    );
    let counts: Vec<i64> = wanted.iter().map(|(_, n)| *n as i64).collect();
    let values: Vec<&dyn super::ToValue> = wanted
        .iter()
        .zip(&counts)
        .flat_map(|((table, _), n)| [table as &dyn super::ToValue, n as &dyn super::ToValue])
        .collect();
    let mut ids: [Vec<i64>; N] = std::array::from_fn(|i| Vec::with_capacity(wanted[i].1));
    c.each(&sql, &values[..], |r| {
        let (i, id): (i64, i64) = (r.get(0)?, r.get(1)?);
        if let Some(list) = usize::try_from(i).ok().and_then(|i| ids.get_mut(i)) {
            list.push(id);
        }
        Ok(())
    })?;
    for list in &mut ids {
        list.sort_unstable();
    }
    Ok(ids)
}
