//! Every import can be taken back: a copy of the workspace is taken before it (SQLite's
//! backup API, the newest few kept), and the last import is undone by restoring that copy
//! while nothing else has changed since.

use super::super::Workspace;
use crate::error::{Error, Result};
use crate::import::UndoReport;
use crate::model::Origin;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};

impl Workspace {
    /// Copies the workspace aside before an import and keeps the newest few copies.
    pub(super) fn backup_before_import(&self) -> Result<Option<PathBuf>> {
        let Some(db) = &self.path else {
            return Ok(None);
        };
        let dir = db.parent().unwrap_or(Path::new(".")).join("backups");
        let io = |source| Error::Io {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let stem = db
            .file_stem()
            .map_or("workspace".into(), |s| s.to_string_lossy().into_owned());
        let stamp = self.now().format("%Y%m%dT%H%M%SZ");
        let mut dest = dir.join(format!("{stem}-{stamp}{BACKUP_SUFFIX}"));
        let mut n = 2;
        while dest.exists() {
            dest = dir.join(format!("{stem}-{stamp}-{n}{BACKUP_SUFFIX}"));
            n += 1;
        }
        self.conn
            .backup(rusqlite::DatabaseName::Main, &dest, None)?;
        // Rotate: the newest copies stay, oldest first out.
        let mut old: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with(&format!("{stem}-")) && n.ends_with(BACKUP_SUFFIX)
                })
            })
            .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
            .collect();
        old.sort();
        let excess = old.len().saturating_sub(KEEP_BACKUPS);
        for (_, p) in old.into_iter().take(excess) {
            if p != dest {
                let _ = std::fs::remove_file(p);
            }
        }
        Ok(Some(dest))
    }

    /// Undoes the last import by restoring the copy taken just before it. Refused when
    /// anything changed in the workspace since, so no later work is lost.
    pub fn undo_import(&mut self, id: i64) -> Result<UndoReport> {
        let row = self
            .conn
            .query_row(
                "SELECT file, sha256, source, mapping, rows, inserted, updated, unchanged, rejected, at,
                        undone_at, kind, backup, state_after
                 FROM imports WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        (
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ),
                        (
                            r.get::<_, i64>(4)?,
                            r.get::<_, i64>(5)?,
                            r.get::<_, i64>(6)?,
                            r.get::<_, i64>(7)?,
                            r.get::<_, i64>(8)?,
                            r.get::<_, String>(9)?,
                        ),
                        (
                            r.get::<_, Option<String>>(10)?,
                            r.get::<_, Option<String>>(11)?,
                            r.get::<_, Option<String>>(12)?,
                            r.get::<_, Option<String>>(13)?,
                        ),
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| {
                Error::not_found("import", id.to_string(), "`baton imports` lists them")
            })?;
        let (
            (file, sha, source, mapping),
            (rows, inserted, updated, unchanged, rejected, at),
            (undone, kind, backup, state_after),
        ) = row;
        if undone.is_some() {
            return Err(Error::Conflict(format!("import {id} was already undone")));
        }
        let last: i64 = self.conn.query_row(
            "SELECT max(id) FROM imports WHERE undone_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        if last != id {
            return Err(Error::Conflict(format!(
                "import {id} is not the last one (import {last} came after it); only the last import can be undone"
            )));
        }
        let backup = backup.ok_or_else(|| {
            Error::Conflict(format!(
                "import {id} has no backup to restore (it ran on a workspace in memory)"
            ))
        })?;
        if !Path::new(&backup).exists() {
            return Err(Error::Conflict(format!(
                "the backup taken before import {id} is gone ({backup}); it cannot be undone"
            )));
        }
        if state_after.as_deref() != Some(state(&self.conn)?.as_str()) {
            return Err(Error::Conflict(format!(
                "the workspace changed after import {id} (records, handoffs or tasks were edited); undoing it would lose that work, so it stays. Fix the records by hand or import a corrected file"
            )));
        }
        self.conn.restore(
            rusqlite::DatabaseName::Main,
            &backup,
            None::<fn(rusqlite::backup::Progress)>,
        )?;
        let now = self.now();
        let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let actor = self.actor(Origin::Cli)?;
        let tx = self.conn.transaction()?;
        // The import stays in the history, marked undone.
        tx.execute(
            "INSERT INTO imports (id, file, sha256, source, mapping, rows, inserted, updated, unchanged, rejected, at, undone_at, kind, backup)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![id, file, sha, source, mapping, rows, inserted, updated, unchanged, rejected, at, stamp, kind, backup],
        )?;
        crate::store::events::append(
            &tx,
            &crate::store::events::Event {
                at: stamp.clone(),
                actor,
                record_id: None,
                handoff_id: None,
                kind: "import_undone".into(),
                rule: None,
                fields: vec![],
                message: format!(
                    "Import {id} of {file} undone: {inserted} added records removed, {updated} changed records restored"
                ),
            },
        )?;
        tx.commit()?;
        Ok(UndoReport {
            import_id: id,
            file,
            removed: inserted as u64,
            restored: updated as u64,
            backup,
        })
    }
}

/// One past import, for `baton imports` and the import screen.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    /// Its id (what `undo-import` takes).
    pub id: i64,
    /// When it ran.
    pub at: String,
    /// The file it read.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The CRM.
    pub source: String,
    /// Rows read.
    pub rows: i64,
    /// Records added.
    pub inserted: i64,
    /// Records changed.
    pub updated: i64,
    /// Records already up to date.
    pub unchanged: i64,
    /// Rows skipped as bad.
    pub rejected: i64,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
}

impl Workspace {
    /// Past imports, newest first.
    pub fn imports(&self) -> Result<Vec<ImportSummary>> {
        let mut st = self.conn.prepare(
            "SELECT id, at, file, sha256, source, rows, inserted, updated, unchanged, rejected, undone_at
             FROM imports ORDER BY id DESC",
        )?;
        let rows = st.query_map([], |r| {
            Ok(ImportSummary {
                id: r.get(0)?,
                at: r.get(1)?,
                file: r.get(2)?,
                sha256: r.get(3)?,
                source: r.get(4)?,
                rows: r.get(5)?,
                inserted: r.get(6)?,
                updated: r.get(7)?,
                unchanged: r.get(8)?,
                rejected: r.get(9)?,
                undone_at: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// How many pre-import backups are kept.
pub const KEEP_BACKUPS: usize = 5;
const BACKUP_SUFFIX: &str = "-before-import.sqlite";

/// A fingerprint of everything a user can change: undo is only safe while it is unchanged.
pub(super) fn state(conn: &Connection) -> Result<String> {
    Ok(conn.query_row(
        "SELECT (SELECT coalesce(max(id), 0) FROM events WHERE kind != 'import_undone') || '/' ||
                (SELECT coalesce(max(id), 0) FROM stage_changes) || '/' ||
                (SELECT coalesce(max(id), 0) FROM tasks) || '/' ||
                (SELECT count(*) FROM tasks WHERE status = 'open') || '/' ||
                (SELECT count(*) FROM records) || '/' ||
                (SELECT coalesce(max(updated_at), '') FROM records) || '/' ||
                (SELECT count(*) FROM people) || '/' ||
                (SELECT count(*) FROM handoffs WHERE status IN ('accepted', 'kickoff_scheduled', 'cancelled'))",
        [],
        |r| r.get(0),
    )?)
}
