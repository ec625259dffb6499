//! Import a CRM export, preview it, list past imports, undo one.

use crate::cli::*;

#[derive(Subcommand)]
pub(crate) enum ImportCommand {
    /// Import a CSV exported from HubSpot, Pipedrive, Salesforce, Close, Zoho or any CRM.
    Import {
        file: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
        /// Import the good rows and report the bad ones.
        #[arg(long)]
        skip_bad_rows: bool,
        /// Report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show how a CSV would be read (format, CRM, mapping, first rows) without importing it.
    Preview {
        file: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
        /// How many rows to show.
        #[arg(long, default_value_t = 5)]
        rows: usize,
        #[arg(long)]
        json: bool,
    },
    /// Undo an import: exactly what it added or changed goes back (refused, naming the
    /// records, when they were changed since).
    UndoImport { id: i64 },
    /// List past imports.
    Imports {
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(ws: &mut Workspace, command: ImportCommand) -> Res {
    match command {
        ImportCommand::Import {
            file,
            read,
            skip_bad_rows,
            dry_run,
            json,
        } => {
            let opts = crate::import::ImportOptions {
                skip_bad_rows,
                dry_run,
                ..read.options()?
            };
            let bar = output::ImportBar::new(json);
            let r = ws
                .import()
                .file_with_progress(&file, &opts, &mut |p| bar.update(p))?;
            bar.finish();
            if json {
                print_json(&r);
            } else {
                output::print_import(&r);
            }
        }
        ImportCommand::Preview {
            file,
            read,
            rows,
            json,
        } => {
            let p = ws.import().preview(&file, &read.options()?, rows)?;
            if json {
                print_json(&p);
            } else {
                output::print_preview(&p);
            }
        }
        ImportCommand::UndoImport { id } => {
            let r = ws.import().undo(crate::ImportId(id), Origin::Cli)?;
            println!(
                "Undid import {} of {}: {} added records removed, {} changed records restored.",
                r.import_id, r.file, r.removed, r.restored
            );
        }
        ImportCommand::Imports { json } => {
            let list = ws.import().list()?;
            if json {
                print_json(&list);
            } else {
                table(
                    &[
                        "ID",
                        "AT",
                        "SOURCE",
                        "ROWS",
                        "NEW",
                        "UPDATED",
                        "UNCHANGED",
                        "SKIPPED",
                        "UNDONE",
                        "FILE",
                    ],
                    list.iter().map(|i| {
                        vec![
                            i.id.to_string(),
                            i.at.to_string(),
                            i.source.clone(),
                            i.rows.to_string(),
                            i.inserted.to_string(),
                            i.updated.to_string(),
                            i.unchanged.to_string(),
                            i.rejected.to_string(),
                            i.undone_at.map(|u| u.to_string()).unwrap_or_default(),
                            i.file.clone(),
                        ]
                    }),
                );
            }
        }
    }
    Ok(())
}
