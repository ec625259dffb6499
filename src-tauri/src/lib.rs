//! Baton's desktop shell: a Tauri window over the core `Workspace`. Commands are one-line
//! adapters (`commands.rs`); notifications leave the outbox through notify-rust
//! (`notify.rs`), chat webhook posts through the core's delivery (`chat.rs`); a background
//! loop queues reminders (`background.rs`); file dialogs use rfd
//! (`dialogs.rs`). No business logic lives here.

mod activity;
mod background;
mod chat;
mod commands;
mod dialogs;
mod error;
mod notify;
mod team;
mod watch;

use baton::{SystemClock, Workspace};
use error::{CmdResult, UiError};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Mutex, MutexGuard};
use tauri::{AppHandle, Emitter, Manager};
use team::Place;

/// The one workspace the window works on, and a guard that keeps deliveries one at a time.
pub(crate) struct Shared {
    ws: Mutex<Workspace>,
    delivering: Mutex<()>,
    /// Keeps chat posts going out one at a time.
    posting: Mutex<()>,
    /// Where the workspace is, readable without the lock: what a waiting action is waiting
    /// for, and what the header says.
    pub(crate) place: Mutex<Place>,
    /// On a team workspace: since when (local time) its server cannot be reached, if it cannot.
    offline: Mutex<Option<String>>,
    /// On a team workspace opened without its password: why the window asks for it.
    needs_password: Mutex<Option<String>>,
    /// Moves on whenever the window opens another workspace: a follower of the one before stops.
    generation: AtomicU64,
    /// Nothing has been delivered since the app started or the team workspace came back: what
    /// waits then is shown as one notification when there are several.
    away: AtomicBool,
    /// Whether someone is at the window (how often a team workspace is asked depends on it).
    focus: activity::Focus,
}

/// `app.workspace()`: the workspace behind its lock, and what follows every change.
pub(crate) trait WorkspaceExt {
    /// Runs a read.
    fn read<T>(&self, f: impl FnOnce(&Workspace) -> baton::Result<T>) -> CmdResult<T>;
    /// Runs a change, then tells the UI and delivers any notification it queued.
    fn change<T>(&self, f: impl FnOnce(&mut Workspace) -> baton::Result<T>) -> CmdResult<T>;
}

pub(crate) fn lock(app: &AppHandle) -> CmdResult<MutexGuard<'_, Workspace>> {
    let shared = app.state::<Shared>().inner();
    let poisoned = |_| {
        UiError::internal("the workspace is unavailable after an earlier failure; restart Baton")
    };
    match shared.ws.try_lock() {
        Ok(ws) => return Ok(ws),
        Err(std::sync::TryLockError::Poisoned(e)) => return Err(poisoned(e)),
        // An import from this app holds the workspace: this action queues behind it, and the
        // window says so instead of looking stuck. (A command-line import is said by the write
        // that waits for it, `Workspace::on_wait`; its file may outlive its lock by a moment.)
        Err(std::sync::TryLockError::WouldBlock) => {
            let file = match &*held(&shared.place) {
                Place::Laptop(path) => Some(path.clone()),
                Place::Team(_) => None,
            };
            let ours = file
                .as_deref()
                .and_then(baton::running_import)
                .filter(|r| r.pid == std::process::id());
            if let Some(running) = ours {
                let _ = app.emit(
                    "workspace-waiting",
                    format!("{}; waiting…", running.sentence()),
                );
            }
        }
    }
    shared.ws.lock().map_err(poisoned)
}

/// The value behind `m`, also after a thread panicked holding it: what the shell keeps beside
/// the workspace (where it is, whether it is reachable) stays readable.
pub(crate) fn held<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f`, which may wait on the workspace, from a command's async task: a team workspace's
/// PostgreSQL client blocks on a runtime of its own, which may not start on a thread driving
/// the app's, so the thread is handed over to blocking first.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) if rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl WorkspaceExt for AppHandle {
    // A damaged workspace file turns SQLite's "malformed" into the sentence naming the copy
    // to restore, and stops every later write.
    fn read<T>(&self, f: impl FnOnce(&Workspace) -> baton::Result<T>) -> CmdResult<T> {
        blocking(|| {
            let ws = lock(self)?;
            Ok(f(&ws).map_err(|e| ws.explain(e))?)
        })
    }

    // While the team workspace cannot be reached nothing is written (nor half-written): the
    // window keeps what was typed, and the change is made again once it is back.
    fn change<T>(&self, f: impl FnOnce(&mut Workspace) -> baton::Result<T>) -> CmdResult<T> {
        if let Some(refused) = team::offline_refusal(self) {
            return Err(refused);
        }
        let out = blocking(|| {
            let mut ws = lock(self)?;
            let out = f(&mut ws).map_err(|e| ws.explain(e))?;
            CmdResult::Ok(out)
        })?;
        changed(self);
        Ok(out)
    }
}

/// After a change: the UI re-reads what it shows, and new notifications go out.
pub(crate) fn changed(app: &AppHandle) {
    let _ = app.emit("workspace-changed", ());
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        notify::deliver(&app);
        chat::deliver(&app);
    });
}

/// How the workspace the app starts on stands.
enum Start {
    /// Open.
    Open,
    /// A team workspace whose server cannot be reached yet: why.
    Unreachable(String),
    /// A team workspace with no password to hand (no keyring, or none kept there): why.
    NeedsPassword(String),
}

/// The workspace the app opens (see [`team::chosen`]). A team workspace that cannot be opened
/// yet opens as an empty stand-in that nothing is written to: said in the banner until the
/// follower reaches the server and swaps the team's workspace in, or asked for its password.
fn open_workspace() -> Result<(Place, Workspace, Start), String> {
    let (place, no_keyring) = team::chosen()?;
    match team::open(&place) {
        Ok(ws) => Ok((place, ws, Start::Open)),
        Err(baton::Error::Unreachable(why)) if matches!(place, Place::Team(_)) => {
            let stand_in = Workspace::open_in_memory(SystemClock).map_err(|e| e.to_string())?;
            let start = match &place {
                Place::Team(url) if !url.has_password() => {
                    eprintln!("baton: the team workspace's password is not at hand: {why}");
                    Start::NeedsPassword(match no_keyring {
                        Some(keyring) => {
                            eprintln!("baton: {keyring}");
                            "This computer has no keyring to keep the password in (on Linux, a Secret Service such as GNOME Keyring or KWallet), so Baton asks for it each time it starts and never writes it to a file.".into()
                        }
                        None => "The keyring keeps no password for this team workspace yet: type it once, and the keyring keeps it.".into(),
                    })
                }
                _ => Start::Unreachable(why),
            };
            Ok((place, stand_in, start))
        }
        Err(e) => Err(match &place {
            Place::Laptop(path) => format!("{}: {e}", path.display()),
            Place::Team(_) => e.to_string(),
        }),
    }
}

/// Starts the app.
pub fn run() {
    let (place, ws, start) = match open_workspace() {
        Ok(opened) => opened,
        Err(e) => {
            // Started from a desktop icon there is no terminal: say it in a window too.
            eprintln!("baton: cannot open the workspace: {e}");
            rfd::MessageDialog::new()
                .set_level(rfd::MessageLevel::Error)
                .set_title("Baton cannot open your workspace")
                .set_description(e)
                .set_buttons(rfd::MessageButtons::Ok)
                .show();
            std::process::exit(1);
        }
    };
    let app = tauri::Builder::default()
        .manage(Shared {
            place: Mutex::new(place.clone()),
            offline: Mutex::new(None),
            needs_password: Mutex::new(match &start {
                Start::NeedsPassword(why) => Some(why.clone()),
                _ => None,
            }),
            generation: AtomicU64::new(0),
            away: AtomicBool::new(true),
            ws: Mutex::new(ws),
            delivering: Mutex::new(()),
            posting: Mutex::new(()),
            focus: Default::default(),
        })
        .manage(watch::Watching::default())
        .setup(move |app| {
            // A change made while another program (the CLI) imports waits for it; the window
            // says what it waits for.
            let handle = app.handle().clone();
            if let Ok(mut ws) = lock(app.handle()) {
                ws.on_wait(move |w| {
                    let _ = handle.emit("workspace-waiting", w.sentence());
                });
            }
            background::start(app.handle().clone());
            match (&start, &place) {
                (Start::NeedsPassword(_), _) => {}
                (Start::Unreachable(why), Place::Team(url)) => {
                    team::went_offline(app.handle(), why);
                    team::follow(app.handle().clone(), url.clone());
                }
                (_, Place::Team(url)) => team::follow(app.handle().clone(), url.clone()),
                _ => {}
            }
            if let Err(e) = watch::start(app.handle()) {
                eprintln!("baton: watched folder: {}", e.message);
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // A CSV dropped on the window goes to the import screen, which previews it and
            // imports through the same command as the file picker.
            // The web view sees no HTML drag events while the shell handles drops, so the
            // shell also says when a file hovers over the window.
            if let tauri::WindowEvent::Focused(now) = event {
                activity::focused(window.app_handle(), *now);
            }
            if let tauri::WindowEvent::DragDrop(drag) = event {
                let _ = match drag {
                    tauri::DragDropEvent::Enter { .. } => window.emit("drag-hover", true),
                    tauri::DragDropEvent::Leave => window.emit("drag-hover", false),
                    tauri::DragDropEvent::Drop { paths, .. } => {
                        let paths: Vec<String> =
                            paths.iter().map(|p| p.display().to_string()).collect();
                        let _ = window.emit("drag-hover", false);
                        window.emit("files-dropped", paths)
                    }
                    _ => Ok(()),
                };
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            team::workspace_where,
            team::team_test,
            team::team_paste,
            team::team_connect,
            team::use_laptop,
            team::members,
            team::invite_teammate,
            team::revoke_teammate,
            commands::review_queue,
            commands::workspace_check,
            commands::start_workspace,
            commands::board,
            commands::board_page,
            commands::record_detail,
            commands::known_stages,
            commands::arrange_board,
            commands::move_record,
            commands::set_fields,
            commands::set_flag,
            commands::vocabulary,
            commands::wizard,
            commands::wizard_review,
            commands::watched_folder,
            commands::health,
            commands::health_records,
            commands::health_report,
            commands::edit_draft,
            commands::mark_draft_sent,
            dialogs::open_draft,
            dialogs::save_invite,
            dialogs::save_writeback,
            commands::writeback_crms,
            chat::webhooks,
            chat::add_webhook,
            chat::remove_webhook,
            chat::test_webhook,
            dialogs::open_brief_email,
            commands::set_watched_folder,
            dialogs::pick_folder,
            commands::wizard_save,
            commands::brief,
            commands::handoffs,
            commands::tasks,
            commands::check_item,
            commands::complete_task,
            commands::approve,
            commands::send_back,
            commands::escalate,
            commands::reject,
            commands::preview_import,
            commands::import_csv,
            commands::undo_import,
            commands::imports,
            dialogs::pick_csv,
            dialogs::save_text,
            commands::playbooks,
            commands::playbook_impact,
            commands::save_playbooks,
            commands::people,
            commands::add_person,
            commands::holidays,
            commands::add_holiday,
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("baton: the window could not start: {e}");
            std::process::exit(1);
        }
    }
}
