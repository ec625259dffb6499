//! The workspace's own queries: the team and holidays, its settings, and every table as rows for
//! the full export.

pub(crate) mod export;
pub(crate) mod people;
pub(crate) mod settings;
