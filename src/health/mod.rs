//! Handoff health: the weekly figures that show where the handoff still depends on memory.
//!
//! Each handoff counts in the ISO week its trigger fired (UTC). Durations run from the trigger
//! to the moment the next step was *scheduled* (a kickoff date set on the kickoff task) or
//! *done* (a lead's follow-up). Medians of an even count average the two middle values; p90
//! is the nearest rank (the smallest value with at least 90% of the values at or below it).
//! Durations are rounded to a tenth.

mod leaks;
mod report;

pub use leaks::{LeakCheck, StageTime, Waiting, LEAK_LISTED, STUCK_DAYS};
pub use report::HealthTableRow;

use crate::clock::Stamp;
use crate::error::Result;
use crate::workspace::{FieldCount, Workspace};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// The figures over the last few weeks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    /// One entry per ISO week, oldest first, empty weeks included.
    pub weeks: Vec<WeekHealth>,
    /// Fields missing when the trigger fired, over the whole window, most often first.
    pub most_missing_fields: Vec<FieldCount>,
    /// Handoffs paused or in review longer than `stuck_days`, oldest first.
    pub stuck: Vec<Stuck>,
    /// The threshold for `stuck`, in days.
    pub stuck_days: i64,
    /// Where the whole history leaks, and which handoff to fix first.
    pub leak_check: leaks::LeakCheck,
}

/// One ISO week's figures, for the handoffs triggered in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekHealth {
    /// `2026-W10`.
    pub week: String,
    /// Closed Won to kickoff scheduled, in days.
    pub closed_won_to_kickoff_days: Spread,
    /// Handoffs that fired.
    pub handoffs_triggered: u64,
    /// Of those, the share with no required field missing when they fired (`None` with none).
    pub handoffs_complete_at_trigger_pct: Option<f64>,
    /// Times delivery escalated one of them for missing context.
    pub escalations_missing_context: u64,
    /// Sales Qualified to follow-up done, in hours.
    pub lead_response_hours: Middle,
    /// Sales Qualified leads with no lead source.
    pub leads_without_source: u64,
    /// Times sales sent one of those leads back for unclear qualification notes.
    pub leads_rejected_unclear: u64,
}

/// Median, p90 and how many values they summarise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    /// The middle value.
    pub median: Option<f64>,
    /// The 90th percentile (nearest rank).
    pub p90: Option<f64>,
    /// How many values.
    pub count: u64,
}

/// Median and how many values it summarises.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Middle {
    /// The middle value.
    pub median: Option<f64>,
    /// How many values.
    pub count: u64,
}

/// A handoff waiting on people for too long.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stuck {
    /// The handoff's id.
    pub handoff: i64,
    /// The record's id.
    pub record_id: i64,
    /// The record's name.
    pub record: String,
    /// `paused` or `in_review`.
    pub status: String,
    /// Since when it has waited.
    pub since: Stamp,
    /// Days waited, to a tenth.
    pub days: f64,
}

pub(super) fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub(super) fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(tenth(sorted[n / 2])),
        _ => Some(tenth((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0)),
    }
}

pub(super) fn p90(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    (n > 0).then(|| tenth(sorted[(n * 9).div_ceil(10) - 1]))
}

/// Days from `from` to `to`, with the fraction.
pub(super) fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0
}

pub(super) fn parse(stamp: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(stamp)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn week_label(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// One handoff, as the figures see it.
struct Fact {
    handoff: i64,
    record_id: i64,
    record: String,
    status: String,
    kind: String,
    triggered: DateTime<Utc>,
    complete: bool,
    kickoff: Option<DateTime<Utc>>,
    followed_up: Option<DateTime<Utc>>,
    no_source: bool,
    escalations: u64,
    rejections: u64,
}

impl Fact {
    fn kickoff_days(&self) -> Option<f64> {
        let k = self.kickoff.filter(|_| self.kind == "deal")?;
        Some(days(self.triggered, k))
    }

    fn response_hours(&self) -> Option<f64> {
        let done = self.followed_up.filter(|_| self.kind == "lead")?;
        Some(days(self.triggered, done) * 24.0)
    }
}

/// A record behind one of a week's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthRow {
    /// The handoff's id.
    pub handoff: i64,
    /// The record's id.
    pub record_id: i64,
    /// The record's name.
    pub record: String,
    /// The handoff's status now.
    pub status: String,
    /// What it adds to the figure ("2.5 days", "1 escalation", …), empty when it only counts.
    pub detail: String,
}

/// Each figure a number on the dashboard opens: whether a handoff is behind it, and what it
/// adds ("2.5 days"; empty when it only counts).
type Drill = fn(&Fact) -> Option<String>;

const DRILL: &[(&str, Drill)] = &[
    ("closed_won_to_kickoff_days", |f| {
        f.kickoff_days().map(|d| format!("{} days", tenth(d)))
    }),
    ("handoffs_triggered", |_| Some(String::new())),
    ("handoffs_complete_at_trigger_pct", |f| {
        f.complete.then(String::new)
    }),
    ("escalations_missing_context", |f| {
        (f.escalations > 0).then(|| {
            format!(
                "{} escalation{}",
                f.escalations,
                if f.escalations == 1 { "" } else { "s" }
            )
        })
    }),
    ("lead_response_hours", |f| {
        f.response_hours().map(|h| format!("{} hours", tenth(h)))
    }),
    ("leads_without_source", |f| {
        (f.kind == "lead" && f.no_source).then(String::new)
    }),
    ("leads_rejected_unclear", |f| {
        (f.kind == "lead" && f.rejections > 0).then(String::new)
    }),
];

/// The figures a number on the dashboard opens, in order.
#[cfg(test)]
pub(crate) fn drill_figures() -> Vec<&'static str> {
    DRILL.iter().map(|(k, _)| *k).collect()
}

/// What the handoffs of a day or a week add up to.
#[derive(Default)]
struct Tally {
    kickoff_days: Vec<f64>,
    triggered: u64,
    complete: u64,
    escalations: u64,
    response_hours: Vec<f64>,
    without_source: u64,
    rejected: u64,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.kickoff_days.extend(o.kickoff_days);
        self.triggered += o.triggered;
        self.complete += o.complete;
        self.escalations += o.escalations;
        self.response_hours.extend(o.response_hours);
        self.without_source += o.without_source;
        self.rejected += o.rejected;
    }
}

impl Workspace {
    /// What the handoffs triggered from the day `first` add to the figures, per day they fired
    /// (UTC).
    /// The counts come from `handoff_days`, kept as handoffs fire; only the handoffs behind a
    /// duration, an escalation or a lead figure are read one by one, each set by its own index.
    fn day_tallies(&self, first: NaiveDate) -> Result<BTreeMap<NaiveDate, Tally>> {
        let mut out: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
        let (day, from) = (first.to_string(), format!("{first}T00:00:00Z"));
        let mut st = self
            .conn
            .prepare_cached("SELECT day, triggered, complete FROM handoff_days WHERE day >= ?1")?;
        st.each([&day], |r| {
            let Ok(day) = NaiveDate::parse_from_str(&r.get::<String>(0)?, "%Y-%m-%d") else {
                return Ok(());
            };
            let t = out.entry(day).or_default();
            t.triggered += r.get::<u64>(1)?;
            t.complete += r.get::<u64>(2)?;
            Ok(())
        })?;
        let mut st = self.conn.prepare_cached(
            "SELECT triggered_at, kickoff_scheduled_at FROM handoffs
              WHERE kickoff_scheduled_at IS NOT NULL AND triggered_at >= ?1 AND kind = 'deal'",
        )?;
        st.each([&from], |r| {
            let (Some(triggered), Some(kickoff)) =
                (parse(&r.get::<String>(0)?), parse(&r.get::<String>(1)?))
            else {
                return Ok(());
            };
            out.entry(triggered.date_naive())
                .or_default()
                .kickoff_days
                .push(days(triggered, kickoff));
            Ok(())
        })?;
        let mut st = self.conn.prepare_cached(
            "SELECT h.triggered_at, h.kind = 'lead', e.kind = 'escalated'
               FROM events e JOIN handoffs h ON h.id = e.handoff_id
              WHERE e.kind IN ('escalated', 'rejected') AND h.triggered_at >= ?1",
        )?;
        st.each([&from], |r| {
            let Some(triggered) = parse(&r.get::<String>(0)?) else {
                return Ok(());
            };
            let (lead, escalated): (bool, bool) = (r.get(1)?, r.get(2)?);
            let t = out.entry(triggered.date_naive()).or_default();
            if escalated {
                t.escalations += 1;
            } else if lead {
                t.rejected += 1;
            }
            Ok(())
        })?;
        let mut st = self.conn.prepare_cached(
            "SELECT h.triggered_at,
                    (SELECT MIN(t.done_at) FROM tasks t
                      WHERE t.handoff_id = h.id AND t.kind = 'follow_up' AND t.status = 'done'),
                    COALESCE((SELECT json_extract(r.fields, '$.lead_source') FROM records r
                               WHERE r.id = h.record_id), '') = ''
               FROM handoffs h WHERE h.kind = 'lead' AND h.triggered_at >= ?1",
        )?;
        st.each([&from], |r| {
            let Some(triggered) = parse(&r.get::<String>(0)?) else {
                return Ok(());
            };
            let done = r.get::<Option<String>>(1)?.as_deref().and_then(parse);
            let no_source: bool = r.get(2)?;
            let t = out.entry(triggered.date_naive()).or_default();
            t.without_source += u64::from(no_source);
            if let Some(done) = done {
                t.response_hours.push(days(triggered, done) * 24.0);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Every handoff triggered from `from` (until `to`), with what the figures need (and the
    /// record's name when `names`: only the drill-down shows it).
    fn facts(&self, from: &str, to: Option<&str>, names: bool) -> Result<Vec<Fact>> {
        // Escalations and rejections in one pass over the events, records read only for leads.
        let mut st = self.conn.prepare_cached(
            "WITH ev AS (
                 SELECT handoff_id, SUM(CASE WHEN kind = 'escalated' THEN 1 ELSE 0 END) AS escalated,
                        SUM(CASE WHEN kind = 'rejected' THEN 1 ELSE 0 END) AS rejected
                   FROM events WHERE kind IN ('escalated', 'rejected') AND handoff_id IS NOT NULL
                  GROUP BY handoff_id)
             SELECT h.id, h.record_id,
                    CASE WHEN ?3 THEN (SELECT r.name FROM records r WHERE r.id = h.record_id) ELSE '' END,
                    h.status, h.kind, h.triggered_at, h.complete_at_trigger, h.kickoff_scheduled_at,
                    CASE WHEN h.kind = 'lead' THEN
                        (SELECT MIN(t.done_at) FROM tasks t
                          WHERE t.handoff_id = h.id AND t.kind = 'follow_up' AND t.status = 'done') END,
                    CASE WHEN h.kind = 'lead'
                          AND COALESCE((SELECT json_extract(r.fields, '$.lead_source') FROM records r
                                         WHERE r.id = h.record_id), '') = '' THEN 1 ELSE 0 END,
                    COALESCE(ev.escalated, 0), COALESCE(ev.rejected, 0)
               FROM handoffs h LEFT JOIN ev ON ev.handoff_id = h.id
              WHERE h.triggered_at >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR h.triggered_at < ?2)
              ORDER BY h.triggered_at, h.id",
        )?;
        let rows = st.query_map(crate::db::params![from, to, names], |r| {
            Ok((
                (
                    r.get::<i64>(0)?,
                    r.get::<i64>(1)?,
                    r.get::<String>(2)?,
                    r.get::<String>(3)?,
                    r.get::<String>(4)?,
                    r.get::<String>(5)?,
                ),
                (
                    r.get::<bool>(6)?,
                    r.get::<Option<String>>(7)?,
                    r.get::<Option<String>>(8)?,
                    r.get::<bool>(9)?,
                    r.get::<u64>(10)?,
                    r.get::<u64>(11)?,
                ),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let ((handoff, record_id, record, status, kind, triggered), rest) = row;
            let (complete, kickoff, followed_up, no_source, escalations, rejections) = rest;
            let Some(triggered) = parse(&triggered) else {
                continue;
            };
            out.push(Fact {
                handoff,
                record_id,
                record,
                status,
                kind,
                triggered,
                complete,
                kickoff: kickoff.as_deref().and_then(parse),
                followed_up: followed_up.as_deref().and_then(parse),
                no_source,
                escalations,
                rejections,
            });
        }
        Ok(out)
    }

    /// The fields missing when handoffs triggered from the day `first` fired (their first
    /// pause), as counted per day when they fired.
    fn missing_at_trigger(&self, first: NaiveDate) -> Result<Vec<FieldCount>> {
        let mut st = self.conn.prepare_cached(
            "SELECT field, CAST(SUM(n) AS BIGINT) FROM missing_at_trigger WHERE day >= ?1
              GROUP BY field ORDER BY SUM(n) DESC, field",
        )?;
        let rows = st.query_map([first.to_string()], |r| {
            Ok(FieldCount::new(r.get(0)?, r.get(1)?))
        })?;
        Ok(rows)
    }

    /// Paused (since the pause) or in review (since it went there) for over `over_days` days.
    fn stuck(&self, now: DateTime<Utc>, over_days: i64) -> Result<Vec<Stuck>> {
        let before =
            (now - Duration::days(over_days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut st = self.conn.prepare_cached(
            "SELECT h.id, r.id, r.name, h.status, since FROM (
                 SELECT h.*, CASE h.status
                     WHEN 'paused' THEN COALESCE(h.paused_at, h.triggered_at)
                     ELSE COALESCE((SELECT MAX(e.at) FROM events e
                                     WHERE e.handoff_id = h.id AND e.kind = 'in_review'),
                                   h.triggered_at) END AS since
                   FROM handoffs h WHERE h.status IN ('paused', 'in_review')) h
               JOIN records r ON r.id = h.record_id
              WHERE since < ?1 ORDER BY since, h.id",
        )?;
        let rows = st.query_map([&before], |r| {
            let since: Stamp = r.get(4)?;
            Ok(Stuck {
                handoff: r.get(0)?,
                record_id: r.get(1)?,
                record: r.get(2)?,
                status: r.get(3)?,
                days: tenth(days(since.at(), now)),
                since,
            })
        })?;
        Ok(rows)
    }
}

impl crate::workspace::concepts::Health<'_> {
    /// The last `weeks` ISO weeks up to this one, and handoffs stuck over `stuck_days`.
    pub fn weeks(&self, weeks: u32, stuck_days: i64) -> Result<Health> {
        self.conn
            .reading("health", || self.weeks_now(weeks, stuck_days))
    }

    fn weeks_now(&self, weeks: u32, stuck_days: i64) -> Result<Health> {
        let now = self.now();
        let today = now.date_naive();
        let this_monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
        let first_monday = this_monday - Duration::weeks(i64::from(weeks.max(1)) - 1);
        let mut tallies: BTreeMap<String, Tally> = (0..weeks.max(1))
            .map(|i| {
                let monday = first_monday + Duration::weeks(i64::from(i));
                (week_label(monday), Tally::default())
            })
            .collect();
        for (day, t) in self.day_tallies(first_monday)? {
            if let Some(week) = tallies.get_mut(&week_label(day)) {
                week.merge(t);
            }
        }
        let weeks = tallies
            .into_iter()
            .map(|(week, mut t)| {
                t.kickoff_days.sort_by(f64::total_cmp);
                t.response_hours.sort_by(f64::total_cmp);
                WeekHealth {
                    week,
                    closed_won_to_kickoff_days: Spread {
                        median: median(&t.kickoff_days),
                        p90: p90(&t.kickoff_days),
                        count: t.kickoff_days.len() as u64,
                    },
                    handoffs_triggered: t.triggered,
                    handoffs_complete_at_trigger_pct: (t.triggered > 0)
                        .then(|| tenth(100.0 * t.complete as f64 / t.triggered as f64)),
                    escalations_missing_context: t.escalations,
                    lead_response_hours: Middle {
                        median: median(&t.response_hours),
                        count: t.response_hours.len() as u64,
                    },
                    leads_without_source: t.without_source,
                    leads_rejected_unclear: t.rejected,
                }
            })
            .collect();
        Ok(Health {
            weeks,
            most_missing_fields: self.missing_at_trigger(first_monday)?,
            stuck: self.stuck(now, stuck_days)?,
            stuck_days,
            leak_check: self.health().leaks()?,
        })
    }

    /// The records behind one figure of one week (`2026-W10`), in trigger order: a number on
    /// the dashboard opens these.
    pub fn records_behind(&self, week: &str, figure: &str) -> Result<Vec<HealthRow>> {
        let monday = week
            .split_once("-W")
            .and_then(|(y, w)| Some((y.parse().ok()?, w.parse().ok()?)))
            .and_then(|(y, w)| NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon))
            .ok_or_else(|| {
                crate::error::Error::invalid(
                    "week",
                    format!("{week:?} is not an ISO week; write it like 2026-W10"),
                )
            })?;
        let from = format!("{monday}T00:00:00Z");
        let to = format!("{}T00:00:00Z", monday + Duration::weeks(1));
        let Some((_, pick)) = DRILL.iter().find(|(name, _)| *name == figure) else {
            let names: Vec<&str> = DRILL.iter().map(|(name, _)| *name).collect();
            return Err(crate::error::Error::invalid(
                "figure",
                format!(
                    "{figure:?} is not a health figure; use one of: {}",
                    names.join(", ")
                ),
            ));
        };
        Ok(self
            .facts(&from, Some(&to), true)?
            .into_iter()
            .filter_map(|f| {
                let detail = pick(&f)?;
                Some(HealthRow {
                    handoff: f.handoff,
                    record_id: f.record_id,
                    record: f.record,
                    status: f.status,
                    detail,
                })
            })
            .collect())
    }
}
