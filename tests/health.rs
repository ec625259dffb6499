//! Handoff health over a scripted month with a fixed clock: every figure asserted exactly,
//! including an empty week and handoffs that never complete.

mod common;

use common::Backend;

use baton::{
    FixedClock, HandoffId, Health, NewRecord, Origin, RecordId, RecordKind, Role, TaskKind,
    Workspace,
};
use chrono::NaiveDate;
use common::at;
use std::sync::Arc;

const O: Origin = Origin::Cli;

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const DEAL: &[(&str, &str)] = &[
    ("buyer_goals", "Faster onboarding"),
    ("main_contact", "Ana Ruiz"),
    ("signed_scope", "SOW v2"),
    ("start_date", "2026-03-16"),
    ("promised_deliverables", "3 dashboards"),
    ("pricing_exceptions", "None"),
    ("risk_notes", "None"),
    ("kickoff_preference", "Video call"),
];

const LEAD: &[(&str, &str)] = &[
    ("lead_source", "Webinar"),
    ("campaign", "Spring webinar"),
    ("offer", "Audit"),
    ("pain_point", "Churn"),
    ("qualification_answer", "Budget approved"),
    ("budget_signal", "High"),
    ("last_touchpoint", "Email"),
];

struct Month {
    ws: Workspace,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

impl Month {
    fn new(backend: Backend) -> Month {
        let (ws, clock, dir) = common::workspace(
            backend,
            "2026-02-27T09:00:00Z",
            &[
                ("Fay Founder", Role::Founder),
                ("Sam Seller", Role::Sales),
                ("Dee One", Role::Delivery),
            ],
        );
        Month {
            ws,
            clock,
            _dir: dir,
        }
    }

    fn record(
        &mut self,
        kind: RecordKind,
        name: &str,
        stage: &str,
        f: &[(&str, &str)],
    ) -> RecordId {
        self.ws
            .records()
            .add(
                NewRecord {
                    kind: Some(kind),
                    name: name.into(),
                    stage: Some(stage.into()),
                    owner: Some("Sam Seller".into()),
                    fields: pairs(f),
                },
                O,
            )
            .unwrap()
    }

    fn at(&self, when: &str) -> &Self {
        self.clock.set(at(when));
        self
    }

    fn enter(&mut self, when: &str, r: RecordId, stage: &str) -> HandoffId {
        self.at(when);
        self.ws.records().move_to(r, stage, O).unwrap();
        self.ws
            .handoffs()
            .list(None)
            .unwrap()
            .into_iter()
            .find(|h| h.record_id == r)
            .unwrap()
            .id
    }

    fn first_task(&self, h: HandoffId, kind: TaskKind) -> baton::TaskId {
        self.ws
            .handoffs()
            .tasks(None, false)
            .unwrap()
            .into_iter()
            .find(|t| t.handoff_id == Some(h) && t.kind == kind)
            .unwrap()
            .id
    }

    fn done(&mut self, when: &str, h: HandoffId, kind: TaskKind, kickoff: Option<&str>) {
        let t = self.first_task(h, kind);
        self.at(when);
        let day = kickoff.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap());
        self.ws.handoffs().complete_task(t, day, O).unwrap();
    }
}

/// Four weeks, W09 to W12 of 2026, "now" Wednesday 2026-03-18 noon.
fn scripted(backend: Backend) -> Health {
    scripted_workspace(backend).ws.health().weeks(4, 3).unwrap()
}

fn scripted_workspace(backend: Backend) -> Month {
    let mut m = Month::new(backend);
    let without = |drop: &[&str]| -> Vec<(&'static str, &'static str)> {
        DEAL.iter()
            .copied()
            .filter(|(k, _)| !drop.contains(k))
            .collect()
    };
    let d1 = m.record(RecordKind::Deal, "Atlas", "Contract Sent", DEAL);
    let d2_fields = without(&["main_contact", "start_date"]);
    let d2 = m.record(RecordKind::Deal, "Birch", "Contract Sent", &d2_fields);
    let d3 = m.record(RecordKind::Deal, "Cedar", "Contract Sent", DEAL);
    let d4 = m.record(RecordKind::Deal, "Dune", "Contract Sent", DEAL);
    let l1 = m.record(RecordKind::Lead, "Elm", "Marketing Qualified", LEAD);
    let l2_fields: Vec<(&str, &str)> = LEAD
        .iter()
        .copied()
        .filter(|(k, _)| !["lead_source", "campaign"].contains(k))
        .collect();
    let l2 = m.record(RecordKind::Lead, "Fir", "Marketing Qualified", &l2_fields);
    let l3 = m.record(RecordKind::Lead, "Gum", "Marketing Qualified", LEAD);

    // W10: three deals win. Atlas is complete and its kickoff is scheduled two days later.
    let h1 = m.enter("2026-03-02T09:00:00Z", d1, "Closed Won");
    m.done(
        "2026-03-04T09:00:00Z",
        h1,
        TaskKind::Kickoff,
        Some("2026-03-09"),
    );
    // Birch pauses on two fields, resumes, and its kickoff is scheduled 5.5 days after the win.
    let h2 = m.enter("2026-03-03T09:00:00Z", d2, "Closed Won");
    m.at("2026-03-05T09:00:00Z");
    m.ws.records()
        .set_fields(
            d2,
            &pairs(&[("main_contact", "Bo"), ("start_date", "2026-03-23")]),
            O,
        )
        .unwrap();
    m.done(
        "2026-03-08T21:00:00Z",
        h2,
        TaskKind::Kickoff,
        Some("2026-03-10"),
    );
    // Cedar hands off, then delivery escalates for missing context; no kickoff yet.
    let h3 = m.enter("2026-03-04T09:00:00Z", d3, "Closed Won");
    m.at("2026-03-05T10:00:00Z");
    m.ws.handoffs()
        .escalate(h3, "Which dashboards?", O)
        .unwrap();

    // W11: three leads are qualified. Elm is followed up 4.5 hours later.
    let h4 = m.enter("2026-03-09T10:00:00Z", l1, "Sales Qualified");
    m.done("2026-03-09T14:30:00Z", h4, TaskKind::FollowUp, None);
    // Fir has no source or campaign and stays paused.
    m.enter("2026-03-10T10:00:00Z", l2, "Sales Qualified");
    // Gum is handed to sales, who send it back as unclear.
    let h6 = m.enter("2026-03-11T08:00:00Z", l3, "Sales Qualified");
    m.at("2026-03-11T10:00:00Z");
    m.ws.handoffs()
        .reject(h6, "Qualification notes are vague", O)
        .unwrap();

    // W12: Dune wins with Custom Scope and waits in review (two days: not stuck yet).
    m.at("2026-03-16T08:00:00Z");
    m.ws.records()
        .set_flag(d4, "custom_scope", true, O)
        .unwrap();
    m.enter("2026-03-16T09:00:00Z", d4, "Closed Won");

    m.at("2026-03-18T12:00:00Z");
    m
}

on_both_workspaces! {
fn every_weekly_figure_is_exact_over_a_scripted_month(backend: Backend) {
    let h = scripted(backend);
    let weeks: Vec<&str> = h.weeks.iter().map(|w| w.week.as_str()).collect();
    assert_eq!(weeks, ["2026-W09", "2026-W10", "2026-W11", "2026-W12"]);

    let w09 = &h.weeks[0];
    assert_eq!(w09.handoffs_triggered, 0);
    assert_eq!(w09.handoffs_complete_at_trigger_pct, None);
    assert_eq!(w09.closed_won_to_kickoff_days.median, None);
    assert_eq!(w09.closed_won_to_kickoff_days.count, 0);
    assert_eq!(w09.lead_response_hours.median, None);

    let w10 = &h.weeks[1];
    assert_eq!(w10.handoffs_triggered, 3);
    assert_eq!(w10.handoffs_complete_at_trigger_pct, Some(66.7));
    assert_eq!(w10.closed_won_to_kickoff_days.count, 2);
    assert_eq!(w10.closed_won_to_kickoff_days.median, Some(3.8));
    assert_eq!(w10.closed_won_to_kickoff_days.p90, Some(5.5));
    assert_eq!(w10.escalations_missing_context, 1);
    assert_eq!(w10.lead_response_hours.count, 0);
    assert_eq!(w10.leads_without_source, 0);
    assert_eq!(w10.leads_rejected_unclear, 0);

    let w11 = &h.weeks[2];
    assert_eq!(w11.handoffs_triggered, 3);
    assert_eq!(w11.handoffs_complete_at_trigger_pct, Some(66.7));
    assert_eq!(w11.closed_won_to_kickoff_days.count, 0);
    assert_eq!(w11.lead_response_hours.median, Some(4.5));
    assert_eq!(w11.lead_response_hours.count, 1);
    assert_eq!(w11.leads_without_source, 1);
    assert_eq!(w11.leads_rejected_unclear, 1);
    assert_eq!(w11.escalations_missing_context, 0);

    let w12 = &h.weeks[3];
    assert_eq!(w12.handoffs_triggered, 1);
    assert_eq!(w12.handoffs_complete_at_trigger_pct, Some(100.0));
    assert_eq!(w12.closed_won_to_kickoff_days.count, 0);
}
}

on_both_workspaces! {
fn the_window_lists_the_fields_missing_at_trigger_and_the_handoffs_stuck_longest(backend: Backend) {
    let h = scripted(backend);
    let missing: Vec<(&str, &str, u64)> = h
        .most_missing_fields
        .iter()
        .map(|f| (f.field.as_str(), f.label.as_str(), f.count))
        .collect();
    assert_eq!(
        missing,
        [
            ("campaign", "Campaign", 1),
            ("lead_source", "Lead source", 1),
            ("main_contact", "Main contact", 1),
            ("start_date", "Start date", 1)
        ]
    );
    assert_eq!(h.stuck_days, 3);
    assert_eq!(h.stuck.len(), 1, "{:?}", h.stuck);
    assert_eq!(h.stuck[0].record, "Fir");
    assert_eq!(h.stuck[0].status, "paused");
    assert_eq!(h.stuck[0].since, "2026-03-10T10:00:00Z");
    assert_eq!(h.stuck[0].days, 8.1);
}
}

on_both_workspaces! {
fn each_figure_opens_the_records_behind_it(backend: Backend) {
    let m = scripted_workspace(backend);
    let rows = |week: &str, figure: &str| -> Vec<(String, String)> {
        m.ws.health().records_behind(week, figure)
            .unwrap()
            .into_iter()
            .map(|r| (r.record, r.detail))
            .collect()
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        rows("2026-W10", "closed_won_to_kickoff_days"),
        [s("Atlas", "2 days"), s("Birch", "5.5 days")]
    );
    assert_eq!(
        rows("2026-W10", "handoffs_complete_at_trigger_pct"),
        [s("Atlas", ""), s("Cedar", "")]
    );
    assert_eq!(
        rows("2026-W10", "escalations_missing_context"),
        [s("Cedar", "1 escalation")]
    );
    assert_eq!(
        rows("2026-W11", "lead_response_hours"),
        [s("Elm", "4.5 hours")]
    );
    assert_eq!(rows("2026-W11", "leads_without_source"), [s("Fir", "")]);
    assert_eq!(rows("2026-W11", "leads_rejected_unclear"), [s("Gum", "")]);
    assert_eq!(rows("2026-W12", "handoffs_triggered"), [s("Dune", "")]);
    assert!(rows("2026-W09", "handoffs_triggered").is_empty());
    let err =
        m.ws.health().records_behind("March", "handoffs_triggered")
            .unwrap_err();
    assert!(err.to_string().contains("2026-W10"), "{err}");
    let err = m.ws.health().records_behind("2026-W10", "happiness").unwrap_err();
    assert!(err.to_string().contains("not a health figure"), "{err}");
}
}

on_both_workspaces! {
fn the_report_saves_as_markdown_html_and_csv_with_every_value_escaped_in_html(backend: Backend) {
    let m = scripted_workspace(backend);
    let fir =
        m.ws.records().list(Some(RecordKind::Lead), None)
            .unwrap()
            .into_iter()
            .find(|r| r.name == "Fir")
            .unwrap()
            .id;
    m.ws.records().set_fields(fir, &pairs(&[("name", "<b>Fir</b> & Co")]), O)
        .unwrap();
    let h = m.ws.health().weeks(4, 3).unwrap();
    let md = h.to_markdown().unwrap();
    assert!(
        md.contains("| Handoffs triggered | 0 | 3 | 3 | 1 |"),
        "{md}"
    );
    assert!(
        md.contains("| Closed Won → kickoff, median days | — | 3.8 | — | — |"),
        "{md}"
    );
    assert!(md.contains("- Main contact: 1"), "{md}");
    let html = h.to_html().unwrap();
    assert!(
        html.contains("&lt;b&gt;Fir&lt;&#x2f;b&gt; &amp; Co"),
        "{html}"
    );
    assert!(!html.contains("<b>Fir"), "{html}");
    let csv = h.to_csv().unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("week,closed_won_to_kickoff_days_median,"));
    assert_eq!(lines.next().unwrap(), "2026-W09,,,0,0,,0,,0,0,0");
    assert_eq!(lines.next().unwrap(), "2026-W10,3.8,5.5,2,3,66.7,1,,0,0,0");
}
}

on_both_workspaces! {
fn the_leak_check_finds_where_records_wait_and_which_handoff_to_fix_first(backend: Backend) {
    let l = scripted(backend).leak_check;
    let stages: Vec<(&str, f64, f64, u64)> = l
        .stages
        .iter()
        .map(|s| (s.stage.as_str(), s.median_days, s.p90_days, s.count))
        .collect();
    assert_eq!(
        stages,
        [
            ("Marketing Qualified", 11.0, 12.0, 3),
            ("Sales Qualified", 8.1, 9.1, 3),
            ("Contract Sent", 4.5, 17.0, 4)
        ]
    );
    assert!(l.stuck_records.is_empty(), "{:?}", l.stuck_records);
    let slow: Vec<(&str, &str, f64)> = l
        .slow_leads
        .iter()
        .map(|w| (w.record.as_str(), w.at.as_str(), w.waited))
        .collect();
    assert_eq!(slow, [("Fir", "paused", 194.0)]);
    let wins: Vec<(&str, &str, f64)> = l
        .unfinished_wins
        .iter()
        .map(|w| (w.record.as_str(), w.at.as_str(), w.waited))
        .collect();
    assert_eq!(wins, [("Dune", "in review", 2.1)]);
    assert_eq!((l.slow_leads_total, l.unfinished_wins_total), (1, 1));
    assert_eq!(
        l.recommendation,
        "Fix Sales → Delivery first: 1 won deal never reached delivery (the oldest has waited 2.1 days), against 1 lead followed up late. \
         Records wait longest in Marketing Qualified (median 11 days, p90 12 days over 3 stays)."
    );
}
}

on_both_workspaces! {
fn records_stuck_in_an_open_stage_are_counted_all_and_the_longest_listed(backend: Backend) {
    let mut m = Month::new(backend);
    // 53 deals wait in Appointment Scheduled from 2026-02-27; one more arrives 20 days later.
    let waiting: Vec<RecordId> = (0..53)
        .map(|i| {
            m.record(
                RecordKind::Deal,
                &format!("Deal {i}"),
                "Appointment Scheduled",
                &[],
            )
        })
        .collect();
    // One leaves after 90 minutes for Closed Lost, where a journey ends: it is not waiting.
    let lost = m.record(RecordKind::Deal, "Lost", "Appointment Scheduled", &[]);
    m.at("2026-02-27T10:30:00Z");
    m.ws.records().move_to(lost, "Closed Lost", O).unwrap();
    m.at("2026-03-19T09:00:00Z");
    m.record(RecordKind::Deal, "Late", "Appointment Scheduled", &[]);
    m.at("2026-03-29T09:00:00Z");

    let l = m.ws.health().leaks().unwrap();
    assert_eq!(l.stuck_records_total, 53);
    assert_eq!(l.stuck_records.len(), baton::LEAK_LISTED);
    assert_eq!(l.stuck_records[0].record_id, waiting[0].0);
    assert_eq!(l.stuck_records[0].at, "Appointment Scheduled");
    assert_eq!(l.stuck_records[0].waited, 30.0);
    assert!(l
        .stuck_records
        .iter()
        .all(|w| w.record != "Late" && w.record != "Lost"));
    // Stays: 53 running 30 days, one running 10 days, one that ended after 1.5 hours (2 to
    // the nearest hour); none in Closed Lost.
    let stages: Vec<(&str, f64, f64, u64)> = l
        .stages
        .iter()
        .map(|s| (s.stage.as_str(), s.median_days, s.p90_days, s.count))
        .collect();
    assert_eq!(stages, [("Appointment Scheduled", 30.0, 30.0, 55)]);
}
}

on_both_workspaces! {
fn won_deals_that_never_reached_delivery_are_counted_all_and_the_oldest_listed(backend: Backend) {
    let mut m = Month::new(backend);
    for i in 0..51 {
        let d = m.record(RecordKind::Deal, &format!("Win {i}"), "Contract Sent", &[]);
        // A minute apart, so the first win is the oldest; each pauses with every field missing.
        m.enter(&format!("2026-03-02T09:{i:02}:00Z"), d, "Closed Won");
    }
    m.at("2026-03-12T09:00:00Z");
    let l = m.ws.health().leaks().unwrap();
    assert_eq!(l.unfinished_wins_total, 51);
    assert_eq!(l.unfinished_wins.len(), baton::LEAK_LISTED);
    assert_eq!(l.unfinished_wins[0].record, "Win 0");
    assert_eq!(l.unfinished_wins[0].waited, 10.0);
    assert!(
        l.recommendation
            .starts_with("Fix Sales → Delivery first: 51 won deals never reached delivery"),
        "{}",
        l.recommendation
    );
}
}
