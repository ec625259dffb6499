//! SQLite's capture of the change log, generated from [`LOGGED`]: temporary triggers on each
//! logged table, installed on every connection Baton opens. They are `TEMP`: they belong to
//! Baton's own connections, so `sqlite3` on the file (the bench's floor, a user's own repair)
//! writes no log and needs no Baton to run. A write outside the funnel has no current change
//! and fails (the log's `change_id` is `NOT NULL`).

use crate::db::changelog::{RecordOf, Table, LOGGED};
use crate::db::{params, sqlite};
use crate::error::{Error, Result};
use crate::model::{ImportId, Origin};
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A table's columns, and whether its key is one `INTEGER` column (the rowid itself), read
/// from the schema; its key there must be the one [`LOGGED`] describes.
fn columns(conn: &Connection, t: &Table) -> Result<(Vec<String>, bool)> {
    let mut st = conn.prepare(&format!("PRAGMA main.table_info(\"{}\")", t.name))?;
    let mut cols: Vec<(String, String, i64)> = st
        .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let columns: Vec<String> = cols.iter().map(|(c, _, _)| c.clone()).collect();
    cols.retain(|(_, _, pk)| *pk > 0);
    cols.sort_by_key(|(_, _, pk)| *pk);
    let key: Vec<&str> = cols.iter().map(|(c, _, _)| c.as_str()).collect();
    if key != t.key {
        return Err(Error::Conflict(format!(
            "the workspace's table {} is keyed by {key:?}, and Baton's change log expects {:?}",
            t.name, t.key
        )));
    }
    Ok((
        columns,
        cols.len() == 1 && cols[0].1.eq_ignore_ascii_case("INTEGER"),
    ))
}

/// The change the connection's current write is logged under (0: none), and for each logged
/// table the highest rowid when it began. The triggers read both through SQL functions, far
/// cheaper per row than a table lookup.
#[derive(Debug, Clone, Default)]
pub(crate) struct Current {
    change: Arc<AtomicI64>,
    /// The first change-log id the current write can use.
    log_from: Arc<AtomicI64>,
    /// Per logged rowid table, in `tables` order: rows above it were inserted by this write,
    /// so updating or deleting them needs no log row of its own (undo removes them whole).
    floors: Arc<Vec<AtomicI64>>,
    tables: Arc<Vec<String>>,
    /// Per logged rowid table, the statements that log the rows a write inserted: above its
    /// floor, and again under a key it deleted; run once when the write ends (far cheaper
    /// than a trigger per row).
    inserts: Arc<Vec<[String; 2]>>,
}

/// Resets the current change however the write ends, so a write outside the funnel is refused.
pub(crate) struct Open<'a>(&'a Current);

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.change.store(0, Ordering::SeqCst);
        for f in self.0.floors.iter() {
            f.store(i64::MAX, Ordering::SeqCst);
        }
    }
}

/// How a table's changes are logged.
enum Kind {
    /// A table keyed by its rowid (`id INTEGER PRIMARY KEY`): the rows a write inserts are
    /// logged together when it ends (every row above the table's floor), far cheaper than a
    /// trigger per row; updates and deletes of older rows by triggers.
    Rowid(usize),
    /// A count row ([`Table::counts`]): its counts before and after each change.
    Counts(&'static [&'static str]),
    /// A small table keyed by text: every change by triggers.
    Keyed,
}

/// Installs the logging triggers on a freshly opened (and migrated) connection.
pub(crate) fn install(conn: &Connection) -> Result<Current> {
    let mut rowid_tables = Vec::new();
    let mut inserts = Vec::new();
    let mut sql = String::new();
    for t in LOGGED {
        let table = t.name;
        let (columns, integer_key) = columns(conn, t)?;
        let key = |row: &str| {
            let parts: Vec<String> = t.key.iter().map(|k| format!("{row}.\"{k}\"")).collect();
            format!("json_array({})", parts.join(", "))
        };
        let record = |row: &str| match t.record {
            RecordOf::Itself => format!("{row}.id"),
            RecordOf::Column => format!("{row}.record_id"),
            RecordOf::Handoff => {
                format!("(SELECT record_id FROM main.handoffs WHERE id = {row}.handoff_id)")
            }
            RecordOf::Task => {
                format!("(SELECT record_id FROM main.tasks WHERE id = {row}.task_id)")
            }
            RecordOf::Nothing => "NULL".into(),
        };
        let object = |row: &str, cols: &[String]| {
            let parts: Vec<String> = cols
                .iter()
                .map(|c| format!("'{c}', {row}.\"{c}\""))
                .collect();
            format!("json_object({})", parts.join(", "))
        };
        let kind = match t.counts {
            [] if t.keyed_by_id() && integer_key => {
                rowid_tables.push(table.to_string());
                Kind::Rowid(rowid_tables.len() - 1)
            }
            [] => Kind::Keyed,
            counts => Kind::Counts(counts),
        };
        let head = "INSERT INTO change_log (change_id, tbl, key, op, record_id, before, after)";
        let now = "baton_change()";
        // The changed columns before and after, as JSON objects built by plain expressions (no
        // subquery, no aggregate: an import updates many rows).
        let changed_json = |row: &str| {
            let parts: Vec<String> = columns
                .iter()
                .map(|c| {
                    format!("CASE WHEN OLD.\"{c}\" IS NOT NEW.\"{c}\" THEN '\"{c}\":' || json_quote({row}.\"{c}\") || ',' ELSE '' END")
                })
                .collect();
            format!("'{{' || rtrim({}, ',') || '}}'", parts.join(" || "))
        };
        let any_changed: Vec<String> = columns
            .iter()
            .map(|c| format!("OLD.\"{c}\" IS NOT NEW.\"{c}\""))
            .collect();
        let any_changed = format!("({})", any_changed.join(" OR "));
        let changed = format!(
            "{head} VALUES ({now}, '{table}', {}, 'update', {}, {}, {});",
            key("OLD"),
            record("NEW"),
            changed_json("OLD"),
            changed_json("NEW")
        );
        let deleted = format!(
            "{head} VALUES ({now}, '{table}', {}, 'delete', {}, {}, NULL);",
            key("OLD"),
            record("OLD"),
            object("OLD", &columns)
        );
        let insert = |after: &str| {
            format!(
                "CREATE TEMP TRIGGER log_{table}_insert AFTER INSERT ON main.\"{table}\" BEGIN
                   {head} VALUES ({now}, '{table}', {}, 'insert', {}, NULL, {after});
                 END;\n",
                key("NEW"),
                record("NEW")
            )
        };
        let (update, delete, when, update_when) = match kind {
            Kind::Counts(counts) => {
                let counts: Vec<String> = counts.iter().map(|c| c.to_string()).collect();
                sql += &insert(&object("NEW", &columns));
                let update = format!(
                    "{head} VALUES ({now}, '{table}', {}, 'update', NULL, {}, {});",
                    key("OLD"),
                    object("OLD", &counts),
                    object("NEW", &counts)
                );
                (update, deleted, String::new(), String::new())
            }
            Kind::Keyed => {
                sql += &insert("NULL");
                (
                    changed,
                    deleted,
                    String::new(),
                    format!("WHEN {any_changed}"),
                )
            }
            Kind::Rowid(i) => {
                // Above the floor: a rowid range, read in order, nothing sorted or held.
                let select = format!(
                    "{head} SELECT ?1, '{table}', {}, 'insert', {}, NULL, NULL FROM main.\"{table}\" AS NEW",
                    key("NEW"),
                    record("NEW")
                );
                inserts.push([
                    format!("{select} WHERE NEW.id > ?2"),
                    format!(
                        "{select} WHERE NEW.id <= ?2 AND NEW.id IN (
                             SELECT json_extract(key, '$[0]') FROM change_log
                              WHERE id >= ?3 AND op = 'delete' AND tbl = '{table}')"
                    ),
                ]);
                // A row this write inserted is logged whole when it ends.
                let floor = format!("OLD.id <= baton_floor({i})");
                (
                    changed,
                    deleted,
                    format!("WHEN {floor}"),
                    format!("WHEN {any_changed} AND {floor}"),
                )
            }
        };
        sql += &format!(
            "CREATE TEMP TRIGGER log_{table}_update AFTER UPDATE ON main.\"{table}\" {update_when} BEGIN
               {update}
             END;
             CREATE TEMP TRIGGER log_{table}_delete AFTER DELETE ON main.\"{table}\" {when} BEGIN
               {delete}
             END;\n"
        );
    }
    let current = Current {
        change: Arc::default(),
        log_from: Arc::default(),
        floors: Arc::new(
            rowid_tables
                .iter()
                .map(|_| AtomicI64::new(i64::MAX))
                .collect(),
        ),
        tables: Arc::new(rowid_tables),
        inserts: Arc::new(inserts),
    };
    let cell = current.change.clone();
    conn.create_scalar_function("baton_change", 0, FunctionFlags::SQLITE_UTF8, move |_| {
        Ok(Some(cell.load(Ordering::SeqCst)).filter(|id| *id != 0))
    })?;
    let floors = current.floors.clone();
    conn.create_scalar_function("baton_floor", 1, FunctionFlags::SQLITE_UTF8, move |cx| {
        let i: usize = cx.get(0)?;
        Ok(floors.get(i).map_or(i64::MAX, |f| f.load(Ordering::SeqCst)))
    })?;
    conn.execute_batch(&sql)?;
    Ok(current)
}

/// Ends the write's change: logs the rows it inserted into each rowid table (above the
/// table's floor, or again under a key it deleted). Parents are logged before their children,
/// so an undo, walking the log backwards, removes children first.
pub(crate) fn finish(tx: &Connection, current: &Current, change: i64) -> Result<()> {
    let from = current.log_from.load(Ordering::SeqCst);
    let deleted: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM change_log WHERE id >= ?1 AND op = 'delete')",
        )?
        .query_row([from], |r| r.get(0))?;
    for i in insert_order(&current.tables) {
        let floor = current.floors[i].load(Ordering::SeqCst);
        let [above, again] = &current.inserts[i];
        tx.prepare_cached(above)?
            .execute(sqlite::bound(params![change, floor]))?;
        if deleted {
            tx.prepare_cached(again)?
                .execute(sqlite::bound(params![change, floor, from]))?;
        }
    }
    Ok(())
}

/// The logged tables, parents first.
fn insert_order(tables: &[String]) -> Vec<usize> {
    const PARENTS: &[&str] = &["people", "records", "stage_changes", "handoffs", "tasks"];
    let rank = |t: &str| {
        PARENTS
            .iter()
            .position(|p| *p == t)
            .unwrap_or(PARENTS.len())
    };
    let mut order: Vec<usize> = (0..tables.len()).collect();
    order.sort_by_key(|i| rank(&tables[*i]));
    order
}

/// Opens a change for the write starting in `tx`: every row written while the returned guard
/// lives is logged under it.
pub(crate) fn begin<'a>(
    tx: &Connection,
    current: &'a Current,
    origin: Origin,
    actor: &str,
    at: &str,
    undoes: Option<ImportId>,
) -> Result<(i64, Open<'a>)> {
    let (id, from): (i64, i64) = tx
        .prepare_cached(
            "INSERT INTO changes (origin, actor, at, log_from, undoes)
             VALUES (?1, ?2, ?3, (SELECT coalesce(max(id), 0) + 1 FROM change_log), ?4)
             RETURNING id, log_from",
        )?
        .query_row(
            sqlite::bound(params![origin.as_str(), actor, at, undoes]),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
    current.log_from.store(from, Ordering::SeqCst);
    for (table, floor) in current.tables.iter().zip(current.floors.iter()) {
        let max: i64 = tx
            .prepare_cached(&format!(
                "SELECT coalesce(max(rowid), 0) FROM main.\"{table}\""
            ))?
            .query_row([], |r| r.get(0))?;
        floor.store(max, Ordering::SeqCst);
    }
    current.change.store(id, Ordering::SeqCst);
    Ok((id, Open(current)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log row: table, key, operation, before, after.
    type Row = (String, String, String, Option<String>, Option<String>);

    fn log(conn: &Connection) -> Vec<Row> {
        let mut st = conn
            .prepare("SELECT tbl, key, op, before, after FROM change_log ORDER BY id")
            .unwrap();
        st.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn write(conn: &mut Connection, current: &Current, sql: &str) -> rusqlite::Result<()> {
        let tx = conn.transaction()?;
        let (change, open) = begin(
            &tx,
            current,
            Origin::Cli,
            "me",
            "2026-03-02T09:00:00Z",
            None,
        )
        .map_err(|_| rusqlite::Error::InvalidQuery)?;
        tx.execute_batch(sql)?;
        finish(&tx, current, change).map_err(|_| rusqlite::Error::InvalidQuery)?;
        drop(open);
        tx.commit()
    }

    #[test]
    fn a_write_outside_the_funnel_is_refused() {
        let (mut conn, current) = crate::db::open_in_memory().unwrap();
        write(
            &mut conn,
            &current,
            "INSERT INTO holidays (day, name) VALUES ('2026-12-25', 'Christmas');
             INSERT INTO people (name, role) VALUES ('Ana', 'sales')",
        )
        .unwrap();
        for sql in [
            "UPDATE people SET email = 'a@example.com'",
            "DELETE FROM holidays",
            "INSERT INTO settings (key, value) VALUES ('k', 'v')",
        ] {
            let e = conn.execute_batch(sql).unwrap_err().to_string();
            assert!(
                e.contains("NOT NULL constraint failed: change_log.change_id"),
                "{sql}: {e}"
            );
        }
    }

    #[test]
    fn each_changed_row_is_logged_with_the_changed_columns_before_and_after() {
        let (mut conn, current) = crate::db::open_in_memory().unwrap();
        conn.execute("DELETE FROM change_log", []).unwrap();
        write(
            &mut conn,
            &current,
            "INSERT INTO people (name, role) VALUES ('Ana', 'sales');
             UPDATE people SET email = 'ana@example.com' WHERE name = 'Ana';",
        )
        .unwrap();
        // A row the write inserted is logged once, by its key, however often it changed.
        assert_eq!(
            log(&conn),
            vec![("people".into(), "[1]".into(), "insert".into(), None, None)]
        );
        write(
            &mut conn,
            &current,
            "UPDATE people SET role = 'delivery', email = NULL WHERE id = 1;
             INSERT INTO handoff_days (day, triggered, complete) VALUES ('2026-03-02', 1, 0);",
        )
        .unwrap();
        let l = log(&conn);
        assert_eq!(
            l[1],
            (
                "people".into(),
                "[1]".into(),
                "update".into(),
                Some(r#"{"email":"ana@example.com","role":"sales"}"#.into()),
                Some(r#"{"email":null,"role":"delivery"}"#.into())
            )
        );
        assert_eq!(
            l[2],
            (
                "handoff_days".into(),
                r#"["2026-03-02"]"#.into(),
                "insert".into(),
                None,
                Some(r#"{"day":"2026-03-02","triggered":1,"complete":0}"#.into())
            )
        );
        write(&mut conn, &current, "DELETE FROM people WHERE id = 1").unwrap();
        let gone = &log(&conn)[3];
        assert_eq!((gone.2.as_str(), gone.4.as_deref()), ("delete", None));
        assert!(gone.3.as_deref().unwrap().contains(r#""name":"Ana""#));
    }

    #[test]
    fn a_key_deleted_and_inserted_again_by_one_write_is_logged_both_ways() {
        let (mut conn, current) = crate::db::open_in_memory().unwrap();
        write(
            &mut conn,
            &current,
            "INSERT INTO people (name, role) VALUES ('Ana', 'sales'), ('Bo', 'sales')",
        )
        .unwrap();
        conn.execute("DELETE FROM change_log", []).unwrap();
        write(
            &mut conn,
            &current,
            "DELETE FROM people WHERE id = 2; INSERT INTO people (id, name, role) VALUES (2, 'Cy', 'delivery')",
        )
        .unwrap();
        let ops: Vec<(String, String)> = log(&conn).into_iter().map(|r| (r.1, r.2)).collect();
        assert_eq!(
            ops,
            vec![
                ("[2]".into(), "delete".into()),
                ("[2]".into(), "insert".into())
            ]
        );
    }
}
