//! The workspace file: connection setup (pragmas on every open), the numbered migrations, and
//! the change log every write is recorded in.

pub(crate) mod access;
pub(crate) mod backup;
pub(crate) mod changelog;
pub mod damage;
pub(crate) mod migrations;
pub(crate) mod pg;
pub(crate) mod push;
pub(crate) mod sql;
pub(crate) mod sqlite;
pub(crate) mod value;

use crate::error::{Error, Result};
use rusqlite::Connection;
use std::path::Path;

pub use migrations::{LATEST_VERSION, MIGRATIONS};
pub use value::DbError;
pub(crate) use value::{params, Bound, Failure, FromValue, ToValue, Value, ValueError, ValueRef};

/// How a workspace file was opened.
pub(crate) struct Opened {
    pub conn: Connection,
    pub change: sqlite::capture::Current,
    /// Why it is read-only for this user, when it is: writes refuse with this sentence.
    pub read_only: Option<String>,
}

/// Opens (creating if needed) a workspace file, sets the pragmas and runs pending migrations;
/// a file this user cannot write opens read-only, without touching it.
pub(crate) fn open(path: &Path) -> Result<Opened> {
    if let Some(why) = access::read_only_because(path) {
        let conn = open_read_only(path)?;
        configure(&conn, false)?;
        migrations::check_current(&conn, &why)?;
        let change = sqlite::capture::install(&conn)?;
        return Ok(Opened {
            conn,
            change,
            read_only: Some(why),
        });
    }
    let (conn, change) = open_writable(path)?;
    Ok(Opened {
        conn,
        change,
        read_only: None,
    })
}

/// Reads a workspace nobody here may write. With nothing waiting in its write-ahead log it is
/// read as a file that cannot change (SQLite then needs no -shm beside it, which a read-only
/// folder could not hold); otherwise read-only through the log.
fn open_read_only(path: &Path) -> Result<Connection> {
    let wal = std::fs::metadata(with_suffix(path, "-wal")).map_or(0, |m| m.len());
    Ok(read_only_connection(path, wal == 0)?)
}

/// A read-only connection to `path`; `unchanging` reads it as a file nothing writes to, which
/// needs no -shm beside it (SQLite's `immutable`).
pub(crate) fn read_only_connection(path: &Path, unchanging: bool) -> rusqlite::Result<Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
        | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    let text = path.display().to_string();
    let escaped = text
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    let mode = if unchanging { "immutable=1" } else { "mode=ro" };
    Connection::open_with_flags(format!("file:{escaped}?{mode}"), flags)
}

/// `p` with `suffix` appended to its file name, as SQLite names its `-wal` and `-shm` files
/// and Baton the files it keeps beside a workspace.
pub(crate) fn with_suffix(p: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    std::path::PathBuf::from(s)
}

fn open_writable(path: &Path) -> Result<(Connection, sqlite::capture::Current)> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let mut conn = Connection::open(path)?;
    configure(&conn, true)?;
    migrations::migrate(&mut conn)?;
    let current = sqlite::capture::install(&conn)?;
    Ok((conn, current))
}

/// An in-memory workspace, for tests.
pub(crate) fn open_in_memory() -> Result<(Connection, sqlite::capture::Current)> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn, false)?;
    migrations::migrate(&mut conn)?;
    let current = sqlite::capture::install(&conn)?;
    Ok((conn, current))
}

/// The page cache outside imports, in KiB (SQLite's negative form).
const CACHE_KIB: i64 = -8_192;

/// 32 MB of page cache, for an import: its transaction stays in memory instead of spilling
/// pages to the WAL mid-way. [`normal_cache`] gives it back.
pub(crate) fn large_cache(conn: &Connection) -> Result<()> {
    Ok(conn.pragma_update(None, "cache_size", -32_768)?)
}

/// The small page cache again, its memory returned.
pub(crate) fn normal_cache(conn: &Connection) {
    let _ = conn.pragma_update(None, "cache_size", CACHE_KIB);
    let _ = conn.execute_batch("PRAGMA shrink_memory");
}

/// A number that changes whenever another connection commits to the file (SQLite's
/// `data_version`): what a follower watches instead of re-reading everything.
pub(crate) fn data_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "data_version", |r| r.get(0))?)
}

/// How long a statement waits for a lock another connection holds (a write's own wait is
/// in `Workspace::transact`).
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Pragmas belong to the connection, not the schema, so they are set on every open.
fn configure(conn: &Connection, wal: bool) -> Result<()> {
    if wal {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A small page cache for reads and small writes: a board or a listing over 100k records
    // would otherwise keep 32 MB of pages for the app's whole life. An import takes a larger
    // one while it runs (`large_cache`).
    conn.pragma_update(None, "cache_size", CACHE_KIB)?;
    // An import cycles through a few dozen statements per row; keep them all prepared.
    conn.set_prepared_statement_cache_capacity(128);
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(())
}
