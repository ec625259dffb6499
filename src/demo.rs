//! `baton demo`: a realistic six-week workspace with handoffs in every state, built through the
//! same API the app uses so every figure it shows is true.

use super::{NewRecord, Workspace};
use crate::clock::FixedClock;
use crate::error::{Error, Result};
use crate::model::{HandoffStatus, Origin, RecordId, RecordKind, Role, TaskKind, TaskStatus};
use chrono::{Duration, NaiveDate};

const COMPANIES: &[&str] = &[
    "Nordlicht GmbH",
    "Café Olé",
    "Brightwater Labs",
    "Kestrel & Co",
    "Maple Health",
    "Orbit Freight",
    "Saffron Studio",
    "Tidepool Analytics",
    "Juniper Legal",
    "Harbor Dental",
    "Quill Publishing",
    "Vértice Ingeniería",
    "Bluebird Bakeries",
    "Copperline Energy",
    "Northwind Traders",
    "Lumen Optics",
    "Fjord Outdoor",
    "Pioneer Schools",
    "Atlas Robotics",
    "Greenleaf Farms",
    "Summit Realty",
    "Otter Logistics",
    "Ember Coffee",
    "Zenith Fitness",
    "Rivière Hotels",
    "Cobalt Security",
    "Willow Clinics",
    "Prism Media",
    "Harvest Foods",
    "Beacon Insurance",
];

const OFFERS: &[&str] = &[
    "Onboarding package",
    "Analytics retainer",
    "Website rebuild",
    "CRM cleanup",
    "Growth audit",
];
const GOALS: &[&str] = &[
    "Cut onboarding time for new clients in half",
    "One dashboard the board trusts",
    "Launch before the spring campaign",
    "Stop losing leads between marketing and sales",
];
const DELIVERABLES: &[&str] = &[
    "Discovery workshop, 3 dashboards, team training",
    "New site (12 pages), CMS training, 30 days of support",
    "Data audit, deduplication, pipeline redesign",
    "Weekly report, quarterly review, two experiments a month",
];
const KICKOFF: &[&str] = &[
    "Video call, mornings",
    "On site in their office",
    "Async first, then a call",
    "Call with the whole team",
];
const CAMPAIGNS: &[&str] = &[
    "Spring webinar",
    "Pricing page A/B",
    "Partner referral",
    "LinkedIn ebook",
];
const SOURCES: &[&str] = &["Webinar", "Organic search", "Referral", "Paid social"];
const EARLY: &[&str] = &[
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
];

/// A tiny deterministic sequence so the demo is the same every time.
struct Seq(u64);

impl Seq {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn pairs(list: &[(&str, String)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

impl Workspace {
    /// Fills an empty workspace with a realistic team, deals and leads over the last six weeks.
    pub fn demo(&mut self) -> Result<()> {
        if !self.records().list(None, None)?.is_empty() {
            return Err(Error::Conflict(
                "this workspace already has records; write the demo into a new file with --db PATH"
                    .into(),
            ));
        }
        let end = self.now();
        let start = end - Duration::days(42);
        // The demo replays the past: its writes read the time from a clock it moves along.
        let replay = std::sync::Arc::new(FixedClock::new(start));
        let clock = std::mem::replace(&mut self.clock, Box::new(replay.clone()));
        let result = self.demo_at(&replay, start, end);
        self.clock = clock;
        result
    }

    fn demo_at(
        &mut self,
        clock: &FixedClock,
        start: chrono::DateTime<chrono::Utc>,
        end: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        // On a team workspace "me" is the login: it is Alex's, unless it is a teammate's.
        let team = self.login.is_some();
        self.team().add_person(
            "Alex Rivera",
            Role::Founder,
            Some("alex@example.com"),
            !team,
            Origin::App,
        )?;
        if team {
            self.tie_login("Alex Rivera", Origin::App)?;
        }
        self.team().add_person(
            "Sam Okafor",
            Role::Sales,
            Some("sam@example.com"),
            false,
            Origin::App,
        )?;
        self.team().add_person(
            "Mia Chen",
            Role::Marketing,
            Some("mia@example.com"),
            false,
            Origin::App,
        )?;
        self.team().add_person(
            "Jordan Blake",
            Role::Delivery,
            Some("jordan@example.com"),
            false,
            Origin::App,
        )?;
        self.team().add_person(
            "Priya Nair",
            Role::Delivery,
            Some("priya@example.com"),
            false,
            Origin::App,
        )?;
        let mut seq = Seq(42);
        let step = (end - start) / 64;
        for i in 0..60usize {
            let t0 = start + step * i as i32;
            clock.set(t0);
            let company = COMPANIES[i % COMPANIES.len()];
            let offer = OFFERS[seq.next(OFFERS.len())];
            let name = format!("{company} — {offer}");
            let amount = 4_000 + 500 * seq.next(60);
            let owner = if i % 4 == 3 {
                "Alex Rivera"
            } else {
                "Sam Okafor"
            };
            let email = format!(
                "hello@{}.example",
                company
                    .split_whitespace()
                    .next()
                    .unwrap_or("client")
                    .to_lowercase()
                    .replace(['é', 'è'], "e")
            );
            let id = self.records().add(
                NewRecord {
                    kind: Some(RecordKind::Deal),
                    name,
                    stage: Some(EARLY[i % 3].into()),
                    owner: Some(owner.into()),
                    fields: pairs(&[
                        ("company", company.into()),
                        ("amount", amount.to_string()),
                        ("currency", "EUR".into()),
                        ("contact_email", email),
                    ]),
                },
                Origin::App,
            )?;
            let fate = i % 10;
            clock.set(t0 + Duration::hours(30));
            // Fates 6–9 are still being sold, or lost.
            match fate {
                6 => continue,
                7 => {
                    self.records().move_to(id, "Contract Sent", Origin::App)?;
                    continue;
                }
                8 => {
                    self.records().move_to(id, EARLY[3], Origin::App)?;
                    continue;
                }
                9 => {
                    self.records().move_to(id, "Closed Lost", Origin::App)?;
                    continue;
                }
                _ => self
                    .records()
                    .move_to(id, "Contract Sent", Origin::App)
                    .map(|_| ())?,
            }
            let mut checklist = vec![
                ("buyer_goals", GOALS[seq.next(GOALS.len())].to_string()),
                (
                    "main_contact",
                    format!(
                        "{} (Ops lead)",
                        ["Lena Vogel", "Tomás Ruiz", "Ines Moreau", "Kofi Mensah"][i % 4]
                    ),
                ),
                ("signed_scope", format!("SOW v{} signed", 1 + i % 3)),
                (
                    "start_date",
                    (t0.date_naive() + Duration::days(14))
                        .format("%Y-%m-%d")
                        .to_string(),
                ),
                (
                    "promised_deliverables",
                    DELIVERABLES[seq.next(DELIVERABLES.len())].to_string(),
                ),
                (
                    "pricing_exceptions",
                    if i % 3 == 0 {
                        "10% launch discount".into()
                    } else {
                        "None".to_string()
                    },
                ),
                (
                    "risk_notes",
                    if i % 5 == 0 {
                        "Their IT lead changes in March".into()
                    } else {
                        "None known".to_string()
                    },
                ),
                (
                    "kickoff_preference",
                    KICKOFF[seq.next(KICKOFF.len())].to_string(),
                ),
            ];
            // Fates 0–2 arrive incomplete: the handoff pauses.
            let held_back: Vec<(&str, String)> = match fate {
                0 => checklist.split_off(5),
                1 => vec![checklist.remove(2)],
                2 => vec![checklist.remove(3), checklist.remove(0)],
                _ => vec![],
            };
            self.records()
                .set_fields(id, &pairs(&checklist), Origin::App)?;
            if fate == 3 {
                self.records().set_flag(
                    id,
                    ["custom_scope", "needs_founder_review", "delivery_risk"][i % 3],
                    true,
                    Origin::App,
                )?;
            }
            clock.set(t0 + Duration::hours(52));
            self.records().move_to(id, "Closed Won", Origin::App)?;
            let later = t0 + Duration::hours(52 + 20 + (i as i64 % 5) * 18);
            if later > end {
                continue;
            }
            clock.set(later);
            let h = self
                .handoffs()
                .list(None)?
                .into_iter()
                .find(|h| h.record_id == id && h.status.is_open());
            let Some(h) = h else { continue };
            match fate {
                // Older paused ones got their fields filled later and resumed.
                0 | 1 if i < 36 => self
                    .records()
                    .set_fields(id, &pairs(&held_back), Origin::App)
                    .map(|_| ())?,
                3 if i == 23 => self.handoffs().send_back(
                    h.id,
                    "Custom scope needs a change order before kickoff",
                    Origin::App,
                )?,
                3 if i < 40 => self
                    .handoffs()
                    .approve(h.id, Some("Scope is fine, margin holds"), Origin::App)
                    .map(|_| ())?,
                4 if i == 14 => self
                    .records()
                    .move_to(id, "Contract Sent", Origin::App)
                    .map(|_| ())?,
                _ => {}
            }
            self.records().set_context(
                h.id,
                "cares_about",
                "Seeing progress in the first two weeks",
                Origin::App,
            )?;
            clock.set(later + Duration::hours(26));
            self.finish_demo_handoff(id, i, later)?;
        }
        self.demo_leads(clock, &mut seq, start, end)
    }

    fn finish_demo_handoff(
        &mut self,
        id: RecordId,
        i: usize,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let Some(h) = self
            .handoffs()
            .list(None)?
            .into_iter()
            .find(|h| h.record_id == id && h.status == HandoffStatus::HandedOff)
        else {
            return Ok(());
        };
        if i == 25 {
            return self.handoffs().escalate(
                h.id,
                "No one knows who signs off the designs",
                Origin::App,
            );
        }
        if i % 3 == 1 {
            return Ok(());
        }
        let kickoff = self
            .handoffs()
            .tasks(None, true)?
            .into_iter()
            .find(|t| t.handoff_id == Some(h.id) && t.kind == TaskKind::Kickoff);
        if let Some(t) = kickoff {
            self.handoffs().check_item(t.id, 1, true, Origin::App)?;
            let date: NaiveDate = at.date_naive() + Duration::days(5);
            self.handoffs()
                .complete_task(t.id, Some(date), Origin::App)?;
        }
        Ok(())
    }

    fn demo_leads(
        &mut self,
        clock: &FixedClock,
        seq: &mut Seq,
        start: chrono::DateTime<chrono::Utc>,
        end: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let step = (end - start) / 22;
        let first = [
            "Hanna", "Luis", "Aiko", "Omar", "Chloé", "Dmitri", "Fatima", "Noah", "Sofia", "Ravi",
        ];
        let last = [
            "Berg", "Santos", "Tanaka", "Haddad", "Martin", "Petrov", "Diallo", "Smith", "Rossi",
            "Iyer",
        ];
        for i in 0..20usize {
            let t0 = start + step * i as i32;
            clock.set(t0);
            let company = COMPANIES[(i * 7 + 3) % COMPANIES.len()];
            let id = self.records().add(
                NewRecord {
                    kind: Some(RecordKind::Lead),
                    name: format!("{} {} ({company})", first[i % 10], last[(i * 3) % 10]),
                    stage: Some("Marketing Qualified".into()),
                    owner: Some("Mia Chen".into()),
                    fields: pairs(&[("company", company.into())]),
                },
                Origin::App,
            )?;
            if i % 5 == 4 {
                continue;
            }
            let mut f = vec![
                ("campaign", CAMPAIGNS[seq.next(CAMPAIGNS.len())].to_string()),
                ("offer", OFFERS[seq.next(OFFERS.len())].to_string()),
                (
                    "pain_point",
                    "Leads go cold between marketing and sales".to_string(),
                ),
                (
                    "qualification_answer",
                    "Budget approved for Q2, decision in 4 weeks".to_string(),
                ),
                ("budget_signal", format!("€{}k", 5 + seq.next(20))),
                (
                    "last_touchpoint",
                    "Replied to the webinar follow-up email".to_string(),
                ),
            ];
            if i % 5 != 1 {
                f.push(("lead_source", SOURCES[seq.next(SOURCES.len())].to_string()));
            }
            if i % 5 == 2 && i > 10 {
                f.retain(|(k, _)| *k != "qualification_answer");
            }
            self.records().set_fields(id, &pairs(&f), Origin::App)?;
            clock.set(t0 + Duration::hours(4));
            self.records().move_to(id, "Sales Qualified", Origin::App)?;
            let later = t0 + Duration::hours(6 + (i as i64 % 4) * 9);
            if later > end {
                continue;
            }
            clock.set(later);
            let follow = self
                .handoffs()
                .tasks(None, true)?
                .into_iter()
                .find(|t| t.record_id == id && t.kind == TaskKind::FollowUp);
            if let Some(t) = follow {
                if i == 7 {
                    if let Some(h) = t.handoff_id {
                        self.handoffs().reject(
                            h,
                            "Qualification notes don't say who decides",
                            Origin::App,
                        )?;
                    }
                } else if i % 3 != 0 && t.status == TaskStatus::Open {
                    self.handoffs().complete_task(t.id, None, Origin::App)?;
                }
            }
        }
        Ok(())
    }
}
