//! What the desktop app reads beyond the CLI: the paged board, the checklist wizard and the
//! background reminders, on a real SQLite file with a fake clock.

mod common;

use common::Backend;

use baton::{FixedClock, HandoffStatus, NewRecord, Origin, RecordKind, Role, TaskKind, Workspace};
use chrono::Duration;
use std::sync::Arc;

fn workspace(backend: Backend) -> (Workspace, Arc<FixedClock>, tempfile::TempDir) {
    common::workspace(
        backend,
        "2026-03-05T09:00:00Z",
        &[
            ("Fay Founder", Role::Founder),
            ("Sam Seller", Role::Sales),
            ("Dee One", Role::Delivery),
        ],
    )
}

fn deal(ws: &mut Workspace, name: &str, stage: &str, fields: &[(&str, &str)]) -> baton::RecordId {
    ws.records()
        .add(
            NewRecord {
                kind: Some(RecordKind::Deal),
                name: name.into(),
                stage: Some(stage.into()),
                owner: Some("Sam Seller".into()),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            Origin::App,
        )
        .unwrap()
}

on_both_workspaces! {
fn the_board_counts_each_stage_in_pipeline_order_and_pages_its_cards(backend: Backend) {
    let (mut ws, _clock, _dir) = workspace(backend);
    for i in 0..25 {
        deal(
            &mut ws,
            &format!("Deal {i:02}"),
            "Contract Sent",
            &[("amount", "100")],
        );
    }
    deal(
        &mut ws,
        "50%_off Ltd",
        "Qualified To Buy",
        &[("company", "Acme")],
    );
    let cols = ws.records().board(RecordKind::Deal, "").unwrap();
    // Only the stages records are in, in HubSpot's pipeline order.
    let stages: Vec<&str> = cols.iter().map(|c| c.stage.as_str()).collect();
    assert_eq!(stages, ["Qualified To Buy", "Contract Sent"]);
    let sent = cols.iter().find(|c| c.stage == "Contract Sent").unwrap();
    assert_eq!((sent.count, sent.amount), (25, 2500.0));
    let page = ws
        .records().board_page(RecordKind::Deal, "Contract Sent", "", 20, 10)
        .unwrap();
    assert_eq!(page.len(), 5, "the last page holds the rest");
    assert_eq!(page[0].amount, Some(100.0));
    // Search matches name or company; LIKE wildcards in the query are literal.
    let hit = ws.records().board(RecordKind::Deal, "50%_").unwrap();
    assert_eq!(hit.iter().map(|c| c.count).sum::<u64>(), 1);
    assert_eq!(
        ws.records().board(RecordKind::Deal, "5%x")
            .unwrap()
            .iter()
            .map(|c| c.count)
            .sum::<u64>(),
        0
    );
    let by_company = ws
        .records().board_page(RecordKind::Deal, "Qualified To Buy", "acme", 0, 10)
        .unwrap();
    assert_eq!(by_company[0].name, "50%_off Ltd");
}
}

on_both_workspaces! {
fn the_wizard_asks_only_for_missing_groups_and_shows_the_task_handing_off_creates(backend: Backend) {
    let (mut ws, _clock, _dir) = workspace(backend);
    let r = deal(
        &mut ws,
        "Nordlicht GmbH",
        "Contract Sent",
        &[
            ("signed_scope", "SOW v2"),
            ("promised_deliverables", "Audit"),
            ("pricing_exceptions", "None"),
        ],
    );
    ws.records().move_to(r, "Closed Won", Origin::App).unwrap();
    let h = ws.records().detail(r).unwrap().handoffs[0].id;
    let w = ws.handoffs().wizard(h).unwrap();
    assert_eq!(w.handoff.status, HandoffStatus::Paused);
    let titles: Vec<&str> = w.steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Who and when", "Why it matters"],
        "'What was sold' is complete"
    );
    let start = w.steps[0]
        .fields
        .iter()
        .find(|f| f.key == "start_date")
        .unwrap();
    assert_eq!((start.input, start.missing), ("date", true));
    assert_eq!(w.context.len(), 3);
    assert_eq!(w.first_task.kind, TaskKind::Kickoff);
    assert_eq!(w.first_task.assignee.as_deref(), Some("Dee One"));
    assert_eq!(
        w.first_task.due, "2026-03-10",
        "three business days, over the weekend"
    );

    let typed = vec![("start_date".to_string(), "2026-03-16".to_string())];
    let ctx = std::collections::BTreeMap::from([(
        "promised_verbally".to_string(),
        "A weekly call".to_string(),
    )]);
    let (brief, _) = ws.handoffs().wizard_review(h, &typed, &ctx).unwrap();
    assert!(
        brief
            .answers
            .what_was_promised
            .contains("Verbally: A weekly call"),
        "{:?}",
        brief.answers
    );
    assert!(brief
        .answers
        .what_client_expects_next
        .contains("2026-03-16"));
    assert!(
        ws.handoffs().wizard(h)
            .unwrap()
            .context
            .iter()
            .all(|q| q.value.is_empty()),
        "a review writes nothing"
    );

    let rest: Vec<(String, String)> = [
        ("main_contact", "Ana"),
        ("start_date", "2026-03-16"),
        ("kickoff_preference", "Video call"),
        ("buyer_goals", "Grow"),
        ("risk_notes", "None"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    ws.records().set_fields(r, &rest, Origin::App).unwrap();
    let task = ws
        .records().detail(r)
        .unwrap()
        .tasks
        .into_iter()
        .find(|t| t.kind == TaskKind::Kickoff)
        .unwrap();
    assert_eq!(
        task.title, w.first_task.title,
        "the wizard showed what was created"
    );
    assert_eq!(task.due, Some(w.first_task.due));
    assert_eq!(task.assignee, w.first_task.assignee);
    assert_eq!(
        task.checklist
            .iter()
            .map(|c| c.item.clone())
            .collect::<Vec<_>>(),
        w.first_task.checklist
    );
}
}

/// A paused deal, its handoff, and the fields and judgment the wizard types for it.
type WizardCase = (
    baton::RecordId,
    baton::HandoffId,
    Vec<(String, String)>,
    std::collections::BTreeMap<String, String>,
);

/// A Nordlicht deal paused at Closed Won with most fields missing, and what the wizard types.
fn paused_for_the_wizard(ws: &mut Workspace) -> WizardCase {
    let r = deal(
        ws,
        "Nordlicht GmbH",
        "Contract Sent",
        &[
            ("signed_scope", "SOW v2"),
            ("promised_deliverables", "Audit"),
        ],
    );
    ws.records().move_to(r, "Closed Won", Origin::App).unwrap();
    let h = ws.records().detail(r).unwrap().handoffs[0].id;
    let typed: Vec<(String, String)> = [
        ("main_contact", "Ana"),
        ("start_date", "2026-03-16"),
        ("kickoff_preference", "Video call"),
        ("buyer_goals", "Grow"),
        ("risk_notes", "None"),
        ("pricing_exceptions", "None"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let ctx = std::collections::BTreeMap::from([
        ("promised_verbally".to_string(), "A weekly call".to_string()),
        ("cares_about".to_string(), "Speed".to_string()),
    ]);
    (r, h, typed, ctx)
}

on_both_workspaces! {
fn the_wizard_hands_off_in_one_write_and_returns_what_it_created(backend: Backend) {
    let (mut ws, _clock, _dir) = workspace(backend);
    let (r, h, typed, ctx) = paused_for_the_wizard(&mut ws);
    let saved = ws.handoffs().wizard_save(h, &typed, &ctx, Origin::App).unwrap();
    assert_eq!(saved.handoff.status, HandoffStatus::HandedOff);
    assert_eq!(saved.handoff.context["promised_verbally"], "A weekly call");
    let task = saved.task.unwrap();
    assert_eq!(task.kind, TaskKind::Kickoff);
    assert_eq!(task.assignee.as_deref(), Some("Dee One"));
    assert_eq!(task.due.unwrap(), "2026-03-10");
    assert_eq!(saved.effects.handed_off, 1);
    let detail = ws.records().detail(r).unwrap();
    assert_eq!(detail.record.fields["main_contact"], "Ana");
    assert_eq!(
        detail
            .tasks
            .iter()
            .filter(|t| t.kind == TaskKind::Kickoff)
            .count(),
        1
    );
}
}

on_both_workspaces! {
fn a_wizard_saved_after_a_teammate_handed_off_keeps_the_answers_and_says_so(backend: Backend) {
    let (mut ws, clock, dir) = workspace(backend);
    let (r, h, typed, ctx) = paused_for_the_wizard(&mut ws);
    // While the wizard is open, a teammate fills the fields: the handoff goes on to delivery.
    let teammate = common::reopen(&dir, clock);
    teammate.records().set_fields(r, &typed, Origin::Cli).unwrap();
    assert_eq!(teammate.handoffs().get(h).unwrap().status, HandoffStatus::HandedOff);
    // The wizard sends only what the person changed: here, the judgment.
    let saved = ws.handoffs().wizard_save(h, &[], &ctx, Origin::App).unwrap();
    let said = saved.meanwhile.expect("the wizard says what happened meanwhile");
    assert!(
        said.starts_with(&format!("Handoff #{h} was already handed off to Dee One by Fay Founder at ")),
        "{said}"
    );
    assert_eq!(saved.handoff.status, HandoffStatus::HandedOff);
    assert_eq!(saved.handoff.context["promised_verbally"], "A weekly call");
    assert_eq!(saved.effects, baton::RuleEffects::default(), "nothing handed off twice");
    let detail = ws.records().detail(r).unwrap();
    assert_eq!(detail.record.fields["main_contact"], "Ana");
    assert_eq!(
        detail.tasks.iter().filter(|t| t.kind == TaskKind::Kickoff).count(),
        1
    );
    // Saved on a handoff still paused, the wizard says nothing of the kind.
    let (mut other, _clock, _dir) = workspace(backend);
    let (_, h2, typed2, ctx2) = paused_for_the_wizard(&mut other);
    let saved = other.handoffs().wizard_save(h2, &typed2, &ctx2, Origin::App).unwrap();
    assert_eq!(saved.meanwhile, None);
}
}

// On a file only: the failure is injected with a SQLite trigger on the file.
#[test]
fn a_failure_during_the_wizards_hand_off_saves_nothing() {
    let (mut ws, _clock, dir) = workspace(Backend::File);
    let (r, h, typed, ctx) = paused_for_the_wizard(&mut ws);
    let before = ws.records().detail(r).unwrap();
    // The kickoff task cannot be written: the hand-off fails at its last step.
    let db = rusqlite::Connection::open(dir.path().join("w.sqlite")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER injected BEFORE INSERT ON tasks WHEN NEW.kind = 'kickoff'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    let e = ws
        .handoffs()
        .wizard_save(h, &typed, &ctx, Origin::App)
        .unwrap_err();
    assert!(e.to_string().contains("injected failure"), "{e}");
    let after = ws.records().detail(r).unwrap();
    assert_eq!(after.record, before.record, "no field saved");
    assert_eq!(
        after.handoffs, before.handoffs,
        "no judgment saved, still paused"
    );
    assert_eq!(after.events.len(), before.events.len(), "no audit event");
    assert_eq!(after.tasks.len(), before.tasks.len());

    // Once the cause is gone the same answers hand off.
    db.execute_batch("DROP TRIGGER injected").unwrap();
    let saved = ws
        .handoffs()
        .wizard_save(h, &typed, &ctx, Origin::App)
        .unwrap();
    assert_eq!(saved.handoff.status, HandoffStatus::HandedOff);
}

on_both_workspaces! {
fn reminders_come_once_a_day_for_my_overdue_and_long_paused_tasks(backend: Backend) {
    let (mut ws, clock, _dir) = workspace(backend);
    // Fay is me (on a team workspace, the login's person already).
    ws.team().add_person("Fay Founder", Role::Delivery, None, backend == Backend::File, Origin::Cli)
        .unwrap();
    ws.team().add_person("Dee One", Role::Sales, None, false, Origin::Cli)
        .unwrap();
    // A complete deal hands off to delivery: Fay is the only delivery person now.
    let full: Vec<(&str, &str)> = baton::fields::DELIVERY_FIELDS
        .iter()
        .map(|k| {
            (
                *k,
                if *k == "start_date" {
                    "2026-03-16"
                } else {
                    "x"
                },
            )
        })
        .collect();
    deal(&mut ws, "Kestrel", "Closed Won", &full);
    // A paused one leaves a complete-fields task with its owner; make Fay own it.
    ws.records().add(
        NewRecord {
            kind: Some(RecordKind::Deal),
            name: "Finch".into(),
            stage: Some("Closed Won".into()),
            owner: Some("Fay Founder".into()),
            fields: vec![],
        },
        Origin::App,
    )
    .unwrap();
    let before = ws.reach().pending_notifications().unwrap().len();
    assert_eq!(ws.handoffs().queue_reminders(3).unwrap(), 0, "nothing overdue yet");

    clock.advance(Duration::days(6));
    assert_eq!(
        ws.handoffs().queue_reminders(3).unwrap(),
        2,
        "kickoff overdue, fields paused 6 days"
    );
    assert_eq!(ws.handoffs().queue_reminders(3).unwrap(), 0, "once a day");
    let titles: Vec<String> = ws
        .reach().pending_notifications()
        .unwrap()
        .into_iter()
        .skip(before)
        .map(|n| n.title)
        .collect();
    assert!(
        titles.iter().any(|t| t.starts_with("Overdue: ")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.starts_with("Still paused: ")),
        "{titles:?}"
    );
    clock.advance(Duration::days(1));
    assert_eq!(ws.handoffs().queue_reminders(3).unwrap(), 2, "and again the next day");
}
}

on_both_workspaces! {
fn a_watched_folder_is_an_existing_folder_remembered_with_the_moment_it_was_chosen(backend: Backend) {
    let (ws, _clock, dir) = workspace(backend);
    assert_eq!(ws.import().watched_folder().unwrap(), None);
    let set = ws
        .import().set_watched_folder(Some(dir.path()), Origin::App)
        .unwrap()
        .unwrap();
    assert_eq!(set.path, dir.path());
    assert_eq!(set.since, "2026-03-05T09:00:00Z");
    assert_eq!(ws.import().watched_folder().unwrap(), Some(set));
    let missing = dir.path().join("no-such-folder");
    let err = ws
        .import().set_watched_folder(Some(&missing), Origin::App)
        .unwrap_err();
    assert!(
        err.to_string().contains("is not a folder on this computer"),
        "{err}"
    );
    assert!(
        ws.import().watched_folder().unwrap().is_some(),
        "a bad choice keeps the old one"
    );
    ws.import().set_watched_folder(None, Origin::App).unwrap();
    assert_eq!(ws.import().watched_folder().unwrap(), None);
}
}

on_both_workspaces! {
fn a_watched_file_is_imported_once_even_after_its_import_was_undone(backend: Backend) {
    use baton::FolderImport;
    let (ws, _clock, dir) = workspace(backend);
    let csv = dir.path().join("deals.csv");
    std::fs::write(
        &csv,
        "Record ID,Deal Name,Deal Stage,Amount,Deal owner\n1,Café Olé — rollout,Contract Sent,1200,Sam Seller\n",
    )
    .unwrap();
    let FolderImport::Imported(first) = ws.import().new_file(&csv).unwrap() else {
        panic!("a new file is imported");
    };
    assert_eq!(first.inserted, 1);
    // I hear of it by notification, in the core's words.
    let told = ws.reach().pending_notifications().unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].title, "Imported deals.csv");
    assert_eq!(
        told[0].body,
        "1 rows: 1 new, 0 updated, 0 unchanged. Handoffs: 0 fired, 0 paused."
    );
    ws.reach().mark_delivered(told[0].id).unwrap();
    assert!(matches!(ws.import().new_file(&csv).unwrap(), FolderImport::Seen));
    ws.import().undo(first.import_id, Origin::Cli).unwrap();
    assert!(
        matches!(ws.import().new_file(&csv).unwrap(), FolderImport::Seen),
        "an undone import stays undone"
    );
    // The same rows in a new export are a new file.
    std::fs::write(
        &csv,
        "Record ID,Deal Name,Deal Stage,Amount,Deal owner\n1,Café Olé — rollout,Closed Won,1200,Sam Seller\n",
    )
    .unwrap();
    let FolderImport::Imported(second) = ws.import().new_file(&csv).unwrap() else {
        panic!("changed content is a new file");
    };
    assert_eq!(second.inserted, 1);
    assert!(ws.reach().pending_notifications().unwrap().len() == 1);
    // A file the import refuses changes nothing and says so, by notification too.
    let bad = dir.path().join("empty.csv");
    std::fs::write(&bad, "").unwrap();
    let FolderImport::Refused(why) = ws.import().new_file(&bad).unwrap() else {
        panic!("an empty file is refused");
    };
    let told = ws.reach().pending_notifications().unwrap();
    let last = told.last().unwrap();
    assert_eq!(last.title, "Could not import empty.csv");
    assert_eq!(
        last.body,
        format!("{why} Nothing was changed; open it from the Import screen to fix it.")
    );
}
}

on_both_workspaces! {
fn a_notification_without_a_task_waits_for_me_until_delivered(backend: Backend) {
    let (ws, _clock, _dir) = workspace(backend);
    ws.reach().notify_me("Imported deals.csv", "1 new").unwrap();
    let pending = ws.reach().pending_notifications().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].title, "Imported deals.csv");
    assert!(ws.reach().mark_delivered(pending[0].id).unwrap());
    assert!(ws.reach().pending_notifications().unwrap().is_empty());
}
}

on_both_workspaces! {
/// The window's title and badge count my open tasks: those assigned to me and not done.
fn the_title_counts_my_open_tasks(backend: Backend) {
    let (ws, clock, dir) = workspace(backend);
    assert_eq!(ws.me().unwrap().unwrap().name, "Fay Founder");
    assert_eq!(ws.handoffs().my_open_task_count().unwrap(), 0);
    // Two paused deals of Sam's and one of Fay's: each asks its owner to complete it.
    for (name, owner) in [("Wren", "Sam Seller"), ("Lark", "Sam Seller"), ("Tern", "Fay Founder")] {
        ws.records().add(
            NewRecord {
                kind: Some(RecordKind::Deal),
                name: name.into(),
                stage: Some("Closed Won".into()),
                owner: Some(owner.into()),
                fields: vec![],
            },
            Origin::App,
        )
        .unwrap();
    }
    assert_eq!(ws.handoffs().my_open_task_count().unwrap(), 1, "Fay's, not Sam's");
    let ws = common::sign_in(&dir, clock.clone(), "Sam Seller");
    assert_eq!(ws.handoffs().my_open_task_count().unwrap(), 2);
    // Filling Wren's fields resumes its handoff: Sam's task is done, the kickoff goes to Dee.
    let mine = ws.handoffs().tasks(Some("me"), true).unwrap();
    let full: Vec<(String, String)> = baton::fields::DELIVERY_FIELDS
        .iter()
        .map(|k| (k.to_string(), "2026-03-16".to_string()))
        .collect();
    ws.records().set_fields(mine[0].record_id, &full, Origin::App).unwrap();
    assert_eq!(ws.handoffs().tasks(Some("me"), false).unwrap().len(), 2);
    assert_eq!(ws.handoffs().my_open_task_count().unwrap(), 1, "a done task is not counted");
    let ws = common::sign_in(&dir, clock, "Fay Founder");
    assert_eq!(ws.handoffs().my_open_task_count().unwrap(), 1);
}
}
