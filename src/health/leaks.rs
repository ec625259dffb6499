//! The leak check: from the whole stage history, where records wait longest, which ones sit
//! in a stage too long, which qualified leads waited for a follow-up and which won deals never
//! handed off — and, in plain words, which handoff to fix first and why.

use super::{days, parse, tenth};
use crate::error::Result;
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A record in an open stage longer than this is stuck.
pub const STAGE_DAYS: i64 = 14;
/// A paused or in-review handoff older than this many days is stuck: what the health screen
/// and `baton health` show unless told otherwise.
pub const STUCK_DAYS: i64 = 3;
/// A Sales Qualified lead should be followed up within this many hours.
pub const LEAD_HOURS: i64 = 24;

/// The leak check lists at most this many records under each heading, the ones waiting longest,
/// and says how many there are in all.
pub const LEAK_LISTED: usize = 50;

/// Stages where a record's journey ends: time spent there is not waiting.
const FINAL: &[&str] = &["Closed Won", "Closed Lost", "Customer", "Disqualified"];

/// What the leak check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakCheck {
    /// Time spent in each open stage (finished stays and the ones still running, to the nearest
    /// hour), slowest first.
    pub stages: Vec<StageTime>,
    /// The records waiting longest of those in an open stage for more than `stage_days`, at
    /// most `LEAK_LISTED` of them, longest first.
    pub stuck_records: Vec<Waiting>,
    /// How many records are in an open stage for more than `stage_days`.
    pub stuck_records_total: u64,
    /// Sales Qualified leads not followed up within `lead_hours` (still waiting or late): the
    /// `LEAK_LISTED` that waited longest.
    pub slow_leads: Vec<Waiting>,
    /// How many leads were not followed up within `lead_hours`.
    pub slow_leads_total: u64,
    /// Won deals whose handoff never reached the new owner: the `LEAK_LISTED` oldest.
    pub unfinished_wins: Vec<Waiting>,
    /// How many won deals never reached their new owner.
    pub unfinished_wins_total: u64,
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
    /// The `LEAK_LISTED` records longest in an open stage since before `cutoff`: the longest of
    /// each stage through its index, merged.
    fn stuck_records(
        &self,
        stages: &[StageTime],
        cutoff: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Waiting>> {
        let sql = format!(
            "SELECT id, name, stage, stage_since FROM records
              WHERE kind = ?1 AND stage = ?2 AND stage_since < ?3
              ORDER BY stage_since, id LIMIT {LEAK_LISTED}"
        );
        let mut listed = Vec::new();
        for s in stages {
            listed.extend(self.waits(&sql, crate::db::params![s.kind, s.stage, cutoff], now)?);
        }
        listed.sort_by(|(a, wa), (b, wb)| (a, wa.record_id).cmp(&(b, wb.record_id)));
        Ok(listed
            .into_iter()
            .take(LEAK_LISTED)
            .map(|(_, w)| w)
            .collect())
    }

    /// Rows of (record id, record name, where it waits, since when) as waits in days up to `now`,
    /// each with its since-when as stored.
    fn waits(
        &self,
        sql: &str,
        params: impl crate::db::sql::Params,
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, Waiting)>> {
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st.query_map(params, |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (record_id, record, at, since) = row;
            let waited = parse(&since).map_or(0.0, |s| tenth(days(s, now)));
            out.push((
                since,
                Waiting {
                    record_id,
                    record,
                    at,
                    waited,
                },
            ));
        }
        Ok(out)
    }

    /// Lead handoffs whose follow-up came later than `LEAD_HOURS`, or has not come yet (a lead
    /// sales sent back was answered, if not followed up).
    fn slow_leads(&self, now: DateTime<Utc>) -> Result<Vec<Waiting>> {
        let mut st = self.conn.prepare_cached(
            "SELECT r.id, r.name, h.status, h.triggered_at,
                    (SELECT MIN(t.done_at) FROM tasks t
                      WHERE t.handoff_id = h.id AND t.kind = 'follow_up' AND t.status = 'done')
               FROM handoffs h JOIN records r ON r.id = h.record_id
              WHERE h.kind = 'lead' AND h.status NOT IN ('cancelled', 'sent_back')",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (record_id, record, status, triggered, done) = row;
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

    /// Deal handoffs that never reached the new owner and are not cancelled: the
    /// `LEAK_LISTED` oldest, and how many.
    fn unfinished_wins(&self, now: DateTime<Utc>) -> Result<(Vec<Waiting>, u64)> {
        let filter = "h.kind = 'deal' AND h.handed_off_at IS NULL AND h.status <> 'cancelled'";
        let total: u64 = self
            .conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM handoffs h WHERE {filter}"))?
            .query_row([], |r| r.get(0))?;
        let listed = self.waits(
            &format!(
                "SELECT h.record_id, (SELECT r.name FROM records r WHERE r.id = h.record_id),
                        replace(h.status, '_', ' '), h.triggered_at
                   FROM handoffs h WHERE {filter}
                  ORDER BY h.triggered_at, h.id LIMIT {LEAK_LISTED}"
            ),
            [],
            now,
        )?;
        Ok((listed.into_iter().map(|(_, w)| w).collect(), total))
    }
}

impl crate::workspace::concepts::Health<'_> {
    /// The leak check over the whole history.
    pub fn leaks(&self) -> Result<LeakCheck> {
        let now = self.now();
        // Time in each stage, to the nearest hour: the stays that ended (counted in `stage_time` as
        // they end) and the ones still running (each record's `stage_since`).
        // Running stays are read per moment they began, final stages left out, through the
        // (kind, stage, stage_since) index; the same rows count the records stuck past the
        // threshold.
        let cutoff = (now - chrono::Duration::days(STAGE_DAYS))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut hours: BTreeMap<(String, String), BTreeMap<i64, u64>> = BTreeMap::new();
        let mut stuck_records_total = 0;
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT kind, stage, hours, n, NULL FROM stage_time
             UNION ALL
             SELECT kind, stage, NULL, COUNT(*), stage_since FROM records
              WHERE stage_since IS NOT NULL AND stage NOT IN ({})
              GROUP BY kind, stage, stage_since",
            final_stages()
        ))?;
        st.each([], |r| {
            let (kind, stage): (String, String) = (r.get(0)?, r.get(1)?);
            let (ended, n, since): (Option<i64>, u64, Option<String>) =
                (r.get(2)?, r.get(3)?, r.get(4)?);
            if FINAL.contains(&stage.as_str()) {
                return Ok(());
            }
            if since.as_deref().is_some_and(|s| s < cutoff.as_str()) {
                stuck_records_total += n;
            }
            let running = since
                .as_deref()
                .and_then(parse)
                .map(|s| ((now - s).num_seconds().max(0) as f64 / 3600.0).round() as i64);
            if let Some(h) = ended.or(running) {
                *hours
                    .entry((kind, stage))
                    .or_default()
                    .entry(h)
                    .or_default() += n;
            }
            Ok(())
        })?;
        let mut stages: Vec<StageTime> = hours
            .into_iter()
            .map(|((kind, stage), counts)| {
                let n: u64 = counts.values().sum();
                let at = |rank: u64| hour_at(&counts, rank) as f64 / 24.0;
                let median = if n % 2 == 1 {
                    at(n.div_ceil(2))
                } else {
                    (at(n / 2) + at(n / 2 + 1)) / 2.0
                };
                StageTime {
                    kind,
                    stage,
                    median_days: tenth(median),
                    p90_days: tenth(at((n * 9).div_ceil(10))),
                    count: n,
                }
            })
            .collect();
        stages.sort_by(|a, b| b.median_days.total_cmp(&a.median_days));
        let stuck_records = self.stuck_records(&stages, &cutoff, now)?;
        let mut slow_leads = self.slow_leads(now)?;
        let slow_leads_total = slow_leads.len() as u64;
        slow_leads.truncate(LEAK_LISTED);
        let (unfinished_wins, unfinished_wins_total) = self.unfinished_wins(now)?;
        let recommendation = recommend(
            &stages,
            (slow_leads_total, slow_leads.first()),
            (unfinished_wins_total, unfinished_wins.first()),
        );
        Ok(LeakCheck {
            stages,
            stuck_records,
            stuck_records_total,
            slow_leads,
            slow_leads_total,
            unfinished_wins,
            unfinished_wins_total,
            recommendation,
            stage_days: STAGE_DAYS,
            lead_hours: LEAD_HOURS,
        })
    }
}

/// The final stages, quoted for SQL.
fn final_stages() -> String {
    FINAL
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The handoff that leaks more goes first; the slowest stage says where time goes. Each leak
/// comes as how many there are and the one that waited longest.
fn recommend(
    stages: &[StageTime],
    (slow_leads, worst): (u64, Option<&Waiting>),
    (unfinished, oldest): (u64, Option<&Waiting>),
) -> String {
    let slowest = stages.first().map(|s| {
        format!(
            "Records wait longest in {} (median {} days, p90 {} days over {} stays).",
            s.stage, s.median_days, s.p90_days, s.count
        )
    });
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    let fix = if unfinished == 0 && slow_leads == 0 {
        "No handoff leaks: every won deal reached its new owner and every qualified lead was followed up within a day.".to_string()
    } else if unfinished >= slow_leads {
        format!(
            "Fix Sales → Delivery first: {unfinished} won deal{} never reached delivery (the oldest has waited {} days), against {slow_leads} lead{} followed up late.",
            plural(unfinished),
            oldest.map_or(0.0, |w| w.waited),
            plural(slow_leads),
        )
    } else {
        format!(
            "Fix Marketing → Sales first: {slow_leads} qualified lead{} waited more than {LEAD_HOURS} hours for a follow-up (the longest {} hours), against {unfinished} won deal{} not handed off.",
            plural(slow_leads),
            worst.map_or(0.0, |w| w.waited),
            plural(unfinished),
        )
    };
    match slowest {
        Some(s) => format!("{fix} {s}"),
        None => fix,
    }
}

/// The value at a 1-based rank in a histogram of hours.
fn hour_at(counts: &BTreeMap<i64, u64>, rank: u64) -> i64 {
    let mut seen = 0;
    for (&h, &n) in counts {
        seen += n;
        if seen >= rank {
            return h;
        }
    }
    counts.keys().next_back().copied().unwrap_or(0)
}
