//! `baton`: the command line over a Baton workspace. See DESIGN.md's CLI contract.
//!
//! It lives in the core so that two binaries can answer as `baton`: the CLI build
//! (`src/bin/baton`, for servers without a desktop) and the desktop app when it is called by that
//! name or with a command (the packages ship one binary and link `baton` to it).

mod commands;
mod output;

use crate::{
    FixedClock, HandoffId, HandoffStatus, NewRecord, Origin, PlaybookFile, RecordKind, Role,
    SystemClock, TaskId, Workspace,
};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use output::{print_json, table};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// CRM handoffs that stop depending on memory.
#[derive(Parser)]
#[command(name = "baton", version, about)]
struct Cli {
    /// The workspace file (default: the desktop app's own workspace).
    #[arg(long, global = true, env = "BATON_DB")]
    db: Option<PathBuf>,
    /// Act as this teammate on a workspace file: "me", my tasks, my notifications and the audit
    /// log's actor (a script's, or a second person's on a shared laptop). Given before the
    /// command (`baton --me NAME tasks --assignee me`); `people add … --me` is another flag. On
    /// a team workspace you are who your login is, and this is refused.
    #[arg(long, env = "BATON_ME", value_name = "NAME")]
    me: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Deal,
    Lead,
}

impl From<Kind> for RecordKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Deal => RecordKind::Deal,
            Kind::Lead => RecordKind::Lead,
        }
    }
}

/// How to read a CSV export: shared by `import` and `preview`.
#[derive(clap::Args)]
struct ReadArgs {
    /// auto, hubspot, pipedrive, salesforce, close, zoho or generic.
    #[arg(long, default_value = "auto")]
    source: String,
    #[arg(long, value_enum)]
    kind: Option<Kind>,
    /// 'Header=key' (repeatable; key `-` ignores the column). Remembered for files with the
    /// same header row.
    #[arg(long = "map")]
    maps: Vec<String>,
    /// Ambiguous dates are day/month/year.
    #[arg(long, conflicts_with = "monthfirst")]
    dayfirst: bool,
    /// Ambiguous dates are month/day/year.
    #[arg(long)]
    monthfirst: bool,
}

impl ReadArgs {
    fn options(&self) -> Result<crate::import::ImportOptions, Box<dyn std::error::Error>> {
        use crate::import::{preset::Source, values::DateOrder};
        let source = match self.source.as_str() {
            "auto" => None,
            s => Some(Source::parse(s).ok_or_else(|| {
                format!("--source {s:?} is not known; use auto, hubspot, pipedrive, salesforce, close, zoho or generic")
            })?),
        };
        Ok(crate::import::ImportOptions {
            source,
            kind: self.kind.map(Into::into),
            maps: pairs(&self.maps)?,
            date_order: match (self.dayfirst, self.monthfirst) {
                (true, _) => Some(DateOrder::DayFirst),
                (_, true) => Some(DateOrder::MonthFirst),
                _ => None,
            },
            ..Default::default()
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum BriefFormat {
    Md,
    Html,
    Json,
    /// An email to the new owner (RFC 5322: HTML and text, the kickoff invite attached).
    Eml,
    /// Slack's mrkdwn, to paste into a channel.
    Slack,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Import(commands::import::ImportCommand),
    #[command(flatten)]
    Records(commands::records::RecordCommand),
    #[command(flatten)]
    Handoffs(commands::handoffs::HandoffCommand),
    #[command(flatten)]
    Team(commands::team::TeamCommand),
    #[command(flatten)]
    Playbooks(commands::playbooks::PlaybookCommand),
    #[command(flatten)]
    Reports(commands::reports::ReportCommand),
    #[command(flatten)]
    File(commands::file::FileCommand),
    #[command(flatten)]
    Reach(commands::reach::ReachCommand),
    #[command(flatten)]
    Webhooks(commands::webhooks::WebhookCommand),
}

#[derive(Subcommand)]
enum PeopleAction {
    /// Mark a teammate as the person using this laptop (a workspace file; on a team workspace
    /// you are who your login is).
    Me { name: String },
    /// Add a person (or update their role).
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        email: Option<String>,
        /// This person is you.
        #[arg(long)]
        me: bool,
    },
}

#[derive(Subcommand)]
enum HolidayAction {
    /// Add a holiday (YYYY-MM-DD).
    Add { date: String, name: Option<String> },
}

#[derive(Subcommand)]
enum PlaybookAction {
    /// Write the playbooks to a TOML file.
    Export { file: PathBuf },
    /// Replace the playbooks with a TOML file's.
    Import { file: PathBuf },
    /// Replay the stage history against a playbook.
    Backtest {
        playbook: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("{s:?} is not a role; use sales, marketing, delivery or founder"))
}

/// Runs `baton` with `args` (the program's name first, as `std::env::args_os` gives them) and
/// says how it went: an error is one sentence on standard error and a failing exit code.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse_from(args);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn open(path: &Path) -> Res<Workspace> {
    let ws = match now()? {
        Some(at) => Workspace::open(path, FixedClock::new(at))?,
        None => Workspace::open(path, SystemClock)?,
    };
    Ok(saying_waits(ws))
}

/// Opens the team workspace at `url`.
pub(crate) fn open_team(url: &crate::team::TeamUrl) -> Res<Workspace> {
    // No password in the address, PGPASSWORD or ~/.pgpass: the one `team join` kept in this
    // computer's keyring, if it keeps one (a computer without a keyring just has none).
    let kept;
    let url = if url.has_password() {
        url
    } else {
        kept = crate::team::recall_password(url).unwrap_or_else(|_| url.clone());
        &kept
    };
    let ws = match now()? {
        Some(at) => Workspace::open_team(url, FixedClock::new(at))?,
        None => Workspace::open_team(url, SystemClock)?,
    };
    Ok(saying_waits(ws))
}

/// `ws`, where a write that finds a long import (a teammate's, on a team workspace) running
/// says so at once, then every ten seconds.
fn saying_waits(mut ws: Workspace) -> Workspace {
    let mut told: Option<std::time::Duration> = None;
    ws.on_wait(move |w| {
        if told.is_none_or(|t| w.waited >= t + std::time::Duration::from_secs(10)) {
            eprintln!("{}", w.sentence());
            told = Some(w.waited);
        }
    });
    ws
}

/// The time `BATON_NOW` fixes, if it is set.
fn now() -> Res<Option<DateTime<Utc>>> {
    match std::env::var("BATON_NOW") {
        Ok(now) => Ok(Some(
            DateTime::parse_from_rfc3339(&now)
                .map_err(|_| {
                    format!("BATON_NOW={now:?} is not an RFC 3339 time like 2026-03-02T09:00:00Z")
                })?
                .with_timezone(&Utc),
        )),
        Err(_) => Ok(None),
    }
}

fn pairs(raw: &[String]) -> Res<Vec<(String, String)>> {
    raw.iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| {
                    format!(
                        "{p:?} is not FIELD=VALUE; write it like buyer_goals=\"Faster onboarding\""
                    )
                    .into()
                })
        })
        .collect()
}

fn date(s: &str, what: &str) -> Res<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{what} {s:?} is not a date; write it as YYYY-MM-DD").into())
}

fn run(cli: Cli) -> Res {
    if let Command::Team(commands::team::TeamCommand::Team { action }) = cli.command {
        return commands::team::team(action, cli.db.as_deref(), cli.me.as_deref());
    }
    let path = cli.db.unwrap_or_else(crate::default_workspace_path);
    let team = crate::team::TeamUrl::is_team(&path.to_string_lossy());
    let on_file = matches!(
        &cli.command,
        Command::Handoffs(commands::handoffs::HandoffCommand::Check { task: None, .. })
            | Command::File(_)
    );
    if team && on_file {
        return Err("check and restore are for a workspace file; a team workspace's backups are the database's own (pg_dump, or your provider's backups)".into());
    }
    if let Command::Handoffs(commands::handoffs::HandoffCommand::Check {
        task: None, json, ..
    }) = &cli.command
    {
        return commands::file::check(&path, *json);
    }
    if let Command::File(c) = cli.command {
        let now = now()?.unwrap_or_else(Utc::now).format("%Y%m%dT%H%M%SZ");
        return commands::file::run(&path, &now.to_string(), c);
    }
    let mut ws = if team {
        open_team(&crate::team::TeamUrl::parse(&path.to_string_lossy())?)?
    } else {
        open(&path)?
    };
    if let Some(name) = cli.me.as_deref().filter(|n| !n.trim().is_empty()) {
        ws.act_as(name)?;
    }
    // What this command queues for chat webhooks is sent once it has committed.
    let sends_its_own = matches!(cli.command, Command::Webhooks(_));
    let done = match cli.command {
        Command::Import(c) => commands::import::run(&mut ws, c),
        Command::Records(c) => commands::records::run(&mut ws, c),
        Command::Handoffs(c) => commands::handoffs::run(&mut ws, c),
        Command::Team(c) => commands::team::run(&mut ws, c),
        Command::Playbooks(c) => commands::playbooks::run(&mut ws, c),
        Command::Reports(c) => commands::reports::run(&mut ws, c),
        Command::Reach(c) => commands::reach::run(&mut ws, c),
        Command::Webhooks(c) => commands::webhooks::run(&mut ws, c),
        Command::File(_) => Ok(()),
    };
    let first_posted = ws
        .reach()
        .first_posted()
        .filter(|_| done.is_ok() && !sends_its_own);
    if let Some(first) = first_posted {
        // A few seconds at most: what fails is left for the app or `baton outbox send`.
        let d = ws.reach().deliver(
            crate::Due::After(crate::model::PostId(first.0 - 1)),
            std::time::Duration::from_secs(5),
        )?;
        commands::webhooks::say_failures(&d);
    }
    // A read that met a damaged page stops with the sentence naming the copy to restore.
    done.map_err(|e| match e.downcast::<crate::Error>() {
        Ok(e) => Box::new(ws.explain(*e)) as Box<dyn std::error::Error>,
        Err(e) => e,
    })
}

/// A reader that stops early (`baton records | head`) ends Baton quietly, as it ends any Unix
/// tool, instead of a panic about a broken pipe. Rust ignores SIGPIPE by default; this restores
/// the default action. Nothing is lost: every write is a read-only listing or a report, and the
/// workspace commits before anything is printed.
#[cfg(unix)]
fn quiet_on_closed_pipe() {
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn quiet_on_closed_pipe() {}
