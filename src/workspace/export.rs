//! `baton export --all DIR`: every table as CSV plus a JSON manifest, so no one is locked in.

use super::Workspace;
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Baton's version.
    pub baton_version: String,
    /// The workspace schema version.
    pub schema_version: u32,
    /// When (RFC 3339).
    pub exported_at: String,
    /// One entry per table.
    pub tables: Vec<ExportedTable>,
}

/// One exported table.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedTable {
    /// Table name.
    pub table: String,
    /// File name inside the directory.
    pub file: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// Rows written.
    pub rows: u64,
}

const TABLES: &[&str] = &[
    "people",
    "records",
    "stage_changes",
    "playbooks",
    "holidays",
    "handoffs",
    "tasks",
    "email_drafts",
    "notifications",
    "imports",
    "import_errors",
    "settings",
    "events",
];

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Workspace {
    /// Writes every table as `TABLE.csv` and `manifest.json` into `dir` (created if needed).
    pub fn export_all(&self, dir: &Path) -> Result<Manifest> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut tables = Vec::new();
        for table in TABLES {
            let file = format!("{table}.csv");
            let path = dir.join(&file);
            let mut out = csv::Writer::from_path(&path).map_err(|e| Error::Io {
                path: path.display().to_string(),
                source: e.into(),
            })?;
            let csv_err = |e: csv::Error| Error::Io {
                path: path.display().to_string(),
                source: e.into(),
            };
            let mut failed = None;
            // The header row first, then every row as text.
            let (columns, n) =
                crate::workspace::queries::export::each_row(&self.conn, table, |cells| {
                    if failed.is_none() {
                        failed = out.write_record(cells).err().map(csv_err);
                    }
                })?;
            if let Some(e) = failed {
                return Err(e);
            }
            out.flush().map_err(io(&path))?;
            tables.push(ExportedTable {
                table: table.to_string(),
                file,
                columns,
                rows: n,
            });
        }
        let manifest = Manifest {
            baton_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: crate::LATEST_VERSION,
            exported_at: self
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            tables,
        };
        let path = dir.join("manifest.json");
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Error::invalid("manifest", e.to_string()))?;
        std::fs::write(&path, text).map_err(io(&path))?;
        Ok(manifest)
    }
}
