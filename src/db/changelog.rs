//! The change log: every write opens a `changes` row, and per-connection triggers add a
//! `change_log` row for each row it inserts, updates or deletes. A write outside the funnel has
//! no current change and fails (the log's `change_id` is `NOT NULL`), so nothing escapes it.
//!
//! The triggers are `TEMP`: they belong to Baton's own connections, so `sqlite3` on the file
//! (the bench's floor, a user's own repair) writes no log and needs no Baton to run.

use super::{params, sqlite, ToValue, Value};
use crate::clock::Stamp;
use crate::db::sql::{Db, Optional};
use crate::error::{Error, Result};
use crate::model::{ImportId, Origin, RecordId};
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;
use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Tables whose rows are counts kept as other rows are written: undo subtracts what a write
/// added instead of restoring a value a later write may have moved on, and a later write to the
/// same count is no conflict.
const COUNTERS: &[(&str, &[&str])] = &[
    ("stage_time", &["n"]),
    ("handoff_days", &["triggered", "complete"]),
    ("missing_at_trigger", &["n"]),
];

/// Tables that are the log itself or the history of imports (which an undo marks, never
/// reverts).
const NOT_LOGGED: &[&str] = &[
    "changes",
    "change_log",
    "undoing",
    "schema_migrations",
    "imports",
    "import_errors",
];

/// The outboxes: a notification or webhook post delivered or queued later (a reminder) is no
/// edit of the records, so it never stops an undo; the undo removes the ones it queued.
const OUTBOX: &[&str] = &["notifications", "webhook_posts"];

fn counters(table: &str) -> Option<&'static [&'static str]> {
    COUNTERS.iter().find(|(t, _)| *t == table).map(|(_, c)| *c)
}

/// A table's columns and its primary key's columns, from the schema.
struct Shape {
    columns: Vec<String>,
    key: Vec<String>,
    /// Whether the key is one `INTEGER` column: the rowid itself.
    integer_key: bool,
}

fn shape(conn: &Connection, table: &str) -> Result<Shape> {
    let mut st = conn.prepare(&format!("PRAGMA main.table_info(\"{table}\")"))?;
    let mut cols: Vec<(String, String, i64)> = st
        .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let columns = cols.iter().map(|(c, _, _)| c.clone()).collect();
    cols.retain(|(_, _, pk)| *pk > 0);
    cols.sort_by_key(|(_, _, pk)| *pk);
    Ok(Shape {
        columns,
        integer_key: cols.len() == 1 && cols[0].1.eq_ignore_ascii_case("INTEGER"),
        key: cols.into_iter().map(|(c, _, _)| c).collect(),
    })
}

fn logged_tables(conn: &Connection) -> Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let all: Vec<String> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(all
        .into_iter()
        .filter(|t| !NOT_LOGGED.contains(&t.as_str()))
        .collect())
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
    /// A count row ([`COUNTERS`]): its counts before and after each change.
    Counts(&'static [&'static str]),
    /// A small table keyed by text: every change by triggers.
    Keyed,
}

/// Installs the logging triggers on a freshly opened (and migrated) connection.
pub(crate) fn install(conn: &Connection) -> Result<Current> {
    let mut rowid_tables = Vec::new();
    let mut inserts = Vec::new();
    let mut sql = String::new();
    for table in logged_tables(conn)? {
        let s = shape(conn, &table)?;
        let key = |row: &str| {
            let parts: Vec<String> = s.key.iter().map(|k| format!("{row}.\"{k}\"")).collect();
            format!("json_array({})", parts.join(", "))
        };
        let has = |c: &str| s.columns.iter().any(|x| x == c);
        let record = |row: &str| {
            if table == "records" {
                format!("{row}.id")
            } else if has("record_id") {
                format!("{row}.record_id")
            } else if has("handoff_id") {
                format!("(SELECT record_id FROM main.handoffs WHERE id = {row}.handoff_id)")
            } else if has("task_id") {
                format!("(SELECT record_id FROM main.tasks WHERE id = {row}.task_id)")
            } else {
                "NULL".into()
            }
        };
        let object = |row: &str, cols: &[String]| {
            let parts: Vec<String> = cols
                .iter()
                .map(|c| format!("'{c}', {row}.\"{c}\""))
                .collect();
            format!("json_object({})", parts.join(", "))
        };
        let kind = match counters(&table) {
            Some(counts) => Kind::Counts(counts),
            None if s.key == ["id"] && s.integer_key => {
                rowid_tables.push(table.clone());
                Kind::Rowid(rowid_tables.len() - 1)
            }
            None => Kind::Keyed,
        };
        let head = "INSERT INTO change_log (change_id, tbl, key, op, record_id, before, after)";
        let now = "baton_change()";
        // The changed columns before and after, as JSON objects built by plain expressions (no
        // subquery, no aggregate: an import updates many rows).
        let changed_json = |row: &str| {
            let parts: Vec<String> = s
                .columns
                .iter()
                .map(|c| {
                    format!("CASE WHEN OLD.\"{c}\" IS NOT NEW.\"{c}\" THEN '\"{c}\":' || json_quote({row}.\"{c}\") || ',' ELSE '' END")
                })
                .collect();
            format!("'{{' || rtrim({}, ',') || '}}'", parts.join(" || "))
        };
        let any_changed: Vec<String> = s
            .columns
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
            object("OLD", &s.columns)
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
                sql += &insert(&object("NEW", &s.columns));
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

/// Opens a change for a write starting on a team workspace: the change log's triggers read
/// its id from the transaction's `baton.change` setting, gone when the transaction ends.
pub(crate) fn begin_team(
    tx: &Db,
    origin: Origin,
    actor: &str,
    at: &str,
    undoes: Option<ImportId>,
) -> Result<i64> {
    // Its rows are found by change_id (indexed): reading the log's end, as a laptop does,
    // would make every two teammates' writes collide.
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO changes (origin, actor, at, log_from, undoes)
             VALUES (?1, ?2, ?3, 0, ?4)
             RETURNING id",
        )?
        .query_row(params![origin.as_str(), actor, at, undoes], |r| r.get(0))?;
    tx.query_row("SELECT set_config('baton.change', ?1, true)", [id], |_| {
        Ok(())
    })?;
    Ok(id)
}

/// Marks `change` as the write of import `import`.
pub(crate) fn set_import(tx: &Db, change: i64, import: ImportId) -> Result<()> {
    tx.prepare_cached("UPDATE changes SET import_id = ?2 WHERE id = ?1")?
        .execute(params![change, import])?;
    Ok(())
}

/// One logged row change.
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    pub id: i64,
    pub table: String,
    pub key: String,
    pub op: String,
    pub record: Option<RecordId>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The rows an import's write changed, in the order it changed them; `None` when the import
/// ran before Baton kept a change log.
pub(crate) fn of_import(conn: &Db, import: ImportId) -> Result<Option<Vec<Logged>>> {
    let change: Option<(i64, i64)> = conn
        .query_row(
            "SELECT id, log_from FROM changes WHERE import_id = ?1 AND undoes IS NULL",
            [import],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((change, from)) = change else {
        return Ok(None);
    };
    let mut st = conn.prepare_cached(
        "SELECT id, tbl, key, op, record_id, before, after FROM change_log
          WHERE id >= ?1 AND change_id = ?2 ORDER BY id",
    )?;
    let rows = st.query_map(params![from, change], |r| {
        Ok(Logged {
            id: r.get(0)?,
            table: r.get(1)?,
            key: r.get(2)?,
            op: r.get(3)?,
            record: r.get(4)?,
            before: r.get(5)?,
            after: r.get(6)?,
        })
    })?;
    Ok(Some(rows))
}

/// A later write that touched what an import changed.
#[derive(Debug, Clone)]
pub(crate) struct Later {
    pub table: String,
    pub key: String,
    pub record: Option<RecordId>,
    pub actor: String,
    pub at: Stamp,
    pub import: Option<ImportId>,
}

/// The row changes written after log row `after`, by writes that still stand (not an undone
/// import, not an undo), leaving out the outbox and the counts.
pub(crate) fn later_than(conn: &Db, after: i64) -> Result<Vec<Later>> {
    // The counts' rows are most of an import's log: leave them in the database.
    let skip: Vec<String> = OUTBOX
        .iter()
        .copied()
        .chain(COUNTERS.iter().map(|(t, _)| *t))
        .map(|t| format!("'{t}'"))
        .collect();
    let mut st = conn.prepare_cached(&format!(
        "SELECT l.tbl, l.key, l.record_id, c.actor, c.at, c.import_id
           FROM change_log l JOIN changes c ON c.id = l.change_id
          WHERE l.id > ?1 AND c.undoes IS NULL AND l.tbl NOT IN ({})
            AND (c.import_id IS NULL
                 OR NOT EXISTS (SELECT 1 FROM imports i WHERE i.id = c.import_id AND i.undone_at IS NOT NULL))
          ORDER BY l.id",
        skip.join(", ")
    ))?;
    let rows = st.query_map([after], |r| {
        Ok(Later {
            table: r.get(0)?,
            key: r.get(1)?,
            record: r.get(2)?,
            actor: r.get(3)?,
            at: r.get(4)?,
            import: r.get(5)?,
        })
    })?;
    Ok(rows)
}

/// Whether later changes to this table can stand beside an undo (the outbox and the counts).
pub(crate) fn never_conflicts(table: &str) -> bool {
    OUTBOX.contains(&table) || counters(table).is_some()
}

/// Reverts logged changes inside an undo's transaction, reading each table's shape once.
#[derive(Default)]
pub(crate) struct Reverter {
    shapes: std::collections::HashMap<String, Shape>,
}

impl Reverter {
    /// Reverts one logged change. Returns whether a row changed.
    pub(crate) fn revert(&mut self, conn: &Db, row: &Logged) -> Result<bool> {
        if !self.shapes.contains_key(&row.table) {
            let s = match conn {
                Db::Sqlite(c) => shape(c, &row.table)?,
                Db::Postgres(_) => team_shape(conn, &row.table)?,
            };
            self.shapes.insert(row.table.clone(), s);
        }
        match conn {
            Db::Sqlite(c) => revert(c, &self.shapes[&row.table], row),
            Db::Postgres(_) => revert_team(conn, &self.shapes[&row.table], row),
        }
    }
}

fn revert(conn: &Connection, s: &Shape, row: &Logged) -> Result<bool> {
    if s.key.is_empty() {
        return Err(Error::Conflict(format!(
            "the table {} has no key to undo a change by",
            row.table
        )));
    }
    let table = &row.table;
    let key_match: Vec<String> = s
        .key
        .iter()
        .enumerate()
        .map(|(i, k)| format!("\"{k}\" = json_extract(?1, '$[{i}]')"))
        .collect();
    let key_match = key_match.join(" AND ");
    let known = |c: &str| s.columns.iter().any(|x| x == c);
    let names = |json: &Option<String>| -> Result<Vec<String>> {
        let Some(json) = json else { return Ok(vec![]) };
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|e| {
                Error::Conflict(format!("the change log of {table} is unreadable: {e}"))
            })?;
        Ok(map.keys().filter(|c| known(c)).cloned().collect())
    };
    let n = match (counters(table), row.op.as_str()) {
        (Some(counts), "insert" | "update") => {
            // A count goes down by what this write added to it (an insert had nothing before
            // it), and a count row left at zero is gone, as it was before the write.
            let sets: Vec<String> = names(&row.after)?
                .into_iter()
                .filter(|c| counts.contains(&c.as_str()))
                .map(|c| {
                    format!("\"{c}\" = \"{c}\" - (json_extract(?2, '$.\"{c}\"') - coalesce(json_extract(?3, '$.\"{c}\"'), 0))")
                })
                .collect();
            if sets.is_empty() {
                return Ok(false);
            }
            let n = conn
                .prepare_cached(&format!(
                    "UPDATE \"{table}\" SET {} WHERE {key_match}",
                    sets.join(", ")
                ))?
                .execute(sqlite::bound(params![row.key, row.after, row.before]))?;
            let zero: Vec<String> = counts.iter().map(|c| format!("\"{c}\" = 0")).collect();
            conn.prepare_cached(&format!(
                "DELETE FROM \"{table}\" WHERE {key_match} AND {}",
                zero.join(" AND ")
            ))?
            .execute([&row.key])?;
            n
        }
        (_, "insert") => conn
            .prepare_cached(&format!("DELETE FROM \"{table}\" WHERE {key_match}"))?
            .execute([&row.key])?,
        (_, "update") => {
            let cols = names(&row.before)?;
            if cols.is_empty() {
                return Ok(false);
            }
            let sets: Vec<String> = cols
                .iter()
                .map(|c| format!("\"{c}\" = json_extract(?2, '$.\"{c}\"')"))
                .collect();
            conn.prepare_cached(&format!(
                "UPDATE \"{table}\" SET {} WHERE {key_match}",
                sets.join(", ")
            ))?
            .execute(sqlite::bound(params![row.key, row.before]))?
        }
        (_, "delete") => {
            let cols = names(&row.before)?;
            let values: Vec<String> = cols
                .iter()
                .map(|c| format!("json_extract(?1, '$.\"{c}\"')"))
                .collect();
            let quoted: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
            conn.prepare_cached(&format!(
                "INSERT OR IGNORE INTO \"{table}\" ({}) VALUES ({})",
                quoted.join(", "),
                values.join(", ")
            ))?
            .execute([&row.before])?
        }
        (_, op) => {
            return Err(Error::Conflict(format!(
                "the change log holds an unknown operation {op:?} on {table}"
            )))
        }
    };
    Ok(n > 0)
}

/// A team workspace table's columns and primary key, from PostgreSQL's catalogue.
fn team_shape(conn: &Db, table: &str) -> Result<Shape> {
    let (columns, key) = conn.team_table(table)?;
    Ok(Shape {
        columns,
        key,
        integer_key: false,
    })
}

/// A JSON value of the change log as the value it was in its column.
fn json_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer((*b).into()),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

/// [`revert`] on a team workspace: the logged JSON is read here and its values bound, since
/// PostgreSQL's types do not bend as SQLite's do.
fn revert_team(conn: &Db, s: &Shape, row: &Logged) -> Result<bool> {
    let table = &row.table;
    let unreadable = |e: serde_json::Error| {
        Error::Conflict(format!("the change log of {table} is unreadable: {e}"))
    };
    let object = |json: &Option<String>| -> Result<Vec<(String, Value)>> {
        let Some(json) = json else { return Ok(vec![]) };
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(json).map_err(unreadable)?;
        Ok(map
            .iter()
            .filter(|(c, _)| s.columns.iter().any(|x| x == *c))
            .map(|(c, v)| (c.clone(), json_value(v)))
            .collect())
    };
    let key: Vec<Value> = serde_json::from_str::<Vec<serde_json::Value>>(&row.key)
        .map_err(unreadable)?
        .iter()
        .map(json_value)
        .collect();
    if s.key.is_empty() || key.len() != s.key.len() {
        return Err(Error::Conflict(format!(
            "the table {table} has no key to undo a change by"
        )));
    }
    // The key's values come first: ?1…?k.
    let key_match = |from: usize| -> String {
        s.key
            .iter()
            .enumerate()
            .map(|(i, k)| format!("\"{k}\" = ?{}", from + i))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let run = |sql: String, values: Vec<Value>| -> Result<usize> {
        let refs: Vec<&dyn ToValue> = values.iter().map(|v| v as &dyn ToValue).collect();
        conn.execute(&sql, &*refs)
    };
    let n = match (counters(table), row.op.as_str()) {
        (Some(counts), "insert" | "update") => {
            let after = object(&row.after)?;
            let before = object(&row.before)?;
            let was = |c: &str| {
                before
                    .iter()
                    .find(|(b, _)| b == c)
                    .map_or(0, |(_, v)| match v {
                        Value::Integer(i) => *i,
                        _ => 0,
                    })
            };
            let deltas: Vec<(String, i64)> = after
                .iter()
                .filter(|(c, _)| counts.contains(&c.as_str()))
                .filter_map(|(c, v)| match v {
                    Value::Integer(i) => Some((c.clone(), i - was(c))),
                    _ => None,
                })
                .collect();
            if deltas.is_empty() {
                return Ok(false);
            }
            let k = s.key.len();
            let sets: Vec<String> = deltas
                .iter()
                .enumerate()
                .map(|(i, (c, _))| format!("\"{c}\" = \"{c}\" - ?{}", k + 1 + i))
                .collect();
            let mut values = key.clone();
            values.extend(deltas.iter().map(|(_, d)| Value::Integer(*d)));
            let n = run(
                format!(
                    "UPDATE \"{table}\" SET {} WHERE {}",
                    sets.join(", "),
                    key_match(1)
                ),
                values,
            )?;
            let zero: Vec<String> = counts.iter().map(|c| format!("\"{c}\" = 0")).collect();
            run(
                format!(
                    "DELETE FROM \"{table}\" WHERE {} AND {}",
                    key_match(1),
                    zero.join(" AND ")
                ),
                key.clone(),
            )?;
            n
        }
        (_, "insert") => run(
            format!("DELETE FROM \"{table}\" WHERE {}", key_match(1)),
            key.clone(),
        )?,
        (_, "update") => {
            let before = object(&row.before)?;
            if before.is_empty() {
                return Ok(false);
            }
            let k = s.key.len();
            let sets: Vec<String> = before
                .iter()
                .enumerate()
                .map(|(i, (c, _))| format!("\"{c}\" = ?{}", k + 1 + i))
                .collect();
            let mut values = key.clone();
            values.extend(before.into_iter().map(|(_, v)| v));
            run(
                format!(
                    "UPDATE \"{table}\" SET {} WHERE {}",
                    sets.join(", "),
                    key_match(1)
                ),
                values,
            )?
        }
        (_, "delete") => {
            let before = object(&row.before)?;
            let quoted: Vec<String> = before.iter().map(|(c, _)| format!("\"{c}\"")).collect();
            let marks: Vec<String> = (1..=before.len()).map(|i| format!("?{i}")).collect();
            run(
                format!(
                    "INSERT INTO \"{table}\" ({}) VALUES ({}) ON CONFLICT DO NOTHING",
                    quoted.join(", "),
                    marks.join(", ")
                ),
                before.into_iter().map(|(_, v)| v).collect(),
            )?
        }
        (_, op) => {
            return Err(Error::Conflict(format!(
                "the change log holds an unknown operation {op:?} on {table}"
            )))
        }
    };
    Ok(n > 0)
}

/// Whether a person (by name) is still named by a record, a handoff or a task.
pub(crate) fn person_in_use(conn: &Db, key: &str) -> Result<bool> {
    let Some(id) = serde_json::from_str::<Vec<serde_json::Value>>(key)
        .ok()
        .and_then(|k| k.first().and_then(serde_json::Value::as_i64))
    else {
        return Ok(false);
    };
    Ok(conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM records WHERE owner = p.name COLLATE NOCASE)
             OR EXISTS (SELECT 1 FROM tasks WHERE assignee_id = p.id)
             OR EXISTS (SELECT 1 FROM notifications WHERE recipient_id = p.id)
             OR EXISTS (SELECT 1 FROM handoffs WHERE to_owner = p.name COLLATE NOCASE
                                                  OR from_owner = p.name COLLATE NOCASE)
           FROM people p WHERE p.id = ?1",
            [id],
            |r| r.get::<Option<bool>>(0),
        )
        .optional()?
        .flatten()
        .unwrap_or(false))
}

/// The keys of an import's rows that later writes touched, by table.
pub(crate) fn touched_keys(later: &[Later]) -> HashSet<(&str, &str)> {
    later
        .iter()
        .map(|l| (l.table.as_str(), l.key.as_str()))
        .collect()
}

/// Lets the undo of `import` remove that import's audit events, inside its transaction only.
pub(crate) fn allow_event_removal(tx: &Db, import: ImportId, on: bool) -> Result<()> {
    if on {
        tx.execute("INSERT INTO undoing (import_id) VALUES (?1)", [import])?;
    } else {
        tx.execute("DELETE FROM undoing WHERE import_id = ?1", [import])?;
    }
    Ok(())
}

/// Names of records, by id, for a message.
pub(crate) fn record_names(conn: &Db, ids: &[RecordId]) -> Result<Vec<(RecordId, String)>> {
    let mut st = conn.prepare_cached("SELECT name FROM records WHERE id = ?1")?;
    let mut out = Vec::new();
    for id in ids {
        let name: Option<String> = st.query_row([id], |r| r.get(0)).optional()?;
        out.push((*id, name.unwrap_or_default()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tables only a team workspace has, and why.
    const TEAM_ONLY: &[&str] = &[
        // Who has the team workspace open, from which laptop (`team status`).
        "laptops",
    ];

    /// Every table of a workspace file, and the ones its change log records.
    fn file_tables() -> (Vec<String>, Vec<String>) {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::run(&mut conn, super::super::MIGRATIONS).unwrap();
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        let all = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<Vec<String>>>()
            .unwrap();
        (all, logged_tables(&conn).unwrap())
    }

    /// Every table of a new team workspace on the test cluster, and the ones its change log
    /// records (the tables its log triggers are on).
    fn team_tables() -> (Vec<String>, Vec<String>) {
        let base = std::env::var("BATON_TEST_PG").expect(
            "BATON_TEST_PG is not set: run the tests with cargo xtask test, which starts PostgreSQL",
        );
        let name = format!("baton_tables_{}", std::process::id());
        let plain = base.replace("?sslmode=disable", "");
        let mut admin = postgres::Client::connect(&plain, postgres::NoTls).unwrap();
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&sql).unwrap();
        }
        let (head, query) = base.split_once('?').unwrap_or((&base, ""));
        let at = head.rsplit_once('/').map_or(head, |(server, _)| server);
        let url = format!("{at}/{name}?{query}");
        let url = super::super::pg::url::TeamUrl::parse(&url).unwrap();
        crate::team::init(&url).unwrap();
        let db = Db::postgres(super::super::pg::connect(&url).unwrap());
        let all = db
            .query_map(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let logged = db
            .query_map(
                "SELECT DISTINCT c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                  WHERE t.tgname LIKE 'log\\_%' AND NOT t.tgisinternal ORDER BY 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        drop(db);
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
        (all, logged)
    }

    /// A table added to one engine's migrations and not the other's, or logged on one only,
    /// fails here: each must be taught to both (or named above, with the reason).
    #[test]
    fn both_engines_hold_the_same_tables_and_log_the_same_ones() {
        let (file, file_logged) = file_tables();
        let (team, team_logged) = team_tables();
        let team_shared: Vec<&String> = team
            .iter()
            .filter(|t| !TEAM_ONLY.contains(&t.as_str()))
            .collect();
        assert_eq!(file.iter().collect::<Vec<_>>(), team_shared, "tables");
        assert_eq!(file_logged, team_logged, "tables the change log records");
        assert!(
            file_logged.iter().any(|t| t == "records"),
            "{file_logged:?}"
        );
    }

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
