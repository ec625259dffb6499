//! Reaching people: welcome email drafts as `.eml`, marked sent; kickoff invites as `.ics`.

use crate::*;

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
            let drafts = ws.drafts()?;
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
            let r = ws.find_record(&record)?;
            let d = ws.record_draft(r.id)?;
            if let Some(file) = eml {
                save(&file, &ws.draft_eml(d.id)?)?;
                println!(
                    "Wrote {}: open it in your mail app to review and send.",
                    file.display()
                );
            }
            if sent {
                let d = ws.mark_draft_sent(d.id, Origin::Cli)?;
                println!(
                    "Marked the welcome email for {} as sent by {}.",
                    d.record,
                    d.sent_by.as_deref().unwrap_or("you")
                );
            }
        }
        ReachCommand::Invite { task, ics } => {
            let text = ws.kickoff_ics(TaskId(task))?;
            save(&ics, text.as_bytes())?;
            println!(
                "Wrote {}: open it to add the kickoff to your calendar.",
                ics.display()
            );
        }
    }
    Ok(())
}
