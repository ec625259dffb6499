//! The team and the days due dates skip.

use crate::*;

#[derive(Subcommand)]
pub(crate) enum TeamCommand {
    /// List the team, or add someone.
    People {
        #[command(subcommand)]
        action: Option<PeopleAction>,
        #[arg(long)]
        json: bool,
    },
    /// List holidays due dates skip, or add one.
    Holidays {
        #[command(subcommand)]
        action: Option<HolidayAction>,
    },
}

pub(crate) fn run(ws: &mut Workspace, command: TeamCommand) -> Res {
    match command {
        TeamCommand::People { action, json } => match action {
            Some(PeopleAction::Add {
                name,
                role,
                email,
                me,
            }) => {
                let p = ws.add_person(&name, role, email.as_deref(), me, Origin::Cli)?;
                println!(
                    "{} ({}){}",
                    p.name,
                    p.role,
                    if p.is_me { ", you" } else { "" }
                );
            }
            None => {
                let ps = ws.people()?;
                if json {
                    print_json(&ps);
                } else {
                    table(
                        &["NAME", "ROLE", "EMAIL", "YOU"],
                        ps.iter().map(|p| {
                            vec![
                                p.name.clone(),
                                p.role.to_string(),
                                p.email.clone().unwrap_or_default(),
                                if p.is_me { "yes".into() } else { String::new() },
                            ]
                        }),
                    );
                }
            }
        },
        TeamCommand::Holidays { action } => match action {
            Some(HolidayAction::Add { date: d, name }) => {
                ws.add_holiday(
                    date(&d, "holiday")?,
                    name.as_deref().unwrap_or(""),
                    Origin::Cli,
                )?;
                println!("Holiday {d} added; due dates skip it.");
            }
            None => ws.holidays()?.iter().for_each(|d| println!("{d}")),
        },
    }
    Ok(())
}
