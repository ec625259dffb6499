-- 0002: the change log on PostgreSQL, people's names without regard to case, and the one
-- SQLite function Baton's queries use that PostgreSQL lacks. Every write opens a `changes` row and says which in the
-- transaction-local setting `baton.change`; a trigger on each logged table adds a `change_log`
-- row for each row it inserts, updates or deletes, as a laptop's temporary triggers do. A
-- write with no change set is refused, so nothing escapes the write funnel (`team push`'s
-- copy of a laptop's history aside).
--
-- Trigger arguments: the key's columns (comma-separated); where the row's record is
-- (`self`, `record_id`, `handoff_id`, `task_id`, or empty); for a table of counts, its count
-- columns (an undo subtracts what a write added).
-- People's names compare as on a laptop, whatever their case (SQLite's NOCASE); queries
-- written `COLLATE NOCASE` read the same on both.
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
DROP INDEX people_name;
ALTER TABLE people ALTER COLUMN name TYPE TEXT COLLATE nocase;
CREATE UNIQUE INDEX people_name ON people (name);

-- SQLite's json_extract for the '$.key' paths Baton's queries use, so they read the same.
CREATE FUNCTION json_extract(doc TEXT, path TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CAST(doc AS jsonb) #>> string_to_array(substr(path, 3), '.')
$$;

CREATE FUNCTION baton_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change BIGINT := NULLIF(current_setting('baton.change', true), '')::BIGINT;
    keys TEXT[] := string_to_array(TG_ARGV[0], ',');
    counts TEXT[] := string_to_array(NULLIF(TG_ARGV[2], ''), ',');
    o JSONB;
    n JSONB;
    r JSONB;
    k JSONB := '[]';
    rec BIGINT;
    b JSONB := '{}';
    a JSONB := '{}';
    c TEXT;
BEGIN
    -- `baton team push` copies a laptop's history into an empty workspace: not a change.
    IF current_setting('baton.copying', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF change IS NULL THEN
        RAISE EXCEPTION 'a write outside Baton''s write funnel is not logged, so it is refused';
    END IF;
    IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN n := to_jsonb(NEW); END IF;
    r := COALESCE(n, o);
    FOREACH c IN ARRAY keys LOOP
        k := k || jsonb_build_array(r -> c);
    END LOOP;
    rec := CASE TG_ARGV[1]
        WHEN 'self' THEN (r ->> 'id')::BIGINT
        WHEN 'record_id' THEN (r ->> 'record_id')::BIGINT
        WHEN 'handoff_id' THEN (SELECT h.record_id FROM handoffs h WHERE h.id = (r ->> 'handoff_id')::BIGINT)
        WHEN 'task_id' THEN (SELECT t.record_id FROM tasks t WHERE t.id = (r ->> 'task_id')::BIGINT)
    END;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id, before, after)
        VALUES (change, TG_TABLE_NAME, k::text, 'insert', rec, NULL,
                CASE WHEN counts IS NOT NULL THEN n::text END);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (change_id, tbl, key, op, record_id, before, after)
        VALUES (change, TG_TABLE_NAME, k::text, 'delete', rec, o::text, NULL);
    ELSE
        IF counts IS NOT NULL THEN
            FOREACH c IN ARRAY counts LOOP
                b := b || jsonb_build_object(c, o -> c);
                a := a || jsonb_build_object(c, n -> c);
            END LOOP;
            rec := NULL;
        ELSE
            FOR c IN SELECT jsonb_object_keys(n) LOOP
                IF o -> c IS DISTINCT FROM n -> c THEN
                    b := b || jsonb_build_object(c, o -> c);
                    a := a || jsonb_build_object(c, n -> c);
                END IF;
            END LOOP;
            IF b = '{}' THEN
                RETURN NULL;
            END IF;
        END IF;
        INSERT INTO change_log (change_id, tbl, key, op, record_id, before, after)
        VALUES (change, TG_TABLE_NAME, k::text, 'update', rec, b::text, a::text);
    END IF;
    RETURN NULL;
END $$;

-- A team write's log rows are found by their change (a laptop reads an id range instead).
CREATE INDEX change_log_change ON change_log (change_id);

CREATE TRIGGER log_people AFTER INSERT OR UPDATE OR DELETE ON people
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', '', '');
CREATE TRIGGER log_records AFTER INSERT OR UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'self', '');
CREATE TRIGGER log_stage_changes AFTER INSERT OR UPDATE OR DELETE ON stage_changes
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_playbooks AFTER INSERT OR UPDATE OR DELETE ON playbooks
    FOR EACH ROW EXECUTE FUNCTION baton_log('key', '', '');
CREATE TRIGGER log_holidays AFTER INSERT OR UPDATE OR DELETE ON holidays
    FOR EACH ROW EXECUTE FUNCTION baton_log('day', '', '');
CREATE TRIGGER log_handoffs AFTER INSERT OR UPDATE OR DELETE ON handoffs
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_tasks AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_email_drafts AFTER INSERT OR UPDATE OR DELETE ON email_drafts
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'handoff_id', '');
CREATE TRIGGER log_notifications AFTER INSERT OR UPDATE OR DELETE ON notifications
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'task_id', '');
CREATE TRIGGER log_events AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
CREATE TRIGGER log_saved_mappings AFTER INSERT OR UPDATE OR DELETE ON saved_mappings
    FOR EACH ROW EXECUTE FUNCTION baton_log('signature', '', '');
CREATE TRIGGER log_settings AFTER INSERT OR UPDATE OR DELETE ON settings
    FOR EACH ROW EXECUTE FUNCTION baton_log('key', '', '');
CREATE TRIGGER log_stage_time AFTER INSERT OR UPDATE OR DELETE ON stage_time
    FOR EACH ROW EXECUTE FUNCTION baton_log('kind,stage,hours', '', 'n');
CREATE TRIGGER log_handoff_days AFTER INSERT OR UPDATE OR DELETE ON handoff_days
    FOR EACH ROW EXECUTE FUNCTION baton_log('day', '', 'triggered,complete');
CREATE TRIGGER log_missing_at_trigger AFTER INSERT OR UPDATE OR DELETE ON missing_at_trigger
    FOR EACH ROW EXECUTE FUNCTION baton_log('day,field', '', 'n');
CREATE TRIGGER log_webhooks AFTER INSERT OR UPDATE OR DELETE ON webhooks
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', '', '');
CREATE TRIGGER log_webhook_posts AFTER INSERT OR UPDATE OR DELETE ON webhook_posts
    FOR EACH ROW EXECUTE FUNCTION baton_log('id', 'record_id', '');
