//! The health figures as a report a founder can keep or send: Markdown, HTML (every value
//! escaped) and CSV (one row per week).

use super::Health;
use crate::error::{Error, Result};
use serde::Serialize;

/// One figure's row: its label, its CSV column and a value per week ("—" when there is none).
#[derive(Debug, Clone, Serialize)]
pub struct HealthTableRow {
    /// What the figure is, in words.
    pub label: &'static str,
    /// Its column in the CSV report.
    pub key: &'static str,
    /// One value per week, oldest first.
    pub values: Vec<String>,
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v}"))
}

fn rows(h: &Health) -> Vec<HealthTableRow> {
    let row = |label, key, f: &dyn Fn(&super::WeekHealth) -> String| HealthTableRow {
        label,
        key,
        values: h.weeks.iter().map(f).collect(),
    };
    vec![
        row(
            "Closed Won → kickoff, median days",
            "closed_won_to_kickoff_days_median",
            &|w| num(w.closed_won_to_kickoff_days.median),
        ),
        row(
            "Closed Won → kickoff, p90 days",
            "closed_won_to_kickoff_days_p90",
            &|w| num(w.closed_won_to_kickoff_days.p90),
        ),
        row(
            "Kickoffs scheduled",
            "closed_won_to_kickoff_days_count",
            &|w| w.closed_won_to_kickoff_days.count.to_string(),
        ),
        row("Handoffs triggered", "handoffs_triggered", &|w| {
            w.handoffs_triggered.to_string()
        }),
        row(
            "Complete at trigger, %",
            "handoffs_complete_at_trigger_pct",
            &|w| num(w.handoffs_complete_at_trigger_pct),
        ),
        row(
            "Escalations for missing context",
            "escalations_missing_context",
            &|w| w.escalations_missing_context.to_string(),
        ),
        row(
            "Lead response, median hours",
            "lead_response_hours_median",
            &|w| num(w.lead_response_hours.median),
        ),
        row("Leads followed up", "lead_response_hours_count", &|w| {
            w.lead_response_hours.count.to_string()
        }),
        row("Leads without a source", "leads_without_source", &|w| {
            w.leads_without_source.to_string()
        }),
        row(
            "Leads sent back as unclear",
            "leads_rejected_unclear",
            &|w| w.leads_rejected_unclear.to_string(),
        ),
    ]
}

fn render(name: &str, src: &str, h: &Health) -> Result<String> {
    crate::templates::render(
        name,
        src,
        minijinja::context! { health => h, rows => rows(h) },
    )
}

impl Health {
    /// The weekly figures as rows of text, the same in every report and in the CLI's table.
    pub fn table(&self) -> Vec<HealthTableRow> {
        rows(self)
    }

    /// The report as Markdown: a table with a column per week, then the window's lists.
    pub fn to_markdown(&self) -> Result<String> {
        render("health.md", include_str!("templates/health.md.j2"), self)
    }

    /// The report as a standalone HTML page.
    pub fn to_html(&self) -> Result<String> {
        render(
            "health.html",
            include_str!("templates/health.html.j2"),
            self,
        )
    }

    /// One row per week, one column per figure (empty when there is no value).
    pub fn to_csv(&self) -> Result<String> {
        let rows = rows(self);
        let mut out = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["week"];
        header.extend(rows.iter().map(|r| r.key));
        out.write_record(&header).map_err(csv_error)?;
        for (i, w) in self.weeks.iter().enumerate() {
            let mut line = vec![w.week.clone()];
            line.extend(rows.iter().map(|r| r.values[i].replace('—', "")));
            let line = line
                .iter()
                .map(|c| crate::spreadsheet::neutralise(c).into_owned());
            out.write_record(line).map_err(csv_error)?;
        }
        let bytes = out.into_inner().map_err(|e| csv_error(e.into_error()))?;
        // Every value written above is a String, so the bytes are UTF-8.
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn csv_error(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Io {
        path: "the CSV health report".into(),
        source: std::io::Error::other(e),
    }
}
