-- 0011: a welcome email draft is edited, then marked as sent by a person: who and when.
-- `status` stays 'draft' until then and becomes 'sent'; a sent draft is read-only.
ALTER TABLE email_drafts ADD COLUMN edited_at TEXT;
ALTER TABLE email_drafts ADD COLUMN sent_at TEXT;
ALTER TABLE email_drafts ADD COLUMN sent_by TEXT;
CREATE INDEX email_drafts_handoff ON email_drafts (handoff_id);
