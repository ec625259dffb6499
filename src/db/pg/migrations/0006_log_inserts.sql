-- 0006: an inserted row is logged without reading the whole row. `baton_log` turns every row
-- into JSON to find its key and record; for an insert into a table keyed by `id` (every table
-- an import writes row by row) the log needs only the id and the record, which these read
-- directly: an import's rows cost a third less on the server. Updates, deletes and the tables
-- of counts (whose inserts log the counts) keep `baton_log`. The log reads the same: key
-- `[id]`, the record, no before or after.
-- The write's change, as `baton_log` reads it: none while `team push` copies a laptop's
-- history (not a change), and a write outside the funnel refused.
CREATE FUNCTION baton_change() RETURNS BIGINT LANGUAGE plpgsql STABLE AS $$
DECLARE
    change BIGINT := NULLIF(current_setting('baton.change', true), '')::BIGINT;
BEGIN
    IF current_setting('baton.copying', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF change IS NULL THEN
        RAISE EXCEPTION 'a write outside Baton''s write funnel is not logged, so it is refused';
    END IF;
    RETURN change;
END $$;

-- The record is the row itself (records).
CREATE FUNCTION baton_log_insert_self() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT := baton_change();
BEGIN
    IF change IS NOT NULL THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        VALUES (change, TG_TABLE_NAME, '[' || NEW.id || ']', 'insert', NEW.id);
    END IF;
    RETURN NULL;
END $$;

-- The record is the row's record_id.
CREATE FUNCTION baton_log_insert_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT := baton_change();
BEGIN
    IF change IS NOT NULL THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        VALUES (change, TG_TABLE_NAME, '[' || NEW.id || ']', 'insert', NEW.record_id);
    END IF;
    RETURN NULL;
END $$;

-- The record is the row's hand-off's.
CREATE FUNCTION baton_log_insert_handoff() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT := baton_change();
BEGIN
    IF change IS NOT NULL THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        VALUES (change, TG_TABLE_NAME, '[' || NEW.id || ']', 'insert',
                (SELECT h.record_id FROM handoffs h WHERE h.id = NEW.handoff_id));
    END IF;
    RETURN NULL;
END $$;

-- The record is the row's task's.
CREATE FUNCTION baton_log_insert_task() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT := baton_change();
BEGIN
    IF change IS NOT NULL THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        VALUES (change, TG_TABLE_NAME, '[' || NEW.id || ']', 'insert',
                (SELECT t.record_id FROM tasks t WHERE t.id = NEW.task_id));
    END IF;
    RETURN NULL;
END $$;

-- Each table's insert trigger; updates and deletes stay with `baton_log`, keyed by id, the
-- record found as before.
DO $$
DECLARE
    t RECORD;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('records', 'self', 'baton_log_insert_self'),
        ('stage_changes', 'record_id', 'baton_log_insert_record'),
        ('handoffs', 'record_id', 'baton_log_insert_record'),
        ('tasks', 'record_id', 'baton_log_insert_record'),
        ('events', 'record_id', 'baton_log_insert_record'),
        ('webhook_posts', 'record_id', 'baton_log_insert_record'),
        ('email_drafts', 'handoff_id', 'baton_log_insert_handoff'),
        ('notifications', 'task_id', 'baton_log_insert_task')
    ) AS logged (tbl, rec, insert_fn) LOOP
        EXECUTE format('DROP TRIGGER log_%1$s ON %1$I', t.tbl);
        EXECUTE format('CREATE TRIGGER log_%1$s AFTER UPDATE OR DELETE ON %1$I
            FOR EACH ROW EXECUTE FUNCTION baton_log(%2$L, %3$L, %4$L)', t.tbl, 'id', t.rec, '');
        EXECUTE format('CREATE TRIGGER log_%1$s_insert AFTER INSERT ON %1$I
            FOR EACH ROW EXECUTE FUNCTION %2$I()', t.tbl, t.insert_fn);
    END LOOP;
END $$;
