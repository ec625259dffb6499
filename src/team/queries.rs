//! The statements a team workspace's set-up and status run on PostgreSQL.

use crate::db::sql::Db;
use crate::error::Result;

/// The statement [`tables`] reads with, to read ahead.
pub(crate) const TABLES: &str =
    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1";

/// The tables in the connection's schema.
pub(crate) fn tables(c: &Db) -> Result<Vec<String>> {
    c.query_map(TABLES, [], |r| r.get(0))
}

/// The server's version string.
pub(crate) fn server_version(c: &Db) -> Result<String> {
    c.query_row("SHOW server_version", [], |r| r.get(0))
}

/// Whether this session is encrypted (TLS), as the server sees it.
pub(crate) fn encrypted(c: &Db) -> Result<bool> {
    c.query_row(
        "SELECT COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
        [],
        |r| r.get(0),
    )
}

/// The newest change committed to the team workspace (0: none yet).
pub(crate) fn latest_change(c: &Db) -> Result<i64> {
    c.query_row("SELECT COALESCE(max(id), 0) FROM changes", [], |r| r.get(0))
}

/// The server process this connection's statement runs on.
pub(crate) fn backend(c: &Db) -> Result<i64> {
    c.query_row("SELECT CAST(pg_backend_pid() AS BIGINT)", [], |r| r.get(0))
}

/// One round trip.
pub(crate) fn ping(c: &Db) -> Result<()> {
    c.query_row("SELECT 1", [], |r| r.get::<i64>(0))?;
    Ok(())
}

/// Says this laptop is here now, as `person`.
pub(crate) fn seen(c: &Db, host: &str, person: &str, baton: &str, at: &str) -> Result<()> {
    c.execute(
        "INSERT INTO laptops (host, person, baton, last_seen) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (host, person) DO UPDATE SET baton = excluded.baton, last_seen = excluded.last_seen",
        [host, person, baton, at],
    )?;
    Ok(())
}

/// Every laptop that said it is here: (host, person, Baton version, last seen), latest first.
pub(crate) fn laptops(c: &Db) -> Result<Vec<(String, String, String, String)>> {
    c.query_map(
        "SELECT host, person, baton, last_seen FROM laptops ORDER BY last_seen DESC, host",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
}

/// The tables `baton team push` copies, parents first. Left out: the laptop's own settings (a
/// watched folder is a path on it), chat webhooks (their addresses are in its keyring), and
/// the SQLite change log.
pub(crate) const PUSHED: &[&str] = &[
    "people",
    "imports",
    "import_errors",
    "records",
    "stage_changes",
    "playbooks",
    "holidays",
    "handoffs",
    "tasks",
    "email_drafts",
    "notifications",
    "events",
    "saved_mappings",
    "stage_time",
    "handoff_days",
    "missing_at_trigger",
];

/// Whether the team workspace holds no one's work yet.
pub(crate) fn team_is_empty(c: &Db) -> Result<bool> {
    c.query_row(
        "SELECT NOT (EXISTS (SELECT 1 FROM records) OR EXISTS (SELECT 1 FROM people)
                      OR EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM imports))",
        [],
        |r| r.get(0),
    )
}

/// Whether `person` is one of the team's people.
pub(crate) fn on_the_team(c: &Db, person: &str) -> Result<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM people WHERE name = ?1)",
        [person],
        |r| r.get(0),
    )
}
