//! The workspace file: connection setup (pragmas on every open), the numbered migrations, and
//! the change log every write is recorded in.

pub(crate) mod changelog;
pub mod damage;
mod migrations;

use crate::error::{Error, Result};
use rusqlite::Connection;
use std::path::Path;

pub use migrations::{LATEST_VERSION, MIGRATIONS};

/// Opens (creating if needed) a workspace file, sets the pragmas and runs pending migrations.
pub(crate) fn open(path: &Path) -> Result<(Connection, changelog::Current)> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let mut conn = Connection::open(path)?;
    configure(&conn, true)?;
    migrations::migrate(&mut conn)?;
    let current = changelog::install(&conn)?;
    Ok((conn, current))
}

/// An in-memory workspace, for tests.
pub(crate) fn open_in_memory() -> Result<(Connection, changelog::Current)> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn, false)?;
    migrations::migrate(&mut conn)?;
    let current = changelog::install(&conn)?;
    Ok((conn, current))
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
    // 32 MB of page cache: an import's transaction stays in memory instead of spilling pages
    // to the WAL mid-way, and memory stays bounded however large the file.
    conn.pragma_update(None, "cache_size", -32_768)?;
    // An import cycles through a few dozen statements per row; keep them all prepared.
    conn.set_prepared_statement_cache_capacity(128);
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(())
}
