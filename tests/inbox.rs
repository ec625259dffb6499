//! Who "me" is: on a workspace file per laptop or per script (`--me`, `BATON_ME`, `baton people
//! me`), on a team workspace the login. And my notifications on the command line: `baton inbox`, and `--follow` printing each new one the
//! moment another program commits it, claimed so that only one follower shows it.

mod common;

use common::Cli;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn won_deal(cli: &Cli, name: &str) -> String {
    let id = cli.deal(name, "Contract Sent", common::CHECKLIST);
    cli.ok(&["move", &id, "Closed Won"]);
    id
}

/// On a team workspace who I am is the login (tests/team.rs); here, a workspace file.
#[test]
fn on_a_file_me_is_who_the_laptop_or_the_script_says() {
    let cli = &Cli::new();
    cli.team();
    won_deal(cli, "Acme rollout");
    // Fay is marked as this laptop's user; Dee's kickoff task is not hers.
    assert_eq!(
        cli.json(&["tasks", "--assignee", "me", "--json"]),
        serde_json::json!([])
    );
    let dee = cli.json(&[
        "--me",
        "Dee Delivery",
        "tasks",
        "--assignee",
        "me",
        "--json",
    ]);
    assert_eq!(dee.as_array().unwrap().len(), 1, "{dee}");
    assert_eq!(dee[0]["assignee"], "Dee Delivery");
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "--db",
            cli.db.to_str().unwrap(),
            "tasks",
            "--assignee",
            "me",
            "--json",
        ])
        .env("BATON_ME", "Dee Delivery")
        .env("BATON_NOW", "2026-03-05T09:00:00Z")
        .output()
        .unwrap();
    let by_env: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(by_env, dee, "BATON_ME says the same as --me");
    let err = cli.fails(&["--me", "Nobody Here", "tasks"]);
    assert!(
        err.contains("Nobody Here") && err.lines().count() == 1,
        "{err}"
    );
    // --me never changes who the workspace marks as this laptop's user; people me does.
    let me = |cli: &Cli| {
        cli.json(&["people", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["is_me"] == true)
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(me(cli), ["Fay Founder"]);
    let said = cli.ok(&["people", "me", "Dee Delivery"]);
    assert!(said.contains("You are Dee Delivery"), "{said}");
    assert_eq!(me(cli), ["Dee Delivery"]);
    assert_eq!(cli.json(&["tasks", "--assignee", "me", "--json"]), dee);
}

/// `baton inbox --follow --json` on `who`'s laptop, its lines sent to `tx`.
fn follower(who: &Cli, tx: mpsc::Sender<(usize, String)>, n: usize) -> Child {
    let mut child = who
        .command("2026-03-05T09:00:00Z", &["inbox", "--follow", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send((n, line));
        }
    });
    child
}

#[test]
fn inbox_follow_prints_a_hand_off_made_elsewhere_at_once_and_only_one_follower_gets_it() {
    follow_prints_once(&Cli::new());
}

/// On a team workspace the server wakes the followers (LISTEN/NOTIFY): a teammate's hand-off,
/// made by another process, reaches Dee's follower within 2 seconds, exactly once.
#[test]
fn on_a_team_workspace_inbox_follow_hears_a_teammates_hand_off_at_once() {
    follow_prints_once(&common::team_cli("follow"));
}

fn follow_prints_once(cli: &Cli) {
    cli.team();
    let dee = cli.person("Dee Delivery");
    won_deal(cli, "Earlier deal");
    let listed = dee.json(&["inbox", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["title"], "New kickoff task");

    let (tx, rx) = mpsc::channel();
    // Two of Dee's Batons (say, two laptops): the one waiting notification goes to one of them.
    let mut a = follower(&dee, tx.clone(), 0);
    let mut b = follower(&dee, tx.clone(), 1);
    let first = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("the waiting one");
    assert!(first.1.contains("Earlier deal"), "{first:?}");
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "shown once"
    );

    // Another program hands a deal off to Dee.
    let started = Instant::now();
    let id = won_deal(cli, "Acme rollout");
    let (_, line) = rx
        .recv_timeout(Duration::from_secs(2))
        .expect("within 2 seconds");
    let took = started.elapsed();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["title"], "New kickoff task");
    assert!(v["body"].as_str().unwrap().contains("Acme rollout"), "{v}");
    assert_eq!(v["record_id"].to_string(), id);
    assert!(
        v["task_id"].is_i64() && v["id"].is_i64() && v["created_at"].is_string(),
        "{v}"
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(1000)).is_err(),
        "exactly once"
    );
    assert_eq!(
        dee.json(&["inbox", "--json"]),
        serde_json::json!([]),
        "claimed: delivered"
    );
    for c in [&mut a, &mut b] {
        let _ = c.kill();
        let _ = c.wait();
    }
    eprintln!("inbox --follow printed the hand-off {took:?} after the command started");
}

/// The server ends the follower's session (a restart, an administrator, a serverless compute
/// going to sleep) just as a teammate hands a deal off: the follower connects again, prints
/// the hand-off exactly once, and goes on following.
#[test]
fn inbox_follow_catches_up_after_the_server_ends_its_session_mid_hand_off() {
    let cli = common::team_cli("follow_cut");
    cli.team();
    let dee = cli.person("Dee Delivery");
    let db = common::database_of(cli.db.to_str().unwrap());
    let admin = common::server();
    let followers = move || -> Vec<i32> {
        common::client(&admin)
            .query(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'baton'",
                &[&db],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    let (tx, rx) = mpsc::channel();
    let mut f = follower(&dee, tx, 0);
    let started = Instant::now();
    while followers().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the follower connects"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pids = followers();
    assert_eq!(pids.len(), 1, "only the follower is connected: {pids:?}");
    // The hand-off starts; the follower's session is ended meanwhile.
    let id = cli.deal("Cut-off deal", "Contract Sent", common::CHECKLIST);
    let mut hand_off = cli
        .command("2026-03-05T09:00:00Z", &["move", &id, "Closed Won"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let admin = common::server();
    common::client(&admin)
        .execute("SELECT pg_terminate_backend($1)", &[&pids[0]])
        .unwrap();
    assert!(hand_off.wait().unwrap().success());
    let (_, line) = rx
        .recv_timeout(Duration::from_secs(15))
        .expect("the hand-off, after the follower connected again");
    assert!(line.contains("Cut-off deal"), "{line}");
    assert!(
        rx.recv_timeout(Duration::from_secs(2)).is_err(),
        "exactly once"
    );
    assert!(f.try_wait().unwrap().is_none(), "still following");
    assert!(!followers().contains(&pids[0]), "on a new session");
    // And it listens again: the next hand-off comes at once.
    won_deal(&cli, "After the cut");
    let (_, line) = rx
        .recv_timeout(Duration::from_secs(3))
        .expect("woken again on its new connection");
    assert!(line.contains("After the cut"), "{line}");
    let _ = f.kill();
    let _ = f.wait();
}

on_both! {
fn inbox_needs_to_know_who_i_am(cli: &Cli) {
    cli.ok(&["people", "add", "Sam Seller", "--role", "sales"]);
    let err = cli.fails(&["inbox"]);
    // On a team workspace the login that set it up is tied to nobody on the team yet.
    let how = if cli.is_team() { "team init URL --as NAME" } else { "baton people me NAME" };
    assert!(err.contains(how), "{err}");
}
}
