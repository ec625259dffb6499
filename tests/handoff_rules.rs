//! Each rule of DESIGN's "Rule semantics", pinned on a real SQLite file with a fake clock.

mod common;

use common::Backend;

use baton::import::ImportOptions;
use baton::{
    FixedClock, HandoffStatus, NewRecord, Origin, RecordId, RecordKind, Role, TaskKind, TaskStatus,
    Workspace,
};
use chrono::NaiveDate;
use std::sync::Arc;

const O: Origin = Origin::Cli;

struct Fx {
    ws: Workspace,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

/// A workspace file with a founder (me), a seller, a marketer and two delivery people.
/// "Now" is Thursday 2026-03-05 09:00 UTC.
fn setup(backend: Backend) -> Fx {
    let (ws, clock, dir) = common::workspace(
        backend,
        "2026-03-05T09:00:00Z",
        &[
            ("Fay Founder", Role::Founder),
            ("Sam Seller", Role::Sales),
            ("Mo Marketer", Role::Marketing),
            ("Dee One", Role::Delivery),
            ("Dan Two", Role::Delivery),
        ],
    );
    Fx {
        ws,
        clock,
        _dir: dir,
    }
}

fn complete_deal_fields() -> Vec<(String, String)> {
    baton::fields::DELIVERY_FIELDS
        .iter()
        .map(|k| {
            let v = if *k == "start_date" {
                "2026-03-16".to_string()
            } else {
                format!("{k} value")
            };
            (k.to_string(), v)
        })
        .collect()
}

fn deal(fx: &mut Fx, name: &str, stage: &str, fields: Vec<(String, String)>) -> RecordId {
    fx.ws
        .records()
        .add(
            NewRecord {
                kind: Some(RecordKind::Deal),
                name: name.into(),
                stage: Some(stage.into()),
                owner: Some("Sam Seller".into()),
                fields,
            },
            O,
        )
        .unwrap()
}

fn only_handoff(ws: &Workspace, r: RecordId) -> baton::Handoff {
    let hs = ws.records().detail(r).unwrap().handoffs;
    assert_eq!(hs.len(), 1, "{hs:#?}");
    hs.into_iter().next().unwrap()
}

fn tasks_of(ws: &Workspace, h: baton::HandoffId) -> Vec<baton::Task> {
    ws.handoffs()
        .tasks(None, false)
        .unwrap()
        .into_iter()
        .filter(|t| t.handoff_id == Some(h))
        .collect()
}

on_both_workspaces! {
fn entering_closed_won_complete_hands_off_with_kickoff_draft_and_notification(backend: Backend) {
    let mut fx = setup(backend);
    let r = deal(
        &mut fx,
        "Acme rollout",
        "Contract Sent",
        complete_deal_fields(),
    );
    assert!(
        fx.ws.handoffs().list(None).unwrap().is_empty(),
        "nothing fires outside the trigger stage"
    );
    fx.ws.records().move_to(r, "closedwon", O).unwrap();

    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::HandedOff);
    assert!(h.complete_at_trigger);
    assert_eq!(h.from_owner.as_deref(), Some("Sam Seller"));
    assert_eq!(
        h.to_owner.as_deref(),
        Some("Dee One"),
        "round-robin starts with the first delivery person"
    );
    let ts = tasks_of(&fx.ws, h.id);
    assert_eq!(ts.len(), 1);
    let k = &ts[0];
    assert_eq!(k.kind, TaskKind::Kickoff);
    assert_eq!(k.title, "Kickoff: Acme rollout");
    assert_eq!(k.assignee.as_deref(), Some("Dee One"));
    // Thursday + 3 business days skips the weekend: Tuesday.
    assert_eq!(k.due.map(|t| t.to_string()).as_deref(), Some("2026-03-10"));
    assert_eq!(k.checklist.len(), 5);
    let drafts = fx.ws.reach().email_drafts(h.id).unwrap();
    assert_eq!(drafts.len(), 1);
    assert!(
        drafts[0].body.contains("main_contact value"),
        "{}",
        drafts[0].body
    );
    assert_eq!(drafts[0].status, "draft");
    // The brief is linked: it names the kickoff task.
    let b = fx.ws.records().brief(r).unwrap();
    assert!(b
        .answers
        .which_task_starts_work
        .contains("Kickoff: Acme rollout"));
    assert_eq!(b.answers.who_owns_next_step, "Dee One");
    // The record's stage is the CRM's, normalised.
    assert_eq!(fx.ws.records().get(r).unwrap().stage, "Closed Won");
}
}

on_both_workspaces! {
fn notifications_are_queued_for_me_and_delivered_once(backend: Backend) {
    let mut fx = setup(backend);
    // Dee's laptop: on a team workspace, Dee's own login.
    fx.ws = common::sign_in(&fx._dir, fx.clock.clone(), "Dee One");
    let r = deal(&mut fx, "Acme", "Contract Sent", complete_deal_fields());
    fx.ws.records().move_to(r, "Closed Won", O).unwrap();
    let pending = fx.ws.reach().pending_notifications().unwrap();
    assert_eq!(pending.len(), 1, "{pending:#?}");
    // Title, task and due date as a person writes them, the date in the laptop's words.
    assert_eq!(
        pending[0].text(|d| d.in_words("en_US.UTF-8")),
        (
            "New kickoff task".to_string(),
            "Kickoff: Acme\nDue Mar 10, 2026".to_string()
        )
    );
    assert_eq!(
        pending[0].text(|d| d.in_words("de_DE.UTF-8")).1,
        "Kickoff: Acme\nDue 10.03.2026"
    );
    assert!(fx.ws.reach().mark_delivered(pending[0].id).unwrap());
    assert!(!fx.ws.reach().mark_delivered(pending[0].id).unwrap());
    assert!(fx.ws.reach().pending_notifications().unwrap().is_empty());
}
}

on_both_workspaces! {
fn round_robin_alternates_between_delivery_people(backend: Backend) {
    let mut fx = setup(backend);
    let mut owners = vec![];
    for n in 0..3 {
        let r = deal(
            &mut fx,
            &format!("Deal {n}"),
            "Closed Won",
            complete_deal_fields(),
        );
        fx.clock.advance(chrono::Duration::minutes(1));
        owners.push(only_handoff(&fx.ws, r).to_owner.unwrap());
    }
    assert_eq!(owners, ["Dee One", "Dan Two", "Dee One"]);
}
}

on_both_workspaces! {
fn missing_fields_pause_ask_the_owner_and_resume_without_a_second_trigger(backend: Backend) {
    let mut fx = setup(backend);
    let mut partial = complete_deal_fields();
    partial.retain(|(k, _)| k != "signed_scope" && k != "risk_notes");
    let r = deal(&mut fx, "Beta", "Contract Sent", partial);
    fx.ws.records().move_to(r, "Closed Won", O).unwrap();

    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::Paused);
    assert_eq!(h.missing_fields, ["signed_scope", "risk_notes"]);
    assert_eq!(h.missing_labels, ["Signed scope", "Risk notes"]);
    assert!(!h.complete_at_trigger);
    assert_eq!(h.to_owner, None);
    let ts = tasks_of(&fx.ws, h.id);
    assert_eq!(ts.len(), 1);
    assert_eq!(ts[0].kind, TaskKind::CompleteFields);
    assert_eq!(ts[0].assignee.as_deref(), Some("Sam Seller"));
    // Doing the task while the fields are still missing is refused with what is missing.
    let err = fx.ws.handoffs().complete_task(ts[0].id, None, O).unwrap_err();
    assert!(
        err.to_string().contains("Signed scope, Risk notes"),
        "{err}"
    );

    // One field: still paused, the checklist ticks it.
    fx.clock.advance(chrono::Duration::hours(2));
    fx.ws
        .records().set_fields(r, &[("signed_scope".into(), "SOW v2".into())], O)
        .unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::Paused);
    assert_eq!(h.missing_fields, ["risk_notes"]);
    let t = &tasks_of(&fx.ws, h.id)[0];
    assert_eq!(t.checklist.iter().filter(|c| c.done).count(), 1);

    // The last field: resumes and hands off; still one handoff (no second trigger).
    fx.ws
        .records().set_fields(r, &[("risk_notes".into(), "None known".into())], O)
        .unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::HandedOff);
    let ts = tasks_of(&fx.ws, h.id);
    assert_eq!(ts.iter().filter(|t| t.kind == TaskKind::Kickoff).count(), 1);
    assert!(ts
        .iter()
        .filter(|t| t.kind == TaskKind::CompleteFields)
        .all(|t| t.status == TaskStatus::Done));
    let kinds: Vec<&str> = fx
        .ws
        .records().detail(r)
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "triggered").count(),
        1,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"resumed"));
}
}

on_both_workspaces! {
fn an_exception_flag_routes_to_review_then_approve_hands_off(backend: Backend) {
    let mut fx = setup(backend);
    let r = deal(&mut fx, "Gamma", "Contract Sent", complete_deal_fields());
    fx.ws.records().set_flag(r, "Custom Scope", true, O).unwrap();
    fx.ws.records().move_to(r, "Closed Won", O).unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::InReview);
    let ts = tasks_of(&fx.ws, h.id);
    assert_eq!(ts.len(), 1, "a review task, not a kickoff task");
    assert_eq!(ts[0].kind, TaskKind::Review);
    assert_eq!(ts[0].assignee.as_deref(), Some("Fay Founder"));
    assert!(
        fx.ws.handoffs().complete_task(ts[0].id, None, O).is_err(),
        "review closes by a decision"
    );

    fx.ws.handoffs().approve(h.id, None, O).unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::HandedOff);
    let ts = tasks_of(&fx.ws, h.id);
    assert_eq!(
        ts.iter()
            .find(|t| t.kind == TaskKind::Review)
            .unwrap()
            .status,
        TaskStatus::Done
    );
    assert_eq!(ts.iter().filter(|t| t.kind == TaskKind::Kickoff).count(), 1);
    // Approving twice is a conflict in words.
    let err = fx.ws.handoffs().approve(h.id, None, O).unwrap_err();
    assert!(err.to_string().contains("is handed off"), "{err}");
}
}

on_both_workspaces! {
fn send_back_returns_it_to_the_owner_and_rework_reruns_the_playbook(backend: Backend) {
    let mut fx = setup(backend);
    let r = deal(&mut fx, "Delta", "Contract Sent", complete_deal_fields());
    fx.ws.records().set_flag(r, "needs_founder_review", true, O).unwrap();
    fx.ws.records().move_to(r, "Closed Won", O).unwrap();
    let h = only_handoff(&fx.ws, r);
    assert!(
        fx.ws.handoffs().send_back(h.id, "  ", O).is_err(),
        "a reason is required"
    );
    fx.ws
        .handoffs().send_back(h.id, "Price needs a change order", O)
        .unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::SentBack);
    assert_eq!(h.note.as_deref(), Some("Price needs a change order"));
    let rework = tasks_of(&fx.ws, h.id)
        .into_iter()
        .find(|t| t.status == TaskStatus::Open)
        .unwrap();
    assert_eq!(rework.kind, TaskKind::CompleteFields);
    assert_eq!(rework.assignee.as_deref(), Some("Sam Seller"));
    // The owner clears the flag and finishes the rework: it hands off.
    fx.ws.records().set_flag(r, "needs_founder_review", false, O).unwrap();
    fx.ws.handoffs().complete_task(rework.id, None, O).unwrap();
    assert_eq!(only_handoff(&fx.ws, r).status, HandoffStatus::HandedOff);
}
}

on_both_workspaces! {
fn leaving_the_trigger_stage_cancels_and_closes_tasks_and_reentry_fires_again(backend: Backend) {
    let mut fx = setup(backend);
    let r = deal(&mut fx, "Eps", "Closed Won", vec![]);
    let h = only_handoff(&fx.ws, r);
    assert_eq!(
        h.status,
        HandoffStatus::Paused,
        "first sight already in the trigger stage counts as entering"
    );
    fx.ws.records().move_to(r, "Contract Sent", O).unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::Cancelled);
    assert!(tasks_of(&fx.ws, h.id)
        .iter()
        .all(|t| t.status == TaskStatus::Cancelled));
    let ev = fx.ws.records().detail(r).unwrap().events;
    assert!(ev
        .iter()
        .any(|e| e.kind.as_str() == "cancelled" && e.rule.as_deref() == Some("sales-to-delivery")));
    // Entering again is a new entry: a new handoff.
    fx.ws.records().move_to(r, "Closed Won", O).unwrap();
    assert_eq!(fx.ws.records().detail(r).unwrap().handoffs.len(), 2);
}
}

on_both_workspaces! {
fn unrelated_edits_in_the_stage_fire_nothing_new(backend: Backend) {
    let mut fx = setup(backend);
    let r = deal(&mut fx, "Zeta", "Closed Won", complete_deal_fields());
    fx.ws
        .records().set_fields(r, &[("notes".into(), "Called them".into())], O)
        .unwrap();
    fx.ws.records().move_to(r, "Closed Won", O).unwrap();
    assert_eq!(fx.ws.records().detail(r).unwrap().handoffs.len(), 1);
    assert_eq!(fx.ws.handoffs().tasks(None, false).unwrap().len(), 1);
}
}

on_both_workspaces! {
fn a_kickoff_date_schedules_the_kickoff_and_escalation_round_trips(backend: Backend) {
    let mut fx = setup(backend);
    let r = deal(&mut fx, "Eta", "Closed Won", complete_deal_fields());
    let h = only_handoff(&fx.ws, r);
    let kickoff = tasks_of(&fx.ws, h.id).remove(0);
    let err = fx.ws.handoffs().complete_task(kickoff.id, None, O).unwrap_err();
    assert!(err.to_string().contains("--kickoff-date"), "{err}");

    fx.ws
        .handoffs().escalate(h.id, "Nobody knows the budget owner", O)
        .unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::Escalated);
    let ask = tasks_of(&fx.ws, h.id)
        .into_iter()
        .find(|t| t.kind == TaskKind::CompleteFields)
        .unwrap();
    assert_eq!(ask.assignee.as_deref(), Some("Sam Seller"));
    fx.ws.handoffs().complete_task(ask.id, None, O).unwrap();
    assert_eq!(only_handoff(&fx.ws, r).status, HandoffStatus::HandedOff);

    fx.clock.advance(chrono::Duration::days(1));
    let day = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap();
    fx.ws.handoffs().complete_task(kickoff.id, Some(day), O).unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::KickoffScheduled);
    assert_eq!(
        h.kickoff_scheduled_at.map(|t| t.to_string()).as_deref(),
        Some("2026-03-06T09:00:00Z")
    );
    assert_eq!(
        fx.ws
            .handoffs().task(kickoff.id)
            .unwrap()
            .kickoff_date
            .map(|t| t.to_string())
            .as_deref(),
        Some("2026-03-12")
    );
}
}

on_both_workspaces! {
fn holidays_push_the_kickoff_due_date(backend: Backend) {
    let mut fx = setup(backend);
    fx.ws
        .team().add_holiday(
            NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
            "Founders' day",
            Origin::Cli,
        )
        .unwrap();
    let r = deal(&mut fx, "Theta", "Closed Won", complete_deal_fields());
    let h = only_handoff(&fx.ws, r);
    // Thu 5 + 3 business days, Monday 9 a holiday: Wednesday 11.
    assert_eq!(
        tasks_of(&fx.ws, h.id)[0]
            .due
            .map(|t| t.to_string())
            .as_deref(),
        Some("2026-03-11")
    );
}
}

on_both_workspaces! {
/// A fixed owner first named by an earlier row of the same import is on the team for the won
/// deals after that row: the rules read the team again once the import adds someone.
fn a_fixed_owner_the_import_itself_adds_gets_the_later_won_deals(backend: Backend) {
    let fx = setup(backend);
    let mut pbs = fx.ws.handoffs().playbooks().unwrap();
    for pb in pbs.iter_mut().filter(|p| p.kind == RecordKind::Deal) {
        pb.owner_rule = baton::OwnerRule::Fixed {
            person: "Nia New".into(),
        };
    }
    fx.ws.handoffs().replace_playbooks(&pbs, O).unwrap();
    let won = "Closed Won,Sam Seller,Grow,Rita,SOW v1,2026-03-16,Training,None,None,Video call";
    let csv = format!(
        "Record ID,Deal Name,Deal Stage,Deal owner,Buyer Goals,Main Contact,Signed Scope,Start Date,Promised Deliverables,Pricing Exceptions,Risk Notes,Kickoff Preference\n\
         1,Before,{won}\n\
         2,Nia's own,Contract Sent,Nia New,,,,,,,,\n\
         3,After,{won}\n"
    );
    let path = fx._dir.path().join("deals.csv");
    std::fs::write(&path, csv).unwrap();
    fx.ws.import().file(&path, &Default::default()).unwrap();
    let owners: std::collections::BTreeMap<String, Option<String>> = fx
        .ws
        .handoffs().list(None)
        .unwrap()
        .into_iter()
        .map(|h| (h.record_name.clone(), h.to_owner))
        .collect();
    assert_eq!(owners.len(), 2, "{owners:?}");
    assert_ne!(owners["Before"].as_deref(), Some("Nia New"), "not on the team yet");
    assert_eq!(owners["After"].as_deref(), Some("Nia New"), "{owners:?}");
}
}

fn lead(fx: &mut Fx, fields: &[(&str, &str)]) -> RecordId {
    fx.ws
        .records()
        .add(
            NewRecord {
                kind: Some(RecordKind::Lead),
                name: "Lena Lead".into(),
                stage: Some("Marketing Qualified".into()),
                owner: Some("Mo Marketer".into()),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
            O,
        )
        .unwrap()
}

on_both_workspaces! {
fn a_sales_qualified_lead_gets_a_follow_up_with_campaign_context_then_is_accepted(backend: Backend) {
    let mut fx = setup(backend);
    let all: Vec<(&str, &str)> = baton::fields::LEAD_FIELDS
        .iter()
        .map(|k| (*k, "x"))
        .collect();
    let mut fields = all.clone();
    fields.retain(|(k, _)| *k != "campaign");
    fields.push(("campaign", "Spring webinar"));
    let r = lead(&mut fx, &fields);
    fx.ws.records().move_to(r, "salesqualifiedlead", O).unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::HandedOff);
    assert_eq!(h.to_owner.as_deref(), Some("Sam Seller"));
    let t = tasks_of(&fx.ws, h.id).remove(0);
    assert_eq!(t.kind, TaskKind::FollowUp);
    assert_eq!(t.title, "Follow up Lena Lead (Spring webinar)");
    assert_eq!(t.due.map(|t| t.to_string()).as_deref(), Some("2026-03-06"));
    fx.ws.handoffs().complete_task(t.id, None, O).unwrap();
    assert_eq!(only_handoff(&fx.ws, r).status, HandoffStatus::Accepted);
}
}

on_both_workspaces! {
fn sales_can_reject_a_lead_back_to_marketing(backend: Backend) {
    let mut fx = setup(backend);
    let all: Vec<(&str, &str)> = baton::fields::LEAD_FIELDS
        .iter()
        .map(|k| (*k, "x"))
        .collect();
    let r = lead(&mut fx, &all);
    fx.ws.records().move_to(r, "Sales Qualified", O).unwrap();
    let h = only_handoff(&fx.ws, r);
    fx.ws.handoffs().reject(h.id, "Who decides is unclear", O).unwrap();
    let h = only_handoff(&fx.ws, r);
    assert_eq!(h.status, HandoffStatus::SentBack);
    let ts = tasks_of(&fx.ws, h.id);
    assert_eq!(
        ts.iter()
            .find(|t| t.kind == TaskKind::FollowUp)
            .unwrap()
            .status,
        TaskStatus::Cancelled
    );
    let back = ts.iter().find(|t| t.status == TaskStatus::Open).unwrap();
    assert_eq!(back.assignee.as_deref(), Some("Mo Marketer"));
    let ev = fx.ws.records().detail(r).unwrap().events;
    assert!(ev
        .iter()
        .any(|e| e.kind.as_str() == "rejected" && e.message.contains("Who decides is unclear")));
}
}

on_both_workspaces! {
fn unknown_things_are_refused_in_one_clear_sentence(backend: Backend) {
    let mut fx = setup(backend);
    let r = deal(&mut fx, "Iota", "Contract Sent", vec![]);
    let e = fx.ws.records().move_to(r, "Nowhere", O).unwrap_err().to_string();
    assert!(
        e.contains("no stage \"Nowhere\"") && e.contains("Closed Won"),
        "{e}"
    );
    let e = fx
        .ws
        .records().set_fields(r, &[("colour".into(), "red".into())], O)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown field \"colour\""), "{e}");
    let e = fx
        .ws
        .records().set_fields(r, &[("owner".into(), "Zed".into())], O)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no person \"Zed\""), "{e}");
    let e = fx
        .ws
        .records().set_fields(r, &[("start_date".into(), "next week".into())], O)
        .unwrap_err()
        .to_string();
    assert!(e.contains("YYYY-MM-DD"), "{e}");
    let e = fx.ws.records().find("D404").unwrap_err().to_string();
    assert!(e.contains("no record \"D404\""), "{e}");
    // Nothing changed on refusal.
    assert_eq!(fx.ws.records().detail(r).unwrap().events.len(), 1);
}
}

on_both_workspaces! {
fn every_decision_is_in_the_audit_log_with_rule_and_fields(backend: Backend) {
    let mut fx = setup(backend);
    let r = deal(
        &mut fx,
        "Kappa",
        "Closed Won",
        vec![("buyer_goals".into(), "grow".into())],
    );
    let ev = fx.ws.records().detail(r).unwrap().events;
    let paused = ev.iter().find(|e| e.kind.as_str() == "paused").unwrap();
    assert_eq!(paused.rule.as_deref(), Some("sales-to-delivery"));
    assert_eq!(paused.fields.len(), 7);
    assert!(paused.actor.contains("Fay Founder"), "{}", paused.actor);
    assert_eq!(paused.at, "2026-03-05T09:00:00Z");
}
}

on_both_workspaces! {
fn the_workspace_reopens_with_its_data_and_playbook_edits(backend: Backend) {
    let (dir, clock) = {
        let (ws, clock, dir) = common::workspace(backend, "2026-03-05T09:00:00Z", &[]);
        let mut pbs = ws.handoffs().playbooks().unwrap();
        pbs[0].due_business_days = 5;
        ws.handoffs().replace_playbooks(&pbs, Origin::Cli).unwrap();
        ws.records().add(
            NewRecord {
                kind: Some(RecordKind::Deal),
                name: "Persisted".into(),
                ..Default::default()
            },
            O,
        )
        .unwrap();
        (dir, clock)
    };
    let ws = common::reopen(&dir, clock);
    assert_eq!(ws.handoffs().playbooks().unwrap()[0].due_business_days, 5);
    assert_eq!(ws.records().list(None, None).unwrap()[0].name, "Persisted");
}
}

/// Won deals, every delivery field filled, as HubSpot exports them.
fn won_deals_csv(dir: &std::path::Path, ids: std::ops::Range<u32>) -> std::path::PathBuf {
    let mut csv = String::from(
        "Record ID,Deal Name,Deal Stage,Deal owner,Associated Contact,Buyer Goals,Promised Deliverables,Start Date,Signed Scope,Pricing Exceptions,Risk Notes,Kickoff Preference\n",
    );
    for id in ids.clone() {
        csv.push_str(&format!(
            "{id},Deal {id},Closed Won,Sam Seller,Contact {id},Goals,Workshop,2026-03-16,SOW,None,Tight,Mornings\n"
        ));
    }
    let path = dir.join(format!("won_{}.csv", ids.start));
    std::fs::write(&path, csv).unwrap();
    path
}

/// Who each record with a CRM id in `ids` was handed to, in CRM id order.
fn handed_to(ws: &Workspace, ids: std::ops::Range<u32>) -> Vec<String> {
    let records = ws.records().list(None, None).unwrap();
    ids.map(|id| {
        let r = records
            .iter()
            .find(|r| r.external_id.as_deref() == Some(id.to_string().as_str()))
            .unwrap();
        only_handoff(ws, r.id).to_owner.unwrap()
    })
    .collect()
}

on_both_workspaces! {
/// One import hands its won deals round the delivery team in the order a hand-off at a time
/// would: after the last hand-off stored, including one stamped later than the import (a
/// teammate's clock ahead), which stays the last.
fn an_import_continues_the_round_robin_as_one_hand_off_at_a_time_would(backend: Backend) {
    let mut fx = setup(backend);
    // Dee One gets a deal handed off an hour after the import's moment.
    fx.clock.advance(chrono::Duration::hours(1));
    let early = deal(&mut fx, "Ahead", "Closed Won", complete_deal_fields());
    assert_eq!(only_handoff(&fx.ws, early).to_owner.as_deref(), Some("Dee One"));
    fx.clock.advance(chrono::Duration::hours(-1));
    let file = won_deals_csv(fx._dir.path(), 100..103);
    fx.ws.import().file(&file, &ImportOptions::default()).unwrap();
    // The hand-off stamped later stays the last one: each new deal continues after Dee One.
    assert_eq!(handed_to(&fx.ws, 100..103), ["Dan Two", "Dan Two", "Dan Two"]);
    // Two hours on, the hand-off at +1h is still the last at first; then each new one is.
    fx.clock.advance(chrono::Duration::hours(2));
    let file = won_deals_csv(fx._dir.path(), 200..203);
    fx.ws.import().file(&file, &ImportOptions::default()).unwrap();
    assert_eq!(handed_to(&fx.ws, 200..203), ["Dan Two", "Dee One", "Dan Two"]);
}
}
