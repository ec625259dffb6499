//! What the integration tests share: a workspace file on disk with a fixed clock and a team.

// Each test file uses a part of this module.
#![allow(dead_code)]

use baton::{FixedClock, Origin, Role, Workspace};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// An RFC 3339 moment.
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A fresh workspace file whose clock stands at `now`, with `team` on it (the first one is me).
/// The folder goes when the `TempDir` does.
pub fn workspace(
    now: &str,
    team: &[(&str, Role)],
) -> (Workspace, Arc<FixedClock>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(at(now)));
    let mut ws = Workspace::open(&dir.path().join("w.sqlite"), clock.clone()).unwrap();
    for (i, (name, role)) in team.iter().enumerate() {
        ws.add_person(name, *role, None, i == 0, Origin::Cli)
            .unwrap();
    }
    (ws, clock, dir)
}
