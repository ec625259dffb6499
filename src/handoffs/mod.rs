//! Handoffs: the pure engine (every transition a decision), the playbooks and owner rules, the
//! business-day calendar, applying decisions in a write, the human actions, the checklist
//! wizard, reminders, the brief, and the queries of handoffs, tasks, the audit log and outbox,
//! and playbooks.

pub(crate) mod actions;
pub(crate) mod apply;
mod backtest;
pub mod brief;
pub mod impact;
mod lists;
pub(crate) mod queries;
mod reminders;
pub mod rules;
mod wizard;

pub use apply::{PlannedTask, RuleEffects};
pub use backtest::Backtest;
pub use impact::PlaybookImpact;
pub use lists::Review;
pub use wizard::{ContextQuestion, Wizard, WizardField, WizardSaved, WizardStep};
