-- 0001: the first workspace schema: records and their stage history, people, playbooks,
-- handoffs with their tasks, drafts and outbox, imports, and the append-only audit log.

CREATE TABLE people (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email   TEXT,
    role    TEXT NOT NULL CHECK (role IN ('sales', 'marketing', 'delivery', 'founder')),
    is_me   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    source      TEXT NOT NULL,
    mapping     TEXT NOT NULL DEFAULT '{}',
    rows        INTEGER NOT NULL DEFAULT 0,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    at          TEXT NOT NULL,
    undone_at   TEXT
);

CREATE TABLE import_errors (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    row         INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    column_name TEXT,
    message     TEXT NOT NULL
);

CREATE TABLE records (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('deal', 'lead')),
    source      TEXT NOT NULL,
    external_id TEXT,
    name        TEXT NOT NULL,
    stage       TEXT NOT NULL,
    owner       TEXT,
    fields      TEXT NOT NULL DEFAULT '{}',
    flags       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX records_external ON records (source, kind, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX records_stage ON records (kind, stage);

CREATE TABLE stage_changes (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    from_stage  TEXT,
    to_stage    TEXT NOT NULL,
    at          TEXT NOT NULL,
    origin      TEXT NOT NULL,
    import_id   INTEGER REFERENCES imports(id)
);
CREATE INDEX stage_changes_record ON stage_changes (record_id, at);

CREATE TABLE playbooks (
    key         TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    definition  TEXT NOT NULL
);

CREATE TABLE holidays (
    day     TEXT PRIMARY KEY,
    name    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE handoffs (
    id                   INTEGER PRIMARY KEY,
    record_id            INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    playbook             TEXT NOT NULL,
    status               TEXT NOT NULL,
    missing_fields       TEXT NOT NULL DEFAULT '[]',
    complete_at_trigger  INTEGER NOT NULL,
    from_owner           TEXT,
    to_owner             TEXT,
    context              TEXT NOT NULL DEFAULT '{}',
    note                 TEXT,
    triggered_at         TEXT NOT NULL,
    paused_at            TEXT,
    handed_off_at        TEXT,
    kickoff_scheduled_at TEXT,
    closed_at            TEXT
);
CREATE INDEX handoffs_record ON handoffs (record_id);
CREATE INDEX handoffs_status ON handoffs (status);

CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    handoff_id    INTEGER REFERENCES handoffs(id) ON DELETE CASCADE,
    record_id     INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    assignee      TEXT,
    due           TEXT,
    status        TEXT NOT NULL DEFAULT 'open',
    checklist     TEXT NOT NULL DEFAULT '[]',
    kickoff_date  TEXT,
    created_at    TEXT NOT NULL,
    done_at       TEXT
);
CREATE INDEX tasks_handoff ON tasks (handoff_id);
CREATE INDEX tasks_assignee ON tasks (assignee, status);

CREATE TABLE email_drafts (
    id          INTEGER PRIMARY KEY,
    handoff_id  INTEGER NOT NULL REFERENCES handoffs(id) ON DELETE CASCADE,
    recipient   TEXT,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'draft',
    created_at  TEXT NOT NULL
);

CREATE TABLE notifications (
    id            INTEGER PRIMARY KEY,
    recipient     TEXT,
    task_id       INTEGER REFERENCES tasks(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    delivered_at  TEXT
);
CREATE INDEX notifications_pending ON notifications (delivered_at) WHERE delivered_at IS NULL;

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    record_id   INTEGER,
    handoff_id  INTEGER,
    kind        TEXT NOT NULL,
    rule        TEXT,
    fields      TEXT NOT NULL DEFAULT '[]',
    message     TEXT NOT NULL
);
CREATE INDEX events_record ON events (record_id);

-- The audit log is append-only: history is never rewritten.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
