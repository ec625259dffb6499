//! Reminders the desktop app's background loop queues: an overdue task, and a handoff paused for
//! missing fields longer than a threshold — at most once a day per task, for the user only.

use crate::error::Result;
use crate::fields;
use crate::handoffs::queries::events;
use crate::model::{HandoffStatus, Origin, TaskKind};
use crate::workspace::Workspace;
use chrono::Duration;

/// Title prefixes, so a reminder is recognised (and not repeated) the same day.
const OVERDUE: &str = "Overdue: ";
const STILL_PAUSED: &str = "Still paused: ";

impl Workspace {
    /// Queues today's reminders for the user's open tasks: overdue ones, and complete-fields
    /// tasks whose handoff has been paused for more than `stale_days`. Returns how many were
    /// queued; calling it again the same day queues none.
    pub fn queue_reminders(&mut self, stale_days: i64) -> Result<usize> {
        let Some(me) = self.me()? else {
            return Ok(0);
        };
        let now = self.now();
        let today = now.date_naive().format("%Y-%m-%d").to_string();
        let stale_before =
            (now - Duration::days(stale_days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut due = Vec::new();
        for t in self.tasks(Some(&me.name), true)? {
            // A long pause says more than "overdue" about a complete-fields task.
            if let (TaskKind::CompleteFields, Some(h)) = (t.kind, t.handoff_id) {
                let h = self.handoff(h)?;
                if h.status == HandoffStatus::Paused
                    && h.paused_at
                        .as_deref()
                        .is_some_and(|p| p < stale_before.as_str())
                {
                    let missing: Vec<String> =
                        h.missing_fields.iter().map(|k| fields::label(k)).collect();
                    due.push((
                        t.id,
                        format!("{STILL_PAUSED}{}", h.record_name),
                        format!(
                            "Paused since {}; still missing {}.",
                            h.paused_at
                                .as_deref()
                                .and_then(|p| p.get(0..10))
                                .unwrap_or(""),
                            missing.join(", ")
                        ),
                    ));
                    continue;
                }
            }
            if t.due.as_deref().is_some_and(|d| d < today.as_str()) {
                due.push((
                    t.id,
                    format!("{OVERDUE}{}", t.title),
                    format!("Due {}; it is still open.", t.due.unwrap_or_default()),
                ));
            }
        }
        self.write(Origin::System, |cx| {
            let mut queued = 0;
            for (task, title, body) in &due {
                let already =
                    events::reminded_today(cx.conn, *task, &today, &[OVERDUE, STILL_PAUSED])?;
                if !already {
                    events::queue(
                        cx.conn,
                        Some(&me.name),
                        Some(*task),
                        title,
                        body,
                        cx.stamp(),
                    )?;
                    queued += 1;
                }
            }
            Ok(queued)
        })
    }
}
