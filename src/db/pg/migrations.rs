//! The team workspace's numbered migrations on PostgreSQL, with the same version and checksum
//! refusal as a workspace file's, and the change log's triggers laid after them.

use crate::db::migrations::checksum;
use crate::db::params;
use crate::db::sql::Db;
use crate::error::{Error, Result};

/// PostgreSQL's migrations, in order; the n-th is team schema version n + 1. Never edit one that
/// has been released: add a new file.
pub const TEAM_MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_team.sql"),
    include_str!("migrations/0002_change_log.sql"),
    include_str!("migrations/0003_inbox_notify.sql"),
    include_str!("migrations/0004_last_assignee.sql"),
    include_str!("migrations/0005_change_notify.sql"),
    include_str!("migrations/0006_log_inserts.sql"),
    include_str!("migrations/0007_log_many_inserts.sql"),
    include_str!("migrations/0008_log_inserts_per_statement.sql"),
    include_str!("migrations/0009_logins.sql"),
];

/// The team workspace's record of its migrations.
const CREATE_SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)";

/// The statement [`applied`] reads with, to read ahead.
pub(crate) const APPLIED: &str = "SELECT version, checksum FROM schema_migrations ORDER BY version";

/// Each applied migration: (version, checksum).
fn applied(c: &Db) -> Result<Vec<(u32, String)>> {
    c.query_map(APPLIED, [], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// The applied migrations checked against the shipped ones: the version, or why not.
pub(crate) fn version(c: &Db) -> Result<u32> {
    let applied = applied(c)?;
    let known = TEAM_MIGRATIONS.len() as u32;
    let found = applied.last().map_or(0, |(v, _)| *v);
    if found > known {
        return Err(Error::TooNew { found, known });
    }
    for (v, stored) in applied {
        let shipped = checksum(TEAM_MIGRATIONS[v as usize - 1]);
        if stored != shipped {
            return Err(Error::MigrationChanged {
                version: v,
                stored,
                shipped,
            });
        }
    }
    Ok(found)
}

/// Brings a team workspace at schema `from` (0: an empty database) up to date, each migration
/// in a transaction of its own, then lays the change log's triggers ([`super::capture::lay`]).
pub(crate) fn migrate(c: &Db, from: u32, at: &str) -> Result<()> {
    migrate_to(c, from, TEAM_MIGRATIONS.len() as u32, at)
}

/// [`migrate`], up to schema `to` only (an older Baton's team workspace, for a test of moving
/// one over).
pub(crate) fn migrate_to(c: &Db, from: u32, to: u32, at: &str) -> Result<()> {
    for (i, sql) in TEAM_MIGRATIONS
        .iter()
        .enumerate()
        .take(to as usize)
        .skip(from as usize)
    {
        let version = i as i64 + 1;
        c.transaction(|| {
            c.execute_batch(CREATE_SCHEMA_MIGRATIONS)?;
            c.execute_batch(sql)?;
            c.execute(
                "INSERT INTO schema_migrations (version, checksum, applied_at) VALUES (?1, ?2, ?3)",
                params![version, checksum(sql), at],
            )?;
            Ok(())
        })?;
    }
    super::capture::lay(c, from < TEAM_MIGRATIONS.len() as u32)
}
