-- 0007: a handoff carries its record's kind (which never changes), so the weekly health figures
-- read handoffs without looking up every record.
ALTER TABLE handoffs ADD COLUMN kind TEXT;
UPDATE handoffs SET kind = (SELECT r.kind FROM records r WHERE r.id = handoffs.record_id);
