//! `baton export --all DIR`: every table as CSV plus a JSON manifest, so no one is locked in.

use super::Workspace;
use crate::clock::Stamp;
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
    /// When.
    pub exported_at: Stamp,
    /// One entry per table.
    pub tables: Vec<ExportedTable>,
    /// How cells that look like spreadsheet formulas were written.
    pub formulas: &'static str,
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

/// Creates `path` as a new file: one already there is removed first (a link, not what it points
/// at), and the file is opened only if nothing took its place since.
fn create_new(path: &Path) -> Result<std::fs::File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(path)(e)),
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io(path))
}

impl Workspace {
    /// Writes every table as `TABLE.csv` and `manifest.json` into `dir` (created if needed). A
    /// folder that already holds files is refused unless `force`; each file is created new,
    /// never written through a link planted in its place.
    pub fn export_all(&self, dir: &Path, force: bool) -> Result<Manifest> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut present = std::fs::read_dir(dir).map_err(io(dir))?;
        if !force && present.next().is_some() {
            return Err(Error::invalid(
                dir.display().to_string(),
                "this folder is not empty and an export would overwrite what is there; choose an empty folder, or pass --force to replace Baton's files in it",
            ));
        }
        let mut tables = Vec::new();
        for table in TABLES {
            let file = format!("{table}.csv");
            let path = dir.join(&file);
            let mut out = csv::Writer::from_writer(create_new(&path)?);
            let csv_err = |e: csv::Error| Error::Io {
                path: path.display().to_string(),
                source: e.into(),
            };
            let mut failed = None;
            // The header row first, then every row as text.
            let (columns, n) =
                crate::workspace::queries::export::each_row(&self.conn, table, |cells| {
                    if failed.is_none() {
                        let cells = cells
                            .iter()
                            .map(|c| crate::spreadsheet::neutralise(c).into_owned());
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
            exported_at: Stamp::new(self.now()),
            tables,
            formulas: crate::spreadsheet::RULE,
        };
        let path = dir.join("manifest.json");
        let text = serde_json::to_string_pretty(&manifest)
            .map_err(|e| Error::invalid("manifest", e.to_string()))?;
        std::io::Write::write_all(&mut create_new(&path)?, text.as_bytes()).map_err(io(&path))?;
        Ok(manifest)
    }
}
