//! One query module per table: the statements the workspace runs, and nothing else.

pub(crate) mod events;
pub(crate) mod export;
pub(crate) mod handoffs;
pub(crate) mod people;
pub(crate) mod playbooks;
pub(crate) mod settings;
pub(crate) mod tasks;
