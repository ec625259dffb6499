//! Handoffs and tasks: what is in flight, the human decisions, finishing tasks, judgment.

use crate::cli::*;

#[derive(Subcommand)]
pub(crate) enum HandoffCommand {
    /// List handoffs.
    Handoffs {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List tasks.
    Tasks {
        /// A person's name, or `me`.
        #[arg(long)]
        assignee: Option<String>,
        /// Only open tasks.
        #[arg(long)]
        open: bool,
        #[arg(long)]
        json: bool,
    },
    /// Mark a task done; a kickoff task needs --kickoff-date.
    Done {
        task: i64,
        #[arg(long)]
        kickoff_date: Option<String>,
    },
    /// With no arguments, check the workspace file (SQLite's integrity check) and the copies
    /// kept of it; with TASK ITEM, tick a checklist item of a task (counted from 1).
    Check {
        task: Option<i64>,
        #[arg(requires = "task")]
        item: Option<usize>,
        /// Untick instead.
        #[arg(long, requires = "task")]
        undo: bool,
        /// The integrity check as JSON.
        #[arg(long, conflicts_with = "task")]
        json: bool,
    },
    /// Approve an exception under review: the normal hand-off runs.
    Approve {
        handoff: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Send an exception back to its owner with a note.
    SendBack {
        handoff: i64,
        #[arg(long)]
        reason: String,
    },
    /// The receiving side escalates: context was missing.
    Escalate {
        handoff: i64,
        #[arg(long)]
        reason: String,
    },
    /// Sales sends a lead back to marketing: unclear qualification notes.
    Reject {
        handoff: i64,
        #[arg(long)]
        reason: String,
    },
    /// Add judgment to a handoff's brief: cares_about, promised_verbally, delivery_risk.
    Context {
        handoff: i64,
        #[arg(required = true)]
        pairs: Vec<String>,
    },
}

pub(crate) fn run(ws: &mut Workspace, command: HandoffCommand) -> Res {
    let me = Origin::Cli;
    match command {
        HandoffCommand::Handoffs { status, json } => {
            let status = status
                .map(|s| {
                    HandoffStatus::parse(&s.replace([' ', '-'], "_")).ok_or_else(|| {
                        let all: Vec<&str> =
                            HandoffStatus::ALL.iter().map(|s| s.as_str()).collect();
                        format!(
                            "{s:?} is not a handoff status; use one of: {}",
                            all.join(", ")
                        )
                    })
                })
                .transpose()?;
            let hs = ws.handoffs().list(status)?;
            if json {
                print_json(&hs);
            } else {
                table(
                    &[
                        "ID",
                        "RECORD",
                        "PLAYBOOK",
                        "STATUS",
                        "MISSING",
                        "FROM",
                        "TO",
                        "TRIGGERED",
                    ],
                    hs.iter().map(|h| {
                        vec![
                            h.id.to_string(),
                            h.record_name.clone(),
                            h.playbook.clone(),
                            h.status.as_str().replace('_', " "),
                            h.missing_fields.join(", "),
                            h.from_owner.clone().unwrap_or_default(),
                            h.to_owner.clone().unwrap_or_default(),
                            h.triggered_at.to_string(),
                        ]
                    }),
                );
            }
        }
        HandoffCommand::Tasks {
            assignee,
            open,
            json,
        } => {
            let ts = ws.handoffs().tasks(assignee.as_deref(), open)?;
            if json {
                print_json(&ts);
            } else {
                table(
                    &[
                        "ID",
                        "KIND",
                        "TITLE",
                        "ASSIGNEE",
                        "DUE",
                        "STATUS",
                        "CHECKLIST",
                    ],
                    ts.iter().map(|t| {
                        let done = t.checklist.iter().filter(|c| c.done).count();
                        vec![
                            t.id.to_string(),
                            t.kind.as_str().replace('_', "-"),
                            t.title.clone(),
                            t.assignee.clone().unwrap_or_default(),
                            t.due.map(|d| d.to_string()).unwrap_or_default(),
                            t.status.to_string(),
                            format!("{done}/{}", t.checklist.len()),
                        ]
                    }),
                );
            }
        }
        HandoffCommand::Done { task, kickoff_date } => {
            let date = kickoff_date
                .map(|d| date(&d, "--kickoff-date"))
                .transpose()?;
            let t = ws.handoffs().task(TaskId(task))?;
            let fx = ws.handoffs().complete_task(TaskId(task), date, me)?;
            println!("Done: {}.", t.title);
            if let Some(d) = date {
                println!("Kickoff scheduled for {d}.");
            }
            output::print_effects(ws, t.record_id, fx)?;
        }
        HandoffCommand::Check {
            task: Some(task),
            item,
            undo,
            ..
        } => {
            let item = item.ok_or("give the checklist line's number too: baton check TASK ITEM")?;
            ws.handoffs()
                .check_item(TaskId(task), item, !undo, Origin::Cli)?;
            let t = ws.handoffs().task(TaskId(task))?;
            for (i, c) in t.checklist.iter().enumerate() {
                println!(
                    "{} {}. {}",
                    if c.done { "[x]" } else { "[ ]" },
                    i + 1,
                    c.item
                );
            }
        }
        // The file check runs before the workspace opens (main.rs).
        HandoffCommand::Check { task: None, .. } => {}
        HandoffCommand::Approve { handoff, reason } => {
            let h = ws.handoffs().get(HandoffId(handoff))?;
            let fx = ws.handoffs().approve(h.id, reason.as_deref(), me)?;
            println!("Approved the exception on {}.", h.record_name);
            output::print_effects(ws, h.record_id, fx)?;
        }
        HandoffCommand::SendBack { handoff, reason } => {
            ws.handoffs().send_back(HandoffId(handoff), &reason, me)?;
            let h = ws.handoffs().get(HandoffId(handoff))?;
            println!(
                "Sent {} back to {}.",
                h.record_name,
                h.from_owner.as_deref().unwrap_or("its owner")
            );
        }
        HandoffCommand::Escalate { handoff, reason } => {
            ws.handoffs().escalate(HandoffId(handoff), &reason, me)?;
            let h = ws.handoffs().get(HandoffId(handoff))?;
            println!(
                "Escalated {} to {}.",
                h.record_name,
                h.from_owner.as_deref().unwrap_or("its owner")
            );
        }
        HandoffCommand::Reject { handoff, reason } => {
            ws.handoffs().reject(HandoffId(handoff), &reason, me)?;
            let h = ws.handoffs().get(HandoffId(handoff))?;
            println!(
                "Sent the lead {} back to {}.",
                h.record_name,
                h.from_owner.as_deref().unwrap_or("marketing")
            );
        }
        HandoffCommand::Context {
            handoff,
            pairs: raw,
        } => {
            for (k, v) in pairs(&raw)? {
                ws.records().set_context(HandoffId(handoff), &k, &v, me)?;
            }
            println!("Brief context saved.");
        }
    }
    Ok(())
}
