-- 0007: the records and stage changes one statement inserts are logged by that statement, from
-- the rows it inserted, in one INSERT … SELECT: a first import sends its new records and their
-- first stage changes in batches (COPY), and logging them row by row cost as much as inserting
-- them. The log reads the same as 0006's: key `[id]`, the record, no before or after, one
-- entry per row, in id order. A statement that inserted nothing logs nothing and asks for no
-- change.
CREATE FUNCTION baton_log_inserted_self() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM inserted) THEN
        RETURN NULL;
    END IF;
    change := baton_change();
    IF change IS NOT NULL THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        SELECT change, TG_TABLE_NAME, '[' || n.id || ']', 'insert', n.id
        FROM inserted n ORDER BY n.id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION baton_log_inserted_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM inserted) THEN
        RETURN NULL;
    END IF;
    change := baton_change();
    IF change IS NOT NULL THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        SELECT change, TG_TABLE_NAME, '[' || n.id || ']', 'insert', n.record_id
        FROM inserted n ORDER BY n.id;
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER log_records_insert ON records;
CREATE TRIGGER log_records_insert AFTER INSERT ON records
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION baton_log_inserted_self();
DROP TRIGGER log_stage_changes_insert ON stage_changes;
CREATE TRIGGER log_stage_changes_insert AFTER INSERT ON stage_changes
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION baton_log_inserted_record();
