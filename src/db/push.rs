//! `baton team push`: a laptop workspace's tables copied into a team workspace with `COPY`,
//! ids and times as they are.

use super::sql::Db;
use crate::error::Result;

/// A laptop table's columns and row count.
pub(crate) fn laptop_table(laptop: &Db, table: &str) -> Result<(Vec<String>, u64)> {
    let conn = laptop.sqlite()?;
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

/// Copies `tables` from the laptop workspace into the team workspace in one transaction, ids
/// and times as they are, with `COPY`; nobody is marked "me" in shared data. Calls `progress`
/// with the rows copied so far. Returns each table's row count.
pub(crate) fn copy_up(
    laptop: &Db,
    c: &Db,
    tables: &[(&str, Vec<String>, u64)],
    progress: &mut dyn FnMut(u64),
) -> Result<()> {
    let conn = laptop.sqlite()?;
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
) -> Result<()> {
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
                    Err(e) => Err(e.into()),
                };
                if let Err(e) = copied {
                    unread = Some(e);
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
            .map_err(|e| match super::pg::error(e) {
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
