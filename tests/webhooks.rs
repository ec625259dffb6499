//! Chat webhooks through the real `baton` binary, posting to a real HTTP server in the test, the
//! address kept in the real OS keyring (`cargo xtask test` runs this tier on a private D-Bus
//! session with GNOME Keyring as the Secret Service).

mod common;

use common::Cli;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// A local HTTP server answering with `statuses` in turn (then 200), keeping what it was sent.
struct Server {
    url: String,
    got: Arc<Mutex<Vec<(String, String)>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(statuses: &[u16]) -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let statuses: Vec<u16> = statuses.to_vec();
        let mut statuses = statuses.into_iter();
        let (s, g) = (server.clone(), got.clone());
        let thread = std::thread::spawn(move || {
            for mut req in s.incoming_requests() {
                let mut body = String::new();
                req.as_reader().read_to_string(&mut body).unwrap();
                g.lock().unwrap().push((req.url().to_string(), body));
                let status = statuses.next().unwrap_or(200);
                let _ =
                    req.respond(tiny_http::Response::from_string("ok").with_status_code(status));
            }
        });
        Server {
            // The path stands for the secret part of a real webhook's address.
            url: format!("http://127.0.0.1:{port}/services/T000/B000/s3cr3tT0ken"),
            got,
            server,
            thread: Some(thread),
        }
    }

    fn posts(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, body)| serde_json::from_str(body).unwrap())
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const FIELDS: &[&str] = common::CHECKLIST;

/// Adds a deal in Contract Sent owned by Sam Seller; returns its id.
fn deal(cli: &Cli, name: &str, fields: &[&str]) -> String {
    cli.deal(name, "Contract Sent", fields)
}

fn add_webhook(cli: &Cli, url: &str, kind: &str) -> String {
    let out = cli.ok(&["webhooks", "add", url, "--kind", kind]);
    assert!(
        !out.contains("s3cr3tT0ken"),
        "the address is never printed: {out}"
    );
    cli.json(&["webhooks", "--json"])
        .as_array()
        .unwrap()
        .last()
        .unwrap()["id"]
        .to_string()
}

/// Removes every webhook, so the keyring keeps nothing of this test.
fn clean_up(cli: &Cli) {
    for w in cli.json(&["webhooks", "--json"]).as_array().unwrap() {
        cli.ok(&["webhooks", "remove", &w["id"].to_string()]);
    }
}

fn events(cli: &Cli, record: &str, kind: &str) -> Vec<String> {
    cli.json(&["show", record, "--json"])["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_hand_off_posts_one_message_with_the_record_owner_and_due_date_and_the_address_stays_secret() {
    let server = Server::start(&[]);
    let cli = Cli::new();
    cli.team();
    add_webhook(&cli, &server.url, "json");
    let id = deal(&cli, "Acme rollout", FIELDS);
    let out = cli.run(&["move", &id, "Closed Won"]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let posts = server.posts();
    assert_eq!(posts.len(), 1, "one post per hand-off: {posts:?}");
    let p = &posts[0];
    assert_eq!(p["event"], "handed_off");
    assert_eq!(p["record"]["name"], "Acme rollout");
    assert_eq!(p["assignee"], "Dee Delivery");
    let task = &cli.json(&["tasks", "--assignee", "Dee Delivery", "--json"])[0];
    assert_eq!(p["task"]["due"], task["due"]);
    assert!(p["task"]["due"].as_str().unwrap().starts_with("2026-03-"));
    assert_eq!(
        server.got.lock().unwrap()[0].0,
        "/services/T000/B000/s3cr3tT0ken"
    );
    let posted = events(&cli, &id, "webhook_posted");
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(posted[0].contains("HTTP 200"), "{posted:?}");

    // The address is in the keyring only: not in the workspace file, its export, or a listing.
    let listing = cli.ok(&["webhooks"]);
    assert!(
        listing.contains("127.0.0.1") && !listing.contains("s3cr3tT0ken"),
        "{listing}"
    );
    let export = cli.path("export");
    cli.ok(&["export", "--all", export.to_str().unwrap()]);
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&export)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(cli.db.clone());
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(11).any(|w| w == b"s3cr3tT0ken"),
            "{} holds the webhook's address",
            f.display()
        );
    }
    clean_up(&cli);
}

#[test]
fn a_server_answering_500_then_200_gets_exactly_one_retry_and_the_hand_off_commits_either_way() {
    let server = Server::start(&[500]);
    let cli = Cli::new();
    cli.team();
    add_webhook(&cli, &server.url, "slack");
    let id = deal(&cli, "Brightwave", FIELDS);
    let out = cli.run(&["move", &id, "Closed Won"]);
    assert!(
        out.status.success(),
        "the hand-off does not wait on the chat"
    );
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.contains("HTTP 500") && note.contains("baton outbox send"),
        "{note}"
    );
    assert!(!note.contains("s3cr3tT0ken"), "{note}");
    assert_eq!(cli.json(&["handoffs", "--json"])[0]["status"], "handed_off");
    assert_eq!(server.posts().len(), 1);
    let hook = &cli.json(&["webhooks", "--json"])[0];
    assert_eq!(hook["last_error"], "HTTP 500");
    assert_eq!(hook["pending"], 1);

    let out = cli.ok(&["outbox", "send"]);
    assert!(out.contains("Sent 1 chat post; 0 failed"), "{out}");
    assert_eq!(server.posts().len(), 2, "exactly one retry");
    assert_eq!(server.posts()[0], server.posts()[1], "the same message");
    let text = server.posts()[1]["text"].as_str().unwrap().to_string();
    assert!(
        text.starts_with("*Handed off: Brightwave*\nDee Delivery has task #"),
        "{text}"
    );
    let out = cli.ok(&["outbox", "send"]);
    assert!(out.contains("Sent 0 chat posts"), "{out}");
    assert_eq!(server.posts().len(), 2, "nothing sent twice");
    let hook = &cli.json(&["webhooks", "--json"])[0];
    assert_eq!(
        (hook["pending"].as_u64(), hook["delivered"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(hook["last_error"].is_null());

    let failed = events(&cli, &id, "webhook_failed");
    let posted = events(&cli, &id, "webhook_posted");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("HTTP 500") && failed[0].contains("attempt 1"),
        "{failed:?}"
    );
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(
        posted[0].contains("HTTP 200") && posted[0].contains("attempt 2"),
        "{posted:?}"
    );
    clean_up(&cli);
}

#[test]
fn a_pause_names_the_missing_fields_a_review_its_flags_and_a_webhook_for_another_playbook_hears_neither(
) {
    let server = Server::start(&[]);
    let cli = Cli::new();
    cli.team();
    add_webhook(&cli, &server.url, "gchat");
    let other = Server::start(&[]);
    cli.ok(&[
        "webhooks",
        "add",
        &other.url,
        "--kind",
        "teams",
        "--playbook",
        "marketing-to-sales",
    ]);
    let paused = deal(&cli, "Lumen", &["buyer_goals=Grow"]);
    cli.ok(&["move", &paused, "Closed Won"]);
    let flagged = deal(&cli, "Orbit", FIELDS);
    cli.ok(&["flag", &flagged, "custom_scope"]);
    cli.ok(&["move", &flagged, "Closed Won"]);
    let posts = server.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    let pause = posts[0]["text"].as_str().unwrap();
    assert!(
        pause.starts_with("*Paused: Lumen*\nMissing Main contact, ")
            && pause.contains("Sam Seller is asked to fill them"),
        "{pause}"
    );
    let review = posts[1]["text"].as_str().unwrap();
    assert!(
        review.starts_with("*Needs review: Orbit*\nCustom Scope. Fay Founder reviews it"),
        "{review}"
    );
    assert!(other.posts().is_empty(), "the other playbook's webhook");
    clean_up(&cli);
}

#[test]
fn an_unreachable_server_leaves_the_hand_off_done_and_says_why_without_the_address() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cli = Cli::new();
    cli.team();
    let url = format!("http://127.0.0.1:{port}/hooks/s3cr3tT0ken");
    add_webhook(&cli, &url, "json");
    let id = deal(&cli, "Nordlys", FIELDS);
    let out = cli.run(&["move", &id, "Closed Won"]);
    assert!(out.status.success());
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.contains("127.0.0.1") && !note.contains("s3cr3tT0ken"),
        "{note}"
    );
    assert_eq!(cli.json(&["handoffs", "--json"])[0]["status"], "handed_off");
    let out = cli.run(&["outbox", "send"]);
    assert!(!out.status.success(), "still undelivered");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not be delivered") && !err.contains("s3cr3tT0ken"),
        "{err}"
    );
    clean_up(&cli);
}

#[test]
fn send_test_says_what_the_server_answered_and_a_removed_webhook_hears_nothing_more() {
    let server = Server::start(&[200, 404]);
    let cli = Cli::new();
    cli.team();
    let id = add_webhook(&cli, &server.url, "teams");
    let out = cli.ok(&["webhooks", "test", &id]);
    assert!(out.contains("HTTP 200"), "{out}");
    let card = &server.posts()[0]["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["body"][0]["text"], "Baton is connected");
    let err = cli.fails(&["webhooks", "test", &id]);
    assert!(
        err.contains("HTTP 404") && err.lines().count() == 1,
        "{err}"
    );

    cli.ok(&["webhooks", "remove", &id]);
    assert_eq!(cli.json(&["webhooks", "--json"]), serde_json::json!([]));
    let d = deal(&cli, "Quiet", FIELDS);
    cli.ok(&["move", &d, "Closed Won"]);
    assert_eq!(server.posts().len(), 2, "nothing after removal");
    let err = cli.fails(&["webhooks", "test", &id]);
    assert!(err.contains("no webhook"), "{err}");
    let err = cli.fails(&["webhooks", "add", "http://example.com/x", "--kind", "slack"]);
    assert!(err.contains("https"), "{err}");
}

#[test]
fn an_import_of_many_won_deals_posts_one_summary_and_a_small_one_posts_each() {
    let server = Server::start(&[]);
    let cli = Cli::new();
    cli.team();
    add_webhook(&cli, &server.url, "json");
    let header = "Record ID,Deal Name,Deal Stage,Deal owner,Buyer Goals,Main Contact,Signed Scope,Start Date,Promised Deliverables,Pricing Exceptions,Risk Notes,Kickoff Preference\n";
    let full = "Grow,Ana Ruiz,SOW v1,2026-03-16,Dashboards,None,None,Video call";
    let mut history = String::from(header);
    for i in 0..12 {
        // Every third won deal lacks its checklist: it pauses.
        let fields = if i % 3 == 0 { ",,,,,,," } else { full };
        history.push_str(&format!("{i},Deal {i},Closed Won,Sam Seller,{fields}\n"));
    }
    let file = cli.path("history.csv");
    std::fs::write(&file, history).unwrap();
    cli.ok(&["import", file.to_str().unwrap()]);
    let posts = server.posts();
    assert_eq!(posts.len(), 1, "one summary, not twelve posts: {posts:?}");
    assert_eq!(posts[0]["event"], "import");
    assert_eq!(posts[0]["title"], "Import of history.csv: 12 handoffs");
    assert_eq!(
        (posts[0]["handed_off"].as_u64(), posts[0]["paused"].as_u64()),
        (Some(8), Some(4))
    );
    let hook = &cli.json(&["webhooks", "--json"])[0];
    assert_eq!(
        (hook["delivered"].as_u64(), hook["pending"].as_u64()),
        (Some(1), Some(0))
    );

    let file = cli.path("two.csv");
    std::fs::write(
        &file,
        format!("{header}20,Deal 20,Closed Won,Sam Seller,{full}\n21,Deal 21,Closed Won,Sam Seller,{full}\n"),
    )
    .unwrap();
    cli.ok(&["import", file.to_str().unwrap()]);
    let posts = server.posts();
    assert_eq!(posts.len(), 3, "two deals, two posts");
    assert_eq!(posts[1]["event"], "handed_off");
    assert_eq!(posts[2]["record"]["name"], "Deal 21");
    clean_up(&cli);
}
