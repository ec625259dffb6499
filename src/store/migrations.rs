//! Numbered migrations tracked by `PRAGMA user_version`, each with a stored checksum so an
//! edited migration that already ran is refused instead of silently diverging.

use crate::error::{Error, Result};
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};

/// The shipped migrations, in order; the n-th entry is schema version n + 1. Never edit one
/// that has been released: add a new file.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_imports.sql"),
    include_str!("migrations/0003_settings.sql"),
    include_str!("migrations/0004_health.sql"),
    include_str!("migrations/0005_events_by_handoff.sql"),
];

/// The schema version this build writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

fn checksum(sql: &str) -> String {
    let digest = Sha256::digest(sql.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    run(conn, MIGRATIONS)
}

/// Applies `migrations` after checking the ones already applied are unchanged.
pub(crate) fn run(conn: &mut Connection, migrations: &[&str]) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = migrations.len() as u32;
    if current > known {
        return Err(Error::TooNew {
            found: current,
            known,
        });
    }
    for (i, sql) in migrations.iter().enumerate().take(current as usize) {
        let version = i as u32 + 1;
        let stored: Option<String> = conn
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .ok();
        let shipped = checksum(sql);
        match stored {
            Some(stored) if stored != shipped => {
                return Err(Error::MigrationChanged {
                    version,
                    stored,
                    shipped,
                })
            }
            _ => {}
        }
    }
    for (i, sql) in migrations.iter().enumerate().skip(current as usize) {
        let version = i as u32 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, checksum, applied_at)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![version, checksum(sql)],
        )?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_file_reaches_the_latest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, LATEST_VERSION);
        // Running again is a no-op.
        migrate(&mut conn).unwrap();
    }

    #[test]
    fn an_edited_migration_that_already_ran_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, &["CREATE TABLE a (x INTEGER);"]).unwrap();
        let err = run(&mut conn, &["CREATE TABLE a (x INTEGER, y TEXT);"]).unwrap_err();
        assert!(
            matches!(err, Error::MigrationChanged { version: 1, .. }),
            "{err}"
        );
        // A new migration appended after an unchanged one is fine.
        run(
            &mut conn,
            &["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"],
        )
        .unwrap();
    }

    #[test]
    fn a_file_from_a_newer_baton_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = run(&mut conn, MIGRATIONS).unwrap_err();
        assert!(matches!(err, Error::TooNew { found: 99, .. }), "{err}");
    }

    #[test]
    fn the_audit_log_is_append_only() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO events (at, actor, kind, message) VALUES ('t', 'cli', 'k', 'm')",
            [],
        )
        .unwrap();
        assert!(conn.execute("UPDATE events SET message = 'x'", []).is_err());
        assert!(conn.execute("DELETE FROM events", []).is_err());
    }
}
