//! SQLite's side of Baton's values and errors (rusqlite): what is bound, what is read, and
//! what its failures mean.

pub(crate) mod capture;

use super::value::{Bound, DbError, Failure, ToValue, ValueRef};
use crate::error::Error;
use rusqlite::types::{ToSqlOutput, ValueRef as SqliteRef};

/// Binds `values` to `st`'s placeholders, in order, without collecting them (an import binds a
/// few dozen statements per row); a count that does not match is refused.
pub(super) fn bind(st: &mut rusqlite::Statement<'_>, values: &[&dyn ToValue]) -> Result<(), Error> {
    if values.len() != st.parameter_count() {
        return Err(super::sql::wrong_count(values.len(), st.parameter_count()));
    }
    for (i, v) in values.iter().enumerate() {
        st.raw_bind_parameter(i + 1, Bind(*v))?;
    }
    Ok(())
}

/// One of Baton's values as rusqlite binds it.
struct Bind<'a>(&'a dyn ToValue);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let bound = self
            .0
            .to_value()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.to_string().into()))?;
        Ok(match bound {
            Bound::Ref(v) => ToSqlOutput::Borrowed(match v {
                ValueRef::Null => SqliteRef::Null,
                ValueRef::Integer(i) => SqliteRef::Integer(i),
                ValueRef::Real(f) => SqliteRef::Real(f),
                ValueRef::Text(s) => SqliteRef::Text(s.as_bytes()),
                ValueRef::Blob(b) => SqliteRef::Blob(b),
            }),
            Bound::Owned(v) => ToSqlOutput::Owned(match v {
                super::Value::Null => rusqlite::types::Value::Null,
                super::Value::Integer(i) => rusqlite::types::Value::Integer(i),
                super::Value::Real(f) => rusqlite::types::Value::Real(f),
                super::Value::Text(s) => rusqlite::types::Value::Text(s),
                super::Value::Blob(b) => rusqlite::types::Value::Blob(b),
            }),
        })
    }
}

/// A cell of a SQLite row as Baton's value; text that is not UTF-8 is an error, as rusqlite's
/// own reading of it is.
pub(super) fn value_ref(v: SqliteRef<'_>) -> Result<ValueRef<'_>, super::ValueError> {
    Ok(match v {
        SqliteRef::Null => ValueRef::Null,
        SqliteRef::Integer(i) => ValueRef::Integer(i),
        SqliteRef::Real(f) => ValueRef::Real(f),
        SqliteRef::Text(t) => ValueRef::Text(
            std::str::from_utf8(t).map_err(|e| super::ValueError::Invalid(e.to_string()))?,
        ),
        SqliteRef::Blob(b) => ValueRef::Blob(b),
    })
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        let what = match &e {
            rusqlite::Error::QueryReturnedNoRows => Failure::NoRows,
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                C::ConstraintViolation
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                        || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                {
                    Failure::Unique
                }
                C::DatabaseBusy | C::DatabaseLocked => Failure::Busy,
                C::DiskFull => Failure::DiskFull,
                C::DatabaseCorrupt | C::NotADatabase => Failure::Damaged,
                _ => Failure::Other,
            },
            rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::ToSqlConversionFailure(..) => Failure::Value,
            _ => Failure::Other,
        };
        DbError::new(what, e.to_string())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Db(e.into())
    }
}

/// Baton's values as rusqlite's parameters, for what runs on a file's connection itself (the
/// change log's triggers and revert, the migrations).
pub(super) fn bound<'a>(values: &'a [&'a dyn ToValue]) -> impl rusqlite::Params + 'a {
    rusqlite::params_from_iter(values.iter().map(|v| Bind(*v)))
}

/// Copies the workspace file `db` to `dest` with SQLite's backup API, through a read-only
/// connection of its own, which sees only what is committed.
pub(crate) fn backup(db: &std::path::Path, dest: &std::path::Path) -> Result<(), DbError> {
    use rusqlite::OpenFlags;
    let from = rusqlite::Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    Ok(from.backup(rusqlite::DatabaseName::Main, dest, None)?)
}

/// A workspace file's write, its write lock taken up front (SQLite's IMMEDIATE), so that a
/// writer arriving later waits for it instead of failing half-way on a lock it could not
/// upgrade. The change log's triggers and statements run on it as on the connection.
pub(crate) struct FileWrite<'a>(rusqlite::Transaction<'a>);

impl std::ops::Deref for FileWrite<'_> {
    type Target = rusqlite::Connection;
    fn deref(&self) -> &rusqlite::Connection {
        &self.0
    }
}

impl FileWrite<'_> {
    /// Keeps what the write did.
    pub(crate) fn commit(self) -> Result<(), Error> {
        Ok(self.0.commit()?)
    }

    /// Undoes what the write did.
    pub(crate) fn rollback(self) -> Result<(), Error> {
        Ok(self.0.rollback()?)
    }
}

impl super::sql::Db {
    /// Opens the file's write, waiting up to `wait` for another program's to end: `None`
    /// while that one still holds the lock. Statements wait [`super::BUSY_TIMEOUT`] again.
    pub(crate) fn begin_file_write(
        &self,
        wait: std::time::Duration,
    ) -> Result<Option<FileWrite<'_>>, Error> {
        let conn = self.sqlite()?;
        conn.busy_timeout(wait)?;
        // Unchecked only in that it takes `&Connection`: the workspace's write funnel is the
        // one place a transaction opens, so none can be open already.
        let begun =
            rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate);
        conn.busy_timeout(super::BUSY_TIMEOUT)?;
        match begun {
            Ok(tx) => Ok(Some(FileWrite(tx))),
            Err(e) => match DbError::from(e) {
                busy if busy.what() == Failure::Busy => Ok(None),
                other => Err(Error::Db(other)),
            },
        }
    }
}

#[cfg(test)]
impl super::sql::Db {
    /// An empty database in memory, for a unit test.
    pub(crate) fn in_memory() -> Self {
        super::sql::Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap())
    }
}

/// A workspace file table's columns (in order) and its primary key's, from the schema.
pub(crate) fn columns_and_key(
    conn: &rusqlite::Connection,
    table: &str,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let mut st = conn.prepare_cached("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid")?;
    let mut cols: Vec<(String, i64)> = st
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let columns = cols.iter().map(|(c, _)| c.clone()).collect();
    cols.retain(|(_, pk)| *pk > 0);
    cols.sort_by_key(|(_, pk)| *pk);
    Ok((columns, cols.into_iter().map(|(c, _)| c).collect()))
}

/// New ids for rows about to be inserted in a workspace file: those after each table's
/// highest, as SQLite gives them (no table of Baton's is `AUTOINCREMENT`). The write holds the
/// file's write lock, so nobody else takes them meanwhile.
pub(crate) fn next_ids<const N: usize>(
    conn: &rusqlite::Connection,
    wanted: [(&str, usize); N],
) -> Result<[Vec<i64>; N], Error> {
    let mut ids: [Vec<i64>; N] = std::array::from_fn(|_| Vec::new());
    for (list, (table, n)) in ids.iter_mut().zip(wanted) {
        let max: i64 = conn
            .prepare_cached(&format!(
                "SELECT coalesce(max(rowid), 0) FROM main.\"{table}\""
            ))?
            .query_row([], |r| r.get(0))?;
        *list = (max + 1..=max + n as i64).collect();
    }
    Ok(ids)
}
