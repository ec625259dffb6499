-- 0004: the round-robin asks whom a playbook handed off to last once per hand-off. PostgreSQL
-- sorts NULL first in a descending order, so the shared (playbook, handed_off_at) index answered
-- only after reading past every paused hand-off (no handed_off_at yet): an import's hand-offs
-- took time in the square of their number. This index holds the handed-off rows alone, in the
-- order asked for, and the answer is its first entry.
CREATE INDEX handoffs_last_assignee ON handoffs (playbook, handed_off_at DESC NULLS LAST, id DESC)
    WHERE to_owner IS NOT NULL;
