//! The words the app shows for Baton's keys, in one place: field keys with labels, the CRMs an
//! import reads, handoff statuses, exception flags, roles, task kinds and the health figures.
//! The UI asks for these once instead of keeping copies of its own.

use crate::fields;
use crate::import::preset::{self, Source};
use crate::model::{ExceptionFlag, HandoffStatus, Role, TaskKind};
use serde::Serialize;

/// A key and the words for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    /// The stable key (stored, and printed by `--json`).
    pub key: String,
    /// The key as people read it.
    pub words: String,
}

impl Word {
    fn new(key: &str, words: impl Into<String>) -> Self {
        Word {
            key: key.to_string(),
            words: words.into(),
        }
    }
}

impl From<crate::Crm> for Word {
    fn from(c: crate::Crm) -> Self {
        Word::new(c.as_str(), c.words())
    }
}

/// A weekly health figure as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// The figure's key in `baton health --json`.
    pub key: &'static str,
    /// Its name.
    pub label: &'static str,
    /// What its number counts.
    pub unit: &'static str,
    /// Which way is better (`lower`, `higher`), if either.
    pub better: Option<&'static str>,
}

/// Every word the UI needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vocabulary {
    /// Sales → delivery fields, in checklist order.
    pub deal_fields: Vec<Word>,
    /// Marketing → sales fields, in checklist order.
    pub lead_fields: Vec<Word>,
    /// Fields every record has.
    pub common_fields: Vec<Word>,
    /// What a CSV column can map to.
    pub import_keys: Vec<Word>,
    /// The CRMs an import reads (`auto` detects).
    pub sources: Vec<Word>,
    /// Handoff statuses.
    pub statuses: Vec<Word>,
    /// Exception flags.
    pub flags: Vec<Word>,
    /// Team roles.
    pub roles: Vec<Word>,
    /// Task kinds.
    pub task_kinds: Vec<Word>,
    /// The weekly health figures, in dashboard order.
    pub figures: Vec<Figure>,
    /// Where a chat webhook can post.
    pub webhook_kinds: Vec<Word>,
}

/// A handoff status in words.
pub fn status_words(s: HandoffStatus) -> &'static str {
    match s {
        HandoffStatus::Paused => "Paused: fields missing",
        HandoffStatus::InReview => "In review",
        HandoffStatus::SentBack => "Sent back",
        HandoffStatus::HandedOff => "Handed off",
        HandoffStatus::Escalated => "Escalated",
        HandoffStatus::Accepted => "Accepted",
        HandoffStatus::KickoffScheduled => "Kickoff scheduled",
        HandoffStatus::Cancelled => "Cancelled",
    }
}

/// A task kind in words.
pub fn task_kind_words(k: TaskKind) -> &'static str {
    match k {
        TaskKind::Kickoff => "Kickoff",
        TaskKind::Review => "Review",
        TaskKind::CompleteFields => "Complete fields",
        TaskKind::FollowUp => "Follow-up",
    }
}

/// The dashboard's figures.
pub const FIGURES: &[Figure] = &[
    Figure {
        key: "closed_won_to_kickoff_days",
        label: "Closed Won → kickoff scheduled",
        unit: "days (median)",
        better: Some("lower"),
    },
    Figure {
        key: "handoffs_triggered",
        label: "Handoffs triggered",
        unit: "handoffs",
        better: None,
    },
    Figure {
        key: "handoffs_complete_at_trigger_pct",
        label: "Complete when triggered",
        unit: "% of handoffs",
        better: Some("higher"),
    },
    Figure {
        key: "escalations_missing_context",
        label: "Escalations for missing context",
        unit: "escalations",
        better: Some("lower"),
    },
    Figure {
        key: "lead_response_hours",
        label: "Lead response",
        unit: "hours (median)",
        better: Some("lower"),
    },
    Figure {
        key: "leads_without_source",
        label: "Leads without a source",
        unit: "leads",
        better: Some("lower"),
    },
    Figure {
        key: "leads_rejected_unclear",
        label: "Leads sent back as unclear",
        unit: "leads",
        better: Some("lower"),
    },
];

fn labelled(keys: &[&str]) -> Vec<Word> {
    keys.iter()
        .map(|k| {
            let words = match *k {
                preset::EXTERNAL_ID => "CRM record id".to_string(),
                preset::STATUS => "Status (open, won, lost)".to_string(),
                preset::AMOUNT_CENTS => "Amount in cents".to_string(),
                preset::WRITTEN_BY_BATON => "Written by Baton (not read)".to_string(),
                "flags" => "Exception flags".to_string(),
                k => fields::label(k),
            };
            Word::new(k, words)
        })
        .collect()
}

/// Every word the UI needs.
pub fn vocabulary() -> Vocabulary {
    let mut import_keys = vec![preset::EXTERNAL_ID];
    import_keys.extend(fields::COMMON_FIELDS);
    import_keys.extend(["flags", preset::STATUS]);
    import_keys.extend(fields::DELIVERY_FIELDS);
    import_keys.extend(fields::LEAD_FIELDS);
    import_keys.extend([
        preset::FIRST_NAME,
        preset::LAST_NAME,
        preset::AMOUNT_CENTS,
        preset::WRITTEN_BY_BATON,
    ]);
    import_keys.dedup();
    let mut sources = vec![Word::new("auto", "Detect the CRM")];
    sources.extend(Source::ALL.iter().map(|s| Word::new(s.as_str(), s.words())));
    Vocabulary {
        deal_fields: labelled(fields::DELIVERY_FIELDS),
        lead_fields: labelled(fields::LEAD_FIELDS),
        common_fields: labelled(fields::COMMON_FIELDS),
        import_keys: labelled(&import_keys),
        sources,
        statuses: HandoffStatus::ALL
            .iter()
            .map(|s| Word::new(s.as_str(), status_words(*s)))
            .collect(),
        flags: ExceptionFlag::ALL
            .iter()
            .map(|f| Word::new(f.as_str(), f.label()))
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| {
                let k = r.as_str();
                Word::new(k, k[..1].to_uppercase() + &k[1..])
            })
            .collect(),
        task_kinds: TaskKind::ALL
            .iter()
            .map(|k| Word::new(k.as_str(), task_kind_words(*k)))
            .collect(),
        figures: FIGURES.to_vec(),
        webhook_kinds: crate::model::WebhookKind::ALL
            .iter()
            .map(|k| Word::new(k.as_str(), k.words()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_words_and_every_figure_is_one_health_reports() {
        let v = vocabulary();
        assert_eq!(v.statuses.len(), HandoffStatus::ALL.len());
        assert_eq!(v.flags[0], Word::new("custom_scope", "Custom Scope"));
        assert_eq!(v.sources[0].key, "auto");
        assert!(v.sources.iter().any(|s| s.key == "salesforce"));
        assert!(v
            .import_keys
            .contains(&Word::new("external_id", "CRM record id")));
        assert!(v
            .deal_fields
            .iter()
            .any(|f| f == &Word::new("buyer_goals", "Buyer goals")));
        // The dashboard's figures are the ones a number opens the records of.
        let figures: Vec<&str> = FIGURES.iter().map(|f| f.key).collect();
        assert_eq!(figures, crate::health::drill_figures());
    }
}
