//! The nouns of a handoff, in the user's words: records, stages, flags, handoffs, tasks.

use crate::clock::{Day, Stamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl crate::db::ToValue for $name {
            fn to_value(&self) -> Result<crate::db::Bound<'_>, crate::db::ValueError> {
                self.0.to_value()
            }
        }

        impl crate::db::FromValue for $name {
            fn from_value(v: crate::db::ValueRef<'_>) -> Result<Self, crate::db::ValueError> {
                i64::from_value(v).map($name)
            }
        }
    )*};
}

id_type!(
    /// A record's internal id.
    RecordId,
    /// A handoff's id.
    HandoffId,
    /// A task's id.
    TaskId,
    /// A person's id.
    PersonId,
    /// An import's id.
    ImportId,
    /// A notification's id (in the outbox).
    NotificationId,
    /// A welcome email draft's id.
    DraftId,
    /// A chat webhook's id.
    WebhookId,
    /// A queued webhook post's id.
    PostId,
);

/// Whether a row stands for text the user wrote in SQL; shared by the enums below.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable key stored in the database and printed by `--json`.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// Parses the stable key.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::db::ToValue for $name {
            fn to_value(&self) -> Result<crate::db::Bound<'_>, crate::db::ValueError> {
                Ok(crate::db::Bound::Ref(crate::db::ValueRef::Text(self.as_str())))
            }
        }

        impl crate::db::FromValue for $name {
            fn from_value(v: crate::db::ValueRef<'_>) -> Result<Self, crate::db::ValueError> {
                let s = v.as_str()?;
                $name::parse(s).ok_or_else(|| crate::db::ValueError::Invalid(
                    format!("unknown {} {s:?}", stringify!($name))))
            }
        }
    };
}

text_enum!(
    /// What a CRM record is.
    RecordKind { /// A deal / opportunity.
        Deal = "deal", /// A lead / contact in the funnel.
        Lead = "lead" }
);

text_enum!(
    /// Where the handoff stands.
    HandoffStatus {
        /// Required fields are missing; the current owner was asked for them.
        Paused = "paused",
        /// An exception flag routed it to the reviewer.
        InReview = "in_review",
        /// The reviewer (or the receiving side) sent it back to the owner with a note.
        SentBack = "sent_back",
        /// The next owner has it; the first task exists.
        HandedOff = "handed_off",
        /// The receiving side escalated: context was missing.
        Escalated = "escalated",
        /// The receiving side took it (a lead's follow-up is done).
        Accepted = "accepted",
        /// The kickoff has a date; the health clock stops here.
        KickoffScheduled = "kickoff_scheduled",
        /// The record left the trigger stage before the handoff finished.
        Cancelled = "cancelled",
    }
);

impl HandoffStatus {
    /// Whether the handoff is still in flight (not finished, not cancelled).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            HandoffStatus::Accepted | HandoffStatus::KickoffScheduled | HandoffStatus::Cancelled
        )
    }
}

text_enum!(
    /// What a task is for.
    TaskKind {
        /// Start delivery: the first task of a Sales → Delivery handoff.
        Kickoff = "kickoff",
        /// Review an exception before onboarding.
        Review = "review",
        /// Fill the missing checklist fields (or rework what was sent back).
        CompleteFields = "complete_fields",
        /// Follow up a qualified lead.
        FollowUp = "follow_up",
    }
);

text_enum!(
    /// Whether a task still needs doing.
    TaskStatus { /// Still to do.
        Open = "open", /// Done by its assignee.
        Done = "done", /// Closed because the handoff moved on or was cancelled.
        Cancelled = "cancelled" }
);

text_enum!(
    /// Who made a change: every write carries its origin.
    Origin { /// A CSV import.
        Import = "import", /// The desktop app.
        App = "app", /// The command line.
        Cli = "cli", /// An export the app found in the watched folder.
        Watch = "watch", /// Baton itself: reminders, delivering notifications, setting up.
        System = "system" }
);

text_enum!(
    /// What an audit event records. Health and its partial indexes match some of these texts in
    /// SQL (`paused`, `in_review`, `escalated`, `rejected`); a test pins them.
    EventKind { /// A record added by hand.
        Added = "added", /// A record moved to another stage.
        Moved = "moved", /// A record's fields changed.
        Edited = "edited", /// An exception flag set.
        Flagged = "flagged", /// An exception flag cleared.
        Unflagged = "unflagged", /// The brief's human context changed.
        Context = "context", /// A record entered a trigger stage.
        Triggered = "triggered", /// A handoff paused for missing fields.
        Paused = "paused", /// A handoff went to review.
        InReview = "in_review", /// A handoff reached its next owner.
        HandedOff = "handed_off", /// A paused handoff had everything and went on.
        Resumed = "resumed", /// A paused handoff's missing fields changed.
        FieldsUpdated = "fields_updated", /// A handoff stopped: its record left the stage.
        Cancelled = "cancelled", /// The reviewer approved an exception.
        Approved = "approved", /// The reviewer sent an exception back.
        SentBack = "sent_back", /// Sales sent a lead back.
        Rejected = "rejected", /// Delivery said context was missing.
        Escalated = "escalated", /// The owner reworked a sent-back handoff.
        Resubmitted = "resubmitted", /// The missing context was added.
        EscalationResolved = "escalation_resolved", /// Sales followed a lead up.
        Accepted = "accepted", /// The kickoff has a date.
        KickoffScheduled = "kickoff_scheduled", /// An import was taken back.
        ImportUndone = "import_undone", /// A person edited the welcome email draft.
        DraftEdited = "draft_edited", /// A person sent the welcome email from their mail app.
        DraftSent = "draft_sent", /// A chat webhook took a post (HTTP 2xx).
        WebhookPosted = "webhook_posted", /// A chat webhook post failed (the status or why).
        WebhookFailed = "webhook_failed" }
);

text_enum!(
    /// An exception that routes a handoff to human review instead of onboarding.
    ExceptionFlag {
        /// The scope differs from the standard offer.
        CustomScope = "custom_scope",
        /// The founder wants to see this one.
        NeedsFounderReview = "needs_founder_review",
        /// Something in the contract is not settled.
        MissingContractDetail = "missing_contract_detail",
        /// Delivery sees a risk.
        DeliveryRisk = "delivery_risk",
    }
);

impl ExceptionFlag {
    /// The flag in words, as the UI shows it.
    pub fn label(self) -> &'static str {
        match self {
            ExceptionFlag::CustomScope => "Custom Scope",
            ExceptionFlag::NeedsFounderReview => "Needs Founder Review",
            ExceptionFlag::MissingContractDetail => "Missing Contract Detail",
            ExceptionFlag::DeliveryRisk => "Delivery Risk",
        }
    }

    /// Reads a flag given as a key or in words ("Custom Scope", "custom-scope").
    pub fn from_user(s: &str) -> Option<Self> {
        let want = crate::stages::squash(s);
        ExceptionFlag::ALL
            .iter()
            .copied()
            .find(|f| crate::stages::squash(f.as_str()) == want)
    }

    /// Reads a cell of flags separated by `;` or `,`; unknown names are returned as errors.
    pub fn parse_list(cell: &str) -> Result<BTreeSet<Self>, String> {
        let mut out = BTreeSet::new();
        for part in cell
            .split([';', ','])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match ExceptionFlag::from_user(part) {
                Some(f) => {
                    out.insert(f);
                }
                None => return Err(part.to_string()),
            }
        }
        Ok(out)
    }
}

/// A CRM record as the workspace keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Internal id.
    pub id: RecordId,
    /// Deal or lead.
    pub kind: RecordKind,
    /// The CRM it came from ("hubspot", "pipedrive", … or "baton" when added here).
    pub source: String,
    /// The CRM's own record id, when imported.
    pub external_id: Option<String>,
    /// Its name.
    pub name: String,
    /// Its current stage (canonical name).
    pub stage: String,
    /// Its owner's name, if any.
    pub owner: Option<String>,
    /// Every other field by canonical key (or original header for custom fields).
    pub fields: BTreeMap<String, String>,
    /// Exception flags set on it.
    pub flags: BTreeSet<ExceptionFlag>,
}

impl Record {
    /// The value of a field, treating blank as missing; `name`, `stage` and `owner` included.
    pub fn field(&self, key: &str) -> Option<&str> {
        let v = match key {
            "name" => Some(self.name.as_str()),
            "stage" => Some(self.stage.as_str()),
            "owner" => self.owner.as_deref(),
            _ => self.fields.get(key).map(String::as_str),
        };
        v.filter(|s| !s.trim().is_empty())
    }
}

/// A handoff as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handoff {
    /// Its id.
    pub id: HandoffId,
    /// The record handed off.
    pub record_id: RecordId,
    /// The record's CRM id.
    pub external_id: Option<String>,
    /// The record's name.
    pub record_name: String,
    /// The playbook's key.
    pub playbook: String,
    /// Where it stands.
    pub status: HandoffStatus,
    /// Required fields still missing (empty unless paused).
    pub missing_fields: Vec<String>,
    /// The same fields as people read them (`Buyer goals`).
    pub missing_labels: Vec<String>,
    /// Who had the record when the trigger fired.
    pub from_owner: Option<String>,
    /// Who owns the next step.
    pub to_owner: Option<String>,
    /// When the record entered the trigger stage.
    pub triggered_at: Stamp,
    /// When it was handed off.
    pub handed_off_at: Option<Stamp>,
    /// When the kickoff was scheduled.
    pub kickoff_scheduled_at: Option<Stamp>,
    /// Whether every required field was present when the trigger fired.
    pub complete_at_trigger: bool,
    /// The human judgment added to the brief.
    pub context: BTreeMap<String, String>,
    /// The latest note from a reviewer, escalation or rejection.
    pub note: Option<String>,
    /// When it last paused for missing fields.
    pub paused_at: Option<Stamp>,
}

/// One line of a task's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// What to do.
    pub item: String,
    /// Whether it is done.
    pub done: bool,
}

/// A task as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    /// Its id.
    pub id: TaskId,
    /// The handoff it belongs to.
    pub handoff_id: Option<HandoffId>,
    /// The record it is about.
    pub record_id: RecordId,
    /// What kind of task.
    pub kind: TaskKind,
    /// Its title.
    pub title: String,
    /// Who should do it.
    pub assignee: Option<String>,
    /// Due date.
    pub due: Option<Day>,
    /// Open, done or cancelled.
    pub status: TaskStatus,
    /// Its checklist.
    pub checklist: Vec<ChecklistItem>,
    /// For a kickoff task: the kickoff date once scheduled.
    pub kickoff_date: Option<Day>,
}

/// A team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Its id.
    pub id: PersonId,
    /// Display name; owners in CSV exports are matched on it.
    pub name: String,
    /// Email, if known.
    pub email: Option<String>,
    /// Role: sales, marketing, delivery or founder.
    pub role: Role,
    /// Whether this is the person using this laptop.
    pub is_me: bool,
}

text_enum!(
    /// A person's role, used by owner rules and reviewers.
    Role { /// Sells.
        Sales = "sales", /// Brings leads.
        Marketing = "marketing", /// Delivers.
        Delivery = "delivery", /// Reviews exceptions.
        Founder = "founder" }
);

text_enum!(
    /// Where a chat webhook posts, which decides the message's shape.
    WebhookKind { /// A Slack incoming webhook.
        Slack = "slack", /// A Microsoft Teams workflow ("post to a channel when a webhook
        /// request is received"): an Adaptive Card.
        Teams = "teams", /// A Google Chat space's incoming webhook.
        Gchat = "gchat", /// Any other endpoint: Baton's own JSON.
        Json = "json" }
);

impl WebhookKind {
    /// The service in words.
    pub fn words(self) -> &'static str {
        match self {
            WebhookKind::Slack => "Slack",
            WebhookKind::Teams => "Microsoft Teams",
            WebhookKind::Gchat => "Google Chat",
            WebhookKind::Json => "JSON webhook",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EventKind;

    /// Health and its partial indexes match event kinds in SQL text; renaming one of these
    /// would silently zero a weekly figure, so the texts are pinned to the vocabulary here.
    #[test]
    fn the_event_kinds_health_matches_in_sql_are_the_vocabulary() {
        let health = include_str!("health/mod.rs");
        let leaks = include_str!("health/leaks.rs");
        let indexes = include_str!("db/migrations/0008_health_days.sql");
        let pairs = [
            (EventKind::Escalated, "'escalated'"),
            (EventKind::Rejected, "'rejected'"),
            (EventKind::Paused, "'paused'"),
            (EventKind::InReview, "'in_review'"),
        ];
        for (kind, quoted) in pairs {
            assert_eq!(format!("'{}'", kind.as_str()), quoted);
            assert!(
                health.contains(quoted) || leaks.contains(quoted) || indexes.contains(quoted),
                "{quoted} is no longer matched anywhere; update this test with the query"
            );
        }
        assert!(indexes.contains("kind IN ('escalated', 'rejected')"));
        assert!(health.contains("kind IN ('escalated', 'rejected')"));
        let round: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(round.len(), 26);
    }
}
