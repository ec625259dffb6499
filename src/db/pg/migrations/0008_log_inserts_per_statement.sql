-- 0008: every logged table's inserts are logged by the statement that made them, from the rows
-- it inserted, in one INSERT … SELECT (0007 did this for records and stage changes). A team
-- import's new records start their handoffs a table at a time — thousands of handoffs,
-- tasks, notifications, drafts and audit events in one statement each — and logging those
-- row by row cost more than inserting them. One function serves every table; its argument
-- says where a row's record is (`self`, `record_id`, `handoff_id`, `task_id`), each case a
-- plain statement the server plans once. The log reads as 0006's: key `[id]`, the record, no
-- before or after, one entry per row in id order; a statement that inserted nothing logs
-- nothing and asks for no change.
CREATE FUNCTION baton_log_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM inserted) THEN
        RETURN NULL;
    END IF;
    change := baton_change();
    IF change IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'self' THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        SELECT change, TG_TABLE_NAME, '[' || n.id || ']', 'insert', n.id
        FROM inserted n ORDER BY n.id;
    ELSIF TG_ARGV[0] = 'record_id' THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        SELECT change, TG_TABLE_NAME, '[' || n.id || ']', 'insert', n.record_id
        FROM inserted n ORDER BY n.id;
    ELSIF TG_ARGV[0] = 'handoff_id' THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        SELECT change, TG_TABLE_NAME, '[' || n.id || ']', 'insert', h.record_id
        FROM inserted n LEFT JOIN handoffs h ON h.id = n.handoff_id ORDER BY n.id;
    ELSIF TG_ARGV[0] = 'task_id' THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id)
        SELECT change, TG_TABLE_NAME, '[' || n.id || ']', 'insert', t.record_id
        FROM inserted n LEFT JOIN tasks t ON t.id = n.task_id ORDER BY n.id;
    ELSE
        RAISE EXCEPTION 'baton_log_inserted does not know where the record of % is', TG_ARGV[0];
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE
    t RECORD;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('records', 'self'),
        ('stage_changes', 'record_id'),
        ('handoffs', 'record_id'),
        ('tasks', 'record_id'),
        ('events', 'record_id'),
        ('webhook_posts', 'record_id'),
        ('email_drafts', 'handoff_id'),
        ('notifications', 'task_id')
    ) AS logged (tbl, rec) LOOP
        EXECUTE format('DROP TRIGGER log_%1$s_insert ON %1$I', t.tbl);
        EXECUTE format('CREATE TRIGGER log_%1$s_insert AFTER INSERT ON %1$I
            REFERENCING NEW TABLE AS inserted
            FOR EACH STATEMENT EXECUTE FUNCTION baton_log_inserted(%2$L)', t.tbl, t.rec);
    END LOOP;
END $$;

DROP FUNCTION baton_log_insert_self();
DROP FUNCTION baton_log_insert_record();
DROP FUNCTION baton_log_insert_handoff();
DROP FUNCTION baton_log_insert_task();
DROP FUNCTION baton_log_inserted_self();
DROP FUNCTION baton_log_inserted_record();
