//! Printing: aligned tables for people, stable JSON for scripts.

use crate::{HandoffStatus, Record, RecordDetail, RecordId, RuleEffects, Workspace};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Prints a value as pretty JSON.
pub fn print_json<T: Serialize + ?Sized>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: could not write JSON: {e}"),
    }
}

/// Prints a JSON array, laid out as [`print_json`] lays out a list, writing each element as
/// `produce` hands it over instead of holding them all.
pub fn stream_json(
    produce: impl FnOnce(&mut dyn FnMut(&Value) -> crate::Result<()>) -> crate::Result<()>,
) -> Result<(), Box<dyn std::error::Error>> {
    use serde::ser::{SerializeSeq, Serializer};
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut ser = serde_json::Serializer::pretty(&mut out);
    let mut seq = ser.serialize_seq(None)?;
    // A reader that stops (a closed pipe) stops the listing too.
    produce(&mut |v| {
        seq.serialize_element(v).map_err(|e| crate::Error::Io {
            path: "standard output".into(),
            source: e.into(),
        })
    })?;
    seq.end()?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Prints rows under headers, columns padded to their widest cell.
pub fn table(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let rows: Vec<Vec<String>> = rows.collect();
    if rows.is_empty() {
        println!("(none)");
        return;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count().min(48));
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let c: String = if c.chars().count() > 48 {
                    c.chars().take(47).chain(['…']).collect()
                } else {
                    c
                };
                format!("{c:<w$}", w = widths[i])
            })
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r);
    }
}

/// The documented `records`/`show` shape: amounts as numbers, dates as `YYYY-MM-DD`.
pub fn record_json(r: &Record) -> Value {
    let mut fields = Map::new();
    for (k, v) in &r.fields {
        let value = match k.as_str() {
            "amount" => v
                .parse::<f64>()
                .ok()
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number)),
            _ => None,
        };
        fields.insert(k.clone(), value.unwrap_or_else(|| Value::String(v.clone())));
    }
    json!({
        "id": r.id,
        "external_id": r.external_id,
        "kind": r.kind,
        "name": r.name,
        "stage": r.stage,
        "owner": r.owner,
        "source": r.source,
        "fields": fields,
        "flags": r.flags.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
    })
}

/// `show --json`: the record's keys plus its handoffs, tasks, history and audit trail.
pub fn detail_json(d: &RecordDetail) -> Value {
    let mut v = record_json(&d.record);
    if let Value::Object(m) = &mut v {
        m.insert("handoffs".into(), json!(d.handoffs));
        m.insert("tasks".into(), json!(d.tasks));
        m.insert("history".into(), json!(d.history));
        m.insert("events".into(), json!(d.events));
    }
    v
}

/// The record screen, as text.
pub fn print_detail(d: &RecordDetail) {
    let r = &d.record;
    println!("#{} {} ({}, {})", r.id, r.name, r.kind, r.source);
    println!(
        "Stage: {}   Owner: {}",
        r.stage,
        r.owner.as_deref().unwrap_or("—")
    );
    if !r.flags.is_empty() {
        println!(
            "Flags: {}",
            r.flags
                .iter()
                .map(|f| f.label())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for (k, v) in &r.fields {
        println!("  {}: {v}", crate::fields::label(k));
    }
    for h in &d.handoffs {
        println!(
            "Handoff #{} ({}): {}",
            h.id,
            h.playbook,
            h.status.as_str().replace('_', " ")
        );
        if !h.missing_fields.is_empty() {
            println!("  missing: {}", h.missing_fields.join(", "));
        }
    }
    for t in &d.tasks {
        println!(
            "Task #{} [{}] {} — {} due {}",
            t.id,
            t.status,
            t.title,
            t.assignee.as_deref().unwrap_or("unassigned"),
            t.due.map_or("—".to_string(), |d| d.to_string())
        );
    }
    println!("History:");
    for e in &d.events {
        println!("  {} {}: {}", e.at, e.actor, e.message);
    }
}

/// Says in words what the rules just did to a record's handoff.
pub fn print_effects(
    ws: &Workspace,
    record: RecordId,
    fx: RuleEffects,
) -> Result<(), crate::Error> {
    print_handoff_effect(ws.reach().latest_handoff(record)?, fx);
    Ok(())
}

/// What a change did to the record's latest handoff `h`, in one line (nothing when it did
/// nothing and the handoff is closed).
pub fn print_handoff_effect(h: Option<crate::Handoff>, fx: RuleEffects) {
    let Some(h) = h else {
        return;
    };
    let changed = fx != RuleEffects::default();
    if !changed && !h.status.is_open() {
        return;
    }
    let what = match h.status {
        HandoffStatus::Paused => format!("paused: missing {}", h.missing_fields.join(", ")),
        HandoffStatus::InReview => "in review: an exception flag is set".into(),
        HandoffStatus::HandedOff => format!(
            "handed off to {}",
            h.to_owner.as_deref().unwrap_or("nobody")
        ),
        other => other.as_str().replace('_', " "),
    };
    println!("Handoff #{} {what}.", h.id);
}

/// The backtest as text.
pub fn print_backtest(bts: &[crate::Backtest]) {
    for b in bts {
        println!(
            "{}: {} entries by {} records → {} would hand off, {} go to review, {} pause",
            b.playbook, b.entries, b.records, b.would_hand_off, b.would_review, b.would_pause
        );
        for f in &b.missing_fields {
            println!("  missing {:<24} {}", f.label, f.count);
        }
    }
}

/// The health figures as a table, one column per week, then the window's lists.
pub fn print_health(h: &crate::Health) {
    print!("{:<34}", "");
    for w in &h.weeks {
        print!("{:>10}", w.week);
    }
    println!();
    for row in h.table() {
        print!("{:<34}", row.label);
        for c in row.values {
            print!("{c:>10}");
        }
        println!();
    }
    if h.most_missing_fields.is_empty() {
        println!("\nNo handoff in these weeks fired with a field missing.");
    } else {
        println!("\nMissing most often when the trigger fired:");
        for f in &h.most_missing_fields {
            println!("  {:<24} {}", f.label, f.count);
        }
    }
    if h.stuck.is_empty() {
        println!("Nothing has waited longer than {} days.", h.stuck_days);
    } else {
        println!("Waiting longer than {} days, oldest first:", h.stuck_days);
        for s in &h.stuck {
            println!(
                "  #{:<5} {:<32} {:<10} {} days",
                s.handoff,
                clip(&s.record, 32),
                s.status.replace('_', " "),
                s.days
            );
        }
    }
    print_leaks(&h.leak_check);
}

/// The leak check: the recommendation first, then the numbers behind it.
fn print_leaks(l: &crate::LeakCheck) {
    println!("\nLeak check: {}", l.recommendation);
    if !l.stages.is_empty() {
        println!("Time in each open stage (days):");
        println!(
            "  {:<28} {:>7} {:>7} {:>7}",
            "stage", "median", "p90", "stays"
        );
        for s in &l.stages {
            println!(
                "  {:<28} {:>7} {:>7} {:>7}",
                clip(&format!("{} ({})", s.stage, s.kind), 28),
                s.median_days,
                s.p90_days,
                s.count
            );
        }
    }
    // Each list holds the longest waits; its heading says how many there are in all.
    let list = |title: String, rows: &[crate::Waiting], total: u64, unit: &str| {
        if rows.is_empty() {
            return;
        }
        if total > rows.len() as u64 {
            println!("{title} {total} in all, the {} longest:", rows.len());
        } else {
            println!("{title} {total}:");
        }
        for w in rows {
            println!(
                "  {:<32} {:<24} {} {unit}",
                clip(&w.record, 32),
                clip(&w.at, 24),
                w.waited
            );
        }
    };
    list(
        format!("In an open stage over {} days:", l.stage_days),
        &l.stuck_records,
        l.stuck_records_total,
        "days",
    );
    list(
        format!(
            "Qualified leads not followed up within {} hours:",
            l.lead_hours
        ),
        &l.slow_leads,
        l.slow_leads_total,
        "hours",
    );
    list(
        "Won deals that never reached delivery:".into(),
        &l.unfinished_wins,
        l.unfinished_wins_total,
        "days",
    );
}

/// `text` cut to `width` characters, with an ellipsis when cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

/// An import's counts, as text.
pub fn print_import(r: &crate::import::ImportReport) {
    let verb = if r.dry_run {
        "Would import"
    } else {
        "Imported"
    };
    println!(
        "{verb} {} rows from {} ({}, delimiter {:?}): {} new, {} updated, {} unchanged, {} skipped.",
        r.rows, r.source.as_str(), r.encoding, r.delimiter, r.inserted, r.updated, r.unchanged, r.rejected
    );
    if r.mapping_reused {
        println!("Used the mapping saved for this header row.");
    }
    let h = &r.handoffs;
    println!(
        "Handoffs: {} fired, {} paused, {} handed off, {} in review, {} resumed, {} cancelled.",
        h.fired, h.paused, h.handed_off, h.in_review, h.resumed, h.cancelled
    );
    for e in &r.errors {
        println!("  skipped {e}");
    }
    if !r.dry_run {
        println!(
            "Import {}; undo it with `baton undo-import {}` (until its records are changed again).",
            r.import_id, r.import_id
        );
    }
}

/// `baton preview` without `--json`: the format, the mapping and the first rows.
pub fn print_preview(p: &crate::import::Preview) {
    println!(
        "{} export of {}s ({:.0}% sure), {}, delimiter {:?}{}",
        p.source.as_str(),
        p.kind.as_str(),
        p.confidence * 100.0,
        p.encoding,
        p.delimiter,
        if p.mapping_reused {
            "; using the mapping saved for this header row"
        } else {
            ""
        }
    );
    table(
        &["COLUMN", "BATON FIELD", "FIRST VALUE"],
        p.headers.iter().map(|h| {
            vec![
                h.clone(),
                p.mapping
                    .get(h)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "(kept as custom field)".into()),
                p.rows
                    .first()
                    .and_then(|r| r.get(h))
                    .map(|v| v.lines().next().unwrap_or("").to_string())
                    .unwrap_or_default(),
            ]
        }),
    );
    for w in &p.warnings {
        println!("warning: {w}");
    }
}

/// A progress bar on stderr for imports of large files, shown only on a terminal.
pub struct ImportBar(Option<indicatif::ProgressBar>);

impl ImportBar {
    pub fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            return ImportBar(None);
        }
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} · {msg} rows · {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        ImportBar(Some(bar))
    }

    pub fn update(&self, p: crate::import::ImportProgress) {
        if let Some(bar) = &self.0 {
            bar.set_length(p.total_bytes);
            bar.set_position(p.bytes);
            bar.set_message(p.rows.to_string());
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
