//! What people do to a handoff: approve or send back an exception, escalate, reject a lead,
//! and finish tasks (a kickoff date schedules the kickoff).
//!
//! Each of these reads what it decides on inside its own write (funnel → read → decide →
//! apply), so two teammates acting on one handoff at once end in one decision, and the other
//! is told what was decided instead of having it overwritten.

use super::apply::{self, RuleEffects};
use crate::db::sql::Db;
use crate::error::{Error, Result};
use crate::fields;
use crate::handoffs::queries::{events, handoffs, tasks};
use crate::handoffs::rules::{self, Act, HandoffFacts, TaskFacts};
use crate::model::{Handoff, HandoffId, Origin, Record, TaskId, TaskKind, TaskStatus};
use crate::workspace::Workspace;
use chrono::NaiveDate;

/// What the transitions need to know about handoff `id`, with its record, as `conn` has them
/// now (inside the write that decides on them). The last decision is left out: it is read
/// only to explain a refusal ([`explained`]).
pub(crate) fn handoff_facts(conn: &Db, id: HandoffId) -> Result<(Handoff, Record, HandoffFacts)> {
    let h = handoff_in(conn, id)?;
    let record = crate::records::record_in(conn, h.record_id)?;
    let facts = HandoffFacts {
        id: h.id,
        status: h.status,
        kind: record.kind,
        record: record.name.clone(),
        to_owner: h.to_owner.clone(),
        missing: h.missing_fields.iter().map(|k| fields::label(k)).collect(),
        last: None,
    };
    Ok((h, record, facts))
}

/// `facts` with the decision that last moved the handoff, from the audit log: what a teammate
/// whose own decision came too late is told.
pub(crate) fn explained(conn: &Db, facts: HandoffFacts) -> Result<HandoffFacts> {
    Ok(HandoffFacts {
        last: events::last_decision(conn, facts.id)?,
        ..facts
    })
}

impl Workspace {
    /// Decides `act` on handoff `id` and applies it, in one write that reads the handoff first.
    fn act(&self, id: HandoffId, act: Act<'_>, origin: Origin) -> Result<RuleEffects> {
        self.write(origin, |cx| {
            let (h, record, facts) = handoff_facts(cx.conn, id)?;
            let steps = match rules::decide_act(&facts, act) {
                // Refused as the handoff stands: said with who moved it there, and when.
                Err(Error::Conflict(_)) => rules::decide_act(&explained(cx.conn, facts)?, act),
                decided => decided,
            }?;
            let pb = apply::playbook_of(cx.conn, &h.playbook)?;
            apply::steps(cx, &pb, &record, &h, steps)
        })
    }
}

impl crate::workspace::concepts::Handoffs<'_> {
    /// The reviewer approves an exception: the normal hand-off runs.
    pub fn approve(
        &self,
        id: HandoffId,
        note: Option<&str>,
        origin: Origin,
    ) -> Result<RuleEffects> {
        self.act(id, Act::Approve { note }, origin)
    }

    /// The reviewer sends an exception back to the owner with a note.
    pub fn send_back(&self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        self.act(id, Act::SendBack { reason }, origin).map(|_| ())
    }

    /// Sales sends a lead back to marketing: the qualification notes were unclear.
    pub fn reject(&self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        self.act(id, Act::Reject { reason }, origin).map(|_| ())
    }

    /// The receiving side escalates: context was missing from the handoff.
    pub fn escalate(&self, id: HandoffId, reason: &str, origin: Origin) -> Result<()> {
        self.act(id, Act::Escalate { reason }, origin).map(|_| ())
    }

    /// Ticks or unticks one checklist line (counted from 1): only that line changes, as the
    /// task stands when the write reads it.
    pub fn check_item(&self, id: TaskId, item: usize, done: bool, origin: Origin) -> Result<()> {
        self.write(origin, |cx| {
            let t = task_in(cx.conn, id)?;
            let mut list = t.checklist;
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
            if line.done == done {
                return Ok(());
            }
            line.done = done;
            tasks::set_checklist(cx.conn, id, &list)
        })
    }

    /// Marks a task done. A kickoff task needs the kickoff date; that schedules the kickoff.
    pub fn complete_task(
        &self,
        id: TaskId,
        kickoff_date: Option<NaiveDate>,
        origin: Origin,
    ) -> Result<RuleEffects> {
        self.write(origin, |cx| {
            let t = task_in(cx.conn, id)?;
            let handoff = t
                .handoff_id
                .map(|h| handoff_facts(cx.conn, h))
                .transpose()?;
            let record = crate::records::record_in(cx.conn, t.record_id)?;
            let kickoff_done = match &handoff {
                Some((h, _, _)) => tasks::for_handoff(cx.conn, h.id)?
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
                .map(|(h, _, _)| apply::playbook_of(cx.conn, &h.playbook))
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
                (Some((h, _, _)), Some(pb)) => apply::steps(cx, &pb, &record, &h, steps),
                // A task of no handoff only ever marks itself.
                _ => {
                    for step in steps {
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
                }
            }
        })
    }
}

/// Handoff `id` as `conn` has it now, or the sentence saying there is none.
pub(crate) fn handoff_in(conn: &Db, id: HandoffId) -> Result<Handoff> {
    handoffs::get(conn, id)?.ok_or_else(|| {
        Error::not_found("handoff", id.to_string(), "list them with: baton handoffs")
    })
}

/// Task `id` as `conn` has it now, or the sentence saying there is none.
pub(crate) fn task_in(conn: &Db, id: TaskId) -> Result<crate::model::Task> {
    tasks::get(conn, id)?
        .ok_or_else(|| Error::not_found("task", id.to_string(), "list them with: baton tasks"))
}
