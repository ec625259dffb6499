//! Native notifications: the outbox's rows for the user go out through notify-rust (the
//! desktop's notification daemon over D-Bus on Linux) and are marked delivered only once shown.

use crate::{lock, Shared};
use tauri::{AppHandle, Manager};

/// Delivers every pending notification for the user; stops at the first that cannot be shown
/// and leaves it, and the rest, for the next try.
pub(crate) fn deliver(app: &AppHandle) {
    let shared = app.state::<Shared>();
    let Ok(_one_at_a_time) = shared.delivering.lock() else {
        return;
    };
    let pending = match lock(app).and_then(|ws| Ok(ws.pending_notifications()?)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("baton: notifications: {}", e.message);
            return;
        }
    };
    for n in pending {
        // The lock is not held while the daemon answers.
        let (summary, body) = n.text(baton::Day::in_local_words);
        let shown = notify_rust::Notification::new()
            .appname("Baton")
            .summary(&summary)
            .body(&body)
            .show();
        if let Err(e) = shown {
            eprintln!("baton: notification {} not shown yet: {e}", n.id);
            return;
        }
        if let Err(e) = lock(app).and_then(|mut ws| Ok(ws.mark_delivered(n.id)?)) {
            eprintln!(
                "baton: notification {} shown but not marked: {}",
                n.id, e.message
            );
            return;
        }
    }
}
