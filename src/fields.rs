//! Canonical field keys: the names `set`, `add`, `--json` and the import presets share.

use crate::error::{Error, Result};
use chrono::NaiveDate;

/// The Sales → Delivery checklist fields.
pub const DELIVERY_FIELDS: &[&str] = &[
    "buyer_goals",
    "main_contact",
    "signed_scope",
    "start_date",
    "promised_deliverables",
    "pricing_exceptions",
    "risk_notes",
    "kickoff_preference",
];

/// The Marketing → Sales checklist fields.
pub const LEAD_FIELDS: &[&str] = &[
    "lead_source",
    "campaign",
    "offer",
    "pain_point",
    "qualification_answer",
    "budget_signal",
    "last_touchpoint",
];

/// How the handoff wizard groups checklist fields: one step per group with something missing.
pub const GROUPS: &[(&str, &[&str])] = &[
    (
        "What was sold",
        &[
            "signed_scope",
            "promised_deliverables",
            "pricing_exceptions",
        ],
    ),
    (
        "Who and when",
        &["main_contact", "start_date", "kickoff_preference"],
    ),
    ("Why it matters", &["buyer_goals", "risk_notes"]),
    (
        "Where the lead came from",
        &["lead_source", "campaign", "last_touchpoint"],
    ),
    (
        "What they need",
        &[
            "pain_point",
            "offer",
            "budget_signal",
            "qualification_answer",
        ],
    ),
];

/// Fields every record may carry. `name`, `stage` and `owner` are columns of their own.
pub const COMMON_FIELDS: &[&str] = &[
    "name",
    "stage",
    "pipeline",
    "owner",
    "company",
    "contact_email",
    "amount",
    "currency",
    "close_date",
    "created_at",
    "notes",
];

/// Fields holding a calendar date (`YYYY-MM-DD`).
pub const DATE_FIELDS: &[&str] = &["start_date", "close_date", "created_at"];

/// Whether `key` is one of the canonical keys.
pub fn is_canonical(key: &str) -> bool {
    DELIVERY_FIELDS.contains(&key) || LEAD_FIELDS.contains(&key) || COMMON_FIELDS.contains(&key)
}

/// The field in words, for briefs and the UI.
pub fn label(key: &str) -> String {
    let special = match key {
        "contact_email" => Some("Contact email"),
        "created_at" => Some("Created"),
        "close_date" => Some("Close date"),
        "qualification_answer" => Some("Qualification answer"),
        _ => None,
    };
    if let Some(s) = special {
        return s.to_string();
    }
    let mut out = key.replace('_', " ");
    if let Some(first) = out.get(0..1) {
        let upper = first.to_uppercase();
        out.replace_range(0..1, &upper);
    }
    out
}

/// Checks and normalises a value typed by a person for a canonical field.
pub fn normalise(key: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    if DATE_FIELDS.contains(&key) {
        return NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(|d| d.format("%Y-%m-%d").to_string())
            .map_err(|_| {
                Error::invalid(key, format!("{v:?} is not a date; write it as YYYY-MM-DD"))
            });
    }
    if key == "amount" {
        let cleaned: String = v
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '_'))
            .collect();
        return cleaned
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(format_amount)
            .ok_or_else(|| {
                Error::invalid(
                    key,
                    format!("{v:?} is not an amount; write it as a number like 12500.50"),
                )
            });
    }
    if key == "currency" {
        let c = v.to_ascii_uppercase();
        if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
            return Err(Error::invalid(
                key,
                format!("{v:?} is not a currency code; use three letters like EUR"),
            ));
        }
        return Ok(c);
    }
    Ok(v.to_string())
}

/// Formats an amount without float noise (`12500`, `12500.5`).
pub fn format_amount(n: f64) -> String {
    let rounded = (n * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        let s = format!("{rounded:.2}");
        s.trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_amounts_are_checked_and_normalised() {
        assert_eq!(normalise("start_date", "2026-03-02").unwrap(), "2026-03-02");
        assert!(normalise("start_date", "02/03/2026").is_err());
        assert_eq!(normalise("amount", "12,500.50").unwrap(), "12500.5");
        assert_eq!(normalise("amount", "48000").unwrap(), "48000");
        assert!(normalise("amount", "lots").is_err());
        assert_eq!(normalise("currency", "eur").unwrap(), "EUR");
        assert_eq!(normalise("buyer_goals", "  grow  ").unwrap(), "grow");
        assert_eq!(label("buyer_goals"), "Buyer goals");
    }
}
