//! The background loop: every minute, today's reminders (overdue tasks, long pauses) are
//! queued and anything in the outboxes (notifications, chat posts due a retry) is delivered.
//! On a team workspace every quarter of an hour, and with nobody at the window less and less
//! often (see `activity`), so a serverless database may sleep; a teammate's hand-off still
//! wakes the follower at once, which delivers it.

use crate::team::Place;
use crate::{activity, lock, notify};
use std::time::Duration;
use tauri::{AppHandle, Manager};

/// How often the round runs on a team workspace while someone is at the window.
const TEAM_ROUND: Duration = Duration::from_secs(15 * 60);

/// A handoff paused longer than this many days earns a reminder.
const STALE_PAUSE_DAYS: i64 = 3;

pub(crate) fn start(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        let mut idle = activity::Backoff::due_at_once();
        loop {
            tick.tick().await;
            let team = matches!(
                *crate::held(&app.state::<crate::Shared>().place),
                Place::Team(_)
            );
            // On a team workspace a teammate's change wakes the follower, which delivers what
            // came for me; this round (reminders, retries) comes every quarter of an hour.
            if team && !idle.due(activity::active(&app), TEAM_ROUND) {
                continue;
            }
            let app = app.clone();
            let _ = tauri::async_runtime::spawn_blocking(move || {
                match lock(&app)
                    .and_then(|ws| Ok(ws.handoffs().queue_reminders(STALE_PAUSE_DAYS)?))
                {
                    Ok(n) if n > 0 => crate::changed(&app),
                    Ok(_) => notify::deliver(&app),
                    Err(e) => eprintln!("baton: reminders: {}", e.message),
                }
                crate::chat::deliver(&app);
            })
            .await;
        }
    });
}
