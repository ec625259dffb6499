-- 0003: a notification committed for anyone (new, or put back undelivered) wakes every Baton
-- that follows the inbox (`LISTEN baton_inbox`); NOTIFY is sent when the write commits.
CREATE FUNCTION baton_inbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('baton_inbox', COALESCE(NEW.recipient_id::text, ''));
    RETURN NULL;
END $$;
CREATE TRIGGER notifications_wake AFTER INSERT OR UPDATE OF delivered_at ON notifications
    FOR EACH ROW WHEN (NEW.delivered_at IS NULL) EXECUTE FUNCTION baton_inbox_notify();
