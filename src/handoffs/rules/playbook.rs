//! A playbook: the trigger, the required-field checklist and what happens on a complete handoff.

use crate::error::{Error, Result};
use crate::fields;
use crate::model::{ExceptionFlag, RecordKind, Role, TaskKind};
use crate::stages;
use serde::{Deserialize, Serialize};

/// How the next owner is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum OwnerRule {
    /// Always the same person.
    Fixed {
        /// The person's name.
        person: String,
    },
    /// Take turns among everyone with a role.
    RoundRobin {
        /// The role.
        role: Role,
    },
    /// Whoever with the role has the fewest open tasks.
    LeastOpenTasks {
        /// The role.
        role: Role,
    },
}

/// One handoff rule: "when a deal enters Closed Won, check these fields, then …".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// Stable key (`sales-to-delivery`).
    pub key: String,
    /// Name in words ("Sales → Delivery").
    pub name: String,
    /// Whether it fires.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Which records it watches.
    pub kind: RecordKind,
    /// The stage whose entry fires it.
    pub trigger_stage: String,
    /// Fields that must be filled before the work changes hands.
    pub required_fields: Vec<String>,
    /// Who owns the next step.
    pub owner_rule: OwnerRule,
    /// The first task on a complete handoff: `kickoff` or `follow_up`.
    pub first_task: TaskKind,
    /// Title template of the first task (minijinja; `record`, `fields` in scope).
    pub task_title: String,
    /// Due in this many business days after the handoff.
    pub due_business_days: u32,
    /// The first task's checklist.
    pub checklist: Vec<String>,
    /// Judgment questions earlier versions stored here and never asked (the wizard and the
    /// brief ask [`crate::handoffs::brief::CONTEXT_KEYS`]'s): a playbook file or workspace that
    /// still has them reads as before, and they are no longer written.
    #[serde(default, rename = "brief_prompts", skip_serializing)]
    pub unused_brief_prompts: serde::de::IgnoredAny,
    /// Welcome email subject template.
    pub email_subject: String,
    /// Welcome email body template.
    pub email_body: String,
    /// Flags that route the handoff to review instead of onboarding.
    pub exception_flags: Vec<ExceptionFlag>,
    /// Who reviews exceptions; the team's founder when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
}

fn yes() -> bool {
    true
}

/// The readable file `playbooks export` writes and `playbooks import` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookFile {
    /// The playbooks, in order.
    #[serde(rename = "playbook")]
    pub playbooks: Vec<Playbook>,
}

impl PlaybookFile {
    /// Serialises as TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| Error::invalid("playbooks", e.to_string()))
    }

    /// Parses and validates TOML.
    pub fn from_toml(text: &str) -> Result<Self> {
        let file: PlaybookFile =
            toml::from_str(text).map_err(|e| Error::invalid("playbooks file", e.to_string()))?;
        let mut keys = std::collections::BTreeSet::new();
        for p in &file.playbooks {
            p.validate()?;
            if !keys.insert(p.key.as_str()) {
                return Err(Error::invalid(
                    "playbooks file",
                    format!(
                        "the key {:?} is used twice; give each playbook its own key",
                        p.key
                    ),
                ));
            }
        }
        Ok(file)
    }
}

impl Playbook {
    /// Checks the playbook makes sense before it is stored.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::invalid(format!("playbook {:?}", self.key), m));
        if self.key.trim().is_empty()
            || !self
                .key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad("the key must be letters, digits, '-' or '_'".into());
        }
        if self.trigger_stage.trim().is_empty() {
            return bad("the trigger stage is empty".into());
        }
        if !matches!(self.first_task, TaskKind::Kickoff | TaskKind::FollowUp) {
            return bad("first_task must be \"kickoff\" or \"follow_up\"".into());
        }
        if self.due_business_days > 60 {
            return bad("due_business_days must be at most 60".into());
        }
        if let Some(f) = self.required_fields.iter().find(|f| f.trim().is_empty()) {
            return bad(format!("required field {f:?} is empty"));
        }
        for (name, src) in [
            ("task_title", &self.task_title),
            ("email_subject", &self.email_subject),
            ("email_body", &self.email_body),
        ] {
            let env = minijinja::Environment::new();
            if let Err(e) = env.template_from_str(src) {
                return bad(format!("{name} is not a valid template: {e}"));
            }
        }
        Ok(())
    }

    /// The two playbooks a new workspace starts with.
    pub fn defaults() -> Vec<Playbook> {
        vec![Self::sales_to_delivery(), Self::marketing_to_sales()]
    }

    fn sales_to_delivery() -> Playbook {
        Playbook {
            key: "sales-to-delivery".into(),
            name: "Sales → Delivery".into(),
            enabled: true,
            kind: RecordKind::Deal,
            trigger_stage: stages::CLOSED_WON.into(),
            required_fields: fields::DELIVERY_FIELDS.iter().map(|s| s.to_string()).collect(),
            owner_rule: OwnerRule::RoundRobin { role: Role::Delivery },
            first_task: TaskKind::Kickoff,
            task_title: "Kickoff: {{ record.name }}".into(),
            due_business_days: 3,
            checklist: vec![
                "Read the handoff brief".into(),
                "Confirm scope and start date with the main contact".into(),
                "Send the welcome email".into(),
                "Schedule the kickoff call".into(),
                "Set up the project workspace".into(),
            ],
            unused_brief_prompts: serde::de::IgnoredAny,
            email_subject: "Welcome aboard, {{ fields.company or record.name }}".into(),
            email_body: "Hi {{ fields.main_contact or 'there' }},\n\n\
Thank you for choosing us. I'm {{ to_owner or 'your delivery lead' }} and I'll lead the work on \
{{ record.name }} from here.\n\n\
What we agreed: {{ fields.promised_deliverables or fields.signed_scope or 'the scope we discussed' }}.\n\
{% if fields.start_date %}We plan to start on {{ fields.start_date }}.\n{% endif %}\n\
I'll propose a kickoff time within the next few days.\n\nBest,\n{{ to_owner or 'The team' }}\n"
                .into(),
            exception_flags: ExceptionFlag::ALL.to_vec(),
            reviewer: None,
        }
    }

    fn marketing_to_sales() -> Playbook {
        Playbook {
            key: "marketing-to-sales".into(),
            name: "Marketing → Sales".into(),
            enabled: true,
            kind: RecordKind::Lead,
            trigger_stage: stages::SALES_QUALIFIED.into(),
            required_fields: fields::LEAD_FIELDS.iter().map(|s| s.to_string()).collect(),
            owner_rule: OwnerRule::LeastOpenTasks { role: Role::Sales },
            first_task: TaskKind::FollowUp,
            task_title: "Follow up {{ record.name }}{% if fields.campaign %} ({{ fields.campaign }}){% endif %}".into(),
            due_business_days: 1,
            checklist: vec![
                "Read the campaign context and pain point".into(),
                "Reply on the last touchpoint's channel".into(),
                "Book a discovery call".into(),
                "Log the outcome in the CRM".into(),
            ],
            unused_brief_prompts: serde::de::IgnoredAny,
            email_subject: "Following up on {{ fields.offer or 'your request' }}".into(),
            email_body: "Hi {{ record.name }},\n\nThanks for your interest in {{ fields.offer or 'our work' }}. \
I'm {{ to_owner or 'on the sales team' }} and I'd love to hear more about {{ fields.pain_point or 'what you need' }}.\n\n\
Best,\n{{ to_owner or 'The team' }}\n"
                .into(),
            exception_flags: vec![ExceptionFlag::NeedsFounderReview],
            reviewer: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_toml() {
        let file = PlaybookFile {
            playbooks: Playbook::defaults(),
        };
        let text = file.to_toml().unwrap();
        assert!(text.contains("trigger_stage = \"Closed Won\""), "{text}");
        assert!(text.contains("rule = \"round_robin\""), "{text}");
        assert_eq!(PlaybookFile::from_toml(&text).unwrap(), file);
    }

    /// `brief_prompts` was written by earlier versions and never asked: a file that has it
    /// still imports, and an export leaves it out.
    #[test]
    fn an_earlier_files_brief_prompts_are_read_and_no_longer_written() {
        let text = PlaybookFile {
            playbooks: Playbook::defaults(),
        }
        .to_toml()
        .unwrap();
        assert!(!text.contains("brief_prompts"), "{text}");
        let earlier = text.replacen(
            "checklist = [",
            "brief_prompts = [\"What was promised verbally?\"]\nchecklist = [",
            1,
        );
        assert!(earlier.contains("brief_prompts"), "{earlier}");
        let read = PlaybookFile::from_toml(&earlier).unwrap();
        assert_eq!(read.playbooks, Playbook::defaults());
        let json = r#"{"brief_prompts": ["What was promised verbally?"]}"#;
        let stored: serde_json::Value = serde_json::from_str(json).unwrap();
        let mut row = serde_json::to_value(Playbook::defaults().remove(0)).unwrap();
        row.as_object_mut()
            .unwrap()
            .extend(stored.as_object().unwrap().clone());
        assert_eq!(
            serde_json::from_value::<Playbook>(row).unwrap(),
            Playbook::defaults().remove(0),
            "a playbook stored by an earlier version"
        );
    }

    #[test]
    fn a_broken_playbook_file_is_refused_with_the_reason() {
        let mut file = PlaybookFile {
            playbooks: Playbook::defaults(),
        };
        file.playbooks[1].key = file.playbooks[0].key.clone();
        let err = PlaybookFile::from_toml(&file.to_toml().unwrap()).unwrap_err();
        assert!(err.to_string().contains("used twice"), "{err}");

        let mut bad = Playbook::defaults().remove(0);
        bad.task_title = "Kickoff {{ record.name".into();
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("task_title"));
    }
}
