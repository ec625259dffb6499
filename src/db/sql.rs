//! The dialect layer: each query is written once, in the SQL that SQLite and PostgreSQL both
//! speak, and runs on a laptop's workspace file or a team's database alike.
//!
//! Why a small layer of our own and not a query builder: Baton's queries are plain SQL that
//! already reads the same on both engines once three things are bridged, and a builder would
//! mean rewriting every one of them into method chains. What differs is bridged here:
//!
//! - **Placeholders.** Queries use SQLite's numbered `?1`; PostgreSQL gets `$1` (rewritten
//!   outside string literals, quoted names and comments).
//! - **Values.** Both sides speak SQLite's value model — null, integer, real, text, blob —
//!   through rusqlite's `ToSql`/`FromSql`, which every model type implements. On PostgreSQL a
//!   bound value is converted to the type the server expects for that parameter (the team
//!   schema keeps SQLite's: `BIGINT` and `TEXT`), and each result column back into a value.
//! - **Spelling.** Where the engines disagree (an upsert, a date function), [`Db::dialect`]
//!   says which one is asked, and the query names both texts side by side.
//!
//! Statements are prepared once per connection and kept (rusqlite's statement cache; a map of
//! prepared statements on PostgreSQL). A write whose answer is not read ([`Stmt::write`]) is
//! pipelined on PostgreSQL (see [`super::pg`]).

use crate::error::{Error, Result};
use rusqlite::types::{FromSql, ToSql, ToSqlOutput, Value, ValueRef};
use std::cell::RefCell;
use std::collections::HashMap;

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
}

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

/// The values a statement is run with: `params![…]`, `[a, b]` or `[]`, as with rusqlite.
pub(crate) trait Params {
    /// Calls `f` with the values, in placeholder order (without allocating: an import binds
    /// a few dozen statements per row).
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R;
}

impl Params for &[&dyn ToSql] {
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(self)
    }
}

impl Params for [&(dyn ToSql + Send + Sync); 0] {
    fn with<R>(&self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
        f(&[])
    }
}

macro_rules! array_params {
    ($($n:literal)*) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn with<R>(&self, f: impl FnOnce(&[&dyn ToSql]) -> R) -> R {
                let values: [&dyn ToSql; $n] = std::array::from_fn(|i| &self[i] as &dyn ToSql);
                f(&values)
            }
        }
    )*};
}
array_params!(1 2 3 4 5 6 7 8 9 10 11 12);

/// One result row, read with `get` as rusqlite's is.
pub(crate) enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Values(&'a [Value]),
}

impl Row<'_> {
    /// Column `i` as a `T`.
    pub(crate) fn get<T: FromSql>(&self, i: usize) -> rusqlite::Result<T> {
        match self {
            Row::Sqlite(r) => r.get(i),
            Row::Values(v) => {
                let value = v.get(i).ok_or(rusqlite::Error::InvalidColumnIndex(i))?;
                T::column_result(ValueRef::from(value)).map_err(|e| match e {
                    rusqlite::types::FromSqlError::InvalidType => {
                        rusqlite::Error::InvalidColumnType(
                            i,
                            format!("column {i}"),
                            value.data_type(),
                        )
                    }
                    other => rusqlite::Error::FromSqlConversionFailure(
                        i,
                        value.data_type(),
                        Box::new(other),
                    ),
                })
            }
        }
    }
}

/// `Ok(None)` for a query that found no row, as rusqlite's `optional()`.
pub(crate) trait Optional<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> Optional<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::Db(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
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
        })))
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
            Db::Postgres(pg) => Ok(std::cell::RefMut::map(pg.borrow_mut(), |pg| &mut pg.client)),
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
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Every row of a query, each read by `f`.
    pub(crate) fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
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
            Db::Sqlite(c) => Stmt::Sqlite(c.prepare_cached(sql)?),
            Db::Postgres(pg) => Stmt::Postgres {
                pg,
                sql: sql.to_string(),
            },
        })
    }

    /// `n` new ids from each of two tables' sequences on a team workspace, each list in order:
    /// rows sent without waiting for their ids take them (the same ids, in the same order, as
    /// inserting them one at a time would give). The sequences are looked up once, not for
    /// every id (that took 3 ms for 500 ids).
    pub(crate) fn next_ids(&self, tables: [&str; 2], n: usize) -> Result<[Vec<i64>; 2]> {
        let pairs: Vec<(i64, i64)> = self.query_map(
            "WITH seq AS MATERIALIZED (
                 SELECT CAST(pg_get_serial_sequence(?1, 'id') AS regclass) AS a,
                        CAST(pg_get_serial_sequence(?2, 'id') AS regclass) AS b)
             SELECT nextval(seq.a), nextval(seq.b) FROM seq, generate_series(1, ?3)",
            rusqlite::params![tables[0], tables[1], n as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (mut a, mut b): (Vec<i64>, Vec<i64>) = pairs.into_iter().unzip();
        a.sort_unstable();
        b.sort_unstable();
        Ok([a, b])
    }

    /// Runs `f` in one transaction (a team workspace's migrations and `team push`; writes go
    /// through the workspace's write funnel): kept when it succeeds, rolled back when not.
    pub(crate) fn transaction<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.execute_batch("BEGIN")?;
        let done = f();
        let ended = self.end(done.is_ok());
        let done = done?;
        ended?;
        Ok(done)
    }

    /// Opens a team workspace's write: one serializable transaction, so the database, not the
    /// timing, keeps two laptops' writes apart.
    pub(crate) fn begin_serializable(&self) -> Result<()> {
        self.execute_batch("BEGIN ISOLATION LEVEL SERIALIZABLE")
    }

    /// Ends the open transaction, keeping what it wrote or not. A pipelined write that failed
    /// fails the commit (the server has rolled the transaction back).
    pub(crate) fn end(&self, keep: bool) -> Result<()> {
        if let (Db::Postgres(pg), false) = (self, keep) {
            pg.borrow_mut().client.discard();
        }
        self.execute_batch(if keep { "COMMIT" } else { "ROLLBACK" })
    }

    /// Asks the team workspace's server to wake this connection whenever a notification for
    /// anyone is committed (see [`Db::wait_for_wake`]).
    pub(crate) fn listen_to_inbox(&self) -> Result<()> {
        self.listen("baton_inbox")
    }

    /// Asks the team workspace's server to wake this connection on every NOTIFY of `channel`.
    pub(crate) fn listen(&self, channel: &'static str) -> Result<()> {
        self.postgres_client()?
            .batch_execute(&format!("LISTEN {channel}"))
            .map_err(crate::team::queries::db)
    }

    /// Waits up to `timeout` for the server to wake this connection (a notification, a write,
    /// as it listens); whether it did. Every wake-up waiting is taken, so one answer serves them
    /// all.
    pub(crate) fn wait_for_wake(&self, timeout: std::time::Duration) -> Result<bool> {
        self.postgres_client()?
            .wait_for_wake(timeout)
            .map_err(crate::team::queries::db)
    }

    /// A team workspace table's columns (in order) and its primary key's, from PostgreSQL's
    /// catalogue.
    pub(crate) fn team_table(&self, table: &str) -> Result<(Vec<String>, Vec<String>)> {
        let columns = self.query_map(
            "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
            [table],
            |r| r.get(0),
        )?;
        let key = self.query_map(
            "SELECT a.attname::text FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
              WHERE i.indrelid = CAST(CAST(?1 AS TEXT) AS regclass) AND i.indisprimary
              ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)",
            [table],
            |r| r.get(0),
        )?;
        Ok((columns, key))
    }

    /// Runs statements separated by `;`, with no values.
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(pg) => pg
                .borrow_mut()
                .client
                .batch_execute(sql)
                .map_err(crate::team::queries::db),
        }
    }
}

/// A statement of one connection, prepared once and run as often as needed (an import runs
/// a few dozen per row: on SQLite the prepared statement itself is held, never looked up
/// again).
pub(crate) enum Stmt<'a> {
    Sqlite(rusqlite::CachedStatement<'a>),
    Postgres { pg: &'a RefCell<Pg>, sql: String },
}

impl Stmt<'_> {
    /// Runs a write whose answer is not read: on PostgreSQL it is sent at once and answered
    /// with the next statement (a failure is reported there, or at the commit).
    pub(crate) fn write(&mut self, params: impl Params) -> Result<()> {
        match self {
            Stmt::Sqlite(st) => params.with(|v| st.execute(v).map(|_| ()).map_err(Into::into)),
            Stmt::Postgres { pg, sql } => {
                let mut pg = pg.borrow_mut();
                let (st, values) = pg.bind(sql, &params)?;
                pg.client
                    .defer(st, values)
                    .map_err(crate::team::queries::db)
            }
        }
    }

    /// [`Db::execute`].
    pub(crate) fn execute(&mut self, params: impl Params) -> Result<usize> {
        match self {
            Stmt::Sqlite(st) => params.with(|v| Ok(st.execute(v)?)),
            Stmt::Postgres { pg, sql } => {
                let mut pg = pg.borrow_mut();
                let (st, values) = pg.bind(sql, &params)?;
                let n = pg
                    .client
                    .execute(&st, &as_pg(&values))
                    .map_err(crate::team::queries::db)?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs an `INSERT` of one row and returns its `id`: SQLite's rowid (a `RETURNING`
    /// clause there would write a statement journal for every row: an import's first run took
    /// 40% longer), PostgreSQL's `RETURNING id`.
    pub(crate) fn insert(&mut self, params: impl Params) -> Result<i64> {
        match self {
            Stmt::Sqlite(st) => params.with(|v| Ok(st.insert(v)?)),
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
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        match self {
            Stmt::Sqlite(st) => params.with(|v| Ok(st.query_row(v, |r| f(&Row::Sqlite(r)))?)),
            Stmt::Postgres { pg, sql } => {
                let rows = Pg::rows(pg, sql, &params)?;
                let first = rows
                    .first()
                    .ok_or(Error::Db(rusqlite::Error::QueryReturnedNoRows))?;
                Ok(f(&Row::Values(&values_of(first)?))?)
            }
        }
    }

    /// [`Db::query_map`].
    pub(crate) fn query_map<T>(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
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
            Stmt::Sqlite(st) => params.with(|v| {
                let mut rows = st.query(v)?;
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
        let (st, values) = pg.bind(sql, params)?;
        pg.client
            .query(&st, &as_pg(&values))
            .map_err(crate::team::queries::db)
    }

    /// The statement for `sql` (prepared on first use) and the values it is run with.
    fn bind(
        &mut self,
        sql: &str,
        params: &impl Params,
    ) -> Result<(tokio_postgres::Statement, Vec<PgValue>)> {
        let st = match self.prepared.get(sql) {
            Some(st) => st.clone(),
            None => {
                let st = self
                    .client
                    .prepare(&placeholders(sql))
                    .map_err(crate::team::queries::db)?;
                self.prepared.insert(sql.to_string(), st.clone());
                st
            }
        };
        let values = params.with(|v| {
            v.iter()
                .map(|v| {
                    Ok(PgValue(match v.to_sql()? {
                        ToSqlOutput::Borrowed(r) => Value::from(r),
                        ToSqlOutput::Owned(v) => v,
                        _ => return Err(Error::Conflict("a value Baton cannot store".into())),
                    }))
                })
                .collect::<Result<Vec<_>>>()
        })?;
        if values.len() != st.params().len() {
            return Err(Error::Db(rusqlite::Error::InvalidParameterCount(
                values.len(),
                st.params().len(),
            )));
        }
        Ok((st, values))
    }
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
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut next = 1u32;
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
                let n = match digits.parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => next,
                };
                next = n + 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            c => out.push(c),
        }
    }
    out
}

/// A value bound to a PostgreSQL parameter, converted to the type the server asks for.
#[derive(Debug)]
pub(crate) struct PgValue(Value);

impl tokio_postgres::types::ToSql for PgValue {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        use tokio_postgres::types::Type;
        let wrong = || -> Box<dyn std::error::Error + Sync + Send> {
            format!("a {:?} value cannot be stored as {ty}", self.0.data_type()).into()
        };
        match &self.0 {
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
                _ => Err(wrong()),
            },
        }
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
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
    let got = |e: tokio_postgres::Error| crate::team::queries::db(e);
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
    use crate::model::{RecordId, RecordKind};
    use rusqlite::params;

    /// The test cluster `cargo xtask test` starts; run alone, this fails and says so.
    fn team() -> Db {
        let url = std::env::var("BATON_TEST_PG").expect(
            "BATON_TEST_PG is not set: run the tests with cargo xtask test, which starts PostgreSQL",
        );
        let url = crate::team::TeamUrl::parse(&url).unwrap();
        Db::postgres(crate::team::connect(&url).unwrap())
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
    }

    #[test]
    fn a_query_reads_the_same_on_sqlite() {
        round_trip(&Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap()));
    }

    #[test]
    fn a_query_reads_the_same_on_postgres() {
        round_trip(&team());
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused_in_words_on_postgres() {
        let db = team();
        db.execute_batch("CREATE TEMP TABLE u (n BIGINT)").unwrap();
        let e = db
            .execute("INSERT INTO u (n) VALUES (?1)", ["not a number"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be stored as int8"), "{e}");
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
