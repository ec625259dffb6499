-- 0002: what imports need to be fast, remembered and undoable.

-- Round-robin asks for the playbook's last assignee on every handoff.
CREATE INDEX handoffs_playbook_handed ON handoffs (playbook, handed_off_at);

-- A mapping the user chose, reused when a file with the same header row comes again.
CREATE TABLE saved_mappings (
    signature   TEXT PRIMARY KEY,
    headers     TEXT NOT NULL,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    maps        TEXT NOT NULL DEFAULT '[]',
    date_order  TEXT,
    saved_at    TEXT NOT NULL
);

-- The backup taken before the import, and the workspace's state right after it: undo is
-- only offered while nothing else has changed since.
ALTER TABLE imports ADD COLUMN kind TEXT;
ALTER TABLE imports ADD COLUMN backup TEXT;
ALTER TABLE imports ADD COLUMN state_after TEXT;
