-- 0012: chat webhooks. The address a webhook posts to is a secret kept in the OS keyring under
-- `secret_ref`; the workspace keeps only its kind, its host (to show where posts go) and which
-- playbook it is for (NULL: every playbook). A removed webhook keeps its row for the audit log.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('slack', 'teams', 'gchat', 'json')),
    host        TEXT NOT NULL,
    playbook    TEXT,
    secret_ref  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    removed_at  TEXT
);
-- The posts' outbox: queued in the transaction that handed off, paused or asked for review, and
-- delivered after it commits. `claimed_until` keeps two deliverers (the app and a terminal) from
-- posting the same message; `next_attempt_at` spaces the retries.
CREATE TABLE webhook_posts (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks(id),
    record_id        INTEGER,
    handoff_id       INTEGER,
    what             TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_until    TEXT,
    delivered_at     TEXT,
    last_status      INTEGER,
    last_error       TEXT
);
CREATE INDEX webhook_posts_pending ON webhook_posts (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX webhook_posts_webhook ON webhook_posts (webhook_id, id);
