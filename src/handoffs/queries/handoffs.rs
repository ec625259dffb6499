//! The `handoffs` and `email_drafts` tables.

use crate::db::params;
use crate::db::sql::{Db, Optional, Row};
use crate::error::Result;
use crate::handoffs::rules::OpenHandoff;
use crate::model::{DraftId, Handoff, HandoffId, HandoffStatus, RecordId};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

const SELECT: &str =
    "SELECT h.id, h.record_id, r.external_id, r.name, h.playbook, h.status, h.missing_fields,
        h.from_owner, h.to_owner, h.triggered_at, h.handed_off_at, h.kickoff_scheduled_at,
        h.complete_at_trigger, h.context, h.note, h.paused_at
    FROM handoffs h JOIN records r ON r.id = h.record_id";

pub(crate) fn from_row(r: &Row<'_>) -> Result<Handoff> {
    let missing: Vec<String> = serde_json::from_str(&r.get::<String>(6)?).unwrap_or_default();
    let context: String = r.get(13)?;
    Ok(Handoff {
        id: r.get(0)?,
        record_id: r.get(1)?,
        external_id: r.get(2)?,
        record_name: r.get(3)?,
        playbook: r.get(4)?,
        status: r.get(5)?,
        missing_labels: missing.iter().map(|k| crate::fields::label(k)).collect(),
        missing_fields: missing,
        from_owner: r.get(7)?,
        to_owner: r.get(8)?,
        triggered_at: r.get(9)?,
        handed_off_at: r.get(10)?,
        kickoff_scheduled_at: r.get(11)?,
        complete_at_trigger: r.get(12)?,
        context: serde_json::from_str::<BTreeMap<String, String>>(&context).unwrap_or_default(),
        note: r.get(14)?,
        paused_at: r.get(15)?,
    })
}

/// A handoff by id.
pub(crate) fn get(conn: &Db, id: HandoffId) -> Result<Option<Handoff>> {
    conn.query_row(&format!("{SELECT} WHERE h.id = ?1"), [id], from_row)
        .optional()
}

/// Handoffs, optionally with one status, newest trigger first.
pub(crate) fn list(conn: &Db, status: Option<HandoffStatus>) -> Result<Vec<Handoff>> {
    let mut st = conn.prepare_cached(&format!(
        "{SELECT} WHERE (CAST(?1 AS TEXT) IS NULL OR h.status = ?1) ORDER BY h.triggered_at DESC, h.id DESC"
    ))?;
    let rows = st.query_map([status], from_row)?;
    Ok(rows)
}

/// How many handoffs each playbook has in each status: (playbook key, status, count).
pub(crate) fn count_by_playbook(conn: &Db) -> Result<Vec<(String, HandoffStatus, u64)>> {
    let mut st = conn.prepare_cached(
        "SELECT playbook, status, count(*) FROM handoffs GROUP BY playbook, status ORDER BY playbook, status",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows)
}

/// The handoffs with anything in the audit log at or after `at` (a stamp or a day).
pub(crate) fn active_since(conn: &Db, at: &str) -> Result<BTreeSet<HandoffId>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT handoff_id FROM events WHERE handoff_id IS NOT NULL AND at >= ?1",
    )?;
    let rows = st.query_map([at], |r| r.get(0))?;
    Ok(rows.into_iter().collect())
}

/// The CRMs (`source`) of the deals with a CRM id that have a handoff.
pub(crate) fn imported_deal_sources(conn: &Db) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT r.source FROM handoffs h JOIN records r ON r.id = h.record_id
         WHERE r.kind = 'deal' AND r.external_id IS NOT NULL ORDER BY r.source",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows)
}

/// Every handoff of a record, oldest first.
pub(crate) fn for_record(conn: &Db, record: RecordId) -> Result<Vec<Handoff>> {
    let mut st = conn.prepare_cached(&for_record_sql())?;
    let rows = st.query_map([record], from_row)?;
    Ok(rows)
}

/// The statement [`for_record`] reads with (the record's id: `?1`), to read ahead.
pub(crate) fn for_record_sql() -> String {
    format!("{SELECT} WHERE h.record_id = ?1 ORDER BY h.id")
}

/// The record's handoffs still in flight, as the engine sees them.
pub(crate) fn open_for_record(conn: &Db, record: RecordId) -> Result<Vec<OpenHandoff>> {
    Ok(for_record(conn, record)?
        .into_iter()
        .filter(|h| h.status.is_open())
        .map(|h| OpenHandoff {
            id: h.id,
            playbook: h.playbook,
            status: h.status,
            missing: h.missing_fields,
        })
        .collect())
}

/// The state a new handoff starts in: the status its first evaluation chose and, handed off,
/// its next owner. It is written with the handoff, as [`set_status`] or [`hand_off`] would
/// write it afterwards.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entered<'a> {
    pub status: HandoffStatus,
    pub to: Option<&'a str>,
}

/// Starts a handoff that fired with `missing` required fields empty, in the state `entered`
/// (paused ones list `missing` and their pause's time, handed-off ones their hand-off's), and
/// counts it in its day's health figures through `tally` (written when the write ends).
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert(
    conn: &Db,
    record: RecordId,
    playbook: &str,
    missing: &[String],
    from_owner: Option<&str>,
    at: &str,
    tally: &mut Tally,
    entered: Entered<'_>,
    reserved: Option<HandoffId>,
) -> Result<HandoffId> {
    let complete = missing.is_empty();
    let paused = entered.status == HandoffStatus::Paused;
    let listed = match paused {
        true => serde_json::to_string(missing).unwrap_or_else(|_| "[]".into()),
        false => "[]".into(),
    };
    let stamp = |s: HandoffStatus| (entered.status == s).then_some(at);
    let values = params![
        record,
        playbook,
        complete,
        from_owner,
        at,
        entered.status,
        listed,
        entered.to,
        stamp(HandoffStatus::Paused),
        stamp(HandoffStatus::HandedOff),
        reserved
    ];
    let id = match reserved {
        // An id reserved for it: sent without waiting for the answer.
        Some(id) => {
            conn.insert(
                "INSERT INTO handoffs (record_id, playbook, status, complete_at_trigger, from_owner, triggered_at, kind,
                                       missing_fields, to_owner, paused_at, handed_off_at, id)
                 VALUES (?1, ?2, ?6, ?3, ?4, ?5, (SELECT kind FROM records WHERE id = ?1), ?7, ?8, ?9, ?10, ?11)",
                values,
            )?;
            id
        }
        None => conn
            .prepare_cached(
                "INSERT INTO handoffs (record_id, playbook, status, complete_at_trigger, from_owner, triggered_at, kind,
                                       missing_fields, to_owner, paused_at, handed_off_at)
                 VALUES (?1, ?2, ?6, ?3, ?4, ?5, (SELECT kind FROM records WHERE id = ?1), ?7, ?8, ?9, ?10)",
            )?
            .insert(&values[..10])
            .map(HandoffId)?,
    };
    tally.fired(at, missing);
    Ok(id)
}

/// The health counts one write's handoffs add (handoffs fired and complete per day, required
/// fields missing per day and field), written once as the write ends: an import fires
/// thousands of handoffs on one day, and each count is one row.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    days: std::collections::BTreeMap<String, (i64, i64)>,
    missing: std::collections::BTreeMap<(String, String), i64>,
}

impl Tally {
    /// Counts a handoff fired at `at` (as stored: the day is its first ten characters).
    fn fired(&mut self, at: &str, missing: &[String]) {
        let day = at.get(..10).unwrap_or(at).to_string();
        let n = self.days.entry(day.clone()).or_default();
        n.0 += 1;
        n.1 += i64::from(missing.is_empty());
        for field in missing {
            *self
                .missing
                .entry((day.clone(), field.clone()))
                .or_default() += 1;
        }
    }

    /// Adds the counts to the workspace's, and forgets them.
    pub(crate) fn write(&mut self, conn: &Db) -> Result<()> {
        let mut days = conn.prepare_cached(
            "INSERT INTO handoff_days (day, triggered, complete) VALUES (?1, ?2, ?3)
             ON CONFLICT (day) DO UPDATE SET triggered = handoff_days.triggered + excluded.triggered,
                                             complete = handoff_days.complete + excluded.complete",
        )?;
        for (day, (triggered, complete)) in std::mem::take(&mut self.days) {
            days.write(params![day, triggered, complete])?;
        }
        let mut missing = conn.prepare_cached(
            "INSERT INTO missing_at_trigger (day, field, n) VALUES (?1, ?2, ?3)
             ON CONFLICT (day, field) DO UPDATE SET n = missing_at_trigger.n + excluded.n",
        )?;
        for ((day, field), n) in std::mem::take(&mut self.missing) {
            missing.write(params![day, field, n])?;
        }
        Ok(())
    }
}

/// Sets the status and missing fields, stamping the first time a status is reached.
pub(crate) fn set_status(
    conn: &Db,
    id: HandoffId,
    status: HandoffStatus,
    missing: &[String],
    at: &str,
) -> Result<()> {
    let missing = serde_json::to_string(missing).unwrap_or_else(|_| "[]".into());
    // One statement: the status, and the stamp of the first time it was reached.
    let stamp = match status {
        HandoffStatus::Paused => "paused_at",
        HandoffStatus::HandedOff => "handed_off_at",
        HandoffStatus::KickoffScheduled => "kickoff_scheduled_at",
        HandoffStatus::Cancelled | HandoffStatus::Accepted => "closed_at",
        _ => {
            conn.prepare_cached(
                "UPDATE handoffs SET status = ?2, missing_fields = ?3 WHERE id = ?1",
            )?
            .write(params![id, status, missing])?;
            return Ok(());
        }
    };
    conn.prepare_cached(&format!(
        "UPDATE handoffs SET status = ?2, missing_fields = ?3, {stamp} = coalesce({stamp}, ?4)
          WHERE id = ?1"
    ))?
    .write(params![id, status, missing, at])?;
    Ok(())
}

/// Hands the handoff to its next owner: the owner, the status, no fields missing, and the stamp
/// of the first hand-off, in one statement.
pub(crate) fn hand_off(conn: &Db, id: HandoffId, to: Option<&str>, at: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE handoffs SET to_owner = ?2, status = ?3, missing_fields = '[]',
                             handed_off_at = coalesce(handed_off_at, ?4)
          WHERE id = ?1",
    )?
    .write(params![id, to, HandoffStatus::HandedOff, at])?;
    Ok(())
}

/// Records the latest reviewer / escalation note.
pub(crate) fn set_note(conn: &Db, id: HandoffId, note: &str) -> Result<()> {
    conn.prepare_cached("UPDATE handoffs SET note = ?2 WHERE id = ?1")?
        .execute(params![id, note])?;
    Ok(())
}

/// Stores the human context of the brief.
pub(crate) fn set_context(
    conn: &Db,
    id: HandoffId,
    context: &BTreeMap<String, String>,
) -> Result<()> {
    conn.prepare_cached("UPDATE handoffs SET context = ?2 WHERE id = ?1")?
        .execute(params![
            id,
            serde_json::to_string(context).unwrap_or_else(|_| "{}".into())
        ])?;
    Ok(())
}

/// Whom this playbook handed off to last (round-robin continues after them). `NULLS LAST` is
/// SQLite's own order for `DESC`, said so that PostgreSQL reads it from one index.
pub(crate) fn last_assignee(conn: &Db, playbook: &str) -> Result<Option<String>> {
    Ok(last_handed(conn, playbook)?.map(|l| l.owner))
}

/// The handoff a round-robin continues after: the last handed off with a next owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastHanded {
    pub at: Option<String>,
    pub id: HandoffId,
    pub owner: String,
}

impl LastHanded {
    /// Whether `self` comes after `other` in [`last_handed`]'s order (a hand-off time before
    /// none, the later time, then the higher id). Times compare as Baton writes them, all in
    /// one format.
    pub(crate) fn is_after(&self, other: &LastHanded) -> bool {
        (self.at.is_some(), &self.at, self.id.0) > (other.at.is_some(), &other.at, other.id.0)
    }
}

/// [`last_assignee`], with where that handoff stands in the order.
pub(crate) fn last_handed(conn: &Db, playbook: &str) -> Result<Option<LastHanded>> {
    conn.prepare_cached(
        "SELECT handed_off_at, id, to_owner FROM handoffs WHERE playbook = ?1 AND to_owner IS NOT NULL
             ORDER BY handed_off_at DESC NULLS LAST, id DESC LIMIT 1",
    )?
    .query_row([playbook], |r| {
        Ok(LastHanded {
            at: r.get(0)?,
            id: r.get(1)?,
            owner: r.get(2)?,
        })
    })
    .optional()
}

/// A welcome email prepared for review; never sent by Baton.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailDraft {
    /// Its id.
    pub id: DraftId,
    /// The handoff it belongs to.
    pub handoff_id: HandoffId,
    /// The record the handoff is about.
    pub record_id: RecordId,
    /// That record's name.
    pub record: String,
    /// Who it would go to: the client's contact email (or name, when no email is known).
    pub recipient: Option<String>,
    /// Subject line.
    pub subject: String,
    /// Body text.
    pub body: String,
    /// `draft` until a person marks it sent; then `sent`, and it no longer changes.
    pub status: String,
    /// When a person last edited it.
    pub edited_at: Option<String>,
    /// When it was marked sent.
    pub sent_at: Option<String>,
    /// Who marked it sent.
    pub sent_by: Option<String>,
}

/// Stores a draft.
pub(crate) fn insert_draft(
    conn: &Db,
    handoff: HandoffId,
    to: Option<&str>,
    subject: &str,
    body: &str,
    at: &str,
) -> Result<()> {
    conn.insert(
        "INSERT INTO email_drafts (handoff_id, recipient, subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![handoff, to, subject, body, at],
    )
}

const DRAFT_COLUMNS: &str =
    "SELECT d.id, d.handoff_id, h.record_id, r.name, d.recipient, d.subject, d.body,
        d.status, d.edited_at, d.sent_at, d.sent_by
   FROM email_drafts d JOIN handoffs h ON h.id = d.handoff_id JOIN records r ON r.id = h.record_id";

fn draft_row(r: &Row<'_>) -> Result<EmailDraft> {
    Ok(EmailDraft {
        id: r.get(0)?,
        handoff_id: r.get(1)?,
        record_id: r.get(2)?,
        record: r.get(3)?,
        recipient: r.get(4)?,
        subject: r.get(5)?,
        body: r.get(6)?,
        status: r.get(7)?,
        edited_at: r.get(8)?,
        sent_at: r.get(9)?,
        sent_by: r.get(10)?,
    })
}

/// Drafts of a handoff, newest first.
pub(crate) fn drafts(conn: &Db, handoff: HandoffId) -> Result<Vec<EmailDraft>> {
    let mut st = conn.prepare_cached(&format!(
        "{DRAFT_COLUMNS} WHERE d.handoff_id = ?1 ORDER BY d.id DESC"
    ))?;
    let rows = st.query_map([handoff], draft_row)?;
    Ok(rows)
}

/// Every draft, the ones still to send first, then newest first.
pub(crate) fn all_drafts(conn: &Db) -> Result<Vec<EmailDraft>> {
    let mut st = conn.prepare_cached(&format!(
        "{DRAFT_COLUMNS} ORDER BY d.status = 'sent', d.id DESC"
    ))?;
    let rows = st.query_map([], draft_row)?;
    Ok(rows)
}

/// The newest draft of a record's handoffs.
pub(crate) fn record_draft(conn: &Db, record: RecordId) -> Result<Option<EmailDraft>> {
    conn.prepare_cached(&record_draft_sql())?
        .query_row([record], draft_row)
        .optional()
}

/// The statement [`record_draft`] reads with (the record's id: `?1`), to read ahead.
pub(crate) fn record_draft_sql() -> String {
    format!("{DRAFT_COLUMNS} WHERE h.record_id = ?1 ORDER BY d.id DESC LIMIT 1")
}

/// One draft.
pub(crate) fn draft(conn: &Db, id: DraftId) -> Result<Option<EmailDraft>> {
    conn.prepare_cached(&format!("{DRAFT_COLUMNS} WHERE d.id = ?1"))?
        .query_row([id], draft_row)
        .optional()
}

/// A person's edit of a draft's subject and body.
pub(crate) fn edit_draft(
    conn: &Db,
    id: DraftId,
    subject: &str,
    body: &str,
    at: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE email_drafts SET subject = ?2, body = ?3, edited_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, subject, body, at])?;
    Ok(())
}

/// Marks a draft sent by `by` at `at`.
pub(crate) fn mark_draft_sent(conn: &Db, id: DraftId, by: &str, at: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE email_drafts SET status = 'sent', sent_at = ?3, sent_by = ?2 WHERE id = ?1",
    )?
    .execute(params![id, by, at])?;
    Ok(())
}
