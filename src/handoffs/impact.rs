//! What saving changed playbooks does to handoffs already under way, said before it is saved.
//!
//! A playbook is read when a handoff moves on, not copied into it: a paused handoff checks the
//! required fields as they are when its record next changes, and a paused or in-review one
//! that then hands off uses the owner rule, first task, due days, checklist and email as they
//! are at that moment. Handed-off ones keep their owner and task; new triggers follow the
//! playbook from the next time a record enters the trigger stage.

use crate::error::Result;
use crate::handoffs::queries::handoffs;
use crate::handoffs::rules::Playbook;
use crate::model::HandoffStatus;
use serde::Serialize;

/// One playbook's change and the handoffs it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaybookImpact {
    /// The playbook's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Whether the saved version differs from the one in use.
    pub changed: bool,
    /// Paused handoffs: they re-check the required fields when their record next changes and
    /// hand off under the new rules.
    pub paused: u64,
    /// Handoffs in review: approved, they hand off under the new rules.
    pub in_review: u64,
    /// Handoffs past hand-off: unchanged.
    pub handed_off: u64,
}

/// What saving `new` over `old` does, playbook by playbook (new and removed ones included).
pub fn impact(
    old: &[Playbook],
    new: &[Playbook],
    counts: &[(String, HandoffStatus, u64)],
) -> Vec<PlaybookImpact> {
    let count = |key: &str, pick: &dyn Fn(HandoffStatus) -> bool| -> u64 {
        counts
            .iter()
            .filter(|(k, s, _)| k == key && pick(*s))
            .map(|(_, _, n)| n)
            .sum()
    };
    let mut out: Vec<PlaybookImpact> = new
        .iter()
        .map(|pb| PlaybookImpact {
            key: pb.key.clone(),
            name: pb.name.clone(),
            changed: old.iter().find(|o| o.key == pb.key) != Some(pb),
            paused: count(&pb.key, &|s| s == HandoffStatus::Paused),
            in_review: count(&pb.key, &|s| s == HandoffStatus::InReview),
            handed_off: count(&pb.key, &|s| {
                matches!(
                    s,
                    HandoffStatus::HandedOff
                        | HandoffStatus::KickoffScheduled
                        | HandoffStatus::Accepted
                )
            }),
        })
        .collect();
    for gone in old.iter().filter(|o| !new.iter().any(|n| n.key == o.key)) {
        out.push(PlaybookImpact {
            key: gone.key.clone(),
            name: gone.name.clone(),
            changed: true,
            paused: count(&gone.key, &|s| s == HandoffStatus::Paused),
            in_review: count(&gone.key, &|s| s == HandoffStatus::InReview),
            handed_off: 0,
        });
    }
    out
}

fn handoffs_word(n: u64) -> String {
    format!("{n} {}", if n == 1 { "handoff" } else { "handoffs" })
}

/// The impact in words, one sentence per changed playbook; says so when nothing changed.
pub fn sentence(impacts: &[PlaybookImpact]) -> String {
    let changed: Vec<&PlaybookImpact> = impacts.iter().filter(|i| i.changed).collect();
    if changed.is_empty() {
        return "Nothing changed.".into();
    }
    changed
        .iter()
        .map(|i| {
            const RULES: &str = "the new owner rule, task, due days, checklist and email";
            let paused = |p: u64| {
                let (record, hand) = if p == 1 {
                    ("its record next changes", "it hands")
                } else {
                    ("their records next change", "they hand")
                };
                format!(
                    "{} paused for missing fields: the required fields are checked again when {record}, and {hand} off under {RULES}",
                    handoffs_word(p)
                )
            };
            let waiting = match (i.paused, i.in_review) {
                (0, 0) => "no handoff under way uses it now".to_string(),
                (p, 0) => paused(p),
                (0, r) => format!(
                    "{} in review {} off under {RULES} once approved",
                    handoffs_word(r),
                    if r == 1 { "hands" } else { "hand" }
                ),
                (p, r) => format!(
                    "{}; {} in review {} off under them once approved",
                    paused(p),
                    handoffs_word(r),
                    if r == 1 { "hands" } else { "hand" }
                ),
            };
            let kept = match i.handed_off {
                0 => String::new(),
                1 => "; 1 handoff already handed off keeps its owner and task".to_string(),
                n => format!("; {} already handed off keep their owner and task", handoffs_word(n)),
            };
            format!(
                "\"{}\": {waiting}{kept}; new handoffs follow it from the next time a record enters its trigger stage.",
                i.name
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl crate::workspace::concepts::Handoffs<'_> {
    /// What saving `new` would do to the handoffs under way, before anything is saved.
    pub fn playbook_impact(&self, new: &[Playbook]) -> Result<Vec<PlaybookImpact>> {
        Ok(impact(
            &self.handoffs().playbooks()?,
            new,
            &handoffs::count_by_playbook(&self.conn)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_owner_rule_reaches_paused_and_in_review_handoffs_and_says_so() {
        let old = Playbook::defaults();
        let mut new = old.clone();
        new[0].due_business_days += 2;
        let key = new[0].key.clone();
        let counts = vec![
            (key.clone(), HandoffStatus::Paused, 3),
            (key.clone(), HandoffStatus::InReview, 1),
            (key.clone(), HandoffStatus::HandedOff, 12),
            (key.clone(), HandoffStatus::Cancelled, 4),
        ];
        let i = impact(&old, &new, &counts);
        assert_eq!(
            (i[0].changed, i[0].paused, i[0].in_review, i[0].handed_off),
            (true, 3, 1, 12)
        );
        assert!(!i[1].changed);
        assert_eq!(
            sentence(&i),
            format!("\"{}\": 3 handoffs paused for missing fields: the required fields are checked again when their records next change, and they hand off under the new owner rule, task, due days, checklist and email; 1 handoff in review hands off under them once approved; 12 handoffs already handed off keep their owner and task; new handoffs follow it from the next time a record enters its trigger stage.", new[0].name)
        );
        assert_eq!(sentence(&impact(&old, &old, &counts)), "Nothing changed.");
    }
}
