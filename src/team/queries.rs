//! The statements a team workspace's set-up and status run on PostgreSQL.

use crate::db::sql::Db;
use crate::error::Result;

/// The tables in the connection's schema.
pub(crate) fn tables(c: &Db) -> Result<Vec<String>> {
    c.query_map(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
        [],
        |r| r.get(0),
    )
}

/// Each applied migration: (version, checksum).
pub(crate) fn applied(c: &Db) -> Result<Vec<(u32, String)>> {
    c.query_map(
        "SELECT version, checksum FROM schema_migrations ORDER BY version",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
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

/// A statement that failed on an open connection: what the server said, a value Baton could
/// not convert (a fault of Baton's, told as such), or the connection gone.
pub(crate) fn db(e: tokio_postgres::Error) -> crate::error::Error {
    use crate::error::Error;
    if let Some(d) = e.as_db_error() {
        use tokio_postgres::error::SqlState;
        // A CRM id stored by a teammate's import meanwhile (a first import sends its new
        // records without asking for each) is the same collision.
        let same_crm_id =
            *d.code() == SqlState::UNIQUE_VIOLATION && d.constraint() == Some("records_external");
        if *d.code() == SqlState::T_R_SERIALIZATION_FAILURE
            || *d.code() == SqlState::T_R_DEADLOCK_DETECTED
            || same_crm_id
        {
            return Error::Conflict(super::COLLIDED.into());
        }
        // A teammate's import or undo holds the workspace (the write's first lock, waited
        // for a second at a time): the write says it waits and tries again.
        if *d.code() == SqlState::LOCK_NOT_AVAILABLE {
            return Error::Conflict(super::LOCKED.into());
        }
        // The server ending the session (a restart, an administrator) is a lost connection.
        if [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(d.code())
        {
            return Error::Unreachable(
                "the connection to the team database was lost; nothing was changed, try again"
                    .into(),
            );
        }
        return Error::Conflict(format!("the team database said: {}", d.message()));
    }
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return Error::Unreachable(
            "the connection to the team database was lost; nothing was changed, try again".into(),
        );
    }
    match std::error::Error::source(&e) {
        Some(why) => Error::Conflict(format!("{e}: {why}")),
        None => Error::Conflict(e.to_string()),
    }
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

/// A laptop table's columns and row count.
pub(crate) fn laptop_table(conn: &rusqlite::Connection, table: &str) -> Result<(Vec<String>, u64)> {
    let mut st = conn.prepare(&format!("PRAGMA main.table_info(\"{table}\")"))?;
    let columns = st
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let n: u64 = conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })?;
    Ok((columns, n))
}

/// One value in COPY's text format.
fn copy_text(v: rusqlite::types::ValueRef<'_>, out: &mut String) {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => out.push_str("\\N"),
        ValueRef::Integer(i) => out.push_str(&i.to_string()),
        ValueRef::Real(f) => out.push_str(&f.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            for c in String::from_utf8_lossy(t).chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}

/// Whether the team workspace holds no one's work yet.
pub(crate) fn team_is_empty(c: &Db) -> Result<bool> {
    c.query_row(
        "SELECT NOT (EXISTS (SELECT 1 FROM records) OR EXISTS (SELECT 1 FROM people)
                      OR EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM imports))",
        [],
        |r| r.get(0),
    )
}

/// Copies `tables` from the laptop workspace into the team workspace in one transaction, ids
/// and times as they are, with `COPY`; nobody is marked "me" in shared data. Calls `progress`
/// with the rows copied so far. Returns each table's row count.
pub(crate) fn copy_up(
    conn: &rusqlite::Connection,
    c: &Db,
    tables: &[(&str, Vec<String>, u64)],
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    let done = c.transaction(|| copy_tables(conn, c, tables, progress))?;
    progress(done);
    Ok(())
}

/// One laptop row of `table` in `COPY`'s text format; nobody is "me" in shared data.
fn copy_row(
    r: &rusqlite::Row<'_>,
    table: &str,
    columns: &[String],
    out: &mut String,
) -> rusqlite::Result<()> {
    for (i, col) in columns.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match (table, col.as_str()) {
            ("people", "is_me") => out.push('0'),
            _ => copy_text(r.get_ref(i)?, out),
        }
    }
    out.push('\n');
    Ok(())
}

/// [`copy_up`]'s work inside its transaction; the rows copied.
fn copy_tables(
    conn: &rusqlite::Connection,
    c: &Db,
    tables: &[(&str, Vec<String>, u64)],
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    // A laptop's history moving up is no change of the team's: the change log skips it.
    c.execute_batch("SELECT set_config('baton.copying', 'on', true)")?;
    let mut done = 0u64;
    for (table, columns, _) in tables {
        let list = columns
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut st = conn.prepare(&format!("SELECT {list} FROM \"{table}\""))?;
        let mut rows = st.query([])?;
        // The laptop's rows go up a chunk at a time; a row that cannot be read ends the COPY
        // and the transaction is rolled back.
        let mut unread: Option<crate::error::Error> = None;
        let next = || {
            let mut chunk = String::new();
            while chunk.len() < 1 << 16 {
                let copied = match rows.next() {
                    Ok(Some(r)) => copy_row(r, table, columns, &mut chunk),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                if let Err(e) = copied {
                    unread = Some(e.into());
                    return None;
                }
                done += 1;
                if done.is_multiple_of(1000) {
                    progress(done);
                }
            }
            (!chunk.is_empty()).then(|| bytes::Bytes::from(chunk))
        };
        let sent = c
            .postgres_client()?
            .copy_in(&format!("COPY \"{table}\" ({list}) FROM STDIN"), next)
            .map_err(|e| match db(e) {
                crate::error::Error::Unreachable(_) => crate::error::Error::Unreachable(format!(
                    "the connection to the team database was lost while copying {table}; nothing was pushed, try again"
                )),
                other => other,
            });
        if let Some(e) = unread {
            return Err(e);
        }
        sent?;
        if columns.iter().any(|c| c == "id") {
            c.execute_batch(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(max(id), 1), max(id) IS NOT NULL) FROM \"{table}\""
            ))?;
        }
    }
    Ok(done)
}
