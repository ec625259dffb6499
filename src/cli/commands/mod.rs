//! One file per command group; `main.rs` keeps the command tree and the dispatch.

pub(crate) mod file;
pub(crate) mod handoffs;
pub(crate) mod import;
pub(crate) mod playbooks;
pub(crate) mod reach;
pub(crate) mod records;
pub(crate) mod reports;
pub(crate) mod team;
pub(crate) mod webhooks;
