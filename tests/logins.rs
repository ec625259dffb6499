//! A login per teammate on a team workspace, and what each may do enforced by the database:
//! on the real test cluster, with the real `baton` and a plain PostgreSQL client standing in
//! for `psql` with a teammate's login.

mod common;

use common::{client, database, with_password, Cli};

/// Counts what `sql` counts on the team workspace at `url`.
fn count(url: &str, sql: &str) -> i64 {
    client(url).query_one(sql, &[]).unwrap().get(0)
}

/// What a refusal is: one sentence on one line, the command failing.
fn one_sentence(err: &str) -> &str {
    let line = err.trim().strip_prefix("error: ").unwrap_or(err.trim());
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    line
}

/// The team workspace's rows in the tables a refused write would have touched.
fn written(url: &str) -> Vec<i64> {
    [
        "SELECT count(*) FROM changes",
        "SELECT count(*) FROM change_log",
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM tasks WHERE status = 'open'",
        "SELECT count(*) FROM handoffs WHERE status = 'in_review'",
    ]
    .iter()
    .map(|sql| count(url, sql))
    .collect()
}

#[test]
fn each_teammate_signs_in_as_themselves_and_the_database_holds_them_to_their_role() {
    let url = database("logins");
    let alex = Cli {
        db: url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    let said = alex.ok(&["team", "init", &url, "--as", "Alex Kim", "--role", "sales"]);
    assert!(said.contains("Alex Kim, its first admin"), "{said}");

    // An admin invites: the address without the password, and the password, said once.
    let invite = alex.json(&[
        "team",
        "invite",
        "Fran Founder",
        "--role",
        "founder",
        "--json",
    ]);
    assert_eq!(invite["person"], "Fran Founder");
    assert_eq!(invite["role"], "founder");
    assert_eq!(invite["admin"], false);
    let fran_url = invite["url"].as_str().unwrap();
    assert!(fran_url.starts_with("postgres://fran_founder_"), "{invite}");
    let password = invite["password"].as_str().unwrap();
    assert!(
        password.len() >= 20 && !fran_url.contains(password),
        "{invite}"
    );
    let fran = Cli {
        db: with_password(fran_url, password).into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    // The same invite handed over as a file only its owner can read.
    let file = alex.path("priya.json");
    let told = alex.ok(&[
        "team",
        "invite",
        "Priya Natarajan",
        "--role",
        "delivery",
        "--file",
        file.to_str().unwrap(),
    ]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the invite is its owner's only");
    }
    let priya_invite: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(told.contains(priya_invite["password"].as_str().unwrap()));
    let priya_url = with_password(
        priya_invite["url"].as_str().unwrap(),
        priya_invite["password"].as_str().unwrap(),
    );
    let priya = Cli {
        db: priya_url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    // Joining checks the login and says who it is.
    let joined = priya.run(&["team", "join", file.to_str().unwrap()]);
    let joined = String::from_utf8_lossy(&joined.stdout).into_owned();
    assert!(
        joined.starts_with("You are Priya Natarajan (delivery)"),
        "{joined}"
    );

    // "Me" is the login: a flag naming someone else is refused, on every command.
    for args in [
        &["--me", "Fran Founder", "tasks"][..],
        &["people", "me", "Fran Founder"],
        &[
            "people",
            "add",
            "Priya Natarajan",
            "--role",
            "delivery",
            "--me",
        ],
    ] {
        let err = priya.fails(args);
        assert!(
            one_sentence(&err)
                .starts_with("me: on a team workspace you are who your login is (Priya Natarajan"),
            "{err}"
        );
    }
    let by_env = priya
        .command("2026-03-05T09:00:00Z", &["tasks"])
        .env("BATON_ME", "Fran Founder")
        .output()
        .unwrap();
    assert!(!by_env.status.success());
    assert!(String::from_utf8_lossy(&by_env.stderr).contains("you are who your login is"));

    // Alex wins a deal with custom scope: it waits for the founder's review.
    let id = alex.deal_owned("Lumen Optics", "Alex Kim");
    alex.ok(&["flag", &id, "custom-scope"]);
    alex.ok(&["move", &id, "Closed Won"]);
    let review = fran.json(&["tasks", "--assignee", "me", "--json"]);
    assert_eq!(review[0]["kind"], "review", "{review}");

    // Priya may not decide it: one sentence naming who may, and nothing written.
    let before = written(&url);
    for (args, verb) in [
        (&["approve", "1"][..], "approve"),
        (&["send-back", "1", "--reason", "why"], "send back"),
    ] {
        let err = priya.fails(args);
        assert!(
            one_sentence(&err).starts_with(&format!(
                "Only a reviewer can {verb} this exception: Fran Founder (admins can too: Alex Kim)"
            )),
            "{err}"
        );
    }
    assert_eq!(written(&url), before, "a refused decision writes nothing");
    // Nor by hand, with psql and her login, going through Baton's own write funnel.
    let by_hand = client(&priya_url)
        .batch_execute(
            "BEGIN;
             INSERT INTO changes (origin, actor, at, log_from) VALUES ('cli', 'Fran Founder (cli)', 'now', 0);
             SELECT set_config('baton.change', CAST(max(id) AS TEXT), true) FROM changes WHERE login = session_user;
             UPDATE handoffs SET status = 'handed_off' WHERE status = 'in_review';
             COMMIT;",
        )
        .unwrap_err();
    assert!(
        format!("{by_hand:?}").contains("Only a reviewer can approve this exception: Fran Founder"),
        "{by_hand:?}"
    );
    assert_eq!(written(&url), before);

    // Fran may; the audit trail names her, from her login.
    fran.ok(&["approve", "1"]);
    let (actor, login): (String, String) = {
        let row = client(&url)
            .query_one(
                "SELECT e.actor, c.login FROM events e JOIN changes c ON c.id = e.change_id
                  WHERE e.kind = 'approved'",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(actor, "Fran Founder (cli)");
    assert!(login.starts_with("fran_founder_"), "{login}");

    // Two logins hand off and are notified as before: the kickoff is Priya's, on her login.
    let mine = priya.json(&["tasks", "--assignee", "me", "--json"]);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["kind"], "kickoff");
    let inbox = priya.json(&["inbox", "--json"]);
    assert_eq!(inbox[0]["title"], "New kickoff task", "{inbox}");
    let theirs = fran.json(&["inbox", "--json"]);
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["title"] == "Handoff needs your review"),
        "Fran hears of her review, not of Priya's kickoff: {theirs}"
    );

    // What only admins change, Priya may not: refused in one sentence naming the admins.
    let err = priya.fails(&["people", "add", "Eve Extra", "--role", "sales"]);
    assert_eq!(
        one_sentence(&err),
        "Only an admin can change the team's people and roles: Alex Kim."
    );
    let err = priya.fails(&["team", "invite", "Eve Extra", "--role", "sales"]);
    assert_eq!(
        one_sentence(&err),
        "Only an admin can invite a teammate: Alex Kim."
    );
    let err = priya.fails(&["holidays", "add", "2026-12-24"]);
    assert!(
        one_sentence(&err).starts_with("Only an admin can change holidays"),
        "{err}"
    );

    // An import is anyone's; undoing it is its importer's (and admins').
    let csv = alex.path("export.csv");
    std::fs::write(
        &csv,
        "Record ID,Deal Name,Deal Stage,Deal owner\n501,Quartz Labs,Proposal Sent,Alex Kim\n",
    )
    .unwrap();
    priya.ok(&["import", csv.to_str().unwrap()]);
    let err = fran.fails(&["undo-import", "1"]);
    assert!(
        one_sentence(&err)
            .starts_with("Only the teammate who ran import 1 (Priya Natarajan) or an admin (Alex Kim) can undo it"),
        "{err}"
    );
    priya.ok(&["undo-import", "1"]);
    assert_eq!(
        count(
            &url,
            "SELECT count(*) FROM records WHERE name = 'Quartz Labs'"
        ),
        0
    );

    // psql with Priya's login is held to the same rules: the logs take INSERT only.
    let mut psql = client(&priya_url);
    for sql in [
        "UPDATE events SET actor = 'Fran Founder (cli)'",
        "DELETE FROM events",
        "TRUNCATE events",
        "UPDATE change_log SET op = 'insert'",
        "DELETE FROM change_log",
        "TRUNCATE change_log",
        "UPDATE changes SET actor = 'someone'",
        "DELETE FROM changes",
        "INSERT INTO playbooks (key, position, definition) VALUES ('x', 9, '{}')",
        "ALTER TABLE events DISABLE TRIGGER USER",
        "UPDATE members SET person = 'Fran Founder'",
    ] {
        let e = psql.batch_execute(sql);
        assert!(e.is_err(), "{sql} must be refused to Priya's login");
    }
    for (table, privilege) in [
        ("events", "UPDATE"),
        ("events", "DELETE"),
        ("change_log", "UPDATE"),
        ("change_log", "DELETE"),
        ("changes", "TRUNCATE"),
    ] {
        let has: bool = psql
            .query_one(
                "SELECT has_table_privilege(session_user, $1, $2)",
                &[&table, &privilege],
            )
            .unwrap()
            .get(0);
        assert!(!has, "{privilege} on {table}");
    }
    // …even the owner's login cannot rewrite them.
    assert!(client(&url)
        .batch_execute("UPDATE events SET actor = 'x'")
        .is_err());
    assert!(client(&url).batch_execute("TRUNCATE change_log").is_err());

    // Members: roles, admin or not, last seen.
    let members = alex.json(&["team", "members", "--json"]);
    let names: Vec<(&str, bool)> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["person"].as_str().unwrap(), m["admin"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("Alex Kim", true),
            ("Fran Founder", false),
            ("Priya Natarajan", false)
        ]
    );
    assert!(members[1]["last_seen"].is_string(), "{members}");

    // Revoked: Priya's open session ends, and her login no longer connects.
    let mut open = client(&priya_url);
    alex.ok(&["team", "revoke", "Priya Natarajan"]);
    assert!(open.batch_execute("SELECT 1").is_err(), "her session ended");
    let err = priya.fails(&["records"]);
    assert!(
        one_sentence(&err).contains("no longer lets")
            && err.contains("an admin revoked that login"),
        "{err}"
    );
    let members = alex.json(&["team", "members", "--json"]);
    assert!(members[2]["revoked_at"].is_string(), "{members}");
    // Her work stays, under her name.
    assert_eq!(
        count(&url, "SELECT count(*) FROM events WHERE actor LIKE 'Priya Natarajan (%'"),
        count(&url, "SELECT count(*) FROM changes c JOIN events e ON e.change_id = c.id WHERE c.login LIKE 'priya_natarajan_%'"),
    );
    assert!(
        count(
            &url,
            "SELECT count(*) FROM events WHERE actor LIKE 'Priya Natarajan (%'"
        ) > 0
    );
}

/// An admin makes a teammate an admin, who may then invite; and the roles of two team
/// workspaces on one server never meet.
#[test]
fn admins_are_made_by_admins_and_two_workspaces_on_one_server_share_no_login() {
    let (a, b) = (common::team_cli("admins_a"), common::team_cli("admins_b"));
    let dee = a.teammate("Dee Delivery", "delivery");
    let err = dee.fails(&["team", "admin", "Dee Delivery"]);
    assert!(
        one_sentence(&err).starts_with("Only an admin can make a teammate an admin"),
        "{err}"
    );
    a.ok(&["team", "admin", "Dee Delivery"]);
    let sam = dee.teammate("Sam Seller", "sales");
    assert!(sam.ok(&["team", "members"]).contains("Sam Seller"));
    // Dee's login is the first workspace's only: the second's database refuses it.
    let other = dee.db.to_str().unwrap().replace(
        &common::database_of(a.db.to_str().unwrap()),
        &common::database_of(b.db.to_str().unwrap()),
    );
    let on_b = Cli {
        db: other.into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    let err = on_b.fails(&["records"]);
    assert!(err.contains("permission denied"), "{err}");
    // The same name invited on both is two logins.
    let b_dee = b.teammate("Dee Delivery", "delivery");
    assert_ne!(
        common::database_of(b_dee.db.to_str().unwrap()),
        common::database_of(dee.db.to_str().unwrap())
    );
    let login = |c: &Cli| c.json(&["team", "members", "--json"])[1]["login"].clone();
    assert_ne!(login(&a), login(&b));
}

/// A team workspace set up by an older Baton, everyone on its one shared login: it moves over
/// whole; that login is its founder's and the first admin, and everyone on it is told they act
/// as that one person until teammates are invited.
#[test]
fn a_team_workspace_on_one_shared_login_moves_over_without_losing_anything() {
    let url = database("moved");
    let team_url = baton::team::TeamUrl::parse(&url).unwrap();
    baton::team::set_up_as_of(&team_url, 8).unwrap();
    // What the shared login wrote then, as Baton wrote it: under a change, actors as declared.
    let mut c = client(&url);
    c.batch_execute(
        "BEGIN;
         INSERT INTO changes (origin, actor, at, log_from) VALUES ('cli', 'Fran Founder (cli)', '2026-03-01T09:00:00Z', 0);
         SELECT set_config('baton.change', CAST(max(id) AS TEXT), true) FROM changes;
         INSERT INTO people (name, role) VALUES ('Fran Founder', 'founder'), ('Dee Delivery', 'delivery');
         INSERT INTO records (kind, source, name, stage, created_at, updated_at)
              VALUES ('deal', 'manual', 'Old Deal', 'Proposal Sent', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z');
         INSERT INTO events (at, actor, record_id, kind, message)
              VALUES ('2026-03-01T09:00:00Z', 'Fran Founder (cli)', 1, 'added', 'Old Deal added');
         COMMIT;",
    )
    .unwrap();
    let cli = Cli {
        db: url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    let said = cli.ok(&["team", "init", &url]);
    assert!(
        said.contains("from schema 8 to")
            && said.contains("is Fran Founder, its first admin")
            && said.contains("everyone on it acts as Fran Founder"),
        "{said}"
    );
    // Nothing lost: the record, the people, the audit trail as it was written.
    let old: Vec<(String, String)> = client(&url)
        .query("SELECT actor, message FROM events ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        old,
        [(
            "Fran Founder (cli)".to_string(),
            "Old Deal added".to_string()
        )]
    );
    assert_eq!(
        count(
            &url,
            "SELECT count(*) FROM events WHERE change_id IS NOT NULL"
        ),
        1
    );
    assert_eq!(count(&url, "SELECT count(*) FROM people"), 2);
    // The shared login keeps working, as Fran, and says so.
    let status = cli.ok(&["team", "status"]);
    assert!(
        status.contains("You:     Fran Founder (login baton, admin)")
            && status.contains("everyone on this team workspace acts as Fran Founder"),
        "{status}"
    );
    cli.ok(&["move", "1", "Contract Sent"]);
    assert_eq!(
        count(
            &url,
            "SELECT count(*) FROM events WHERE actor = 'Fran Founder (cli)'"
        ),
        2
    );
    // Once a teammate has a login of their own, nobody is told they share one.
    cli.teammate("Dee Delivery", "delivery");
    let status = cli.json(&["team", "status", "--json"]);
    assert!(status["shared_login"].is_null(), "{status}");
}

/// A login that may not create roles sets up the tables but not the logins: one sentence says
/// which right it needs. Given it (as on Supabase, where `postgres` has it without being a
/// superuser), the same login finishes the set-up, invites, and revokes — ending the revoked
/// login's open session without a superuser's rights.
#[test]
fn a_login_without_the_right_to_create_roles_is_told_which_it_needs_and_then_works_without_superuser(
) {
    let name = format!("t_owner_{}", std::process::id());
    let owner = format!("owner_{}", std::process::id());
    let mut admin = client(&common::server());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("DROP ROLE IF EXISTS {owner}"),
        format!("CREATE ROLE {owner} LOGIN PASSWORD 'owner-pw'"),
        format!("CREATE DATABASE {name} OWNER {owner}"),
    ] {
        admin.batch_execute(&sql).unwrap();
    }
    let server = common::server();
    let at = server.split('@').nth(1).unwrap().split('/').next().unwrap();
    let url = format!("postgres://{owner}:owner-pw@{at}/{name}?sslmode=disable");
    let cli = Cli {
        db: url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    let err = cli.fails(&["team", "init", &url, "--as", "Olga Owner"]);
    let said = one_sentence(&err);
    assert!(
        said.contains("needs the right to create roles")
            && said.contains(&format!("ALTER ROLE \"{owner}\" CREATEROLE")),
        "{err}"
    );
    admin
        .batch_execute(&format!("ALTER ROLE {owner} CREATEROLE"))
        .unwrap();
    let said = cli.ok(&["team", "init", &url, "--as", "Olga Owner"]);
    assert!(said.contains("Olga Owner, its first admin"), "{said}");
    // Its right taken away again, an invite says which it needs.
    admin
        .batch_execute(&format!("ALTER ROLE {owner} NOCREATEROLE"))
        .unwrap();
    let err = cli.fails(&["team", "invite", "Dee Delivery", "--role", "delivery"]);
    assert!(
        one_sentence(&err).contains(&format!("ALTER ROLE \"{owner}\" CREATEROLE")),
        "{err}"
    );
    admin
        .batch_execute(&format!("ALTER ROLE {owner} CREATEROLE"))
        .unwrap();
    let dee = cli.teammate("Dee Delivery", "delivery");
    let mut open = client(dee.db.to_str().unwrap());
    open.batch_execute("SELECT 1").unwrap();
    cli.ok(&["team", "revoke", "Dee Delivery"]);
    assert!(
        open.batch_execute("SELECT 1").is_err(),
        "Dee's session ended"
    );
    assert!(dee
        .fails(&["records"])
        .contains("an admin revoked that login"));
}
