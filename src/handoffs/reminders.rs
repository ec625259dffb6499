//! Reminders the desktop app's background loop queues: an overdue task, and a handoff paused for
//! missing fields longer than a threshold — at most once a day per task, for the user only.

use crate::clock::{Day, Stamp};
use crate::db::sql::Db;
use crate::error::Result;
use crate::fields;
use crate::handoffs::queries::{events, handoffs, tasks};
use crate::model::{HandoffStatus, Origin, Person, TaskId, TaskKind};
use chrono::Duration;

/// Title prefixes, so a reminder is recognised (and not repeated) the same day.
const OVERDUE: &str = "Overdue: ";
const STILL_PAUSED: &str = "Still paused: ";

impl crate::workspace::concepts::Handoffs<'_> {
    /// Queues today's reminders for the user's open tasks: overdue ones, and complete-fields
    /// tasks whose handoff has been paused for more than `stale_days`. Returns how many were
    /// queued; calling it again the same day queues none.
    pub fn queue_reminders(&self, stale_days: i64) -> Result<usize> {
        let Some(me) = self.me()? else {
            return Ok(0);
        };
        let now = self.now();
        let today = Day(now.date_naive());
        let stale_before = Stamp::new(now - Duration::days(stale_days));
        // Most minutes there is nothing to remind of: that is read first, and only a reminder
        // to queue opens a write (which reads again what it decides on).
        if due_reminders(&self.conn, &me, today, stale_before)?.is_empty() {
            return Ok(0);
        }
        self.write(Origin::System, |cx| {
            let due = due_reminders(cx.conn, &me, today, stale_before)?;
            for (task, title, body) in &due {
                events::queue(
                    cx.conn,
                    Some(&me.name),
                    Some(*task),
                    title,
                    body,
                    cx.stamp(),
                )?;
            }
            Ok(due.len())
        })
    }
}

/// What to remind `me` of today and has not been reminded of yet, as the workspace stands on
/// `conn`: per task, the reminder's title and body.
fn due_reminders(
    conn: &Db,
    me: &Person,
    today: Day,
    stale_before: Stamp,
) -> Result<Vec<(TaskId, String, String)>> {
    let mut due = Vec::new();
    for t in tasks::list(conn, Some(me.id), true)? {
        // A long pause says more than "overdue" about a complete-fields task.
        if let (TaskKind::CompleteFields, Some(h)) = (t.kind, t.handoff_id) {
            let Some(h) = handoffs::get(conn, h)? else {
                continue;
            };
            if h.status == HandoffStatus::Paused && h.paused_at.is_some_and(|p| p < stale_before) {
                let missing: Vec<String> =
                    h.missing_fields.iter().map(|k| fields::label(k)).collect();
                due.push((
                    t.id,
                    format!("{STILL_PAUSED}{}", h.record_name),
                    format!(
                        "Paused since {}; still missing {}.",
                        h.paused_at.map(|p| p.day().to_string()).unwrap_or_default(),
                        missing.join(", ")
                    ),
                ));
                continue;
            }
        }
        if t.due.is_some_and(|d| d < today) {
            due.push((
                t.id,
                format!("{OVERDUE}{}", t.title),
                "It is still open.".to_string(),
            ));
        }
    }
    let mut fresh = Vec::with_capacity(due.len());
    for d in due {
        if !events::reminded_today(conn, d.0, today, &[OVERDUE, STILL_PAUSED])? {
            fresh.push(d);
        }
    }
    Ok(fresh)
}
