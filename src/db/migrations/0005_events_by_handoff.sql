-- 0005: the health figures count a handoff's escalations, rejections and pauses.
CREATE INDEX events_handoff ON events (handoff_id, kind);
