//! A write that finds the workspace locked waits for the writer instead of failing: a long
//! import says what it is doing in a small file beside the workspace (`…sqlite-import`), so
//! a write arriving during it can say "an import is running (started 10:42 from the app, 40%
//! read); waiting…" and go on once it has finished.

use crate::clock::Stamp;
use crate::model::Origin;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a write waits for another one before it gives up.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30 * 60);

/// How long each attempt to take the write lock waits before the waiter is told again.
pub(crate) const ATTEMPT: Duration = Duration::from_secs(1);

/// A long write in progress, as the file beside the workspace tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    /// The process writing.
    pub pid: u32,
    /// Which program: `the app`, `the command line`.
    pub program: String,
    /// What it is: an import, or the watched folder's.
    pub origin: Origin,
    /// When it began.
    pub started: Stamp,
    /// The file being imported.
    pub file: String,
    /// Bytes read so far, of `total_bytes`.
    pub bytes: u64,
    /// The file's size.
    pub total_bytes: u64,
    /// Rows read so far.
    pub rows: u64,
}

impl Running {
    /// "an import is running (started 10:42 from the app, 40% of deals.csv read)".
    pub fn sentence(&self) -> String {
        let local = self.started.at().with_timezone(&chrono::Local);
        let what = match self.origin {
            Origin::Watch => "an import from the watched folder",
            _ => "an import",
        };
        let name = Path::new(&self.file)
            .file_name()
            .map_or_else(|| self.file.clone(), |n| n.to_string_lossy().into_owned());
        let read = match (self.bytes.min(self.total_bytes) * 100).checked_div(self.total_bytes) {
            Some(pct) => format!("{pct}% of {name} read"),
            None => format!("{} rows of {name} read", self.rows),
        };
        format!(
            "{what} is running (started {} from {}, {read})",
            local.format("%H:%M"),
            self.program
        )
    }
}

/// Told what a waiting write is waiting for.
pub(crate) type OnWait = Box<dyn FnMut(&Waiting) + Send>;

/// What a waiting write is told each time it tries again.
#[derive(Debug, Clone)]
pub struct Waiting {
    /// The long write holding the workspace, when it says what it is.
    pub running: Option<Running>,
    /// How long this write has waited so far.
    pub waited: Duration,
    /// Whether it waits on a team workspace (for a teammate's import or undo).
    pub team: bool,
}

impl Waiting {
    /// One sentence for the person waiting.
    pub fn sentence(&self) -> String {
        format!("{}; waiting…", self.holder())
    }

    /// What holds the workspace, in words.
    fn holder(&self) -> String {
        match &self.running {
            Some(r) => r.sentence(),
            None if self.team => crate::team::LOCKED.to_string(),
            None => "another program is writing to the workspace".to_string(),
        }
    }

    /// The sentence a write that waited [`WAIT_LIMIT`] ends with, once it has.
    pub(crate) fn too_long(&self) -> Option<crate::error::Error> {
        (self.waited >= WAIT_LIMIT).then(|| {
            crate::error::Error::Conflict(format!(
                "{} and has held the workspace for over {} minutes; nothing was changed: try again once it has finished",
                self.holder(),
                WAIT_LIMIT.as_secs() / 60
            ))
        })
    }
}

/// The file a long write describes itself in.
fn beside(db: &Path) -> PathBuf {
    crate::db::with_suffix(db, "-import")
}

/// The import running on the workspace `db` (from any program), if one is: what the file
/// beside it says, when the process it names is still alive.
pub fn running(db: &Path) -> Option<Running> {
    let text = std::fs::read_to_string(beside(db)).ok()?;
    let r: Running = serde_json::from_str(&text).ok()?;
    alive(r.pid).then_some(r)
}

#[cfg(target_os = "linux")]
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn alive(_pid: u32) -> bool {
    true
}

/// Which program this is, as a person would name it.
fn program() -> String {
    let exe = std::env::current_exe().ok();
    let name = exe
        .as_deref()
        .and_then(Path::file_stem)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.as_str() {
        "baton-desktop" => "the app".into(),
        "baton" => "the command line".into(),
        other => other.into(),
    }
}

/// A long write announcing itself while it runs; the file goes when it is dropped.
pub(crate) struct Announce {
    path: PathBuf,
    running: Running,
    written: Instant,
}

impl Announce {
    /// Announces an import of `file` into `db` (no file for a workspace in memory).
    pub(crate) fn start(
        db: Option<&Path>,
        origin: Origin,
        started: Stamp,
        file: &Path,
        total_bytes: u64,
    ) -> Option<Self> {
        let a = Announce {
            path: beside(db?),
            running: Running {
                pid: std::process::id(),
                program: program(),
                origin,
                started,
                file: file.display().to_string(),
                bytes: 0,
                total_bytes,
                rows: 0,
            },
            written: Instant::now(),
        };
        a.write();
        Some(a)
    }

    /// Records progress, at most a few times a second.
    pub(crate) fn progress(&mut self, bytes: u64, rows: u64) {
        self.running.bytes = bytes;
        self.running.rows = rows;
        if self.written.elapsed() >= Duration::from_millis(250) {
            self.write();
            self.written = Instant::now();
        }
    }

    fn write(&self) {
        // Written whole under another name and renamed, so a reader never sees half of it.
        // Only informational: a workspace folder that cannot take it changes nothing else.
        let tmp = self.path.with_extension("import-tmp");
        if let Ok(json) = serde_json::to_string(&self.running) {
            if std::fs::write(&tmp, json).is_ok() {
                let _ = std::fs::rename(&tmp, &self.path);
            }
        }
    }
}

impl Drop for Announce {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_announces_itself_while_it_runs_and_not_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("w.sqlite");
        let started: Stamp = "2026-11-24T09:00:00Z".parse().unwrap();
        let mut a = Announce::start(
            Some(&db),
            Origin::Import,
            started,
            Path::new("/x/deals.csv"),
            200,
        )
        .unwrap();
        a.progress(80, 1000);
        a.written = Instant::now() - Duration::from_secs(1);
        a.progress(100, 1200);
        let r = running(&db).unwrap();
        assert_eq!((r.bytes, r.rows, r.pid), (100, 1200, std::process::id()));
        let s = Waiting {
            running: Some(r),
            waited: Duration::ZERO,
            team: false,
        }
        .sentence();
        assert!(s.starts_with("an import is running (started "), "{s}");
        assert!(s.ends_with(", 50% of deals.csv read); waiting…"), "{s}");
        drop(a);
        assert!(running(&db).is_none());
        assert!(!beside(&db).exists());
    }

    #[test]
    fn a_file_left_by_a_dead_process_is_not_believed() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("w.sqlite");
        let r = Running {
            pid: u32::MAX - 1,
            program: "the app".into(),
            origin: Origin::Import,
            started: "2026-11-24T09:00:00Z".parse().unwrap(),
            file: "deals.csv".into(),
            bytes: 0,
            total_bytes: 0,
            rows: 0,
        };
        std::fs::write(beside(&db), serde_json::to_string(&r).unwrap()).unwrap();
        if cfg!(target_os = "linux") {
            assert!(running(&db).is_none());
        }
    }
}
