//! The pure engine: (record before, record after, playbooks, open handoffs) → decisions.

use super::playbook::Playbook;
use crate::model::{ExceptionFlag, HandoffId, HandoffStatus, Record};
use crate::stages;

/// A handoff that is still in flight for the record being changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenHandoff {
    /// Its id.
    pub id: HandoffId,
    /// Its playbook's key.
    pub playbook: String,
    /// Where it stands.
    pub status: HandoffStatus,
    /// Fields it is waiting for.
    pub missing: Vec<String>,
}

/// Where a handoff goes when it is evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Required fields are missing: wait for the current owner.
    Pause {
        /// The missing fields, in checklist order.
        missing: Vec<String>,
    },
    /// Exception flags are set: a person reviews first.
    Review {
        /// The flags that matched the playbook.
        flags: Vec<ExceptionFlag>,
    },
    /// Complete and unflagged: hand it to the next owner.
    HandOff,
}

/// What the workspace must do after a record changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The record entered a trigger stage: start a handoff.
    Fire {
        /// The playbook's key.
        playbook: String,
        /// How the new handoff starts.
        outcome: Outcome,
    },
    /// A paused handoff has everything now.
    Resume {
        /// The handoff.
        handoff: HandoffId,
        /// The playbook's key.
        playbook: String,
        /// Where it goes next (review or hand-off).
        outcome: Outcome,
    },
    /// A paused handoff is still missing fields, but a different set.
    StillMissing {
        /// The handoff.
        handoff: HandoffId,
        /// The fields still missing.
        missing: Vec<String>,
    },
    /// The record left the trigger stage: stop the handoff.
    Cancel {
        /// The handoff.
        handoff: HandoffId,
        /// The stage the record is in now.
        stage: String,
    },
}

/// The playbook's required fields the record lacks, in checklist order.
pub fn missing_fields(playbook: &Playbook, record: &Record) -> Vec<String> {
    playbook
        .required_fields
        .iter()
        .filter(|f| record.field(f).is_none())
        .cloned()
        .collect()
}

/// Where a handoff of `record` under `playbook` should stand right now.
pub fn evaluate(playbook: &Playbook, record: &Record) -> Outcome {
    let missing = missing_fields(playbook, record);
    if !missing.is_empty() {
        return Outcome::Pause { missing };
    }
    let flags: Vec<ExceptionFlag> = playbook
        .exception_flags
        .iter()
        .copied()
        .filter(|f| record.flags.contains(f))
        .collect();
    if flags.is_empty() {
        Outcome::HandOff
    } else {
        Outcome::Review { flags }
    }
}

/// Decides what a change of `before` into `after` means for each playbook. `before` is `None`
/// for a record seen for the first time (already in a trigger stage counts as entering it).
pub fn decide(
    before: Option<&Record>,
    after: &Record,
    playbooks: &[Playbook],
    open: &[OpenHandoff],
) -> Vec<Decision> {
    let mut out = Vec::new();
    for pb in playbooks.iter().filter(|p| p.kind == after.kind) {
        let in_after = stages::same(&after.stage, &pb.trigger_stage);
        let in_before = before.is_some_and(|b| stages::same(&b.stage, &pb.trigger_stage));
        let current = open.iter().find(|h| h.playbook == pb.key);
        match current {
            Some(h) if !in_after => out.push(Decision::Cancel {
                handoff: h.id,
                stage: after.stage.clone(),
            }),
            Some(h) if h.status == HandoffStatus::Paused => match evaluate(pb, after) {
                Outcome::Pause { missing } if missing != h.missing => {
                    out.push(Decision::StillMissing {
                        handoff: h.id,
                        missing,
                    })
                }
                Outcome::Pause { .. } => {}
                outcome => out.push(Decision::Resume {
                    handoff: h.id,
                    playbook: pb.key.clone(),
                    outcome,
                }),
            },
            Some(_) => {}
            None if in_after && !in_before && pb.enabled => out.push(Decision::Fire {
                playbook: pb.key.clone(),
                outcome: evaluate(pb, after),
            }),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RecordId, RecordKind};
    use std::collections::{BTreeMap, BTreeSet};

    fn deal(stage: &str, filled: &[&str]) -> Record {
        Record {
            id: RecordId(1),
            kind: RecordKind::Deal,
            source: "baton".into(),
            external_id: None,
            name: "Acme".into(),
            stage: stage.into(),
            owner: Some("Sam".into()),
            fields: filled
                .iter()
                .map(|f| (f.to_string(), "x".to_string()))
                .collect::<BTreeMap<_, _>>(),
            flags: BTreeSet::new(),
        }
    }

    fn all() -> Vec<&'static str> {
        crate::fields::DELIVERY_FIELDS.to_vec()
    }

    #[test]
    fn entering_closed_won_with_everything_hands_off() {
        let pbs = Playbook::defaults();
        let d = decide(
            Some(&deal("Contract Sent", &all())),
            &deal("closedwon", &all()),
            &pbs,
            &[],
        );
        assert_eq!(
            d,
            vec![Decision::Fire {
                playbook: "sales-to-delivery".into(),
                outcome: Outcome::HandOff
            }]
        );
    }

    #[test]
    fn missing_fields_pause_in_checklist_order() {
        let pbs = Playbook::defaults();
        let d = decide(
            None,
            &deal("Closed Won", &["buyer_goals", "risk_notes"]),
            &pbs,
            &[],
        );
        let Decision::Fire {
            outcome: Outcome::Pause { missing },
            ..
        } = &d[0]
        else {
            panic!("{d:?}")
        };
        assert_eq!(missing[0], "main_contact");
        assert_eq!(missing.len(), 6);
        assert!(!missing.contains(&"risk_notes".to_string()));
    }

    #[test]
    fn a_flag_routes_to_review() {
        let pbs = Playbook::defaults();
        let mut r = deal("Closed Won", &all());
        r.flags.insert(ExceptionFlag::CustomScope);
        assert_eq!(
            evaluate(&pbs[0], &r),
            Outcome::Review {
                flags: vec![ExceptionFlag::CustomScope]
            }
        );
    }

    #[test]
    fn staying_in_the_stage_fires_nothing_and_leaving_cancels() {
        let pbs = Playbook::defaults();
        let r = deal("Closed Won", &[]);
        assert!(decide(Some(&r), &r, &pbs, &[]).is_empty());
        let open = OpenHandoff {
            id: HandoffId(7),
            playbook: "sales-to-delivery".into(),
            status: HandoffStatus::HandedOff,
            missing: vec![],
        };
        let d = decide(Some(&r), &deal("Contract Sent", &[]), &pbs, &[open]);
        assert_eq!(
            d,
            vec![Decision::Cancel {
                handoff: HandoffId(7),
                stage: "Contract Sent".into()
            }]
        );
    }

    #[test]
    fn filling_the_last_field_resumes_a_paused_handoff() {
        let pbs = Playbook::defaults();
        let before = deal("Closed Won", &all()[..7]);
        let open = OpenHandoff {
            id: HandoffId(3),
            playbook: "sales-to-delivery".into(),
            status: HandoffStatus::Paused,
            missing: vec!["kickoff_preference".into()],
        };
        let d = decide(
            Some(&before),
            &deal("Closed Won", &all()),
            &pbs,
            std::slice::from_ref(&open),
        );
        assert!(matches!(
            &d[0],
            Decision::Resume {
                handoff: HandoffId(3),
                outcome: Outcome::HandOff,
                ..
            }
        ));
        // An unrelated edit while still missing the same field decides nothing.
        assert!(decide(Some(&before), &before, &pbs, &[open]).is_empty());
    }

    #[test]
    fn a_disabled_playbook_does_not_fire() {
        let mut pbs = Playbook::defaults();
        pbs[0].enabled = false;
        assert!(decide(None, &deal("Closed Won", &all()), &pbs, &[]).is_empty());
    }
}
