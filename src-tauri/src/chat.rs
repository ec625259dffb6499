//! Chat webhooks in the app: Settings → Notifications lists, adds, tests and removes them, and
//! the posts a change queues go out after it commits, then every minute while any wait for a
//! retry. The workspace's lock is never held while a server answers: a post is claimed, sent
//! unlocked, then its attempt written.

use crate::error::CmdResult;
use crate::{lock, Shared, WorkspaceExt};
use baton::{Due, Origin, PostId, Webhook, WebhookId, WebhookKind};
use tauri::{AppHandle, Emitter, Manager};

/// Sends the posts that are due, one at a time (a second caller returns at once); tells the
/// window when any attempt was written, so Settings shows it.
pub(crate) fn deliver(app: &AppHandle) {
    let shared = app.state::<Shared>();
    let Ok(_one_at_a_time) = shared.posting.try_lock() else {
        return;
    };
    let mut cursor = PostId(0);
    let mut wrote = false;
    loop {
        let job = match lock(app).and_then(|ws| Ok(ws.reach().claim_post(Due::Now, cursor)?)) {
            Ok(Some(job)) => job,
            Ok(None) => break,
            Err(e) => {
                eprintln!("baton: chat posts: {}", e.message);
                break;
            }
        };
        cursor = job.id();
        let outcome = match job.send() {
            Ok(o) => o,
            Err(e) => {
                eprintln!("baton: chat posts: {e}");
                break;
            }
        };
        match lock(app).and_then(|ws| Ok(ws.reach().finish_post(&job, &outcome)?)) {
            Ok(failure) => {
                wrote = true;
                if let Some(why) = failure {
                    eprintln!("baton: chat post not delivered: {why}");
                }
            }
            Err(e) => eprintln!("baton: chat post {}: {}", job.id(), e.message),
        }
    }
    if wrote {
        let _ = app.emit("workspace-changed", ());
    }
}

#[tauri::command]
pub(crate) async fn webhooks(app: AppHandle) -> CmdResult<Vec<Webhook>> {
    app.read(|ws| ws.reach().webhooks())
}

#[tauri::command]
pub(crate) async fn add_webhook(
    app: AppHandle,
    url: String,
    kind: WebhookKind,
    playbook: Option<String>,
) -> CmdResult<Webhook> {
    app.change(|ws| {
        ws.reach()
            .add_webhook(&url, kind, playbook.as_deref(), Origin::App)
    })
}

#[tauri::command]
pub(crate) async fn remove_webhook(app: AppHandle, id: WebhookId) -> CmdResult<()> {
    app.change(|ws| ws.reach().remove_webhook(id, Origin::App))
}

/// Send test: the HTTP status the webhook answered with, or why it failed as the error.
#[tauri::command]
pub(crate) async fn test_webhook(app: AppHandle, id: WebhookId) -> CmdResult<u16> {
    // Queued without the after-change delivery, which would race this one for the post.
    let job = crate::blocking(|| -> crate::error::CmdResult<_> {
        let post = lock(&app)?.reach().queue_test(id, Origin::App)?;
        Ok(lock(&app)?.reach().claim_test(post)?)
    })?;
    let outcome = tauri::async_runtime::spawn_blocking({
        let job = job.clone();
        move || job.send()
    })
    .await
    .map_err(|e| crate::error::UiError::internal(e.to_string()))??;
    let failure = crate::blocking(|| -> crate::error::CmdResult<_> {
        Ok(lock(&app)?.reach().finish_post(&job, &outcome)?)
    })?;
    let _ = app.emit("workspace-changed", ());
    Ok(baton::webhooks::tested(failure, &outcome)?)
}
