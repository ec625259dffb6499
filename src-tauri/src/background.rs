//! The background loop: every minute, today's reminders (overdue tasks, long pauses) are
//! queued and anything in the outboxes (notifications, chat posts due a retry) is delivered.

use crate::{lock, notify};
use std::time::Duration;
use tauri::AppHandle;

/// A handoff paused longer than this many days earns a reminder.
const STALE_PAUSE_DAYS: i64 = 3;

pub(crate) fn start(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
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
