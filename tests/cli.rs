//! The real `baton` binary on a temporary workspace file.

mod common;

use common::Cli;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap()
}

on_both! {
fn a_closed_won_deal_pauses_then_resumes_and_schedules_its_kickoff(cli: &Cli) {
    cli.team();
    let out = cli.ok(&[
        "add",
        "--kind",
        "deal",
        "Acme <b>rollout</b>",
        "--stage",
        "Contract Sent",
        "--owner",
        "Sam Seller",
        "amount=12,500.50",
        "company=Acme — Ltd",
        "buyer_goals=Faster onboarding",
    ]);
    let id = last_line(&out).to_string();
    assert!(
        id.parse::<i64>().is_ok(),
        "add prints the id alone on its last line: {out}"
    );

    let out = cli.ok(&["move", &id, "closedwon"]);
    assert!(out.contains("paused: missing main_contact"), "{out}");

    let hs = cli.json(&["handoffs", "--json"]);
    let h = &hs[0];
    for key in [
        "id",
        "record_id",
        "external_id",
        "record_name",
        "playbook",
        "status",
        "missing_fields",
        "from_owner",
        "to_owner",
        "triggered_at",
        "handed_off_at",
        "kickoff_scheduled_at",
    ] {
        assert!(h.get(key).is_some(), "handoffs --json lacks {key}: {h}");
    }
    assert_eq!(h["status"], "paused");
    assert_eq!(h["missing_fields"].as_array().unwrap().len(), 7);
    assert_eq!(h["triggered_at"], "2026-03-05T09:00:00Z");

    let tasks = cli.json(&["tasks", "--assignee", "Sam Seller", "--open", "--json"]);
    assert_eq!(tasks[0]["kind"], "complete_fields");

    cli.ok(&[
        "set",
        &id,
        "main_contact=Ana Ruiz",
        "signed_scope=SOW v2",
        "start_date=2026-03-16",
        "promised_deliverables=3 dashboards",
        "pricing_exceptions=None",
        "risk_notes=None",
        "kickoff_preference=Video call",
    ]);
    let h = &cli.json(&["handoffs", "--json"])[0];
    assert_eq!(h["status"], "handed_off");
    assert_eq!(h["to_owner"], "Dee Delivery");

    let tasks = cli.json(&["tasks", "--assignee", "Dee Delivery", "--json"]);
    let k = &tasks[0];
    for key in [
        "id",
        "handoff_id",
        "record_id",
        "kind",
        "title",
        "assignee",
        "due",
        "status",
        "checklist",
    ] {
        assert!(k.get(key).is_some(), "tasks --json lacks {key}: {k}");
    }
    assert_eq!(k["kind"], "kickoff");
    assert_eq!(k["due"], "2026-03-10");
    assert_eq!(k["checklist"][0]["done"], false);
    let task_id = k["id"].to_string();

    let err = cli.fails(&["done", &task_id]);
    assert!(
        err.starts_with("error: ") && err.contains("--kickoff-date"),
        "{err}"
    );
    cli.ok(&["done", &task_id, "--kickoff-date", "2026-03-12"]);
    let h = &cli.json(&["handoffs", "--status", "kickoff_scheduled", "--json"])[0];
    assert_eq!(h["kickoff_scheduled_at"], "2026-03-05T09:00:00Z");

    let rec = cli.json(&["show", &id, "--json"]);
    for key in [
        "id",
        "external_id",
        "kind",
        "name",
        "stage",
        "owner",
        "source",
        "fields",
        "flags",
    ] {
        assert!(rec.get(key).is_some(), "show --json lacks {key}: {rec}");
    }
    assert_eq!(rec["name"], "Acme <b>rollout</b>");
    assert_eq!(rec["stage"], "Closed Won");
    assert_eq!(rec["fields"]["amount"], 12500.5, "amounts are numbers");
    assert_eq!(rec["fields"]["start_date"], "2026-03-16");
    assert_eq!(rec["fields"]["company"], "Acme — Ltd");
}
}

on_both! {
fn the_brief_renders_markdown_escaped_html_and_json(cli: &Cli) {
    cli.team();
    let id = last_line(&cli.ok(&[
        "add",
        "--kind",
        "deal",
        "<img src=x onerror=alert(1)>",
        "--stage",
        "Closed Won",
        "--owner",
        "Sam Seller",
        "promised_deliverables=Training",
    ]))
    .to_string();
    let md = cli.ok(&["brief", &id]);
    // A Markdown viewer shows the name as text instead of rendering the tag.
    assert!(
        md.contains("# Handoff brief: &lt;img src=x onerror=alert(1)&gt;") && !md.contains("<img"),
        "{md}"
    );
    assert!(md.contains("**What was promised:** Training"), "{md}");
    let html = cli.ok(&["brief", &id, "--format", "html"]);
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;") && !html.contains("<img"),
        "{html}"
    );
    let json = cli.json(&["brief", &id, "--format", "json"]);
    assert!(json["answers"]["who_owns_next_step"]
        .as_str()
        .unwrap()
        .contains("Sam Seller must first fill"));

    let h = cli.json(&["handoffs", "--json"])[0]["id"].to_string();
    cli.ok(&["context", &h, "promised_verbally=A weekly call"]);
    let md = cli.ok(&["brief", &id]);
    assert!(md.contains("Verbally: A weekly call"), "{md}");
}
}

on_both! {
fn flags_route_to_review_and_approve_hands_off(cli: &Cli) {
    cli.team();
    let mut args = vec![
        "add",
        "--kind",
        "deal",
        "Flagged",
        "--owner",
        "Sam Seller",
        "flags=Custom Scope; delivery_risk",
    ];
    let fields: Vec<String> = baton::fields::DELIVERY_FIELDS
        .iter()
        .map(|k| {
            if *k == "start_date" {
                format!("{k}=2026-04-01")
            } else {
                format!("{k}=yes")
            }
        })
        .collect();
    args.extend(fields.iter().map(String::as_str));
    let id = last_line(&cli.ok(&args)).to_string();
    assert_eq!(
        cli.json(&["show", &id, "--json"])["flags"],
        serde_json::json!(["custom_scope", "delivery_risk"])
    );
    cli.ok(&["unflag", &id, "delivery risk"]);
    cli.ok(&["move", &id, "Won"]);
    let h = &cli.json(&["handoffs", "--json"])[0];
    assert_eq!(h["status"], "in_review");
    let mine = cli.json(&["tasks", "--assignee", "me", "--json"]);
    assert_eq!(mine[0]["kind"], "review");
    let hid = h["id"].to_string();
    cli.ok(&["approve", &hid]);
    assert_eq!(cli.json(&["handoffs", "--json"])[0]["status"], "handed_off");
    let err = cli.fails(&["send-back", &hid, "--reason", "late"]);
    assert!(
        err.contains("only a handoff that is in review can be sent back"),
        "{err}"
    );
}
}

on_both! {
fn unknown_record_stage_person_and_field_are_one_sentence_and_non_zero(cli: &Cli) {
    cli.team();
    let id = last_line(&cli.ok(&["add", "--kind", "deal", "X"])).to_string();
    for (args, needle) in [
        (vec!["show", "D999"], "no record \"D999\""),
        (vec!["move", id.as_str(), "Limbo"], "no stage \"Limbo\""),
        (
            vec!["set", id.as_str(), "owner=Nobody"],
            "no person \"Nobody\"",
        ),
        (
            vec!["set", id.as_str(), "shoe_size=44"],
            "unknown field \"shoe_size\"",
        ),
        (vec!["set", id.as_str(), "oops"], "is not FIELD=VALUE"),
        (vec!["flag", id.as_str(), "urgent"], "not an exception flag"),
        (vec!["tasks", "--assignee", "Zed"], "no person \"Zed\""),
        (vec!["approve", "77"], "no handoff \"77\""),
    ] {
        let err = cli.fails(&args);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one sentence: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
}
}

on_both! {
fn playbooks_export_edit_import_and_refuse_a_broken_file(cli: &Cli) {
    let file = cli.path("playbooks.toml");
    cli.ok(&["playbooks", "export", file.to_str().unwrap()]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("key = \"sales-to-delivery\""), "{text}");
    std::fs::write(
        &file,
        text.replace("due_business_days = 3", "due_business_days = 7"),
    )
    .unwrap();
    let said = cli.ok(&["playbooks", "import", file.to_str().unwrap()]);
    // It says what the change does to handoffs under way (none here) and to new ones.
    assert!(
        said.contains(": no handoff under way uses it now; new handoffs follow it from the next time a record enters its trigger stage."),
        "{said}"
    );
    let pbs = cli.json(&["playbooks", "--json"]);
    assert_eq!(pbs[0]["due_business_days"], 7);

    std::fs::write(&file, "[[playbook]]\nkey = \"x\"\n").unwrap();
    let err = cli.fails(&["playbooks", "import", file.to_str().unwrap()]);
    assert!(
        err.contains("playbooks.toml") && err.contains("missing field"),
        "{err}"
    );
    assert_eq!(
        cli.json(&["playbooks", "--json"])[0]["due_business_days"],
        7,
        "nothing changed"
    );
}
}

on_both! {
fn demo_backtest_and_export_all(cli: &Cli) {
    let out = cli.ok(&["demo"]);
    assert!(out.contains("60 deals, 20 leads"), "{out}");
    let deals = cli.json(&["records", "--kind", "deal", "--json"]);
    assert_eq!(deals.as_array().unwrap().len(), 60);
    let statuses: std::collections::BTreeSet<String> = cli
        .json(&["handoffs", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap().to_string())
        .collect();
    for s in [
        "paused",
        "in_review",
        "sent_back",
        "handed_off",
        "escalated",
        "accepted",
        "kickoff_scheduled",
        "cancelled",
    ] {
        assert!(
            statuses.contains(s),
            "the demo shows a {s} handoff: {statuses:?}"
        );
    }
    assert!(cli.fails(&["demo"]).contains("already has records"));

    let bt = cli.json(&["playbooks", "backtest", "sales-to-delivery", "--json"]);
    assert!(bt[0]["entries"].as_u64().unwrap() > 0);
    assert_eq!(
        bt[0]["records"].as_u64().unwrap(),
        bt[0]["would_hand_off"].as_u64().unwrap()
            + bt[0]["would_review"].as_u64().unwrap()
            + bt[0]["would_pause"].as_u64().unwrap()
    );

    let dir = cli.path("export");
    cli.ok(&["export", "--all", dir.to_str().unwrap()]);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let records = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "records")
        .unwrap();
    assert_eq!(records["rows"], 80);
    let csv = std::fs::read_to_string(Path::new(&dir).join("records.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap().split(',').next().unwrap(), "id");
}
}

on_both! {
fn exported_csv_shows_formulas_as_text_and_baton_reads_them_back(cli: &Cli) {
    let attacks = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "-2+3+cmd|' /C calc'!A0",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ];
    let mut file = String::from("Record ID,Deal Name,Deal Stage,Amount\n");
    for (i, a) in attacks.iter().enumerate() {
        file += &format!("{i},\"{}\",Contract Sent,-12.5\n", a.replace('"', "\"\""));
    }
    let csv = cli.path("attack.csv");
    std::fs::write(&csv, file).unwrap();
    cli.ok(&["import", csv.to_str().unwrap()]);

    let dir = cli.path("export");
    cli.ok(&["export", "--all", dir.to_str().unwrap()]);
    let mut rdr = ::csv::Reader::from_path(dir.join("records.csv")).unwrap();
    let name = rdr
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "name")
        .unwrap();
    let names: Vec<String> = rdr
        .records()
        .map(|r| r.unwrap()[name].to_string())
        .collect();
    for a in attacks {
        assert!(
            names.contains(&format!("'{a}")),
            "{a} is written as text: {names:?}"
        );
    }
    let fields = std::fs::read_to_string(dir.join("records.csv")).unwrap();
    assert!(fields.contains("-12.5"), "a negative number stays a number");
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("leading '"), "{manifest}");

    // The exported names, imported again as a CRM file, come back as they were written.
    let again = cli.path("again.csv");
    let mut w = ::csv::Writer::from_path(&again).unwrap();
    w.write_record(["Record ID", "Deal Name", "Deal Stage"])
        .unwrap();
    for (i, n) in names.iter().enumerate() {
        w.write_record([format!("x{i}").as_str(), n.as_str(), "Contract Sent"])
            .unwrap();
    }
    w.flush().unwrap();
    let other = Cli::new();
    other.ok(&["import", again.to_str().unwrap()]);
    let read: Vec<String> = other
        .json(&["records", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    for a in attacks {
        assert!(read.contains(&a.to_string()), "{a} read back: {read:?}");
    }
}
}

on_both! {
fn an_export_refuses_a_folder_with_files_and_never_writes_through_a_planted_link(cli: &Cli) {
    cli.team();
    let dir = cli.path("export");
    std::fs::create_dir_all(&dir).unwrap();
    let outside = cli.path("outside.txt");
    std::fs::write(&outside, "mine").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, dir.join("people.csv")).unwrap();
    #[cfg(not(unix))]
    std::fs::write(dir.join("people.csv"), "old").unwrap();

    let e = cli.fails(&["export", "--all", dir.to_str().unwrap()]);
    assert!(e.contains("not empty") && e.contains("--force"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "one sentence: {e}");

    cli.ok(&["export", "--all", dir.to_str().unwrap(), "--force"]);
    assert_eq!(
        std::fs::read_to_string(&outside).unwrap(),
        "mine",
        "the link's target is untouched"
    );
    let people = dir.join("people.csv");
    assert!(!std::fs::symlink_metadata(&people)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&people)
        .unwrap()
        .contains("Fay Founder"));
}
}

on_both! {
fn baton_now_must_be_rfc3339(cli: &Cli) {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--db", cli.db.to_str().unwrap(), "records"])
        .env("BATON_NOW", "yesterday")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}
}

on_both! {
fn preview_json_import_json_and_undo_import_follow_the_contract(cli: &Cli) {
    let file = fixture("hubspot_deals.csv");
    let file = file.to_str().unwrap();
    let p = cli.json(&["preview", file, "--rows", "2", "--json"]);
    for key in [
        "encoding",
        "delimiter",
        "source",
        "confidence",
        "headers",
        "mapping",
        "rows",
    ] {
        assert!(p.get(key).is_some(), "preview --json lacks {key}: {p}");
    }
    assert_eq!(p["source"], "hubspot");
    assert_eq!(p["encoding"], "UTF-8 BOM");
    assert_eq!(p["mapping"]["Deal Owner"], Value::Null, "no such header");
    assert_eq!(p["mapping"]["Deal owner"], "owner");
    assert_eq!(p["rows"].as_array().unwrap().len(), 2);
    assert_eq!(p["rows"][1]["Deal Stage"], "closedwon");

    let r = cli.json(&["import", file, "--json"]);
    for key in [
        "import_id",
        "source",
        "encoding",
        "delimiter",
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "handoffs",
        "errors",
    ] {
        assert!(r.get(key).is_some(), "import --json lacks {key}: {r}");
    }
    for key in [
        "fired",
        "paused",
        "handed_off",
        "in_review",
        "resumed",
        "cancelled",
    ] {
        assert!(r["handoffs"].get(key).is_some(), "handoffs lacks {key}");
    }
    assert_eq!(
        (r["rows"].as_u64(), r["inserted"].as_u64()),
        (Some(3), Some(3))
    );
    let id = r["import_id"].as_i64().unwrap().to_string();
    let list = cli.json(&["imports", "--json"]);
    assert_eq!(list[0]["rows"], 3);
    let out = cli.ok(&["undo-import", &id]);
    assert!(out.contains("3 added records removed"), "{out}");
    assert_eq!(cli.json(&["records", "--json"]), Value::Array(vec![]));
    let e = cli.fails(&["undo-import", &id]);
    assert!(e.starts_with("error: import 1 was already undone"), "{e}");
    let e = cli.fails(&["undo-import", "99"]);
    assert!(e.contains("no import \"99\""), "{e}");
}
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

on_both! {
fn health_prints_a_weekly_table_and_json_that_agree_with_the_handoffs(cli: &Cli) {
    cli.ok(&["demo"]);
    let h = cli.json(&["health", "--weeks", "6", "--json"]);
    let weeks = h["weeks"].as_array().unwrap();
    let labels: Vec<&str> = weeks.iter().map(|w| w["week"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        ["2026-W05", "2026-W06", "2026-W07", "2026-W08", "2026-W09", "2026-W10"]
    );
    // Every handoff triggered since Monday of W05 counts once, in its week.
    let triggered = cli
        .json(&["handoffs", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["triggered_at"].as_str().unwrap() >= "2026-01-26")
        .count() as u64;
    let counted: u64 = weeks
        .iter()
        .map(|w| w["handoffs_triggered"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, triggered);
    assert!(triggered > 0);
    let table = cli.ok(&["health", "--weeks", "6"]);
    assert!(table.contains("Handoffs triggered"), "{table}");
    assert!(table.contains("2026-W10"), "{table}");
    assert!(cli
        .fails(&["health", "--weeks", "x"])
        .contains("invalid value"));
}
}

/// `baton records | head -1`: a reader that stops early ends Baton quietly, as it would any
/// Unix tool, instead of a panic about a broken pipe.
#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_ends_baton_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let cli = Cli::new();
    // Far more output than a pipe holds (64 KiB), so Baton is still writing when the reader goes.
    let csv = cli.dir.path().join("many.csv");
    let mut text = String::from("Record ID,Deal Name,Deal Stage,Deal owner\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "{i},A deal with a long enough name to fill the pipe {i},Contract Sent,Sam Seller\n"
        ));
    }
    std::fs::write(&csv, text).unwrap();
    cli.ok(&["import", csv.to_str().unwrap()]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--db")
        .arg(&cli.db)
        .arg("records")
        .env_remove("BATON_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(13), "{:?}", out.status);
}
