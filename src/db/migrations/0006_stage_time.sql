-- 0006: time in stage, kept as the history is written, so the leak check never walks the whole
-- stage history. `records.stage_since` is when a record entered its stage; `stage_time` counts
-- finished stays per kind, stage and hours spent there (to the nearest hour).
ALTER TABLE records ADD COLUMN stage_since TEXT;
UPDATE records SET stage_since = (
    SELECT sc.at FROM stage_changes sc WHERE sc.record_id = records.id
     ORDER BY sc.at DESC, sc.id DESC LIMIT 1);
-- Time in the current stage, read per kind and stage (the index also serves what records_stage
-- did).
DROP INDEX records_stage;
CREATE INDEX records_stage_since ON records (kind, stage, stage_since);
CREATE TABLE stage_time (
    kind   TEXT NOT NULL,
    stage  TEXT NOT NULL,
    hours  INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (kind, stage, hours)
) WITHOUT ROWID;
INSERT INTO stage_time (kind, stage, hours, n)
SELECT kind, stage, hours, COUNT(*) FROM (
    SELECT r.kind, sc.to_stage AS stage,
           MAX(0, CAST(ROUND((julianday(LEAD(sc.at) OVER w) - julianday(sc.at)) * 24) AS INTEGER)) AS hours
      FROM stage_changes sc JOIN records r ON r.id = sc.record_id
    WINDOW w AS (PARTITION BY sc.record_id ORDER BY sc.at, sc.id))
 WHERE hours IS NOT NULL
 GROUP BY kind, stage, hours;
