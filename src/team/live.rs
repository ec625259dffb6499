//! A team workspace seen from a laptop's app: what a connection attempt finds there (Settings'
//! **Test connection**), and a second connection that follows the workspace, woken by every
//! write a teammate's Baton commits and by every notification, and the first to notice the
//! server has gone.

use super::{connect, queries, team_version, version, TeamUrl, TEAM_MIGRATIONS};
use crate::db::sql::Db;
use crate::error::Result;
use serde::Serialize;
use std::time::{Duration, Instant};

/// What Settings' **Test connection** found at an address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probe {
    /// The address, without its password.
    pub server: String,
    /// PostgreSQL's version.
    pub server_version: String,
    /// One round trip, in milliseconds.
    pub latency_ms: f64,
    /// Whether the connection is encrypted, as the server sees it.
    pub encrypted: bool,
    /// The Baton schema's version there; `None` when the database has none yet.
    pub schema_version: Option<u32>,
    /// The newest this Baton knows.
    pub known_version: u32,
    /// Tables that are not Baton's (a database for something else).
    pub other_tables: usize,
    /// Whether a team's work is already there (records, people, events or imports).
    pub holds_work: bool,
    /// When the address is a transaction pooler: what that means and what to use instead.
    pub pooler: Option<String>,
}

/// Connects to `url` and says what is there, writing nothing.
pub fn probe(url: &TeamUrl) -> Result<Probe> {
    let c = Db::postgres(connect(url)?);
    let started = Instant::now();
    queries::ping(&c)?;
    let latency_ms = (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
    let tables = queries::tables(&c)?;
    let baton = tables.iter().any(|t| t == "schema_migrations");
    let schema_version = if baton { Some(version(&c)?) } else { None };
    Ok(Probe {
        server: url.to_string(),
        server_version: queries::server_version(&c)?,
        latency_ms,
        encrypted: queries::encrypted(&c)?,
        schema_version,
        known_version: TEAM_MIGRATIONS.len() as u32,
        other_tables: if baton { 0 } else { tables.len() },
        holds_work: baton && !queries::team_is_empty(&c)?,
        pooler: c.pooler_seen_from(url)?.map(|p| p.sentence()),
    })
}

/// A connection that follows a team workspace. [`Follower::wait`] returns when any Baton
/// commits a write or a notification (the server wakes it: LISTEN), and [`Follower::check`]
/// looks, in one statement, whether the workspace moved past the last change this follower
/// saw (its cursor) — after a lost connection, which it reopens by itself, or every few
/// seconds where the server cannot wake it (behind a transaction pooler). Nothing happening,
/// it sends nothing: how often to check is the caller's to choose.
pub struct Follower {
    db: Db,
    /// The newest change this follower has seen.
    cursor: std::cell::Cell<i64>,
}

impl Follower {
    /// Connects to the team workspace at `url` and asks to be woken by every committed write
    /// and notification.
    pub fn connect(url: &TeamUrl) -> Result<Follower> {
        let db = Db::postgres(connect(url)?);
        team_version(&db, url)?;
        db.listen("baton_change")?;
        db.listen("baton_inbox")?;
        let cursor = queries::latest_change(&db)?;
        Ok(Follower {
            db,
            cursor: cursor.into(),
        })
    }

    /// Whether the server cannot wake this follower (a transaction pooler is in front): then
    /// only [`Follower::check`] finds news, and that one sentence says what to do instead.
    pub fn pooler(&self) -> Option<String> {
        self.db.transaction_pooler().map(|p| p.sentence())
    }

    /// Waits up to `timeout` for a teammate's write or notification; whether one came (then
    /// the cursor moves to it). An error means the connection is lost (the server stopped,
    /// ended the session, the network went); [`Follower::check`] connects again.
    pub fn wait(&self, timeout: Duration) -> Result<bool> {
        if self.db.transaction_pooler().is_some() {
            std::thread::sleep(timeout);
            return Ok(false);
        }
        if !self.db.wait_for_wake(timeout)? {
            return Ok(false);
        }
        self.check()?;
        Ok(true)
    }

    /// One statement: whether the workspace has changed since the cursor (which then moves);
    /// on a lost connection, a new one is opened first, quietly, and listened on again. An
    /// error means the server cannot be reached.
    pub fn check(&self) -> Result<bool> {
        let latest = queries::latest_change(&self.db)?;
        Ok(self.cursor.replace(latest) != latest)
    }
}
