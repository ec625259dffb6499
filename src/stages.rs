//! Stage names: the canonical stages playbooks trigger on and the aliases other CRMs use.

use crate::model::RecordKind;

/// Lower-cases and drops everything but letters and digits, so "Closed - Won" == "closedwon".
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Deal stage a Sales → Delivery playbook triggers on.
pub const CLOSED_WON: &str = "Closed Won";
/// Lead stage a Marketing → Sales playbook triggers on.
pub const SALES_QUALIFIED: &str = "Sales Qualified";

/// Canonical stages and the squashed aliases that map onto them.
const ALIASES: &[(&str, &[&str])] = &[
    (
        CLOSED_WON,
        &["closedwon", "won", "dealwon", "closedwonhubspot"],
    ),
    (
        "Closed Lost",
        &["closedlost", "lost", "deallost", "closedlosttocompetition"],
    ),
    (
        SALES_QUALIFIED,
        &["salesqualified", "salesqualifiedlead", "sql", "sqllead"],
    ),
    (
        "Marketing Qualified",
        &["marketingqualified", "marketingqualifiedlead", "mql"],
    ),
    ("Proposal Accepted", &["proposalaccepted"]),
    ("Ready For Kickoff", &["readyforkickoff"]),
    ("Appointment Scheduled", &["appointmentscheduled"]),
    ("Qualified To Buy", &["qualifiedtobuy"]),
    ("Presentation Scheduled", &["presentationscheduled"]),
    ("Decision Maker Bought-In", &["decisionmakerboughtin"]),
    ("Contract Sent", &["contractsent"]),
];

/// The stages a new workspace knows for each kind, in pipeline order.
pub fn default_stages(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Deal => &[
            "Appointment Scheduled",
            "Qualified To Buy",
            "Presentation Scheduled",
            "Decision Maker Bought-In",
            "Contract Sent",
            "Proposal Accepted",
            "Ready For Kickoff",
            CLOSED_WON,
            "Closed Lost",
        ],
        RecordKind::Lead => &[
            "Subscriber",
            "Lead",
            "Marketing Qualified",
            SALES_QUALIFIED,
            "Opportunity",
            "Customer",
            "Disqualified",
        ],
    }
}

/// The canonical name for a stage: an alias becomes its canonical stage, anything else is kept
/// as written (trimmed).
pub fn canonical(stage: &str) -> String {
    let stage = stage.trim();
    // Most cells already hold a canonical name: no need to squash them.
    if let Some((name, _)) = ALIASES.iter().find(|(name, _)| *name == stage) {
        return (*name).to_string();
    }
    let key = squash(stage);
    for (name, aliases) in ALIASES {
        if aliases.contains(&key.as_str()) {
            return (*name).to_string();
        }
    }
    stage.trim().to_string()
}

/// Whether two stage names mean the same stage.
pub fn same(a: &str, b: &str) -> bool {
    a == b || squash(&canonical(a)) == squash(&canonical(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_from_other_crms_map_onto_the_trigger_stages() {
        for s in [
            "closedwon",
            "Won",
            "Closed - Won",
            "CLOSED WON",
            " Closed Won ",
        ] {
            assert_eq!(canonical(s), CLOSED_WON, "{s}");
        }
        assert_eq!(canonical("salesqualifiedlead"), SALES_QUALIFIED);
        assert_eq!(canonical("Sales Qualified Lead"), SALES_QUALIFIED);
        assert_eq!(canonical("Negotiation"), "Negotiation");
        assert!(same("closed-won", "Closed Won"));
        assert!(!same("Closed Lost", "Closed Won"));
    }
}
