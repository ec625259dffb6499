//! What people do to a handoff: approve or send back an exception, escalate, reject a lead,
//! and finish tasks (a kickoff date schedules the kickoff).

use super::apply::{self, RuleEffects};
use super::Workspace;
use crate::error::{Error, Result};
use crate::model::{
    ChecklistItem, Handoff, HandoffId, HandoffStatus, Origin, RecordKind, TaskId, TaskKind,
    TaskStatus,
};
use crate::rules;
use crate::store::handoffs;
use crate::store::tasks::{self, NewTask};
use chrono::NaiveDate;

fn require(h: &Handoff, allowed: &[HandoffStatus], action: &str) -> Result<()> {
    if allowed.contains(&h.status) {
        return Ok(());
    }
    let want: Vec<String> = allowed
        .iter()
        .map(|s| s.as_str().replace('_', " "))
        .collect();
    Err(Error::Conflict(format!(
        "handoff {} is {}; only a handoff that is {} can be {action}",
        h.id,
        h.status.as_str().replace('_', " "),
        want.join(" or ")
    )))
}

fn reason_required(reason: &str) -> Result<&str> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(Error::invalid(
            "--reason",
            "say why in a few words, e.g. --reason \"no signed scope attached\"",
        ));
    }
    Ok(r)
}

impl Workspace {
    /// The reviewer approves an exception: the normal hand-off runs.
    pub fn approve(
        &mut self,
        id: HandoffId,
        note: Option<&str>,
        origin: Origin,
    ) -> Result<RuleEffects> {
        let h = self.handoff(id)?;
        require(&h, &[HandoffStatus::InReview], "approved")?;
        let record = self.record(h.record_id)?;
        let pb = apply::playbook_of(&self.conn, &h.playbook)?;
        self.write(origin, |cx| {
            tasks::close_open(
                cx.conn,
                id,
                Some(TaskKind::Review),
                TaskStatus::Done,
                cx.stamp(),
            )?;
            if let Some(n) = note.filter(|n| !n.trim().is_empty()) {
                handoffs::set_note(cx.conn, id, n.trim())?;
            }
            cx.event(
                &record,
                Some(id),
                "approved",
                Some(&pb.key),
                vec![],
                format!(
                    "Exception approved{}",
                    note.map(|n| format!(": {n}")).unwrap_or_default()
                ),
            )?;
            let mut fx = RuleEffects::default();
            apply::enter(cx, &pb, &record, id, rules::Outcome::HandOff, &mut fx)?;
            Ok(fx)
        })
    }

    /// The reviewer sends an exception back to the owner with a note.
    pub fn send_back(&mut self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        let reason = reason_required(reason)?;
        let h = self.handoff(id)?;
        require(&h, &[HandoffStatus::InReview], "sent back")?;
        self.return_to_owner(
            &h,
            TaskKind::Review,
            "sent_back",
            "Sent back by the reviewer",
            reason,
            origin,
        )
    }

    /// Sales sends a lead back to marketing: the qualification notes were unclear.
    pub fn reject(&mut self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        let reason = reason_required(reason)?;
        let h = self.handoff(id)?;
        require(&h, &[HandoffStatus::HandedOff], "rejected")?;
        if self.record(h.record_id)?.kind != RecordKind::Lead {
            return Err(Error::Conflict(format!(
                "handoff {id} is a deal's; reject sends a lead back to marketing. For a deal use: baton escalate {id} --reason …"
            )));
        }
        self.return_to_owner(
            &h,
            TaskKind::FollowUp,
            "rejected",
            "Sales sent the lead back",
            reason,
            origin,
        )
    }

    fn return_to_owner(
        &mut self,
        h: &Handoff,
        closes: TaskKind,
        kind: &str,
        why: &str,
        reason: &str,
        origin: Origin,
    ) -> Result<()> {
        let record = self.record(h.record_id)?;
        let owner = h.from_owner.clone().or(record.owner.clone());
        self.write(origin, |cx| {
            let status = if closes == TaskKind::Review {
                TaskStatus::Done
            } else {
                TaskStatus::Cancelled
            };
            tasks::close_open(cx.conn, h.id, Some(closes), status, cx.stamp())?;
            handoffs::set_status(cx.conn, h.id, HandoffStatus::SentBack, &[], cx.stamp())?;
            handoffs::set_note(cx.conn, h.id, reason)?;
            let title = format!("Rework the handoff of {}: {reason}", record.name);
            cx.task(
                NewTask {
                    handoff: Some(h.id),
                    record: record.id,
                    kind: TaskKind::CompleteFields,
                    title: &title,
                    assignee: owner.as_deref(),
                    due: Some(&cx.due_in(1)?),
                    checklist: vec![ChecklistItem {
                        item: reason.to_string(),
                        done: false,
                    }],
                },
                why,
            )?;
            cx.event(
                &record,
                Some(h.id),
                kind,
                Some(&h.playbook),
                vec![],
                format!("{why}: {reason}"),
            )
        })
    }

    /// The receiving side escalates: context was missing from the handoff.
    pub fn escalate(&mut self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        let reason = reason_required(reason)?;
        let h = self.handoff(id)?;
        require(
            &h,
            &[
                HandoffStatus::HandedOff,
                HandoffStatus::KickoffScheduled,
                HandoffStatus::Accepted,
            ],
            "escalated",
        )?;
        let record = self.record(h.record_id)?;
        let owner = h.from_owner.clone().or(record.owner.clone());
        self.write(origin, |cx| {
            handoffs::set_status(cx.conn, id, HandoffStatus::Escalated, &[], cx.stamp())?;
            handoffs::set_note(cx.conn, id, reason)?;
            let title = format!(
                "{} needs context on {}: {reason}",
                h.to_owner.as_deref().unwrap_or("Delivery"),
                record.name
            );
            cx.task(
                NewTask {
                    handoff: Some(id),
                    record: record.id,
                    kind: TaskKind::CompleteFields,
                    title: &title,
                    assignee: owner.as_deref(),
                    due: Some(&cx.due_in(1)?),
                    checklist: vec![ChecklistItem {
                        item: reason.to_string(),
                        done: false,
                    }],
                },
                "Handoff escalated: context missing",
            )?;
            cx.event(
                &record,
                Some(id),
                "escalated",
                Some(&h.playbook),
                vec![],
                format!("Escalated for missing context: {reason}"),
            )
        })
    }

    /// Ticks or unticks one checklist line (counted from 1).
    pub fn check_item(
        &mut self,
        id: TaskId,
        item: usize,
        done: bool,
        origin: Origin,
    ) -> Result<()> {
        let t = self.task(id)?;
        let mut list = t.checklist.clone();
        let n = list.len();
        let line = item
            .checked_sub(1)
            .and_then(|i| list.get_mut(i))
            .ok_or_else(|| {
                Error::invalid(
                    "item",
                    format!("task {id} has {n} checklist items; pick one from 1 to {n}"),
                )
            })?;
        line.done = done;
        self.write(origin, |cx| tasks::set_checklist(cx.conn, id, &list))
    }

    /// Marks a task done. A kickoff task needs the kickoff date; that schedules the kickoff.
    pub fn complete_task(
        &mut self,
        id: TaskId,
        kickoff_date: Option<NaiveDate>,
        origin: Origin,
    ) -> Result<RuleEffects> {
        let t = self.task(id)?;
        if t.status != TaskStatus::Open {
            return Err(Error::Conflict(format!(
                "task {id} is already {}",
                t.status
            )));
        }
        if kickoff_date.is_some() && t.kind != TaskKind::Kickoff {
            return Err(Error::invalid(
                "--kickoff-date",
                format!(
                    "task {id} is a {} task; only a kickoff task takes a kickoff date",
                    t.kind
                ),
            ));
        }
        let h = t.handoff_id.map(|h| self.handoff(h)).transpose()?;
        let record = self.record(t.record_id)?;
        let mut fx = RuleEffects::default();
        match (t.kind, h) {
            (TaskKind::Review, Some(h)) => {
                return Err(Error::Conflict(format!(
                    "a review task closes when the handoff is decided: baton approve {} or baton send-back {} --reason …",
                    h.id, h.id
                )))
            }
            (TaskKind::Kickoff, h) => {
                let date = kickoff_date.ok_or_else(|| {
                    Error::invalid("--kickoff-date", "a kickoff task is done once the kickoff has a date; pass --kickoff-date YYYY-MM-DD")
                })?;
                let day = date.format("%Y-%m-%d").to_string();
                self.write(origin, |cx| {
                    tasks::set_kickoff_date(cx.conn, id, &day)?;
                    tasks::set_status(cx.conn, id, TaskStatus::Done, cx.stamp())?;
                    if let Some(h) = h.filter(|h| matches!(h.status, HandoffStatus::HandedOff | HandoffStatus::Escalated)) {
                        handoffs::set_status(cx.conn, h.id, HandoffStatus::KickoffScheduled, &[], cx.stamp())?;
                        cx.event(&record, Some(h.id), "kickoff_scheduled", Some(&h.playbook), vec![], format!("Kickoff scheduled for {day}"))?;
                    }
                    Ok(())
                })?;
            }
            (TaskKind::FollowUp, h) => self.write(origin, |cx| {
                tasks::set_status(cx.conn, id, TaskStatus::Done, cx.stamp())?;
                if let Some(h) = h.filter(|h| h.status == HandoffStatus::HandedOff) {
                    handoffs::set_status(cx.conn, h.id, HandoffStatus::Accepted, &[], cx.stamp())?;
                    cx.event(&record, Some(h.id), "accepted", Some(&h.playbook), vec![], "Lead followed up: accepted by sales".into())?;
                }
                Ok(())
            })?,
            (TaskKind::CompleteFields, Some(h)) if h.status == HandoffStatus::Paused => {
                let labels: Vec<String> = h.missing_fields.iter().map(|k| crate::fields::label(k)).collect();
                return Err(Error::Conflict(format!(
                    "still missing: {}; fill them with baton set {} FIELD=VALUE and the handoff resumes by itself",
                    labels.join(", "),
                    record.id
                )));
            }
            (TaskKind::CompleteFields, Some(h)) if h.status == HandoffStatus::SentBack => {
                let pb = apply::playbook_of(&self.conn, &h.playbook)?;
                self.write(origin, |cx| {
                    tasks::set_status(cx.conn, id, TaskStatus::Done, cx.stamp())?;
                    cx.event(&record, Some(h.id), "resubmitted", Some(&pb.key), vec![], "Reworked by the owner: the handoff runs again".into())?;
                    apply::enter(cx, &pb, &record, h.id, rules::evaluate(&pb, &record), &mut fx)
                })?;
            }
            (TaskKind::CompleteFields, Some(h)) if h.status == HandoffStatus::Escalated => self.write(origin, |cx| {
                tasks::set_status(cx.conn, id, TaskStatus::Done, cx.stamp())?;
                let back = match tasks::for_handoff(cx.conn, h.id)?.iter().find(|t| t.kind == TaskKind::Kickoff) {
                    Some(k) if k.status == TaskStatus::Done => HandoffStatus::KickoffScheduled,
                    _ => HandoffStatus::HandedOff,
                };
                handoffs::set_status(cx.conn, h.id, back, &[], cx.stamp())?;
                cx.event(&record, Some(h.id), "escalation_resolved", Some(&h.playbook), vec![], "The missing context was added".into())
            })?,
            _ => self.write(origin, |cx| tasks::set_status(cx.conn, id, TaskStatus::Done, cx.stamp()))?,
        }
        Ok(fx)
    }
}
