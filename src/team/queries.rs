//! The statements a team workspace's set-up and status run on PostgreSQL.

use crate::db::sql::Db;
use crate::error::Result;

/// The statement [`tables`] reads with, to read ahead.
pub(crate) const TABLES: &str =
    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1";

/// The tables in the connection's schema.
pub(crate) fn tables(c: &Db) -> Result<Vec<String>> {
    c.query_map(TABLES, [], |r| r.get(0))
}

/// The server's version string.
pub(crate) fn server_version(c: &Db) -> Result<String> {
    c.query_row("SHOW server_version", [], |r| r.get(0))
}

/// Whether this session is encrypted (TLS), as the server sees it.
pub(crate) fn encrypted(c: &Db) -> Result<bool> {
    c.query_row(
        "SELECT COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
        [],
        |r| r.get(0),
    )
}

/// The newest change committed to the team workspace (0: none yet).
pub(crate) fn latest_change(c: &Db) -> Result<i64> {
    c.query_row("SELECT COALESCE(max(id), 0) FROM changes", [], |r| r.get(0))
}

/// One round trip.
pub(crate) fn ping(c: &Db) -> Result<()> {
    c.query_row("SELECT 1", [], |r| r.get::<i64>(0))?;
    Ok(())
}

/// Says this laptop is here now, as `person`.
pub(crate) fn seen(c: &Db, host: &str, person: &str, baton: &str, at: &str) -> Result<()> {
    c.execute(
        "INSERT INTO laptops (host, person, baton, last_seen) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (host, person) DO UPDATE SET baton = excluded.baton, last_seen = excluded.last_seen",
        [host, person, baton, at],
    )?;
    Ok(())
}

/// Every laptop that said it is here: (host, person, Baton version, last seen), latest first.
pub(crate) fn laptops(c: &Db) -> Result<Vec<(String, String, String, String)>> {
    c.query_map(
        "SELECT host, person, baton, last_seen FROM laptops ORDER BY last_seen DESC, host",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
}

/// The tables `baton team push` copies, parents first. Left out: the laptop's own settings (a
/// watched folder is a path on it), chat webhooks (their addresses are in its keyring), and
/// the SQLite change log.
pub(crate) const PUSHED: &[&str] = &[
    "people",
    "imports",
    "import_errors",
    "records",
    "stage_changes",
    "playbooks",
    "holidays",
    "handoffs",
    "tasks",
    "email_drafts",
    "notifications",
    "events",
    "saved_mappings",
    "stage_time",
    "handoff_days",
    "missing_at_trigger",
];

/// Whether the team workspace holds no one's work yet.
pub(crate) fn team_is_empty(c: &Db) -> Result<bool> {
    c.query_row(
        "SELECT NOT (EXISTS (SELECT 1 FROM records) OR EXISTS (SELECT 1 FROM people)
                      OR EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM imports))",
        [],
        |r| r.get(0),
    )
}

/// Whether `person` is one of the team's people.
pub(crate) fn on_the_team(c: &Db, person: &str) -> Result<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM people WHERE name = ?1)",
        [person],
        |r| r.get(0),
    )
}

// ----- a login per teammate (team migration 0009) -----

use super::members::{Login, Member};
use crate::db::params;
use crate::db::sql::Optional;

/// The statement [`login`] reads with, to read ahead when the workspace opens.
pub(crate) const LOGIN: &str = "SELECT CAST(session_user AS TEXT), baton_me(),
        CASE WHEN baton_is_admin() THEN 1 ELSE 0 END,
        (SELECT count(*) FROM members WHERE revoked_at IS NULL)";

/// Who `c`'s login is.
pub(crate) fn login(c: &Db) -> Result<Login> {
    c.query_row(LOGIN, [], |r| {
        Ok(Login {
            user: r.get(0)?,
            person: r.get(1)?,
            admin: r.get(2)?,
            logins: r.get(3)?,
        })
    })
}

/// The person `c`'s login is tied to, if any.
pub(crate) fn tied(c: &Db) -> Result<Option<String>> {
    c.query_row("SELECT baton_me()", [], |r| r.get(0))
}

/// Everyone with a login: the one that set the workspace up, then in the order they were
/// invited (revoked ones last); `me` is the asking session's login.
pub(crate) fn members(c: &Db, me: &str) -> Result<Vec<Member>> {
    c.query_map(
        "SELECT m.person, p.role, m.login,
                CASE WHEN r.oid IS NOT NULL AND pg_has_role(r.oid, baton_group('admin'), 'MEMBER')
                     THEN 1 ELSE 0 END,
                m.revoked_at,
                NULLIF(GREATEST(COALESCE((SELECT max(c.at) FROM changes c WHERE c.login = m.login), ''),
                                COALESCE((SELECT max(l.last_seen) FROM laptops l WHERE l.person = m.person), '')), '')
           FROM members m
           LEFT JOIN people p ON p.name = m.person
           LEFT JOIN pg_roles r ON r.rolname = m.login
          ORDER BY m.revoked_at IS NOT NULL, m.login <> (SELECT owner FROM team), m.invited_at, m.login",
        [],
        |r| {
            let login: String = r.get(2)?;
            Ok(Member {
                person: r.get(0)?,
                role: r.get(1)?,
                is_me: login == me,
                login,
                admin: r.get(3)?,
                revoked_at: r.get(4)?,
                last_seen: r.get(5)?,
            })
        },
    )
}

/// Refuses, naming the admins, unless `c`'s login is an admin's (`what`: what it was about to do).
pub(crate) fn must_be_admin(c: &Db, what: &str) -> Result<()> {
    c.query_row(
        "SELECT CAST(baton_must_be_admin(?1) AS TEXT)",
        [what],
        |r| r.get::<Option<String>>(0),
    )?;
    Ok(())
}

/// The tag this workspace's role names carry.
pub(crate) fn tag(c: &Db) -> Result<String> {
    c.query_row("SELECT tag FROM team", [], |r| r.get(0))
}

/// The login that set the workspace up and owns its tables.
pub(crate) fn owner(c: &Db) -> Result<String> {
    c.query_row("SELECT owner FROM team", [], |r| r.get(0))
}

/// Whether the server has a role named `name` already (of any workspace, or none).
pub(crate) fn role_exists(c: &Db, name: &str) -> Result<bool> {
    Ok(
        c.query_row("SELECT 1 FROM pg_roles WHERE rolname = ?1", [name], |r| {
            r.get::<i64>(0)
        })
        .optional()?
        .is_some(),
    )
}

/// Creates `login` for `person` with the password SCRAM `verifier`, an admin's when `admin`.
pub(crate) fn invite(
    c: &Db,
    login: &str,
    person: &str,
    admin: bool,
    verifier: &str,
    at: &str,
) -> Result<()> {
    c.query_row(
        "SELECT CAST(baton_invite(?1, ?2, ?3, ?4, ?5) AS TEXT)",
        params![login, person, admin, verifier, at],
        |r| r.get::<Option<String>>(0),
    )?;
    Ok(())
}

/// Disables `person`'s login; which it was.
pub(crate) fn revoke(c: &Db, person: &str, at: &str) -> Result<String> {
    c.query_row("SELECT baton_revoke(?1, ?2)", params![person, at], |r| {
        r.get(0)
    })
}

/// Ends the open sessions of the revoked `login`; how many.
pub(crate) fn end_sessions(c: &Db, login: &str) -> Result<i64> {
    c.query_row("SELECT baton_end_sessions(?1)", [login], |r| r.get(0))
}

/// Makes `person` an admin, or not; their login.
pub(crate) fn set_admin(c: &Db, person: &str, admin: bool) -> Result<String> {
    c.query_row(
        "SELECT baton_set_admin(?1, ?2)",
        params![person, admin],
        |r| r.get(0),
    )
}

/// Ties the session's login to `person`, unless it is tied to someone on the team already.
pub(crate) fn tie(c: &Db, person: &str, at: &str) -> Result<()> {
    c.execute(
        "INSERT INTO members (login, person, invited_at) VALUES (session_user, ?1, ?2)
         ON CONFLICT (login) DO UPDATE SET person = excluded.person
          WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.name = members.person)",
        params![person, at],
    )?;
    Ok(())
}

/// The team's first founder, if it has one.
pub(crate) fn first_founder(c: &Db) -> Result<Option<String>> {
    c.query_row(
        "SELECT name FROM people WHERE role = 'founder' ORDER BY id LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()
}
