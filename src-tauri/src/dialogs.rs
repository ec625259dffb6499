//! Native file dialogs through rfd, run on the main (GTK) thread.

use crate::error::{CmdResult, UiError};
use std::path::PathBuf;
use tauri::AppHandle;

/// Runs a dialog on the main thread and waits for its answer off it.
async fn on_main<T: Send + 'static>(
    app: &AppHandle,
    dialog: impl FnOnce() -> T + Send + 'static,
) -> CmdResult<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    app.run_on_main_thread(move || {
        let _ = tx.send(dialog());
    })
    .map_err(UiError::internal)?;
    tauri::async_runtime::spawn_blocking(move || rx.recv())
        .await
        .map_err(UiError::internal)?
        .map_err(|_| UiError::internal("the file dialog closed unexpectedly"))
}

/// Asks for a CSV export to import.
#[tauri::command]
pub(crate) async fn pick_csv(app: AppHandle) -> CmdResult<Option<String>> {
    let file: Option<PathBuf> = on_main(&app, || {
        rfd::FileDialog::new()
            .set_title("Import a CRM export")
            .add_filter("CSV export", &["csv", "tsv", "txt"])
            .pick_file()
    })
    .await?;
    Ok(file.map(|p| p.display().to_string()))
}

/// Asks where to save `text` (a brief, a report) and writes it there.
#[tauri::command]
pub(crate) async fn save_text(
    app: AppHandle,
    suggested_name: String,
    text: String,
) -> CmdResult<Option<String>> {
    let file: Option<PathBuf> = on_main(&app, move || {
        rfd::FileDialog::new()
            .set_title("Save")
            .set_file_name(&suggested_name)
            .save_file()
    })
    .await?;
    match file {
        Some(path) => {
            std::fs::write(&path, text).map_err(|e| {
                UiError::internal(format!("could not write {}: {e}", path.display()))
            })?;
            Ok(Some(path.display().to_string()))
        }
        None => Ok(None),
    }
}

/// Asks for a folder (the one to watch for new exports).
#[tauri::command]
pub(crate) async fn pick_folder(app: AppHandle) -> CmdResult<Option<String>> {
    let dir: Option<PathBuf> = on_main(&app, || {
        rfd::FileDialog::new()
            .set_title("Watch a folder for new CRM exports")
            .pick_folder()
    })
    .await?;
    Ok(dir.map(|p| p.display().to_string()))
}
