//! Lists the app's commands so each one needs its own `allow-…` permission in
//! `capabilities/main.json`: the window can call only what the UI uses.

/// Every command `src/commands.rs` registers; keep the two lists in step.
const COMMANDS: &[&str] = &[
    "app_state",
    "workspace_check",
    "start_workspace",
    "board",
    "board_page",
    "record_detail",
    "known_stages",
    "arrange_board",
    "move_record",
    "set_fields",
    "set_flag",
    "vocabulary",
    "wizard",
    "wizard_review",
    "wizard_save",
    "brief",
    "handoffs",
    "tasks",
    "check_item",
    "complete_task",
    "approve",
    "send_back",
    "escalate",
    "reject",
    "preview_import",
    "import_csv",
    "undo_import",
    "imports",
    "pick_csv",
    "save_text",
    "playbooks",
    "playbook_impact",
    "save_playbooks",
    "people",
    "add_person",
    "holidays",
    "add_holiday",
    "watched_folder",
    "set_watched_folder",
    "pick_folder",
    "health",
    "health_records",
    "health_report",
    "edit_draft",
    "mark_draft_sent",
    "open_draft",
    "save_invite",
    "open_brief_email",
    "writeback_crms",
    "save_writeback",
    "webhooks",
    "add_webhook",
    "remove_webhook",
    "test_webhook",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build configuration");
}
