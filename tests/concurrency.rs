//! Teammates writing at the same moment: real `baton` processes started together on one
//! workspace file or one team workspace. Every write decides on what it reads inside its own
//! transaction, so nothing one of them does is lost, and two decisions that exclude each other
//! end in one decision and one sentence. Each race runs `BATON_RACE_ROUNDS` times (3 unless
//! told; `cargo xtask test --stress` runs many more).

mod common;

use common::Cli;
use serde_json::Value;
use std::process::Output;

/// How many times each race runs.
fn rounds() -> usize {
    std::env::var("BATON_RACE_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

/// Starts every command at once and waits for all of them.
fn race(cli: &Cli, commands: &[Vec<String>]) -> Vec<Output> {
    let children: Vec<_> = commands
        .iter()
        .map(|args| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            cli.command("2026-03-05T09:00:00Z", &args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// Whether a JSON id is the id a command printed.
fn same_id(json: &Value, printed: &str) -> bool {
    json.as_i64().is_some() && json.as_i64() == printed.trim().parse().ok()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A won deal with no fields filled: its handoff pauses, and the owner's complete-fields task
/// has one checklist line per missing field. Returns the record's and the task's ids.
fn paused_deal(cli: &Cli, name: &str) -> (String, Value) {
    let id = cli.deal(name, "Closed Won", &[]);
    let task = task_of(cli, &id, "complete_fields");
    (id, task)
}

/// The task of `kind` on record `id`.
fn task_of(cli: &Cli, id: &str, kind: &str) -> Value {
    cli.json(&["tasks", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|t| same_id(&t["record_id"], id) && t["kind"] == kind)
        .cloned()
        .unwrap()
}

on_both! {
fn eight_processes_ticking_eight_lines_of_one_task_tick_all_eight(cli: &Cli) {
    cli.team();
    for round in 0..rounds() {
        let (_, task) = paused_deal(cli, &format!("Ticked {round}"));
        let lines = task["checklist"].as_array().unwrap().len();
        assert!(lines >= 8, "{task}");
        let id = task["id"].to_string();
        let ticks: Vec<Vec<String>> = (1..=8)
            .map(|i| args(&["check", &id, &i.to_string()]))
            .collect();
        for out in race(cli, &ticks) {
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let after = cli.json(&["tasks", "--json"]);
        let after = after
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == task["id"])
            .unwrap();
        let ticked: Vec<bool> = after["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["done"].as_bool().unwrap())
            .collect();
        assert_eq!(
            ticked.iter().filter(|d| **d).count(),
            8,
            "round {round}: every tick kept, the other lines untouched: {ticked:?}"
        );
        assert!(ticked[..8].iter().all(|d| *d), "round {round}: {ticked:?}");
    }
}
}

on_both! {
fn two_processes_setting_two_fields_of_one_record_keep_both(cli: &Cli) {
    cli.team();
    for round in 0..rounds() {
        let id = cli.deal(&format!("Fields {round}"), "Contract Sent", &[]);
        let sets = [
            args(&["set", &id, &format!("risk_notes=Tight deadline {round}")]),
            args(&["set", &id, &format!("pricing_exceptions=10% off {round}")]),
            args(&["set", &id, &format!("buyer_goals=Grow {round}")]),
            args(&["set", &id, "kickoff_preference=On site"]),
        ];
        for out in race(cli, &sets) {
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let shown = cli.json(&["show", &id, "--json"]);
        let fields = &shown["fields"];
        assert_eq!(fields["risk_notes"], format!("Tight deadline {round}"), "{shown}");
        assert_eq!(fields["pricing_exceptions"], format!("10% off {round}"), "{shown}");
        assert_eq!(fields["buyer_goals"], format!("Grow {round}"), "{shown}");
        assert_eq!(fields["kickoff_preference"], "On site", "{shown}");
        // One audit event per change, none written over another.
        let edits = shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "edited")
            .count();
        assert_eq!(edits, 4, "{shown}");
    }
}
}

on_both! {
fn approve_and_send_back_at_once_end_in_one_decision_and_one_sentence(cli: &Cli) {
    cli.team();
    let mut filled: Vec<String> = common::CHECKLIST.iter().map(|f| f.to_string()).collect();
    filled.push("flags=Needs Founder Review".into());
    let filled: Vec<&str> = filled.iter().map(String::as_str).collect();
    for round in 0..rounds() {
        let id = cli.deal(&format!("Flagged {round}"), "Contract Sent", &filled);
        cli.ok(&["move", &id, "Closed Won"]);
        let h = cli
            .json(&["handoffs", "--status", "in_review", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .find(|h| same_id(&h["record_id"], &id))
            .cloned()
            .unwrap();
        let hid = h["id"].to_string();
        let outs = race(
            cli,
            &[
                args(&["approve", &hid]),
                args(&["send-back", &hid, "--reason", "Scope unclear"]),
            ],
        );
        let won: Vec<usize> = (0..2).filter(|i| outs[*i].status.success()).collect();
        assert_eq!(won.len(), 1, "round {round}: exactly one decision: {:?}", outs.iter().map(stderr).collect::<Vec<_>>());
        let lost = stderr(&outs[1 - won[0]]);
        let decided = if won[0] == 0 { "approved" } else { "sent back" };
        assert!(
            lost.contains(&format!("Handoff #{hid} was already {decided} by Fay Founder at ")),
            "round {round}: the other is told who decided: {lost}"
        );
        assert_eq!(lost.trim_end().lines().count(), 1, "one sentence: {lost}");
        // The audit log holds the one decision, and the handoff is where it put it.
        let shown = cli.json(&["show", &id, "--json"]);
        let decisions: Vec<&Value> = shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "approved" || e["kind"] == "sent_back")
            .collect();
        assert_eq!(decisions.len(), 1, "{shown}");
        let status = &shown["handoffs"][0]["status"];
        if won[0] == 0 {
            assert_eq!(status, "handed_off", "{shown}");
        } else {
            assert_eq!(decisions[0]["kind"], "sent_back", "{shown}");
        }
    }
}
}

on_both! {
fn eight_moves_of_one_deal_at_once_leave_one_consistent_history(cli: &Cli) {
    cli.team();
    for round in 0..rounds() {
        let id = cli.deal(&format!("Moved {round}"), "Contract Sent", common::CHECKLIST);
        let stages = [
            "Closed Won",
            "Qualified To Buy",
            "Closed Won",
            "Contract Sent",
            "Closed Won",
            "Closed Lost",
            "Closed Won",
            "Presentation Scheduled",
        ];
        let moves: Vec<Vec<String>> = stages.iter().map(|s| args(&["move", &id, s])).collect();
        for out in race(cli, &moves) {
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let shown = cli.json(&["show", &id, "--json"]);
        let history = shown["history"].as_array().unwrap();
        // Each change starts where the one before it ended, and the last is where the deal is.
        for pair in history.windows(2) {
            assert_eq!(pair[1]["from"], pair[0]["to"], "round {round}: {shown}");
        }
        assert_eq!(
            history.last().unwrap()["to"], shown["stage"],
            "round {round}: {shown}"
        );
        // One handoff per entry into Closed Won, and only the last one open if it is there now.
        let entries = history.iter().filter(|c| c["to"] == "Closed Won").count();
        let handoffs = shown["handoffs"].as_array().unwrap();
        assert_eq!(handoffs.len(), entries, "round {round}: {shown}");
        let open = handoffs
            .iter()
            .filter(|h| h["status"] != "cancelled")
            .count();
        assert_eq!(
            open,
            usize::from(shown["stage"] == "Closed Won"),
            "round {round}: {shown}"
        );
    }
}
}

on_both! {
fn two_flags_set_at_once_are_both_kept_and_a_task_done_twice_is_done_once(cli: &Cli) {
    cli.team();
    for round in 0..rounds() {
        let id = cli.deal(&format!("Flags {round}"), "Contract Sent", &[]);
        for out in race(
            cli,
            &[
                args(&["flag", &id, "custom_scope"]),
                args(&["flag", &id, "delivery_risk"]),
            ],
        ) {
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let shown = cli.json(&["show", &id, "--json"]);
        assert_eq!(
            shown["flags"],
            serde_json::json!(["custom_scope", "delivery_risk"]),
            "round {round}: {shown}"
        );

        let won = cli.deal(&format!("Done {round}"), "Contract Sent", common::CHECKLIST);
        cli.ok(&["move", &won, "Closed Won"]);
        let tid = task_of(cli, &won, "kickoff")["id"].to_string();
        let done = args(&["done", &tid, "--kickoff-date", "2026-03-12"]);
        let outs = race(cli, &[done.clone(), done]);
        let done = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(done, 1, "round {round}: {:?}", outs.iter().map(stderr).collect::<Vec<_>>());
        let refused = outs.iter().find(|o| !o.status.success()).unwrap();
        assert!(
            stderr(refused).contains(&format!("task {tid} is already done")),
            "round {round}: {}",
            stderr(refused)
        );
    }
}
}

/// How many deals the import a `set` waits behind holds (`BATON_RACE_IMPORT`; 100,000 in
/// `cargo xtask test --stress`).
fn import_size() -> usize {
    std::env::var("BATON_RACE_IMPORT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

on_both! {
fn a_set_that_arrives_during_a_large_import_lands_and_the_import_is_whole(cli: &Cli) {
    set_during_import(cli, false);
}
}

on_both! {
fn a_set_on_a_record_the_import_also_changes_keeps_both_changes(cli: &Cli) {
    set_during_import(cli, true);
}
}

/// A `set` of a record while a large import runs: a record of its own, or (`shared`) one the
/// import changes too (its amount; the set changes its buyer goals). Both land whole.
fn set_during_import(cli: &Cli, shared: bool) {
    cli.team();
    let first = cli.path("first.csv");
    std::fs::write(&first, "Record ID,Deal Name,Deal Stage,Amount,Deal owner\nbig-shared,Shared,Contract Sent,5,Sam Seller\n").unwrap();
    cli.ok(&["import", first.to_str().unwrap()]);
    let beside = if shared {
        cli.json(&["show", "big-shared", "--json"])["id"].to_string()
    } else {
        cli.deal("Beside the import", "Contract Sent", &[])
    };
    let n = import_size();
    let csv = cli.path("big.csv");
    let mut s = String::from("Record ID,Deal Name,Deal Stage,Amount,Deal owner,Risk Notes\n");
    // The shared record comes late in the file, when the import has been running a while.
    let late = n * 9 / 10;
    for i in 0..n {
        if i == late {
            s += "big-shared,Shared,Contract Sent,7,Sam Seller,\n";
        }
        let stage = ["Contract Sent", "Closed Won", "Qualified To Buy"][i % 3];
        s += &format!(
            "big-{i},Deal {i},{stage},{},Sam Seller,Note {i}\n",
            1000 + i
        );
    }
    std::fs::write(&csv, s).unwrap();
    let mut import = cli
        .command(
            "2026-03-05T09:00:00Z",
            &["import", csv.to_str().unwrap(), "--json"],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The set starts while the import is reading and writing its rows.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        import.try_wait().unwrap().is_none(),
        "the import is still running when the set starts (make BATON_RACE_IMPORT larger)"
    );
    let asked = std::time::Instant::now();
    let set = cli.run(&["set", &beside, "buyer_goals=Set during the import"]);
    let waited = asked.elapsed();
    let import = import.wait_with_output().unwrap();
    assert!(set.status.success(), "the set: {}", stderr(&set));
    // A set that waited more than the first second for the import said so.
    if cli.db.to_string_lossy().starts_with("postgres")
        && waited > std::time::Duration::from_secs(2)
    {
        assert!(
            stderr(&set).contains("a teammate's import or undo holds the team workspace; waiting…"),
            "the set waited {waited:?}: {}",
            stderr(&set)
        );
    }
    assert!(import.status.success(), "the import: {}", stderr(&import));
    let report: Value = serde_json::from_slice(&import.stdout).unwrap();
    assert_eq!(report["inserted"], n, "{report}");
    let shown = cli.json(&["show", &beside, "--json"]);
    assert_eq!(
        shown["fields"]["buyer_goals"], "Set during the import",
        "{shown}"
    );
    if shared {
        assert_eq!(
            shown["fields"]["amount"], 7.0,
            "the import's change is kept too: {shown}"
        );
    }
    // Every imported row is there as the file has it.
    let records = cli.json(&["records", "--json"]);
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), n + if shared { 1 } else { 2 });
    let noted = records
        .iter()
        .filter(|r| {
            r["external_id"]
                .as_str()
                .and_then(|id| id.strip_prefix("big-"))
                .is_some_and(|i| r["fields"]["risk_notes"] == format!("Note {i}"))
        })
        .count();
    assert_eq!(noted, n);
}
