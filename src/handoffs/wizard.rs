//! The checklist wizard's model: which required fields a paused handoff still needs, grouped
//! into steps, the human context questions, and the first task a hand-off would create.

use super::apply::{self, PlannedTask, RuleEffects};
use crate::error::Result;
use crate::fields;
use crate::handoffs::brief::{Brief, CONTEXT_KEYS};
use crate::model::{Handoff, HandoffId, HandoffStatus, Origin, Record, Task, TaskKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// One field the wizard asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WizardField {
    /// The canonical key.
    pub key: String,
    /// The label the user sees.
    pub label: String,
    /// The value so far.
    pub value: Option<String>,
    /// Whether it still blocks the hand-off.
    pub missing: bool,
    /// `date` or `text`.
    pub input: &'static str,
}

/// One step: a group of related required fields, at least one of them missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WizardStep {
    /// The group's title ("What was sold").
    pub title: String,
    /// Its required fields, missing or not.
    pub fields: Vec<WizardField>,
}

/// A question whose answer only a person has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextQuestion {
    /// The context key.
    pub key: String,
    /// The question.
    pub question: String,
    /// The answer so far.
    pub value: String,
}

/// Everything the wizard shows for one handoff.
#[derive(Debug, Clone, Serialize)]
pub struct Wizard {
    /// The handoff.
    pub handoff: Handoff,
    /// Its record.
    pub record: Record,
    /// The playbook's name.
    pub playbook: String,
    /// One step per field group with something missing.
    pub steps: Vec<WizardStep>,
    /// The human context questions.
    pub context: Vec<ContextQuestion>,
    /// The first task a hand-off would create now.
    pub first_task: PlannedTask,
    /// The brief as it stands.
    pub brief: Brief,
}

impl crate::workspace::concepts::Handoffs<'_> {
    /// The wizard for a handoff: its missing fields by group, context, and what handing off
    /// would create.
    pub fn wizard(&self, id: HandoffId) -> Result<Wizard> {
        let handoff = self.handoffs().get(id)?;
        let record = self.records().get(handoff.record_id)?;
        let pb = apply::playbook_of(&self.conn, &handoff.playbook)?;
        let missing = crate::handoffs::rules::missing_fields(&pb, &record);
        let field = |key: &str| WizardField {
            key: key.to_string(),
            label: fields::label(key),
            value: record.field(key).map(str::to_string),
            missing: missing.iter().any(|m| m == key),
            input: if fields::DATE_FIELDS.contains(&key) {
                "date"
            } else {
                "text"
            },
        };
        let mut steps: Vec<WizardStep> = fields::GROUPS
            .iter()
            .map(|(title, keys)| WizardStep {
                title: title.to_string(),
                fields: keys
                    .iter()
                    .filter(|k| pb.required_fields.iter().any(|r| r == *k))
                    .map(|k| field(k))
                    .collect(),
            })
            .collect();
        let grouped: Vec<&str> = fields::GROUPS
            .iter()
            .flat_map(|(_, keys)| keys.iter().copied())
            .collect();
        steps.push(WizardStep {
            title: "Other details".into(),
            fields: pb
                .required_fields
                .iter()
                .filter(|k| !grouped.contains(&k.as_str()))
                .map(|k| field(k))
                .collect(),
        });
        steps.retain(|s| s.fields.iter().any(|f| f.missing));
        let context = CONTEXT_KEYS
            .iter()
            .map(|(key, question)| ContextQuestion {
                key: key.to_string(),
                question: question.to_string(),
                value: handoff.context.get(*key).cloned().unwrap_or_default(),
            })
            .collect();
        let today = self.now().date_naive();
        Ok(Wizard {
            first_task: apply::plan_first_task(
                &self.conn,
                &apply::Team::read(&self.conn)?,
                today,
                &pb,
                &record,
            )?,
            brief: self.records().brief(record.id)?,
            playbook: pb.name,
            steps,
            context,
            handoff,
            record,
        })
    }

    /// The brief and first task as they would be with the wizard's typed `fields` and
    /// `context` saved; nothing is written. The review page shows this before handing off.
    pub fn wizard_review(
        &self,
        id: HandoffId,
        typed: &[(String, String)],
        context: &BTreeMap<String, String>,
    ) -> Result<(Brief, PlannedTask)> {
        let mut handoff = self.handoffs().get(id)?;
        let mut record = self.records().get(handoff.record_id)?;
        for (k, v) in typed {
            let v = fields::normalise(k, v)?;
            if !v.is_empty() {
                record.fields.insert(k.clone(), v);
            }
        }
        for (k, v) in context {
            if v.trim().is_empty() {
                handoff.context.remove(k);
            } else {
                handoff.context.insert(k.clone(), v.trim().to_string());
            }
        }
        let pb = apply::playbook_of(&self.conn, &handoff.playbook)?;
        handoff.missing_fields = crate::handoffs::rules::missing_fields(&pb, &record);
        let task = apply::plan_first_task(
            &self.conn,
            &apply::Team::read(&self.conn)?,
            self.now().date_naive(),
            &pb,
            &record,
        )?;
        if handoff.missing_fields.is_empty() {
            handoff.to_owner = task.assignee.clone();
        }
        Ok((
            crate::handoffs::brief::build(&record, Some(&handoff), None),
            task,
        ))
    }
}

/// What the wizard's save did, as it was written: the handoff's status now, the task that
/// starts the work when it handed off, and the rules' counts.
#[derive(Debug, Clone, Serialize)]
pub struct WizardSaved {
    /// The handoff after the save.
    pub handoff: Handoff,
    /// The kickoff (or follow-up) task the hand-off created, when it handed off.
    pub task: Option<Task>,
    /// What the rules did.
    pub effects: RuleEffects,
    /// When a teammate moved the handoff on while the wizard was open, what they did
    /// ("Handoff #12 was already handed off to Priya Delivery by Alex Seller at …").
    pub meanwhile: Option<String>,
}

impl crate::workspace::concepts::Handoffs<'_> {
    /// Saves the wizard in one write: the typed fields, the judgment and, when every required
    /// field is filled, the hand-off the rules make of them. An error saves nothing.
    ///
    /// The wizard sends only what the person changed; each is written over the record and the
    /// handoff as they stand when the write reads them, so what a teammate filled in meanwhile
    /// stays. The wizard opens on a paused handoff: when a teammate moved it on meanwhile, the
    /// answers are still kept and [`WizardSaved::meanwhile`] says what happened.
    pub fn wizard_save(
        &self,
        id: HandoffId,
        typed: &[(String, String)],
        context: &BTreeMap<String, String>,
        origin: Origin,
    ) -> Result<WizardSaved> {
        for key in context.keys() {
            crate::records::check_context_key(key)?;
        }
        let answers: Vec<(&str, &str)> = context
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.write(origin, |cx| {
            let (handoff, before, facts) = super::actions::handoff_facts(cx.conn, id)?;
            let meanwhile = match handoff.status {
                HandoffStatus::Paused => None,
                _ => super::actions::explained(cx.conn, facts)?.already(),
            };
            let mut after = before.clone();
            for (k, v) in typed.iter().filter(|(_, v)| !v.trim().is_empty()) {
                crate::records::apply_field(cx.conn, &mut after, k, v, false)?;
            }
            let pbs = super::queries::playbooks::list(cx.conn)?;
            crate::records::context_in(cx, &handoff, &before, &answers, true)?;
            let effects = crate::records::save_in(cx, &pbs, &before, &after, origin)?;
            let handoff = super::actions::handoff_in(cx.conn, id)?;
            let task = super::queries::tasks::for_handoff(cx.conn, id)?
                .into_iter()
                .find(|t| matches!(t.kind, TaskKind::Kickoff | TaskKind::FollowUp));
            Ok(WizardSaved {
                handoff,
                task,
                effects,
                meanwhile,
            })
        })
    }
}
