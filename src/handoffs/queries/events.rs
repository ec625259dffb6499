//! The append-only audit log and the notification outbox.

use crate::clock::{Day, Stamp};
use crate::db::params;
use crate::db::sql::Db;
use crate::error::Result;
use crate::model::{EventKind, HandoffId, NotificationId, PersonId, RecordId, TaskId};
use serde::Serialize;

/// One audit event: who decided what, when, under which rule, about which fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When.
    pub at: Stamp,
    /// Who or what acted.
    pub actor: String,
    /// The record concerned.
    pub record_id: Option<RecordId>,
    /// The handoff concerned.
    pub handoff_id: Option<HandoffId>,
    /// What happened (`paused`, `handed_off`, `cancelled`, …).
    pub kind: EventKind,
    /// The playbook whose rule decided it.
    pub rule: Option<String>,
    /// The fields or flags involved.
    pub fields: Vec<String>,
    /// The decision in words.
    pub message: String,
}

/// Appends an event.
pub(crate) fn append(conn: &Db, e: &Event) -> Result<()> {
    conn.insert(
        "INSERT INTO events (at, actor, record_id, handoff_id, kind, rule, fields, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.at,
            e.actor,
            e.record_id,
            e.handoff_id,
            e.kind,
            e.rule,
            serde_json::to_string(&e.fields).unwrap_or_else(|_| "[]".into()),
            e.message
        ],
    )
}

/// The statement [`for_record`] reads with (the record's id: `?1`), to read ahead.
pub(crate) const FOR_RECORD: &str =
    "SELECT at, actor, record_id, handoff_id, kind, rule, fields, message FROM events WHERE record_id = ?1 ORDER BY id";

/// Events about a record, oldest first.
pub(crate) fn for_record(conn: &Db, record: RecordId) -> Result<Vec<Event>> {
    let mut st = conn.prepare_cached(FOR_RECORD)?;
    let rows = st.query_map([record], |r| {
        let fields: String = r.get(6)?;
        Ok(Event {
            at: r.get(0)?,
            actor: r.get(1)?,
            record_id: r.get(2)?,
            handoff_id: r.get(3)?,
            kind: r.get(4)?,
            rule: r.get(5)?,
            fields: serde_json::from_str(&fields).unwrap_or_default(),
            message: r.get(7)?,
        })
    })?;
    Ok(rows)
}

/// The last decision that moved handoff `id` (an approval, not the hand-off it set going), as
/// the audit log has it.
pub(crate) fn last_decision(
    conn: &Db,
    id: HandoffId,
) -> Result<Option<crate::handoffs::rules::LastDecision>> {
    use crate::handoffs::rules::LastDecision;
    let mut st = conn.prepare_cached(
        "SELECT kind, actor, at FROM events WHERE handoff_id = ?1 ORDER BY id DESC LIMIT 16",
    )?;
    let newest_first = st.query_map([id], |r| {
        Ok(LastDecision {
            kind: r.get(0)?,
            actor: r.get(1)?,
            at: r.get(2)?,
        })
    })?;
    // The newest that moved it; when that was the rules carrying out a person's decision made
    // in the same write (an approval hands off), the person's decision.
    let mut moved = newest_first
        .into_iter()
        .filter(|d| LastDecision::moves(d.kind));
    let Some(newest) = moved.next() else {
        return Ok(None);
    };
    Ok(Some(match moved.next() {
        Some(d)
            if !newest.by_a_person()
                && d.by_a_person()
                && (d.at, &d.actor) == (newest.at, &newest.actor) =>
        {
            d
        }
        _ => newest,
    }))
}

/// A notification waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// Its id.
    pub id: NotificationId,
    /// Who it is for.
    pub recipient: Option<String>,
    /// The task it announces.
    pub task_id: Option<TaskId>,
    /// The record that task is about.
    pub record_id: Option<RecordId>,
    /// Headline.
    pub title: String,
    /// Body text.
    pub body: String,
    /// When it was queued.
    pub created_at: Stamp,
    /// The due date of the task it announces, if it has one.
    pub due: Option<Day>,
}

impl Notification {
    /// Its headline and body as a notification shows them, dates in `words` (see
    /// [`Day::in_words`]): "New kickoff task" / "Kickoff: Acme — Data platform\nDue Dec 4, 2026".
    pub fn text(&self, words: impl Fn(Day) -> String) -> (String, String) {
        let body = match self.due {
            Some(d) => format!("{}\nDue {}", self.body, words(d)),
            None => self.body.clone(),
        };
        (self.title.clone(), body)
    }
}

/// The one notification shown for several that came for me while my laptop was off (or away
/// from the team workspace): "3 handoffs while you were away", naming the first few.
pub fn while_away(waiting: &[Notification]) -> (String, String) {
    const NAMED: usize = 4;
    let handoffs = waiting.iter().all(|n| n.title.starts_with("New "));
    let noun = match (handoffs, waiting.len()) {
        (true, 1) => "handoff",
        (true, _) => "handoffs",
        (false, 1) => "notification",
        (false, _) => "notifications",
    };
    let mut lines: Vec<String> = waiting
        .iter()
        .take(NAMED)
        .map(|n| n.body.lines().next().unwrap_or(&n.title).to_string())
        .collect();
    if waiting.len() > NAMED {
        lines.push(format!("and {} more", waiting.len() - NAMED));
    }
    (
        format!("{} {noun} while you were away", waiting.len()),
        lines.join("\n"),
    )
}

/// Whether task `task` was already reminded of on `day` (a notification whose title starts
/// with one of `prefixes`).
pub(crate) fn reminded_today(
    conn: &Db,
    task: TaskId,
    day: Day,
    prefixes: &[&str; 2],
) -> Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM notifications WHERE task_id = ?1
                 AND substr(created_at, 1, 10) = ?2
                 AND (substr(title, 1, ?3) = ?4 OR substr(title, 1, ?5) = ?6))",
    )?
    .query_row(
        params![
            task,
            day,
            prefixes[0].len() as i64,
            prefixes[0],
            prefixes[1].len() as i64,
            prefixes[1]
        ],
        |r| r.get(0),
    )
}

/// Queues a notification; written in the same transaction as the task it announces.
pub(crate) fn queue(
    conn: &Db,
    recipient: Option<&str>,
    task: Option<TaskId>,
    title: &str,
    body: &str,
    at: &str,
) -> Result<()> {
    conn.insert(
        "INSERT INTO notifications (recipient, recipient_id, task_id, title, body, created_at)
         VALUES (?1, (SELECT id FROM people WHERE name = ?1 COLLATE NOCASE), ?2, ?3, ?4, ?5)",
        params![recipient, task, title, body, at],
    )
}

/// Undelivered notifications for person `recipient`, oldest first.
pub(crate) fn pending(conn: &Db, recipient: PersonId) -> Result<Vec<Notification>> {
    let mut st = conn.prepare_cached(
        "SELECT n.id, n.recipient, n.task_id, n.title, n.body, n.created_at, t.due, t.record_id
           FROM notifications n LEFT JOIN tasks t ON t.id = n.task_id
          WHERE n.delivered_at IS NULL AND n.recipient_id = ?1 ORDER BY n.id",
    )?;
    let rows = st.query_map([recipient], |r| {
        Ok(Notification {
            id: r.get(0)?,
            recipient: r.get(1)?,
            task_id: r.get(2)?,
            title: r.get(3)?,
            body: r.get(4)?,
            created_at: r.get(5)?,
            due: r.get(6)?,
            record_id: r.get(7)?,
        })
    })?;
    Ok(rows)
}

/// Takes back a claimed notification that could not be shown, for the next try.
pub(crate) fn release(conn: &Db, id: NotificationId) -> Result<()> {
    conn.prepare_cached("UPDATE notifications SET delivered_at = NULL WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Marks a notification delivered.
pub(crate) fn mark_delivered(conn: &Db, id: NotificationId, at: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE notifications SET delivered_at = ?2 WHERE id = ?1 AND delivered_at IS NULL",
        )?
        .execute(params![id, at])?
        == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: i64, title: &str, body: &str) -> Notification {
        Notification {
            id: NotificationId(id),
            recipient: Some("Priya".into()),
            task_id: None,
            record_id: None,
            title: title.into(),
            body: body.into(),
            created_at: Stamp::new(chrono::Utc::now()),
            due: None,
        }
    }

    #[test]
    fn several_while_away_are_one_notification_naming_the_first_few() {
        let waiting: Vec<Notification> = (1..=6)
            .map(|i| note(i, "New kickoff task", &format!("Kickoff: Deal {i}")))
            .collect();
        let (summary, body) = while_away(&waiting);
        assert_eq!(summary, "6 handoffs while you were away");
        assert_eq!(
            body,
            "Kickoff: Deal 1\nKickoff: Deal 2\nKickoff: Deal 3\nKickoff: Deal 4\nand 2 more"
        );
        let mixed = [
            note(1, "New kickoff task", "Kickoff: A"),
            note(2, "Overdue: Kickoff: B", "Due yesterday"),
        ];
        assert_eq!(while_away(&mixed).0, "2 notifications while you were away");
    }
}
