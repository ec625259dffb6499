//! The history of imports: one row per import, its bad rows, and what undo needs to know.

use crate::error::Result;
use crate::import::{ImportReport, RowError};
use crate::model::{ImportId, RecordKind};
use rusqlite::{params, Connection, OptionalExtension};

/// Starts an import's row; [`finish`] fills in its counts.
pub(crate) fn insert(
    conn: &Connection,
    file: &str,
    source: &str,
    mapping: &str,
    at: &str,
) -> Result<ImportId> {
    conn.prepare_cached(
        "INSERT INTO imports (file, sha256, source, mapping, at) VALUES (?1, '', ?2, ?3, ?4)",
    )?
    .execute(params![file, source, mapping, at])?;
    Ok(ImportId(conn.last_insert_rowid()))
}

/// Stores what an import did.
pub(crate) fn finish(
    conn: &Connection,
    id: ImportId,
    report: &ImportReport,
    kind: RecordKind,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE imports SET rows = ?2, inserted = ?3, updated = ?4, unchanged = ?5, rejected = ?6,
             sha256 = ?7, kind = ?8, backup = ?9 WHERE id = ?1",
    )?
    .execute(params![
        id,
        report.rows,
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected,
        report.sha256,
        kind,
        report.backup
    ])?;
    Ok(())
}

/// Stores the rows an import skipped.
pub(crate) fn insert_errors(conn: &Connection, id: ImportId, errors: &[RowError]) -> Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO import_errors (import_id, row, line, column_name, message) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for e in errors {
        st.execute(params![id, e.row, e.line, e.column, e.message])?;
    }
    Ok(())
}

/// What undo reads of a past import.
#[derive(Debug, Clone)]
pub(crate) struct PastImport {
    pub file: String,
    pub undone_at: Option<String>,
    pub backup: Option<String>,
}

/// One past import.
pub(crate) fn get(conn: &Connection, id: ImportId) -> Result<Option<PastImport>> {
    Ok(conn
        .query_row(
            "SELECT file, undone_at, backup FROM imports WHERE id = ?1",
            [id],
            |r| {
                Ok(PastImport {
                    file: r.get(0)?,
                    undone_at: r.get(1)?,
                    backup: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Marks an import undone.
pub(crate) fn mark_undone(conn: &Connection, id: ImportId, at: &str) -> Result<()> {
    conn.execute(
        "UPDATE imports SET undone_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

/// Past imports, newest first.
pub(crate) fn list(conn: &Connection) -> Result<Vec<crate::workspace::ImportSummary>> {
    let mut st = conn.prepare(
        "SELECT id, at, file, sha256, source, rows, inserted, updated, unchanged, rejected, undone_at
         FROM imports ORDER BY id DESC",
    )?;
    let rows = st.query_map([], |r| {
        Ok(crate::workspace::ImportSummary {
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
