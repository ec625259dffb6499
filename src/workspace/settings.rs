//! The workspace's settings, and what the desktop app's watched folder needs from the core:
//! whether a file was imported before, and a notification for the user that no task carries.

use super::Workspace;
use crate::clock::Stamp;
use crate::error::{Error, Result};
use crate::handoffs::queries::events;
use crate::import::read::file_sha256;
use crate::import::{ImportOptions, ImportReport};
use crate::model::Origin;
use crate::workspace::queries::settings;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The folder the desktop app watches for new CSV exports, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchedFolder {
    /// The folder.
    pub path: PathBuf,
    /// When it was chosen: files older than this were there before and are left alone; newer
    /// ones are exports to import.
    pub since: Stamp,
}

/// What became of a file saved into the watched folder.
#[derive(Debug)]
pub enum FolderImport {
    /// Its content was imported before (or that import was undone): left alone.
    Seen,
    /// Imported.
    Imported(ImportReport),
    /// Refused, nothing changed: the sentence saying why.
    Refused(Error),
}

const FOLDER: &str = "watched_folder";
const SINCE: &str = "watched_since";

impl Workspace {
    /// The import of `path`, or `None` when its content was seen before.
    fn import_unseen(&self, path: &Path) -> Result<Option<ImportReport>> {
        let sha = file_sha256(path)?;
        if settings::imported_before(&self.conn, &sha)? {
            return Ok(None);
        }
        self.import_as(Origin::Watch, path, &ImportOptions::default(), &mut |_| {})
            .map(Some)
    }
}

impl crate::workspace::concepts::Import<'_> {
    /// The watched folder, when one is set.
    pub fn watched_folder(&self) -> Result<Option<WatchedFolder>> {
        let (Some(path), Some(since)) = (
            settings::get(&self.conn, FOLDER)?,
            settings::get(&self.conn, SINCE)?,
        ) else {
            return Ok(None);
        };
        let since = since.parse().map_err(|_| {
            Error::invalid(
                "watched folder",
                format!("the workspace says it was chosen at {since:?}, which is not a time; choose the folder again"),
            )
        })?;
        Ok(Some(WatchedFolder {
            path: PathBuf::from(path),
            since,
        }))
    }

    /// Watches `path` for new exports from now on (it must be an existing folder), or stops
    /// watching with `None`.
    pub fn set_watched_folder(
        &self,
        path: Option<&Path>,
        origin: Origin,
    ) -> Result<Option<WatchedFolder>> {
        let Some(path) = path else {
            self.write(origin, |cx| settings::remove(cx.conn, &[FOLDER, SINCE]))?;
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
        self.write(origin, |cx| {
            settings::put(cx.conn, FOLDER, &path.display().to_string())?;
            settings::put(cx.conn, SINCE, cx.stamp())
        })?;
        self.import().watched_folder()
    }

    /// Imports a file found in the watched folder with the options a drop starts from (the
    /// detected CRM, a saved mapping), all-or-nothing, unless a file with the same content was
    /// imported before (undone imports count: the user chose to take that one back). I hear
    /// how it went by notification, a refusal included; the error is only a failure to say so.
    pub fn new_file(&self, path: &Path) -> Result<FolderImport> {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match self.import_unseen(path) {
            Ok(None) => Ok(FolderImport::Seen),
            Ok(Some(r)) => {
                self.reach().notify_me(
                    &format!("Imported {file}"),
                    &format!(
                        "{} rows: {} new, {} updated, {} unchanged. Handoffs: {} fired, {} paused.",
                        r.rows,
                        r.inserted,
                        r.updated,
                        r.unchanged,
                        r.handoffs.fired,
                        r.handoffs.paused
                    ),
                )?;
                Ok(FolderImport::Imported(r))
            }
            Err(e) => {
                self.reach().notify_me(
                    &format!("Could not import {file}"),
                    &format!("{e} Nothing was changed; open it from the Import screen to fix it."),
                )?;
                Ok(FolderImport::Refused(e))
            }
        }
    }
}

impl crate::workspace::concepts::Reach<'_> {
    /// Queues a desktop notification for the user that no task carries (an import the
    /// watched folder ran, or one it could not). Nothing is queued when nobody is "me".
    pub fn notify_me(&self, title: &str, body: &str) -> Result<()> {
        let Some(me) = self.me()? else {
            return Ok(());
        };
        self.write(Origin::System, |cx| {
            events::queue(cx.conn, Some(&me.name), None, title, body, cx.stamp())
        })
    }
}
