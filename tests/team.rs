//! Setting up a team workspace on a real PostgreSQL: `cargo xtask test` starts a throwaway
//! cluster and says where in `BATON_TEST_PG`; run alone, these fail and say so rather than pass
//! without looking. Each test works in a database of its own.

mod common;

use common::{client, database, server, Cli};

/// The team schema's version this Baton ships.
const KNOWN: usize = baton::team::TEAM_MIGRATIONS.len();

#[test]
fn team_init_creates_the_schema_once_and_status_says_how_it_stands() {
    let url = database("init");
    let cli = Cli::new();
    let said = cli.ok(&[
        "team",
        "init",
        &url,
        "--as",
        "Priya Natarajan",
        "--role",
        "delivery",
    ]);
    assert!(
        said.contains("Set up a team workspace") && said.contains(&format!("(schema {KNOWN})")),
        "{said}"
    );
    assert!(
        !said.contains("baton-tests"),
        "the password is never printed: {said}"
    );
    let tables: Vec<String> = client(&url)
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for t in [
        "records",
        "handoffs",
        "tasks",
        "events",
        "notifications",
        "laptops",
        "schema_migrations",
    ] {
        assert!(tables.iter().any(|x| x == t), "{t} missing: {tables:?}");
    }
    let again = cli.ok(&["team", "init", &url]);
    assert!(again.contains("already a Baton team workspace"), "{again}");

    // Who I am is the login that set it up: Priya's, and nobody else has one yet.
    let s = cli.json(&["team", "status", &url, "--json"]);
    assert_eq!(s["login"]["person"], "Priya Natarajan");
    assert_eq!(s["login"]["admin"], true);
    assert!(
        s["shared_login"]
            .as_str()
            .unwrap()
            .starts_with("everyone on this team workspace acts as Priya Natarajan"),
        "{s}"
    );
    assert_eq!(s["schema_version"], KNOWN);
    assert_eq!(s["known_version"], KNOWN);
    assert!(
        s["server_version"]
            .as_str()
            .unwrap()
            .starts_with(char::is_numeric),
        "{s}"
    );
    assert!(s["latency_ms"].as_f64().unwrap() >= 0.0);
    assert!(
        !s["server"].as_str().unwrap().contains("baton-tests"),
        "{s}"
    );
    let laptops = s["laptops"].as_array().unwrap();
    assert_eq!(laptops.len(), 1, "{s}");
    assert_eq!(laptops[0]["person"], "Priya Natarajan");
    let text = cli.ok(&["team", "status", &url]);
    assert!(
        text.contains(&format!("Schema:  {KNOWN}")) && text.contains("LAPTOP"),
        "{text}"
    );
}

#[test]
fn team_init_refuses_a_database_with_other_tables_or_a_newer_or_changed_schema() {
    let url = database("refuse");
    client(&url)
        .batch_execute("CREATE TABLE invoices (id int); CREATE TABLE customers (id int)")
        .unwrap();
    let cli = Cli::new();
    let err = cli.fails(&["team", "init", &url]);
    assert!(
        err.contains("already holds 2 other tables (customers, invoices)")
            && err.lines().count() == 1,
        "{err}"
    );
    let tables: i64 = client(&url)
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 2, "nothing was created");

    let url = database("newer");
    cli.ok(&["team", "init", &url]);
    client(&url)
        .batch_execute(&format!(
            "INSERT INTO schema_migrations VALUES ({}, 'x', '2030-01-01T00:00:00Z')",
            KNOWN + 1
        ))
        .unwrap();
    let err = cli.fails(&["team", "init", &url]);
    assert!(
        err.contains(&format!(
            "newer Baton (schema {}, this version knows {KNOWN})",
            KNOWN + 1
        )),
        "{err}"
    );

    let url = database("changed");
    cli.ok(&["team", "init", &url]);
    client(&url)
        .batch_execute("UPDATE schema_migrations SET checksum = 'edited'")
        .unwrap();
    let err = cli.fails(&["team", "status", &url]);
    assert!(err.contains("migration 1 was changed"), "{err}");
}

#[test]
fn one_open_handoff_per_record_and_playbook_is_the_database_s_rule() {
    let url = database("unique");
    Cli::new().ok(&["team", "init", &url]);
    let mut c = client(&url);
    // Written as Baton's write funnel would: under a change, which the change log requires.
    c.batch_execute("SELECT set_config('baton.change', '1', false)")
        .unwrap();
    c.batch_execute(
        "INSERT INTO records (id, kind, source, name, stage, created_at, updated_at)
           VALUES (1, 'deal', 'hubspot', 'Acme', 'Closed Won', 'x', 'x');
         INSERT INTO handoffs (record_id, playbook, status, complete_at_trigger, triggered_at)
           VALUES (1, 'sales-to-delivery', 'paused', 0, 'x')",
    )
    .unwrap();
    let second = c.batch_execute(
        "INSERT INTO handoffs (record_id, playbook, status, complete_at_trigger, triggered_at)
           VALUES (1, 'sales-to-delivery', 'handed_off', 1, 'y')",
    );
    assert!(second.is_err(), "a second open handoff is refused");
    // A finished one does not count.
    c.batch_execute(
        "UPDATE handoffs SET status = 'kickoff_scheduled';
         INSERT INTO handoffs (record_id, playbook, status, complete_at_trigger, triggered_at)
           VALUES (1, 'sales-to-delivery', 'paused', 0, 'z')",
    )
    .unwrap();
    let rewrite = c.batch_execute("UPDATE events SET message = 'x'");
    assert!(rewrite.is_ok(), "no rows, no trigger");
    c.batch_execute(
        "INSERT INTO events (at, actor, kind, message) VALUES ('x', 'y', 'added', 'm')",
    )
    .unwrap();
    let err = c
        .batch_execute("UPDATE events SET message = 'rewritten'")
        .unwrap_err();
    assert!(err.to_string().contains("append-only") || format!("{err:?}").contains("append-only"));
}

#[test]
fn tls_is_used_as_sslmode_asks() {
    let url = database("tls");
    let cli = Cli::new();
    for mode in ["require", "prefer"] {
        let u = url.replace("sslmode=disable", &format!("sslmode={mode}"));
        cli.ok(&["team", "init", &u]);
        let s = cli.json(&["team", "status", &u, "--json"]);
        assert_eq!(s["sslmode"], mode);
        assert_eq!(
            s["encrypted"], true,
            "the server offers TLS: {mode} takes it"
        );
    }
    let plain = cli.json(&["team", "status", &url, "--json"]);
    assert_eq!(
        (plain["sslmode"].as_str(), plain["encrypted"].as_bool()),
        (Some("disable"), Some(false))
    );
}

#[test]
fn an_unreachable_server_a_wrong_password_or_a_missing_database_is_one_sentence() {
    let cli = Cli::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = cli.fails(&[
        "team",
        "init",
        &format!("postgres://baton:pw@127.0.0.1:{port}/x"),
    ]);
    assert!(
        err.contains(&format!(
            "could not reach the team database at 127.0.0.1:{port}"
        )) && err.contains("refused")
            && err.lines().count() == 1,
        "{err}"
    );
    let wrong = server().replace("baton-tests", "not-the-password");
    let err = cli.fails(&["team", "status", &wrong]);
    assert!(
        err.contains("refused user \"baton\"") && !err.contains("not-the-password"),
        "{err}"
    );
    let missing = server().replace("/postgres?", "/no_such_db?");
    let err = cli.fails(&["team", "init", &missing]);
    assert!(err.contains("has no database \"no_such_db\""), "{err}");
    // The test cluster's certificate is self-signed: verify-full refuses it in one sentence.
    let verify = server().replace("sslmode=disable", "sslmode=verify-full");
    let err = cli.fails(&["team", "init", &verify]);
    assert!(
        err.contains("presented a certificate this computer does not trust")
            && err.lines().count() == 1,
        "{err}"
    );
    // PGPASSWORD stands in for a password the address leaves out.
    let bare = server().replace(":baton-tests@", "@");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["team", "status", &bare])
        .env("PGPASSWORD", "baton-tests")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a Baton team workspace yet"), "{err}");
}

#[test]
fn team_push_copies_a_laptop_workspace_whole_with_its_ids_and_times() {
    let url = database("push");
    let cli = Cli::new();
    cli.ok(&["demo"]);
    let said = cli.ok(&["team", "push", &url]);
    assert!(
        said.starts_with("Pushed ") && !said.contains("baton-tests"),
        "{said}"
    );
    let laptop = rusqlite::Connection::open(&cli.db).unwrap();
    let mut team = client(&url);
    for table in [
        "people",
        "records",
        "stage_changes",
        "handoffs",
        "tasks",
        "email_drafts",
        "notifications",
        "events",
        "playbooks",
        "handoff_days",
    ] {
        let here: i64 = laptop
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        let there: i64 = team
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .unwrap()
            .get(0);
        assert_eq!(here, there, "{table}");
        assert!(here > 0 || table == "email_drafts", "the demo has {table}");
    }
    // The audit log and the handoffs read the same, ids and times included.
    let events_here: Vec<(i64, String, String)> = laptop
        .prepare("SELECT id, at, message FROM events ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let events_there: Vec<(i64, String, String)> = team
        .query("SELECT id, at, message FROM events ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(events_here, events_there);
    let handoffs_here: Vec<(i64, i64, String, String)> = laptop
        .prepare("SELECT id, record_id, status, triggered_at FROM handoffs ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let handoffs_there: Vec<(i64, i64, String, String)> = team
        .query(
            "SELECT id, record_id, status, triggered_at FROM handoffs ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(handoffs_here, handoffs_there);
    // "Me" belongs to each laptop, not to the shared data.
    let marked: i64 = team
        .query_one("SELECT count(*) FROM people WHERE is_me <> 0", &[])
        .unwrap()
        .get(0);
    assert_eq!(marked, 0);
    // New rows continue after the copied ids.
    let max: i64 = team
        .query_one("SELECT max(id) FROM records", &[])
        .unwrap()
        .get(0);
    team.batch_execute("SELECT set_config('baton.change', '1', false)")
        .unwrap();
    let next: i64 = team
        .query_one(
            "INSERT INTO records (kind, source, name, stage, created_at, updated_at)
             VALUES ('deal', 'baton', 'New', 'Qualified To Buy', 'x', 'x') RETURNING id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(next, max + 1);
    let err = cli.fails(&["team", "push", &url]);
    assert!(err.contains("already holds a team's work"), "{err}");
}

#[test]
fn a_team_address_that_cannot_be_reached_is_one_sentence_and_makes_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .current_dir(dir.path())
        .args(["--db", "postgres://alex@127.0.0.1:1/baton", "records"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("127.0.0.1:1") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing made"
    );
}

/// The same commands on a workspace file and on a team workspace print the same bytes.
#[test]
fn a_team_workspace_answers_as_a_workspace_file_does() {
    let file = Cli::new();
    let team = common::team_cli("same");
    let url = team.db.to_str().unwrap().to_string();
    let checklist: Vec<String> = ["set", "2"]
        .iter()
        .chain(common::CHECKLIST)
        .map(|s| s.to_string())
        .collect();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hubspot_deals.csv"
    )
    .to_string();
    let later = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hubspot_deals_later.csv"
    )
    .to_string();
    let script: Vec<Vec<&str>> = vec![
        vec!["people"],
        vec!["records", "--json"],
        vec![
            "add",
            "--kind",
            "deal",
            "Lumen Optics",
            "--stage",
            "Contract Sent",
            "--owner",
            "Sam Seller",
        ],
        vec![
            "add",
            "--kind",
            "deal",
            "Acme Analytics",
            "--stage",
            "Contract Sent",
            "--owner",
            "Sam Seller",
        ],
        vec![
            "set",
            "1",
            "buyer_goals=Faster onboarding",
            "main_contact=Ana Ruiz",
        ],
        vec!["move", "2", "Closed Won"],
        vec!["handoffs", "--json"],
        vec!["show", "2", "--json"],
        vec!["records", "--json"],
        vec!["tasks", "--json"],
        vec!["playbooks", "--json"],
        vec!["health", "--weeks", "2", "--json"],
        checklist.iter().map(String::as_str).collect(),
        vec!["handoffs", "--json"],
        vec!["tasks", "--json"],
        // Dee's laptop ("@dee": on the file `--me`, on the team Dee's own login).
        vec!["@dee", "tasks", "--assignee", "me", "--json"],
        vec!["@dee", "inbox", "--json"],
        vec!["@dee", "inbox", "--json"],
        vec!["brief", "2"],
        vec!["drafts", "--json"],
        vec!["import", &fixture, "--json"],
        vec!["import", &fixture, "--json"],
        vec!["import", &later, "--json"],
        vec!["imports", "--json"],
        vec!["records", "--json"],
        vec!["handoffs", "--json"],
        vec!["health", "--weeks", "2", "--json"],
        vec!["undo-import", "1"],
        vec!["undo-import", "3"],
        vec!["undo-import", "2"],
        vec!["undo-import", "1"],
        vec!["undo-import", "1"],
        vec!["imports", "--json"],
        vec!["records", "--json"],
        vec!["handoffs", "--json"],
        vec!["tasks", "--json"],
        vec!["health", "--weeks", "2", "--json"],
    ];
    file.team();
    team.team();
    let (file_dee, team_dee) = (file.person("Dee Delivery"), team.person("Dee Delivery"));
    // Exported before the undo (a file reuses the ids an undo frees, a team's sequences do
    // not), every table holds the same rows (a file lists them by rowid, a team by key) and
    // the manifests are the same.
    let compare_exports = || {
        let (fa, ta) = (file.path("export"), team.path("export"));
        for (cli, dir) in [(&file, &fa), (&team, &ta)] {
            cli.ok(&["export", "--all", dir.to_str().unwrap()]);
        }
        let mut names: Vec<_> = std::fs::read_dir(&fa)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert!(names.len() > 10, "{names:?}");
        for name in names {
            let read = |d: &std::path::Path| {
                let text = std::fs::read_to_string(d.join(&name)).unwrap();
                let mut lines: Vec<String> = text.lines().map(String::from).collect();
                if !name.to_string_lossy().ends_with(".json") {
                    lines.sort();
                }
                lines
            };
            let (a, b) = (read(&fa), read(&ta));
            if name == "imports.csv" {
                // A file names the copy it kept before each import; a team keeps none.
                assert_eq!(a.len(), b.len());
                assert!(!b.iter().any(|l| l.contains("/backups/")), "{b:?}");
                continue;
            }
            if name == "events.csv" {
                // An import on a team workspace is a person's: the login's (a file's says
                // only "import").
                let named: Vec<String> = b
                    .iter()
                    .map(|l| l.replace(",Fay Founder (import),", ",import,"))
                    .collect();
                assert_eq!(a, named, "{name:?}");
                assert!(
                    b.iter().any(|l| l.contains(",Fay Founder (import),")),
                    "{b:?}"
                );
                continue;
            }
            if name == "people.csv" {
                // "This is me" is the laptop's on a team, never a shared row's.
                let shared: Vec<String> = a
                    .iter()
                    .map(|l| l.replace(",founder,1", ",founder,0"))
                    .collect();
                assert_eq!(shared, b, "{name:?}");
                continue;
            }
            assert_eq!(a, b, "{name:?}");
        }
    };
    let mut exported = false;
    for args in &script {
        if args[0] == "undo-import" && !exported {
            compare_exports();
            exported = true;
        }
        let (a, b) = match args.split_first() {
            Some((&"@dee", rest)) => (file_dee.run(rest), team_dee.run(rest)),
            _ => (file.run(args), team.run(args)),
        };
        let said = |o: &std::process::Output| {
            format!(
                "{}{}{}",
                o.status,
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        };
        // A file keeps a copy before an import; a team workspace's backups are the
        // database's own.
        let (a, b) = (said(&a), said(&b));
        let unbacked = |s: &str| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("\"backup\": "))
                .collect::<Vec<_>>()
                .join("\n")
        };
        if args[0] == "import" {
            assert!(b.contains("\"backup\": null"), "{b}");
        }
        assert_eq!(unbacked(&a), unbacked(&b), "baton {args:?}");
    }
    // The undo ran on both: the imported records are gone, the ones added by hand stay.
    let mut c = client(&url);
    let undone: i64 = c
        .query_one(
            "SELECT count(*) FROM imports WHERE undone_at IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(undone, 3);
    let left: i64 = c
        .query_one("SELECT count(*) FROM records", &[])
        .unwrap()
        .get(0);
    assert_eq!(left, 2);
    // Every write is in the change log, under the change that made it.
    let logged: i64 = c
        .query_one(
            "SELECT count(*) FROM change_log l JOIN changes ch ON ch.id = l.change_id
              WHERE l.tbl = 'records' AND l.op = 'insert'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(logged, 5, "two deals added, three imported");
    // A write that does not come through Baton's write funnel is refused.
    let outside = c
        .batch_execute("UPDATE records SET name = 'Renamed' WHERE id = 1")
        .unwrap_err();
    assert!(
        format!("{outside:?}").contains("write funnel"),
        "{outside:?}"
    );
}

/// A first import into a team workspace sends its new records in batches: what it stores reads
/// exactly as on a workspace file, where rows go in one by one: ids in file order across
/// batches, a won deal among quiet rows, a repeated CRM id updating the record it repeats, a row
/// without a CRM id, a skipped bad row; and undoing it takes it all back.
#[test]
fn a_first_import_sent_in_batches_stores_what_a_workspace_file_stores() {
    let file = Cli::new();
    let team = common::team_cli("batches");
    let url = team.db.to_str().unwrap().to_string();
    file.team();
    team.team();
    let mut csv = String::from("Record ID,Deal Name,Deal Stage,Deal owner,Amount\n");
    for i in 0..1300 {
        csv += &match i {
            700 => "1000003,Deal 3 — renamed,Contract Sent,Sam Seller,300\n".to_string(),
            900 => ",A deal without an id,Contract Sent,Sam Seller,100\n".to_string(),
            // What COPY's text format escapes: a backslash, a tab, a line break, a \N.
            800 => "1000800,\"Deal \\ 800\twith a tab\nand \\N\",Contract Sent,Sam Seller,800\n"
                .to_string(),
            1000 => {
                "1001000,A bad row,Contract Sent,Sam Seller,100,one cell too many\n".to_string()
            }
            _ => {
                let stage = if i % 97 == 5 {
                    "Closed Won"
                } else {
                    "Contract Sent"
                };
                format!("{},Deal {i},{stage},Sam Seller,{i}\n", 1_000_000 + i)
            }
        };
    }
    let path = file.path("deals.csv");
    std::fs::write(&path, csv).unwrap();
    let path = path.to_str().unwrap();
    let import = ["import", path, "--skip-bad-rows", "--json"];
    let (a, b) = (file.json(&import), team.json(&import));
    for key in [
        "rows", "inserted", "updated", "rejected", "handoffs", "errors",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert_eq!(b["inserted"], 1298, "{b}");
    assert_eq!(b["updated"], 1, "the repeated id updates its record");
    assert_eq!(b["handoffs"]["fired"], 14, "{b}");
    for args in [
        vec!["records", "--json"],
        vec!["handoffs", "--json"],
        vec!["tasks", "--json"],
        vec!["show", "4", "--json"],
        vec!["show", "1265", "--json"],
        vec!["health", "--weeks", "2", "--json"],
    ] {
        same_text(&file.ok(&args), &team.ok(&args), &format!("baton {args:?}"));
    }
    // The handoffs and their tasks, sent with ids reserved for them, took the ids one at a
    // time would: none reserved and left unused.
    let mut c = client(&url);
    for table in ["handoffs", "tasks"] {
        let (last, max): (i64, i64) = c
            .query_one(
                &format!(
                    "SELECT (SELECT last_value FROM {table}_id_seq), (SELECT max(id) FROM {table})"
                ),
                &[],
            )
            .map(|r| (r.get(0), r.get(1)))
            .unwrap();
        assert_eq!((last, max), (14, 14), "{table}");
    }
    let records = team.json(&["records", "--json"]);
    let ids: Vec<i64> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        (1..=1298).collect::<Vec<_>>(),
        "ids follow the file, without gaps"
    );
    assert_eq!(records[3]["name"], "Deal 3 — renamed");
    assert_eq!(records[799]["name"], "Deal \\ 800\twith a tab\nand \\N");
    // Each new record's first stage change and its log entries, one of each.
    let counts = c
        .query_one(
            "SELECT (SELECT count(*) FROM stage_changes),
                    (SELECT count(*) FROM change_log WHERE tbl = 'records' AND op = 'insert'),
                    (SELECT count(*) FROM change_log WHERE tbl = 'stage_changes' AND op = 'insert')",
            &[],
        )
        .unwrap();
    let counts: (i64, i64, i64) = (counts.get(0), counts.get(1), counts.get(2));
    assert_eq!(counts, (1298, 1298, 1298));
    let astray: i64 = c
        .query_one(
            "SELECT count(*) FROM stage_changes WHERE id <> record_id",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(astray, 0, "stage changes follow the file too");
    // A week later: the stored records a batch updates are read together; a row naming the
    // same deal as an earlier row of its batch reads what that row wrote, a new deal is added.
    let mut later = String::from("Record ID,Deal Name,Deal Stage,Deal owner,Amount\n");
    for i in 0..1300 {
        if i == 1000 {
            continue;
        }
        let stage = if i % 10 == 0 || i % 97 == 5 {
            "Closed Won"
        } else {
            "Contract Sent"
        };
        later += &format!("{},Deal {i},{stage},Sam Seller,{i}\n", 1_000_000 + i);
        if i == 60 {
            later += "1000050,Deal 50 — second row,Contract Sent,Sam Seller,50\n";
        }
    }
    later += "1009999,A new deal,Contract Sent,Sam Seller,1\n";
    let path = file.path("later.csv");
    std::fs::write(&path, later).unwrap();
    let import = ["import", path.to_str().unwrap(), "--json"];
    let (a, b) = (file.json(&import), team.json(&import));
    for key in ["rows", "inserted", "updated", "unchanged", "handoffs"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    // New: the deal, and the two ids the first file lacked (its repeated row and its row
    // without an id).
    assert_eq!(b["inserted"], 3, "{b}");
    assert_eq!(
        b["handoffs"]["cancelled"], 1,
        "deal 50's second row leaves Closed Won"
    );
    for args in [
        vec!["records", "--json"],
        vec!["handoffs", "--json"],
        vec!["show", "51", "--json"],
    ] {
        same_text(&file.ok(&args), &team.ok(&args), &format!("baton {args:?}"));
    }
    for cli in [&file, &team] {
        cli.ok(&["undo-import", "2"]);
        cli.ok(&["undo-import", "1"]);
    }
    assert_eq!(
        file.ok(&["records", "--json"]),
        team.ok(&["records", "--json"])
    );
    assert_eq!(team.json(&["records", "--json"]), serde_json::json!([]));
}

/// The header of a deals export with every field the delivery playbook requires.
const WON_HEADER: &str = "Record ID,Deal Name,Deal Stage,Deal owner,Associated Contact,Buyer Goals,Promised Deliverables,Start Date,Signed Scope,Pricing Exceptions,Risk Notes,Kickoff Preference\n";

/// A Closed Won deal of `owner` with every required field filled, under [`WON_HEADER`].
fn won_row(id: usize, i: usize, owner: &str) -> String {
    format!("{id},Deal {i},Closed Won,{owner},Contact {i},Goals,Workshop,2026-03-16,SOW,None,Tight,Mornings\n")
}

/// A workspace file and team workspace `name`, both with the default playbooks as `edit`
/// rewrites their exported text, each importing `csv` (under [`WON_HEADER`]).
fn import_on_both(name: &str, edit: impl Fn(String) -> String, csv: &str) -> (Cli, Cli) {
    let file = Cli::new();
    let team = common::team_cli(name);
    let playbooks = file.path("playbooks.toml");
    file.ok(&["playbooks", "export", playbooks.to_str().unwrap()]);
    let text = edit(std::fs::read_to_string(&playbooks).unwrap());
    std::fs::write(&playbooks, text).unwrap();
    let path = file.path("won.csv");
    std::fs::write(&path, format!("{WON_HEADER}{csv}")).unwrap();
    for cli in [&file, &team] {
        cli.team();
        cli.ok(&["playbooks", "import", playbooks.to_str().unwrap()]);
        cli.ok(&["import", path.to_str().unwrap()]);
    }
    (file, team)
}

/// A first import sends its new records a run at a time and runs the rules on them once they
/// are stored; a new owner met in the file joins the team only after the rows before it are
/// handed off, as on a workspace file, where each row is handed off as it is read.
#[test]
fn a_first_import_hands_off_each_row_with_the_team_as_it_was_at_that_row() {
    let owners = [
        "Sam Seller",
        "Sam Seller",
        "Nia New",
        "Sam Seller",
        "Omar Other",
        "Sam Seller",
        "Sam Seller",
    ];
    let csv: String = owners
        .iter()
        .enumerate()
        .map(|(i, owner)| won_row(500 + i, i, owner))
        .collect();
    // The delivery playbook goes round the sales people, whom the file adds to as it goes.
    let (file, team) = import_on_both(
        "owners",
        |text| text.replacen("role = \"delivery\"", "role = \"sales\"", 1),
        &csv,
    );
    // Newest first: Omar Other joins at the fifth row, Nia New at the third.
    let handoffs = team.json(&["handoffs", "--json"]);
    let mut owners: Vec<&str> = handoffs
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to_owner"].as_str().unwrap())
        .collect();
    owners.reverse();
    assert_eq!(
        owners,
        [
            "Sam Seller",
            "Sam Seller",
            "Nia New",
            "Sam Seller",
            "Nia New",
            "Omar Other",
            "Sam Seller"
        ]
    );
    same_text(
        &file.ok(&["handoffs", "--json"]),
        &team.ok(&["handoffs", "--json"]),
        "baton handoffs --json",
    );
}

/// A first import's handoffs are written a table at a time, yet every rule that reads the
/// workspace meanwhile sees the rows before it: a playbook giving each deal to whoever has the
/// fewest open tasks counts the tasks the import has just created, as on a workspace file, and
/// each row is logged for undo.
#[test]
fn a_first_import_gives_each_deal_to_the_least_busy_counting_its_own_tasks() {
    let mut csv = String::new();
    for (i, owner) in ["Sam Seller", "Nia New", "Omar Other"].iter().enumerate() {
        csv += &format!("{},Open deal {i},Contract Sent,{owner},,,,,,,,\n", 400 + i);
    }
    for i in 0..9 {
        csv += &won_row(500 + i, i, "Sam Seller");
    }
    let edit = |text: String| {
        let text = text.replacen(
            "rule = \"round_robin\"\nrole = \"delivery\"",
            "rule = \"least_open_tasks\"\nrole = \"sales\"",
            1,
        );
        assert!(!text.contains("round_robin"), "{text}");
        text
    };
    let (file, team) = import_on_both("least_busy", edit, &csv);
    let tasks = team.json(&["tasks", "--json"]);
    let mut per: std::collections::BTreeMap<&str, usize> = Default::default();
    for t in tasks.as_array().unwrap() {
        *per.entry(t["assignee"].as_str().unwrap()).or_default() += 1;
    }
    // Nine kickoffs shared by the fewest open tasks: three each, not nine for one person.
    assert_eq!(
        per.values().copied().collect::<Vec<_>>(),
        [3, 3, 3],
        "{per:?}"
    );
    for args in [
        vec!["tasks", "--json"],
        vec!["handoffs", "--json"],
        vec!["show", "9", "--json"],
    ] {
        same_text(&file.ok(&args), &team.ok(&args), &format!("baton {args:?}"));
    }
    // Every row the handoffs wrote is in the change log once, so the import undoes whole.
    let mut c = client(team.db.to_str().unwrap());
    for table in [
        "handoffs",
        "tasks",
        "notifications",
        "email_drafts",
        "events",
    ] {
        let (rows, logged): (i64, i64) = c
            .query_one(
                &format!(
                    "SELECT (SELECT count(*) FROM {table}),
                            (SELECT count(DISTINCT key) FROM change_log WHERE tbl = '{table}' AND op = 'insert')"
                ),
                &[],
            )
            .map(|r| (r.get(0), r.get(1)))
            .unwrap();
        assert!(rows > 0, "{table}");
        assert_eq!(rows, logged, "{table}");
    }
    team.ok(&["undo-import", "1"]);
    assert_eq!(team.json(&["tasks", "--json"]), serde_json::json!([]));
}

/// Asserts two long outputs, a file's (`a`) and a team workspace's (`b`), are the same, naming
/// the first line where they part. An import on a team workspace is a person's, the login's
/// ("Fay Founder (import)"), where a file's says only "import".
fn same_text(a: &str, b: &str, what: &str) {
    let b = &b.replace("\"Fay Founder (import)\"", "\"import\"");
    if a == b {
        return;
    }
    let (al, bl): (Vec<_>, Vec<_>) = (a.lines().collect(), b.lines().collect());
    let at = al
        .iter()
        .zip(&bl)
        .position(|(x, y)| x != y)
        .unwrap_or(al.len().min(bl.len()));
    panic!(
        "{what}: the outputs part at line {}: {:?} against {:?}",
        at + 1,
        al.get(at.saturating_sub(2)..(at + 1).min(al.len())),
        bl.get(at.saturating_sub(2)..(at + 1).min(bl.len()))
    );
}

/// Two laptops importing the same export at the same moment: the database keeps one handoff
/// per won deal; a write that collided is said in one sentence, and running it again changes
/// nothing.
#[test]
fn two_imports_of_the_real_export_at_once_leave_one_handoff_per_won_deal() {
    let url = database("twice");
    Cli::new().ok(&["team", "init", &url]);
    let export = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/real/crm_sales_pipeline.csv"
    );
    let start = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["--db", &url, "import", export, "--json"])
            .env("BATON_NOW", "2026-03-05T09:00:00Z")
            .env_remove("BATON_ME")
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(start);
        let b = s.spawn(start);
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    for o in [&a, &b] {
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() || (err.contains("at the same moment") && err.lines().count() == 1),
            "{err}"
        );
    }
    assert!(
        a.status.success() || b.status.success(),
        "one import landed"
    );
    let count = |sql: &str| -> i64 { client(&url).query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(count("SELECT count(*) FROM records"), 8766);
    assert_eq!(count("SELECT count(*) FROM handoffs"), 1290);
    let again = Cli {
        db: url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    }
    .json(&["import", export, "--json"]);
    assert_eq!(again["inserted"], 0, "{again}");
    assert_eq!(again["handoffs"]["fired"], 0, "{again}");
    assert_eq!(count("SELECT count(*) FROM handoffs"), 1290);
}

/// Eight teammates winning eight deals in the same second: every move lands, each deal hands
/// off once, and the day's counts hold all eight.
#[test]
fn eight_moves_at_once_all_land() {
    let url = database("eight");
    let team = Cli {
        db: url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    team.ok(&["team", "init", &url]);
    team.team();
    let ids: Vec<String> = (1..=8)
        .map(|i| team.deal(&format!("Deal {i}"), "Contract Sent", common::CHECKLIST))
        .collect();
    let outs: Vec<std::process::Output> = std::thread::scope(|s| {
        let runs: Vec<_> = ids
            .iter()
            .map(|id| s.spawn(|| team.run(&["move", id, "Closed Won"])))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for o in &outs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let count = |sql: &str| -> i64 { client(&url).query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(
        count("SELECT count(*) FROM records WHERE stage = 'Closed Won'"),
        8
    );
    assert_eq!(
        count("SELECT count(*) FROM handoffs WHERE status = 'handed_off'"),
        8
    );
    assert_eq!(
        count("SELECT count(*) FROM tasks WHERE kind = 'kickoff'"),
        8
    );
    assert_eq!(
        count("SELECT CAST(triggered AS BIGINT) FROM handoff_days"),
        8
    );
}

/// The connection lost in the middle of an import (the server ends it, as a restart or a
/// network cut would): the import rolls back whole, says so in one sentence, and running it
/// again imports everything.
#[test]
fn a_connection_lost_mid_import_leaves_the_workspace_as_it_was() {
    let url = database("cut");
    let cli = Cli {
        db: url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    cli.ok(&["team", "init", &url]);
    let export = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/real/crm_sales_pipeline.csv"
    );
    let db = common::database_of(&url);
    let import = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--db", &url, "import", export])
        .env("BATON_NOW", "2026-03-05T09:00:00Z")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the import has written some records, the server ends its connection.
    let mut admin = client(&server());
    let started = std::time::Instant::now();
    loop {
        let writing: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state <> 'idle'",
                &[&db],
            )
            .unwrap()
            .get(0);
        if writing > 0 && started.elapsed() > std::time::Duration::from_millis(800) {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the import never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&db],
        )
        .unwrap();
    let out = import.wait_with_output().unwrap();
    assert!(!out.status.success(), "the import was cut");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing was imported") && err.lines().count() == 1,
        "{err}"
    );
    let count = |sql: &str| -> i64 { client(&url).query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(
        count("SELECT count(*) FROM records"),
        0,
        "rolled back whole"
    );
    assert_eq!(count("SELECT count(*) FROM imports"), 0);
    let again = cli.json(&["import", export, "--json"]);
    assert_eq!(again["inserted"], 8766, "{again}");
    assert_eq!(count("SELECT count(*) FROM handoffs"), 1290);
}

/// The app's follower: woken by a write another Baton commits (not by time passing), and told
/// the moment the server ends its connection.
#[test]
fn a_follower_wakes_on_a_teammates_write_fails_once_the_connection_is_gone_and_catches_up() {
    use baton::team::{Follower, TeamUrl};
    use std::time::Duration;
    let cli = common::team_cli("follow");
    let url = cli.db.display().to_string();
    let follower = Follower::connect(&TeamUrl::parse(&url).unwrap()).unwrap();
    assert!(
        !follower.wait(Duration::from_millis(300)).unwrap(),
        "nothing was written"
    );
    cli.ok(&["people", "add", "Priya Natarajan", "--role", "delivery"]);
    assert!(
        follower.wait(Duration::from_secs(5)).unwrap(),
        "a teammate's write wakes it"
    );
    assert!(
        !follower.wait(Duration::from_millis(300)).unwrap(),
        "one write wakes it once"
    );
    let db = common::database_of(&url);
    client(&server())
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&db],
        )
        .unwrap();
    assert!(
        follower.wait(Duration::from_secs(2)).is_err(),
        "a lost connection is an error, not a quiet wait"
    );
    // A teammate writes while it is away; the next look connects again, quietly, and finds it.
    cli.ok(&["people", "add", "Ana Away", "--role", "sales"]);
    assert!(follower.check().unwrap(), "caught up from its cursor");
    assert!(!follower.check().unwrap(), "and only once");
    follower.wait(Duration::from_millis(300)).unwrap();
    cli.ok(&["people", "add", "Bo Back", "--role", "sales"]);
    assert!(
        follower.wait(Duration::from_secs(5)).unwrap(),
        "listening again on its new connection"
    );
}

/// The one number `sql` reads from the team workspace at `url`.
fn count(url: &str, sql: &str) -> i64 {
    client(url).query_one(sql, &[]).unwrap().get(0)
}

/// A laptop's open connection the server has ended meanwhile (a serverless compute gone to
/// sleep, a restart): the next write opens a new one quietly, its transaction begun there, and
/// is kept once. (A write's BEGIN travels with its first statement, so the connection is found
/// gone by that statement.)
#[test]
fn a_write_on_a_connection_the_server_ended_begins_again_on_a_new_one_and_is_kept_once() {
    use baton::{Origin, SystemClock, Workspace};
    let cli = common::team_cli("asleep");
    let url = cli.db.display().to_string();
    let ws =
        Workspace::open_team(&baton::team::TeamUrl::parse(&url).unwrap(), SystemClock).unwrap();
    let add = |name: &str| {
        ws.records()
            .add(
                baton::NewRecord {
                    kind: Some(baton::RecordKind::Deal),
                    name: name.into(),
                    stage: None,
                    owner: None,
                    fields: vec![],
                },
                Origin::App,
            )
            .unwrap()
    };
    let changes = || count(&url, "SELECT count(*) FROM changes");
    let before = changes();
    add("Before the sleep");
    let db = common::database_of(&url);
    let mut admin = client(&server());
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            &[&db],
        )
        .unwrap();
    // Gone for certain before the write, as after a compute's sleep.
    let started = std::time::Instant::now();
    while admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
            &[&db],
        )
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    add("After the sleep");
    let names: Vec<String> = client(&url)
        .query("SELECT name FROM records ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(names, ["Before the sleep", "After the sleep"]);
    assert_eq!(
        changes() - before,
        2,
        "one change each, the second not written twice"
    );
}

/// `move` on a team workspace finds its record in the write (its reads go with the write's
/// first round trip) and reads back what it says with the commit: a record that is not there
/// is the same one sentence and leaves no trace; one that is moves and is said as it stands
/// after, its hand-off with it.
#[test]
fn move_finds_its_record_inside_the_write_and_says_how_it_stands_after() {
    let cli = common::team_cli("move_named");
    cli.team();
    let url = cli.db.display().to_string();
    let changes = || count(&url, "SELECT count(*) FROM changes");
    let before = changes();
    let err = cli.fails(&["move", "D-404", "Closed Won"]);
    assert_eq!(
        err.trim(),
        "error: no record \"D-404\" in this workspace; list records with: baton records"
    );
    assert_eq!(
        changes(),
        before,
        "nothing written, not even an empty change"
    );
    let id = cli.deal("Acme rollout", "Contract Sent", common::CHECKLIST);
    let said = cli.ok(&["move", &id, "closed won"]);
    let handoff: i64 = client(&url)
        .query_one("SELECT max(id) FROM handoffs", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        said,
        format!(
            "Acme rollout is now in Closed Won.\nHandoff #{handoff} handed off to Dee Delivery.\n"
        )
    );
}

/// Settings' fields make an address: TLS may be off only for this computer, and a field left
/// empty is one sentence.
#[test]
fn an_address_from_settings_keeps_tls_on_except_for_this_computer() {
    use baton::team::{SslMode, TeamUrl};
    let remote = TeamUrl::from_parts("db.example.com", 5432, "baton", "alex", true).unwrap();
    assert_eq!(remote.sslmode, SslMode::Require);
    let err = TeamUrl::from_parts("db.example.com", 5432, "baton", "alex", false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("TLS can be turned off only for a server on this computer"),
        "{err}"
    );
    let local = TeamUrl::from_parts("localhost", 5433, "baton", "alex", false).unwrap();
    assert_eq!(local.sslmode, SslMode::Disable);
    assert_eq!(
        local.address(),
        "postgres://alex@localhost:5433/baton?sslmode=disable"
    );
    let err = TeamUrl::from_parts("localhost", 5432, " ", "alex", true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("the database is empty"), "{err}");
    let with = local.with_password("s3cret".into());
    assert!(with.has_password() && !with.to_string().contains("s3cret"));
}

/// Looking for a chat post to send when none is due writes nothing: no empty change on a
/// workspace file, and on a team workspace no transaction from every laptop at every wake-up.
#[test]
fn a_delivery_round_with_nothing_due_writes_no_change() {
    let team = common::team_cli("nothing_due");
    let url = team.db.display().to_string();
    let changes = || count(&url, "SELECT count(*) FROM changes");
    // The first command on a new workspace writes its default playbooks.
    team.ok(&["people"]);
    let before = changes();
    team.ok(&["outbox", "send"]);
    team.ok(&["outbox", "send"]);
    assert_eq!(changes(), before, "team workspace");

    let laptop = Cli::new();
    laptop.ok(&["people", "add", "Fay Founder", "--role", "founder", "--me"]);
    let count = || -> i64 {
        rusqlite::Connection::open(&laptop.db)
            .unwrap()
            .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
            .unwrap()
    };
    let before = count();
    laptop.ok(&["outbox", "send"]);
    assert_eq!(count(), before, "workspace file");
}
