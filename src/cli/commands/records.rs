//! Records: list, show, add, move, set fields and flags; the brief.

use crate::cli::*;

#[derive(Subcommand)]
pub(crate) enum RecordCommand {
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
    /// Print a record's handoff brief.
    Brief {
        record: String,
        #[arg(long, value_enum, default_value = "md")]
        format: BriefFormat,
    },
}

pub(crate) fn run(ws: &mut Workspace, command: RecordCommand) -> Res {
    let me = Origin::Cli;
    match command {
        RecordCommand::Records { kind, stage, json } => {
            if json {
                // Written as the rows are read: constant memory however many records there are.
                output::stream_json(|item| {
                    ws.records()
                        .for_each(kind.map(Into::into), stage.as_deref(), |r| {
                            item(&output::record_json(&r))
                        })
                })?;
                return Ok(());
            }
            let rs = ws.records().list(kind.map(Into::into), stage.as_deref())?;
            {
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
        RecordCommand::Show { record, json } => {
            let r = ws.records().find(&record)?;
            let d = ws.records().detail(r.id)?;
            if json {
                print_json(&output::detail_json(&d));
            } else {
                output::print_detail(&d);
            }
        }
        RecordCommand::Add {
            kind,
            name,
            stage,
            owner,
            pairs: raw,
        } => {
            let id = ws.records().add(
                NewRecord {
                    kind: Some(kind.into()),
                    name,
                    stage,
                    owner,
                    fields: pairs(&raw)?,
                },
                me,
            )?;
            let r = ws.records().get(id)?;
            println!("Added {} {:?} in {}.", r.kind, r.name, r.stage);
            output::print_effects(ws, id, Default::default())?;
            println!("{id}");
        }
        RecordCommand::Move { record, stage } => {
            let (fx, r, h) = ws.records().move_named(&record, &stage, me)?;
            println!("{} is now in {}.", r.name, r.stage);
            output::print_handoff_effect(h, fx);
        }
        RecordCommand::Set { record, pairs: raw } => {
            let r = ws.records().find(&record)?;
            let fx = ws.records().set_fields(r.id, &pairs(&raw)?, me)?;
            println!("Updated {}.", r.name);
            output::print_effects(ws, r.id, fx)?;
        }
        RecordCommand::Flag { record, flag } => {
            let r = ws.records().find(&record)?;
            let fx = ws.records().set_flag(r.id, &flag, true, me)?;
            println!("Flagged {}.", r.name);
            output::print_effects(ws, r.id, fx)?;
        }
        RecordCommand::Unflag { record, flag } => {
            let r = ws.records().find(&record)?;
            let fx = ws.records().set_flag(r.id, &flag, false, me)?;
            println!("Cleared the flag on {}.", r.name);
            output::print_effects(ws, r.id, fx)?;
        }
        RecordCommand::Brief { record, format } => {
            let r = ws.records().find(&record)?;
            let b = ws.records().brief(r.id)?;
            match format {
                BriefFormat::Md => print!("{}", b.to_markdown()?),
                BriefFormat::Html => print!("{}", b.to_html()?),
                BriefFormat::Json => print_json(&b),
                BriefFormat::Slack => print!("{}", b.to_slack()?),
                BriefFormat::Eml => {
                    use std::io::Write;
                    std::io::stdout().write_all(&ws.reach().brief_eml(r.id)?)?;
                }
            }
        }
    }
    Ok(())
}
