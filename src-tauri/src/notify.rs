//! Native notifications: the outbox's rows for the user go out through notify-rust (the
//! desktop's notification daemon over D-Bus on Linux) and are marked delivered only once shown.

use crate::{lock, Shared};
use tauri::{AppHandle, Manager};

/// Shows every notification waiting for the user. They are claimed first (marked delivered in
/// one write), so `baton inbox --follow` or another laptop never shows the same one; one the
/// daemon cannot show goes back, with the rest, for the next try.
pub(crate) fn deliver(app: &AppHandle) {
    let shared = app.state::<Shared>();
    let Ok(_one_at_a_time) = shared.delivering.lock() else {
        return;
    };
    let claimed = match lock(app).and_then(|ws| Ok(ws.reach().claim_notifications()?)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("baton: notifications: {}", e.message);
            return;
        }
    };
    // The first delivery since the app started or the team workspace came back: several that
    // came meanwhile are one notification ("3 handoffs while you were away").
    let away = shared.away.swap(false, std::sync::atomic::Ordering::SeqCst);
    if away && claimed.len() > 1 {
        let (summary, body) = baton::while_away(&claimed);
        if let Err(e) = show(&summary, &body) {
            eprintln!("baton: notifications not shown yet: {e}");
            shared.away.store(true, std::sync::atomic::Ordering::SeqCst);
            for n in claimed {
                put_back(app, n.id);
            }
        }
        return;
    }
    let mut left = claimed.into_iter();
    for n in left.by_ref() {
        // The lock is not held while the daemon answers.
        let (summary, body) = n.text(baton::Day::in_local_words);
        if let Err(e) = show(&summary, &body) {
            eprintln!("baton: notification {} not shown yet: {e}", n.id);
            put_back(app, n.id);
            break;
        }
    }
    for n in left {
        put_back(app, n.id);
    }
}

/// One native notification from Baton.
fn show(summary: &str, body: &str) -> notify_rust::error::Result<()> {
    notify_rust::Notification::new()
        .appname("Baton")
        .summary(summary)
        .body(body)
        .show()
        .map(|_| ())
}

fn put_back(app: &AppHandle, id: baton::NotificationId) {
    if let Err(e) = lock(app).and_then(|ws| Ok(ws.reach().release_notification(id)?)) {
        eprintln!(
            "baton: notification {id} could not be put back: {}",
            e.message
        );
    }
}
