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

/// HubSpot's default deal pipeline, with the two stages Baton's own default adds.
const DEFAULT_DEALS: &[&str] = &[
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
    "Proposal Accepted",
    "Ready For Kickoff",
    CLOSED_WON,
    "Closed Lost",
];

/// HubSpot's lifecycle stages, as a lead moves through them.
const DEFAULT_LEADS: &[&str] = &[
    "Subscriber",
    "Lead",
    "Marketing Qualified",
    SALES_QUALIFIED,
    "Opportunity",
    "Customer",
    "Disqualified",
];

/// The stages a new workspace knows for each kind, in pipeline order.
pub fn default_stages(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Deal => DEFAULT_DEALS,
        RecordKind::Lead => DEFAULT_LEADS,
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

/// The CRMs' documented default pipelines, in order: a board of their stages reads as the CRM
/// shows it.
const PIPELINES: &[&[&str]] = &[
    DEFAULT_DEALS,
    DEFAULT_LEADS,
    // Salesforce's default opportunity stages.
    &[
        "Prospecting",
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Id. Decision Makers",
        "Perception Analysis",
        "Proposal/Price Quote",
        "Negotiation/Review",
    ],
    // Pipedrive's default pipeline (its older and newer stage names).
    &[
        "Lead In",
        "Qualified",
        "Contact Made",
        "Needs Defined",
        "Demo Scheduled",
        "Proposal Made",
        "Negotiations Started",
        "Contract Signed",
    ],
];

/// Stages that end a pipeline: shown last, won before lost.
const ENDS: &[&str] = &[CLOSED_WON, "Closed Lost", "Disqualified"];

/// The order a board shows `in_use` stages in, when the user has not arranged it: a CRM's
/// documented pipeline order where its stages are known, else the order records moved through
/// them (`moves`: how often records went from one stage to another), then the order they first
/// appeared (`first_seen`: lower is earlier); stages that end a pipeline last.
pub fn pipeline_order(
    in_use: &[String],
    moves: &[(String, String, u64)],
    first_seen: &[(String, i64)],
) -> Vec<String> {
    // Known pipeline order counts as many moves, so it outweighs a few records that went back.
    const KNOWN: u64 = 1 << 32;
    let mut rest: Vec<&String> = in_use
        .iter()
        .filter(|s| !ENDS.iter().any(|e| same(e, s)))
        .collect();
    let weight = |from: &str, to: &str| -> u64 {
        let known = PIPELINES.iter().any(|p| {
            let at = |s: &str| p.iter().position(|k| same(k, s));
            matches!((at(from), at(to)), (Some(a), Some(b)) if a < b)
        });
        let moved: u64 = moves
            .iter()
            .filter(|(f, t, _)| same(f, from) && same(t, to))
            .map(|(_, _, n)| n)
            .sum();
        moved + if known { KNOWN } else { 0 }
    };
    let seen = |s: &str| {
        first_seen
            .iter()
            .filter(|(f, _)| same(f, s))
            .map(|(_, at)| *at)
            .min()
            .unwrap_or(i64::MAX)
    };
    // Greedy: next comes the stage the fewest remaining stages lead into.
    let mut out = Vec::with_capacity(in_use.len());
    while !rest.is_empty() {
        let (i, _) = rest
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| {
                let into: u64 = rest.iter().filter(|o| o != s).map(|o| weight(o, s)).sum();
                (into, seen(s), s.to_string())
            })
            .expect("rest is not empty");
        out.push(rest.remove(i).clone());
    }
    for end in ENDS {
        out.extend(in_use.iter().filter(|s| same(end, s)).cloned());
    }
    out
}

#[cfg(test)]
mod order_tests {
    use super::*;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn salesforce_stages_read_in_salesforce_order_with_the_ends_last() {
        let in_use = strings(&[
            "Closed Won",
            "Negotiation/Review",
            "Id. Decision Makers",
            "Prospecting",
            "Closed Lost",
            "Value Proposition",
            "Needs Analysis",
            "Qualification",
            "Proposal/Price Quote",
        ]);
        assert_eq!(
            pipeline_order(&in_use, &[], &[]),
            strings(&[
                "Prospecting",
                "Qualification",
                "Needs Analysis",
                "Value Proposition",
                "Id. Decision Makers",
                "Proposal/Price Quote",
                "Negotiation/Review",
                "Closed Won",
                "Closed Lost",
            ])
        );
    }

    #[test]
    fn unknown_stages_follow_the_moves_then_first_appearance() {
        let in_use = strings(&["Build", "Discovery", "Signed", "Review", "Closed Won"]);
        let moves = vec![
            ("Discovery".to_string(), "Build".to_string(), 5),
            ("Build".to_string(), "Review".to_string(), 4),
            ("Review".to_string(), "Build".to_string(), 1),
        ];
        // "Signed" never moved: it goes by when it was first seen.
        let first = vec![
            ("Signed".to_string(), 1),
            ("Build".to_string(), 2),
            ("Discovery".to_string(), 3),
            ("Review".to_string(), 4),
        ];
        assert_eq!(
            pipeline_order(&in_use, &moves, &first),
            strings(&["Signed", "Discovery", "Build", "Review", "Closed Won"])
        );
        // With no history at all, first appearance decides.
        assert_eq!(
            pipeline_order(&in_use, &[], &first),
            strings(&["Signed", "Build", "Discovery", "Review", "Closed Won"])
        );
    }
}
