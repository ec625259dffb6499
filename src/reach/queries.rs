//! The `webhooks` table and the `webhook_posts` outbox.

use crate::db::params;
use crate::db::sql::{Db, Optional, Row};
use crate::error::Result;
use crate::model::{HandoffId, PostId, RecordId, WebhookId, WebhookKind};

/// A webhook as stored (its address is in the keyring, under `secret_ref`).
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub id: WebhookId,
    pub kind: WebhookKind,
    pub host: String,
    pub playbook: Option<String>,
    pub secret_ref: String,
    pub created_at: String,
}

const COLUMNS: &str = "id, kind, host, playbook, secret_ref, created_at";

fn stored(r: &Row<'_>) -> Result<Stored> {
    Ok(Stored {
        id: r.get(0)?,
        kind: r.get(1)?,
        host: r.get(2)?,
        playbook: r.get(3)?,
        secret_ref: r.get(4)?,
        created_at: r.get(5)?,
    })
}

/// The statement [`active`] reads with, to read ahead.
pub(crate) fn active_sql() -> String {
    format!("SELECT {COLUMNS} FROM webhooks WHERE removed_at IS NULL ORDER BY id")
}

/// The webhooks in use, oldest first.
pub(crate) fn active(conn: &Db) -> Result<Vec<Stored>> {
    let mut st = conn.prepare_cached(&active_sql())?;
    let rows = st.query_map([], stored)?;
    Ok(rows)
}

/// A webhook in use, by id.
pub(crate) fn get(conn: &Db, id: WebhookId) -> Result<Option<Stored>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE id = ?1 AND removed_at IS NULL"
    ))?
    .query_row([id], stored)
    .optional()
}

pub(crate) fn insert(
    conn: &Db,
    kind: WebhookKind,
    host: &str,
    playbook: Option<&str>,
    secret_ref: &str,
    at: &str,
) -> Result<WebhookId> {
    conn.prepare_cached(
        "INSERT INTO webhooks (kind, host, playbook, secret_ref, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .insert(params![kind, host, playbook, secret_ref, at])
    .map(WebhookId)
}

/// Marks a webhook removed and drops its posts still to deliver.
pub(crate) fn remove(conn: &Db, id: WebhookId, at: &str) -> Result<()> {
    conn.prepare_cached("UPDATE webhooks SET removed_at = ?2 WHERE id = ?1")?
        .execute(params![id, at])?;
    conn.prepare_cached(
        "DELETE FROM webhook_posts WHERE webhook_id = ?1 AND delivered_at IS NULL",
    )?
    .execute([id])?;
    Ok(())
}

/// Queues one post, due now.
pub(crate) fn queue(
    conn: &Db,
    webhook: WebhookId,
    (record, handoff): (Option<RecordId>, Option<HandoffId>),
    what: &str,
    body: &str,
    at: &str,
) -> Result<PostId> {
    conn.prepare_cached(
        "INSERT INTO webhook_posts (webhook_id, record_id, handoff_id, what, body, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .insert(params![webhook, record, handoff, what, body, at])
    .map(PostId)
}

/// A post to deliver, as claimed.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub id: PostId,
    pub webhook: Stored,
    pub record_id: Option<RecordId>,
    pub handoff_id: Option<HandoffId>,
    pub body: String,
    pub attempts: u32,
}

/// Claims the first undelivered post after `after` that nobody else holds (and, with `due`,
/// whose next attempt has come), until `until`.
pub(crate) fn claim_next(
    conn: &Db,
    after: PostId,
    due: bool,
    max_attempts: u32,
    now: &str,
    until: &str,
) -> Result<Option<Claimed>> {
    let found = claimable(conn, after, due, max_attempts, now)?;
    if let Some(c) = &found {
        conn.prepare_cached("UPDATE webhook_posts SET claimed_until = ?2 WHERE id = ?1")?
            .execute(params![c.id, until])?;
    }
    Ok(found)
}

/// The next post [`claim_next`] would claim, claiming nothing.
pub(crate) fn claimable(
    conn: &Db,
    after: PostId,
    due: bool,
    max_attempts: u32,
    now: &str,
) -> Result<Option<Claimed>> {
    conn.prepare_cached(
        "SELECT p.id, p.record_id, p.handoff_id, p.body, p.attempts,
                    w.id, w.kind, w.host, w.playbook, w.secret_ref, w.created_at
               FROM webhook_posts p JOIN webhooks w ON w.id = p.webhook_id
              WHERE p.id > ?1 AND p.delivered_at IS NULL AND w.removed_at IS NULL
                AND (p.claimed_until IS NULL OR p.claimed_until < ?2)
                AND (?3 = 0 OR (p.next_attempt_at <= ?2 AND p.attempts < ?4))
              ORDER BY p.id LIMIT 1",
    )?
    .query_row(params![after, now, due, max_attempts], |r| {
        Ok(Claimed {
            id: r.get(0)?,
            record_id: r.get(1)?,
            handoff_id: r.get(2)?,
            body: r.get(3)?,
            attempts: r.get(4)?,
            webhook: Stored {
                id: r.get(5)?,
                kind: r.get(6)?,
                host: r.get(7)?,
                playbook: r.get(8)?,
                secret_ref: r.get(9)?,
                created_at: r.get(10)?,
            },
        })
    })
    .optional()
}

/// Records one attempt: the status (when the server answered) or why it failed, and when to try
/// again unless it landed.
pub(crate) fn attempted(
    conn: &Db,
    id: PostId,
    status: Option<u16>,
    error: Option<&str>,
    delivered_at: Option<&str>,
    next_attempt_at: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE webhook_posts
            SET attempts = attempts + 1, last_status = ?2, last_error = ?3, delivered_at = ?4,
                next_attempt_at = ?5, claimed_until = NULL
          WHERE id = ?1",
    )?
    .execute(params![id, status, error, delivered_at, next_attempt_at])?;
    Ok(())
}

/// How a webhook's posts stand: delivered, waiting, and the latest attempt.
#[derive(Debug, Clone, Default)]
pub(crate) struct Standing {
    pub delivered: u64,
    pub pending: u64,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub last_delivered: bool,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
}

pub(crate) fn standing(conn: &Db, webhook: WebhookId) -> Result<Standing> {
    let (delivered, pending) = conn
        .prepare_cached(
            "SELECT COUNT(delivered_at), COUNT(*) - COUNT(delivered_at)
               FROM webhook_posts WHERE webhook_id = ?1",
        )?
        .query_row([webhook], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let last = conn
        .prepare_cached(
            "SELECT last_status, last_error, delivered_at IS NOT NULL, attempts, next_attempt_at
               FROM webhook_posts WHERE webhook_id = ?1 AND attempts > 0
              ORDER BY id DESC LIMIT 1",
        )?
        .query_row([webhook], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let mut s = Standing {
        delivered,
        pending,
        ..Standing::default()
    };
    if let Some((status, error, landed, attempts, next)) = last {
        s.last_status = status;
        s.last_error = error;
        s.last_delivered = landed;
        s.attempts = attempts;
        s.next_attempt_at = if landed { None } else { Some(next) };
    }
    Ok(s)
}

/// The posts queued after `after`: (id, webhook, what).
pub(crate) fn queued_after(conn: &Db, after: PostId) -> Result<Vec<(PostId, WebhookId, String)>> {
    let mut st = conn.prepare_cached(
        "SELECT id, webhook_id, what FROM webhook_posts WHERE id > ?1 ORDER BY id",
    )?;
    let rows = st.query_map([after], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows)
}

/// Drops one webhook's posts queued after `after` (an import folds them into one).
pub(crate) fn drop_queued_after(conn: &Db, webhook: WebhookId, after: PostId) -> Result<()> {
    conn.prepare_cached("DELETE FROM webhook_posts WHERE webhook_id = ?1 AND id > ?2")?
        .execute(params![webhook, after])?;
    Ok(())
}
