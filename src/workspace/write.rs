//! The write context: what every write in one transaction shares (its connection, its moment,
//! its actor, the change-log entry its rows are logged under) and what a concept keeps for the
//! length of one write (the handoff rules' team and counts, the chat webhooks). The write
//! funnel ([`super::Workspace::write`]) makes one for each write; concepts add their own methods
//! to it where they live (`handoffs/apply.rs`, `reach/webhooks.rs`).

use crate::clock::Stamp;
use crate::db::sql::Db;
use crate::error::Result;
use crate::model::ImportId;
use chrono::{DateTime, NaiveDate, Utc};

/// A moment as the workspace stores it.
pub(crate) fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The moment and the actor every write in one transaction shares.
pub(crate) struct Ctx<'a> {
    pub conn: &'a Db,
    pub now: DateTime<Utc>,
    pub actor: String,
    /// The change-log entry every row written here is logged under.
    pub change: i64,
    /// The import this write is, once it has its id.
    import: std::cell::Cell<Option<ImportId>>,
    /// `now` as stored, formatted once: an import stamps many rows.
    stamp: String,
    /// What the handoff rules keep for the length of this write.
    pub(crate) rules: crate::handoffs::apply::Kept,
    /// The chat webhooks, read the first time a decision is announced.
    pub(crate) webhooks: std::cell::OnceCell<Vec<crate::reach::queries::Stored>>,
    /// The first chat post this write queued, to deliver once it has committed.
    pub(crate) first_post: std::cell::Cell<Option<crate::model::PostId>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(conn: &'a Db, now: DateTime<Utc>, actor: String, change: i64) -> Self {
        Ctx {
            conn,
            now,
            actor,
            change,
            import: std::cell::Cell::new(None),
            stamp: stamp(now),
            rules: Default::default(),
            webhooks: std::cell::OnceCell::new(),
            first_post: std::cell::Cell::new(None),
        }
    }

    /// Notes a chat post this write queued ([`Ctx::first_post`]).
    pub(crate) fn posted(&self, id: crate::model::PostId) {
        keep_first(&self.first_post, id);
    }

    /// Marks this write as import `id`: its stage changes and its change-log entry say so.
    pub(crate) fn set_import(&self, id: ImportId) -> Result<()> {
        self.import.set(Some(id));
        crate::db::changelog::set_import(self.conn, self.change, id)
    }

    /// The import this write is, if it is one.
    pub(crate) fn import(&self) -> Option<ImportId> {
        self.import.get()
    }

    /// `now` as stored: the text every row this write stamps gets.
    pub(crate) fn stamp(&self) -> &str {
        &self.stamp
    }

    /// `now`, to the second.
    pub(crate) fn at(&self) -> Stamp {
        Stamp::new(self.now)
    }

    pub(crate) fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// Writes what the concepts kept to write once, as the write ends.
    pub(crate) fn finish(&self) -> Result<()> {
        self.rules.finish(self.conn)
    }
}

/// Keeps in `first` the earlier of the post it holds and `id`.
pub(crate) fn keep_first(
    first: &std::cell::Cell<Option<crate::model::PostId>>,
    id: crate::model::PostId,
) {
    first.set(Some(first.get().map_or(id, |f| f.min(id))));
}
