-- 0005: every committed write wakes every Baton that follows the team workspace
-- (`LISTEN baton_change`): a teammate's app redraws what changed without a reload. One NOTIFY per
-- write, sent when it commits; a write rolled back says nothing.
CREATE FUNCTION baton_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('baton_change', '');
    RETURN NULL;
END $$;
CREATE TRIGGER changes_wake AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION baton_change_notify();
