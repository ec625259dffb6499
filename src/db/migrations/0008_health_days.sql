-- 0008: the weekly health figures are kept as handoffs fire, so `baton health` reads a few
-- rows per day instead of every handoff and its first pause. `handoff_days` counts the
-- handoffs triggered each day (UTC) and how many had every required field; `missing_at_trigger`
-- counts, per day, each field missing when a handoff fired (the fields of its first pause).
-- Handoffs are never deleted (an import is undone by restoring the copy taken before it), so
-- counting at insert keeps both exact.
CREATE TABLE handoff_days (
    day        TEXT PRIMARY KEY,
    triggered  INTEGER NOT NULL,
    complete   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO handoff_days (day, triggered, complete)
SELECT date(triggered_at), COUNT(*), SUM(complete_at_trigger) FROM handoffs
 WHERE date(triggered_at) IS NOT NULL GROUP BY 1;
CREATE TABLE missing_at_trigger (
    day    TEXT NOT NULL,
    field  TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (day, field)
) WITHOUT ROWID;
INSERT INTO missing_at_trigger (day, field, n)
SELECT date(h.triggered_at), j.value, COUNT(*) FROM handoffs h
  JOIN events e ON e.id = (SELECT MIN(p.id) FROM events p
                            WHERE p.handoff_id = h.id AND p.kind = 'paused')
  JOIN json_each(e.fields) j
 WHERE h.complete_at_trigger = 0 AND date(h.triggered_at) IS NOT NULL
 GROUP BY 1, 2;
-- The few handoffs the rest of the figures and the leak check read, each by its own index.
CREATE INDEX handoffs_kickoff ON handoffs (triggered_at) WHERE kickoff_scheduled_at IS NOT NULL;
CREATE INDEX handoffs_leads ON handoffs (triggered_at) WHERE kind = 'lead';
CREATE INDEX handoffs_unfinished ON handoffs (kind, triggered_at)
    WHERE handed_off_at IS NULL AND status <> 'cancelled';
CREATE INDEX events_escalations ON events (kind, handoff_id) WHERE kind IN ('escalated', 'rejected');
