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

DROP TRIGGER log_records ON records;
CREATE TRIGGER log_records AFTER UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'self', '');
CREATE TRIGGER log_records_insert AFTER INSERT ON records
    FOR EACH ROW EXECUTE FUNCTION baton_log_insert_self();

DROP TRIGGER log_stage_changes ON stage_changes;
CREATE TRIGGER log_stage_changes AFTER UPDATE OR DELETE ON stage_changes
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_stage_changes_insert AFTER INSERT ON stage_changes
    FOR EACH ROW EXECUTE FUNCTION baton_log_insert_record();

DROP TRIGGER log_handoffs ON handoffs;
CREATE TRIGGER log_handoffs AFTER UPDATE OR DELETE ON handoffs
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_handoffs_insert AFTER INSERT ON handoffs
    FOR EACH ROW EXECUTE FUNCTION baton_log_insert_record();

DROP TRIGGER log_tasks ON tasks;
CREATE TRIGGER log_tasks AFTER UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_tasks_insert AFTER INSERT ON tasks
    FOR EACH ROW EXECUTE FUNCTION baton_log_insert_record();

DROP TRIGGER log_events ON events;
CREATE TRIGGER log_events AFTER UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_events_insert AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION baton_log_insert_record();

DROP TRIGGER log_webhook_posts ON webhook_posts;
CREATE TRIGGER log_webhook_posts AFTER UPDATE OR DELETE ON webhook_posts
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_webhook_posts_insert AFTER INSERT ON webhook_posts
    FOR EACH ROW EXECUTE FUNCTION baton_log_insert_record();

DROP TRIGGER log_email_drafts ON email_drafts;
CREATE TRIGGER log_email_drafts AFTER UPDATE OR DELETE ON email_drafts
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'handoff_id', '');
CREATE TRIGGER log_email_drafts_insert AFTER INSERT ON email_drafts
    FOR EACH ROW EXECUTE FUNCTION baton_log_insert_handoff();

DROP TRIGGER log_notifications ON notifications;
CREATE TRIGGER log_notifications AFTER UPDATE OR DELETE ON notifications
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'task_id', '');
CREATE TRIGGER log_notifications_insert AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION baton_log_insert_task();
