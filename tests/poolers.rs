//! A team workspace through the poolers teams meet at their providers: PgBouncer in
//! transaction mode (Supabase's port 6543, Neon's `-pooler` host), which hands a connection's
//! server to other clients between transactions, and in session mode. Every command of a
//! team's week answers through either as it does connected directly, and `team status` says
//! which of them costs live updates.

mod common;

use common::Cli;

/// A week of a team's commands, each its own process (as teammates' commands are), and what
/// each printed; `team status` is left out (its latency and laptops differ by nature).
fn a_week(cli: &Cli) -> Vec<String> {
    let export = format!(
        "{}/../shared/fixtures/real/crm_sales_pipeline.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    // Fay's login set the team workspace up; Dee signs in with a login of her own.
    cli.team();
    let dee = cli.person("Dee Delivery");
    let mut said = vec![];
    let mut ok_on = |cli: &Cli, args: &[&str]| {
        let out = cli.ok(args);
        said.push(format!("$ baton {}\n{out}", args.join(" ")));
        out
    };
    let mut ok = |args: &[&str]| ok_on(cli, args);
    ok(&["people"]);
    ok(&["import", &export]);
    ok(&["records", "--json"]);
    let mut args = vec![
        "add",
        "--kind",
        "deal",
        "Acme rollout",
        "--stage",
        "Contract Sent",
    ];
    args.extend(["--owner", "Sam Seller"]);
    args.extend(common::CHECKLIST);
    let id = ok(&args).lines().last().unwrap().to_string();
    ok(&["move", &id, "Closed Won"]);
    ok(&["show", &id]);
    ok_on(&dee, &["inbox", "--json"]);
    ok_on(&dee, &["tasks", "--assignee", "me", "--json"]);
    let mut ok = |args: &[&str]| ok_on(cli, args);
    ok(&["undo-import", "1"]);
    ok(&["records", "--json"]);
    ok(&["health", "--weeks", "4", "--json"]);
    said
}

fn same_week_as_direct(mode: &str) {
    let direct = common::team_cli(&format!("direct_{mode}"));
    let pooled = common::pooled_cli(mode, "week");
    let (direct, pooled_said) = (a_week(&direct), a_week(&pooled));
    for (d, p) in direct.iter().zip(&pooled_said) {
        assert_eq!(p, d, "through PgBouncer in {mode} mode");
    }
    assert_eq!(pooled_said.len(), direct.len());
    let inbox = pooled_said.iter().find(|s| s.contains(" inbox ")).unwrap();
    assert!(
        inbox.contains("Acme rollout"),
        "the hand-off reached Dee: {inbox}"
    );
    let status = pooled.ok(&["team", "status"]);
    let says_pooler = status.contains("Pooler:  this is a transaction pooler");
    assert_eq!(says_pooler, mode == "transaction", "{status}");
    if says_pooler {
        assert!(status.contains("for live updates use"), "{status}");
    }
}

#[test]
fn a_teams_week_answers_through_a_transaction_pooler_as_directly() {
    same_week_as_direct("transaction");
}

#[test]
fn a_teams_week_answers_through_a_session_pooler_as_directly() {
    same_week_as_direct("session");
}

/// Teammates' commands at once through a transaction pooler: each process's statements meet
/// the others' on the same server connections, and every write still lands.
#[test]
fn teammates_at_once_through_a_transaction_pooler_all_land() {
    let cli = common::pooled_cli("transaction", "at_once");
    cli.team();
    let ids: Vec<String> = (0..6)
        .map(|i| cli.deal(&format!("Deal {i}"), "Contract Sent", common::CHECKLIST))
        .collect();
    let moves: Vec<_> = ids
        .iter()
        .map(|id| {
            cli.command("2026-03-05T09:00:00Z", &["move", id, "Closed Won"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for m in moves {
        let out = m.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let handoffs = cli.json(&["handoffs", "--json"]);
    assert_eq!(handoffs.as_array().unwrap().len(), 6, "{handoffs}");
}

/// Through a transaction pooler the server cannot wake a follower (LISTEN belongs to a
/// session the pooler does not keep): `inbox --follow` says so, looks every few seconds,
/// and prints a teammate's hand-off once.
#[test]
fn inbox_follow_through_a_transaction_pooler_looks_every_few_seconds_and_says_so() {
    use std::io::{BufRead, BufReader};
    use std::time::Duration;
    let cli = common::pooled_cli("transaction", "follow");
    cli.team();
    let dee = cli.person("Dee Delivery");
    let mut f = dee
        .command("2026-03-05T09:00:00Z", &["inbox", "--follow", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (out, err) = (f.stdout.take().unwrap(), f.stderr.take().unwrap());
    let said = tx.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(("out", line));
        }
    });
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = said.send(("err", line));
        }
    });
    let (from, note) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a note first");
    assert_eq!(from, "err");
    assert!(
        note.contains("transaction pooler") && note.contains("every few seconds"),
        "{note}"
    );
    let id = cli.deal("Pooled deal", "Contract Sent", common::CHECKLIST);
    cli.ok(&["move", &id, "Closed Won"]);
    let (from, line) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the hand-off");
    assert_eq!(from, "out", "{line}");
    assert!(line.contains("Pooled deal"), "{line}");
    assert!(rx.recv_timeout(Duration::from_secs(4)).is_err(), "once");
    let _ = f.kill();
    let _ = f.wait();
}
