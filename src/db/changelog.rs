//! The change log, on both engines: every write opens a `changes` row, and each row it
//! inserts, updates or deletes in a logged table adds a `change_log` row under it. A write
//! outside the funnel has no current change and is refused, so nothing escapes it.
//!
//! [`LOGGED`] describes each logged table once: its key, where its record is, its counts. Each
//! engine generates its capture from it (SQLite's temporary triggers in
//! [`super::sqlite::capture`], PostgreSQL's triggers in [`super::pg::capture`]), and one
//! [`Reverter`] undoes a logged change on either.

use super::{params, ToValue, Value};
use crate::clock::Stamp;
use crate::db::sql::{Changed, Db, Optional};
use crate::error::{Error, Result};
use crate::model::{ImportId, RecordId};
use std::collections::HashSet;

/// Where a logged row's record is: the log names it, so an undo can say which records a later
/// write touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordOf {
    /// None (people, settings, counts).
    Nothing,
    /// The row is the record.
    Itself,
    /// Its `record_id` column.
    Column,
    /// Its handoff's record (`handoff_id`).
    Handoff,
    /// Its task's record (`task_id`).
    Task,
}

/// A table the change log records.
#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    /// Its primary key's columns, in order.
    pub key: &'static [&'static str],
    pub record: RecordOf,
    /// For a table of counts kept as other rows are written, its count columns: an undo
    /// subtracts what a write added instead of restoring a value a later write may have moved
    /// on, and a later write to the same count is no conflict.
    pub counts: &'static [&'static str],
    /// An outbox: a notification or webhook post delivered or queued later (a reminder) is no
    /// edit of the records, so it never stops an undo; the undo removes the ones it queued.
    pub outbox: bool,
}

impl Table {
    /// Keyed by a number of its own (`id`): rows a write inserts can be logged together, by
    /// key, without their contents (an undo removes them whole).
    pub(crate) fn keyed_by_id(&self) -> bool {
        self.key == ["id"] && self.counts.is_empty()
    }
}

const fn table(name: &'static str, key: &'static [&'static str], record: RecordOf) -> Table {
    Table {
        name,
        key,
        record,
        counts: &[],
        outbox: false,
    }
}

const fn counts(
    name: &'static str,
    key: &'static [&'static str],
    counts: &'static [&'static str],
) -> Table {
    Table {
        name,
        key,
        record: RecordOf::Nothing,
        counts,
        outbox: false,
    }
}

const fn outbox(name: &'static str, record: RecordOf) -> Table {
    Table {
        name,
        key: &["id"],
        record,
        counts: &[],
        outbox: true,
    }
}

/// Every table the change log records, by name. A new table is described here (or named in
/// [`NOT_LOGGED`]); both engines' capture follows, and a test fails for a table described on
/// neither list or shaped otherwise than said.
pub(crate) const LOGGED: &[Table] = &[
    table("email_drafts", &["id"], RecordOf::Handoff),
    table("events", &["id"], RecordOf::Column),
    counts("handoff_days", &["day"], &["triggered", "complete"]),
    table("handoffs", &["id"], RecordOf::Column),
    table("holidays", &["day"], RecordOf::Nothing),
    counts("missing_at_trigger", &["day", "field"], &["n"]),
    outbox("notifications", RecordOf::Task),
    table("people", &["id"], RecordOf::Nothing),
    table("playbooks", &["key"], RecordOf::Nothing),
    table("records", &["id"], RecordOf::Itself),
    table("saved_mappings", &["signature"], RecordOf::Nothing),
    table("settings", &["key"], RecordOf::Nothing),
    table("stage_changes", &["id"], RecordOf::Column),
    counts("stage_time", &["kind", "stage", "hours"], &["n"]),
    table("tasks", &["id"], RecordOf::Column),
    outbox("webhook_posts", RecordOf::Column),
    table("webhooks", &["id"], RecordOf::Nothing),
];

/// Tables the change log leaves alone: the log itself, and the history of imports (which an
/// undo marks, never reverts). Only the tests read it: they hold every table to one list or
/// the other.
#[cfg(test)]
pub(crate) const NOT_LOGGED: &[&str] = &[
    "changes",
    "change_log",
    "undoing",
    "schema_migrations",
    "imports",
    "import_errors",
];

/// A logged table's description.
fn described(name: &str) -> Option<&'static Table> {
    LOGGED.iter().find(|t| t.name == name)
}

fn counters(table: &str) -> Option<&'static [&'static str]> {
    described(table).map(|t| t.counts).filter(|c| !c.is_empty())
}

/// Marks `change` as the write of import `import`. A team workspace's database does it itself
/// as the import's row is written (a teammate may not update the change log).
pub(crate) fn set_import(tx: &Db, change: i64, import: ImportId) -> Result<()> {
    if tx.dialect() == crate::db::sql::Dialect::Postgres {
        return Ok(());
    }
    // Nothing reads its answer: on a team workspace it goes with the next statement.
    tx.prepare_cached("UPDATE changes SET import_id = ?2 WHERE id = ?1")?
        .write(params![change, import])
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
    let skip: Vec<String> = LOGGED
        .iter()
        .filter(|t| never_conflicts(t.name))
        .map(|t| format!("'{}'", t.name))
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
    described(table).is_some_and(|t| t.outbox || !t.counts.is_empty())
}

/// A table's columns and its primary key's.
struct Shape {
    columns: Vec<String>,
    key: Vec<String>,
}

/// Reverts logged changes inside an undo's transaction, reading each table's shape once.
#[derive(Default)]
pub(crate) struct Reverter {
    shapes: std::collections::HashMap<String, Shape>,
}

impl Reverter {
    /// Reverts one logged change, adding the rows it puts back or removes to `changed`. On a
    /// team workspace its statements are sent without waiting for their answers (an undo
    /// reverts thousands of rows: one round trip each took minutes across an ocean), so
    /// `changed` counts them once the next statement that reads, or [`Db::flush`], has run.
    pub(crate) fn revert(&mut self, conn: &Db, row: &Logged, changed: &Changed) -> Result<()> {
        if !self.shapes.contains_key(&row.table) {
            // Every logged table's shape at once (and this row's, were it not among them): one
            // round trip on a team workspace.
            let mut tables: Vec<&str> = LOGGED.iter().map(|t| t.name).collect();
            tables.push(&row.table);
            let found = conn.columns_and_keys(&tables)?;
            self.shapes.extend(
                found
                    .into_iter()
                    .map(|(table, (columns, key))| (table, Shape { columns, key })),
            );
        }
        revert(conn, &self.shapes[&row.table], row, changed)
    }
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

/// Reverts one logged change: the logged JSON is read here and its values bound, the same
/// statements on either engine (PostgreSQL's types do not bend as SQLite's do, so no value is
/// left for the database to pull out of JSON).
fn revert(conn: &Db, s: &Shape, row: &Logged, changed: &Changed) -> Result<()> {
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
    let run = |sql: String, values: Vec<Value>, into: &Changed| -> Result<()> {
        let refs: Vec<&dyn ToValue> = values.iter().map(|v| v as &dyn ToValue).collect();
        conn.prepare_cached(&sql)?.write_counted(&*refs, into)
    };
    // A count row emptied by the undo goes: what it removes is not what the undo changed.
    let emptied = Changed::default();
    match (counters(table), row.op.as_str()) {
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
                return Ok(());
            }
            let k = s.key.len();
            let sets: Vec<String> = deltas
                .iter()
                .enumerate()
                .map(|(i, (c, _))| format!("\"{c}\" = \"{c}\" - ?{}", k + 1 + i))
                .collect();
            let mut values = key.clone();
            values.extend(deltas.iter().map(|(_, d)| Value::Integer(*d)));
            run(
                format!(
                    "UPDATE \"{table}\" SET {} WHERE {}",
                    sets.join(", "),
                    key_match(1)
                ),
                values,
                changed,
            )?;
            let zero: Vec<String> = counts.iter().map(|c| format!("\"{c}\" = 0")).collect();
            run(
                format!(
                    "DELETE FROM \"{table}\" WHERE {} AND {}",
                    key_match(1),
                    zero.join(" AND ")
                ),
                key.clone(),
                &emptied,
            )?;
        }
        // A teammate may not delete from a team workspace's audit log: the database removes
        // an import's own events for whoever may undo it.
        (_, "insert")
            if table == "events" && conn.dialect() == crate::db::sql::Dialect::Postgres =>
        {
            run("SELECT baton_undo_event(?1)".into(), key.clone(), changed)?
        }
        (_, "insert") => run(
            format!("DELETE FROM \"{table}\" WHERE {}", key_match(1)),
            key.clone(),
            changed,
        )?,
        (_, "update") => {
            let before = object(&row.before)?;
            if before.is_empty() {
                return Ok(());
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
                changed,
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
                changed,
            )?
        }
        (_, op) => {
            return Err(Error::Conflict(format!(
                "the change log holds an unknown operation {op:?} on {table}"
            )))
        }
    }
    Ok(())
}

/// Takes back an import's adding a person (`key`, the logged key), unless a record, a
/// handoff, a task or a notification still names them: one statement, sent without waiting
/// for its answer, as every other revert of an undo.
pub(crate) fn remove_person_unless_named(conn: &Db, key: &str) -> Result<()> {
    let Some(id) = serde_json::from_str::<Vec<serde_json::Value>>(key)
        .ok()
        .and_then(|k| k.first().and_then(serde_json::Value::as_i64))
    else {
        return Ok(());
    };
    conn.prepare_cached(
        "DELETE FROM people WHERE id = ?1 AND NOT (
             EXISTS (SELECT 1 FROM records WHERE owner = people.name COLLATE NOCASE)
             OR EXISTS (SELECT 1 FROM tasks WHERE assignee_id = people.id)
             OR EXISTS (SELECT 1 FROM notifications WHERE recipient_id = people.id)
             OR EXISTS (SELECT 1 FROM handoffs WHERE to_owner = people.name COLLATE NOCASE
                                                  OR from_owner = people.name COLLATE NOCASE))",
    )?
    .write([id])
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
    // Sent with what follows, in order: nothing reads their answers.
    let sql = if on {
        "INSERT INTO undoing (import_id) VALUES (?1)"
    } else {
        "DELETE FROM undoing WHERE import_id = ?1"
    };
    tx.prepare_cached(sql)?.write([import])
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
        // Who each login is, the workspace's tag for its roles, and the lock a write takes
        // its turn with (a login per teammate, team migration 0009).
        "members",
        "team",
        "write_turn",
    ];

    /// Every table of a workspace, and the ones its change log records (the tables its log
    /// triggers are on).
    fn tables(db: &Db, logged: &str) -> (Vec<String>, Vec<String>) {
        let all = db.query_map(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            [],
            |r| r.get(0),
        );
        let all = match db {
            Db::Sqlite(_) => all.unwrap(),
            Db::Postgres(_) => db
                .query_map(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap(),
        };
        (all, db.query_map(logged, [], |r| r.get(0)).unwrap())
    }

    /// A workspace file's tables and the ones its connection's triggers log.
    fn file() -> (Db, Vec<String>, Vec<String>) {
        let (conn, _) = crate::db::open_in_memory().unwrap();
        let db = Db::Sqlite(conn);
        let (all, logged) = tables(
            &db,
            "SELECT DISTINCT tbl_name FROM sqlite_temp_master WHERE type = 'trigger' ORDER BY 1",
        );
        (db, all, logged)
    }

    /// A new team workspace on the test cluster (dropped when `f` is done), its tables and the
    /// ones its triggers log.
    fn team(f: impl FnOnce(&Db, Vec<String>, Vec<String>)) {
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
        crate::team::init(&url, None).unwrap();
        let db = Db::postgres(super::super::pg::connect(&url).unwrap());
        let (all, logged) = tables(
            &db,
            "SELECT DISTINCT c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE t.tgname LIKE 'log\\_%' AND NOT t.tgisinternal ORDER BY 1",
        );
        f(&db, all, logged);
        drop(db);
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    }

    /// What [`LOGGED`] says of a table, held against an engine's schema: its key, and the
    /// column its record is found by.
    fn as_described(db: &Db, engine: &str) {
        for t in LOGGED {
            let (columns, key) = db.columns_and_key(t.name).unwrap();
            assert_eq!(key, t.key, "{engine}: the key of {}", t.name);
            let by = match t.record {
                RecordOf::Nothing | RecordOf::Itself => "id",
                RecordOf::Column => "record_id",
                RecordOf::Handoff => "handoff_id",
                RecordOf::Task => "task_id",
            };
            assert!(
                t.record == RecordOf::Nothing || columns.iter().any(|c| c == by),
                "{engine}: {} has no {by}",
                t.name
            );
            for c in t.counts {
                assert!(columns.iter().any(|x| x == c), "{engine}: {}.{c}", t.name);
            }
        }
    }

    /// A table added to one engine's migrations and not the other's, logged on one only, or
    /// neither described in [`LOGGED`] nor named in [`NOT_LOGGED`], fails here; so does a
    /// description that does not match the schema.
    #[test]
    fn both_engines_hold_the_same_tables_and_log_the_ones_described() {
        let names: Vec<&str> = LOGGED.iter().map(|t| t.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        // The log's rows for a write's inserts come table by table in this order.
        assert_eq!(names, sorted, "LOGGED is kept in order of name");
        let (file_db, file, file_logged) = file();
        assert_eq!(file_logged, names, "the tables a workspace file logs");
        let mut described: Vec<&str> = names.iter().chain(NOT_LOGGED).copied().collect();
        described.sort_unstable();
        assert_eq!(file, described, "every table is described as logged or not");
        as_described(&file_db, "a workspace file");
        team(|db, all, logged| {
            let shared: Vec<&String> = all
                .iter()
                .filter(|t| !TEAM_ONLY.contains(&t.as_str()))
                .collect();
            assert_eq!(file.iter().collect::<Vec<_>>(), shared, "tables");
            assert_eq!(logged, names, "the tables a team workspace logs");
            as_described(db, "a team workspace");
            let triggers: Vec<(String, String)> = db
                .query_map(
                    "SELECT c.relname::text, t.tgname::text FROM pg_trigger t
                       JOIN pg_class c ON c.oid = t.tgrelid
                      WHERE t.tgname LIKE 'log\\_%' AND NOT t.tgisinternal ORDER BY 1, 2",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            let mut generated: Vec<(String, String)> = LOGGED
                .iter()
                .flat_map(|t| {
                    crate::db::pg::capture::triggers(t)
                        .into_iter()
                        .map(|(n, _)| (t.name.to_string(), n))
                })
                .collect();
            generated.sort();
            assert_eq!(
                triggers, generated,
                "the log triggers are the generated ones"
            );
        });
    }
}
