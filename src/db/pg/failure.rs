//! What PostgreSQL's failures mean for Baton: the same failure as on a workspace file is the
//! same error; what only a team workspace meets (a teammate's write in the way, a lost
//! connection) is said in its own sentence.

use crate::db::{DbError, Failure};
use crate::error::Error;

/// What a write that collided with a teammate's says, once it ran out of attempts.
pub(crate) const COLLIDED: &str =
    "a teammate changed the same records at the same moment; nothing was changed: try again";

/// What a write that found the workspace held by a teammate's import or undo is told, before
/// it waits and tries again.
pub(crate) const LOCKED: &str = "a teammate's import or undo holds the team workspace";

/// What a write says when a transaction pooler the address did not name was found in the
/// middle of it (a statement prepared before it went missing): Baton sends its statements
/// unnamed from then on, and the write runs again.
pub(crate) const MOVED: &str = "the team database's pooler moved this connection to another server in the middle of a write; nothing was changed: try again";

/// Whether `e` is a write cut short by finding a transaction pooler (it may be run again).
pub(crate) fn moved_on(e: &Error) -> bool {
    matches!(e, Error::Conflict(m) if m == MOVED)
}

/// Whether `e` is a write that found the workspace held by a teammate's import or undo.
pub(crate) fn held(e: &Error) -> bool {
    matches!(e, Error::Conflict(m) if m == LOCKED)
}

/// Whether `e` is a write that collided with a teammate's (and may be run again).
pub(crate) fn collided(e: &Error) -> bool {
    matches!(e, Error::Conflict(m) if m == COLLIDED)
}

/// A statement that failed on an open connection: what the server said, a value Baton could
/// not convert (a fault of Baton's, told as such), or the connection gone.
pub(crate) fn error(e: tokio_postgres::Error) -> Error {
    if super::moved(&e) {
        return Error::Conflict(MOVED.into());
    }
    if let Some(d) = e.as_db_error() {
        use tokio_postgres::error::SqlState;
        // A CRM id stored by a teammate's import meanwhile (a first import sends its new
        // records without asking for each) is the same collision.
        let same_crm_id =
            *d.code() == SqlState::UNIQUE_VIOLATION && d.constraint() == Some("records_external");
        if *d.code() == SqlState::T_R_SERIALIZATION_FAILURE
            || *d.code() == SqlState::T_R_DEADLOCK_DETECTED
            || same_crm_id
        {
            return Error::Conflict(COLLIDED.into());
        }
        // A teammate's import or undo holds the workspace (the write's first lock, waited
        // for a second at a time): the write says it waits and tries again.
        if *d.code() == SqlState::LOCK_NOT_AVAILABLE {
            return Error::Conflict(LOCKED.into());
        }
        // The server ending the session (a restart, an administrator) is a lost connection.
        if [
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
        ]
        .contains(d.code())
        {
            return Error::Unreachable(
                "the connection to the team database was lost; nothing was changed, try again"
                    .into(),
            );
        }
        // Someone else's to decide: Baton's own refusals are sentences naming who may; the
        // server's own ("permission denied for table …") are said as a refusal too.
        if *d.code() == SqlState::INSUFFICIENT_PRIVILEGE {
            let m = d.message();
            return Error::Refused(match m.strip_prefix("permission denied for ") {
                Some(what) => format!(
                    "your login may not do that on this team workspace (the database refused: permission denied for {what}); an admin decides who may change what"
                ),
                None => m.to_string(),
            });
        }
        // Any other failure is what the same failure on a workspace file is: the database's.
        let what = match *d.code() {
            SqlState::UNIQUE_VIOLATION => Failure::Unique,
            SqlState::DISK_FULL => Failure::DiskFull,
            _ => Failure::Other,
        };
        return Error::Db(DbError::new(
            what,
            format!("the team database said: {}", d.message()),
        ));
    }
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return Error::Unreachable(
            "the connection to the team database was lost; nothing was changed, try again".into(),
        );
    }
    match std::error::Error::source(&e) {
        Some(why) => Error::Conflict(format!("{e}: {why}")),
        None => Error::Conflict(e.to_string()),
    }
}
