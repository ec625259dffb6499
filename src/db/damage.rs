//! A damaged workspace file (a page overwritten by a failing disk, a bad copy): noticed, named
//! in one sentence with the copy to restore, and never written to until it is restored.
//!
//! Once any command meets SQLite's "malformed" error, a small file beside the workspace
//! (`…sqlite-damaged`) says so; every write refuses while it is there. `baton check` runs the
//! full integrity check and says which kept copies are intact; `baton restore COPY` puts one
//! back and keeps the damaged file beside it.

use super::with_suffix;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Whether SQLite said the file is damaged or not a database at all.
pub fn is_damage(e: &Error) -> bool {
    match e {
        Error::Db(e) => e.what() == super::Failure::Damaged,
        _ => false,
    }
}

fn marker(db: &Path) -> PathBuf {
    with_suffix(db, "-damaged")
}

/// What the marker beside `db` says was found, if the workspace is known to be damaged.
pub(crate) fn marked(db: &Path) -> Option<String> {
    std::fs::read_to_string(marker(db)).ok()
}

/// The copies kept of `db` (the backups folder beside it), newest first.
pub fn copies(db: &Path) -> Vec<PathBuf> {
    let mut kept = super::backup::kept(db);
    kept.reverse();
    kept
}

/// SQLite's own check of the workspace `file`: `None` when intact, else its first findings.
/// `full` runs the integrity check (indexes against tables too), otherwise the quick check.
pub fn problems(file: &Path, full: bool) -> Option<Vec<String>> {
    check_with(file, full, false)
}

/// SQLite's check of a kept copy (see [`problems`]), read as a file nothing writes to; SQLite may still make the
/// `-wal` and `-shm` files a copy in WAL mode is read with, so those it made go again.
fn copy_problems(copy: &Path, full: bool) -> Option<Vec<String>> {
    let made: Vec<PathBuf> = ["-wal", "-shm"]
        .iter()
        .map(|s| with_suffix(copy, s))
        .filter(|f| !f.exists())
        .collect();
    let found = check_with(copy, full, true);
    for f in made {
        let _ = std::fs::remove_file(f);
    }
    found
}

fn check_with(file: &Path, full: bool, kept: bool) -> Option<Vec<String>> {
    let run = || -> rusqlite::Result<Vec<String>> {
        let conn = super::read_only_connection(file, kept)?;
        let pragma = if full {
            "PRAGMA integrity_check(20)"
        } else {
            "PRAGMA quick_check(20)"
        };
        let mut st = conn.prepare(pragma)?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    };
    match run() {
        Ok(lines) if lines == ["ok"] => None,
        Ok(lines) => Some(lines),
        Err(e) => Some(vec![e.to_string()]),
    }
}

/// The newest kept copy of `db` that SQLite finds intact.
pub fn newest_intact(db: &Path) -> Option<PathBuf> {
    copies(db)
        .into_iter()
        .find(|c| copy_problems(c, false).is_none())
}

/// Records that `db` is damaged (what was found) and returns the sentence for it.
pub fn damaged(db: &Path, found: &str) -> Error {
    let _ = std::fs::write(marker(db), found);
    Error::Damaged {
        path: db.display().to_string(),
        found: found.to_string(),
        copy: newest_intact(db).map(|c| c.display().to_string()),
    }
}

/// `e`, or the damaged-workspace sentence when it is SQLite saying `db` is damaged.
pub fn explain(db: &Path, e: Error) -> Error {
    match &e {
        Error::Db(inner) if is_damage(&e) => damaged(db, &format!("SQLite: {inner}")),
        _ => e,
    }
}

/// What `baton check` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    /// The workspace file.
    pub workspace: PathBuf,
    /// SQLite's findings; empty when intact.
    pub problems: Vec<String>,
    /// The kept copies, newest first, and whether each is intact.
    pub copies: Vec<(PathBuf, bool)>,
}

/// Runs SQLite's integrity check on `db` and its quick check on every kept copy; records the
/// result beside the workspace (a damaged one refuses writes, an intact one accepts them again).
pub fn check(db: &Path) -> Check {
    let found = problems(db, true);
    match &found {
        Some(lines) => {
            let _ = std::fs::write(marker(db), lines.join("; "));
        }
        None => {
            let _ = std::fs::remove_file(marker(db));
        }
    }
    Check {
        workspace: db.to_path_buf(),
        problems: found.unwrap_or_default(),
        copies: copies(db)
            .into_iter()
            .map(|c| {
                let ok = copy_problems(&c, false).is_none();
                (c, ok)
            })
            .collect(),
    }
}

/// Puts the kept copy `copy` in place of `db`, after checking it is intact; the file it replaces
/// (with its journal files) is moved beside it as `…sqlite.damaged-STAMP`, never deleted.
/// Returns where the replaced file went.
pub fn restore(db: &Path, copy: &Path, stamp: &str) -> Result<Option<PathBuf>> {
    if !copy.is_file() {
        return Err(Error::invalid(
            "restore",
            format!(
                "{} is not a file; pass one of the copies `baton check` lists",
                copy.display()
            ),
        ));
    }
    if let Some(p) = copy_problems(copy, true) {
        return Err(Error::Conflict(format!(
            "{} is damaged too ({}); choose another copy from `baton check`",
            copy.display(),
            p.join("; ")
        )));
    }
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    let aside = with_suffix(db, &format!(".damaged-{stamp}"));
    let moved = if db.exists() {
        std::fs::rename(db, &aside).map_err(io(db))?;
        for s in ["-wal", "-shm"] {
            let f = with_suffix(db, s);
            if f.exists() {
                std::fs::rename(&f, with_suffix(&aside, s)).map_err(io(&f))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    // Written under another name and renamed, so the workspace is never half a copy.
    let tmp = with_suffix(db, ".restoring");
    std::fs::copy(copy, &tmp).map_err(io(&tmp))?;
    std::fs::rename(&tmp, db).map_err(io(db))?;
    let _ = std::fs::remove_file(marker(db));
    Ok(moved)
}
