//! `baton`: the command line over a Baton workspace. See DESIGN.md's CLI contract.

mod output;

use baton::{
    FixedClock, HandoffId, HandoffStatus, NewRecord, Origin, PlaybookFile, RecordKind, Role,
    SystemClock, TaskId, Workspace,
};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use output::{print_json, table};
use std::path::PathBuf;
use std::process::ExitCode;

/// CRM handoffs that stop depending on memory.
#[derive(Parser)]
#[command(name = "baton", version, about)]
struct Cli {
    /// The workspace file (default: the desktop app's own workspace).
    #[arg(long, global = true, env = "BATON_DB")]
    db: Option<PathBuf>,
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
    fn options(&self) -> Result<baton::import::ImportOptions, Box<dyn std::error::Error>> {
        use baton::import::{preset::Source, values::DateOrder};
        let source = match self.source.as_str() {
            "auto" => None,
            s => Some(Source::parse(s).ok_or_else(|| {
                format!("--source {s:?} is not known; use auto, hubspot, pipedrive, salesforce, close, zoho or generic")
            })?),
        };
        Ok(baton::import::ImportOptions {
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
}

#[derive(Subcommand)]
enum Command {
    /// Import a CSV exported from HubSpot, Pipedrive, Salesforce, Close, Zoho or any CRM.
    Import {
        file: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
        /// Import the good rows and report the bad ones.
        #[arg(long)]
        skip_bad_rows: bool,
        /// Report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show how a CSV would be read (format, CRM, mapping, first rows) without importing it.
    Preview {
        file: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
        /// How many rows to show.
        #[arg(long, default_value_t = 5)]
        rows: usize,
        #[arg(long)]
        json: bool,
    },
    /// Undo the last import: the workspace goes back to the copy taken just before it.
    UndoImport { id: i64 },
    /// List past imports.
    Imports {
        #[arg(long)]
        json: bool,
    },
    /// List records.
    Records {
        #[arg(long, value_enum)]
        kind: Option<Kind>,
        #[arg(long)]
        stage: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one record (internal id, #id, or the CRM's record id).
    Show {
        record: String,
        #[arg(long)]
        json: bool,
    },
    /// Move a record to a stage; entering a trigger stage fires its playbook.
    Move { record: String, stage: String },
    /// Set fields: FIELD=VALUE...
    Set {
        record: String,
        #[arg(required = true)]
        pairs: Vec<String>,
    },
    /// Set an exception flag.
    Flag { record: String, flag: String },
    /// Clear an exception flag.
    Unflag { record: String, flag: String },
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
    /// Tick a checklist item of a task (counted from 1).
    Check {
        task: i64,
        item: usize,
        /// Untick instead.
        #[arg(long)]
        undo: bool,
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
    /// Print a record's handoff brief.
    Brief {
        record: String,
        #[arg(long, value_enum, default_value = "md")]
        format: BriefFormat,
    },
    /// Add a record by hand; prints its id on the last line.
    Add {
        #[arg(long, value_enum)]
        kind: Kind,
        name: String,
        #[arg(long)]
        stage: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        /// FIELD=VALUE...
        pairs: Vec<String>,
    },
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
    /// List, export, import or backtest playbooks.
    Playbooks {
        #[command(subcommand)]
        action: Option<PlaybookAction>,
        #[arg(long)]
        json: bool,
    },
    /// Weekly handoff-health figures: time to kickoff, completeness at trigger, escalations,
    /// lead response, the fields missing most, and what is stuck.
    Health {
        /// How many ISO weeks, this one included.
        #[arg(long, default_value_t = 6)]
        weeks: u32,
        /// A paused or in-review handoff older than this many days counts as stuck.
        #[arg(long, default_value_t = 3)]
        stuck_days: i64,
        #[arg(long)]
        json: bool,
    },
    /// Export every table as CSV plus a JSON manifest.
    Export {
        #[arg(long = "all", value_name = "DIR")]
        all: PathBuf,
    },
    /// Fill an empty workspace with a realistic sample.
    Demo,
}

#[derive(Subcommand)]
enum PeopleAction {
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

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn open(db: Option<PathBuf>) -> Res<Workspace> {
    let path = db.unwrap_or_else(baton::default_workspace_path);
    Ok(match std::env::var("BATON_NOW") {
        Ok(now) => {
            let at: DateTime<Utc> = DateTime::parse_from_rfc3339(&now)
                .map_err(|_| {
                    format!("BATON_NOW={now:?} is not an RFC 3339 time like 2026-03-02T09:00:00Z")
                })?
                .with_timezone(&Utc);
            Workspace::open(&path, FixedClock::new(at))?
        }
        Err(_) => Workspace::open(&path, SystemClock)?,
    })
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
    let mut ws = open(cli.db)?;
    let me = Origin::Cli;
    match cli.command {
        Command::Import {
            file,
            read,
            skip_bad_rows,
            dry_run,
            json,
        } => {
            let opts = baton::import::ImportOptions {
                skip_bad_rows,
                dry_run,
                ..read.options()?
            };
            let bar = output::ImportBar::new(json);
            let r = ws.import_file_with_progress(&file, &opts, &mut |p| bar.update(p))?;
            bar.finish();
            if json {
                print_json(&r);
            } else {
                output::print_import(&r);
            }
        }
        Command::Preview {
            file,
            read,
            rows,
            json,
        } => {
            let p = ws.preview(&file, &read.options()?, rows)?;
            if json {
                print_json(&p);
            } else {
                output::print_preview(&p);
            }
        }
        Command::UndoImport { id } => {
            let r = ws.undo_import(baton::ImportId(id), Origin::Cli)?;
            println!(
                "Undid import {} of {}: {} added records removed, {} changed records restored.",
                r.import_id, r.file, r.removed, r.restored
            );
        }
        Command::Imports { json } => {
            let list = ws.imports()?;
            if json {
                print_json(&list);
            } else {
                table(
                    &[
                        "ID",
                        "AT",
                        "SOURCE",
                        "ROWS",
                        "NEW",
                        "UPDATED",
                        "UNCHANGED",
                        "SKIPPED",
                        "UNDONE",
                        "FILE",
                    ],
                    list.iter().map(|i| {
                        vec![
                            i.id.to_string(),
                            i.at.clone(),
                            i.source.clone(),
                            i.rows.to_string(),
                            i.inserted.to_string(),
                            i.updated.to_string(),
                            i.unchanged.to_string(),
                            i.rejected.to_string(),
                            i.undone_at.clone().unwrap_or_default(),
                            i.file.clone(),
                        ]
                    }),
                );
            }
        }
        Command::Records { kind, stage, json } => {
            let rs = ws.records(kind.map(Into::into), stage.as_deref())?;
            if json {
                print_json(&rs.iter().map(output::record_json).collect::<Vec<_>>());
            } else {
                table(
                    &["ID", "KIND", "NAME", "STAGE", "OWNER", "FLAGS"],
                    rs.iter().map(|r| {
                        vec![
                            r.id.to_string(),
                            r.kind.to_string(),
                            r.name.clone(),
                            r.stage.clone(),
                            r.owner.clone().unwrap_or_default(),
                            r.flags
                                .iter()
                                .map(|f| f.label())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    }),
                );
            }
        }
        Command::Show { record, json } => {
            let r = ws.find_record(&record)?;
            let d = ws.record_detail(r.id)?;
            if json {
                print_json(&output::detail_json(&d));
            } else {
                output::print_detail(&d);
            }
        }
        Command::Move { record, stage } => {
            let r = ws.find_record(&record)?;
            let fx = ws.move_record(r.id, &stage, me)?;
            let r = ws.record(r.id)?;
            println!("{} is now in {}.", r.name, r.stage);
            output::print_effects(&ws, r.id, fx)?;
        }
        Command::Set { record, pairs: raw } => {
            let r = ws.find_record(&record)?;
            let fx = ws.set_fields(r.id, &pairs(&raw)?, me)?;
            println!("Updated {}.", r.name);
            output::print_effects(&ws, r.id, fx)?;
        }
        Command::Flag { record, flag } => {
            let r = ws.find_record(&record)?;
            let fx = ws.set_flag(r.id, &flag, true, me)?;
            println!("Flagged {}.", r.name);
            output::print_effects(&ws, r.id, fx)?;
        }
        Command::Unflag { record, flag } => {
            let r = ws.find_record(&record)?;
            let fx = ws.set_flag(r.id, &flag, false, me)?;
            println!("Cleared the flag on {}.", r.name);
            output::print_effects(&ws, r.id, fx)?;
        }
        Command::Handoffs { status, json } => {
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
            let hs = ws.handoffs(status)?;
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
                            h.triggered_at.clone(),
                        ]
                    }),
                );
            }
        }
        Command::Tasks {
            assignee,
            open,
            json,
        } => {
            let ts = ws.tasks(assignee.as_deref(), open)?;
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
                            t.due.clone().unwrap_or_default(),
                            t.status.to_string(),
                            format!("{done}/{}", t.checklist.len()),
                        ]
                    }),
                );
            }
        }
        Command::Done { task, kickoff_date } => {
            let date = kickoff_date
                .map(|d| date(&d, "--kickoff-date"))
                .transpose()?;
            let t = ws.task(TaskId(task))?;
            let fx = ws.complete_task(TaskId(task), date, me)?;
            println!("Done: {}.", t.title);
            if let Some(d) = date {
                println!("Kickoff scheduled for {d}.");
            }
            output::print_effects(&ws, t.record_id, fx)?;
        }
        Command::Check { task, item, undo } => {
            ws.check_item(TaskId(task), item, !undo, Origin::Cli)?;
            let t = ws.task(TaskId(task))?;
            for (i, c) in t.checklist.iter().enumerate() {
                println!(
                    "{} {}. {}",
                    if c.done { "[x]" } else { "[ ]" },
                    i + 1,
                    c.item
                );
            }
        }
        Command::Approve { handoff, reason } => {
            let h = ws.handoff(HandoffId(handoff))?;
            let fx = ws.approve(h.id, reason.as_deref(), me)?;
            println!("Approved the exception on {}.", h.record_name);
            output::print_effects(&ws, h.record_id, fx)?;
        }
        Command::SendBack { handoff, reason } => {
            ws.send_back(HandoffId(handoff), &reason, me)?;
            let h = ws.handoff(HandoffId(handoff))?;
            println!(
                "Sent {} back to {}.",
                h.record_name,
                h.from_owner.as_deref().unwrap_or("its owner")
            );
        }
        Command::Escalate { handoff, reason } => {
            ws.escalate(HandoffId(handoff), &reason, me)?;
            let h = ws.handoff(HandoffId(handoff))?;
            println!(
                "Escalated {} to {}.",
                h.record_name,
                h.from_owner.as_deref().unwrap_or("its owner")
            );
        }
        Command::Reject { handoff, reason } => {
            ws.reject(HandoffId(handoff), &reason, me)?;
            let h = ws.handoff(HandoffId(handoff))?;
            println!(
                "Sent the lead {} back to {}.",
                h.record_name,
                h.from_owner.as_deref().unwrap_or("marketing")
            );
        }
        Command::Context {
            handoff,
            pairs: raw,
        } => {
            for (k, v) in pairs(&raw)? {
                ws.set_context(HandoffId(handoff), &k, &v, me)?;
            }
            println!("Brief context saved.");
        }
        Command::Brief { record, format } => {
            let r = ws.find_record(&record)?;
            let b = ws.brief(r.id)?;
            match format {
                BriefFormat::Md => print!("{}", b.to_markdown()?),
                BriefFormat::Html => print!("{}", b.to_html()?),
                BriefFormat::Json => print_json(&b),
            }
        }
        Command::Add {
            kind,
            name,
            stage,
            owner,
            pairs: raw,
        } => {
            let id = ws.add_record(
                NewRecord {
                    kind: Some(kind.into()),
                    name,
                    stage,
                    owner,
                    fields: pairs(&raw)?,
                },
                me,
            )?;
            let r = ws.record(id)?;
            println!("Added {} {:?} in {}.", r.kind, r.name, r.stage);
            output::print_effects(&ws, id, Default::default())?;
            println!("{id}");
        }
        Command::People { action, json } => match action {
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
        Command::Holidays { action } => match action {
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
        Command::Playbooks { action, json } => match action {
            None if json => print_json(&ws.playbooks()?),
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
                ws.playbooks()?.iter().map(|p| {
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
                    playbooks: ws.playbooks()?,
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
                ws.replace_playbooks(&parsed.playbooks, Origin::Cli)?;
                println!(
                    "Imported {} playbooks from {}.",
                    parsed.playbooks.len(),
                    file.display()
                );
            }
            Some(PlaybookAction::Backtest { playbook, json: j }) => {
                let bt = ws.backtest(playbook.as_deref())?;
                if j || json {
                    print_json(&bt);
                } else {
                    output::print_backtest(&bt);
                }
            }
        },
        Command::Health {
            weeks,
            stuck_days,
            json,
        } => {
            let h = ws.health(weeks, stuck_days)?;
            if json {
                print_json(&h);
            } else {
                output::print_health(&h);
            }
        }
        Command::Export { all } => {
            let m = ws.export_all(&all)?;
            for t in &m.tables {
                println!("{:>8} rows  {}", t.rows, all.join(&t.file).display());
            }
            println!("Wrote {}.", all.join("manifest.json").display());
        }
        Command::Demo => {
            ws.demo()?;
            let deals = ws.records(Some(RecordKind::Deal), None)?.len();
            let leads = ws.records(Some(RecordKind::Lead), None)?.len();
            println!(
                "Demo workspace ready at {}: {deals} deals, {leads} leads, {} handoffs.",
                ws.path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                ws.handoffs(None)?.len()
            );
        }
    }
    Ok(())
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
