//! The `Workspace` facade: the one API the CLI and the desktop shell call.

pub(crate) mod busy;
pub mod concepts;
mod export;
pub(crate) mod queries;
mod settings;
pub(crate) mod write;

pub use crate::handoffs::{Backtest, PlannedTask, PlaybookImpact, RuleEffects};
pub use crate::handoffs::{ContextQuestion, Wizard, WizardField, WizardSaved, WizardStep};
pub use crate::health::{
    Health, HealthRow, HealthTableRow, LeakCheck, Middle, Spread, StageTime, Stuck, Waiting,
    WeekHealth, LEAK_LISTED, STUCK_DAYS,
};
pub use crate::import::{ImportSummary, KEEP_BACKUPS};
pub use crate::records::{BoardCard, BoardColumn};
pub use crate::records::{NewRecord, RecordDetail};
pub use busy::{running as running_import, Running, Waiting as WaitingForWrite, WAIT_LIMIT};
pub use export::Manifest;
pub use settings::{FolderImport, WatchedFolder};

use crate::clock::Clock;
use crate::db;
use crate::db::sql::Db;
use crate::error::{Error, Result};
use crate::handoffs::queries::playbooks;
use crate::handoffs::rules::Playbook;
use crate::model::{Origin, Person, PersonId};
use crate::workspace::queries::people;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use crate::handoffs::queries::events::{while_away, Event, Notification};
pub use crate::handoffs::queries::handoffs::EmailDraft;
pub use crate::records::StageChange;

/// How many times a write on a team workspace runs when it keeps colliding with teammates'.
pub(crate) const TEAM_ATTEMPTS: u32 = 12;

/// How a team workspace's write runs beside teammates' writes.
#[derive(Debug, Clone, Copy)]
enum Attempts {
    /// Beside them, run again when it collides with one.
    Retried,
    /// Once, with no other write beside it (an import reads its file as it writes).
    Alone,
}

/// Whether a write keeps what it wrote.
pub(crate) enum Finish {
    Commit,
    RollBack,
}

/// A write under way; a second one started inside it (a bug: it would join the first one's
/// transaction on PostgreSQL, and end it early) is refused.
struct Writing<'a>(&'a std::cell::Cell<bool>);

impl<'a> Writing<'a> {
    fn start(flag: &'a std::cell::Cell<bool>) -> Result<Self> {
        if flag.replace(true) {
            return Err(Error::Conflict(
                "a write started inside another write; nothing was changed".into(),
            ));
        }
        Ok(Writing(flag))
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// One workspace file and the clock that stamps its changes.
pub struct Workspace {
    pub(crate) conn: Db,
    /// The change the write in progress is logged under.
    change: crate::db::sqlite::capture::Current,
    pub(crate) clock: Box<dyn Clock>,
    pub(crate) path: Option<PathBuf>,
    /// Told, about once a second, while a write waits for another program's to finish.
    on_wait: std::cell::RefCell<Option<busy::OnWait>>,
    /// Whether a write is under way: a write never starts inside another ([`Writing`]).
    writing: std::cell::Cell<bool>,
    /// Why this user cannot write the file, when they cannot: it was opened read-only.
    read_only: Option<String>,
    /// Who is using Baton when a script or a teammate's laptop says so (`--me`, `BATON_ME`),
    /// over the workspace's own "this is me".
    me_override: Option<PersonId>,
    /// On a team workspace, who this session's login is (read when it opened): "me" there.
    pub(crate) login: Option<crate::team::Login>,
    /// The first chat post a write here queued and committed ([`write::Ctx::posted`]).
    pub(crate) posted: std::cell::Cell<Option<crate::model::PostId>>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Where the desktop app keeps its workspace; the CLI uses the same file by default.
pub fn default_workspace_path() -> PathBuf {
    workspace_in(&dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")))
}

/// The workspace file in a platform data directory. A workspace kept under the old identifier
/// moves to the new folder the first time; if it cannot move, it is used where it is.
fn workspace_in(data: &Path) -> PathBuf {
    let dir = data.join(crate::APP_IDENTIFIER);
    let old = data.join(crate::OLD_APP_IDENTIFIER);
    if !dir.exists()
        && old.join("workspace.sqlite").exists()
        && std::fs::rename(&old, &dir).is_err()
    {
        return old.join("workspace.sqlite");
    }
    dir.join("workspace.sqlite")
}

/// A field and how often it is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldCount {
    /// The field key.
    pub field: String,
    /// The field as people read it (`Buyer goals`).
    pub label: String,
    /// How many records lack it.
    pub count: u64,
}

impl FieldCount {
    /// A count of the field `key`, labelled.
    pub fn new(key: String, count: u64) -> Self {
        FieldCount {
            label: crate::fields::label(&key),
            field: key,
            count,
        }
    }
}

impl Workspace {
    /// Opens (or creates) the workspace file at `path`.
    pub fn open(path: &Path, clock: impl Clock + 'static) -> Result<Self> {
        not_a_team_address(path)?;
        db::open(path)
            .and_then(|o| {
                Self::init(
                    (Db::Sqlite(o.conn), o.change),
                    clock,
                    Some(path.to_path_buf()),
                    o.read_only,
                )
            })
            .map_err(|e| db::damage::explain(path, e))
    }

    /// `e`, or the damaged-workspace sentence (naming the copy to restore) when it is SQLite
    /// saying this workspace's file is damaged; from then on every write refuses.
    pub fn explain(&self, e: Error) -> Error {
        match &self.path {
            Some(p) => db::damage::explain(p, e),
            None => e,
        }
    }

    /// A workspace that lives in memory, for tests.
    pub fn open_in_memory(clock: impl Clock + 'static) -> Result<Self> {
        let (conn, change) = db::open_in_memory()?;
        Self::init((Db::Sqlite(conn), change), clock, None, None)
    }

    pub(crate) fn init(
        (conn, change): (Db, crate::db::sqlite::capture::Current),
        clock: impl Clock + 'static,
        path: Option<PathBuf>,
        read_only: Option<String>,
    ) -> Result<Self> {
        let ws = Workspace {
            conn,
            change,
            clock: Box::new(clock),
            path,
            on_wait: Default::default(),
            writing: Default::default(),
            read_only,
            me_override: None,
            login: None,
            posted: Default::default(),
        };
        if ws.read_only.is_none() && playbooks::list(&ws.conn)?.is_empty() {
            ws.write(Origin::System, |cx| {
                playbooks::replace_all(cx.conn, &Playbook::defaults())
            })?;
        }
        Ok(ws)
    }

    /// Calls `f` while a write waits for another program's write (a long import) to finish,
    /// about once a second, so the person waiting is told what is happening.
    pub fn on_wait(&mut self, f: impl FnMut(&busy::Waiting) + Send + 'static) {
        *self.on_wait.borrow_mut() = Some(Box::new(f));
    }

    /// Why this workspace cannot be changed by this user, when it was opened read-only.
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// Whether this is a team workspace (PostgreSQL) rather than a file.
    pub fn is_team(&self) -> bool {
        self.conn.dialect() == crate::db::sql::Dialect::Postgres
    }

    /// The workspace file, if it is on disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The current time as the workspace sees it.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn actor(&self, origin: Origin) -> Result<String> {
        // On a team workspace the database names who, from the login, whatever is sent; this
        // says the same (an import there is a person's: "Priya Natarajan (import)").
        if let Some(login) = &self.login {
            let origin = if origin == Origin::Watch {
                Origin::Import
            } else {
                origin
            };
            return Ok(match &login.person {
                Some(p) => format!("{p} ({origin})"),
                None => origin.to_string(),
            });
        }
        Ok(match self.me()? {
            // An export the watched folder found is an import like any other in the audit log.
            _ if matches!(origin, Origin::Import | Origin::Watch) => Origin::Import.to_string(),
            Some(me) => format!("{} ({origin})", me.name),
            None => origin.as_str().to_string(),
        })
    }

    /// The write funnel: runs `f` in one transaction with a context stamped now, logging every
    /// row it changes under one change of `origin`. The only place a transaction opens.
    ///
    /// On a team workspace a write that collides with a teammate's at the same moment is run
    /// again, up to [`TEAM_ATTEMPTS`] times (so `f` may run more than once; only its database
    /// work is kept).
    pub(crate) fn write<T>(
        &self,
        origin: Origin,
        mut f: impl FnMut(&write::Ctx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_unless(origin, |cx| f(cx).map(|v| (v, Finish::Commit)))
    }

    /// [`Workspace::write`], where `f` also says whether to keep what it wrote: a write that
    /// finds, once it has read, that it has nothing to change rolls back and leaves no trace.
    pub(crate) fn write_unless<T>(
        &self,
        origin: Origin,
        f: impl FnMut(&write::Ctx<'_>) -> Result<(T, Finish)>,
    ) -> Result<T> {
        if self.is_team() {
            let now = self.now();
            return self.transact_team(origin, None, now, Attempts::Retried, f);
        }
        self.transact(origin, None, f)
    }

    /// [`Workspace::write`], where `f` also says whether to keep what it wrote (a dry run
    /// rolls back) and `undoes` marks an import's undo.
    pub(crate) fn transact<T>(
        &self,
        origin: Origin,
        undoes: Option<crate::model::ImportId>,
        f: impl FnOnce(&write::Ctx<'_>) -> Result<(T, Finish)>,
    ) -> Result<T> {
        if let Some(why) = &self.read_only {
            return Err(Error::Conflict(why.clone()));
        }
        if let Some(found) = self.path.as_deref().and_then(db::damage::marked) {
            let path = self.path.as_deref().unwrap_or(Path::new(""));
            return Err(db::damage::damaged(path, &found));
        }
        let now = self.now();
        if let Db::Postgres(_) = self.conn {
            // An import reads its file as it writes: it runs once, alone, as on a file.
            let mut f = Some(f);
            return self.transact_team(origin, undoes, now, Attempts::Alone, |cx| {
                match f.take() {
                    Some(f) => f(cx),
                    // Run again after finding a transaction pooler: an import has read its
                    // file, and is tried again by whoever asked for it.
                    None => Err(Error::Conflict(crate::db::pg::MOVED.into())),
                }
            });
        }
        let actor = self.actor(origin).map_err(|e| self.explain(e))?;
        let _writing = Writing::start(&self.writing)?;
        // Immediate: the write lock is taken up front, so a writer that arrives later waits
        // for it instead of failing half-way on a lock it could not upgrade. While another
        // program holds it (a long import), this write waits, saying so, up to WAIT_LIMIT.
        let asked = std::time::Instant::now();
        let tx = loop {
            if let Some(tx) = self.conn.begin_file_write(busy::ATTEMPT)? {
                break tx;
            }
            self.wait_on(busy::Waiting {
                running: self.path.as_deref().and_then(busy::running),
                waited: asked.elapsed(),
                team: false,
            })?;
        };
        let (change, open) = crate::db::sqlite::capture::begin(
            &tx,
            &self.change,
            origin,
            &actor,
            &write::stamp(now),
            undoes,
        )?;
        let cx = write::Ctx::new(&self.conn, now, actor, change);
        let (out, finish) = f(&cx)
            .and_then(|done| cx.finish().map(|()| done))
            .map_err(|e| self.explain(e))?;
        let posted = cx.first_post.get();
        drop(cx);
        if let Finish::Commit = finish {
            crate::db::sqlite::capture::finish(&tx, &self.change, change)?;
        }
        drop(open);
        match finish {
            Finish::Commit => {
                tx.commit()?;
                self.note_posted(posted);
            }
            Finish::RollBack => tx.rollback()?,
        }
        Ok(out)
    }

    /// Keeps the first chat post a committed write queued ([`Workspace::first_posted`]).
    fn note_posted(&self, first: Option<crate::model::PostId>) {
        if let Some(id) = first {
            write::keep_first(&self.posted, id);
        }
    }

    /// Gives up with `waiting`'s sentence once it has waited too long; else tells whoever
    /// listens (`on_wait`) and lets the write try again.
    fn wait_on(&self, waiting: busy::Waiting) -> Result<()> {
        if let Some(e) = waiting.too_long() {
            return Err(e);
        }
        if let Some(f) = self.on_wait.borrow_mut().as_mut() {
            f(&waiting);
        }
        Ok(())
    }

    /// [`Workspace::transact`] on a team workspace: one serializable transaction, its change
    /// named in the transaction's `baton.change` setting for the change log's triggers. A
    /// write that collides with a teammate's at the same moment is rolled back whole and run
    /// again (`f` reads and decides again), up to [`TEAM_ATTEMPTS`] times in all; then the
    /// collision is said in one sentence. A write that runs [`Attempts::Alone`] waits for the
    /// writes under way, and the ones that arrive meanwhile wait for it.
    fn transact_team<T>(
        &self,
        origin: Origin,
        undoes: Option<crate::model::ImportId>,
        now: DateTime<Utc>,
        attempts: Attempts,
        mut f: impl FnMut(&write::Ctx<'_>) -> Result<(T, Finish)>,
    ) -> Result<T> {
        let _writing = Writing::start(&self.writing)?;
        let (alone, attempts) = match attempts {
            Attempts::Retried => (false, TEAM_ATTEMPTS),
            Attempts::Alone => (true, 1),
        };
        let mut attempt = 1;
        let mut moved = false;
        let asked = std::time::Instant::now();
        loop {
            // Who acts is read inside the transaction: its first round trip carries the
            // BEGIN too.
            let done = self
                .conn
                .begin_serializable(alone)
                .and_then(|()| self.actor(origin))
                .and_then(|actor| {
                    let change = crate::db::pg::capture::begin(
                        &self.conn,
                        origin,
                        &actor,
                        &write::stamp(now),
                        undoes,
                    )?;
                    Ok((actor, change))
                })
                .map_err(|e| self.explain(e))
                .and_then(|(actor, change)| {
                    let cx = write::Ctx::new(&self.conn, now, actor, change);
                    let done = f(&cx)?;
                    cx.finish()?;
                    Ok((done, cx.first_post.get()))
                })
                .and_then(|((out, finish), posted)| {
                    let commit = matches!(finish, Finish::Commit);
                    self.conn.end(commit)?;
                    if commit {
                        self.note_posted(posted);
                    }
                    Ok(out)
                });
            let Err(e) = done else { return done };
            // After a failed statement or COMMIT the transaction is over or aborted; either
            // way nothing of it stays. A lost connection has nothing left to roll back.
            let _ = self.conn.end(false);
            if crate::team::held(&e) {
                // A teammate's import or undo runs alone: wait for it, saying so, as a write
                // on a workspace file waits for another program's import.
                self.wait_on(busy::Waiting {
                    running: None,
                    waited: asked.elapsed(),
                    team: true,
                })?;
                continue;
            }
            // A pooler found in the middle of the write (its statements go unnamed from
            // now on) costs it one more attempt, whatever it is.
            if crate::team::moved_on(&e) && !moved {
                moved = true;
                continue;
            }
            if attempt >= attempts || !crate::team::collided(&e) {
                return Err(e);
            }
            // Teammates who collided start again at different moments: one of them wins each
            // round, so the attempts outnumber a small team writing the same row at once.
            let jitter = u64::from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos())
                    % 40,
            );
            std::thread::sleep(std::time::Duration::from_millis(
                (20u64 << attempt.min(4)) + jitter,
            ));
            attempt += 1;
        }
    }

    /// Marks a person as this session's user or not: on a team workspace, the login's person;
    /// on a file, as the row says.
    pub(crate) fn mark_me(&self) -> impl Fn(Person) -> Person {
        let mine = self
            .login
            .as_ref()
            .map(|l| l.person.as_ref().map(|n| n.to_lowercase()));
        move |p| match &mine {
            Some(mine) => Person {
                is_me: mine.as_deref() == Some(p.name.to_lowercase().as_str()),
                ..p
            },
            None => p,
        }
    }

    /// The person using Baton: on a team workspace the login's; on a file the one
    /// [`Workspace::act_as`] named, else the one marked "this is me".
    pub fn me(&self) -> Result<Option<Person>> {
        match (self.me_override, &self.login) {
            (_, Some(login)) => Ok(match &login.person {
                Some(name) => {
                    people::get_by_name(&self.conn, name)?.map(|p| Person { is_me: true, ..p })
                }
                None => None,
            }),
            (Some(id), None) => people::get(&self.conn, id),
            (None, None) => people::me(&self.conn),
        }
    }

    /// Acts as `name` from now on (`--me NAME`, `BATON_ME`): "me", my tasks, my notifications
    /// and the audit log's actor are that person, without changing who the workspace marks as
    /// this laptop's user.
    pub fn act_as(&mut self, name: &str) -> Result<Person> {
        if let Some(login) = &self.login {
            return Err(crate::team::not_a_flag(Some(login)));
        }
        let p = people::get_by_name(&self.conn, name.trim())?.ok_or_else(|| {
            Error::not_found(
                "person",
                name.trim(),
                format!(
                    "--me and BATON_ME name a teammate; add them with: baton people add {:?} --role delivery",
                    name.trim()
                ),
            )
        })?;
        self.me_override = Some(p.id);
        Ok(p)
    }

    /// A number that changes whenever another program commits to the workspace: `baton inbox
    /// --follow` claims again when it moves.
    pub fn version(&self) -> Result<i64> {
        db::data_version(self.conn.sqlite()?)
    }
}

/// Teammate `name` as `conn` has them, or the sentence saying how to add them.
pub(crate) fn person_in(conn: &Db, name: &str) -> Result<Person> {
    people::get_by_name(conn, name)?.ok_or_else(|| {
        Error::not_found(
            "person",
            name,
            format!("add them first with: baton people add {name:?} --role sales"),
        )
    })
}

/// Refuses a team workspace's address where a file is expected: until every command opens a
/// team workspace, one sentence says what works, instead of a folder named `postgres:` made
/// beside the user.
pub fn not_a_team_address(path: &Path) -> Result<()> {
    if crate::team::TeamUrl::is_team(&path.to_string_lossy()) {
        return Err(Error::invalid(
            "--db",
            "this opens a workspace file; a team workspace (postgres://…) opens from the command line in this version (baton --db postgres://… COMMAND), and the app on one comes next",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::workspace_in;

    /// A write started inside another would join its transaction (and, on PostgreSQL, end it
    /// early): it is refused, and the outer write goes on.
    #[test]
    fn a_write_inside_a_write_is_refused() {
        let clock = crate::FixedClock::new("2026-03-02T09:00:00Z".parse().unwrap());
        let ws = super::Workspace::open_in_memory(clock).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        let inner = ws
            .write(crate::Origin::Cli, |cx| {
                crate::workspace::queries::people::add_holiday(cx.conn, day, "Christmas")?;
                Ok(ws.write(crate::Origin::Cli, |_| Ok(())))
            })
            .unwrap();
        let e = inner.unwrap_err().to_string();
        assert!(e.contains("a write started inside another write"), "{e}");
        assert_eq!(
            ws.team().holidays().unwrap().len(),
            1,
            "the outer write was kept"
        );
    }

    #[test]
    fn a_workspace_under_the_old_identifier_moves_to_the_new_folder_with_its_backups() {
        let data = tempfile::tempdir().unwrap();
        let old = data.path().join(crate::OLD_APP_IDENTIFIER);
        std::fs::create_dir_all(old.join("backups")).unwrap();
        std::fs::write(old.join("workspace.sqlite"), b"mine").unwrap();
        std::fs::write(old.join("backups/1.sqlite"), b"backup").unwrap();

        let path = workspace_in(data.path());
        let new = data.path().join(crate::APP_IDENTIFIER);
        assert_eq!(path, new.join("workspace.sqlite"));
        assert_eq!(std::fs::read(&path).unwrap(), b"mine");
        assert_eq!(
            std::fs::read(new.join("backups/1.sqlite")).unwrap(),
            b"backup"
        );
        assert!(!old.exists());
        // Once moved, the new folder wins, even if the old one comes back.
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("workspace.sqlite"), b"other").unwrap();
        assert_eq!(workspace_in(data.path()), path);
        assert_eq!(std::fs::read(&path).unwrap(), b"mine");
    }
}
