-- 0005: every committed write that changed a row wakes every Baton that follows the team
-- workspace (`LISTEN baton_change`): a teammate's app redraws what changed without a reload.
-- It is said from the change log, so a write that changed nothing (a claim that found nothing
-- to claim) wakes nobody; NOTIFY is sent when the write commits, once per write however many
-- rows it changed, and a write rolled back says nothing.
CREATE FUNCTION baton_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('baton_change', '');
    RETURN NULL;
END $$;
CREATE TRIGGER change_log_wake AFTER INSERT ON change_log
    FOR EACH STATEMENT EXECUTE FUNCTION baton_change_notify();
