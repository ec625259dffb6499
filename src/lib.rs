//! Baton's core: CRM handoffs that stop depending on memory.
//!
//! A [`Workspace`] is one SQLite file. Records enter stages; [`Playbook`]s turn a stage entry into
//! a handoff that pauses for missing fields, goes to review on an exception flag, or hands off
//! with a kickoff task, a brief, a welcome email draft and a notification.

#![warn(missing_docs)]

pub mod cli;
mod clock;
mod db;
mod demo;
mod error;
pub mod fields;
mod handoffs;
mod health;
pub mod import;
mod model;
mod reach;
mod records;
pub mod spreadsheet;
pub mod stages;
pub mod team;
mod templates;
pub mod vocabulary;
mod workspace;

pub use clock::{Clock, Day, FixedClock, Stamp, SystemClock};
pub use db::{damage, DbError, LATEST_VERSION, MIGRATIONS};
pub use error::{Error, Hint, Result};
pub use handoffs::{brief, impact, rules, Review};
pub use model::*;
pub use reach::webhooks::{self, Delivery, Due, PostJob, PostOutcome, Webhook};
pub use reach::writeback::{self, Crm, Writeback};
pub use rules::{OwnerRule, Playbook, PlaybookFile};
pub use workspace::*;

/// The desktop app's identifier; its data directory is named after it.
pub const APP_IDENTIFIER: &str = "dev.baton.desktop";

/// The identifier before 0.1.0 (an identifier ending in `.app` clashes with macOS app bundles);
/// a workspace found under it moves to the new data directory.
pub const OLD_APP_IDENTIFIER: &str = "dev.baton.app";
