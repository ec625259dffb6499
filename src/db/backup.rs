//! The safety net under undo: a copy of the workspace file taken right before an import that
//! changes records (SQLite's backup API), the newest few kept. Undo itself works from the change
//! log; a copy is for the day the file itself is lost or damaged.

use super::{with_suffix, DbError, Failure};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// How many pre-import backups are kept.
pub const KEEP_BACKUPS: usize = 5;
const SUFFIX: &str = "-before-import.sqlite";

/// Copies the workspace at `db` into `backups/` beside it, as it was before the running import
/// (the copy reads through its own connection, which sees only what is committed), and keeps the
/// newest few copies. A copy that fails is removed whole: a full disk leaves no partial file.
pub(crate) fn before_import(db: &Path, now: DateTime<Utc>) -> Result<PathBuf> {
    let dir = backups_dir(db);
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let stem = stem_of(db);
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut dest = dir.join(format!("{stem}-{stamp}{SUFFIX}"));
    let mut n = 2;
    while dest.exists() {
        dest = dir.join(format!("{stem}-{stamp}-{n}{SUFFIX}"));
        n += 1;
    }
    if let Err(e) = crate::db::sqlite::backup(db, &dest) {
        for leftover in [
            dest.clone(),
            with_suffix(&dest, "-journal"),
            with_suffix(&dest, "-wal"),
        ] {
            let _ = std::fs::remove_file(leftover);
        }
        return Err(failed(db, &dir, e));
    }
    rotate(&dir, &stem, &dest).map_err(io)?;
    Ok(dest)
}

/// The sentence for a copy that could not be made; a full disk says how much room it needs.
fn failed(db: &Path, dir: &Path, e: DbError) -> Error {
    let (need, free) = (size_of_workspace(db), free_bytes(dir));
    let full = e.what() == Failure::DiskFull || free.is_some_and(|free| free < need);
    if full {
        let need = mb(need);
        let free = free.map_or(String::new(), |f| format!(", {} free", mb(f)));
        return Error::Conflict(format!(
            "the disk holding {} is full: the copy of the workspace taken before an import needs about {need}{free}; free some space and import again (nothing was imported)",
            dir.display()
        ));
    }
    if !crate::db::access::writable(dir) {
        return Error::Conflict(format!(
            "the folder {}, where Baton keeps a copy of the workspace before each import, is not writable for you (it belongs to {}); make it writable, or remove it and Baton creates it again (nothing was imported)",
            dir.display(),
            crate::db::access::owner_of(dir)
        ));
    }
    Error::Conflict(format!(
        "the copy of the workspace taken before an import could not be written to {} ({e}); nothing was imported",
        dir.display()
    ))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn size_of_workspace(db: &Path) -> u64 {
    std::fs::metadata(db).map_or(0, |m| m.len())
        + std::fs::metadata(with_suffix(db, "-wal")).map_or(0, |m| m.len())
}

/// Free space for an unprivileged writer in `dir`, where the platform says.
#[cfg(unix)]
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid C string and `st` a writable statvfs.
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)]
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

/// The copies kept of the workspace `stem` in `dir`, oldest first.
fn kept_in(dir: &Path, stem: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{stem}-")) && n.ends_with(SUFFIX))
        })
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    found.sort();
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// The copies kept of the workspace `db` (in `backups/` beside it), oldest first.
pub(crate) fn kept(db: &Path) -> Vec<PathBuf> {
    kept_in(&backups_dir(db), &stem_of(db)).unwrap_or_default()
}

fn backups_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("backups")
}

fn stem_of(db: &Path) -> String {
    db.file_stem()
        .map_or("workspace".into(), |s| s.to_string_lossy().into_owned())
}

/// Keeps the newest copies of this workspace, oldest first out.
fn rotate(dir: &Path, stem: &str, newest: &Path) -> std::io::Result<()> {
    let old = kept_in(dir, stem)?;
    let excess = old.len().saturating_sub(KEEP_BACKUPS);
    for p in old.into_iter().take(excess) {
        if p != newest {
            let _ = std::fs::remove_file(p);
        }
    }
    Ok(())
}
