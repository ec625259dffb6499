//! The watched folder: a CSV export saved into it is imported on its own, through the same
//! import as a dropped file, once the file has stopped changing. The user hears about each one
//! by desktop notification, and the window by a `watched-import` event.
//!
//! Files that were in the folder before it was chosen are left alone; files added while Baton
//! was closed are picked up when it starts. A file whose content was imported before (or whose
//! import was undone) is never imported again.

use crate::error::CmdResult;
use crate::{lock, WorkspaceExt};
use baton::import::ImportReport;
use baton::FolderImport;
use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use tauri::{AppHandle, Emitter, Manager};

/// A file counts as written once nothing has touched it for this long.
const SETTLE: Duration = Duration::from_secs(2);

/// The running watcher, replaced when the user picks another folder.
#[derive(Default)]
pub(crate) struct Watching(Mutex<Option<Debouncer<RecommendedWatcher>>>);

/// What the window hears after the folder imported (or refused) a file.
#[derive(Clone, Serialize)]
struct WatchedImport {
    file: String,
    report: Option<ImportReport>,
    error: Option<String>,
}

/// A file that looks like a CRM export, not a temporary or lock file.
pub(crate) fn is_export(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    !name.starts_with('.')
        && !name.starts_with("~$")
        && matches!(ext.as_deref(), Some("csv" | "tsv"))
        && path.is_file()
}

/// Files already in `dir` that changed after `since`: exports saved while Baton was closed.
pub(crate) fn saved_since(dir: &Path, since: SystemTime) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| is_export(p))
        .filter(|p| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .is_ok_and(|m| m >= since)
        })
        .collect();
    files.sort();
    files
}

/// Starts watching the folder the workspace names (if any), replacing any earlier watcher.
pub(crate) fn start(app: &AppHandle) -> CmdResult<()> {
    let folder = crate::blocking(|| -> CmdResult<_> { Ok(lock(app)?.import().watched_folder()?) })?;
    let state = app.state::<Watching>();
    let mut slot = crate::held(&state.0);
    *slot = None;
    let Some(folder) = folder else {
        return Ok(());
    };
    let since = SystemTime::from(folder.since.at());
    let handle = app.clone();
    let mut debouncer = new_debouncer(SETTLE, move |events: DebounceEventResult| {
        let Ok(events) = events else { return };
        let mut paths: Vec<PathBuf> = events.into_iter().map(|e| e.path).collect();
        paths.sort();
        paths.dedup();
        import_each(&handle, paths.into_iter().filter(|p| is_export(p)));
    })
    .map_err(crate::error::UiError::internal)?;
    debouncer
        .watcher()
        .watch(&folder.path, RecursiveMode::NonRecursive)
        .map_err(|e| {
            crate::error::UiError::internal(format!("cannot watch {}: {e}", folder.path.display()))
        })?;
    *slot = Some(debouncer);
    drop(slot);
    let handle = app.clone();
    let dir = folder.path.clone();
    tauri::async_runtime::spawn_blocking(move || {
        import_each(&handle, saved_since(&dir, since).into_iter())
    });
    Ok(())
}

/// Imports each new file (the core tells me by notification how it went) and tells the window.
fn import_each(app: &AppHandle, files: impl Iterator<Item = PathBuf>) {
    for path in files {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let event = match app.change(|ws| ws.import().new_file(&path)) {
            Ok(FolderImport::Imported(report)) => WatchedImport {
                file,
                report: Some(report),
                error: None,
            },
            Ok(FolderImport::Seen) => continue,
            Ok(FolderImport::Refused(e)) => WatchedImport {
                file,
                report: None,
                error: Some(e.to_string()),
            },
            Err(e) => WatchedImport {
                file,
                report: None,
                error: Some(e.message),
            },
        };
        let _ = app.emit("watched-import", event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_csv_and_tsv_files_that_are_not_hidden_or_lock_files_count_as_exports() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "deals.csv",
            "LEADS.TSV",
            ".deals.csv",
            "~$deals.csv",
            "notes.txt",
            "deals.csv.part",
        ] {
            std::fs::write(dir.path().join(name), "a,b\n").unwrap();
        }
        std::fs::create_dir(dir.path().join("folder.csv")).unwrap();
        let mut found: Vec<String> = saved_since(dir.path(), SystemTime::UNIX_EPOCH)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        found.sort();
        assert_eq!(found, ["LEADS.TSV", "deals.csv"]);
    }

    #[test]
    fn files_from_before_the_folder_was_chosen_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old.csv"), "a,b\n").unwrap();
        let later = SystemTime::now() + Duration::from_secs(60);
        assert!(saved_since(dir.path(), later).is_empty());
    }
}
