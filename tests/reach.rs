//! What Baton writes for people who are not looking at Baton — the welcome email as an `.eml`,
//! the kickoff invite as an `.ics`, the brief as an email — read back with real parsers (a MIME
//! parser, an iCalendar parser), through the real `baton` binary.

mod common;

use common::Cli;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;

/// A won deal with every field filled, handed off to Dee Delivery; returns its record id.
fn handed_off(cli: &Cli, name: &str) -> String {
    cli.team();
    let out = cli.ok(&[
        "add",
        "--kind",
        "deal",
        name,
        "--stage",
        "Contract Sent",
        "--owner",
        "Sam Seller",
        "buyer_goals=Faster onboarding",
        "main_contact=Inès Moreau",
        "contact_email=ines@riviere.example",
        "signed_scope=SOW v2",
        "start_date=2026-03-16",
        "promised_deliverables=3 dashboards, team training",
        "pricing_exceptions=None",
        "risk_notes=None",
        "kickoff_preference=Video call",
    ]);
    let id = out.lines().last().unwrap().to_string();
    cli.ok(&["move", &id, "closedwon"]);
    assert_eq!(
        cli.json(&["handoffs", "--json"])[0]["to_owner"],
        "Dee Delivery"
    );
    id
}

fn kickoff_task(cli: &Cli) -> Value {
    cli.json(&["tasks", "--assignee", "Dee Delivery", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "kickoff")
        .cloned()
        .unwrap()
}

/// The one VEVENT of an iCalendar text, as (name, params, value) properties.
type Props = Vec<(String, Vec<(String, Vec<String>)>, String)>;

fn one_event(text: &str) -> (Props, Props) {
    let mut cals = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let cal = cals.next().expect("one calendar").expect("it parses");
    assert!(cals.next().is_none(), "one calendar only");
    assert_eq!(cal.events.len(), 1, "one VEVENT");
    let props = |ps: Vec<ical::property::Property>| -> Props {
        ps.into_iter()
            .map(|p| {
                (
                    p.name,
                    p.params.unwrap_or_default(),
                    p.value.unwrap_or_default(),
                )
            })
            .collect()
    };
    (
        props(cal.properties),
        props(cal.events.into_iter().next().unwrap().properties),
    )
}

fn value<'a>(props: &'a Props, name: &str) -> &'a str {
    props
        .iter()
        .find(|p| p.0 == name)
        .map(|p| p.2.as_str())
        .unwrap_or_else(|| panic!("no {name} in {props:?}"))
}

#[test]
fn the_welcome_email_is_a_mime_message_to_the_client_from_the_owner_with_the_invite() {
    let cli = Cli::new();
    let id = handed_off(&cli, "Rivière Hôtels — CRM cleanup");
    let drafts = cli.json(&["drafts", "--json"]);
    assert_eq!(drafts.as_array().unwrap().len(), 1, "{drafts}");
    let d = &drafts[0];
    assert_eq!(d["record"], "Rivière Hôtels — CRM cleanup");
    assert_eq!(d["recipient"], "ines@riviere.example");
    assert_eq!(d["status"], "draft");

    let file = cli.dir.path().join("welcome.eml");
    cli.ok(&["draft", &id, "--eml", file.to_str().unwrap()]);
    let bytes = std::fs::read(&file).unwrap();
    let msg = MessageParser::default()
        .parse(&bytes)
        .expect("a MIME message");
    assert_eq!(msg.subject(), d["subject"].as_str());
    let from = msg.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Dee Delivery"));
    assert_eq!(from.address(), Some("dee@example.com"));
    let to = msg.to().unwrap().first().unwrap();
    assert_eq!(to.name(), Some("Inès Moreau"), "a non-ASCII name survives");
    assert_eq!(to.address(), Some("ines@riviere.example"));
    assert_eq!(
        msg.header_raw("X-Unsent").map(str::trim),
        Some("1"),
        "mail apps open it as a message to send"
    );
    // Both alternatives carry the draft's body; the HTML one as escaped HTML.
    let text = msg.body_text(0).unwrap();
    assert_eq!(
        text.replace("\r\n", "\n").trim_end(),
        d["body"].as_str().unwrap().trim_end()
    );
    let html = msg.body_html(0).unwrap();
    assert!(
        html.contains("<p>") && html.contains("Rivière Hôtels"),
        "{html}"
    );
    assert_eq!(msg.text_body.len(), 1);
    assert_eq!(msg.html_body.len(), 1);
    // The kickoff invite, attached.
    let attachments: Vec<_> = msg.attachments().collect();
    assert_eq!(attachments.len(), 1);
    let invite = attachments[0];
    assert_eq!(invite.attachment_name(), Some("kickoff.ics"));
    let ct = invite.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("calendar")));
    let (_, event) = one_event(std::str::from_utf8(invite.contents()).unwrap());
    assert_eq!(
        value(&event, "SUMMARY"),
        "Kickoff: Rivière Hôtels — CRM cleanup"
    );
}

#[test]
fn the_kickoff_invite_is_one_event_with_a_stable_uid_the_owner_and_the_contact() {
    let cli = Cli::new();
    handed_off(&cli, "Rivière Hôtels — CRM cleanup");
    let task = kickoff_task(&cli);
    let tid = task["id"].to_string();
    let file = cli.dir.path().join("kickoff.ics");
    cli.ok(&["invite", &tid, "--ics", file.to_str().unwrap()]);
    let first = std::fs::read_to_string(&file).unwrap();
    assert!(first.contains("\r\n"), "RFC 5545 lines end in CRLF");
    let (cal, event) = one_event(&first);
    assert_eq!(value(&cal, "VERSION"), "2.0");
    assert_eq!(value(&cal, "METHOD"), "REQUEST");
    assert_eq!(
        value(&event, "SUMMARY"),
        "Kickoff: Rivière Hôtels — CRM cleanup"
    );
    // Not scheduled yet: the due date, proposed (tentative), 10:00 for 30 minutes.
    assert_eq!(task["due"], "2026-03-10");
    assert_eq!(value(&event, "DTSTART"), "20260310T100000");
    assert_eq!(value(&event, "DTEND"), "20260310T103000");
    assert_eq!(value(&event, "STATUS"), "TENTATIVE");
    let organizer = event.iter().find(|p| p.0 == "ORGANIZER").unwrap();
    assert_eq!(organizer.2, "mailto:dee@example.com");
    assert!(organizer
        .1
        .iter()
        .any(|(k, v)| k == "CN" && v[0] == "Dee Delivery"));
    let attendees: Vec<&str> = event
        .iter()
        .filter(|p| p.0 == "ATTENDEE")
        .map(|p| p.2.as_str())
        .collect();
    assert_eq!(
        attendees,
        ["mailto:ines@riviere.example", "mailto:dee@example.com"]
    );
    // The brief's four answers, unescaped by the parser's reader of TEXT values.
    let description = value(&event, "DESCRIPTION")
        .replace("\\n", "\n")
        .replace("\\,", ",");
    for line in [
        "Who owns the next step: Dee Delivery",
        "What was promised: 3 dashboards, team training",
        "What the client expects next:",
        "Which task starts work: #",
    ] {
        assert!(description.contains(line), "{line:?} in {description:?}");
    }
    let uid = value(&event, "UID").to_string();

    // Scheduling the kickoff and exporting again updates the same event.
    cli.ok(&["done", &tid, "--kickoff-date", "2026-03-12"]);
    cli.ok(&["invite", &tid, "--ics", file.to_str().unwrap()]);
    let (_, again) = one_event(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(value(&again, "UID"), uid, "the UID is stable per task");
    assert_eq!(value(&again, "DTSTART"), "20260312T100000");
    assert_eq!(value(&again, "STATUS"), "CONFIRMED");
}

#[test]
fn marking_the_welcome_email_sent_ticks_its_checklist_line_and_freezes_the_draft() {
    let cli = Cli::new();
    let id = handed_off(&cli, "Acme — rollout");
    let task = kickoff_task(&cli);
    let line = task["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .position(|i| i["item"] == "Send the welcome email")
        .expect("the default kickoff checklist has the line");
    assert_eq!(task["checklist"][line]["done"], false);

    let out = cli.ok(&["draft", &id, "--sent"]);
    assert!(out.contains("as sent by Fay Founder"), "{out}");
    let task = kickoff_task(&cli);
    assert_eq!(task["checklist"][line]["done"], true, "the line is ticked");
    let d = &cli.json(&["drafts", "--json"])[0];
    assert_eq!(d["status"], "sent");
    assert_eq!(d["sent_by"], "Fay Founder");
    assert_eq!(d["sent_at"], "2026-03-05T09:00:00Z");
    let events = cli.ok(&["show", &id]);
    assert!(
        events.contains("Welcome email sent by Fay Founder"),
        "{events}"
    );

    let err = cli.fails(&["draft", &id, "--sent"]);
    assert!(
        err.starts_with("error: ") && err.contains("was marked sent by Fay Founder"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
}

#[test]
fn the_brief_as_an_email_goes_to_the_new_owner_in_html_and_text() {
    let cli = Cli::new();
    let id = handed_off(&cli, "Acme <b>rollout</b>");
    let out = cli.run(&["brief", &id, "--format", "eml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let msg = MessageParser::default()
        .parse(&out.stdout)
        .expect("a MIME message");
    let to = msg.to().unwrap().first().unwrap();
    assert_eq!(to.address(), Some("dee@example.com"));
    assert_eq!(msg.subject(), Some("Handoff brief: Acme <b>rollout</b>"));
    let html = msg.body_html(0).unwrap();
    assert!(
        html.contains("Acme &lt;b&gt;rollout&lt;"),
        "escaped: {html}"
    );
    assert!(!html.contains("<b>rollout"), "{html}");
    let text = msg.body_text(0).unwrap();
    assert!(text.contains("Dee Delivery"), "{text}");
    assert_eq!(msg.attachments().count(), 1, "the kickoff invite");

    let slack = cli.ok(&["brief", &id, "--format", "slack"]);
    assert!(
        slack.starts_with("*Handoff brief: Acme &lt;b&gt;rollout&lt;/b&gt;*\n"),
        "{slack}"
    );
    assert!(
        slack.contains("\n• *Who owns the next step:* Dee Delivery\n"),
        "{slack}"
    );
}

#[test]
fn an_invite_or_email_that_cannot_be_made_says_why_in_one_sentence() {
    let cli = Cli::new();
    cli.team();
    // No handoff yet: no draft.
    let id = cli
        .ok(&["add", "--kind", "deal", "Early", "--stage", "Contract Sent"])
        .lines()
        .last()
        .unwrap()
        .to_string();
    let err = cli.fails(&["draft", &id, "--eml", "x.eml"]);
    assert!(
        err.starts_with("error: ") && err.contains("welcome email"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = cli.fails(&["invite", "999", "--ics", "x.ics"]);
    assert!(err.starts_with("error: ") && err.contains("999"), "{err}");
}

#[test]
fn an_edited_draft_is_what_the_email_file_carries_and_a_sent_one_no_longer_changes() {
    let cli = Cli::new();
    let id = handed_off(&cli, "Acme — rollout");
    let mut ws = baton::Workspace::open(&cli.db, baton::SystemClock).unwrap();
    let d = ws
        .record_draft(baton::RecordId(id.parse().unwrap()))
        .unwrap();
    let edited = ws
        .edit_draft(
            d.id,
            "Welcome, Inès",
            "Bonjour Inès,\n\nà bientôt.",
            baton::Origin::App,
        )
        .unwrap();
    assert_eq!(edited.subject, "Welcome, Inès");
    assert!(edited.edited_at.is_some());
    let msg_bytes = ws.draft_eml(d.id).unwrap();
    let msg = MessageParser::default().parse(&msg_bytes).unwrap();
    assert_eq!(msg.subject(), Some("Welcome, Inès"));
    assert!(msg.body_text(0).unwrap().contains("à bientôt."));
    let err = ws
        .edit_draft(d.id, " ", "x", baton::Origin::App)
        .unwrap_err();
    assert!(err.to_string().contains("subject"), "{err}");

    ws.mark_draft_sent(d.id, baton::Origin::App).unwrap();
    let err = ws
        .edit_draft(d.id, "Another", "text", baton::Origin::App)
        .unwrap_err();
    assert!(err.to_string().contains("no longer changes"), "{err}");
    assert_eq!(
        ws.draft(d.id).unwrap().subject,
        "Welcome, Inès",
        "unchanged"
    );
}
