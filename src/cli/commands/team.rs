//! The team and the days due dates skip.

use crate::cli::*;

#[derive(Subcommand)]
pub(crate) enum TeamCommand {
    /// List the team, or add someone.
    People {
        #[command(subcommand)]
        action: Option<PeopleAction>,
        #[arg(long)]
        json: bool,
    },
    /// The team workspace on PostgreSQL: set one up, or see how it stands.
    Team {
        #[command(subcommand)]
        action: TeamAction,
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

#[derive(Subcommand)]
pub(crate) enum TeamAction {
    /// Create Baton's tables in an empty PostgreSQL database (or bring an older Baton's up to
    /// date). The password comes from URL, PGPASSWORD or ~/.pgpass.
    Init { url: String },
    /// Copy this laptop's workspace (--db) into an empty team workspace, in one transaction.
    Push { url: String },
    /// The server, the schema version, the round trip and who is on which laptop.
    Status {
        /// The team workspace (default: --db / BATON_DB when it is a postgres:// address).
        url: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// `baton team …`: these talk to the server only, never to a laptop workspace.
pub(crate) fn team(action: TeamAction, db: Option<&Path>, me: Option<&str>) -> Res {
    use crate::team::{self, TeamUrl};
    match action {
        TeamAction::Init { url } => {
            let url = TeamUrl::parse(&url)?;
            let done = team::init(&url)?;
            if done.from == done.to {
                println!(
                    "{} is already a Baton team workspace (schema {}); nothing to do.",
                    done.server, done.to
                );
            } else if done.from == 0 {
                println!(
                    "Set up a team workspace at {} (schema {}). Each teammate points Baton at it (--db ADDRESS or BATON_DB) and says who they are: baton people me NAME.",
                    done.server, done.to
                );
            } else {
                println!(
                    "Brought {} from schema {} to {}.",
                    done.server, done.from, done.to
                );
            }
        }
        TeamAction::Push { url } => {
            let url = TeamUrl::parse(&url)?;
            let path = db
                .map(Path::to_path_buf)
                .unwrap_or_else(crate::default_workspace_path);
            let ws = crate::cli::open(&path)?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let pushed = ws.team().push(&url, &mut |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            });
            bar.finish_and_clear();
            let pushed = pushed?;
            let me = ws.me()?.map(|p| p.name);
            println!(
                "Pushed {} rows from {} to {}. Each teammate now points Baton at it{}.",
                pushed.rows,
                path.display(),
                pushed.server,
                match me {
                    Some(name) => format!(" and says who they are (you: baton people me {name:?})"),
                    None => " and says who they are: baton people me NAME".into(),
                }
            );
        }
        TeamAction::Status { url, json } => {
            let from_db = db
                .map(|p| p.to_string_lossy().into_owned())
                .filter(|p| TeamUrl::is_team(p));
            let url = url.or(from_db).ok_or(
                "which team workspace? give its address: baton team status postgres://USER@HOST/DB",
            )?;
            let s = team::status(&TeamUrl::parse(&url)?, me)?;
            if json {
                print_json(&s);
            } else {
                println!(
                    "Server:  {} (PostgreSQL {}, sslmode={})",
                    s.server, s.server_version, s.sslmode
                );
                println!(
                    "Schema:  {} (this Baton knows {})",
                    s.schema_version, s.known_version
                );
                println!("Latency: {:.2} ms per round trip", s.latency_ms);
                if let Some(pooler) = &s.pooler {
                    println!("Pooler:  {pooler}");
                }
                table(
                    &["LAPTOP", "WHO", "BATON", "LAST SEEN"],
                    s.laptops.iter().map(|l| {
                        vec![
                            l.host.clone(),
                            l.person.clone(),
                            l.baton.clone(),
                            l.last_seen.clone(),
                        ]
                    }),
                );
            }
        }
    }
    Ok(())
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
                let p = ws
                    .team()
                    .add_person(&name, role, email.as_deref(), me, Origin::Cli)?;
                println!(
                    "{} ({}){}",
                    p.name,
                    p.role,
                    if p.is_me { ", you" } else { "" }
                );
            }
            Some(PeopleAction::Me { name }) => {
                let p = ws.team().set_me(&name, Origin::Cli)?;
                println!("You are {} ({}) on this laptop.", p.name, p.role);
            }
            None => {
                let ps = ws.team().people()?;
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
        // Handled before a laptop workspace is opened (see main.rs).
        TeamCommand::Team { .. } => {}
        TeamCommand::Holidays { action } => match action {
            Some(HolidayAction::Add { date: d, name }) => {
                ws.team().add_holiday(
                    date(&d, "holiday")?,
                    name.as_deref().unwrap_or(""),
                    Origin::Cli,
                )?;
                println!("Holiday {d} added; due dates skip it.");
            }
            None => ws.team().holidays()?.iter().for_each(|d| println!("{d}")),
        },
    }
    Ok(())
}

/// One notification as `inbox --follow --json` prints it.
#[derive(serde::Serialize)]
struct Line<'a> {
    id: crate::NotificationId,
    title: &'a str,
    body: &'a str,
    task_id: Option<crate::TaskId>,
    record_id: Option<crate::RecordId>,
    created_at: &'a crate::Stamp,
}

fn say(n: &crate::Notification, json: bool) {
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
        let pending = ws.reach().pending_notifications()?;
        if json {
            print_json(&pending);
        } else if pending.is_empty() {
            println!("Nothing new for {}.", me.name);
        } else {
            pending.iter().for_each(|n| say(n, false));
        }
        return Ok(());
    }
    // On a team workspace the server says when one is committed, by any teammate's Baton;
    // behind a transaction pooler, which cannot, the inbox is looked at every few seconds.
    // Whatever waits is claimed (marked shown, in one write), so after any disconnect the
    // next claim catches up on what came meanwhile, and nothing is shown twice, here or by
    // another follower. A lost connection is opened again; until then the follower says so
    // once and tries again, less and less often.
    if ws.is_team() {
        use std::time::Duration;
        ws.reach().listen_to_inbox()?;
        if let Some(pooler) = ws.team().pooler() {
            eprintln!("note: {pooler}");
        }
        let mut pause = Duration::from_secs(1);
        let mut said_lost = false;
        loop {
            let claimed = ws.reach().claim_notifications().and_then(|ns| {
                ns.iter().for_each(|n| say(n, json));
                ws.reach().wait_for_inbox(Duration::from_secs(60))
            });
            match claimed {
                Ok(_) => {
                    if said_lost {
                        eprintln!("note: the team database answers again; caught up");
                        said_lost = false;
                    }
                    pause = Duration::from_secs(1);
                }
                Err(crate::Error::Unreachable(why)) => {
                    if !said_lost {
                        eprintln!("note: {why}; following again as soon as it answers");
                        said_lost = true;
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(30));
                    // Listening again opens a new connection (when the server answers).
                    let _ = ws.reach().listen_to_inbox();
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    // Claimed as they land: a commit by any other program moves the file's version.
    let mut seen = None;
    loop {
        let now = ws.version()?;
        if seen != Some(now) {
            seen = Some(now);
            for n in ws.reach().claim_notifications()? {
                say(&n, json);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
