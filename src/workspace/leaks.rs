//! The leak check: from the whole stage history, where records wait longest, which ones sit
//! in a stage too long, which qualified leads waited for a follow-up and which won deals never
//! handed off — and, in plain words, which handoff to fix first and why.

use super::health::{days, median, p90, parse, tenth};
use super::Workspace;
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A record in an open stage longer than this is stuck.
pub const STAGE_DAYS: i64 = 14;
/// A Sales Qualified lead should be followed up within this many hours.
pub const LEAD_HOURS: i64 = 24;

/// Stages where a record's journey ends: time spent there is not waiting.
const FINAL: &[&str] = &["Closed Won", "Closed Lost", "Customer", "Disqualified"];

/// What the leak check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakCheck {
    /// Time spent in each open stage (finished stays and the ones still running), slowest first.
    pub stages: Vec<StageTime>,
    /// Records in an open stage for more than `stage_days`, longest first.
    pub stuck_records: Vec<Waiting>,
    /// Sales Qualified leads not followed up within `lead_hours` (still waiting or late).
    pub slow_leads: Vec<Waiting>,
    /// Won deals whose handoff never reached the new owner.
    pub unfinished_wins: Vec<Waiting>,
    /// Which handoff to fix first, with the numbers behind it.
    pub recommendation: String,
    /// The thresholds used.
    pub stage_days: i64,
    /// The thresholds used.
    pub lead_hours: i64,
}

/// How long records stay in one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageTime {
    /// `deal` or `lead`.
    pub kind: String,
    /// The stage.
    pub stage: String,
    /// Median days in it.
    pub median_days: f64,
    /// 90th percentile (nearest rank) of days in it.
    pub p90_days: f64,
    /// Stays counted.
    pub count: u64,
}

/// A record waiting somewhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiting {
    /// The record's id.
    pub record_id: i64,
    /// The record's name.
    pub record: String,
    /// Where it waits: a stage, or a handoff status.
    pub at: String,
    /// How long, in days (stages, wins) or hours (leads), to a tenth.
    pub waited: f64,
}

impl Workspace {
    /// The leak check over the whole history.
    pub fn leak_check(&self) -> Result<LeakCheck> {
        let now = self.now();
        // Each stay: a stage entered, left at the next change (or still running).
        let mut st = self.conn.prepare_cached(
            "SELECT r.kind, sc.record_id, r.name, sc.to_stage, sc.at,
                    LEAD(sc.at) OVER (PARTITION BY sc.record_id ORDER BY sc.at, sc.id)
               FROM stage_changes sc JOIN records r ON r.id = sc.record_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut stays: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        let mut stuck_records = Vec::new();
        for row in rows {
            let (kind, record_id, name, stage, entered, left) = row?;
            if FINAL.contains(&stage.as_str()) {
                continue;
            }
            let Some(entered) = parse(&entered) else {
                continue;
            };
            let until = left.as_deref().and_then(parse);
            let waited = days(entered, until.unwrap_or(now));
            stays.entry((kind, stage.clone())).or_default().push(waited);
            if until.is_none() && waited > STAGE_DAYS as f64 {
                stuck_records.push(Waiting {
                    record_id,
                    record: name,
                    at: stage,
                    waited: tenth(waited),
                });
            }
        }
        stuck_records.sort_by(|a, b| b.waited.total_cmp(&a.waited));
        let mut stages: Vec<StageTime> = stays
            .into_iter()
            .map(|((kind, stage), mut v)| {
                v.sort_by(f64::total_cmp);
                let n = v.len();
                StageTime {
                    kind,
                    stage,
                    median_days: median(&v).unwrap_or(0.0),
                    p90_days: p90(&v).unwrap_or(0.0),
                    count: n as u64,
                }
            })
            .collect();
        stages.sort_by(|a, b| b.median_days.total_cmp(&a.median_days));
        let slow_leads = self.slow_leads(now)?;
        let unfinished_wins = self.unfinished_wins(now)?;
        let recommendation = recommend(&stages, &slow_leads, &unfinished_wins);
        Ok(LeakCheck {
            stages,
            stuck_records,
            slow_leads,
            unfinished_wins,
            recommendation,
            stage_days: STAGE_DAYS,
            lead_hours: LEAD_HOURS,
        })
    }

    /// Lead handoffs whose follow-up came later than `LEAD_HOURS`, or has not come yet (a lead
    /// sales sent back was answered, if not followed up).
    fn slow_leads(&self, now: DateTime<Utc>) -> Result<Vec<Waiting>> {
        let mut st = self.conn.prepare_cached(
            "SELECT r.id, r.name, h.status, h.triggered_at,
                    (SELECT MIN(t.done_at) FROM tasks t
                      WHERE t.handoff_id = h.id AND t.kind = 'follow_up' AND t.status = 'done')
               FROM handoffs h JOIN records r ON r.id = h.record_id
              WHERE r.kind = 'lead' AND h.status NOT IN ('cancelled', 'sent_back')",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (record_id, record, status, triggered, done) = row?;
            let Some(triggered) = parse(&triggered) else {
                continue;
            };
            let until = done.as_deref().and_then(parse).unwrap_or(now);
            let hours = days(triggered, until) * 24.0;
            if hours > LEAD_HOURS as f64 {
                out.push(Waiting {
                    record_id,
                    record,
                    at: if done.is_some() {
                        "followed up late".into()
                    } else {
                        status.replace('_', " ")
                    },
                    waited: tenth(hours),
                });
            }
        }
        out.sort_by(|a, b| b.waited.total_cmp(&a.waited));
        Ok(out)
    }

    /// Deal handoffs that never reached the new owner and are not cancelled.
    fn unfinished_wins(&self, now: DateTime<Utc>) -> Result<Vec<Waiting>> {
        let mut st = self.conn.prepare_cached(
            "SELECT r.id, r.name, h.status, h.triggered_at
               FROM handoffs h JOIN records r ON r.id = h.record_id
              WHERE r.kind = 'deal' AND h.handed_off_at IS NULL AND h.status <> 'cancelled'
              ORDER BY h.triggered_at, h.id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (record_id, record, status, triggered) = row?;
            out.push(Waiting {
                record_id,
                record,
                at: status.replace('_', " "),
                waited: parse(&triggered).map_or(0.0, |t| tenth(days(t, now))),
            });
        }
        Ok(out)
    }
}

/// The handoff that leaks more goes first; the slowest stage says where time goes.
fn recommend(stages: &[StageTime], slow_leads: &[Waiting], unfinished: &[Waiting]) -> String {
    let slowest = stages.first().map(|s| {
        format!(
            "Records wait longest in {} (median {} days, p90 {} days over {} stays).",
            s.stage, s.median_days, s.p90_days, s.count
        )
    });
    let fix = if unfinished.is_empty() && slow_leads.is_empty() {
        "No handoff leaks: every won deal reached its new owner and every qualified lead was followed up within a day.".to_string()
    } else if unfinished.len() >= slow_leads.len() {
        let oldest = unfinished.iter().map(|w| w.waited).fold(0.0, f64::max);
        format!(
            "Fix Sales → Delivery first: {} won deal{} never reached delivery (the oldest has waited {} days), against {} lead{} followed up late.",
            unfinished.len(),
            if unfinished.len() == 1 { "" } else { "s" },
            oldest,
            slow_leads.len(),
            if slow_leads.len() == 1 { "" } else { "s" },
        )
    } else {
        let worst = slow_leads.iter().map(|w| w.waited).fold(0.0, f64::max);
        format!(
            "Fix Marketing → Sales first: {} qualified lead{} waited more than {LEAD_HOURS} hours for a follow-up (the longest {} hours), against {} won deal{} not handed off.",
            slow_leads.len(),
            if slow_leads.len() == 1 { "" } else { "s" },
            worst,
            unfinished.len(),
            if unfinished.len() == 1 { "" } else { "s" },
        )
    };
    match slowest {
        Some(s) => format!("{fix} {s}"),
        None => fix,
    }
}
