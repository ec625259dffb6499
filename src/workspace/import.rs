//! The loader: streams a CSV export into the workspace in one transaction, upserting by the
//! CRM's record id and running the playbooks on every change.

use super::apply::{self, Ctx, RuleEffects};
use super::Workspace;
use crate::error::{Error, Result};
use crate::fields;
use crate::import::preset::{self, Source, EXTERNAL_ID, FIRST_NAME, LAST_NAME, STATUS};
use crate::import::read;
use crate::import::values::{self, DateOrder};
use crate::import::{ImportOptions, ImportReport, RowError};
use crate::model::{ExceptionFlag, Origin, Record, RecordId, RecordKind, Role};
use crate::stages;
use crate::store::{people, records};
use rusqlite::params;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// How each column is read.
struct Plan {
    source: Source,
    kind: RecordKind,
    headers: Vec<String>,
    keys: Vec<Option<String>>,
    orders: HashMap<usize, Option<DateOrder>>,
}

fn plan(path: &Path, fmt: &read::Format, opts: &ImportOptions) -> Result<Plan> {
    let mut rdr = read::reader(path, fmt)?;
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut seen = BTreeSet::new();
    if let Some(dup) = headers
        .iter()
        .find(|h| !h.is_empty() && !seen.insert(h.to_lowercase()))
    {
        return Err(Error::invalid(
            path.display().to_string(),
            format!("the header {dup:?} appears twice; rename one of the columns"),
        ));
    }
    let (detected, _) = preset::detect(&headers);
    let source = opts.source.unwrap_or(detected);
    let kind = opts.kind.unwrap_or_else(|| preset::detect_kind(&headers));
    let mut keys: Vec<Option<String>> = headers
        .iter()
        .map(|h| preset::map_header(source, h).map(str::to_string))
        .collect();
    for (header, key) in &opts.maps {
        let i = headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(header.trim()))
            .ok_or_else(|| {
                Error::invalid(
                    "--map",
                    format!(
                        "the file has no column {header:?}; its columns are: {}",
                        headers.join(", ")
                    ),
                )
            })?;
        keys[i] = if key == "-" {
            None
        } else {
            Some(key.trim().to_string())
        };
    }
    // Day/month order per date column: settled by any cell that reads only one way.
    let date_cols: Vec<usize> = (0..keys.len())
        .filter(|i| {
            keys[*i]
                .as_deref()
                .is_some_and(|k| fields::DATE_FIELDS.contains(&k))
        })
        .collect();
    let mut orders: HashMap<usize, Option<DateOrder>> =
        date_cols.iter().map(|i| (*i, opts.date_order)).collect();
    if opts.date_order.is_none() && !date_cols.is_empty() {
        for rec in rdr.records() {
            let Ok(rec) = rec else { break };
            for i in &date_cols {
                if orders[i].is_none() {
                    if let Some(o) = rec.get(*i).and_then(values::order_hint) {
                        orders.insert(*i, Some(o));
                    }
                }
            }
            if orders.values().all(Option::is_some) {
                break;
            }
        }
        // A column that never decides follows the file's other date columns.
        let file_order = orders.values().flatten().next().copied();
        for o in orders.values_mut() {
            if o.is_none() {
                *o = file_order;
            }
        }
    }
    Ok(Plan {
        source,
        kind,
        headers,
        keys,
        orders,
    })
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let at = e
        .position()
        .map(|p| format!("line {}: ", p.line()))
        .unwrap_or_default();
    Error::invalid(
        path.display().to_string(),
        format!("{at}this is not readable CSV ({e}); export it again as CSV"),
    )
}

/// One row turned into record values, or the reason it cannot be.
fn row_values(
    plan: &Plan,
    rec: &csv::StringRecord,
    row: u64,
    line: u64,
) -> std::result::Result<Record, RowError> {
    let err = |column: Option<&str>, message: String| RowError {
        row,
        line,
        column: column.map(str::to_string),
        message,
    };
    if rec.len() != plan.headers.len() {
        return Err(err(None, format!("has {} cells but the header has {}; check for an unquoted delimiter or a missing quote", rec.len(), plan.headers.len())));
    }
    let mut r = Record {
        id: RecordId(0),
        kind: plan.kind,
        source: plan.source.as_str().into(),
        external_id: None,
        name: String::new(),
        stage: String::new(),
        owner: None,
        fields: BTreeMap::new(),
        flags: BTreeSet::new(),
    };
    let (mut first, mut last, mut status) = (String::new(), String::new(), String::new());
    for (i, cell) in rec.iter().enumerate() {
        let v = cell.trim();
        if v.is_empty() {
            continue;
        }
        let header = plan.headers[i].as_str();
        match plan.keys[i].as_deref() {
            Some(EXTERNAL_ID) => r.external_id = Some(v.to_string()),
            Some("name") => r.name = v.to_string(),
            Some("stage") => r.stage = stages::canonical(v),
            Some("owner") => r.owner = Some(v.to_string()),
            Some(STATUS) => status = v.to_string(),
            Some(FIRST_NAME) => first = v.to_string(),
            Some(LAST_NAME) => last = v.to_string(),
            Some("flags") => {
                r.flags = ExceptionFlag::parse_list(v).map_err(|bad| {
                    err(
                        Some(header),
                        format!("value {bad:?} is not an exception flag"),
                    )
                })?
            }
            Some(k) if fields::DATE_FIELDS.contains(&k) => {
                let order = plan.orders.get(&i).copied().flatten();
                let d = values::parse_date(v, order).ok_or_else(|| {
                    if order.is_none() && values::parse_date(v, Some(DateOrder::DayFirst)).is_some() {
                        err(Some(header), format!("value {v:?} could be day/month or month/day; pass --dayfirst or --monthfirst"))
                    } else {
                        err(Some(header), format!("value {v:?} is not a date"))
                    }
                })?;
                r.fields
                    .insert(k.to_string(), d.format("%Y-%m-%d").to_string());
            }
            Some("amount") => {
                let n = values::parse_money(v)
                    .ok_or_else(|| err(Some(header), format!("value {v:?} is not an amount")))?;
                r.fields.insert("amount".into(), fields::format_amount(n));
            }
            Some(k) => {
                r.fields.insert(k.to_string(), v.to_string());
            }
            None => {
                r.fields.insert(header.to_string(), v.to_string());
            }
        }
    }
    if r.name.is_empty() {
        r.name = [first, last]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
    }
    if r.name.is_empty() {
        r.name = r.external_id.clone().unwrap_or_default();
    }
    if r.name.is_empty() {
        return Err(err(
            None,
            "has neither a name nor a record id; map a column to name with --map 'Header=name'"
                .into(),
        ));
    }
    // Pipedrive keeps a won deal in its last stage; being won is in the status.
    match stages::squash(&status).as_str() {
        "won" => {
            if !r.stage.is_empty() {
                r.fields.insert("crm_stage".into(), r.stage.clone());
            }
            r.stage = stages::CLOSED_WON.into();
        }
        "lost" => r.stage = "Closed Lost".into(),
        _ => {}
    }
    if r.stage.is_empty() {
        r.stage = stages::default_stages(plan.kind)[0].to_string();
    }
    Ok(r)
}

impl Workspace {
    /// Imports a CSV export in one transaction (rolled back on a bad row unless skipping, and
    /// always on a dry run).
    pub fn import_file(&mut self, path: &Path, opts: &ImportOptions) -> Result<ImportReport> {
        let fmt = read::sniff(path)?;
        let plan = plan(path, &fmt, opts)?;
        let pbs = self.playbooks()?;
        let now = self.now();
        let actor = self.actor(Origin::Import)?;
        let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut report = ImportReport {
            import_id: 0,
            source: plan.source,
            encoding: fmt.encoding_name(),
            delimiter: (fmt.delimiter as char).to_string(),
            rows: 0,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            rejected: 0,
            handoffs: RuleEffects::default(),
            errors: vec![],
            dry_run: opts.dry_run,
        };
        let tx = self.conn.transaction()?;
        let mapping: BTreeMap<&str, Option<&str>> = plan
            .headers
            .iter()
            .map(String::as_str)
            .zip(plan.keys.iter().map(|k| k.as_deref()))
            .collect();
        tx.execute(
            "INSERT INTO imports (file, sha256, source, mapping, at) VALUES (?1, '', ?2, ?3, ?4)",
            params![
                path.display().to_string(),
                plan.source.as_str(),
                serde_json::to_string(&mapping).unwrap_or_default(),
                stamp
            ],
        )?;
        let import_id = tx.last_insert_rowid();
        let cx = Ctx {
            conn: &tx,
            now,
            actor,
        };
        let owner_role = if plan.kind == RecordKind::Deal {
            Role::Sales
        } else {
            Role::Marketing
        };
        let mut known_people: BTreeSet<String> = people::list(&tx)?
            .into_iter()
            .map(|p| p.name.to_lowercase())
            .collect();
        let mut rdr = read::reader(path, &fmt)?;
        let mut rec = csv::StringRecord::new();
        loop {
            let more = rdr.read_record(&mut rec).map_err(|e| csv_error(path, e))?;
            if !more {
                break;
            }
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            report.rows += 1;
            let line = rec.position().map_or(0, |p| p.line());
            let mut r = match row_values(&plan, &rec, report.rows, line) {
                Ok(r) => r,
                Err(e) if opts.skip_bad_rows => {
                    report.rejected += 1;
                    report.errors.push(e);
                    continue;
                }
                Err(e) => {
                    return Err(Error::invalid(
                        path.display().to_string(),
                        e.to_string() + "; fix the cell or pass --skip-bad-rows",
                    ))
                }
            };
            if let Some(o) = &r.owner {
                if known_people.insert(o.to_lowercase()) {
                    people::upsert(&tx, o, owner_role, None, false)?;
                }
            }
            let fx = match records::find_imported(&tx, &r)? {
                None => {
                    r.id = records::insert(&tx, &r, &stamp)?;
                    records::insert_stage_change(
                        &tx,
                        r.id,
                        None,
                        &r.stage,
                        &stamp,
                        Origin::Import,
                        Some(crate::model::ImportId(import_id)),
                    )?;
                    report.inserted += 1;
                    apply::record_changed(&cx, &pbs, None, &r)?
                }
                Some(before) => {
                    let mut after = before.clone();
                    after.name = r.name;
                    after.stage = r.stage;
                    if r.owner.is_some() {
                        after.owner = r.owner;
                    }
                    // Blank cells never erase what was filled in Baton.
                    after.fields.extend(r.fields);
                    after.flags.extend(r.flags);
                    if after == before {
                        report.unchanged += 1;
                        continue;
                    }
                    records::update(&tx, &after, &stamp)?;
                    if after.stage != before.stage {
                        records::insert_stage_change(
                            &tx,
                            after.id,
                            Some(&before.stage),
                            &after.stage,
                            &stamp,
                            Origin::Import,
                            Some(crate::model::ImportId(import_id)),
                        )?;
                    }
                    report.updated += 1;
                    apply::record_changed(&cx, &pbs, Some(&before), &after)?
                }
            };
            report.handoffs.add(fx);
        }
        tx.execute(
            "UPDATE imports SET rows = ?2, inserted = ?3, updated = ?4, unchanged = ?5, rejected = ?6 WHERE id = ?1",
            params![import_id, report.rows, report.inserted, report.updated, report.unchanged, report.rejected],
        )?;
        for e in &report.errors {
            tx.execute(
                "INSERT INTO import_errors (import_id, row, line, column_name, message) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![import_id, e.row, e.line, e.column, e.message],
            )?;
        }
        if opts.dry_run {
            tx.rollback()?;
        } else {
            tx.commit()?;
            report.import_id = import_id;
        }
        Ok(report)
    }
}
