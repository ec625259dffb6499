//! CRM presets: which export a header row comes from, and which canonical key each column holds.

use crate::model::RecordKind;
use crate::stages::squash;
use serde::{Deserialize, Serialize};

/// The CRM an export came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// HubSpot deals or contacts.
    Hubspot,
    /// Pipedrive deals or leads (`Entity - Field` headers).
    Pipedrive,
    /// Salesforce opportunity or lead reports.
    Salesforce,
    /// Close opportunity or lead exports (snake_case headers, `status_type` won/lost).
    Close,
    /// Zoho CRM deal or lead exports (`Record Id`, `Closing Date`, `Created Time`).
    Zoho,
    /// Any other CSV: headers matched against the canonical keys.
    Generic,
}

/// `source` as the import screen sends it: `auto` (or nothing) to detect the CRM, or its name.
pub(crate) fn source_or_auto<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Source>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref() {
        None | Some("auto") => Ok(None),
        Some(s) => Source::parse(s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a CRM Baton knows"))),
    }
}

impl Source {
    /// Every CRM, in the order the import screen lists them.
    pub const ALL: &'static [Source] = &[
        Source::Hubspot,
        Source::Pipedrive,
        Source::Salesforce,
        Source::Close,
        Source::Zoho,
        Source::Generic,
    ];

    /// The CRM's own name.
    pub fn words(self) -> &'static str {
        match self {
            Source::Hubspot => "HubSpot",
            Source::Pipedrive => "Pipedrive",
            Source::Salesforce => "Salesforce",
            Source::Close => "Close",
            Source::Zoho => "Zoho CRM",
            Source::Generic => "Another CRM or a spreadsheet",
        }
    }

    /// Parses `--source` and the import screen's choice.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "hubspot" => Some(Source::Hubspot),
            "pipedrive" => Some(Source::Pipedrive),
            "salesforce" => Some(Source::Salesforce),
            "close" => Some(Source::Close),
            "zoho" => Some(Source::Zoho),
            "generic" => Some(Source::Generic),
            _ => None,
        }
    }

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Hubspot => "hubspot",
            Source::Pipedrive => "pipedrive",
            Source::Salesforce => "salesforce",
            Source::Close => "close",
            Source::Zoho => "zoho",
            Source::Generic => "generic",
        }
    }
}

/// Extra keys a preset may map to besides the canonical fields.
pub const EXTERNAL_ID: &str = "external_id";
/// Pipedrive's Open/Won/Lost.
pub const STATUS: &str = "status";
/// Contact exports split the name.
pub const FIRST_NAME: &str = "first_name";
/// Contact exports split the name.
pub const LAST_NAME: &str = "last_name";
/// The amount in cents (Close's `value`): read as the amount, divided by 100.
pub const AMOUNT_CENTS: &str = "amount_cents";
/// A handoff column Baton wrote back to the CRM (`baton writeback`): read past, since it says
/// what Baton already knows.
pub const WRITTEN_BY_BATON: &str = "written_by_baton";

const HUBSPOT: &[(&str, &str)] = &[
    ("Record ID", EXTERNAL_ID),
    ("Deal Name", "name"),
    ("Deal Stage", "stage"),
    ("Lifecycle Stage", "stage"),
    ("Pipeline", "pipeline"),
    ("Amount", "amount"),
    ("Close Date", "close_date"),
    ("Create Date", "created_at"),
    ("Deal owner", "owner"),
    ("Contact owner", "owner"),
    ("Associated Company", "company"),
    ("Company Name", "company"),
    ("Associated Contact", "main_contact"),
    ("Original Source", "lead_source"),
    ("Email", "contact_email"),
    ("First Name", FIRST_NAME),
    ("Last Name", LAST_NAME),
];
const PIPEDRIVE: &[(&str, &str)] = &[
    ("Deal - ID", EXTERNAL_ID),
    ("Deal - Pipedrive System ID", EXTERNAL_ID),
    ("Deal - Title", "name"),
    ("Deal - Value", "amount"),
    ("Deal - Currency of value", "currency"),
    ("Deal - Stage", "stage"),
    ("Deal - Status", STATUS),
    ("Deal - Owner", "owner"),
    ("Deal - Expected close date", "close_date"),
    ("Deal - Creation date", "created_at"),
    ("Deal - Pipeline", "pipeline"),
    ("Organization", "company"),
    ("Contact person", "main_contact"),
    ("Lead - ID", EXTERNAL_ID),
    ("Lead - Title", "name"),
    ("Lead - Owner", "owner"),
    ("Lead - Source channel", "lead_source"),
    ("Lead - Created", "created_at"),
];
const SALESFORCE: &[(&str, &str)] = &[
    ("Opportunity ID", EXTERNAL_ID),
    ("Opportunity Name", "name"),
    ("Account Name", "company"),
    ("Stage", "stage"),
    ("Amount", "amount"),
    ("Close Date", "close_date"),
    ("Created Date", "created_at"),
    ("Opportunity Owner", "owner"),
    ("Lead Source", "lead_source"),
    ("Description", "notes"),
    ("Lead ID", EXTERNAL_ID),
    ("Company / Account", "company"),
    ("Email", "contact_email"),
    ("Lead Status", "stage"),
    ("Lead Owner", "owner"),
    ("Create Date", "created_at"),
    ("First Name", FIRST_NAME),
    ("Last Name", LAST_NAME),
];
/// Close writes API field names. Its `value` is the amount in cents (with `value_currency`
/// beside it, as its API documents); `value_formatted` ("$18,500"), where an export has it,
/// gives the amount only when there is no `value`.
const CLOSE: &[(&str, &str)] = &[
    ("id", EXTERNAL_ID),
    ("lead_name", "company"),
    ("display_name", "name"),
    ("status_label", "stage"),
    ("status_type", STATUS),
    ("value_formatted", "amount"),
    ("value", AMOUNT_CENTS),
    ("value_currency", "currency"),
    ("user_name", "owner"),
    ("date_won", "close_date"),
    ("date_created", "created_at"),
    ("note", "notes"),
    ("description", "notes"),
    ("contact_name", "main_contact"),
    ("primary_contact_name", "main_contact"),
    ("primary_contact_primary_email", "contact_email"),
];
const ZOHO: &[(&str, &str)] = &[
    ("Record Id", EXTERNAL_ID),
    ("Deal Name", "name"),
    ("Stage", "stage"),
    ("Amount", "amount"),
    ("Closing Date", "close_date"),
    ("Created Time", "created_at"),
    ("Deal Owner", "owner"),
    ("Account Name", "company"),
    ("Contact Name", "main_contact"),
    ("Lead Source", "lead_source"),
    ("Description", "notes"),
    ("Company", "company"),
    ("Email", "contact_email"),
    ("Lead Status", "stage"),
    ("Lead Owner", "owner"),
    ("First Name", FIRST_NAME),
    ("Last Name", LAST_NAME),
];
/// A preset entry that keeps the column as a custom field even where a common spelling
/// would map it.
const KEEP: &str = "";
/// Common spellings any export may use, matched after the preset's own.
const GENERIC: &[(&str, &str)] = &[
    ("id", EXTERNAL_ID),
    ("record id", EXTERNAL_ID),
    ("opportunity_id", EXTERNAL_ID),
    ("deal id", EXTERNAL_ID),
    ("deal name", "name"),
    ("title", "name"),
    ("deal_stage", "stage"),
    ("deal stage", "stage"),
    ("status", STATUS),
    ("sales_agent", "owner"),
    ("deal owner", "owner"),
    ("deal_value", "amount"),
    ("value", "amount"),
    ("engage_date", "created_at"),
    ("create date", "created_at"),
    ("close date", "close_date"),
    ("email", "contact_email"),
    ("account", "company"),
    ("organization", "company"),
    ("description", "notes"),
    ("first name", FIRST_NAME),
    ("last name", LAST_NAME),
];

fn table(source: Source) -> &'static [(&'static str, &'static str)] {
    match source {
        Source::Hubspot => HUBSPOT,
        Source::Pipedrive => PIPEDRIVE,
        Source::Salesforce => SALESFORCE,
        Source::Close => CLOSE,
        Source::Zoho => ZOHO,
        Source::Generic => &[],
    }
}

/// The key a header maps to under `source`: the preset's table, then canonical keys and
/// common spellings. `None` keeps the column as a custom field under its header.
pub fn map_header(source: Source, header: &str) -> Option<&'static str> {
    let h = squash(header);
    if h.is_empty() {
        return None;
    }
    if crate::reach::writeback::written_by_baton(header) {
        return Some(WRITTEN_BY_BATON);
    }
    let find = |t: &[(&str, &'static str)]| t.iter().find(|(k, _)| squash(k) == h).map(|(_, v)| *v);
    if let Some(key) = find(table(source)) {
        return Some(key).filter(|k| *k != KEEP);
    }
    crate::fields::DELIVERY_FIELDS
        .iter()
        .chain(crate::fields::LEAD_FIELDS)
        .chain(crate::fields::COMMON_FIELDS)
        .chain(&["flags", EXTERNAL_ID])
        .find(|k| squash(k) == h)
        .copied()
        .or_else(|| find(GENERIC))
}

/// Guesses the CRM from the headers, with a confidence from 0 to 1.
pub fn detect(headers: &[String]) -> (Source, f64) {
    // Signatures match the CRM's own spelling (case and spaces aside), so a snake_case data
    // dump such as `opportunity_id` stays generic.
    let has = |h: &str| headers.iter().any(|x| x.trim().eq_ignore_ascii_case(h));
    let prefixed = headers
        .iter()
        .filter(|h| h.starts_with("Deal - ") || h.starts_with("Lead - "))
        .count();
    // A file Baton wrote back for a CRM is keyed by that CRM's own id column.
    let written_back = headers
        .iter()
        .any(|h| crate::reach::writeback::written_by_baton(h));
    let mut best = (Source::Generic, 0.3);
    let mut score = |src: Source, signature: bool| {
        if !signature {
            return;
        }
        let known = headers
            .iter()
            .filter(|h| table(src).iter().any(|(k, _)| squash(k) == squash(h)))
            .count();
        let conf = 0.5 + 0.5 * known as f64 / headers.len().max(1) as f64;
        if conf > best.1 {
            best = (src, conf);
        }
    };
    score(Source::Pipedrive, prefixed > 0);
    score(
        Source::Hubspot,
        has("Record ID")
            && (has("Deal Stage") || has("Lifecycle Stage") || has("Deal Name") || written_back),
    );
    score(
        Source::Salesforce,
        has("Opportunity ID")
            || has("Opportunity Name")
            || has("Lead ID")
            || has("Id") && written_back,
    );
    score(
        Source::Close,
        has("status_label") && (has("lead_name") || has("display_name") || has("status_type")),
    );
    score(
        Source::Zoho,
        has("Record Id")
            && (has("Closing Date")
                || has("Created Time")
                || has("Lead Status") && !has("Lifecycle Stage")),
    );
    (best.0, (best.1 * 100.0).round() / 100.0)
}

/// Whether the export holds leads rather than deals.
pub fn detect_kind(headers: &[String]) -> RecordKind {
    let lead = headers.iter().any(|h| {
        let s = squash(h);
        s == "lifecyclestage"
            || s == "leadstatus"
            || h.trim().eq_ignore_ascii_case("Lead ID")
            || h.starts_with("Lead - ")
    }) || (headers.iter().any(|h| h.trim() == "display_name")
        && !headers.iter().any(|h| h.trim() == "lead_name"));
    if lead {
        RecordKind::Lead
    } else {
        RecordKind::Deal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_screens_choice_reads_as_the_options_it_names() {
        use crate::import::{values::DateOrder, ImportOptions};
        use crate::model::RecordKind;
        let read = |json: &str| serde_json::from_str::<ImportOptions>(json);
        let auto = read(r#"{"source": "auto"}"#).unwrap();
        assert_eq!(auto.source, None);
        assert!(read("{}").unwrap().source.is_none());
        let chosen = read(
            r#"{"source": "Pipedrive", "kind": "lead", "maps": [["Deal - Title", "name"]],
                "date_order": "dayfirst", "skip_bad_rows": true, "dry_run": true}"#,
        )
        .unwrap();
        assert_eq!(chosen.source, Some(Source::Pipedrive));
        assert_eq!(chosen.kind, Some(RecordKind::Lead));
        assert_eq!(
            chosen.maps,
            [("Deal - Title".to_string(), "name".to_string())]
        );
        assert_eq!(chosen.date_order, Some(DateOrder::DayFirst));
        assert!(chosen.skip_bad_rows);
        assert!(!chosen.dry_run, "a preview is not the screen's to choose");
        let unknown = read(r#"{"source": "dynamics"}"#).unwrap_err().to_string();
        assert!(
            unknown.contains("\"dynamics\" is not a CRM Baton knows"),
            "{unknown}"
        );
    }

    fn h(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_crm_is_recognised_by_its_headers() {
        assert_eq!(
            detect(&h(&["Record ID", "Deal Name", "Deal Stage", "Amount"])).0,
            Source::Hubspot
        );
        assert_eq!(
            detect(&h(&["Deal - ID", "Deal - Title", "Deal - Status"])).0,
            Source::Pipedrive
        );
        assert_eq!(
            detect(&h(&["Opportunity ID", "Opportunity Name", "Stage"])).0,
            Source::Salesforce
        );
        assert_eq!(
            detect(&h(&["opportunity_id", "deal_stage"])).0,
            Source::Generic
        );
        assert_eq!(
            detect(&h(&[
                "id",
                "lead_name",
                "status_label",
                "status_type",
                "value"
            ]))
            .0,
            Source::Close
        );
        assert_eq!(
            detect(&h(&[
                "Record Id",
                "Deal Name",
                "Stage",
                "Closing Date",
                "Deal Owner"
            ]))
            .0,
            Source::Zoho
        );
        assert_eq!(
            detect(&h(&[
                "Record ID",
                "Deal Name",
                "Deal Stage",
                "Close Date",
                "Deal owner"
            ]))
            .0,
            Source::Hubspot
        );
        assert_eq!(
            detect_kind(&h(&["id", "display_name", "status_label"])),
            RecordKind::Lead
        );
        assert_eq!(
            detect_kind(&h(&["Record ID", "Lifecycle Stage"])),
            RecordKind::Lead
        );
    }

    #[test]
    fn headers_map_case_and_space_insensitively() {
        assert_eq!(map_header(Source::Hubspot, " deal STAGE "), Some("stage"));
        assert_eq!(map_header(Source::Pipedrive, "Deal - Status"), Some(STATUS));
        assert_eq!(map_header(Source::Generic, "sales_agent"), Some("owner"));
        assert_eq!(
            map_header(Source::Generic, "Buyer Goals"),
            Some("buyer_goals")
        );
        assert_eq!(map_header(Source::Generic, "Favourite colour"), None);
        // Close's `value` is in cents: read as the amount, divided by 100.
        assert_eq!(map_header(Source::Close, "value"), Some(AMOUNT_CENTS));
        assert_eq!(map_header(Source::Close, "value_formatted"), Some("amount"));
        assert_eq!(map_header(Source::Zoho, "Closing Date"), Some("close_date"));
    }
}
