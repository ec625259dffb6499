//! The queries of handoffs and their drafts, tasks, the audit log and outbox, and playbooks.

pub(crate) mod events;
pub(crate) mod handoffs;
pub(crate) mod playbooks;
pub(crate) mod tasks;
