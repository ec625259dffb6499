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
    let id = cli.deal(
        name,
        "Contract Sent",
        &[
            "buyer_goals=Faster onboarding",
            "main_contact=Inès Moreau",
            "contact_email=ines@riviere.example",
            "signed_scope=SOW v2",
            "start_date=2026-03-16",
            "promised_deliverables=3 dashboards, team training",
            "pricing_exceptions=None",
            "risk_notes=None",
            "kickoff_preference=Video call",
        ],
    );
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

on_both! {
fn the_welcome_email_is_a_mime_message_to_the_client_from_the_owner_with_the_invite(cli: &Cli) {
    let id = handed_off(cli, "Rivière Hôtels — CRM cleanup");
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
}

on_both! {
fn the_kickoff_invite_is_one_event_with_a_stable_uid_the_owner_and_the_contact(cli: &Cli) {
    handed_off(cli, "Rivière Hôtels — CRM cleanup");
    let task = kickoff_task(cli);
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
}

on_both! {
fn marking_the_welcome_email_sent_ticks_its_checklist_line_and_freezes_the_draft(cli: &Cli) {
    let id = handed_off(cli, "Acme — rollout");
    let task = kickoff_task(cli);
    let line = task["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .position(|i| i["item"] == "Send the welcome email")
        .expect("the default kickoff checklist has the line");
    assert_eq!(task["checklist"][line]["done"], false);

    let out = cli.ok(&["draft", &id, "--sent"]);
    assert!(out.contains("as sent by Fay Founder"), "{out}");
    let task = kickoff_task(cli);
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
}

on_both! {
fn the_brief_as_an_email_goes_to_the_new_owner_in_html_and_text(cli: &Cli) {
    let id = handed_off(cli, "Acme <b>rollout</b>");
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
}

on_both! {
fn an_invite_or_email_that_cannot_be_made_says_why_in_one_sentence(cli: &Cli) {
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
}

on_both! {
fn an_edited_draft_is_what_the_email_file_carries_and_a_sent_one_no_longer_changes(cli: &Cli) {
    let id = handed_off(cli, "Acme — rollout");
    let ws = cli.workspace();
    let d = ws
        .reach().record_draft(baton::RecordId(id.parse().unwrap()))
        .unwrap();
    let edited = ws
        .reach().edit_draft(
            d.id,
            Some("Welcome, Inès"),
            Some("Bonjour Inès,\n\nà bientôt."),
            baton::Origin::App,
        )
        .unwrap();
    assert_eq!(edited.subject, "Welcome, Inès");
    assert!(edited.edited_at.is_some());
    let msg_bytes = ws.reach().draft_eml(d.id).unwrap();
    let msg = MessageParser::default().parse(&msg_bytes).unwrap();
    assert_eq!(msg.subject(), Some("Welcome, Inès"));
    assert!(msg.body_text(0).unwrap().contains("à bientôt."));
    let err = ws
        .reach().edit_draft(d.id, Some(" "), Some("x"), baton::Origin::App)
        .unwrap_err();
    assert!(err.to_string().contains("subject"), "{err}");

    // An edit of the body alone keeps the subject as it stands (a teammate's edit of it too).
    let teammate = cli.workspace();
    teammate
        .reach().edit_draft(d.id, Some("Welcome aboard, Inès"), None, baton::Origin::App)
        .unwrap();
    let mine = ws
        .reach().edit_draft(d.id, None, Some("Hola Inès"), baton::Origin::App)
        .unwrap();
    assert_eq!(
        (mine.subject.as_str(), mine.body.as_str()),
        ("Welcome aboard, Inès", "Hola Inès"),
        "each kept what they edited"
    );

    ws.reach().mark_draft_sent(d.id, baton::Origin::App).unwrap();
    let again = teammate.reach().mark_draft_sent(d.id, baton::Origin::App).unwrap_err();
    assert!(again.to_string().contains("was marked sent by"), "{again}");
    let err = ws
        .reach().edit_draft(d.id, Some("Another"), Some("text"), baton::Origin::App)
        .unwrap_err();
    assert!(err.to_string().contains("no longer changes"), "{err}");
    assert_eq!(
        ws.reach().draft(d.id).unwrap().subject,
        "Welcome aboard, Inès",
        "unchanged"
    );
}
}

/// A CSV Baton wrote, read with the csv crate: the header row and the data rows.
fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|row| row.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

/// What a workspace holds, for telling whether an import changed anything.
fn state(cli: &Cli) -> (Value, Value, Value) {
    (
        cli.json(&["records", "--json"]),
        cli.json(&["handoffs", "--json"]),
        cli.json(&["tasks", "--json"]),
    )
}

on_both! {
fn a_hubspot_writeback_is_its_update_import_format_and_reads_back_into_baton_unchanged(cli: &Cli) {
    cli.team();
    let export = cli.path("hubspot-deals.csv");
    std::fs::write(
        &export,
        "Record ID,Deal Name,Deal Stage,Amount,Deal owner,Associated Company,Buyer Goals,Main Contact,Contact Email,Signed Scope,Start Date,Promised Deliverables,Pricing Exceptions,Risk Notes,Kickoff Preference\n\
         3001,\"=HYPERLINK(\"\"http://x.example\"\",\"\"win\"\")\",Closed Won,8000,Sam Seller,Formula Co,Grow,Rita Évora,rita@formula.example,SOW v1,2026-03-16,\"3 dashboards, training\",None,None,Video call\n\
         3002,Nordlys AS — onboarding,Closed Won,4200,Sam Seller,Nordlys AS,,,,,,,,,\n\
         3003,Brightwave — audit,Appointment Scheduled,900,Sam Seller,Brightwave,,,,,,,,,\n",
    )
    .unwrap();
    cli.ok(&["import", export.to_str().unwrap()]);
    let file = cli.path("hubspot-updates.csv");
    let said = cli.ok(&["writeback", "--crm", "hubspot", file.to_str().unwrap()]);
    assert!(said.contains("Wrote 2 deals"), "{said}");
    assert!(said.contains("hubspot-updates-tasks.csv"), "{said}");

    let (headers, rows) = read_csv(&file);
    assert_eq!(
        headers,
        [
            "Record ID",
            "Baton Handoff Status",
            "Baton Delivery Owner",
            "Baton Kickoff Date",
            "Baton Missing Fields",
            "Baton Handoff Brief"
        ]
    );
    assert_eq!(rows.len(), 2, "the open deal has no handoff: {rows:?}");
    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap().clone();
    let won = row("3001");
    assert_eq!(won[1], "Handed off");
    assert_eq!(won[2], "Dee Delivery");
    assert_eq!(won[3], "", "no kickoff scheduled yet");
    assert_eq!(won[4], "");
    assert!(
        won[5].starts_with("Promised: 3 dashboards, training; SOW v1 | Client expects: "),
        "{}",
        won[5]
    );
    let paused = row("3002");
    assert_eq!(paused[1], "Paused: fields missing");
    assert_eq!(paused[2], "");
    assert!(paused[4].contains("Buyer goals"), "{}", paused[4]);

    let (headers, tasks) = read_csv(&cli.path("hubspot-updates-tasks.csv"));
    assert_eq!(
        headers,
        [
            "Record ID",
            "Deal Name",
            "Task Title",
            "Task Type",
            "Task Status",
            "Due Date",
            "Assigned To",
            "Notes"
        ]
    );
    let kickoff = tasks.iter().find(|t| t[0] == "3001").unwrap();
    // The deal's name starts like a formula: written as text, and read back as it was.
    assert_eq!(kickoff[1], "'=HYPERLINK(\"http://x.example\",\"win\")");
    assert_eq!(
        baton::spreadsheet::restore(&kickoff[1]),
        "=HYPERLINK(\"http://x.example\",\"win\")"
    );
    assert_eq!(kickoff[3], "To-do");
    assert_eq!(kickoff[4], "Not started");
    assert!(chrono::NaiveDate::parse_from_str(&kickoff[5], "%Y-%m-%d").is_ok());
    assert_eq!(kickoff[6], "Dee Delivery");
    assert!(kickoff[7].contains("[ ] "), "the checklist: {}", kickoff[7]);
    assert!(
        tasks.iter().any(|t| t[0] == "3002" && t[6] == "Sam Seller"),
        "the paused deal's task to fill the fields: {tasks:?}"
    );

    // The round trip: the update file read by Baton's own import changes nothing.
    let before = state(cli);
    let r = cli.json(&["import", file.to_str().unwrap(), "--json"]);
    assert_eq!(r["source"], "hubspot", "{r}");
    assert_eq!(
        (r["inserted"].as_u64(), r["updated"].as_u64()),
        (Some(0), Some(0)),
        "{r}"
    );
    assert_eq!(r["unchanged"], 2, "{r}");
    assert_eq!(state(cli), before);
}
}

#[test]
fn pipedrive_and_salesforce_writebacks_use_their_own_id_columns_and_round_trip() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (crm, export, id_header, id, tasks_header) in [
        (
            "pipedrive",
            "pipedrive_deals_excel.csv",
            "Deal - ID",
            "7",
            [
                "Deal - ID",
                "Deal - Title",
                "Activity - Subject",
                "Activity - Type",
                "Activity - Done",
                "Activity - Due date",
                "Activity - Assigned to user",
                "Activity - Note",
            ],
        ),
        (
            "salesforce",
            "salesforce_opps_unicode_text.csv",
            "Id",
            "0065g00000AbCdE",
            [
                "WhatId",
                "Baton_Deal_Name__c",
                "Subject",
                "Type",
                "Status",
                "ActivityDate",
                "Baton_Assigned_To__c",
                "Description",
            ],
        ),
    ] {
        let cli = Cli::new();
        cli.team();
        cli.ok(&["import", fixtures.join(export).to_str().unwrap()]);
        let file = cli.path("updates.csv");
        cli.ok(&["writeback", "--crm", crm, file.to_str().unwrap()]);
        let (headers, rows) = read_csv(&file);
        assert_eq!(headers[0], id_header, "{crm}");
        assert_eq!(headers.len(), 6, "{crm}: {headers:?}");
        assert_eq!(rows.len(), 1, "{crm}: one won deal: {rows:?}");
        assert_eq!(rows[0][0], id, "{crm}");
        assert_eq!(rows[0][1], "Paused: fields missing", "{crm}");
        let (headers, tasks) = read_csv(&cli.path("updates-tasks.csv"));
        assert_eq!(headers, tasks_header, "{crm}");
        assert!(tasks.iter().all(|t| t[0] == id), "{crm}: {tasks:?}");

        let before = state(&cli);
        let r = cli.json(&["import", file.to_str().unwrap(), "--json"]);
        assert_eq!(r["source"], crm, "{r}");
        assert_eq!(
            (r["inserted"].as_u64(), r["updated"].as_u64()),
            (Some(0), Some(0)),
            "{crm}: {r}"
        );
        assert_eq!(state(&cli), before, "{crm}");
        // A deal from another CRM is not written for this one.
        let other = if crm == "pipedrive" {
            "salesforce"
        } else {
            "pipedrive"
        };
        let said = cli.ok(&["writeback", "--crm", other, file.to_str().unwrap()]);
        assert!(said.contains("Wrote 0 deals"), "{said}");
    }
}

on_both! {
fn writeback_since_a_day_keeps_the_handoffs_with_activity_from_that_day(cli: &Cli) {
    cli.team();
    let export = cli.path("hubspot.csv");
    std::fs::write(
        &export,
        "Record ID,Deal Name,Deal Stage\n4001,Early deal,Closed Won\n",
    )
    .unwrap();
    cli.ok(&["import", export.to_str().unwrap()]);
    // Four days later another deal is won.
    std::fs::write(
        &export,
        "Record ID,Deal Name,Deal Stage\n4001,Early deal,Closed Won\n4002,Later deal,Closed Won\n",
    )
    .unwrap();
    let out = cli.run_at(
        "2026-03-09T09:00:00Z",
        &["import", export.to_str().unwrap()],
    );
    assert!(out.status.success());
    let file = cli.path("since.csv");
    let ids = |since: &str| -> Vec<String> {
        cli.ok(&[
            "writeback",
            "--crm",
            "hubspot",
            "--since",
            since,
            file.to_str().unwrap(),
        ]);
        read_csv(&file)
            .1
            .into_iter()
            .map(|r| r[0].clone())
            .collect()
    };
    assert_eq!(ids("2026-03-05"), ["4002", "4001"]);
    assert_eq!(ids("2026-03-06"), ["4002"]);
    assert!(ids("2026-03-10").is_empty());
    let err = cli.fails(&[
        "writeback",
        "--crm",
        "hubspot",
        "--since",
        "5 March",
        file.to_str().unwrap(),
    ]);
    assert!(
        err.contains("--since") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let err = cli.fails(&["writeback", "--crm", "zoho", file.to_str().unwrap()]);
    assert!(err.contains("hubspot, pipedrive or salesforce"), "{err}");
}
}
