//! The window's commands: each one a thin adapter onto the core `Workspace`.

use crate::error::{CmdResult, UiError};
use crate::WorkspaceExt;
use baton::import::ImportOptions;
use baton::{DraftId, HandoffId, HandoffStatus, Origin, RecordId, RecordKind, Role, TaskId};
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;
use tauri::{AppHandle, Emitter, Manager};

const UI: Origin = Origin::App;

/// What the window needs to know first: who I am, the team, whether this is a first run.
#[derive(Serialize)]
pub(crate) struct AppState {
    path: Option<String>,
    me: Option<baton::Person>,
    people: Vec<baton::Person>,
    first_run: bool,
    /// On a team workspace, who the login is (and whether an admin).
    login: Option<baton::team::Login>,
    /// When everyone on the team workspace shares one login: the sentence saying so.
    shared_login: Option<String>,
    /// My open tasks: the window's title and the dock or launcher badge count them.
    open_tasks: usize,
}

#[tauri::command]
pub(crate) async fn app_state(app: AppHandle) -> CmdResult<AppState> {
    // A team workspace (or the stand-in shown until it can be opened) is never a first run.
    let team = matches!(
        *crate::held(&app.state::<crate::Shared>().place),
        crate::team::Place::Team(_)
    );
    let state = app.read(|ws| {
        let me = ws.me()?;
        let people = ws.team().people()?;
        Ok(AppState {
            open_tasks: ws.handoffs().my_open_task_count()?,
            path: ws.path().map(|p| p.display().to_string()),
            // A team workspace is never a first run: its people say who I am (the header asks).
            first_run: !team
                && me.is_none()
                && ws
                    .records()
                    .board(RecordKind::Deal, "")?
                    .iter()
                    .all(|c| c.count == 0),
            me,
            people,
            login: ws.team().login().cloned(),
            shared_login: ws.team().login().and_then(baton::team::Login::shared),
        })
    })?;
    // Where the platform has a badge (macOS's dock, Linux launchers with the Unity API).
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.set_badge_count((state.open_tasks > 0).then_some(state.open_tasks as i64));
    }
    Ok(state)
}

/// The quick check the app runs on its workspace file once it has opened, away from the
/// window's thread: `None` when intact, else the sentence naming the copy to restore (and
/// from then on every write refuses).
#[tauri::command]
pub(crate) async fn workspace_check(app: AppHandle) -> CmdResult<Option<String>> {
    let Some(path) = crate::lock(&app)?.path().map(Path::to_path_buf) else {
        return Ok(None);
    };
    tauri::async_runtime::spawn_blocking(move || {
        baton::damage::problems(&path, false)
            .map(|found| baton::damage::damaged(&path, &found.join("; ")).to_string())
    })
    .await
    .map_err(UiError::internal)
}

/// First run: the demo workspace (you are its founder) or an empty one with you in it.
#[tauri::command]
pub(crate) async fn start_workspace(
    app: AppHandle,
    name: String,
    role: Role,
    demo: bool,
) -> CmdResult<()> {
    app.change(|ws| {
        if demo {
            ws.demo()
        } else {
            ws.team()
                .add_person(&name, role, None, true, Origin::App)
                .map(|_| ())
        }
    })
}

#[tauri::command]
pub(crate) async fn board(
    app: AppHandle,
    kind: RecordKind,
    query: String,
) -> CmdResult<Vec<baton::BoardColumn>> {
    app.read(|ws| ws.records().board(kind, &query))
}

#[tauri::command]
pub(crate) async fn board_page(
    app: AppHandle,
    kind: RecordKind,
    stage: String,
    query: String,
    offset: u64,
    limit: u64,
) -> CmdResult<Vec<baton::BoardCard>> {
    app.read(|ws| ws.records().board_page(kind, &stage, &query, offset, limit))
}

#[tauri::command]
pub(crate) async fn record_detail(app: AppHandle, id: RecordId) -> CmdResult<baton::RecordDetail> {
    app.read(|ws| ws.records().detail(id))
}

/// Keeps the order the user arranged the board's columns in; returns the board's stages.
#[tauri::command]
pub(crate) async fn arrange_board(
    app: AppHandle,
    kind: RecordKind,
    order: Vec<String>,
) -> CmdResult<Vec<String>> {
    app.change(|ws| ws.records().arrange_board(kind, &order, Origin::App))
}

#[tauri::command]
pub(crate) async fn known_stages(app: AppHandle, kind: RecordKind) -> CmdResult<Vec<String>> {
    app.read(|ws| ws.records().known_stages(kind))
}

#[tauri::command]
pub(crate) async fn move_record(
    app: AppHandle,
    id: RecordId,
    stage: String,
) -> CmdResult<baton::RuleEffects> {
    app.change(|ws| ws.records().move_to(id, &stage, UI))
}

#[tauri::command]
pub(crate) async fn set_fields(
    app: AppHandle,
    id: RecordId,
    fields: Vec<(String, String)>,
) -> CmdResult<baton::RuleEffects> {
    app.change(|ws| ws.records().set_fields(id, &fields, UI))
}

#[tauri::command]
pub(crate) async fn set_flag(
    app: AppHandle,
    id: RecordId,
    flag: String,
    on: bool,
) -> CmdResult<baton::RuleEffects> {
    app.change(|ws| ws.records().set_flag(id, &flag, on, UI))
}

/// The words for every key the UI shows (fields, CRMs, statuses, flags, roles, figures).
#[tauri::command]
pub(crate) fn vocabulary() -> baton::vocabulary::Vocabulary {
    baton::vocabulary::vocabulary()
}

#[tauri::command]
pub(crate) async fn wizard(app: AppHandle, handoff: HandoffId) -> CmdResult<baton::Wizard> {
    app.read(|ws| ws.handoffs().wizard(handoff))
}

/// The brief and first task with the wizard's typed answers, before anything is saved.
#[derive(Serialize)]
pub(crate) struct WizardReview {
    brief: baton::brief::Brief,
    first_task: baton::PlannedTask,
}

#[tauri::command]
pub(crate) async fn wizard_review(
    app: AppHandle,
    handoff: HandoffId,
    fields: Vec<(String, String)>,
    context: std::collections::BTreeMap<String, String>,
) -> CmdResult<WizardReview> {
    app.read(|ws| ws.handoffs().wizard_review(handoff, &fields, &context))
        .map(|(brief, first_task)| WizardReview { brief, first_task })
}

/// The wizard's Save as paused and Hand off: the fields and judgment the person changed, and
/// the hand-off, in one write.
#[tauri::command]
pub(crate) async fn wizard_save(
    app: AppHandle,
    handoff: HandoffId,
    fields: Vec<(String, String)>,
    context: std::collections::BTreeMap<String, String>,
) -> CmdResult<baton::WizardSaved> {
    app.change(|ws| ws.handoffs().wizard_save(handoff, &fields, &context, UI))
}

/// The brief, and the same brief as Markdown for copying and saving.
#[derive(Serialize)]
pub(crate) struct BriefView {
    brief: baton::brief::Brief,
    markdown: String,
    /// The kickoff task whose invite "Add to calendar" saves, when there is one.
    invite_task: Option<TaskId>,
    /// The brief in Slack's mrkdwn, for Copy for Slack.
    slack: String,
    /// The new owner "Email to …" writes to, once the handoff has one.
    owner: Option<String>,
    /// The newest welcome email draft of the record's handoffs, to review and send from here.
    draft: Option<baton::EmailDraft>,
}

#[tauri::command]
pub(crate) async fn brief(app: AppHandle, id: RecordId) -> CmdResult<BriefView> {
    app.read(|ws| {
        let brief = ws.records().brief(id)?;
        Ok(BriefView {
            markdown: brief.to_markdown()?,
            invite_task: ws.reach().kickoff_task(id)?.map(|t| t.id),
            slack: brief.to_slack()?,
            owner: ws.reach().latest_handoff(id)?.and_then(|h| h.to_owner),
            draft: ws.reach().newest_draft(id)?,
            brief,
        })
    })
}

/// The CRMs a write-back has something for: {key, words} for each.
#[tauri::command]
pub(crate) async fn writeback_crms(app: AppHandle) -> CmdResult<Vec<baton::vocabulary::Word>> {
    app.read(|ws| ws.reach().writeback_crms()).map(|crms| {
        crms.into_iter()
            .map(baton::vocabulary::Word::from)
            .collect()
    })
}

#[tauri::command]
pub(crate) async fn handoffs(
    app: AppHandle,
    status: Option<HandoffStatus>,
) -> CmdResult<Vec<baton::Handoff>> {
    app.read(|ws| ws.handoffs().list(status))
}

/// The review queue: each handoff waiting, who reviews it, whether I may decide it.
#[tauri::command]
pub(crate) async fn review_queue(app: AppHandle) -> CmdResult<Vec<baton::Review>> {
    app.read(|ws| ws.handoffs().review_queue())
}

#[tauri::command]
pub(crate) async fn tasks(
    app: AppHandle,
    assignee: Option<String>,
    open: bool,
) -> CmdResult<Vec<baton::Task>> {
    app.read(|ws| ws.handoffs().tasks(assignee.as_deref(), open))
}

#[tauri::command]
pub(crate) async fn check_item(
    app: AppHandle,
    task: TaskId,
    item: usize,
    done: bool,
) -> CmdResult<()> {
    app.change(|ws| ws.handoffs().check_item(task, item, done, Origin::App))
}

#[tauri::command]
pub(crate) async fn complete_task(
    app: AppHandle,
    task: TaskId,
    kickoff_date: Option<NaiveDate>,
) -> CmdResult<baton::RuleEffects> {
    app.change(|ws| ws.handoffs().complete_task(task, kickoff_date, UI))
}

#[tauri::command]
pub(crate) async fn approve(
    app: AppHandle,
    handoff: HandoffId,
    note: Option<String>,
) -> CmdResult<baton::RuleEffects> {
    app.change(|ws| ws.handoffs().approve(handoff, note.as_deref(), UI))
}

#[tauri::command]
pub(crate) async fn send_back(app: AppHandle, handoff: HandoffId, reason: String) -> CmdResult<()> {
    app.change(|ws| ws.handoffs().send_back(handoff, &reason, UI))
}

#[tauri::command]
pub(crate) async fn escalate(app: AppHandle, handoff: HandoffId, reason: String) -> CmdResult<()> {
    app.change(|ws| ws.handoffs().escalate(handoff, &reason, UI))
}

#[tauri::command]
pub(crate) async fn reject(app: AppHandle, handoff: HandoffId, reason: String) -> CmdResult<()> {
    app.change(|ws| ws.handoffs().reject(handoff, &reason, UI))
}

#[tauri::command]
pub(crate) async fn preview_import(
    app: AppHandle,
    path: String,
    choice: ImportOptions,
) -> CmdResult<baton::import::Preview> {
    app.read(|ws| ws.import().preview(Path::new(&path), &choice, 5))
}

/// Imports off the UI thread, sending `import-progress` events a few times a second.
#[tauri::command]
pub(crate) async fn import_csv(
    app: AppHandle,
    path: String,
    choice: ImportOptions,
) -> CmdResult<baton::import::ImportReport> {
    tauri::async_runtime::spawn_blocking(move || {
        let mut last = std::time::Instant::now();
        let emit = |p: baton::import::ImportProgress| {
            if last.elapsed().as_millis() >= 100 || p.bytes == p.total_bytes {
                let _ = app.emit("import-progress", p);
                last = std::time::Instant::now();
            }
        };
        let mut emit = emit;
        app.change(|ws| {
            ws.import()
                .file_with_progress(Path::new(&path), &choice, &mut emit)
        })
    })
    .await
    .map_err(UiError::internal)?
}

#[tauri::command]
pub(crate) async fn undo_import(
    app: AppHandle,
    id: baton::ImportId,
) -> CmdResult<baton::import::UndoReport> {
    app.change(|ws| ws.import().undo(id, Origin::App))
}

#[tauri::command]
pub(crate) async fn imports(app: AppHandle) -> CmdResult<Vec<baton::ImportSummary>> {
    app.read(|ws| ws.import().list())
}

#[tauri::command]
pub(crate) async fn playbooks(app: AppHandle) -> CmdResult<Vec<baton::Playbook>> {
    app.read(|ws| ws.handoffs().playbooks())
}

/// What saving `playbooks` would do to the handoffs under way, in one sentence and as counts.
#[derive(Serialize)]
pub(crate) struct Impact {
    sentence: String,
    playbooks: Vec<baton::PlaybookImpact>,
}

#[tauri::command]
pub(crate) async fn playbook_impact(
    app: AppHandle,
    playbooks: Vec<baton::Playbook>,
) -> CmdResult<Impact> {
    app.read(|ws| {
        let playbooks = ws.handoffs().playbook_impact(&playbooks)?;
        Ok(Impact {
            sentence: baton::impact::sentence(&playbooks),
            playbooks,
        })
    })
}

/// Saves the playbooks; returns what the change does to the handoffs under way.
#[tauri::command]
pub(crate) async fn save_playbooks(
    app: AppHandle,
    playbooks: Vec<baton::Playbook>,
) -> CmdResult<String> {
    app.change(|ws| {
        let impact = ws.handoffs().playbook_impact(&playbooks)?;
        ws.handoffs().replace_playbooks(&playbooks, Origin::App)?;
        Ok(baton::impact::sentence(&impact))
    })
}

#[tauri::command]
pub(crate) async fn people(app: AppHandle) -> CmdResult<Vec<baton::Person>> {
    app.read(|ws| ws.team().people())
}

#[tauri::command]
pub(crate) async fn add_person(
    app: AppHandle,
    name: String,
    role: Role,
    email: Option<String>,
    me: bool,
) -> CmdResult<baton::Person> {
    app.change(|ws| {
        ws.team()
            .add_person(&name, role, email.as_deref(), me, Origin::App)
    })
}

#[tauri::command]
pub(crate) async fn holidays(app: AppHandle) -> CmdResult<Vec<NaiveDate>> {
    app.read(|ws| ws.team().holidays())
}

#[tauri::command]
pub(crate) async fn add_holiday(app: AppHandle, day: NaiveDate, name: String) -> CmdResult<()> {
    app.change(|ws| ws.team().add_holiday(day, &name, Origin::App))
}

#[tauri::command]
pub(crate) async fn watched_folder(app: AppHandle) -> CmdResult<Option<baton::WatchedFolder>> {
    app.read(|ws| ws.import().watched_folder())
}

/// Watches another folder (or none) from now on.
#[tauri::command]
pub(crate) async fn set_watched_folder(
    app: AppHandle,
    path: Option<String>,
) -> CmdResult<Option<baton::WatchedFolder>> {
    let folder = app.change(|ws| {
        ws.import()
            .set_watched_folder(path.as_deref().map(Path::new), Origin::App)
    })?;
    crate::watch::start(&app)?;
    Ok(folder)
}

#[tauri::command]
pub(crate) async fn health(app: AppHandle, weeks: u32) -> CmdResult<baton::Health> {
    app.read(|ws| ws.health().weeks(weeks, baton::STUCK_DAYS))
}

#[tauri::command]
pub(crate) async fn health_records(
    app: AppHandle,
    week: String,
    figure: String,
) -> CmdResult<Vec<baton::HealthRow>> {
    app.read(|ws| ws.health().records_behind(&week, &figure))
}

/// The health report in a format to save: `md`, `html` or `csv`.
#[tauri::command]
pub(crate) async fn health_report(app: AppHandle, weeks: u32, format: String) -> CmdResult<String> {
    app.read(|ws| {
        let h = ws.health().weeks(weeks, baton::STUCK_DAYS)?;
        match format.as_str() {
            "md" => h.to_markdown(),
            "html" => h.to_html(),
            "csv" => h.to_csv(),
            other => Err(baton::Error::invalid(
                "format",
                format!("{other:?} is not a report format; use md, html or csv"),
            )),
        }
    })
}

/// A person's edit of a welcome email draft: the subject, the body or both (`null` for the
/// one they did not edit).
#[tauri::command]
pub(crate) async fn edit_draft(
    app: AppHandle,
    id: DraftId,
    subject: Option<String>,
    body: Option<String>,
) -> CmdResult<baton::EmailDraft> {
    app.change(|ws| {
        ws.reach()
            .edit_draft(id, subject.as_deref(), body.as_deref(), UI)
    })
}

/// The welcome email was sent from the mail app: who and when, the checklist line ticked.
#[tauri::command]
pub(crate) async fn mark_draft_sent(app: AppHandle, id: DraftId) -> CmdResult<baton::EmailDraft> {
    app.change(|ws| ws.reach().mark_draft_sent(id, UI))
}
