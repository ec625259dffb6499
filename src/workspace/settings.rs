//! The workspace's settings, and what the desktop app's watched folder needs from the core:
//! whether a file was imported before, and a notification for the user that no task carries.

use super::Workspace;
use crate::error::{Error, Result};
use crate::import::read::file_sha256;
use crate::import::{ImportOptions, ImportReport};
use crate::store::events;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The folder the desktop app watches for new CSV exports, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchedFolder {
    /// The folder.
    pub path: PathBuf,
    /// When it was chosen (RFC 3339): files older than this were there before and are left
    /// alone; newer ones are exports to import.
    pub since: String,
}

const FOLDER: &str = "watched_folder";
const SINCE: &str = "watched_since";

impl Workspace {
    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The watched folder, when one is set.
    pub fn watched_folder(&self) -> Result<Option<WatchedFolder>> {
        let (Some(path), Some(since)) = (self.setting(FOLDER)?, self.setting(SINCE)?) else {
            return Ok(None);
        };
        Ok(Some(WatchedFolder {
            path: PathBuf::from(path),
            since,
        }))
    }

    /// Watches `path` for new exports from now on (it must be an existing folder), or stops
    /// watching with `None`.
    pub fn set_watched_folder(&mut self, path: Option<&Path>) -> Result<Option<WatchedFolder>> {
        let Some(path) = path else {
            self.conn.execute(
                "DELETE FROM settings WHERE key IN (?1, ?2)",
                [FOLDER, SINCE],
            )?;
            return Ok(None);
        };
        if !path.is_dir() {
            return Err(Error::invalid(
                "watched folder",
                format!(
                    "{} is not a folder on this computer; choose an existing folder",
                    path.display()
                ),
            ));
        }
        let since = self
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let tx = self.conn.unchecked_transaction()?;
        self.put_setting(FOLDER, &path.display().to_string())?;
        self.put_setting(SINCE, &since)?;
        tx.commit()?;
        self.watched_folder()
    }

    /// Imports a file found in the watched folder, unless a file with the same content was
    /// imported before (undone imports count: the user chose to take that one back). Returns
    /// `None` for a file already seen.
    pub fn import_new_file(
        &mut self,
        path: &Path,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(crate::import::ImportProgress),
    ) -> Result<Option<ImportReport>> {
        let sha = file_sha256(path)?;
        let seen: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM imports WHERE sha256 = ?1)")?
            .query_row([&sha], |r| r.get(0))?;
        if seen {
            return Ok(None);
        }
        self.import_file_with_progress(path, opts, progress)
            .map(Some)
    }

    /// Queues a desktop notification for the user that no task carries (an import the
    /// watched folder ran, or one it could not). Nothing is queued when nobody is "me".
    pub fn notify_me(&mut self, title: &str, body: &str) -> Result<()> {
        let Some(me) = self.me()? else {
            return Ok(());
        };
        let at = self
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        events::queue(&self.conn, Some(&me.name), None, title, body, &at)
    }
}
