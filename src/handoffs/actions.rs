//! What people do to a handoff: approve or send back an exception, escalate, reject a lead,
//! and finish tasks (a kickoff date schedules the kickoff).

use super::apply::{self, RuleEffects};
use crate::error::{Error, Result};
use crate::fields;
use crate::handoffs::queries::tasks;
use crate::handoffs::rules::{self, Act, HandoffFacts, TaskFacts};
use crate::model::{Handoff, HandoffId, Origin, Record, TaskId, TaskKind, TaskStatus};
use crate::workspace::Workspace;
use chrono::NaiveDate;

impl Workspace {
    /// What the transitions need to know about handoff `id`, with its record.
    fn handoff_facts(&self, id: HandoffId) -> Result<(Handoff, Record, HandoffFacts)> {
        let h = self.handoff(id)?;
        let record = self.record(h.record_id)?;
        let facts = HandoffFacts {
            id: h.id,
            status: h.status,
            kind: record.kind,
            record: record.name.clone(),
            to_owner: h.to_owner.clone(),
            missing: h.missing_fields.iter().map(|k| fields::label(k)).collect(),
        };
        Ok((h, record, facts))
    }

    /// Decides `act` on handoff `id` and applies it in one write.
    fn act(&mut self, id: HandoffId, act: Act<'_>, origin: Origin) -> Result<RuleEffects> {
        let (h, record, facts) = self.handoff_facts(id)?;
        let steps = rules::decide_act(&facts, act)?;
        let pb = apply::playbook_of(&self.conn, &h.playbook)?;
        self.write(origin, |cx| {
            apply::steps(cx, &pb, &record, &h, steps.clone())
        })
    }

    /// The reviewer approves an exception: the normal hand-off runs.
    pub fn approve(
        &mut self,
        id: HandoffId,
        note: Option<&str>,
        origin: Origin,
    ) -> Result<RuleEffects> {
        self.act(id, Act::Approve { note }, origin)
    }

    /// The reviewer sends an exception back to the owner with a note.
    pub fn send_back(&mut self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        self.act(id, Act::SendBack { reason }, origin).map(|_| ())
    }

    /// Sales sends a lead back to marketing: the qualification notes were unclear.
    pub fn reject(&mut self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        self.act(id, Act::Reject { reason }, origin).map(|_| ())
    }

    /// The receiving side escalates: context was missing from the handoff.
    pub fn escalate(&mut self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        self.act(id, Act::Escalate { reason }, origin).map(|_| ())
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
        let handoff = t.handoff_id.map(|h| self.handoff_facts(h)).transpose()?;
        let record = self.record(t.record_id)?;
        let kickoff_done = match &handoff {
            Some((h, _, _)) => tasks::for_handoff(&self.conn, h.id)?
                .iter()
                .any(|k| k.kind == TaskKind::Kickoff && k.status == TaskStatus::Done),
            None => false,
        };
        let facts = TaskFacts {
            id,
            kind: t.kind,
            status: t.status,
            record: record.id,
            kickoff_done,
        };
        let pb = handoff
            .as_ref()
            .map(|(h, _, _)| apply::playbook_of(&self.conn, &h.playbook))
            .transpose()?;
        let steps = rules::decide_done(
            &facts,
            handoff.as_ref().map(|(_, _, f)| f),
            kickoff_date,
            || match &pb {
                Some(pb) => rules::evaluate(pb, &record),
                None => rules::Outcome::HandOff,
            },
        )?;
        match (handoff, pb) {
            (Some((h, _, _)), Some(pb)) => self.write(origin, |cx| {
                apply::steps(cx, &pb, &record, &h, steps.clone())
            }),
            // A task of no handoff only ever marks itself.
            _ => self.write(origin, |cx| {
                for step in steps.clone() {
                    if let rules::Step::Task {
                        task,
                        status,
                        kickoff,
                    } = step
                    {
                        apply::task_step(cx, task, status, kickoff)?;
                    }
                }
                Ok(RuleEffects::default())
            }),
        }
    }
}
