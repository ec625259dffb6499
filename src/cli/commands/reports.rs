//! Handoff health, the full export, the demo workspace.

use crate::cli::*;

#[derive(Subcommand)]
pub(crate) enum ReportCommand {
    /// Weekly handoff-health figures: time to kickoff, completeness at trigger, escalations,
    /// lead response, the fields missing most, and what is stuck.
    Health {
        /// How many ISO weeks, this one included.
        #[arg(long, default_value_t = 6)]
        weeks: u32,
        /// A paused or in-review handoff older than this many days counts as stuck.
        #[arg(long, default_value_t = crate::STUCK_DAYS)]
        stuck_days: i64,
        #[arg(long)]
        json: bool,
    },
    /// Export every table as CSV plus a JSON manifest.
    Export {
        #[arg(long = "all", value_name = "DIR")]
        all: PathBuf,
        /// Replace Baton's files in a folder that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Fill an empty workspace with a realistic sample.
    Demo,
}

pub(crate) fn run(ws: &mut Workspace, command: ReportCommand) -> Res {
    match command {
        ReportCommand::Health {
            weeks,
            stuck_days,
            json,
        } => {
            let h = ws.health().weeks(weeks, stuck_days)?;
            if json {
                print_json(&h);
            } else {
                output::print_health(&h);
            }
        }
        ReportCommand::Export { all, force } => {
            let m = ws.export_all(&all, force)?;
            for t in &m.tables {
                println!("{:>8} rows  {}", t.rows, all.join(&t.file).display());
            }
            println!("Wrote {}.", all.join("manifest.json").display());
        }
        ReportCommand::Demo => {
            ws.demo()?;
            let deals = ws.records().list(Some(RecordKind::Deal), None)?.len();
            let leads = ws.records().list(Some(RecordKind::Lead), None)?.len();
            println!(
                "Demo workspace ready at {}: {deals} deals, {leads} leads, {} handoffs.",
                ws.path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                ws.handoffs().list(None)?.len()
            );
        }
    }
    Ok(())
}
