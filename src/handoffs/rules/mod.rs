//! Playbooks and the pure rule engine: no I/O here; the workspace applies the decisions.

mod assign;
mod calendar;
mod engine;
mod playbook;
mod transitions;

pub use assign::{assign, Assignment};
pub use calendar::add_business_days;
pub use engine::{decide, evaluate, missing_fields, Decision, OpenHandoff, Outcome};
pub use playbook::{OwnerRule, Playbook, PlaybookFile};
pub use transitions::{decide_act, decide_done, Act, HandoffFacts, LastDecision, Step, TaskFacts};
