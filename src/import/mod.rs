//! Importing CRM CSV exports: a reader (`read`), presets that map headers (`preset`), and cell
//! values (`values`); the workspace's loader stores the rows and runs the rules.

mod load;
mod plan;
pub mod preset;
mod queries;
pub mod read;
mod undo;
pub mod values;

pub use crate::db::backup::KEEP_BACKUPS;
pub use undo::ImportSummary;

use crate::model::RecordKind;
use crate::workspace::RuleEffects;
use preset::Source;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use values::DateOrder;

/// What the user chose for an import. The import screen sends it as it is (`source`: `auto` or
/// a CRM's name, `date_order`: `dayfirst` or `monthfirst`); a preview is not its to choose.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ImportOptions {
    /// The CRM; detected from the headers when `None`.
    #[serde(deserialize_with = "preset::source_or_auto")]
    pub source: Option<Source>,
    /// Deals or leads; detected from the headers when `None`.
    pub kind: Option<RecordKind>,
    /// `Header=key` overrides (key `-` ignores the column).
    pub maps: Vec<(String, String)>,
    /// Day/month order for every ambiguous date column.
    pub date_order: Option<DateOrder>,
    /// Import the good rows and report the bad ones instead of refusing the file.
    pub skip_bad_rows: bool,
    /// Report what would happen and write nothing.
    #[serde(skip)]
    pub dry_run: bool,
}

/// A row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Data row, counted from 1 after the header.
    pub row: u64,
    /// Line in the file where the row starts.
    pub line: u64,
    /// The column's header, when one column is at fault.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {} (line {}): ", self.row, self.line)?;
        if let Some(c) = &self.column {
            write!(f, "{c:?} ")?;
        }
        f.write_str(&self.message)
    }
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The import's id (0 for a dry run).
    pub import_id: crate::model::ImportId,
    /// The CRM the file came from.
    pub source: Source,
    /// Deals or leads.
    pub kind: crate::model::RecordKind,
    /// The text encoding.
    pub encoding: String,
    /// The delimiter, as text.
    pub delimiter: String,
    /// Data rows read.
    pub rows: u64,
    /// New records.
    pub inserted: u64,
    /// Records that changed.
    pub updated: u64,
    /// Records already up to date.
    pub unchanged: u64,
    /// Rows skipped as bad.
    pub rejected: u64,
    /// What the rules did.
    pub handoffs: RuleEffects,
    /// The bad rows.
    pub errors: Vec<RowError>,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// Whether the mapping came from an earlier import of a file with the same header row.
    pub mapping_reused: bool,
    /// The workspace copy taken before the import (none on a dry run or in memory).
    pub backup: Option<String>,
}

/// How far an import has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportProgress {
    /// Bytes of the file read so far.
    pub bytes: u64,
    /// The file's size.
    pub total_bytes: u64,
    /// Data rows read so far.
    pub rows: u64,
}

/// What an import would read, before anything is written: `baton preview --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The text encoding.
    pub encoding: String,
    /// The delimiter, as text.
    pub delimiter: String,
    /// The CRM the file came from.
    pub source: Source,
    /// How sure the detection is, from 0 to 1 (1 when the user chose the source).
    pub confidence: f64,
    /// Deals or leads.
    pub kind: RecordKind,
    /// The header row, in file order.
    pub headers: Vec<String>,
    /// The key each header maps to; `null` keeps the column as a custom field.
    pub mapping: BTreeMap<String, Option<String>>,
    /// Whether the mapping came from an earlier import of a file with the same header row.
    pub mapping_reused: bool,
    /// What would stop the import, in words (an undecidable date column).
    pub warnings: Vec<String>,
    /// The first rows, as raw cell strings keyed by header.
    pub rows: Vec<BTreeMap<String, String>>,
}

/// What undoing an import did.
#[derive(Debug, Clone, Serialize)]
pub struct UndoReport {
    /// The import that was undone.
    pub import_id: crate::model::ImportId,
    /// The file it had read.
    pub file: String,
    /// Records it had added, now gone.
    pub removed: u64,
    /// Records it had changed, now as they were.
    pub restored: u64,
    /// The backup the workspace was restored from.
    pub backup: String,
}
