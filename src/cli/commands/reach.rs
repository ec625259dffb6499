//! Reaching people: welcome email drafts as `.eml`, marked sent; kickoff invites as `.ics`;
//! handoffs back into the CRM as its own update import files.

use crate::cli::*;
use crate::Crm;

#[derive(Subcommand)]
pub(crate) enum ReachCommand {
    /// List the welcome email drafts, the ones still to send first.
    Drafts {
        #[arg(long)]
        json: bool,
    },
    /// A record's welcome email: write it as an .eml for your mail app, or mark it sent.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["eml", "sent"])))]
    Draft {
        record: String,
        /// Write the draft to FILE (RFC 5322: text and HTML, the kickoff invite attached).
        #[arg(long, value_name = "FILE")]
        eml: Option<PathBuf>,
        /// Record that you sent it: ticks the kickoff task's line, and the draft stops changing.
        #[arg(long)]
        sent: bool,
    },
    /// Write a kickoff task's calendar invite (RFC 5545) to FILE.
    Invite {
        task: i64,
        #[arg(long, value_name = "FILE")]
        ics: PathBuf,
    },
    /// Write where each deal's handoff stands as FILE, in the CRM's update import format (keyed
    /// by its record id), and the handoffs' tasks beside it as FILE-tasks.csv.
    Writeback {
        /// hubspot, pipedrive or salesforce: the deals imported from it are written.
        #[arg(long, value_parser = crm)]
        crm: Crm,
        /// Only handoffs with activity on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        file: PathBuf,
    },
}

fn crm(s: &str) -> Result<Crm, String> {
    Crm::parse(s).ok_or_else(|| {
        format!("{s:?} is not a CRM Baton writes back to; use hubspot, pipedrive or salesforce")
    })
}

/// Writes `bytes` to `path`, saying which file could not be written and why.
pub(crate) fn save(path: &Path, bytes: &[u8]) -> Res {
    std::fs::write(path, bytes).map_err(|e| {
        format!(
            "could not write {}: {e}; check the folder exists and is writable",
            path.display()
        )
        .into()
    })
}

pub(crate) fn run(ws: &mut Workspace, command: ReachCommand) -> Res {
    match command {
        ReachCommand::Drafts { json } => {
            let drafts = ws.reach().drafts()?;
            if json {
                print_json(&drafts);
            } else if drafts.is_empty() {
                println!("No welcome email drafts yet: one is drafted when a handoff reaches its new owner.");
            } else {
                let rows = drafts.iter().map(|d| {
                    vec![
                        d.id.to_string(),
                        d.record.clone(),
                        d.recipient.clone().unwrap_or_default(),
                        d.subject.clone(),
                        match (&d.sent_at, &d.sent_by) {
                            (Some(at), by) => format!(
                                "sent {} by {}",
                                &at[..10.min(at.len())],
                                by.as_deref().unwrap_or("?")
                            ),
                            _ => "to review".into(),
                        },
                    ]
                });
                table(&["ID", "RECORD", "TO", "SUBJECT", "STATUS"], rows);
            }
        }
        ReachCommand::Draft { record, eml, sent } => {
            let r = ws.records().find(&record)?;
            let d = ws.reach().record_draft(r.id)?;
            if let Some(file) = eml {
                save(&file, &ws.reach().draft_eml(d.id)?)?;
                println!(
                    "Wrote {}: open it in your mail app to review and send.",
                    file.display()
                );
            }
            if sent {
                let d = ws.reach().mark_draft_sent(d.id, Origin::Cli)?;
                println!(
                    "Marked the welcome email for {} as sent by {}.",
                    d.record,
                    d.sent_by.as_deref().unwrap_or("you")
                );
            }
        }
        ReachCommand::Invite { task, ics } => {
            let text = ws.reach().kickoff_ics(TaskId(task))?;
            save(&ics, text.as_bytes())?;
            println!(
                "Wrote {}: open it to add the kickoff to your calendar.",
                ics.display()
            );
        }
        ReachCommand::Writeback { crm, since, file } => {
            let since = since.map(|d| date(&d, "--since")).transpose()?;
            let w = ws.reach().writeback(crm, since)?;
            let tasks = w.write_to(&file)?;
            println!(
                "Wrote {} {} to {} and {} {} to {}: import the first into {} as an update of existing deals, the second as tasks.",
                w.deals,
                if w.deals == 1 { "deal" } else { "deals" },
                file.display(),
                w.task_count,
                if w.task_count == 1 { "task" } else { "tasks" },
                tasks.display(),
                crm.words()
            );
        }
    }
    Ok(())
}
