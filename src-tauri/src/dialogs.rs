//! Native file dialogs through rfd, run on the main (GTK) thread.

use crate::error::{CmdResult, UiError};
use crate::WorkspaceExt;
use baton::{DraftId, RecordId, TaskId};
use std::path::{Path, PathBuf};
use std::process::Command;
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

/// Asks where to save a file, suggesting `name`. With `BATON_SAVE_DIR` set (the end-to-end
/// tier's hook for the native dialog, which WebDriver cannot click), the answer is that folder.
async fn ask_save_path(
    app: &AppHandle,
    title: &'static str,
    name: String,
) -> CmdResult<Option<PathBuf>> {
    if let Some(dir) = std::env::var_os("BATON_SAVE_DIR") {
        return Ok(Some(PathBuf::from(dir).join(name)));
    }
    on_main(app, move || {
        rfd::FileDialog::new()
            .set_title(title)
            .set_file_name(&name)
            .save_file()
    })
    .await
}

fn write(path: &Path, bytes: &[u8]) -> CmdResult<()> {
    std::fs::write(path, bytes).map_err(|e| {
        UiError::internal(format!(
            "could not write {}: {e}; choose a folder you can write to",
            path.display()
        ))
    })
}

/// Asks where to save `text` (a brief, a report) and writes it there.
#[tauri::command]
pub(crate) async fn save_text(
    app: AppHandle,
    suggested_name: String,
    text: String,
) -> CmdResult<Option<String>> {
    let Some(path) = ask_save_path(&app, "Save", suggested_name).await? else {
        return Ok(None);
    };
    write(&path, text.as_bytes())?;
    Ok(Some(path.display().to_string()))
}

/// Add to calendar: asks where to save the kickoff invite (.ics) of task `task`.
#[tauri::command]
pub(crate) async fn save_invite(app: AppHandle, task: TaskId) -> CmdResult<Option<String>> {
    let (text, name) = app.read(|ws| {
        let t = ws.handoffs().task(task)?;
        let record = ws.records().get(t.record_id)?;
        Ok((
            ws.reach().kickoff_ics(task)?,
            format!("kickoff-{}.ics", file_stem(&record.name)),
        ))
    })?;
    let Some(path) = ask_save_path(&app, "Add the kickoff to your calendar", name).await? else {
        return Ok(None);
    };
    write(&path, text.as_bytes())?;
    Ok(Some(path.display().to_string()))
}

/// What Export updates saved.
#[derive(serde::Serialize)]
pub(crate) struct SavedWriteback {
    file: String,
    tasks_file: String,
    deals: usize,
    tasks: usize,
}

/// Export updates for a CRM: asks where to save the update file, writes the tasks file beside it.
#[tauri::command]
pub(crate) async fn save_writeback(
    app: AppHandle,
    crm: String,
) -> CmdResult<Option<SavedWriteback>> {
    let crm = baton::Crm::parse(&crm)
        .ok_or_else(|| UiError::internal(format!("{crm:?} is not a CRM Baton writes back to")))?;
    let w = app.read(|ws| ws.reach().writeback(crm, None))?;
    let name = format!("{}-updates.csv", crm.as_str());
    let title = match crm {
        baton::Crm::Hubspot => "Save the updates for HubSpot",
        baton::Crm::Pipedrive => "Save the updates for Pipedrive",
        baton::Crm::Salesforce => "Save the updates for Salesforce",
    };
    let Some(path) = ask_save_path(&app, title, name).await? else {
        return Ok(None);
    };
    let tasks = w.write_to(&path)?;
    Ok(Some(SavedWriteback {
        file: path.display().to_string(),
        tasks_file: tasks.display().to_string(),
        deals: w.deals,
        tasks: w.task_count,
    }))
}

/// Open in mail app: writes the welcome email as an .eml beside the workspace (in `emails/`)
/// and opens that one file with the system's handler for it. Returns the file's path.
#[tauri::command]
pub(crate) async fn open_draft(app: AppHandle, id: DraftId) -> CmdResult<String> {
    let (bytes, name, dir) = app.read(|ws| {
        let d = ws.reach().draft(id)?;
        Ok((
            ws.reach().draft_eml(id)?,
            format!("welcome-{}.eml", file_stem(&d.record)),
            emails_dir(ws),
        ))
    })?;
    save_and_open(&dir, &name, &bytes)
}

/// Email to OWNER: the brief as an .eml to the record's new owner, written beside the workspace
/// and opened in the mail app like the welcome email. Returns the file's path.
#[tauri::command]
pub(crate) async fn open_brief_email(app: AppHandle, id: RecordId) -> CmdResult<String> {
    let (bytes, name, dir) = app.read(|ws| {
        let r = ws.records().get(id)?;
        Ok((
            ws.reach().brief_eml(id)?,
            format!("brief-{}.eml", file_stem(&r.name)),
            emails_dir(ws),
        ))
    })?;
    save_and_open(&dir, &name, &bytes)
}

/// Where the emails Baton writes for the mail app go: `emails/` beside the workspace.
fn emails_dir(ws: &baton::Workspace) -> PathBuf {
    ws.path()
        .and_then(Path::parent)
        .map(|p| p.join("emails"))
        .unwrap_or_else(std::env::temp_dir)
}

fn save_and_open(dir: &Path, name: &str, bytes: &[u8]) -> CmdResult<String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| UiError::internal(format!("could not create {}: {e}", dir.display())))?;
    let path = dir.join(name);
    write(&path, bytes)?;
    open_with_default(&path)?;
    Ok(path.display().to_string())
}

/// A record's name as a file name: letters and digits, the rest as dashes.
fn file_stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(60).collect()
}

/// Opens one file with the platform's handler for its type (`xdg-open`, `open`, `start`);
/// `BATON_OPEN_WITH` names another program (the end-to-end tier's hook).
fn open_with_default(path: &Path) -> CmdResult<()> {
    let mut cmd = match std::env::var_os("BATON_OPEN_WITH") {
        Some(program) => Command::new(program),
        None if cfg!(target_os = "macos") => Command::new("open"),
        None if cfg!(windows) => {
            let mut c = Command::new("cmd");
            c.args(["/C", "start", ""]);
            c
        }
        None => Command::new("xdg-open"),
    };
    let mut child = cmd.arg(path).spawn().map_err(|e| {
        UiError::internal(format!(
            "the email is saved at {} but no mail app could be started ({e}); open the file yourself",
            path.display()
        ))
    })?;
    // Reaped in the background: the mail app may stay open long after.
    std::thread::spawn(move || child.wait());
    Ok(())
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
