//! The dialect layer: each query is written once, in the SQL that SQLite and PostgreSQL both
//! speak, and runs on a laptop's workspace file or a team's database alike.
//!
//! Why a small layer of our own and not a query builder: Baton's queries are plain SQL that
//! already reads the same on both engines once three things are bridged, and a builder would
//! mean rewriting every one of them into method chains. What differs is bridged here:
//!
//! - **Placeholders.** Queries use SQLite's numbered `?1`; PostgreSQL gets `$1` (rewritten
//!   outside string literals, quoted names and comments).
//! - **Values.** Both sides speak Baton's own value model ([`super::value`]: null, integer,
//!   real, text, blob) through [`ToValue`] and [`FromValue`], which every model type
//!   implements. On SQLite a value is bound as itself ([`super::sqlite`]); on PostgreSQL it is
//!   converted to the type the server expects for that parameter (the team schema keeps
//!   SQLite's: `BIGINT` and `TEXT`), and each result column back into a value.
//! - **Spelling.** Where the engines disagree (an upsert, a date function), [`Db::dialect`]
//!   says which one is asked, and the query names both texts side by side.
//!
//! Statements are prepared once per connection and kept (rusqlite's statement cache; a map of
//! prepared statements on PostgreSQL). Behind a transaction pooler, which hands the server a
//! connection talks to to other clients between transactions, nothing is kept prepared: each
//! statement goes unnamed, parsed, bound and run in one message, its values as text. A write whose answer is not read ([`Stmt::write`]) is
//! pipelined on PostgreSQL (see [`super::pg`]), and rows inserted while [`Db::gathered`] runs
//! wait to go with the others of their kind as one statement ([`Db::insert`]).

use super::value::{DbError, Failure, FromValue, ToValue, Value};
use crate::error::{Error, Result};
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

/// Which engine a workspace is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// A laptop's workspace file.
    Sqlite,
    /// A team workspace.
    Postgres,
}

/// A PostgreSQL connection and the statements prepared on it.
pub(crate) struct Pg {
    client: super::pg::PgConn,
    prepared: HashMap<String, tokio_postgres::Statement>,
    /// Statements run once, unnamed: the second time they are prepared and kept.
    met: std::collections::HashSet<String>,
    /// While [`Db::gathered`] runs: the rows [`Db::insert`] keeps, by the statement that
    /// inserts one of them, in the order each statement was first met.
    gathered: Option<Vec<Gathered>>,
    /// Per `INSERT` of one row, the statement that inserts many ([`many_of`]).
    many: HashMap<&'static str, String>,
    /// Each table's depth below the tables its foreign keys point to (none: 0), read from the
    /// catalogue the first time gathered rows of more than one table are sent.
    depths: Option<HashMap<String, i64>>,
    /// Whether a transaction is open: a statement that finds a transaction pooler outside
    /// one is simply sent again, unnamed; one that finds the connection gone, on a new one.
    in_transaction: bool,
    /// The channels this connection listens to, listened to again on a new connection.
    listening: Vec<&'static str>,
    /// Rows read ahead ([`Db::read_ahead`]) by statement and values, each taken by the first
    /// read that asks for it; forgotten when a transaction opens or ends.
    ahead: HashMap<(String, String), VecDeque<Vec<tokio_postgres::Row>>>,
    /// What each screen read the last time it was drawn ([`Db::reading`]), read ahead the
    /// next time.
    plans: HashMap<String, Vec<(String, Vec<Value>)>>,
    /// The reads of the screen being drawn, in order.
    recording: Option<Vec<(String, Vec<Value>)>>,
    /// Writes being prepared without a round trip of their own, by text.
    preparing: HashMap<String, super::pg::Slot>,
    /// How many [`Db::ahead`] and [`Db::reading`] are under way, one inside the other: what
    /// was read ahead is forgotten when the outermost ends.
    scopes: usize,
}

/// A read sent without waiting ([`Db::read_later`]).
pub(crate) struct ReadSent(Option<super::pg::RowsSlot>);

impl ReadSent {
    /// Whether it was sent (a team workspace's, not behind a pooler outside a transaction).
    pub(crate) fn sent(&self) -> bool {
        self.0.is_some()
    }
}

/// Each table's columns (in order) and its primary key's, by table.
pub(crate) type Shapes = HashMap<String, (Vec<String>, Vec<String>)>;

/// How many rows writes changed whose answers are read later ([`Stmt::write_counted`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Changed(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Changed {
    pub(crate) fn add(&self, n: u64) {
        self.0.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    /// The rows changed by the writes answered so far (every one, after a statement that
    /// reads, or after [`Db::flush`]).
    pub(crate) fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Rows gathered for one `INSERT` of one row ([`Db::insert`]), to go as one statement.
type Gathered = (&'static str, Vec<Vec<Value>>);

/// A connection to a workspace on either engine.
pub(crate) enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<RefCell<Pg>>),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({:?})", self.dialect())
    }
}

/// The values a statement is run with: `params![…]`, `[a, b]` or `[]`.
pub(crate) trait Params {
    /// Calls `f` with the values, in placeholder order (without allocating: an import binds
    /// a few dozen statements per row).
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R;
}

impl Params for &[&dyn ToValue] {
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
        f(self)
    }
}

impl Params for [&(dyn ToValue + Send + Sync); 0] {
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
        f(&[])
    }
}

macro_rules! array_params {
    ($($n:literal)*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn with<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
                let values: [&dyn ToValue; $n] = std::array::from_fn(|i| &self[i] as &dyn ToValue);
                f(&values)
            }
        }
    )*};
}
array_params!(1 2 3 4 5 6 7 8 9 10 11 12);

/// One result row, read with `get`.
pub(crate) enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Values(&'a [Value]),
}

impl Row<'_> {
    /// Column `i` as a `T`.
    pub(crate) fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        let wrong = |e| Error::Db(DbError::column(i, e));
        match self {
            Row::Sqlite(r) => {
                T::from_value(super::sqlite::value_ref(r.get_ref(i)?).map_err(wrong)?)
                    .map_err(wrong)
            }
            Row::Values(v) => {
                let value = v.get(i).ok_or_else(|| {
                    Error::Db(DbError::new(
                        Failure::Other,
                        format!("Invalid column index: {i}"),
                    ))
                })?;
                T::from_value(value.as_ref()).map_err(wrong)
            }
        }
    }
}

/// `Ok(None)` for a query that found no row.
pub(crate) trait Optional<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> Optional<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::Db(e)) if e.what() == Failure::NoRows => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Db {
    /// A team workspace's connection.
    pub(crate) fn postgres(client: super::pg::PgConn) -> Db {
        Db::Postgres(Box::new(RefCell::new(Pg {
            client,
            prepared: HashMap::new(),
            met: Default::default(),
            gathered: None,
            many: HashMap::new(),
            depths: None,
            in_transaction: false,
            listening: Vec::new(),
            ahead: HashMap::new(),
            plans: HashMap::new(),
            recording: None,
            preparing: HashMap::new(),
            scopes: 0,
        })))
    }

    /// The transaction-mode pooler in front of a team workspace, when there is one.
    pub(crate) fn transaction_pooler(&self) -> Option<super::pg::url::TransactionPooler> {
        match self {
            Db::Postgres(pg) => pg.borrow().client.pooler.clone(),
            Db::Sqlite(_) => None,
        }
    }

    /// The transaction-mode pooler in front of the team workspace at `url` this connection is
    /// to: named by the address, found by the connection, or seen by a second connection being
    /// handed the same server process the moment this one lets go of it (a session of its own,
    /// directly or through a session pooler, keeps its process to itself).
    pub(crate) fn pooler_seen_from(
        &self,
        url: &super::pg::url::TeamUrl,
    ) -> Result<Option<super::pg::url::TransactionPooler>> {
        if let Some(p) = self.transaction_pooler() {
            return Ok(Some(p));
        }
        const BACKEND: &str = "SELECT CAST(pg_backend_pid() AS BIGINT)";
        let mine: i64 = self.query_row(BACKEND, [], |r| r.get(0))?;
        let other = Db::postgres(super::pg::connect(url)?);
        if let Some(p) = other.transaction_pooler() {
            return Ok(Some(p));
        }
        let theirs: i64 = other.query_row(BACKEND, [], |r| r.get(0))?;
        Ok((theirs == mine).then(super::pg::found_pooler))
    }

    /// Which engine this is.
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The query text for this engine, where the two spell it differently.
    pub(crate) fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Db::Sqlite(_) => sqlite,
            Db::Postgres(_) => postgres,
        }
    }

    /// The laptop workspace's SQLite connection, for what only a file has (its pragmas, its
    /// backups, the change log's temporary triggers); on a team workspace, a sentence saying
    /// what is not there yet.
    pub(crate) fn sqlite(&self) -> Result<&rusqlite::Connection> {
        match self {
            Db::Sqlite(c) => Ok(c),
            Db::Postgres(_) => Err(Error::Conflict(
                "this does not work on a team workspace yet; use a laptop workspace (--db FILE)"
                    .into(),
            )),
        }
    }

    /// The team workspace's PostgreSQL connection, for what only it has (`COPY`).
    pub(crate) fn postgres_client(&self) -> Result<std::cell::RefMut<'_, super::pg::PgConn>> {
        match self {
            Db::Postgres(pg) => {
                pg.borrow_mut().send_gathered()?;
                Ok(std::cell::RefMut::map(pg.borrow_mut(), |pg| &mut pg.client))
            }
            Db::Sqlite(_) => Err(Error::Conflict(
                "this needs a team workspace (--db postgres://…), not a workspace file".into(),
            )),
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub(crate) fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// The first row of a query, read by `f`; `Error::Db(QueryReturnedNoRows)` when there is
    /// none ([`Optional::optional`] turns that into `None`).
    pub(crate) fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Every row of a query, each read by `f`.
    pub(crate) fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.prepare_cached(sql)?.query_map(params, f)
    }

    /// Calls `f` with each row of a query in turn (on SQLite without holding them all).
    pub(crate) fn each(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        self.prepare_cached(sql)?.each(params, f)
    }

    /// A statement to run more than once, as rusqlite's `prepare_cached` (both engines keep
    /// it prepared for the connection's life).
    pub(crate) fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(match self {
            Db::Sqlite(c) => Stmt::Sqlite(c.prepare_cached(sql)?, c),
            Db::Postgres(pg) => Stmt::Postgres {
                pg,
                sql: sql.to_string(),
            },
        })
    }

    /// Runs `f` with the rows it inserts through [`Db::insert`] gathered, on a team workspace:
    /// they go as one statement per kind of row when `f` ends, or as soon as anything else is
    /// sent to the server (so whatever `f` reads or writes otherwise sees them, in order). A
    /// team import's new records start thousands of handoffs, each a handful of rows: sent one
    /// statement per row, the server spent more time on those statements than on the rows.
    /// On a workspace file, or already gathering, this is `f`.
    pub(crate) fn gathered<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let Db::Postgres(pg) = self else { return f() };
        // Behind a transaction pooler every statement is parsed anew: rows go one by one,
        // pipelined, as they are inserted.
        if pg.borrow().gathered.is_some() || pg.borrow().client.pooler.is_some() {
            return f();
        }
        /// Stops gathering however `f` ends (a panic too): rows left are dropped with it.
        struct Stop<'a>(&'a RefCell<Pg>);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.borrow_mut().gathered = None;
            }
        }
        pg.borrow_mut().gathered = Some(Vec::new());
        let _stop = Stop(pg);
        let done = f()?;
        pg.borrow_mut().send_gathered()?;
        Ok(done)
    }

    /// Inserts one row with `one`, an `INSERT … VALUES (…)` of one row; while
    /// [`Db::gathered`] runs on a team workspace, the row waits instead, to go with the others
    /// of its kind as one statement derived from `one` ([`many_of`]); the rows go in the order
    /// they were inserted, so the ids a sequence gives them are those one statement per row
    /// would have given.
    pub(crate) fn insert(&self, one: &'static str, params: impl Params) -> Result<()> {
        if let Db::Postgres(pg) = self {
            let mut pg = pg.borrow_mut();
            if let Some(gathered) = pg.gathered.as_mut() {
                let row = params.with(|v| v.iter().map(|v| owned(*v)).collect::<Result<_>>())?;
                match gathered.iter_mut().find(|(sql, _)| *sql == one) {
                    Some((_, rows)) => rows.push(row),
                    None => gathered.push((one, vec![row])),
                }
                return Ok(());
            }
        }
        self.prepare_cached(one)?.write(params)
    }

    /// New ids for rows about to be inserted, `n` for each table asked for, each list in
    /// order: the ids inserting them one at a time would give, so rows sent without waiting
    /// for their ids can take them. A write takes them as it inserts, before any other row of
    /// those tables.
    pub(crate) fn next_ids<const N: usize>(
        &self,
        wanted: [(&str, usize); N],
    ) -> Result<[Vec<i64>; N]> {
        match self {
            Db::Sqlite(c) => super::sqlite::next_ids(c, wanted),
            Db::Postgres(_) => super::pg::next_ids(self, wanted),
        }
    }

    /// Runs `f` in one transaction (a team workspace's migrations and `team push`; writes go
    /// through the workspace's write funnel): kept when it succeeds, rolled back when not.
    pub(crate) fn transaction<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let begun = self.execute_batch("BEGIN");
        self.in_transaction(true);
        begun?;
        let done = f();
        let ended = self.end(done.is_ok());
        let done = done?;
        ended?;
        Ok(done)
    }

    /// Opens a team workspace's write: one serializable transaction, so the database, not the
    /// timing, keeps two laptops' writes apart.
    ///
    /// Every write of a team workspace takes its turn by locking `write_turn` first, before its
    /// snapshot is taken (LOCK TABLE takes none), so that `alone` (an import, an undo) waits
    /// for the writes under way and every write that arrives meanwhile waits for it, then reads
    /// what it left — as a workspace file's write lock does. Writes that are not alone do not
    /// wait for each other.
    ///
    /// The lock is waited for [`crate::workspace::busy::ATTEMPT`] at a time: then this fails
    /// with [`crate::team::LOCKED`], so that the write can say it is waiting and try again.
    pub(crate) fn begin_serializable(&self, alone: bool) -> Result<()> {
        let mode = if alone {
            "SHARE ROW EXCLUSIVE"
        } else {
            "ROW EXCLUSIVE"
        };
        let begin = format!(
            "BEGIN ISOLATION LEVEL SERIALIZABLE; SET LOCAL lock_timeout = '1s';
             LOCK TABLE write_turn IN {mode} MODE; SET LOCAL lock_timeout = 0"
        );
        let Db::Postgres(pg) = self else {
            let begun = self.execute_batch(&begin);
            self.in_transaction(true);
            return begun;
        };
        // Sent with the write's first statement, not waited for by itself: a round trip
        // fewer. Whatever it meets (the lock not had in time, the connection gone) that
        // statement meets first.
        self.in_transaction(true);
        let mut pg = pg.borrow_mut();
        pg.send_gathered()?;
        pg.client.opening = Some(begin.clone());
        pg.client.defer_batch(&begin).map_err(super::pg::error)
    }

    fn in_transaction(&self, open: bool) {
        if let Db::Postgres(pg) = self {
            let mut pg = pg.borrow_mut();
            pg.in_transaction = open;
            pg.ahead.clear();
        }
    }

    /// Draws screen `screen` with `f`, which only reads: on a team workspace, what it read the
    /// last time is read ahead in one round trip ([`Db::read_ahead`]), and what it reads now is
    /// kept for the next time. A read not foreseen is sent by itself; one foreseen and not
    /// asked for is forgotten. (Outside a write; behind a transaction pooler, as
    /// [`Db::read_ahead`].)
    pub(crate) fn reading<T>(&self, screen: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let Db::Postgres(pg) = self else {
            return f();
        };
        let plan = {
            let mut pg = pg.borrow_mut();
            if pg.in_transaction || pg.recording.is_some() {
                drop(pg);
                return f();
            }
            pg.recording = Some(vec![]);
            pg.scopes += 1;
            pg.plans.remove(screen)
        };
        let ahead = match plan {
            Some(plan) => {
                let reads: Vec<(&str, Vec<&dyn ToValue>)> = plan
                    .iter()
                    .map(|(sql, values)| {
                        (
                            sql.as_str(),
                            values.iter().map(|v| v as &dyn ToValue).collect(),
                        )
                    })
                    .collect();
                let reads: Vec<(&str, &[&dyn ToValue])> =
                    reads.iter().map(|(sql, v)| (*sql, v.as_slice())).collect();
                self.read_ahead(&reads)
            }
            None => Ok(()),
        };
        let done = ahead.and_then(|()| f());
        self.end_scope();
        let mut pg = pg.borrow_mut();
        let read = pg.recording.take();
        if let (Ok(_), Some(read)) = (&done, read) {
            pg.plans.insert(screen.to_string(), read);
        }
        done
    }

    /// Runs `f` with every read of `reads` sent at once before it, in one round trip on a team
    /// workspace, for the reads of `f` to take their rows from, each once (one asked for
    /// twice is sent twice); what `f` does not take is forgotten when it ends. A no-op on a
    /// workspace file, and outside a transaction behind a transaction pooler (which may hand
    /// each statement to another server). Only for what nothing `f` writes before reading it
    /// changes: a decision's inputs, a screen's parts.
    pub(crate) fn ahead<T>(
        &self,
        reads: &[(&str, &[&dyn ToValue])],
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let done = self.begin_ahead(reads).and_then(|()| f());
        self.end_scope();
        done
    }

    /// [`Db::ahead`] where its reads are not all in one closure: the scope ends with
    /// [`Db::end_scope`], or with the connection.
    pub(crate) fn begin_ahead(&self, reads: &[(&str, &[&dyn ToValue])]) -> Result<()> {
        if let Db::Postgres(pg) = self {
            pg.borrow_mut().scopes += 1;
        }
        self.read_ahead(reads)
    }

    /// Ends a [`Db::ahead`] or [`Db::reading`]: the outermost forgets what was read ahead.
    pub(crate) fn end_scope(&self) {
        if let Db::Postgres(pg) = self {
            let mut pg = pg.borrow_mut();
            pg.scopes = pg.scopes.saturating_sub(1);
            if pg.scopes == 0 {
                pg.ahead.clear();
            }
        }
    }

    /// Sends `sql` now without waiting for its rows: they come with the next statement's
    /// answer, on a team workspace, and [`Db::later_rows`] takes them. Nothing is sent on a
    /// workspace file (nor behind a transaction pooler outside a transaction): then
    /// [`Db::later_rows`] has none, and the caller reads as usual.
    pub(crate) fn read_later(&self, sql: &str, params: impl Params) -> Result<ReadSent> {
        let Db::Postgres(pg) = self else {
            return Ok(ReadSent(None));
        };
        let mut pg = pg.borrow_mut();
        if pg.client.pooler.is_some() && !pg.in_transaction {
            return Ok(ReadSent(None));
        }
        pg.send_gathered()?;
        let slot = super::pg::RowsSlot::default();
        pg.client
            .defer_query(placeholders(sql), pg_values(&params)?, slot.clone())
            .map_err(super::pg::error)?;
        Ok(ReadSent(Some(slot)))
    }

    /// The rows of a read sent by [`Db::read_later`], each made a `T` by `f`, once its answer
    /// has come (none when it has not, or was never sent).
    pub(crate) fn later_rows<T>(
        &self,
        later: &ReadSent,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Option<Vec<T>>> {
        let Some(rows) = later.0.as_ref().and_then(|s| s.lock().ok()?.take()) else {
            return Ok(None);
        };
        rows.iter()
            .map(|r| f(&Row::Values(&values_of(r)?)))
            .collect::<Result<Vec<T>>>()
            .map(Some)
    }

    /// [`Db::ahead`]'s sending.
    fn read_ahead(&self, reads: &[(&str, &[&dyn ToValue])]) -> Result<()> {
        let Db::Postgres(pg) = self else {
            return Ok(());
        };
        let mut pg = pg.borrow_mut();
        if reads.is_empty() || (pg.client.pooler.is_some() && !pg.in_transaction) {
            return Ok(());
        }
        pg.send_gathered()?;
        let mut keys = vec![];
        let mut sent = vec![];
        for (sql, params) in reads {
            let values = pg_values(params)?;
            let key = (sql.to_string(), format!("{values:?}"));
            let how = pg.how(sql);
            keys.push(key);
            sent.push(super::pg::Read {
                sql: placeholders(sql),
                values,
                how,
            });
        }
        match pg.client.query_all(&sent) {
            Ok(done) => {
                for (key, (st, rows)) in keys.into_iter().zip(done) {
                    if let Some(st) = st {
                        pg.prepared.insert(key.0.clone(), st);
                    }
                    pg.ahead.entry(key).or_default().push_back(rows);
                }
                Ok(())
            }
            // Outside a transaction (or one only begun, on a new connection now) nothing is
            // lost: each read is sent again, by itself.
            Err(_) if !pg.in_transaction => Ok(()),
            Err(e) if pg.may_reconnect(&e) => Ok(()),
            Err(e) => Err(super::pg::error(e)),
        }
    }

    /// Ends the open transaction, keeping what it wrote or not. A pipelined write that failed
    /// fails the commit (the server has rolled the transaction back).
    pub(crate) fn end(&self, keep: bool) -> Result<()> {
        if let (Db::Postgres(pg), false) = (self, keep) {
            pg.borrow_mut().client.discard();
        }
        let ended = self.execute_batch(if keep { "COMMIT" } else { "ROLLBACK" });
        self.in_transaction(false);
        ended
    }

    /// Asks the team workspace's server to wake this connection whenever a notification for
    /// anyone is committed (see [`Db::wait_for_wake`]).
    pub(crate) fn listen_to_inbox(&self) -> Result<()> {
        self.listen("baton_inbox")
    }

    /// Asks the team workspace's server to wake this connection on every NOTIFY of `channel`.
    /// Behind a transaction pooler, which cannot keep a LISTEN, nothing is asked: waiting
    /// then looks for news every few seconds ([`Db::wait_for_wake`]).
    pub(crate) fn listen(&self, channel: &'static str) -> Result<()> {
        let Db::Postgres(pg) = self else {
            return Err(Error::Conflict(
                "this needs a team workspace (--db postgres://…), not a workspace file".into(),
            ));
        };
        // A connection's own probe finds a transaction pooler only where other clients'
        // statements are left on its server; a teammate's login has a pool of its own, fresh
        // at first. Listening is for the long run, and through such a pooler no wake-up ever
        // comes: worth a second connection, once, to be sure.
        let first = pg.borrow().listening.is_empty();
        let url = pg.borrow().client.url.clone();
        if let (true, Some(url)) = (first, url) {
            let found = self.pooler_seen_from(&url)?;
            pg.borrow_mut().client.pooler = found;
        }
        if pg.borrow().client.pooler.is_some() {
            return Ok(());
        }
        self.execute_batch(&format!("LISTEN {channel}"))?;
        let mut pg = pg.borrow_mut();
        if !pg.listening.contains(&channel) {
            pg.listening.push(channel);
        }
        Ok(())
    }

    /// Waits up to `timeout` for the server to wake this connection (a notification, a write,
    /// as it listens); whether it did. Every wake-up waiting is taken, so one answer serves them
    /// all. Behind a transaction pooler it waits a few seconds at most and says to look
    /// ([`super::pg::POLL`]). A connection lost meanwhile is an error; the next statement
    /// connects again, and the first wait after that says to look.
    pub(crate) fn wait_for_wake(&self, timeout: std::time::Duration) -> Result<bool> {
        if self.transaction_pooler().is_some() {
            std::thread::sleep(timeout.min(super::pg::POLL));
            return Ok(true);
        }
        self.postgres_client()?
            .wait_for_wake(timeout)
            .map_err(super::pg::error)
    }

    /// Reads the answers of every write sent and not yet answered (a no-op on a workspace
    /// file): the first failure among them.
    pub(crate) fn flush(&self) -> Result<()> {
        match self {
            Db::Sqlite(_) => Ok(()),
            Db::Postgres(pg) => {
                let mut pg = pg.borrow_mut();
                pg.send_gathered()?;
                pg.client.flush().map_err(super::pg::error)
            }
        }
    }

    /// A table's columns (in order) and its primary key's, from the schema.
    pub(crate) fn columns_and_key(&self, table: &str) -> Result<(Vec<String>, Vec<String>)> {
        match self {
            Db::Sqlite(c) => super::sqlite::columns_and_key(c, table),
            Db::Postgres(_) => Ok(self
                .columns_and_keys(&[table])?
                .remove(table)
                .unwrap_or_default()),
        }
    }

    /// [`Db::columns_and_key`] of each of `tables` at once (on a team workspace, one round
    /// trip); a table not there is left out.
    pub(crate) fn columns_and_keys(&self, tables: &[&str]) -> Result<Shapes> {
        match self {
            Db::Sqlite(c) => tables
                .iter()
                .map(|t| Ok((t.to_string(), super::sqlite::columns_and_key(c, t)?)))
                .filter(|s| !matches!(s, Ok((_, (columns, _))) if columns.is_empty()))
                .collect(),
            Db::Postgres(_) => {
                let mut all = super::pg::columns_and_keys(self)?;
                all.retain(|t, _| tables.contains(&t.as_str()));
                Ok(all)
            }
        }
    }

    /// Runs statements separated by `;`, with no values.
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(pg) => {
                let mut pg = pg.borrow_mut();
                pg.send_gathered()?;
                match pg.client.batch_execute(sql) {
                    Err(e) if pg.may_reconnect(&e) => {
                        pg.client.batch_execute(sql).map_err(super::pg::error)
                    }
                    done => done.map_err(super::pg::error),
                }
            }
        }
    }
}

/// A statement of one connection, prepared once and run as often as needed (an import runs
/// a few dozen per row: on SQLite the prepared statement itself is held, never looked up
/// again).
pub(crate) enum Stmt<'a> {
    Sqlite(rusqlite::CachedStatement<'a>, &'a rusqlite::Connection),
    Postgres { pg: &'a RefCell<Pg>, sql: String },
}

impl Stmt<'_> {
    /// Runs a write whose answer is not read: on PostgreSQL it is sent at once and answered
    /// with the next statement (a failure is reported there, or at the commit).
    pub(crate) fn write(&mut self, params: impl Params) -> Result<()> {
        self.write_into(params, None)
    }

    /// [`Stmt::write`], adding the rows it changes to `changed` once its answer is read (by
    /// the next statement that reads; on a workspace file, at once).
    pub(crate) fn write_counted(&mut self, params: impl Params, changed: &Changed) -> Result<()> {
        self.write_into(params, Some(changed.clone()))
    }

    fn write_into(&mut self, params: impl Params, changed: Option<Changed>) -> Result<()> {
        match self {
            Stmt::Sqlite(..) => {
                let n = self.execute(params)?;
                changed.inspect(|c| c.add(n as u64));
                Ok(())
            }
            Stmt::Postgres { pg, sql } => {
                let mut pg = pg.borrow_mut();
                pg.send_gathered()?;
                let values = pg_values(&params)?;
                if !pg.prepared_write(sql) {
                    return pg
                        .client
                        .defer_text(placeholders(sql), values, changed)
                        .map_err(super::pg::error);
                }
                let st = pg.statement(sql)?;
                if values.len() != st.params().len() {
                    return Err(wrong_count(values.len(), st.params().len()));
                }
                pg.client
                    .defer(st, values, changed)
                    .map_err(super::pg::error)
            }
        }
    }

    /// [`Db::execute`].
    pub(crate) fn execute(&mut self, params: impl Params) -> Result<usize> {
        match self {
            Stmt::Sqlite(st, _) => params.with(|v| {
                super::sqlite::bind(st, v)?;
                Ok(st.raw_execute()?)
            }),
            Stmt::Postgres { pg, sql } => {
                let n = pg.borrow_mut().run(
                    sql,
                    &params,
                    |c, st, v| c.execute(st, &as_pg(v)),
                    |c, sql, v| c.execute_text(sql, v),
                )?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs an `INSERT` of one row and returns its `id`: SQLite's rowid (a `RETURNING`
    /// clause there would write a statement journal for every row: an import's first run took
    /// 40% longer), PostgreSQL's `RETURNING id`.
    pub(crate) fn insert(&mut self, params: impl Params) -> Result<i64> {
        match self {
            Stmt::Sqlite(st, conn) => params.with(|v| {
                super::sqlite::bind(st, v)?;
                match st.raw_execute()? {
                    1 => Ok(conn.last_insert_rowid()),
                    n => Err(Error::Db(DbError::new(
                        Failure::Other,
                        format!("Statement changed {n} rows"),
                    ))),
                }
            }),
            Stmt::Postgres { pg, sql } => Stmt::Postgres {
                pg,
                sql: format!("{sql} RETURNING id"),
            }
            .query_row(params, |r| r.get(0)),
        }
    }

    /// [`Db::query_row`].
    pub(crate) fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        match self {
            Stmt::Sqlite(st, _) => params.with(|v| {
                super::sqlite::bind(st, v)?;
                let mut rows = st.raw_query();
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)),
                    None => Err(Error::Db(DbError::no_rows())),
                }
            }),
            Stmt::Postgres { pg, sql } => {
                let rows = Pg::rows(pg, sql, &params)?;
                let first = rows.first().ok_or(Error::Db(DbError::no_rows()))?;
                f(&Row::Values(&values_of(first)?))
            }
        }
    }

    /// [`Db::query_map`].
    pub(crate) fn query_map<T>(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(params, |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// [`Db::each`].
    pub(crate) fn each(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        match self {
            Stmt::Sqlite(st, _) => params.with(|v| {
                super::sqlite::bind(st, v)?;
                let mut rows = st.raw_query();
                while let Some(r) = rows.next()? {
                    f(&Row::Sqlite(r))?;
                }
                Ok(())
            }),
            Stmt::Postgres { pg, sql } => {
                for r in &Pg::rows(pg, sql, &params)? {
                    f(&Row::Values(&values_of(r)?))?;
                }
                Ok(())
            }
        }
    }
}

/// A PostgreSQL row's columns as SQLite's values.
fn values_of(r: &tokio_postgres::Row) -> Result<Vec<Value>> {
    r.columns()
        .iter()
        .enumerate()
        .map(|(i, c)| from_pg(r, i, c.type_()))
        .collect()
}

impl Pg {
    /// Every row of `sql`, read whole before any is looked at: the connection answers one
    /// query at a time, and whoever reads the rows may ask another (SQLite's rows are read as
    /// they come).
    fn rows(pg: &RefCell<Pg>, sql: &str, params: &impl Params) -> Result<Vec<tokio_postgres::Row>> {
        let mut pg = pg.borrow_mut();
        if pg.recording.is_some() {
            let values =
                params.with(|v| v.iter().map(|v| owned(*v)).collect::<Result<Vec<_>>>())?;
            if let Some(read) = pg.recording.as_mut() {
                read.push((sql.to_string(), values));
            }
        }
        if !pg.ahead.is_empty() {
            let key = (sql.to_string(), format!("{:?}", pg_values(params)?));
            if let Some(rows) = pg.ahead.get_mut(&key).and_then(VecDeque::pop_front) {
                return Ok(rows);
            }
        }
        if pg.met_again(sql) {
            // Its second use: prepared for the next while it runs, in one round trip.
            pg.send_gathered()?;
            let read = super::pg::Read {
                sql: placeholders(sql),
                values: pg_values(params)?,
                how: super::pg::How::Preparing,
            };
            match pg.client.query_all(std::slice::from_ref(&read)) {
                Ok(mut done) => {
                    if let Some((st, rows)) = done.pop() {
                        if let Some(st) = st {
                            pg.prepared.insert(sql.to_string(), st);
                        }
                        return Ok(rows);
                    }
                }
                // Sent again below, by the way that finds a pooler or connects again (inside a
                // transaction a pooler found has ended it: the write is run again whole).
                Err(e)
                    if (!pg.in_transaction && super::pg::moved(&e))
                        || ((!pg.in_transaction || pg.client.opening.is_some())
                            && super::pg::lost(&e)) => {}
                Err(e) => return Err(super::pg::error(e)),
            }
        }
        pg.run(
            sql,
            params,
            |c, st, v| c.query(st, &as_pg(v)),
            |c, sql, v| c.query_text(sql, v),
        )
    }

    /// Runs `sql` with `params`: as the statement prepared for it on this connection
    /// (`named`, prepared on first use and kept), or behind a transaction pooler as an
    /// unnamed one (`text`). A statement that finds a pooler outside a transaction is sent
    /// again, unnamed; inside one, the transaction is over and the write runs again.
    fn run<R>(
        &mut self,
        sql: &str,
        params: &impl Params,
        named: impl Fn(
            &mut super::pg::PgConn,
            &tokio_postgres::Statement,
            &[PgValue],
        ) -> std::result::Result<R, tokio_postgres::Error>,
        text: impl Fn(
            &mut super::pg::PgConn,
            &str,
            &[PgValue],
        ) -> std::result::Result<R, tokio_postgres::Error>,
    ) -> Result<R> {
        self.send_gathered()?;
        let values = pg_values(params)?;
        let mut again = true;
        loop {
            let tried = if !self.unnamed(sql) {
                match self.prepare(sql) {
                    Ok(st) if values.len() != st.params().len() => {
                        return Err(wrong_count(values.len(), st.params().len()))
                    }
                    Ok(st) => named(&mut self.client, &st, &values),
                    Err(e) if super::pg::moved(&e) && !self.in_transaction => continue,
                    Err(e) => Err(e),
                }
            } else {
                text(&mut self.client, &placeholders(sql), &values)
            };
            match tried {
                Ok(r) => return Ok(r),
                // The pooler is known now: the next pass sends it unnamed.
                Err(e) if super::pg::moved(&e) && !self.in_transaction && again => again = false,
                Err(e) if again && self.may_reconnect(&e) => again = false,
                Err(e) => return Err(super::pg::error(e)),
            }
        }
    }

    /// Whether the write `sql` goes as the statement prepared for it: not the first time (it
    /// goes unnamed), nor the second (unnamed, prepared alongside without a round trip of its
    /// own), nor behind a transaction pooler; from the third on, once its preparing is answered.
    fn prepared_write(&mut self, sql: &str) -> bool {
        if self.client.pooler.is_some() {
            return false;
        }
        if self.prepared.contains_key(sql) {
            return true;
        }
        if let Some(slot) = self.preparing.get(sql) {
            let done = slot.lock().ok().and_then(|mut s| s.take());
            if let Some(st) = done {
                self.preparing.remove(sql);
                self.prepared.insert(sql.to_string(), st);
                return true;
            }
            return false;
        }
        if self.met.insert(sql.to_string()) {
            return false;
        }
        let slot = super::pg::Slot::default();
        if self
            .client
            .defer_prepare(placeholders(sql), slot.clone())
            .is_ok()
        {
            self.preparing.insert(sql.to_string(), slot);
        }
        false
    }

    /// How `sql` is sent this time by a read that may prepare it alongside: unnamed behind a
    /// transaction pooler and the first time; prepared alongside the second; then prepared.
    fn how(&mut self, sql: &str) -> super::pg::How {
        use super::pg::How;
        if self.met_again(sql) {
            return How::Preparing;
        }
        if let (None, Some(st)) = (&self.client.pooler, self.prepared.get(sql)) {
            return How::Prepared(st.clone());
        }
        self.met.insert(sql.to_string());
        How::Unnamed
    }

    /// Whether `sql` is met the second time, and may be prepared (not behind a pooler).
    fn met_again(&self, sql: &str) -> bool {
        self.client.pooler.is_none() && !self.prepared.contains_key(sql) && self.met.contains(sql)
    }

    /// Whether `sql` goes unnamed this time: always behind a transaction pooler; otherwise
    /// the first time this connection meets it (one round trip, where preparing it first took
    /// two), and prepared and kept from the second on (a statement met once — most of what a
    /// command line run sends — never pays for being prepared).
    fn unnamed(&mut self, sql: &str) -> bool {
        if self.client.pooler.is_some() {
            return true;
        }
        if self.prepared.contains_key(sql) || self.met.contains(sql) {
            return false;
        }
        self.met.insert(sql.to_string());
        true
    }

    /// Whether `e` found the connection gone outside a transaction and a new one is open
    /// (listening where the old one did, and woken so whoever waits catches up): then the
    /// statement is sent again. Inside a transaction the server has rolled it back, and the
    /// write says so.
    fn may_reconnect(&mut self, e: &tokio_postgres::Error) -> bool {
        let opening = self.client.opening.clone();
        if (self.in_transaction && opening.is_none()) || !super::pg::lost(e) {
            return false;
        }
        let Some(url) = self.client.url.clone() else {
            return false;
        };
        let Ok(mut client) = super::pg::connect(&url) else {
            return false;
        };
        if client.pooler.is_none() {
            client.pooler = self.client.pooler.take();
        }
        for channel in &self.listening {
            if client.batch_execute(&format!("LISTEN {channel}")).is_err() {
                return false;
            }
        }
        // A transaction that had only begun begins again there.
        if let Some(begin) = opening {
            if client.defer_batch(&begin).is_err() {
                return false;
            }
            client.opening = Some(begin);
        }
        client.wake();
        self.client = client;
        self.prepared.clear();
        self.preparing.clear();
        true
    }
}

/// The values a statement is run with, as PostgreSQL is sent them.
fn pg_values(params: &impl Params) -> Result<Vec<PgValue>> {
    params.with(|v| {
        v.iter()
            .map(|v| owned(*v).map(PgValue::One))
            .collect::<Result<Vec<_>>>()
    })
}

pub(super) fn as_pg(values: &[PgValue]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    values
        .iter()
        .map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect()
}

/// SQLite's numbered placeholders (`?1`, and a bare `?` as the next number) as PostgreSQL's
/// (`$1`); string literals, quoted names and comments are left as they are.
pub(crate) fn placeholders(sql: &str) -> String {
    let mut next = 1u32;
    each_placeholder(sql, |n| {
        let n = n.unwrap_or(next);
        next = n + 1;
        Some(format!("${n}"))
    })
    .unwrap_or_default()
}

/// `sql` with each placeholder (`?1`, or a bare `?`: `None`) replaced by what `with` gives for
/// it; string literals, quoted names and comments are left as they are. `None` when `with`
/// refuses one.
fn each_placeholder(
    sql: &str,
    mut with: impl FnMut(Option<u32>) -> Option<String>,
) -> Option<String> {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                out.push_str(&with(digits.parse::<u32>().ok())?);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// The statement that inserts many rows as `one` inserts one (`INSERT INTO t (a, b, c)
/// VALUES (?1, lower(?2), ?1)`): the same `INSERT`, its values read from one array per
/// placeholder, each of the type the server gave that placeholder in `one` (`types`):
/// `INSERT INTO t (a, b, c) SELECT u.p1, lower(u.p2), u.p1 FROM unnest(?1::bigint[],
/// ?2::text[]) AS u (p1, p2)`. `None` when `one` does not end in one `VALUES (…)` list.
fn many_of(one: &str, types: &[&str]) -> Option<String> {
    let at = one.rfind("VALUES")?;
    let list = one[at + "VALUES".len()..].trim();
    let values = list.strip_prefix('(')?.strip_suffix(')')?;
    let select = each_placeholder(values, |n| {
        let n = n.filter(|n| (1..=types.len()).contains(&(*n as usize)))?;
        Some(format!("u.p{n}"))
    })?;
    let arrays: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("?{}::{t}[]", i + 1))
        .collect();
    let names: Vec<String> = (1..=types.len()).map(|n| format!("p{n}")).collect();
    Some(format!(
        "{} SELECT {select} FROM unnest({}) AS u ({})",
        one[..at].trim_end(),
        arrays.join(", "),
        names.join(", ")
    ))
}

impl Pg {
    /// The prepared statement that inserts many rows as `one` inserts one ([`many_of`]),
    /// derived the first time it is needed from the types the server gives `one`'s
    /// placeholders.
    fn many(&mut self, one: &'static str) -> Result<tokio_postgres::Statement> {
        self.prepare_many(std::iter::once(&one))?;
        let many = self.many.get(one).cloned().unwrap_or_default();
        self.statement(&many)
    }

    /// Prepares the statements [`Pg::many`] needs for the rows of each of `ones` not prepared
    /// yet, all in two round trips: each `one` (for its parameters' types), then each `many`.
    fn prepare_many<'a>(&mut self, ones: impl Iterator<Item = &'a &'static str>) -> Result<()> {
        let new: Vec<&'static str> = ones
            .copied()
            .filter(|one| !self.many.contains_key(one))
            .collect();
        let unprepared: Vec<String> = new
            .iter()
            .filter(|one| !self.prepared.contains_key(**one))
            .map(|one| one.to_string())
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let texts: Vec<String> = unprepared.iter().map(|s| placeholders(s)).collect();
        let sts = self.client.prepare_all(&texts).map_err(super::pg::error)?;
        for (sql, st) in unprepared.into_iter().zip(sts) {
            self.prepared.insert(sql, st);
        }
        let mut manys = vec![];
        for one in new {
            let types: Vec<&str> = self.prepared[one]
                .params()
                .iter()
                .map(|t| t.name())
                .collect();
            let many = many_of(one, &types).ok_or_else(|| {
                Error::Db(DbError::new(
                    Failure::Other,
                    format!("a gathered row's statement is not one INSERT … VALUES (…): {one}"),
                ))
            })?;
            self.many.insert(one, many.clone());
            if !self.prepared.contains_key(&many) {
                manys.push(many);
            }
        }
        let texts: Vec<String> = manys.iter().map(|s| placeholders(s)).collect();
        let sts = self.client.prepare_all(&texts).map_err(super::pg::error)?;
        for (sql, st) in manys.into_iter().zip(sts) {
            self.prepared.insert(sql, st);
        }
        Ok(())
    }

    /// The prepared statement for `sql`, prepared on first use.
    fn statement(&mut self, sql: &str) -> Result<tokio_postgres::Statement> {
        self.prepare(sql).map_err(super::pg::error)
    }

    /// [`Pg::statement`], failing with the server's own error.
    fn prepare(
        &mut self,
        sql: &str,
    ) -> std::result::Result<tokio_postgres::Statement, tokio_postgres::Error> {
        if let Some(st) = self.prepared.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(&placeholders(sql))?;
        self.prepared.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Sends the rows [`Db::insert`] gathered: one pipelined statement per kind of row, the
    /// tables that others' foreign keys point to first (a handoff before its tasks, a task
    /// before its notification), each table's rows in the order they were gathered.
    fn send_gathered(&mut self) -> Result<()> {
        let Some(gathered) = self.gathered.as_mut().filter(|g| !g.is_empty()) else {
            return Ok(());
        };
        let mut gathered = std::mem::take(gathered);
        self.prepare_many(gathered.iter().map(|(one, _)| one))?;
        if gathered.len() > 1 {
            let depths = self.depths()?;
            gathered.sort_by_key(|(sql, _)| {
                let table = sql.split_whitespace().nth(2).unwrap_or_default();
                depths.get(table).copied().unwrap_or_default()
            });
        }
        for (one, rows) in gathered {
            let st = self.many(one)?;
            // The rows turned into columns, their values moved, not copied.
            let mut columns: Vec<Vec<Value>> = (0..st.params().len())
                .map(|_| Vec::with_capacity(rows.len()))
                .collect();
            for row in rows {
                if row.len() != columns.len() {
                    return Err(wrong_count(row.len(), columns.len()));
                }
                for (column, value) in columns.iter_mut().zip(row) {
                    column.push(value);
                }
            }
            let columns = columns.into_iter().map(PgValue::Column).collect();
            self.client
                .defer(st, columns, None)
                .map_err(super::pg::error)?;
        }
        Ok(())
    }

    /// Each table's depth below the tables its foreign keys point to, read once.
    fn depths(&mut self) -> Result<&HashMap<String, i64>> {
        if self.depths.is_none() {
            // Read once, unnamed: one round trip.
            let rows = self
                .client
                .query_text(
                    "WITH RECURSIVE fk AS (
                     SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
                       FROM pg_constraint
                      WHERE contype = 'f' AND conrelid <> confrelid),
                 depth (tbl, d) AS (
                     SELECT parent, 0 FROM fk
                     UNION ALL
                     SELECT fk.child, depth.d + 1 FROM fk JOIN depth ON fk.parent = depth.tbl)
                 SELECT tbl, CAST(max(d) AS BIGINT) FROM depth GROUP BY tbl",
                    &[],
                )
                .map_err(super::pg::error)?;
            let depths = rows
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<std::result::Result<_, tokio_postgres::Error>>()
                .map_err(super::pg::error)?;
            self.depths = Some(depths);
        }
        Ok(self.depths.get_or_insert_default())
    }
}

/// A value as the statement is given it, owned (to be sent later).
fn owned(v: &dyn ToValue) -> Result<Value> {
    match v.to_value() {
        Ok(super::value::Bound::Ref(r)) => Ok(r.to_owned()),
        Ok(super::value::Bound::Owned(v)) => Ok(v),
        Err(e) => Err(Error::Db(DbError::new(Failure::Value, e.to_string()))),
    }
}

/// A statement given `given` values for `wanted` placeholders.
pub(super) fn wrong_count(given: usize, wanted: usize) -> Error {
    Error::Db(DbError::new(
        Failure::Other,
        format!("Wrong number of parameters passed to query. Got {given}, needed {wanted}"),
    ))
}

/// A value bound to a PostgreSQL parameter, converted to the type the server asks for: one
/// value, or a column of them for an array parameter.
#[derive(Debug)]
pub(crate) enum PgValue {
    One(Value),
    Column(Vec<Value>),
}

impl tokio_postgres::types::ToSql for PgValue {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use tokio_postgres::types::Kind;
        let value = match self {
            PgValue::One(v) => v,
            PgValue::Column(values) => {
                if !matches!(ty.kind(), Kind::Array(_)) {
                    return Err(format!("a column of values cannot be stored as {ty}").into());
                }
                let values: Vec<Item<'_>> = values.iter().map(Item).collect();
                return put(values, ty, out);
            }
        };
        one(value, ty, out)
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    /// A parameter of a type the server decides ([`super::pg::PgConn::query_text`]) is sent
    /// as text, which the server reads as that type; every other as the type's binary form.
    fn encode_format(&self, ty: &tokio_postgres::types::Type) -> tokio_postgres::types::Format {
        if *ty == tokio_postgres::types::Type::UNKNOWN {
            tokio_postgres::types::Format::Text
        } else {
            tokio_postgres::types::Format::Binary
        }
    }

    tokio_postgres::types::to_sql_checked!();
}

/// One value of a column bound to an array parameter (written as the array's element type).
#[derive(Debug)]
struct Item<'a>(&'a Value);

impl tokio_postgres::types::ToSql for Item<'_> {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        one(self.0, ty, out)
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// Writes SQLite's value `value` as PostgreSQL's `ty`.
fn one(
    value: &Value,
    ty: &tokio_postgres::types::Type,
    out: &mut bytes::BytesMut,
) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
    use tokio_postgres::types::Type;
    let wrong = || -> Box<dyn std::error::Error + Sync + Send> {
        format!(
            "a {} value cannot be stored as {ty}",
            value.as_ref().type_name()
        )
        .into()
    };
    match value {
        Value::Null => Ok(tokio_postgres::types::IsNull::Yes),
        Value::Integer(i) => match *ty {
            Type::INT8 => put(i, ty, out),
            Type::INT4 => put(i32::try_from(*i)?, ty, out),
            Type::INT2 => put(i16::try_from(*i)?, ty, out),
            Type::BOOL => put(*i != 0, ty, out),
            Type::FLOAT8 => put(*i as f64, ty, out),
            Type::TEXT | Type::VARCHAR | Type::UNKNOWN => put(i.to_string(), ty, out),
            _ => Err(wrong()),
        },
        Value::Real(f) => match *ty {
            Type::FLOAT8 => put(f, ty, out),
            // As PostgreSQL writes them, which it reads back exactly.
            Type::UNKNOWN if f.is_infinite() => {
                put(if *f > 0.0 { "Infinity" } else { "-Infinity" }, ty, out)
            }
            Type::TEXT | Type::VARCHAR | Type::UNKNOWN => put(f.to_string(), ty, out),
            _ => Err(wrong()),
        },
        Value::Text(s) => match *ty {
            Type::TEXT | Type::VARCHAR | Type::NAME | Type::UNKNOWN | Type::BPCHAR => {
                put(s, &Type::TEXT, out)
            }
            // SQLite compares text with a number column by its number, as here.
            Type::INT8 => put(s.trim().parse::<i64>().map_err(|_| wrong())?, ty, out),
            _ => Err(wrong()),
        },
        Value::Blob(b) => match *ty {
            Type::BYTEA => put(b, ty, out),
            // bytea's text form: \x and two hex digits a byte.
            Type::UNKNOWN => {
                use std::fmt::Write;
                let mut hex = String::with_capacity(2 + 2 * b.len());
                hex.push_str("\\x");
                for byte in b {
                    let _ = write!(hex, "{byte:02x}");
                }
                put(hex, ty, out)
            }
            _ => Err(wrong()),
        },
    }
}

/// Writes `v` as PostgreSQL's `ty`.
fn put<T: tokio_postgres::types::ToSql>(
    v: T,
    ty: &tokio_postgres::types::Type,
    out: &mut bytes::BytesMut,
) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
    v.to_sql(ty, out)
}

/// Column `i` of a PostgreSQL row as SQLite's value.
fn from_pg(r: &tokio_postgres::Row, i: usize, ty: &tokio_postgres::types::Type) -> Result<Value> {
    use tokio_postgres::types::Type;
    let got = |e: tokio_postgres::Error| super::pg::error(e);
    Ok(match *ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i).map_err(got)?.map_or(Value::Null, Value::Integer),
        Type::INT4 => r
            .try_get::<_, Option<i32>>(i)
            .map_err(got)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::INT2 => r
            .try_get::<_, Option<i16>>(i)
            .map_err(got)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::BOOL => r
            .try_get::<_, Option<bool>>(i)
            .map_err(got)?
            .map_or(Value::Null, |v| Value::Integer(v.into())),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i).map_err(got)?.map_or(Value::Null, Value::Real),
        Type::FLOAT4 => r
            .try_get::<_, Option<f32>>(i)
            .map_err(got)?
            .map_or(Value::Null, |v| Value::Real(v.into())),
        Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR | Type::UNKNOWN => r
            .try_get::<_, Option<String>>(i)
            .map_err(got)?
            .map_or(Value::Null, Value::Text),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i).map_err(got)?.map_or(Value::Null, Value::Blob),
        ref other => {
            return Err(Error::Conflict(format!(
                "column {} of a team-workspace query is {other}, which Baton does not read; cast it to BIGINT or TEXT",
                r.columns()[i].name()
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Stamp;
    use crate::db::params;
    use crate::model::{RecordId, RecordKind};

    /// The test cluster `cargo xtask test` starts; run alone, this fails and says so.
    fn team() -> Db {
        let url = std::env::var("BATON_TEST_PG").expect(
            "BATON_TEST_PG is not set: run the tests with cargo xtask test, which starts PostgreSQL",
        );
        let url = super::super::pg::url::TeamUrl::parse(&url).unwrap();
        Db::postgres(super::super::pg::connect(&url).unwrap())
    }

    /// A connection through the test PgBouncer in transaction mode that has not found it yet
    /// (as a self-hosted pooler's address does not say so, and no statement was left behind).
    fn through_an_unseen_pooler() -> Db {
        let url = std::env::var("BATON_TEST_PGBOUNCER_TRANSACTION").expect(
            "BATON_TEST_PGBOUNCER_TRANSACTION is not set: run the tests with cargo xtask test, which starts PgBouncer",
        );
        let url = super::super::pg::url::TeamUrl::parse(&url).unwrap();
        let mut conn = super::super::pg::connect(&url).unwrap();
        conn.pooler = None;
        Db::postgres(conn)
    }

    #[test]
    fn a_statement_gone_missing_behind_a_pooler_is_sent_again_unnamed_and_so_is_every_next() {
        let a = through_an_unseen_pooler();
        let b = through_an_unseen_pooler();
        let pid = "SELECT CAST(pg_backend_pid() AS BIGINT), CAST(?1 AS BIGINT) + 1";
        // Met once it goes unnamed; the second time it is prepared on the server A is given.
        a.query_row(pid, [1], |r| r.get::<i64>(0)).unwrap();
        let first: i64 = a.query_row(pid, [1], |r| r.get(0)).unwrap();
        // B holds the server A prepared its statement on: A's next run is on another one,
        // where its statement is not.
        b.execute_batch("BEGIN").unwrap();
        let held: i64 = b.query_row(pid, [1], |r| r.get(0)).unwrap();
        assert_eq!(held, first, "the pooler handed B the server A let go of");
        let (other, sum): (i64, i64) = a
            .query_row(pid, [41], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_ne!(other, first, "A ran on another server");
        assert_eq!(sum, 42, "and its statement was sent again, unnamed");
        assert!(
            a.transaction_pooler().is_some(),
            "A now knows of the pooler"
        );
        b.execute_batch("COMMIT").unwrap();
        // From now on nothing is prepared: every statement goes unnamed, whatever server
        // the pooler hands over.
        let Db::Postgres(pg) = &a else { unreachable!() };
        let kept = pg.borrow().prepared.len();
        let n: i64 = a
            .query_row("SELECT CAST(?1 AS BIGINT) * 2", [21], |r| r.get(0))
            .unwrap();
        assert_eq!((n, pg.borrow().prepared.len()), (42, kept));
    }

    #[test]
    fn unnamed_statements_send_every_kind_of_value_as_the_server_reads_it() {
        let db = through_an_unseen_pooler();
        db.execute_batch("BEGIN").unwrap();
        let Db::Postgres(pg) = &db else {
            unreachable!()
        };
        pg.borrow_mut().client.pooler = Some(super::super::pg::found_pooler());
        db.execute_batch(
            "CREATE TEMP TABLE v (i BIGINT, f DOUBLE PRECISION, t TEXT, b BYTEA, ok BOOLEAN)",
        )
        .unwrap();
        let blob = vec![0u8, 1, 0xfe, b'\\', b'\''];
        let rows = [
            (
                Value::Integer(-7),
                Value::Real(0.1),
                Value::Text("it's \\ \"q\" é".into()),
                Value::Blob(blob.clone()),
                Value::Integer(1),
            ),
            (
                Value::Null,
                Value::Real(f64::INFINITY),
                Value::Null,
                Value::Null,
                Value::Integer(0),
            ),
        ];
        for (i, f, t, b, ok) in &rows {
            db.prepare_cached("INSERT INTO v (i, f, t, b, ok) VALUES (?1, ?2, ?3, ?4, ?5)")
                .unwrap()
                .write(params![i, f, t, b, ok])
                .unwrap();
        }
        let back = db
            .query_map("SELECT i, f, t, b, ok FROM v ORDER BY f", [], |r| {
                Ok((
                    r.get::<Value>(0)?,
                    r.get::<Value>(1)?,
                    r.get::<Value>(2)?,
                    r.get::<Value>(3)?,
                    r.get::<Value>(4)?,
                ))
            })
            .unwrap();
        assert_eq!(back, rows);
        db.execute_batch("ROLLBACK").unwrap();
    }

    /// The same statements, model types and all, read the same on both engines.
    fn round_trip(db: &Db) {
        db.execute_batch(match db.dialect() {
            Dialect::Sqlite => "CREATE TEMP TABLE t (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT, n INTEGER, at TEXT)",
            Dialect::Postgres => "CREATE TEMP TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, kind TEXT NOT NULL, name TEXT, n BIGINT, at TEXT)",
        })
        .unwrap();
        let at: Stamp = "2026-12-04T09:30:00Z".parse().unwrap();
        let first = RecordId(
            db.prepare_cached("INSERT INTO t (kind, name, n, at) VALUES (?1, ?2, ?3, ?4)")
                .unwrap()
                .insert(params![
                    RecordKind::Deal,
                    "Lumen's \"Optics\" ?1",
                    42i64,
                    at
                ])
                .unwrap(),
        );
        let none: Option<String> = None;
        db.execute(
            "INSERT INTO t (kind, name, n, at) VALUES (?1, ?2, ?3, ?4)",
            params![RecordKind::Lead, none, -7i64, at],
        )
        .unwrap();
        let rows = db
            .query_map("SELECT id, kind, name, n, at FROM t ORDER BY id", [], |r| {
                Ok((
                    r.get::<RecordId>(0)?,
                    r.get::<RecordKind>(1)?,
                    r.get::<Option<String>>(2)?,
                    r.get::<i64>(3)?,
                    r.get::<Stamp>(4)?,
                ))
            })
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, first);
        assert_eq!(rows[0].1, RecordKind::Deal);
        assert_eq!(rows[0].2.as_deref(), Some("Lumen's \"Optics\" ?1"));
        assert_eq!((rows[0].3, rows[0].4), (42, at));
        assert_eq!(
            (rows[1].1, rows[1].2.clone(), rows[1].3),
            (RecordKind::Lead, None, -7)
        );
        let counted: u64 = db
            .query_row(
                "SELECT count(*) FROM t WHERE n > ?1 AND kind = ?2",
                params![0i64, RecordKind::Deal],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(counted, 1);
        let missing = db
            .query_row("SELECT name FROM t WHERE id = ?1", [first.0 + 100], |r| {
                r.get::<String>(0)
            })
            .optional()
            .unwrap();
        assert_eq!(missing, None);
        let mut seen = Vec::new();
        db.each(
            "SELECT n FROM t WHERE kind IN (?1, ?2) ORDER BY n",
            params!["deal", "lead"],
            |r| {
                seen.push(r.get::<i64>(0)?);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, [-7, 42]);
        assert_eq!(
            db.execute("UPDATE t SET n = n + 1 WHERE n < ?1", [100i64])
                .unwrap(),
            2
        );
        // The same failure is the same error, whichever engine met it.
        db.execute_batch("CREATE UNIQUE INDEX t_name ON t (name)")
            .unwrap();
        let twice = db
            .execute(
                "INSERT INTO t (kind, name, n, at) VALUES (?1, ?2, ?3, ?4)",
                params![RecordKind::Deal, "Lumen's \"Optics\" ?1", 1i64, at],
            )
            .unwrap_err();
        assert_eq!(twice.kind(), "internal", "{twice}");
        assert!(
            matches!(&twice, Error::Db(e) if e.what() == Failure::Unique),
            "{twice:?}"
        );
        let nothing = db
            .query_row("SELECT n FROM t WHERE id = ?1", [first.0 + 100], |r| {
                r.get::<i64>(0)
            })
            .unwrap_err();
        assert!(
            matches!(&nothing, Error::Db(e) if e.what() == Failure::NoRows),
            "{nothing:?}"
        );
        let wrong = db
            .query_row("SELECT name FROM t WHERE id = ?1", [first], |r| {
                r.get::<i64>(0)
            })
            .unwrap_err();
        assert!(
            matches!(&wrong, Error::Db(e) if e.what() == Failure::Value),
            "{wrong:?}"
        );
    }

    #[test]
    fn a_query_reads_the_same_on_sqlite() {
        round_trip(&Db::in_memory());
    }

    #[test]
    fn a_query_reads_the_same_on_postgres() {
        round_trip(&team());
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused_in_words_on_postgres() {
        let db = team();
        db.execute_batch("CREATE TEMP TABLE u (n BIGINT)").unwrap();
        let insert = "INSERT INTO u (n) VALUES (?1)";
        // The first time a statement goes whole, its values as text: the server reads them.
        let e = db
            .execute(insert, ["not a number"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid input syntax for type bigint"), "{e}");
        // Prepared (from the second time), each value is converted here, to the type the
        // server gave its parameter.
        let e = db
            .execute(insert, ["not a number"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be stored as int8"), "{e}");
        db.execute(insert, ["42"]).unwrap();
    }

    /// A table of this test's own in the shared test database, with one row (1, 1), and a
    /// second connection to change it meanwhile, as a teammate would.
    fn one_row(table: &str) -> (Db, Db) {
        let (db, teammate) = (team(), team());
        teammate
            .execute_batch(&format!(
                "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (id BIGINT PRIMARY KEY, n BIGINT);
                 INSERT INTO {table} VALUES (1, 1)"
            ))
            .unwrap();
        (db, teammate)
    }

    /// Reads inside [`Db::ahead`] take the rows read before it (a teammate's change made
    /// meanwhile is not in them), each once; one not read ahead, and every read after it, asks
    /// the server.
    #[test]
    fn reads_ahead_are_taken_once_each_and_forgotten_after_on_postgres() {
        let (db, teammate) = one_row("ahead_once");
        let read = "SELECT n FROM ahead_once WHERE id = ?1";
        let n = || db.query_row(read, [1i64], |r| r.get::<i64>(0)).unwrap();
        let bump = || {
            teammate
                .execute("UPDATE ahead_once SET n = n + 1 WHERE id = 1", [])
                .unwrap()
        };
        let seen = db
            .ahead(&[(read, &[&1i64]), (read, &[&1i64])], || {
                bump();
                let (first, second) = (n(), n());
                Ok((first, second, n()))
            })
            .unwrap();
        assert_eq!(seen, (1, 1, 2), "read ahead twice, then the server's");
        // Left untaken, a read ahead is forgotten when its scope ends.
        db.ahead(&[(read, &[&1i64])], || Ok(bump())).unwrap();
        assert_eq!(n(), 3);
        teammate.execute_batch("DROP TABLE ahead_once").unwrap();
    }

    /// A read sent without waiting comes back with the next statement's answer, as things
    /// stood when it was sent, and is taken once; on a workspace file nothing is sent.
    #[test]
    fn a_read_sent_later_comes_back_with_the_next_statement_on_postgres() {
        let (db, teammate) = one_row("read_later");
        let read = "SELECT n FROM read_later WHERE id = ?1";
        let later = db.read_later(read, [1i64]).unwrap();
        assert!(later.sent());
        let n = |later: &ReadSent| db.later_rows(later, |r| r.get::<i64>(0)).unwrap();
        assert_eq!(n(&later), None, "nothing has waited for an answer yet");
        db.flush().unwrap();
        teammate
            .execute("UPDATE read_later SET n = 2 WHERE id = 1", [])
            .unwrap();
        assert_eq!(n(&later), Some(vec![1]));
        assert_eq!(n(&later), None, "taken once");
        let file = Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap());
        assert!(!file.read_later("SELECT 1", []).unwrap().sent());
        teammate.execute_batch("DROP TABLE read_later").unwrap();
    }

    /// A screen drawn again reads ahead what it read the last time: what it reads is from
    /// before it began (a change made while it draws is for the next drawing).
    #[test]
    fn a_screen_drawn_again_reads_ahead_what_it_read_last_time_on_postgres() {
        let (db, teammate) = one_row("ahead_screen");
        let draw = || {
            db.reading("the screen", || {
                teammate
                    .execute("UPDATE ahead_screen SET n = n * 10 WHERE id = 1", [])
                    .unwrap();
                db.query_row("SELECT n FROM ahead_screen WHERE id = ?1", [1i64], |r| {
                    r.get::<i64>(0)
                })
            })
            .unwrap()
        };
        assert_eq!(draw(), 10, "the first time, each read asks the server");
        assert_eq!(
            draw(),
            10,
            "the second, it was read before the drawing began"
        );
        assert_eq!(draw(), 100);
        teammate.execute_batch("DROP TABLE ahead_screen").unwrap();
    }

    /// A write met the second time is prepared alongside, without a round trip of its own,
    /// and from the third on runs as that statement; every one of them lands.
    #[test]
    fn a_write_met_again_is_prepared_alongside_and_every_one_lands_on_postgres() {
        let (db, teammate) = one_row("prepared_write");
        let write = "UPDATE prepared_write SET n = n + ?2 WHERE id = ?1";
        let Db::Postgres(pg) = &db else {
            unreachable!()
        };
        for (k, prepared) in [(1i64, false), (2, false), (3, true), (4, true)] {
            db.prepare_cached(write).unwrap().write([1, k]).unwrap();
            db.flush().unwrap();
            assert_eq!(
                pg.borrow().prepared.contains_key(write),
                prepared,
                "write {k}"
            );
        }
        let n: i64 = db
            .query_row("SELECT n FROM prepared_write WHERE id = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(n, 11);
        teammate.execute_batch("DROP TABLE prepared_write").unwrap();
    }

    /// Pipelined writes run in the order they were written, and a read after them sees them
    /// all, past the number that makes the connection collect the answers on its own.
    #[test]
    fn pipelined_writes_land_in_order_before_the_next_read_on_postgres() {
        let db = team();
        db.execute_batch("CREATE TEMP TABLE w (id BIGINT PRIMARY KEY, n BIGINT)")
            .unwrap();
        db.execute_batch("BEGIN").unwrap();
        let mut insert = db
            .prepare_cached("INSERT INTO w (id, n) VALUES (?1, ?2)")
            .unwrap();
        let mut update = db
            .prepare_cached("UPDATE w SET n = n * 2 WHERE id = ?1")
            .unwrap();
        for i in 0..600i64 {
            insert.write(params![i, i]).unwrap();
            update.write([i]).unwrap();
        }
        let (count, sum): (i64, i64) = db
            .query_row("SELECT count(*), CAST(sum(n) AS BIGINT) FROM w", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, sum), (600, 2 * (0..600).sum::<i64>()));
        db.end(true).unwrap();
    }

    /// A write does not wait for its answer: one held up by a teammate's lock returns at once
    /// and lands once the lock is let go (waiting for each answer, it would give up after the
    /// lock timeout instead).
    #[test]
    fn a_write_does_not_wait_for_its_answer_on_postgres() {
        let url = std::env::var("BATON_TEST_PG").unwrap();
        let db = team();
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS pipelined_lock (id BIGINT PRIMARY KEY, n BIGINT);
             DELETE FROM pipelined_lock WHERE id = 1;
             INSERT INTO pipelined_lock VALUES (1, 0)",
        )
        .unwrap();
        let mut teammate =
            postgres::Client::connect(&url.replace("?sslmode=disable", ""), postgres::NoTls)
                .unwrap();
        let mut holds = teammate.transaction().unwrap();
        holds
            .execute("UPDATE pipelined_lock SET n = 1 WHERE id = 1", &[])
            .unwrap();
        db.execute_batch("BEGIN; SET LOCAL lock_timeout = '3s'")
            .unwrap();
        db.prepare_cached("UPDATE pipelined_lock SET n = n + 10 WHERE id = ?1")
            .unwrap()
            .write([1i64])
            .unwrap();
        holds.commit().unwrap();
        let n: i64 = db
            .query_row("SELECT n FROM pipelined_lock WHERE id = 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        db.end(true).unwrap();
        assert_eq!(n, 11);
        db.execute_batch("DROP TABLE pipelined_lock").unwrap();
    }

    #[test]
    fn the_statement_for_many_rows_is_derived_from_the_one_for_one() {
        assert_eq!(
            many_of(
                "INSERT INTO t (a, b, c, d) VALUES (?1, (SELECT id FROM p WHERE name = ?2 AND note = '?9'), ?2, ?1)",
                &["int8", "text"],
            )
            .unwrap(),
            "INSERT INTO t (a, b, c, d) SELECT u.p1, (SELECT id FROM p WHERE name = u.p2 AND note = '?9'), u.p2, u.p1 FROM unnest(?1::int8[], ?2::text[]) AS u (p1, p2)"
        );
        assert_eq!(many_of("UPDATE t SET a = ?1", &["int8"]), None);
        assert_eq!(many_of("INSERT INTO t (a) VALUES (?2)", &["int8"]), None);
    }

    /// Rows inserted while gathering go as one statement per table, parents first whatever
    /// order they were met in, and each table's rows in the order given (the ids a sequence
    /// gives them follow it); a read meanwhile sees every row inserted before it.
    #[test]
    fn gathered_rows_go_parents_first_in_order_and_reads_see_them_on_postgres() {
        let db = team();
        db.execute_batch(
            "CREATE TEMP TABLE gp (id BIGINT PRIMARY KEY, name TEXT);
             CREATE TEMP TABLE gc (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                                   parent BIGINT NOT NULL REFERENCES gp (id), what TEXT)",
        )
        .unwrap();
        let parent = |id: i64| {
            db.insert(
                "INSERT INTO gp (id, name) VALUES (?1, ?2)",
                params![id, format!("p{id}")],
            )
        };
        let child = |parent: i64, what: Option<&str>| {
            db.insert(
                "INSERT INTO gc (parent, what) VALUES (?1, ?2)",
                params![parent, what],
            )
        };
        db.execute_batch("BEGIN").unwrap();
        let seen = db
            .gathered(|| {
                parent(1)?;
                child(1, Some("a"))?;
                child(1, None)?;
                // Children met first after this read: their parent still goes before them.
                let seen: i64 = db.query_row("SELECT count(*) FROM gc", [], |r| r.get(0))?;
                child(2, Some("b"))?;
                parent(2)?;
                child(2, Some("c"))?;
                Ok(seen)
            })
            .unwrap();
        assert_eq!(seen, 2);
        let rows: Vec<(i64, i64, Option<String>)> = db
            .query_map("SELECT id, parent, what FROM gc ORDER BY id", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        db.end(true).unwrap();
        assert_eq!(
            rows,
            [
                (1, 1, Some("a".into())),
                (2, 1, None),
                (3, 2, Some("b".into())),
                (4, 2, Some("c".into()))
            ]
        );
    }

    /// A CRM id a teammate's import stored first (the unique index on records' CRM ids) is a
    /// collision, said as one; any other duplicate is the server's own sentence.
    #[test]
    fn a_crm_id_stored_meanwhile_is_a_collision_on_postgres() {
        let db = team();
        db.execute_batch(
            "CREATE TEMP TABLE crm (id BIGINT, other BIGINT);
             CREATE UNIQUE INDEX records_external ON crm (id);
             CREATE UNIQUE INDEX crm_other ON crm (other);
             INSERT INTO crm VALUES (1, 1)",
        )
        .unwrap();
        let e = db.execute("INSERT INTO crm VALUES (1, 2)", []).unwrap_err();
        assert!(super::super::pg::collided(&e), "{e}");
        let e = db.execute("INSERT INTO crm VALUES (2, 1)", []).unwrap_err();
        assert!(!super::super::pg::collided(&e), "{e}");
        assert!(e.to_string().contains("duplicate key"), "{e}");
    }

    /// What a gathering that failed kept is never sent, and the connection goes on as before.
    #[test]
    fn a_failed_gathering_sends_nothing_and_stops_gathering_on_postgres() {
        let db = team();
        db.execute_batch("CREATE TEMP TABLE gf (id BIGINT PRIMARY KEY)")
            .unwrap();
        let insert = |id: i64| db.insert("INSERT INTO gf (id) VALUES (?1)", [id]);
        let failed = db.gathered(|| {
            insert(1)?;
            Err::<(), _>(Error::Conflict("stopped".into()))
        });
        assert!(failed.is_err());
        insert(2).unwrap();
        let ids: Vec<i64> = db
            .query_map("SELECT id FROM gf ORDER BY id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ids, [2]);
    }

    /// The first pipelined write the server refuses is the error the next statement reports
    /// (not the "transaction is aborted" of those after it), and nothing of the transaction
    /// is kept; rolling back instead forgets it quietly.
    #[test]
    fn a_refused_pipelined_write_fails_the_commit_and_keeps_nothing_on_postgres() {
        let db = team();
        db.execute_batch("CREATE TEMP TABLE x (id BIGINT PRIMARY KEY)")
            .unwrap();
        let insert = |id: i64| {
            db.prepare_cached("INSERT INTO x (id) VALUES (?1)")
                .unwrap()
                .write([id])
                .unwrap()
        };
        db.execute_batch("BEGIN").unwrap();
        for id in [1, 2, 1, 3] {
            insert(id);
        }
        let e = db.end(true).unwrap_err().to_string();
        assert!(e.contains("duplicate key"), "{e}");
        let kept: i64 = db
            .query_row("SELECT count(*) FROM x", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 0);
        db.execute_batch("BEGIN").unwrap();
        for id in [4, 4] {
            insert(id);
        }
        db.end(false).unwrap();
        let kept: i64 = db
            .query_row("SELECT count(*) FROM x", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 0);
        // A value the column cannot hold is refused as it is written.
        let e = db
            .prepare_cached("INSERT INTO x (id) VALUES (?1)")
            .unwrap()
            .write(["not a number"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be stored as int8"), "{e}");
    }

    #[test]
    fn numbered_and_bare_placeholders_become_dollars_outside_quotes_and_comments() {
        assert_eq!(
            placeholders(
                "SELECT a FROM t WHERE a = ?1 AND b = ?12 -- ?3\n AND c = '?4' AND \"?5\" = ?"
            ),
            "SELECT a FROM t WHERE a = $1 AND b = $12 -- ?3\n AND c = '?4' AND \"?5\" = $13"
        );
        assert_eq!(
            placeholders("VALUES (?, ?, 'it''s ?')"),
            "VALUES ($1, $2, 'it''s ?')"
        );
    }
}
