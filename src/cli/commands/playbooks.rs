//! The playbooks as a TOML file, and their backtest.

use crate::cli::*;

#[derive(Subcommand)]
pub(crate) enum PlaybookCommand {
    /// List, export, import or backtest playbooks.
    Playbooks {
        #[command(subcommand)]
        action: Option<PlaybookAction>,
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(ws: &mut Workspace, command: PlaybookCommand) -> Res {
    match command {
        PlaybookCommand::Playbooks { action, json } => match action {
            None if json => print_json(&ws.handoffs().playbooks()?),
            None => table(
                &[
                    "KEY",
                    "NAME",
                    "TRIGGER",
                    "REQUIRED FIELDS",
                    "FIRST TASK",
                    "DUE (BUSINESS DAYS)",
                    "ON",
                ],
                ws.handoffs().playbooks()?.iter().map(|p| {
                    vec![
                        p.key.clone(),
                        p.name.clone(),
                        format!("{} enters {}", p.kind, p.trigger_stage),
                        p.required_fields.len().to_string(),
                        p.first_task.as_str().replace('_', "-"),
                        p.due_business_days.to_string(),
                        if p.enabled { "yes".into() } else { "no".into() },
                    ]
                }),
            ),
            Some(PlaybookAction::Export { file }) => {
                let text = PlaybookFile {
                    playbooks: ws.handoffs().playbooks()?,
                }
                .to_toml()?;
                std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
                println!("Wrote {}.", file.display());
            }
            Some(PlaybookAction::Import { file }) => {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                let parsed = PlaybookFile::from_toml(&text)
                    .map_err(|e| format!("{}: {e}", file.display()))?;
                let impact = ws.handoffs().playbook_impact(&parsed.playbooks)?;
                ws.handoffs()
                    .replace_playbooks(&parsed.playbooks, Origin::Cli)?;
                println!(
                    "Imported {} playbooks from {}. {}",
                    parsed.playbooks.len(),
                    file.display(),
                    crate::impact::sentence(&impact)
                );
            }
            Some(PlaybookAction::Backtest { playbook, json: j }) => {
                let bt = ws.handoffs().backtest(playbook.as_deref())?;
                if j || json {
                    print_json(&bt);
                } else {
                    output::print_backtest(&bt);
                }
            }
        },
    }
    Ok(())
}
