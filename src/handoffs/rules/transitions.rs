//! The human transitions, as pure decisions like the stage-driven ones: approving or sending
//! back an exception, escalating, rejecting a lead, and finishing a task. Each takes what is
//! known about the handoff and returns the steps the workspace applies in one write, or the
//! sentence that refuses it.

use super::engine::Outcome;
use crate::error::{Error, Result};
use crate::model::{
    EventKind, HandoffId, HandoffStatus, RecordId, RecordKind, TaskId, TaskKind, TaskStatus,
};
use chrono::NaiveDate;

/// What the decision needs to know about a handoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffFacts {
    /// Its id.
    pub id: HandoffId,
    /// Where it stands.
    pub status: HandoffStatus,
    /// Deal or lead.
    pub kind: RecordKind,
    /// The record's name, for the rework task's title.
    pub record: String,
    /// Who it was handed to, if anyone.
    pub to_owner: Option<String>,
    /// Labels of the fields it still waits for.
    pub missing: Vec<String>,
    /// The last decision that moved it, when there was one: said to a teammate whose own
    /// decision came too late.
    pub last: Option<LastDecision>,
}

/// A decision that moved a handoff, as the audit log has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastDecision {
    /// What was decided.
    pub kind: EventKind,
    /// Who decided, as the audit log names them (`Fran Founder (app)`).
    pub actor: String,
    /// When.
    pub at: crate::clock::Stamp,
}

impl LastDecision {
    /// Whether an audit event of `kind` moves a handoff from one status to another.
    pub fn moves(kind: EventKind) -> bool {
        Self::words(kind).is_some()
    }

    /// Whether a person decided it (approving, sending back, …) rather than the rules carrying
    /// a decision out (handing off, pausing, …).
    pub fn by_a_person(&self) -> bool {
        !matches!(
            self.kind,
            EventKind::HandedOff
                | EventKind::Cancelled
                | EventKind::Resumed
                | EventKind::InReview
                | EventKind::Paused
        )
    }

    /// The decision in words, as in "was already approved".
    fn words(kind: EventKind) -> Option<&'static str> {
        Some(match kind {
            EventKind::Approved => "approved",
            EventKind::SentBack => "sent back",
            EventKind::Rejected => "rejected",
            EventKind::Escalated => "escalated",
            EventKind::HandedOff => "handed off",
            EventKind::Cancelled => "cancelled",
            EventKind::KickoffScheduled => "scheduled for kickoff",
            EventKind::Accepted => "accepted",
            EventKind::Resubmitted => "resubmitted",
            EventKind::EscalationResolved => "given its missing context",
            EventKind::Resumed => "resumed",
            EventKind::InReview => "sent to review",
            EventKind::Paused => "paused",
            _ => return None,
        })
    }

    /// Who decided, in words: the person's name without the origin the log adds to it.
    fn who(&self) -> String {
        match self.actor.as_str() {
            "import" | "watch" => "an import".into(),
            "system" => "Baton".into(),
            a => a
                .rsplit_once(" (")
                .filter(|(_, origin)| origin.ends_with(')'))
                .map_or(a, |(name, _)| name)
                .to_string(),
        }
    }
}

impl HandoffFacts {
    /// "Handoff #12 was already approved by Fran Founder at 14:02 UTC on 2026-03-05", when the
    /// audit log knows the last decision.
    pub fn already(&self) -> Option<String> {
        let last = self.last.as_ref()?;
        let words = match (last.kind, &self.to_owner) {
            (EventKind::HandedOff, Some(to)) => format!("handed off to {to}"),
            (kind, _) => LastDecision::words(kind)?.to_string(),
        };
        Some(format!(
            "Handoff #{} was already {words} by {} at {}",
            self.id,
            last.who(),
            last.at.at().format("%H:%M UTC on %Y-%m-%d")
        ))
    }
}

/// What a person does to a handoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act<'a> {
    /// The reviewer approves an exception, with an optional note.
    Approve {
        /// Why, when given.
        note: Option<&'a str>,
    },
    /// The reviewer sends an exception back to the owner.
    SendBack {
        /// Why.
        reason: &'a str,
    },
    /// The receiving side says context was missing.
    Escalate {
        /// What was missing.
        reason: &'a str,
    },
    /// Sales sends a lead back to marketing.
    Reject {
        /// Why.
        reason: &'a str,
    },
}

/// One effect of a human decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Close the handoff's open tasks of this kind.
    CloseTasks {
        /// Which tasks.
        kind: TaskKind,
        /// Done or cancelled.
        status: TaskStatus,
    },
    /// Mark one task.
    Task {
        /// The task.
        task: TaskId,
        /// Its new status.
        status: TaskStatus,
        /// The kickoff date it records, for a kickoff task.
        kickoff: Option<NaiveDate>,
    },
    /// The handoff's new status.
    Status(HandoffStatus),
    /// The note the handoff keeps.
    Note(String),
    /// A task for the record's owner to rework the handoff, due next business day.
    Rework {
        /// The task's title.
        title: String,
        /// Its one checklist line.
        reason: String,
        /// The notification's headline.
        headline: &'static str,
    },
    /// An audit event on the handoff.
    Event {
        /// The event's kind.
        kind: EventKind,
        /// What happened, in words.
        message: String,
    },
    /// Run the playbook's outcome (a hand-off, a review or a pause).
    Enter(Outcome),
}

fn require(h: &HandoffFacts, allowed: &[HandoffStatus], action: &str) -> Result<()> {
    if allowed.contains(&h.status) {
        return Ok(());
    }
    let want: Vec<String> = allowed
        .iter()
        .map(|s| s.as_str().replace('_', " "))
        .collect();
    if let Some(already) = h.already() {
        return Err(Error::Conflict(format!(
            "{already}; it is {} now, and only a handoff that is {} can be {action}",
            h.status.as_str().replace('_', " "),
            want.join(" or ")
        )));
    }
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

/// The steps that give a handoff back for rework: its status and note, a task for the owner
/// who handed it over, and the audit event.
fn rework(
    status: HandoffStatus,
    reason: &str,
    title: String,
    headline: &'static str,
    kind: EventKind,
    message: String,
) -> [Step; 4] {
    [
        Step::Status(status),
        Step::Note(reason.to_string()),
        Step::Rework {
            title,
            reason: reason.to_string(),
            headline,
        },
        Step::Event { kind, message },
    ]
}

/// Sent back to its owner (by the reviewer, or by sales for a lead): the open tasks of `closes`
/// close and the owner reworks it.
fn back_to_owner(
    h: &HandoffFacts,
    closes: TaskKind,
    reason: &str,
    why: &'static str,
    kind: EventKind,
) -> Vec<Step> {
    let status = if closes == TaskKind::Review {
        TaskStatus::Done
    } else {
        TaskStatus::Cancelled
    };
    let mut steps = vec![Step::CloseTasks {
        kind: closes,
        status,
    }];
    steps.extend(rework(
        HandoffStatus::SentBack,
        reason,
        format!("Rework the handoff of {}: {reason}", h.record),
        why,
        kind,
        format!("{why}: {reason}"),
    ));
    steps
}

/// The steps of `act` on handoff `h`, or why it cannot be done.
pub fn decide_act(h: &HandoffFacts, act: Act<'_>) -> Result<Vec<Step>> {
    match act {
        Act::Approve { note } => {
            require(h, &[HandoffStatus::InReview], "approved")?;
            let note = note.map(str::trim).filter(|n| !n.is_empty());
            let mut steps = vec![Step::CloseTasks {
                kind: TaskKind::Review,
                status: TaskStatus::Done,
            }];
            steps.extend(note.map(|n| Step::Note(n.to_string())));
            steps.push(Step::Event {
                kind: EventKind::Approved,
                message: format!(
                    "Exception approved{}",
                    note.map(|n| format!(": {n}")).unwrap_or_default()
                ),
            });
            steps.push(Step::Enter(Outcome::HandOff));
            Ok(steps)
        }
        Act::SendBack { reason } => {
            let reason = reason_required(reason)?;
            require(h, &[HandoffStatus::InReview], "sent back")?;
            Ok(back_to_owner(
                h,
                TaskKind::Review,
                reason,
                "Sent back by the reviewer",
                EventKind::SentBack,
            ))
        }
        Act::Reject { reason } => {
            let reason = reason_required(reason)?;
            require(h, &[HandoffStatus::HandedOff], "rejected")?;
            if h.kind != RecordKind::Lead {
                return Err(Error::Conflict(format!(
                    "handoff {} is a deal's; reject sends a lead back to marketing. For a deal use: baton escalate {} --reason …",
                    h.id, h.id
                )));
            }
            Ok(back_to_owner(
                h,
                TaskKind::FollowUp,
                reason,
                "Sales sent the lead back",
                EventKind::Rejected,
            ))
        }
        Act::Escalate { reason } => {
            let reason = reason_required(reason)?;
            require(
                h,
                &[
                    HandoffStatus::HandedOff,
                    HandoffStatus::KickoffScheduled,
                    HandoffStatus::Accepted,
                ],
                "escalated",
            )?;
            Ok(rework(
                HandoffStatus::Escalated,
                reason,
                format!(
                    "{} needs context on {}: {reason}",
                    h.to_owner.as_deref().unwrap_or("Delivery"),
                    h.record
                ),
                "Handoff escalated: context missing",
                EventKind::Escalated,
                format!("Escalated for missing context: {reason}"),
            )
            .to_vec())
        }
    }
}

/// What the decision needs to know about a task being finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFacts {
    /// Its id.
    pub id: TaskId,
    /// Its kind.
    pub kind: TaskKind,
    /// Whether it is still open.
    pub status: TaskStatus,
    /// The record it belongs to, for the hint of a paused handoff.
    pub record: RecordId,
    /// Whether the handoff's kickoff task is done (an escalation resolved goes back there).
    pub kickoff_done: bool,
}

/// The steps of finishing task `t` (of handoff `h`, if it has one): a kickoff date schedules
/// the kickoff, a follow-up accepts the lead, reworked fields run the playbook again (to
/// `again`, the playbook's outcome for the record as it is), added context resolves an
/// escalation.
pub fn decide_done(
    t: &TaskFacts,
    h: Option<&HandoffFacts>,
    kickoff_date: Option<NaiveDate>,
    again: impl FnOnce() -> Outcome,
) -> Result<Vec<Step>> {
    if t.status != TaskStatus::Open {
        return Err(Error::Conflict(format!(
            "task {} is already {}",
            t.id, t.status
        )));
    }
    if kickoff_date.is_some() && t.kind != TaskKind::Kickoff {
        return Err(Error::invalid(
            "--kickoff-date",
            format!(
                "task {} is a {} task; only a kickoff task takes a kickoff date",
                t.id, t.kind
            ),
        ));
    }
    let done = |kickoff| Step::Task {
        task: t.id,
        status: TaskStatus::Done,
        kickoff,
    };
    let mut steps = Vec::new();
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
            steps.push(done(Some(date)));
            if h.is_some_and(|h| {
                matches!(
                    h.status,
                    HandoffStatus::HandedOff | HandoffStatus::Escalated
                )
            }) {
                steps.push(Step::Status(HandoffStatus::KickoffScheduled));
                steps.push(Step::Event {
                    kind: EventKind::KickoffScheduled,
                    message: format!("Kickoff scheduled for {}", date.format("%Y-%m-%d")),
                });
            }
        }
        (TaskKind::FollowUp, h) => {
            steps.push(done(None));
            if h.is_some_and(|h| h.status == HandoffStatus::HandedOff) {
                steps.push(Step::Status(HandoffStatus::Accepted));
                steps.push(Step::Event {
                    kind: EventKind::Accepted,
                    message: "Lead followed up: accepted by sales".into(),
                });
            }
        }
        (TaskKind::CompleteFields, Some(h)) if h.status == HandoffStatus::Paused => {
            return Err(Error::Conflict(format!(
                "still missing: {}; fill them with baton set {} FIELD=VALUE and the handoff resumes by itself",
                h.missing.join(", "),
                t.record
            )));
        }
        (TaskKind::CompleteFields, Some(h)) if h.status == HandoffStatus::SentBack => {
            steps.push(done(None));
            steps.push(Step::Event {
                kind: EventKind::Resubmitted,
                message: "Reworked by the owner: the handoff runs again".into(),
            });
            steps.push(Step::Enter(again()));
        }
        (TaskKind::CompleteFields, Some(h)) if h.status == HandoffStatus::Escalated => {
            steps.push(done(None));
            steps.push(Step::Status(if t.kickoff_done {
                HandoffStatus::KickoffScheduled
            } else {
                HandoffStatus::HandedOff
            }));
            steps.push(Step::Event {
                kind: EventKind::EscalationResolved,
                message: "The missing context was added".into(),
            });
        }
        _ => steps.push(done(None)),
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handoff(status: HandoffStatus, kind: RecordKind) -> HandoffFacts {
        HandoffFacts {
            id: HandoffId(7),
            status,
            kind,
            record: "Acme".into(),
            to_owner: Some("Dee".into()),
            missing: vec!["Buyer goals".into()],
            last: None,
        }
    }

    fn task(kind: TaskKind) -> TaskFacts {
        TaskFacts {
            id: TaskId(3),
            kind,
            status: TaskStatus::Open,
            record: RecordId(1),
            kickoff_done: false,
        }
    }

    fn kinds(steps: &[Step]) -> Vec<EventKind> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Event { kind, .. } => Some(*kind),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn approving_an_exception_closes_the_review_and_hands_off() {
        let h = handoff(HandoffStatus::InReview, RecordKind::Deal);
        let steps = decide_act(&h, Act::Approve { note: Some(" ok ") }).unwrap();
        assert_eq!(
            steps,
            vec![
                Step::CloseTasks {
                    kind: TaskKind::Review,
                    status: TaskStatus::Done
                },
                Step::Note("ok".into()),
                Step::Event {
                    kind: EventKind::Approved,
                    message: "Exception approved: ok".into()
                },
                Step::Enter(Outcome::HandOff),
            ]
        );
        let paused = handoff(HandoffStatus::Paused, RecordKind::Deal);
        let e = decide_act(&paused, Act::Approve { note: None }).unwrap_err();
        assert_eq!(
            e.to_string(),
            "handoff 7 is paused; only a handoff that is in review can be approved"
        );
    }

    #[test]
    fn a_decision_that_came_too_late_is_told_who_decided_first_and_when() {
        let mut h = handoff(HandoffStatus::HandedOff, RecordKind::Deal);
        // Without the audit log's word, the status alone is said.
        let plain = decide_act(&h, Act::SendBack { reason: "no" }).unwrap_err();
        assert!(
            plain.to_string().contains("handoff 7 is handed off"),
            "{plain}"
        );
        h.last = Some(LastDecision {
            kind: EventKind::Approved,
            actor: "Fran Founder (app)".into(),
            at: crate::clock::Stamp::new(
                chrono::DateTime::parse_from_rfc3339("2026-03-05T14:02:09Z")
                    .unwrap()
                    .into(),
            ),
        });
        let e = decide_act(&h, Act::SendBack { reason: "no" }).unwrap_err();
        assert!(matches!(e, Error::Conflict(_)));
        assert_eq!(
            e.to_string(),
            "Handoff #7 was already approved by Fran Founder at 14:02 UTC on 2026-03-05; it is handed off now, and only a handoff that is in review can be sent back"
        );
        h.last.as_mut().unwrap().kind = EventKind::HandedOff;
        h.last.as_mut().unwrap().actor = "import".into();
        let again = decide_act(&h, Act::Approve { note: None }).unwrap_err();
        assert!(
            again
                .to_string()
                .starts_with("Handoff #7 was already handed off to Dee by an import at 14:02"),
            "{again}"
        );
    }

    #[test]
    fn sending_back_rejecting_and_escalating_give_the_owner_a_rework_task() {
        let review = handoff(HandoffStatus::InReview, RecordKind::Deal);
        let steps = decide_act(&review, Act::SendBack { reason: "no SOW" }).unwrap();
        assert_eq!(steps[1], Step::Status(HandoffStatus::SentBack));
        assert!(
            matches!(&steps[3], Step::Rework { title, .. } if title == "Rework the handoff of Acme: no SOW")
        );

        let lead = handoff(HandoffStatus::HandedOff, RecordKind::Lead);
        let steps = decide_act(&lead, Act::Reject { reason: "vague" }).unwrap();
        assert_eq!(
            steps[0],
            Step::CloseTasks {
                kind: TaskKind::FollowUp,
                status: TaskStatus::Cancelled
            }
        );
        assert_eq!(kinds(&steps), [EventKind::Rejected]);
        let deal = handoff(HandoffStatus::HandedOff, RecordKind::Deal);
        assert!(decide_act(&deal, Act::Reject { reason: "vague" })
            .unwrap_err()
            .to_string()
            .contains("baton escalate 7"));

        let steps = decide_act(
            &deal,
            Act::Escalate {
                reason: "no contact",
            },
        )
        .unwrap();
        assert_eq!(steps[0], Step::Status(HandoffStatus::Escalated));
        assert!(
            matches!(&steps[2], Step::Rework { title, .. } if title == "Dee needs context on Acme: no contact")
        );
        assert!(decide_act(&deal, Act::Escalate { reason: "  " })
            .unwrap_err()
            .to_string()
            .contains("--reason"));
    }

    #[test]
    fn finishing_tasks_moves_the_handoff_on() {
        let handed = handoff(HandoffStatus::HandedOff, RecordKind::Deal);
        let day = NaiveDate::from_ymd_opt(2026, 3, 12);
        let steps = decide_done(
            &task(TaskKind::Kickoff),
            Some(&handed),
            day,
            || unreachable!(),
        )
        .unwrap();
        assert_eq!(steps[1], Step::Status(HandoffStatus::KickoffScheduled));
        assert_eq!(kinds(&steps), [EventKind::KickoffScheduled]);
        assert!(
            decide_done(
                &task(TaskKind::Kickoff),
                Some(&handed),
                None,
                || unreachable!()
            )
            .is_err(),
            "a kickoff needs its date"
        );

        let sent = handoff(HandoffStatus::SentBack, RecordKind::Deal);
        let steps = decide_done(&task(TaskKind::CompleteFields), Some(&sent), None, || {
            Outcome::HandOff
        })
        .unwrap();
        assert_eq!(steps.last(), Some(&Step::Enter(Outcome::HandOff)));

        let mut escalated = handoff(HandoffStatus::Escalated, RecordKind::Deal);
        let mut t = task(TaskKind::CompleteFields);
        t.kickoff_done = true;
        let steps = decide_done(&t, Some(&escalated), None, || unreachable!()).unwrap();
        assert_eq!(steps[1], Step::Status(HandoffStatus::KickoffScheduled));

        escalated.status = HandoffStatus::Paused;
        let e = decide_done(&t, Some(&escalated), None, || unreachable!()).unwrap_err();
        assert!(
            e.to_string().starts_with("still missing: Buyer goals"),
            "{e}"
        );
        t.status = TaskStatus::Done;
        assert!(decide_done(&t, None, None, || unreachable!())
            .unwrap_err()
            .to_string()
            .contains("already done"));
    }
}
