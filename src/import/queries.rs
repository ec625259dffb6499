//! The history of imports: one row per import, its bad rows, and what undo needs to know.

use crate::clock::Stamp;
use crate::db::params;
use crate::db::sql::{Db, Optional};
use crate::error::Result;
use crate::import::{ImportReport, RowError};
use crate::model::{ImportId, RecordKind};

/// Starts an import's row; [`finish`] fills in its counts.
pub(crate) fn insert(
    conn: &Db,
    file: &str,
    source: &str,
    mapping: &str,
    at: &str,
) -> Result<ImportId> {
    conn.prepare_cached(
        "INSERT INTO imports (file, sha256, source, mapping, at) VALUES (?1, '', ?2, ?3, ?4)",
    )?
    .insert(params![file, source, mapping, at])
    .map(ImportId)
}

/// Stores what an import did.
pub(crate) fn finish(
    conn: &Db,
    id: ImportId,
    report: &ImportReport,
    kind: RecordKind,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE imports SET rows = ?2, inserted = ?3, updated = ?4, unchanged = ?5, rejected = ?6,
             sha256 = ?7, kind = ?8, backup = ?9 WHERE id = ?1",
    )?
    // Its answer goes with the commit.
    .write(params![
        id,
        report.rows,
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected,
        report.sha256,
        kind,
        report.backup
    ])
}

/// Stores the rows an import skipped.
pub(crate) fn insert_errors(conn: &Db, id: ImportId, errors: &[RowError]) -> Result<()> {
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
    pub undone_at: Option<Stamp>,
    pub backup: Option<String>,
}

/// One past import.
pub(crate) fn get(conn: &Db, id: ImportId) -> Result<Option<PastImport>> {
    conn.query_row(
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
    .optional()
}

/// Marks an import undone.
pub(crate) fn mark_undone(conn: &Db, id: ImportId, at: &str) -> Result<()> {
    conn.prepare_cached("UPDATE imports SET undone_at = ?2 WHERE id = ?1")?
        .write(params![id, at])
}

/// Past imports, newest first.
pub(crate) fn list(conn: &Db) -> Result<Vec<crate::workspace::ImportSummary>> {
    let mut st = conn.prepare_cached(
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
    Ok(rows)
}

/// A mapping the user chose, remembered for files with the same header row.
pub(crate) struct SavedMapping<'a> {
    pub signature: &'a str,
    pub headers: &'a str,
    pub source: &'a str,
    pub kind: RecordKind,
    pub maps: &'a str,
    pub date_order: Option<&'a str>,
}

/// A saved mapping as stored.
pub(crate) struct StoredMapping {
    pub source: String,
    pub kind: RecordKind,
    /// The header → key choices, as JSON.
    pub maps: String,
    pub date_order: Option<String>,
}

/// The mapping saved for a header row.
pub(crate) fn saved_mapping(conn: &Db, signature: &str) -> Result<Option<StoredMapping>> {
    conn.prepare_cached(
        "SELECT source, kind, maps, date_order FROM saved_mappings WHERE signature = ?1",
    )?
    .query_row([signature], |r| {
        Ok(StoredMapping {
            source: r.get(0)?,
            kind: r.get(1)?,
            maps: r.get(2)?,
            date_order: r.get(3)?,
        })
    })
    .optional()
}

/// Remembers (or replaces) the mapping for a header row.
pub(crate) fn put_saved_mapping(conn: &Db, m: &SavedMapping<'_>, at: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO saved_mappings (signature, headers, source, kind, maps, date_order, saved_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(signature) DO UPDATE SET source = excluded.source, kind = excluded.kind,
             maps = excluded.maps, date_order = excluded.date_order, saved_at = excluded.saved_at",
    )?
    .execute(params![
        m.signature,
        m.headers,
        m.source,
        m.kind,
        m.maps,
        m.date_order,
        at
    ])?;
    Ok(())
}

/// On a team workspace, refuses (naming who may) unless this login may undo import `id`: the
/// teammate who ran it, or an admin.
pub(crate) fn must_undo(conn: &Db, id: ImportId) -> Result<()> {
    conn.query_row("SELECT CAST(baton_must_undo(?1) AS TEXT)", [id], |r| {
        r.get::<Option<String>>(0)
    })?;
    Ok(())
}
