-- 0009: a login per teammate, and the database deciding who may do what.
--
-- Each teammate connects with a PostgreSQL LOGIN role of their own (`baton team invite`), tied
-- to a person in `members`. Two group roles per workspace carry the rights: `…_team` (every
-- teammate) and `…_admin` (admins, also in `…_team`); their names hold a tag drawn here, so
-- several team workspaces on one server never share a role. The login that ran `team init`
-- owns the tables (schema changes are its alone) and is the first admin.
--
-- Why grants and triggers rather than row-level security: everyone on a team sees every row;
-- what differs is what a teammate may *decide*, and those rules read the playbook (its
-- reviewer), the change that made an import, or the admins — triggers that refuse with a
-- sentence naming who may. Grants keep the audit log and the change log INSERT-only for every
-- teammate; the triggers hold the owner to the same (it is a teammate too).
--
-- Who did it is the login: a change records `session_user`, and the audit log's actor is
-- worked out here from it, whatever a client sends.
CREATE TABLE team (
    tag   TEXT NOT NULL,
    owner TEXT NOT NULL
);
INSERT INTO team (tag, owner)
VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 8), current_user);

-- A group role of this workspace: 'team' or 'admin'.
CREATE FUNCTION baton_group(what TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT 'baton_' || tag || '_' || what FROM team
$$;

-- What a write locks to take its turn (an import or an undo alone, the rest side by side). It
-- was the change log; a teammate may take this lock without any right to rewrite that log.
CREATE TABLE write_turn ();

CREATE TABLE members (
    login       TEXT PRIMARY KEY,
    person      TEXT NOT NULL COLLATE nocase,
    invited_at  TEXT NOT NULL,
    invited_by  TEXT,
    revoked_at  TEXT
);
CREATE UNIQUE INDEX members_person ON members (person) WHERE revoked_at IS NULL;

-- The person this session's login is (none: a login nobody was tied to).
CREATE FUNCTION baton_me() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT person FROM members WHERE login = session_user AND revoked_at IS NULL
$$;

CREATE FUNCTION baton_is_admin() RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(session_user, baton_group('admin'), 'MEMBER')
$$;

-- The admins by name (but `besides`), for a refusal.
CREATE FUNCTION baton_admins(besides TEXT DEFAULT NULL) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT string_agg(m.person, ', ' ORDER BY m.person)
      FROM members m JOIN pg_roles r ON r.rolname = m.login
     WHERE m.revoked_at IS NULL AND pg_has_role(r.oid, baton_group('admin'), 'MEMBER')
       AND lower(m.person) IS DISTINCT FROM lower(besides)
$$;

-- The audit log's actor: who, and how (an import too: on a laptop it is just 'import', since
-- the file says nothing of who ran it; here the login does); a login tied to nobody, how only.
CREATE FUNCTION baton_actor(origin TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN baton_me() IS NOT NULL
                THEN baton_me() || ' (' || CASE WHEN origin = 'watch' THEN 'import' ELSE origin END || ')'
                WHEN origin = 'watch' THEN 'import'
                ELSE origin END
$$;

CREATE FUNCTION baton_refuse(message TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = message;
END $$;

-- A change is the login's: who made it is never what the client says.
ALTER TABLE changes ADD COLUMN login TEXT;
CREATE INDEX changes_login ON changes (login, at);
CREATE FUNCTION baton_change_by() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.login := session_user;
    NEW.actor := baton_actor(NEW.origin);
    RETURN NEW;
END $$;
CREATE TRIGGER changes_by BEFORE INSERT ON changes
    FOR EACH ROW EXECUTE FUNCTION baton_change_by();

-- Who reviews playbook `pb`'s exceptions: its reviewer when on the team, else the founder.
CREATE FUNCTION baton_reviewer(pb TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT p.name FROM playbooks b
           JOIN people p ON p.name = CAST(b.definition AS jsonb) ->> 'reviewer'
          WHERE b.key = pb),
        (SELECT name FROM people WHERE role = 'founder' ORDER BY id LIMIT 1))
$$;

-- Refuses deciding handoff `h`'s exception (`what`: approve, send back) unless this login is
-- its reviewer (the deal's owner when it went to review, when the team names none) or an admin.
CREATE FUNCTION baton_must_review(h BIGINT, what TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    who TEXT;
BEGIN
    SELECT COALESCE(baton_reviewer(ho.playbook), ho.from_owner) INTO who
      FROM handoffs ho WHERE ho.id = h;
    IF baton_is_admin() OR lower(who) = lower(baton_me()) THEN
        RETURN;
    END IF;
    PERFORM baton_refuse(format('Only a reviewer can %s this exception: %s%s.',
        what, COALESCE(who, 'nobody is named'),
        COALESCE(' (admins can too: ' || baton_admins(who) || ')', '')));
END $$;

CREATE FUNCTION baton_handoff_decided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM baton_must_review(NEW.id,
        CASE WHEN NEW.status = 'sent_back' THEN 'send back' ELSE 'approve' END);
    RETURN NEW;
END $$;
CREATE TRIGGER handoffs_decided BEFORE UPDATE OF status ON handoffs FOR EACH ROW
    WHEN (OLD.status = 'in_review'
          AND NEW.status IN ('handed_off', 'sent_back', 'accepted', 'kickoff_scheduled', 'escalated'))
    EXECUTE FUNCTION baton_handoff_decided();

-- An audit event belongs to its login's change; its actor is worked out here; a decision on an
-- exception is the reviewer's.
ALTER TABLE events ADD COLUMN change_id BIGINT;
CREATE FUNCTION baton_event_by() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c RECORD;
BEGIN
    IF current_setting('baton.copying', true) = 'on' THEN
        IF NOT baton_is_admin() THEN
            PERFORM baton_refuse('Only an admin can copy a laptop workspace into the team workspace: '
                || COALESCE(baton_admins(), 'nobody') || '.');
        END IF;
        RETURN NEW;
    END IF;
    SELECT id, origin, login INTO c FROM changes WHERE id = baton_change();
    IF c.login IS DISTINCT FROM session_user THEN
        PERFORM baton_refuse('an audit event is written under the change of the login writing it');
    END IF;
    NEW.change_id := c.id;
    NEW.actor := baton_actor(c.origin);
    IF NEW.kind = 'approved' THEN
        PERFORM baton_must_review(NEW.handoff_id, 'approve');
    ELSIF NEW.kind = 'sent_back' THEN
        PERFORM baton_must_review(NEW.handoff_id, 'send back');
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER events_by BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION baton_event_by();
-- The events already there, tied to the change that wrote them (for an import's undo).
ALTER TABLE events DISABLE TRIGGER USER;
UPDATE events e SET change_id = l.change_id
  FROM change_log l
 WHERE l.tbl = 'events' AND l.op = 'insert' AND l.key = '[' || e.id || ']';
ALTER TABLE events ENABLE TRIGGER USER;
CREATE INDEX events_change ON events (change_id);

-- Undoing an import is for the teammate who ran it, and admins.
CREATE FUNCTION baton_may_undo(i BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT baton_is_admin() OR EXISTS (
        SELECT 1 FROM changes WHERE import_id = i AND undoes IS NULL AND login = session_user)
$$;
CREATE FUNCTION baton_must_undo(i BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    who TEXT;
BEGIN
    IF baton_may_undo(i) THEN
        RETURN;
    END IF;
    SELECT COALESCE(m.person, c.login, 'someone before each teammate had a login') INTO who
      FROM changes c LEFT JOIN members m ON m.login = c.login
     WHERE c.import_id = i AND c.undoes IS NULL;
    PERFORM baton_refuse(format('Only the teammate who ran import %s (%s) or an admin (%s) can undo it.',
        i, COALESCE(who, 'unknown'), COALESCE(baton_admins(), 'nobody')));
END $$;
CREATE FUNCTION baton_import_undone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM baton_must_undo(OLD.id);
    RETURN NEW;
END $$;
CREATE TRIGGER imports_undone BEFORE UPDATE OF undone_at ON imports FOR EACH ROW
    WHEN (OLD.undone_at IS NULL AND NEW.undone_at IS NOT NULL)
    EXECUTE FUNCTION baton_import_undone();

-- An import's change names the import: stamped here, by the owner, since teammates may not
-- update the change log.
CREATE FUNCTION baton_import_stamp() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM set_config('baton.stamping', 'on', true);
    UPDATE changes SET import_id = NEW.id
     WHERE id = baton_change() AND import_id IS NULL AND login = session_user;
    PERFORM set_config('baton.stamping', 'off', true);
    RETURN NULL;
END $$;
CREATE TRIGGER imports_stamp AFTER INSERT ON imports
    FOR EACH ROW EXECUTE FUNCTION baton_import_stamp();

-- An import's undo removes the audit events it wrote: only those, only for whoever may undo it.
CREATE FUNCTION baton_undo_event(event BIGINT) RETURNS BIGINT LANGUAGE plpgsql SECURITY DEFINER
    SET search_path FROM CURRENT AS $$
DECLARE
    n BIGINT;
BEGIN
    DELETE FROM events e
     USING undoing u, changes c
     WHERE e.id = event AND c.id = e.change_id AND c.import_id = u.import_id
       AND c.undoes IS NULL AND baton_may_undo(u.import_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- The change log and the changes are append-only for everyone, the owner included (the
-- stamp above aside); the audit log already was (an import's undo aside). None is truncated.
CREATE FUNCTION baton_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'changes'
       AND current_setting('baton.stamping', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = format('the %s is append-only', CASE TG_TABLE_NAME
            WHEN 'events' THEN 'audit log' ELSE 'change log' END);
END $$;
CREATE TRIGGER changes_append_only BEFORE UPDATE OR DELETE ON changes
    FOR EACH ROW EXECUTE FUNCTION baton_log_append_only();
CREATE TRIGGER change_log_append_only BEFORE UPDATE OR DELETE ON change_log
    FOR EACH ROW EXECUTE FUNCTION baton_log_append_only();
CREATE TRIGGER changes_no_truncate BEFORE TRUNCATE ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION baton_log_append_only();
CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON change_log
    FOR EACH STATEMENT EXECUTE FUNCTION baton_log_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION baton_log_append_only();

-- Playbooks, people and roles, holidays, chat webhooks and saved mappings are the admins' to
-- change. An import names owners (and a mapping the user chose), and an import's undo takes
-- back what its import added: those are anyone's who may run them.
CREATE FUNCTION baton_admin_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    origin TEXT;
BEGIN
    IF baton_is_admin() THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    SELECT c.origin INTO origin FROM changes c
     WHERE c.id = NULLIF(current_setting('baton.change', true), '')::BIGINT;
    IF TG_TABLE_NAME IN ('people', 'saved_mappings') AND TG_OP <> 'DELETE'
       AND origin IN ('import', 'watch') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM undoing u WHERE baton_may_undo(u.import_id)) THEN
        RETURN OLD;
    END IF;
    PERFORM baton_refuse(format('Only an admin can change %s: %s.', CASE TG_TABLE_NAME
        WHEN 'people' THEN 'the team''s people and roles'
        WHEN 'playbooks' THEN 'playbooks'
        WHEN 'holidays' THEN 'holidays'
        WHEN 'webhooks' THEN 'chat webhooks'
        ELSE 'saved mappings' END, COALESCE(baton_admins(), 'nobody')));
    RETURN NULL;
END $$;
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['people', 'playbooks', 'holidays', 'webhooks', 'saved_mappings'] LOOP
        EXECUTE format('CREATE TRIGGER %1$s_admin_only BEFORE INSERT OR UPDATE OR DELETE ON %1$I
            FOR EACH ROW EXECUTE FUNCTION baton_admin_only()', t);
    END LOOP;
END $$;

-- The group roles and their grants; the owner the first admin. Nobody else — no other
-- workspace's logins, no provider's API roles — keeps any right on these tables.
DO $$
DECLARE
    t RECORD;
    g RECORD;
    team_role TEXT := baton_group('team');
    admin_role TEXT := baton_group('admin');
BEGIN
    EXECUTE format('CREATE ROLE %I NOLOGIN', team_role);
    EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE %I', admin_role, team_role);
    EXECUTE format('GRANT %I TO %I', admin_role, session_user);
    FOR g IN SELECT DISTINCT table_name, grantee FROM information_schema.table_privileges
              WHERE table_schema = current_schema()
                AND grantee NOT IN (current_user, team_role, admin_role) LOOP
        EXECUTE format('REVOKE ALL ON %I FROM %s', g.table_name,
            CASE WHEN g.grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(g.grantee) END);
    END LOOP;
    FOR t IN SELECT tablename::text AS name FROM pg_tables WHERE schemaname = current_schema() LOOP
        EXECUTE format('GRANT SELECT ON %I TO %I', t.name, team_role);
        IF t.name IN ('events', 'changes', 'change_log') THEN
            EXECUTE format('GRANT INSERT ON %I TO %I', t.name, team_role);
        ELSIF t.name NOT IN ('schema_migrations', 'team', 'members') THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON %I TO %I', t.name, team_role);
        END IF;
    END LOOP;
    -- An import takes its new rows' ids ahead (nextval).
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), team_role);
    EXECUTE format('REVOKE ALL ON FUNCTION baton_undo_event(BIGINT) FROM PUBLIC');
    EXECUTE format('GRANT EXECUTE ON FUNCTION baton_undo_event(BIGINT) TO %I', team_role);
END $$;

-- Inviting, revoking and making admin: by the owner's rights, for an admin only (the last two
-- say which login they changed). A password arrives already hashed (SCRAM), so it is never in
-- a statement, a log or pg_stat_activity.
CREATE FUNCTION baton_must_be_admin(what TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    IF NOT baton_is_admin() THEN
        PERFORM baton_refuse(format('Only an admin can %s: %s.', what, COALESCE(baton_admins(), 'nobody')));
    END IF;
END $$;

CREATE FUNCTION baton_invite(login TEXT, person TEXT, admin BOOLEAN, verifier TEXT, at TEXT)
    RETURNS VOID LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM baton_must_be_admin('invite a teammate');
    IF EXISTS (SELECT 1 FROM members m WHERE m.person = baton_invite.person AND m.revoked_at IS NULL) THEN
        PERFORM baton_refuse(format('%s already has a login on this team workspace; revoke it first (baton team revoke %s) to give them a new one',
            person, quote_ident(person)));
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', login, verifier, baton_group('team'));
    IF admin THEN
        EXECUTE format('GRANT %I TO %I', baton_group('admin'), login);
    END IF;
    -- Its owner may end its sessions when it is revoked.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT %I TO %I', login, current_user);
    END IF;
    INSERT INTO members (login, person, invited_at, invited_by)
    VALUES (login, person, at, baton_me());
END $$;

-- The login `who` has, for an admin about to `what` (refused when they have none).
CREATE FUNCTION baton_login_of(who TEXT, what TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
    l TEXT;
BEGIN
    PERFORM baton_must_be_admin(what);
    SELECT login INTO l FROM members WHERE person = who AND revoked_at IS NULL;
    IF l IS NULL THEN
        PERFORM baton_refuse(format('%s has no login on this team workspace', who));
    END IF;
    RETURN l;
END $$;

CREATE FUNCTION baton_set_admin(who TEXT, admin BOOLEAN) RETURNS TEXT LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    l TEXT := baton_login_of(who, 'make a teammate an admin, or not');
BEGIN
    IF admin THEN
        EXECUTE format('GRANT %I TO %I', baton_group('admin'), l);
    ELSIF l = (SELECT owner FROM team) THEN
        PERFORM baton_refuse(format('%s set up this team workspace and owns its tables, so stays an admin', who));
    ELSE
        EXECUTE format('REVOKE %I FROM %I', baton_group('admin'), l);
    END IF;
    RETURN l;
END $$;

CREATE FUNCTION baton_revoke(who TEXT, at TEXT) RETURNS TEXT LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    l TEXT := baton_login_of(who, 'revoke a teammate''s login');
BEGIN
    IF l = session_user THEN
        PERFORM baton_refuse('you cannot revoke your own login; ask another admin');
    END IF;
    IF l = (SELECT owner FROM team) THEN
        PERFORM baton_refuse(format('%s set up this team workspace and owns its tables; its login cannot be revoked here', who));
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN', l);
    EXECUTE format('REVOKE %I FROM %I', baton_group('team'), l);
    EXECUTE format('REVOKE %I FROM %I', baton_group('admin'), l);
    UPDATE members SET revoked_at = at WHERE login = l;
    RETURN l;
END $$;

-- Ends the sessions of a revoked login (after the revoke commits, so none opens again).
CREATE FUNCTION baton_end_sessions(l TEXT) RETURNS BIGINT LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    n BIGINT;
    p INT;
BEGIN
    PERFORM baton_must_be_admin('end a teammate''s sessions');
    IF NOT EXISTS (SELECT 1 FROM members WHERE login = l AND revoked_at IS NOT NULL) THEN
        RETURN 0;
    END IF;
    n := 0;
    FOR p IN SELECT pid FROM pg_stat_activity WHERE usename = l LOOP
        IF pg_terminate_backend(p) THEN
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END $$;

DO $$
DECLARE
    f TEXT;
BEGIN
    FOREACH f IN ARRAY ARRAY['baton_invite(TEXT, TEXT, BOOLEAN, TEXT, TEXT)',
                             'baton_set_admin(TEXT, BOOLEAN)', 'baton_revoke(TEXT, TEXT)',
                             'baton_end_sessions(TEXT)'] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, baton_group('team'));
    END LOOP;
END $$;
