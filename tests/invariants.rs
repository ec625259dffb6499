//! Random sequences of moves, field edits, flags and decisions keep the handoff invariants.

mod common;

use baton::{
    HandoffStatus, NewRecord, Origin, RecordId, RecordKind, Role, TaskKind, TaskStatus, Workspace,
};
use proptest::prelude::*;
use std::collections::HashMap;

const STAGES: &[&str] = &["Contract Sent", "Closed Won", "Closed Lost", "closedwon"];
const FLAGS: &[&str] = &["custom_scope", "delivery_risk"];

#[derive(Debug, Clone)]
enum Op {
    Move(usize, usize),
    Fill(usize, usize),
    Clear(usize, usize),
    Flag(usize, usize, bool),
    Approve(usize),
    SendBack(usize),
    Escalate(usize),
    DoTask(usize),
    Tick(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..STAGES.len()).prop_map(|(r, s)| Op::Move(r, s)),
        (0..3usize, 0..8usize).prop_map(|(r, f)| Op::Fill(r, f)),
        (0..3usize, 0..8usize).prop_map(|(r, f)| Op::Clear(r, f)),
        (0..3usize, 0..FLAGS.len(), any::<bool>()).prop_map(|(r, f, on)| Op::Flag(r, f, on)),
        (0..8usize).prop_map(Op::Approve),
        (0..8usize).prop_map(Op::SendBack),
        (0..8usize).prop_map(Op::Escalate),
        (0..16usize).prop_map(Op::DoTask),
        (1..200u32).prop_map(Op::Tick),
    ]
}

/// The audit event kinds that can leave a handoff in each status.
fn events_for(s: HandoffStatus) -> &'static [&'static str] {
    match s {
        HandoffStatus::Paused => &["paused", "fields_updated"],
        HandoffStatus::InReview => &["in_review"],
        HandoffStatus::SentBack => &["sent_back", "rejected"],
        HandoffStatus::HandedOff => &["handed_off", "escalation_resolved"],
        HandoffStatus::Escalated => &["escalated"],
        HandoffStatus::Accepted => &["accepted"],
        HandoffStatus::KickoffScheduled => &["kickoff_scheduled", "escalation_resolved"],
        HandoffStatus::Cancelled => &["cancelled"],
    }
}

const STATUS_EVENTS: &[&str] = &[
    "paused",
    "fields_updated",
    "in_review",
    "sent_back",
    "rejected",
    "handed_off",
    "escalation_resolved",
    "escalated",
    "accepted",
    "kickoff_scheduled",
    "cancelled",
];

fn check(ws: &Workspace, records: &[RecordId]) {
    let hs = ws.handoffs().list(None).unwrap();
    let tasks = ws.handoffs().tasks(None, false).unwrap();
    let mut open: HashMap<(RecordId, String), usize> = HashMap::new();
    for h in &hs {
        if h.status.is_open() {
            *open.entry((h.record_id, h.playbook.clone())).or_default() += 1;
        }
        assert_eq!(
            h.status == HandoffStatus::Paused,
            !h.missing_fields.is_empty(),
            "paused ⇔ missing: {h:?}"
        );
        let mine: Vec<_> = tasks
            .iter()
            .filter(|t| t.handoff_id == Some(h.id))
            .collect();
        if h.status == HandoffStatus::HandedOff {
            assert_eq!(
                mine.iter().filter(|t| t.kind == TaskKind::Kickoff).count(),
                1,
                "one kickoff: {h:?} {mine:?}"
            );
        }
        if h.status == HandoffStatus::Cancelled {
            assert!(
                mine.iter().all(|t| t.status != TaskStatus::Open),
                "cancelled has no open task: {mine:?}"
            );
        }
    }
    assert!(
        open.values().all(|n| *n <= 1),
        "at most one open handoff per record and playbook: {open:?}"
    );
    for r in records {
        let d = ws.records().detail(*r).unwrap();
        for h in &d.handoffs {
            let evs: Vec<&str> = d
                .events
                .iter()
                .filter(|e| e.handoff_id == Some(h.id))
                .map(|e| e.kind.as_str())
                .collect();
            assert_eq!(evs.first(), Some(&"triggered"), "{evs:?}");
            let last = evs
                .iter()
                .rev()
                .find(|k| STATUS_EVENTS.contains(k))
                .unwrap();
            assert!(
                events_for(h.status).contains(last),
                "{:?} but last decision event was {last}: {evs:?}",
                h.status
            );
        }
    }
}

/// The weekly figures (counted as handoffs fire) agree with the records behind them (read
/// handoff by handoff), and the fields missing most with each handoff's first pause.
fn health_agrees(ws: &Workspace, records: &[RecordId]) {
    let health = ws.health().weeks(2, 3).unwrap();
    for w in &health.weeks {
        let rows = |figure: &str| ws.health().records_behind(&w.week, figure).unwrap();
        assert_eq!(
            w.handoffs_triggered,
            rows("handoffs_triggered").len() as u64,
            "{w:?}"
        );
        let complete = rows("handoffs_complete_at_trigger_pct").len() as f64;
        assert_eq!(
            w.handoffs_complete_at_trigger_pct,
            (w.handoffs_triggered > 0)
                .then(|| (1000.0 * complete / w.handoffs_triggered as f64).round() / 10.0),
            "{w:?}"
        );
        assert_eq!(
            w.closed_won_to_kickoff_days.count,
            rows("closed_won_to_kickoff_days").len() as u64,
            "{w:?}"
        );
        let escalations: u64 = rows("escalations_missing_context")
            .iter()
            .map(|r| r.detail.split(' ').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(w.escalations_missing_context, escalations, "{w:?}");
    }
    let mut first_pauses: HashMap<String, u64> = HashMap::new();
    for r in records {
        let d = ws.records().detail(*r).unwrap();
        for h in d.handoffs.iter().filter(|h| !h.complete_at_trigger) {
            let first = d
                .events
                .iter()
                .find(|e| e.handoff_id == Some(h.id) && e.kind.as_str() == "paused")
                .unwrap();
            for f in &first.fields {
                *first_pauses.entry(f.clone()).or_default() += 1;
            }
        }
    }
    let counted: HashMap<String, u64> = health
        .most_missing_fields
        .iter()
        .map(|f| (f.field.clone(), f.count))
        .collect();
    assert_eq!(counted, first_pauses);
}

/// Plays `ops` on a fresh workspace (a file, or a team workspace on the test PostgreSQL),
/// checking the invariants after each.
fn play(ops: Vec<Op>, team: bool) {
    let backend = if team {
        common::Backend::Team
    } else {
        common::Backend::File
    };
    let (ws, clock, _dir) = common::workspace(
        backend,
        "2026-03-02T09:00:00Z",
        &[
            ("Fay", Role::Founder),
            ("Sam", Role::Sales),
            ("Dee", Role::Delivery),
        ],
    );
    let records: Vec<RecordId> = (0..3)
        .map(|i| {
            ws.records()
                .add(
                    NewRecord {
                        kind: Some(RecordKind::Deal),
                        name: format!("R{i}"),
                        stage: Some("Contract Sent".into()),
                        owner: Some("Sam".into()),
                        fields: vec![],
                    },
                    Origin::Cli,
                )
                .unwrap()
        })
        .collect();
    let field = |f: usize| baton::fields::DELIVERY_FIELDS[f].to_string();
    for op in ops {
        let hs = ws.handoffs().list(None).unwrap();
        let pick = |i: usize| hs.get(i % hs.len().max(1)).map(|h| h.id);
        // Refusals (a conflict, a missing kickoff date) are part of the game: only the
        // invariants must hold afterwards.
        let _ = match op {
            Op::Move(r, s) => ws
                .records()
                .move_to(records[r], STAGES[s], Origin::Cli)
                .map(|_| ()),
            Op::Fill(r, f) => {
                let v = if field(f) == "start_date" {
                    "2026-04-01".to_string()
                } else {
                    "filled".to_string()
                };
                ws.records()
                    .set_fields(records[r], &[(field(f), v)], Origin::Cli)
                    .map(|_| ())
            }
            Op::Clear(r, f) => ws
                .records()
                .set_fields(records[r], &[(field(f), String::new())], Origin::Cli)
                .map(|_| ()),
            Op::Flag(r, f, on) => ws
                .records()
                .set_flag(records[r], FLAGS[f], on, Origin::Cli)
                .map(|_| ()),
            Op::Approve(i) => pick(i).map_or(Ok(()), |h| {
                ws.handoffs().approve(h, None, Origin::Cli).map(|_| ())
            }),
            Op::SendBack(i) => {
                pick(i).map_or(Ok(()), |h| ws.handoffs().send_back(h, "why", Origin::Cli))
            }
            Op::Escalate(i) => {
                pick(i).map_or(Ok(()), |h| ws.handoffs().escalate(h, "why", Origin::Cli))
            }
            Op::DoTask(i) => {
                let ts = ws.handoffs().tasks(None, true).unwrap();
                match ts.get(i % ts.len().max(1)) {
                    Some(t) => {
                        let date = (t.kind == TaskKind::Kickoff)
                            .then(|| chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
                        ws.handoffs()
                            .complete_task(t.id, date, Origin::Cli)
                            .map(|_| ())
                    }
                    None => Ok(()),
                }
            }
            Op::Tick(m) => {
                clock.advance(chrono::Duration::minutes(m as i64));
                Ok(())
            }
        };
        check(&ws, &records);
    }
    health_agrees(&ws, &records);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn handoff_invariants_hold(ops in prop::collection::vec(op(), 1..40)) {
        play(ops, false);
    }
}

proptest! {
    // Each case sets up a team database of its own: fewer cases, the same rules.
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn handoff_invariants_hold_on_a_team_workspace(ops in prop::collection::vec(op(), 1..40)) {
        play(ops, true);
    }
}
