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
    /// date); the login that runs it becomes the first admin. The password comes from URL,
    /// PGPASSWORD or ~/.pgpass.
    Init {
        url: String,
        /// Who the login running this is (default: the founder already on it, else the
        /// login's name).
        #[arg(long = "as", value_name = "NAME")]
        person: Option<String>,
        /// Their role, when they are new to the team (with --as).
        #[arg(long, value_parser = parse_role, default_value = "founder", requires = "person")]
        role: Role,
    },
    /// Give a teammate a login of their own (admins): prints, once, the address and password
    /// they join with.
    Invite {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// They may change playbooks, people, webhooks, and invite and revoke teammates.
        #[arg(long)]
        admin: bool,
        /// Also write the address and password to FILE (readable by you only) to hand over.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// End a teammate's login (admins): it can no longer connect, its open sessions end.
    Revoke { name: String },
    /// Make a teammate an admin, or (--off) no longer one (admins).
    Admin {
        name: String,
        #[arg(long)]
        off: bool,
    },
    /// Who has a login: role, admin or not, last seen.
    Members {
        #[arg(long)]
        json: bool,
    },
    /// Join with what `team invite` printed: checks the login works and keeps the password in
    /// this computer's keyring (INVITE is the file it wrote, or the address; the password then
    /// comes from PGPASSWORD or ~/.pgpass).
    Join { invite: String },
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

/// The team workspace `--db` / `BATON_DB` names, for `team` commands that act on one.
fn team_url(db: Option<&Path>, command: &str) -> Res<crate::team::TeamUrl> {
    let url = db
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| crate::team::TeamUrl::is_team(p))
        .ok_or_else(|| format!("team {command} is for a team workspace; give its address with --db postgres://USER@HOST/DB (or BATON_DB)"))?;
    Ok(crate::team::TeamUrl::parse(&url)?)
}

/// `baton team …`: these talk to the server only, never to a laptop workspace.
pub(crate) fn team(action: TeamAction, db: Option<&Path>, me: Option<&str>) -> Res {
    use crate::team::{self, TeamUrl};
    if me.is_some_and(|m| !m.trim().is_empty()) && !matches!(action, TeamAction::Push { .. }) {
        return Err(team::not_a_flag(None).into());
    }
    match action {
        TeamAction::Init { url, person, role } => {
            let url = TeamUrl::parse(&url)?;
            let done = team::init(&url, person.as_deref().map(|p| (p, role)))?;
            if done.from == done.to {
                println!(
                    "{} is already a Baton team workspace (schema {}); nothing to do. Its login is {}'s.",
                    done.server, done.to, done.admin
                );
            } else if done.from == 0 {
                let who = if done.admin == url.user {
                    format!(
                        "its login {} is its first admin (say whose it is with --as NAME)",
                        url.user
                    )
                } else {
                    format!("its login {} is {}, its first admin", url.user, done.admin)
                };
                println!(
                    "Set up a team workspace at {} (schema {}); {who}. Give each teammate a login of their own: baton --db {} team invite NAME --role ROLE.",
                    done.server, done.to, done.server
                );
            } else {
                println!(
                    "Brought {} from schema {} to {}; its login {} is {}, its first admin, and everyone on it acts as {} until teammates are invited: baton --db {} team invite NAME --role ROLE.",
                    done.server, done.from, done.to, url.user, done.admin, done.admin, done.server
                );
            }
        }
        TeamAction::Invite {
            name,
            role,
            admin,
            file,
            json,
        } => {
            let url = team_url(db, "invite")?;
            let ws = crate::cli::open_team(&url)?;
            let invite = ws.team().invite(&url, &name, role, admin, Origin::Cli)?;
            if let Some(file) = &file {
                write_private(file, &serde_json::to_string_pretty(&invite)?)?;
            }
            if json {
                print_json(&invite);
            } else {
                println!(
                    "{} ({}{}) has a login of their own. Hand them these two lines (the password is shown only now):\n  address:  {}\n  password: {}\nThey join with: baton team join ADDRESS (or the app: Settings → Workspace).{}",
                    invite.person,
                    invite.role,
                    if invite.admin { ", admin" } else { "" },
                    invite.url,
                    invite.password,
                    file.map(|f| format!(" Both are also in {} (readable by you only).", f.display())).unwrap_or_default()
                );
            }
        }
        TeamAction::Revoke { name } => {
            let url = team_url(db, "revoke")?;
            let m = crate::cli::open_team(&url)?
                .team()
                .revoke(&name, Origin::Cli)?;
            println!(
                "{}'s login {} is revoked: it cannot connect, and its open sessions were ended. Their work stays under their name.",
                m.person, m.login
            );
        }
        TeamAction::Admin { name, off } => {
            let url = team_url(db, "admin")?;
            let m = crate::cli::open_team(&url)?
                .team()
                .set_admin(&name, !off, Origin::Cli)?;
            println!(
                "{} is {}an admin.",
                m.person,
                if m.admin { "" } else { "no longer " }
            );
        }
        TeamAction::Members { json } => {
            let url = team_url(db, "members")?;
            let ms = crate::cli::open_team(&url)?.team().members()?;
            if json {
                print_json(&ms);
            } else {
                table(
                    &["NAME", "ROLE", "LOGIN", "ADMIN", "LAST SEEN", "YOU"],
                    ms.iter().map(|m| {
                        vec![
                            m.person.clone(),
                            m.role.map(|r| r.to_string()).unwrap_or_default(),
                            m.login.clone(),
                            match (&m.revoked_at, m.admin) {
                                (Some(_), _) => "revoked".into(),
                                (None, true) => "yes".into(),
                                (None, false) => String::new(),
                            },
                            m.last_seen.clone().unwrap_or_default(),
                            if m.is_me { "yes".into() } else { String::new() },
                        ]
                    }),
                );
            }
        }
        TeamAction::Join { invite } => {
            let url = match std::fs::read_to_string(&invite) {
                Ok(text) => {
                    let i: team::Invite = serde_json::from_str(&text).map_err(|e| {
                        format!("{invite} is not an invite `baton team invite --file` wrote ({e})")
                    })?;
                    TeamUrl::parse(&i.url)?.with_password(i.password)
                }
                Err(_) if TeamUrl::is_team(&invite) => TeamUrl::parse(&invite)?,
                Err(e) => {
                    return Err(format!(
                        "{invite}: {e}; give the invite file or the address team invite printed"
                    )
                    .into())
                }
            };
            let ws = crate::cli::open_team(&url)?;
            let login = ws.team().login().cloned().unwrap_or_default();
            let me = ws.me()?;
            let kept = match team::remember_password(&url) {
                Ok(()) => "its password is kept in this computer's keyring".to_string(),
                Err(_) => format!(
                    "this computer has no keyring to keep its password in: give it with PGPASSWORD, or a line {}:{}:{}:{}:PASSWORD in ~/.pgpass (mode 600)",
                    url.host, url.port, url.dbname, url.user
                ),
            };
            println!(
                "You are {} on {}{} ({kept}). Use it with: baton --db {} … (or BATON_DB), or in the app: Settings → Workspace.",
                me.as_ref().map_or_else(|| login.user.clone(), |p| format!("{} ({})", p.name, p.role)),
                url,
                if login.admin { ", an admin" } else { "" },
                url.shareable(),
            );
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
            println!(
                "Pushed {} rows from {} to {}; its login {} is {}, its first admin. Give each teammate a login of their own: baton --db {} team invite NAME --role ROLE.",
                pushed.rows,
                path.display(),
                pushed.server,
                url.user,
                pushed.admin,
                pushed.server
            );
        }
        TeamAction::Status { url, json } => {
            let from_db = db
                .map(|p| p.to_string_lossy().into_owned())
                .filter(|p| TeamUrl::is_team(p));
            let url = url.or(from_db).ok_or(
                "which team workspace? give its address: baton team status postgres://USER@HOST/DB",
            )?;
            let s = team::status(&TeamUrl::parse(&url)?)?;
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
                println!(
                    "You:     {} (login {}{})",
                    s.login.person.as_deref().unwrap_or("nobody yet"),
                    s.login.user,
                    if s.login.admin { ", admin" } else { "" }
                );
                if let Some(shared) = &s.shared_login {
                    println!("Logins:  {shared}");
                }
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
    let me = ws.me()?.ok_or_else(|| {
        ws.nobody_is_me(
            "nobody is marked as you on this laptop; run: baton people me NAME (or pass --me NAME)",
        )
    })?;
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

/// Writes `text` to `file` readable by its owner only (an invite holds a password).
fn write_private(file: &Path, text: &str) -> Res {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(file).map_err(|e| crate::Error::Io {
        path: file.display().to_string(),
        source: e,
    })?;
    // A file that was there already keeps its mode when opened: made the owner's only too.
    #[cfg(unix)]
    std::fs::set_permissions(file, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    f.write_all(text.as_bytes()).map_err(|e| crate::Error::Io {
        path: file.display().to_string(),
        source: e,
    })?;
    Ok(())
}
