//! The `tasks` table.

use crate::clock::Day;
use crate::db::params;
use crate::db::sql::{Db, Optional, Row};
use crate::error::Result;
use crate::model::{
    ChecklistItem, HandoffId, PersonId, RecordId, Task, TaskId, TaskKind, TaskStatus,
};
use std::collections::HashMap;

const SELECT: &str =
    "SELECT id, handoff_id, record_id, kind, title, assignee, due, status, checklist, kickoff_date FROM tasks";

fn from_row(r: &Row<'_>) -> Result<Task> {
    let checklist: String = r.get(8)?;
    Ok(Task {
        id: r.get(0)?,
        handoff_id: r.get(1)?,
        record_id: r.get(2)?,
        kind: r.get(3)?,
        title: r.get(4)?,
        assignee: r.get(5)?,
        due: r.get(6)?,
        status: r.get(7)?,
        checklist: serde_json::from_str(&checklist).unwrap_or_default(),
        kickoff_date: r.get(9)?,
    })
}

/// A new task's content.
pub(crate) struct NewTask<'a> {
    pub handoff: Option<HandoffId>,
    pub record: RecordId,
    pub kind: TaskKind,
    pub title: &'a str,
    pub assignee: Option<&'a str>,
    pub due: Option<Day>,
    pub checklist: Vec<ChecklistItem>,
}

/// Stores a new task: with the id `reserved` for it (see [`crate::db::sql::Db::next_ids`]),
/// sent without waiting, or with the next id, read back.
pub(crate) fn insert(
    conn: &Db,
    t: &NewTask<'_>,
    at: &str,
    reserved: Option<TaskId>,
) -> Result<TaskId> {
    let checklist = serde_json::to_string(&t.checklist).unwrap_or_else(|_| "[]".into());
    let values =
        params![t.handoff, t.record, t.kind, t.title, t.assignee, t.due, checklist, at, reserved];
    if let Some(id) = reserved {
        conn.insert(
            "INSERT INTO tasks (handoff_id, record_id, kind, title, assignee, assignee_id, due, checklist, created_at, id)
             VALUES (?1, ?2, ?3, ?4, ?5, (SELECT id FROM people WHERE name = ?5 COLLATE NOCASE), ?6, ?7, ?8, ?9)",
            values,
        )?;
        return Ok(id);
    }
    conn.prepare_cached(
        "INSERT INTO tasks (handoff_id, record_id, kind, title, assignee, assignee_id, due, checklist, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, (SELECT id FROM people WHERE name = ?5 COLLATE NOCASE), ?6, ?7, ?8)",
    )?
    .insert(&values[..8])
    .map(TaskId)
}

/// A task by id.
pub(crate) fn get(conn: &Db, id: TaskId) -> Result<Option<Task>> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], from_row)
        .optional()
}

/// How many open tasks person `assignee` has (counted by the index, not read).
pub(crate) fn count_open(conn: &Db, assignee: PersonId) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM tasks WHERE assignee_id = ?1 AND status = 'open'",
        [assignee],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or_default())
}

/// Tasks, optionally for one person and only open ones; overdue and soonest first.
pub(crate) fn list(conn: &Db, assignee: Option<PersonId>, open_only: bool) -> Result<Vec<Task>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE (CAST(?1 AS BIGINT) IS NULL OR assignee_id = ?1) AND (?2 = 0 OR status = 'open')
         ORDER BY status = 'open' DESC, due IS NULL, due, id"
    ))?;
    let rows = st.query_map(params![assignee, open_only], from_row)?;
    Ok(rows)
}

/// Tasks of a handoff.
pub(crate) fn for_handoff(conn: &Db, handoff: HandoffId) -> Result<Vec<Task>> {
    let mut st = conn.prepare_cached(&for_handoff_sql())?;
    let rows = st.query_map([handoff], from_row)?;
    Ok(rows)
}

/// The statement [`for_handoff`] reads with (the handoff's id: `?1`), to read ahead.
pub(crate) fn for_handoff_sql() -> String {
    format!("{SELECT} WHERE handoff_id = ?1 ORDER BY id")
}

/// Sets a task's status (and its done time).
pub(crate) fn set_status(conn: &Db, id: TaskId, status: TaskStatus, at: &str) -> Result<()> {
    conn.prepare_cached("UPDATE tasks SET status = ?2, done_at = CASE WHEN ?2 = 'open' THEN NULL ELSE ?3 END WHERE id = ?1")?.execute(params![id, status, at],
    )?;
    Ok(())
}

/// Closes a handoff's open tasks, optionally only of one kind.
pub(crate) fn close_open(
    conn: &Db,
    handoff: HandoffId,
    kind: Option<TaskKind>,
    status: TaskStatus,
    at: &str,
) -> Result<()> {
    conn.prepare_cached("UPDATE tasks SET status = ?3, done_at = ?4 WHERE handoff_id = ?1 AND status = 'open' AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2)")?.execute(params![handoff, kind, status, at],
    )?;
    Ok(())
}

/// Replaces a task's checklist.
pub(crate) fn set_checklist(conn: &Db, id: TaskId, items: &[ChecklistItem]) -> Result<()> {
    // Its answer travels with the next statement (the commit, for a tick).
    conn.prepare_cached("UPDATE tasks SET checklist = ?2 WHERE id = ?1")?
        .write(params![
            id,
            serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
        ])
}

/// Sets the kickoff date on a kickoff task.
pub(crate) fn set_kickoff_date(conn: &Db, id: TaskId, date: Day) -> Result<()> {
    conn.prepare_cached("UPDATE tasks SET kickoff_date = ?2 WHERE id = ?1")?
        .execute(params![id, date])?;
    Ok(())
}

/// Open tasks per assignee.
pub(crate) fn open_counts<'a>(
    conn: &Db,
    people: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, usize>> {
    // One indexed count per person: a GROUP BY over every task grows with the workspace.
    let mut st =
        conn.prepare_cached("SELECT count(*) FROM tasks WHERE assignee = ?1 AND status = 'open'")?;
    let mut out = HashMap::new();
    for name in people {
        let n: i64 = st.query_row([name], |r| r.get(0))?;
        out.insert(name.to_string(), n as usize);
    }
    Ok(out)
}
