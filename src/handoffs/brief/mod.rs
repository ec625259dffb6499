//! The handoff brief: built from the record's fields and the handoff's human context, rendered
//! as Markdown, escaped HTML or JSON. It is derived on demand, so it never drifts from the data.

use crate::error::Result;
use crate::fields;
use crate::model::{Handoff, Record, RecordKind, Task, TaskKind};
use serde::Serialize;

/// The human-judgment questions, by the key the context is stored under.
pub const CONTEXT_KEYS: &[(&str, &str)] = &[
    ("cares_about", "What the client actually cares about"),
    ("promised_verbally", "What was promised verbally"),
    (
        "delivery_risk",
        "What risk delivery should know before kickoff",
    ),
];

/// A labelled value in the brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The field key (or context key).
    pub key: String,
    /// The label in words.
    pub label: String,
    /// The value; empty when not known.
    pub value: String,
}

/// The four answers every brief gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answers {
    /// Who owns the next step.
    pub who_owns_next_step: String,
    /// What was promised.
    pub what_was_promised: String,
    /// What the client expects next.
    pub what_client_expects_next: String,
    /// Which task starts the work.
    pub which_task_starts_work: String,
}

/// A handoff brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Brief {
    /// The record's id.
    pub record_id: i64,
    /// The record's name.
    pub title: String,
    /// The client (company, or the record's name).
    pub client: String,
    /// The handoff's status, if there is one.
    pub status: Option<String>,
    /// The playbook's key, if there is a handoff.
    pub playbook: Option<String>,
    /// The four answers.
    pub answers: Answers,
    /// Facts auto-filled from the CRM.
    pub facts: Vec<Line>,
    /// Judgment a person added.
    pub context: Vec<Line>,
    /// Required fields still missing.
    pub missing: Vec<String>,
    /// Exception flags, in words.
    pub flags: Vec<String>,
}

fn or_unknown(v: Option<&str>, unknown: &str) -> String {
    v.map(str::to_string).unwrap_or_else(|| unknown.to_string())
}

/// Builds the brief of `record` for its latest `handoff` and that handoff's first task.
pub fn build(record: &Record, handoff: Option<&Handoff>, first_task: Option<&Task>) -> Brief {
    let f = |k: &str| record.field(k);
    let ctx = |k: &str| {
        handoff
            .and_then(|h| h.context.get(k))
            .map(String::as_str)
            .filter(|s| !s.trim().is_empty())
    };
    let next_owner = handoff.and_then(|h| h.to_owner.as_deref());
    let who = match (next_owner, handoff) {
        (Some(o), _) => o.to_string(),
        (None, Some(h)) if !h.missing_fields.is_empty() => format!(
            "Not assigned yet: {} must first fill {}",
            h.from_owner.as_deref().unwrap_or("the current owner"),
            h.missing_fields
                .iter()
                .map(|k| fields::label(k))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (None, Some(h)) => format!("Not assigned yet ({})", h.status.as_str().replace('_', " ")),
        (None, None) => or_unknown(record.owner.as_deref(), "No owner"),
    };
    let (promised, expects) = match record.kind {
        RecordKind::Deal => {
            let mut promised: Vec<String> = [f("promised_deliverables"), f("signed_scope")]
                .into_iter()
                .flatten()
                .map(str::to_string)
                .collect();
            if let Some(v) = ctx("promised_verbally") {
                promised.push(format!("Verbally: {v}"));
            }
            let expects = match (f("start_date"), f("kickoff_preference")) {
                (Some(d), Some(p)) => format!("A kickoff ({p}) and work starting {d}"),
                (Some(d), None) => format!("Work starting {d}"),
                (None, Some(p)) => format!("A kickoff ({p})"),
                (None, None) => "Not recorded: ask the seller".to_string(),
            };
            (promised, expects)
        }
        RecordKind::Lead => {
            let mut promised: Vec<String> = f("offer").map(str::to_string).into_iter().collect();
            if let Some(v) = ctx("promised_verbally") {
                promised.push(format!("Verbally: {v}"));
            }
            let expects = match (f("last_touchpoint"), f("pain_point")) {
                (Some(t), Some(p)) => format!("A reply to {t} about {p}"),
                (Some(t), None) => format!("A reply to {t}"),
                (None, Some(p)) => format!("A conversation about {p}"),
                (None, None) => "Not recorded: ask marketing".to_string(),
            };
            (promised, expects)
        }
    };
    let task = match first_task {
        Some(t) => format!(
            "#{} {}{}",
            t.id,
            t.title,
            t.due.map(|d| format!(" (due {d})")).unwrap_or_default()
        ),
        None => {
            let kind = if record.kind == RecordKind::Deal {
                TaskKind::Kickoff
            } else {
                TaskKind::FollowUp
            };
            format!(
                "None yet: the {} task is created at hand-off",
                kind.as_str().replace('_', "-")
            )
        }
    };
    // A deal's facts read in the order a delivery lead asks for them; a lead's are its
    // contact, then the Marketing → Sales checklist.
    let fact_keys: Vec<&str> = match record.kind {
        RecordKind::Deal => vec![
            "company",
            "main_contact",
            "contact_email",
            "amount",
            "currency",
            "close_date",
            "start_date",
            "signed_scope",
            "promised_deliverables",
            "buyer_goals",
            "pricing_exceptions",
            "risk_notes",
            "kickoff_preference",
            "notes",
        ],
        RecordKind::Lead => ["company", "contact_email"]
            .into_iter()
            .chain(crate::fields::LEAD_FIELDS.iter().copied())
            .chain(["notes"])
            .collect(),
    };
    let mut facts = vec![
        Line {
            key: "owner".into(),
            label: "Owner".into(),
            value: record.owner.clone().unwrap_or_default(),
        },
        Line {
            key: "source".into(),
            label: "Source".into(),
            value: record.source.clone(),
        },
    ];
    facts.extend(fact_keys.iter().map(|k| Line {
        key: k.to_string(),
        label: fields::label(k),
        value: f(k).unwrap_or_default().to_string(),
    }));
    Brief {
        record_id: record.id.0,
        title: record.name.clone(),
        client: or_unknown(f("company"), &record.name),
        status: handoff.map(|h| h.status.as_str().to_string()),
        playbook: handoff.map(|h| h.playbook.clone()),
        answers: Answers {
            who_owns_next_step: who,
            what_was_promised: if promised.is_empty() {
                "Not recorded".into()
            } else {
                promised.join("; ")
            },
            what_client_expects_next: expects,
            which_task_starts_work: task,
        },
        facts,
        context: CONTEXT_KEYS
            .iter()
            .map(|(k, label)| Line {
                key: k.to_string(),
                label: label.to_string(),
                value: ctx(k).unwrap_or_default().to_string(),
            })
            .collect(),
        missing: handoff
            .map(|h| h.missing_fields.iter().map(|k| fields::label(k)).collect())
            .unwrap_or_default(),
        flags: record.flags.iter().map(|f| f.label().to_string()).collect(),
    }
}

const MARKDOWN: &str = include_str!("brief.md.j2");
const SLACK: &str = include_str!("brief.slack.md.j2");
const HTML: &str = include_str!("brief.html.j2");

fn render(name: &str, src: &str, brief: &Brief) -> Result<String> {
    crate::templates::render(name, src, minijinja::context! { brief => brief })
}

impl Brief {
    /// The brief as Markdown.
    pub fn to_markdown(&self) -> Result<String> {
        render("brief.md", MARKDOWN, self)
    }

    /// The brief in Slack's mrkdwn, for pasting into a channel: `*bold*` labels, and `&`, `<`,
    /// `>` escaped as Slack asks (a value cannot become a link or a mention).
    pub fn to_slack(&self) -> Result<String> {
        render("brief.slack.md", SLACK, self)
    }

    /// The brief in one line, for a CRM field: what was promised, what the client expects
    /// next, which task starts the work (the owner has a column of its own).
    pub fn one_line(&self) -> String {
        let a = &self.answers;
        format!(
            "Promised: {} | Client expects: {} | First task: {}",
            a.what_was_promised, a.what_client_expects_next, a.which_task_starts_work
        )
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// The brief as a printable HTML page; every value is escaped.
    pub fn to_html(&self) -> Result<String> {
        render("brief.html", HTML, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RecordId;

    fn record(name: &str) -> Record {
        Record {
            id: RecordId(4),
            kind: RecordKind::Deal,
            source: "hubspot".into(),
            external_id: Some("981".into()),
            name: name.into(),
            stage: "Closed Won".into(),
            owner: Some("Sam".into()),
            fields: [
                ("company", "Nordlicht GmbH"),
                ("promised_deliverables", "Onboarding for 40 seats"),
                ("start_date", "2026-03-09"),
                ("kickoff_preference", "on site"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            flags: Default::default(),
        }
    }

    #[test]
    fn slack_text_bolds_the_labels_and_escapes_what_slack_would_read_as_markup() {
        let r = record("<!channel> & <https://evil.example|click>");
        let b = build(&r, None, None);
        let text = b.to_slack().unwrap();
        assert!(
            text.starts_with(
                "*Handoff brief: &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;*\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\n• *What was promised:* Onboarding for 40 seats"),
            "{text}"
        );
        assert!(!text.contains("<!channel>"), "{text}");
    }

    #[test]
    fn html_escapes_every_value() {
        let b = build(&record("<img src=x onerror=alert(1)>"), None, None);
        let html = b.to_html().unwrap();
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn the_markdown_answers_the_four_questions() {
        let md = build(&record("Nordlicht rollout"), None, None)
            .to_markdown()
            .unwrap();
        for q in [
            "Who owns the next step",
            "What was promised",
            "What the client expects next",
            "Which task starts the work",
        ] {
            assert!(md.contains(q), "{q} missing in\n{md}");
        }
        assert!(md.contains("Onboarding for 40 seats"), "{md}");
        assert!(
            md.contains("A kickoff (on site) and work starting 2026-03-09"),
            "{md}"
        );
    }
}
