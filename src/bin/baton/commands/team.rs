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
    /// My notifications not yet shown; --follow prints each new one as it is committed.
    Inbox {
        /// Keep running: claim and print each new notification for me the moment it lands
        /// (one JSON line each with --json), so no other Baton shows it too.
        #[arg(long)]
        follow: bool,
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
            Some(PeopleAction::Me { name }) => {
                let p = ws.set_me(&name, Origin::Cli)?;
                println!("You are {} ({}) on this laptop.", p.name, p.role);
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
        TeamCommand::Inbox { follow, json } => inbox(ws, follow, json)?,
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

/// One notification as `inbox --follow --json` prints it.
#[derive(serde::Serialize)]
struct Line<'a> {
    id: baton::NotificationId,
    title: &'a str,
    body: &'a str,
    task_id: Option<baton::TaskId>,
    record_id: Option<baton::RecordId>,
    created_at: &'a baton::Stamp,
}

fn say(n: &baton::Notification, json: bool) {
    use std::io::Write;
    if json {
        let line = Line {
            id: n.id,
            title: &n.title,
            body: &n.body,
            task_id: n.task_id,
            record_id: n.record_id,
            created_at: &n.created_at,
        };
        println!("{}", serde_json::to_string(&line).unwrap_or_default());
    } else {
        let (title, body) = n.text(|d| d.to_string());
        println!("{title}: {}", body.replace('\n', " · "));
    }
    let _ = std::io::stdout().flush();
}

fn inbox(ws: &mut Workspace, follow: bool, json: bool) -> Res {
    let me = ws.me()?.ok_or(
        "nobody is marked as you on this laptop; run: baton people me NAME (or pass --me NAME)",
    )?;
    if !follow {
        let pending = ws.pending_notifications()?;
        if json {
            print_json(&pending);
        } else if pending.is_empty() {
            println!("Nothing new for {}.", me.name);
        } else {
            pending.iter().for_each(|n| say(n, false));
        }
        return Ok(());
    }
    // Claimed as they land: a commit by any other program moves the file's version.
    let mut seen = None;
    loop {
        let now = ws.version()?;
        if seen != Some(now) {
            seen = Some(now);
            for n in ws.claim_notifications()? {
                say(&n, json);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
