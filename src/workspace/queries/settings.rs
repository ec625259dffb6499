//! The workspace's own settings: one value per key.

use crate::db::params;
use crate::db::sql::{Db, Optional};
use crate::error::Result;

/// The value of `key`, when set.
pub(crate) fn get(conn: &Db, key: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

/// Sets `key` to `value`.
pub(crate) fn put(conn: &Db, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// Removes `keys`.
pub(crate) fn remove(conn: &Db, keys: &[&str]) -> Result<()> {
    let mut st = conn.prepare_cached("DELETE FROM settings WHERE key = ?1")?;
    for k in keys {
        st.execute([k])?;
    }
    Ok(())
}

/// Whether a file with this SHA-256 was imported before (undone imports count).
pub(crate) fn imported_before(conn: &Db, sha256: &str) -> Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM imports WHERE sha256 = ?1)")?
        .query_row([sha256], |r| r.get(0))
}
