//! The loader: streams a CSV export into the workspace in one transaction, upserting by the
//! CRM's record id and running the playbooks on every change.

use super::apply::{self, Ctx, RuleEffects};
use super::Workspace;
use crate::error::{Error, Result};
use crate::fields;
use crate::import::preset::{self, Source, EXTERNAL_ID, FIRST_NAME, LAST_NAME, STATUS};
use crate::import::read;
use crate::import::values::{self, DateOrder};
use crate::import::{ImportOptions, ImportProgress, ImportReport, Preview, RowError, UndoReport};
use crate::model::{ExceptionFlag, Origin, Record, RecordId, RecordKind, Role};
use crate::stages;
use crate::store::{people, records};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// How each column is read.
struct Plan {
    source: Source,
    confidence: f64,
    kind: RecordKind,
    headers: Vec<String>,
    keys: Vec<Option<String>>,
    orders: HashMap<usize, Option<DateOrder>>,
    /// Date columns that read two ways with nothing to settle them: (header, an example).
    undecided: Vec<(String, String)>,
    /// Identifies the header row, to remember the user's mapping for it.
    signature: String,
    /// Whether the choices came from a saved mapping.
    reused: bool,
    /// The user's own choices, remembered for this header row once the import lands.
    remember: Option<Saved>,
}

impl Plan {
    fn undecided_error(&self, path: &Path) -> Option<Error> {
        let (header, example) = self.undecided.first()?;
        Some(Error::invalid(
            path.display().to_string(),
            format!("the {header:?} column holds dates such as {example:?} that read either day/month or month/day, and no date in the file settles which; pass --dayfirst or --monthfirst"),
        ))
    }
}

/// A mapping the user chose for one header row.
#[derive(Debug, Clone)]
struct Saved {
    source: Source,
    kind: RecordKind,
    maps: Vec<(String, String)>,
    date_order: Option<DateOrder>,
}

fn order_name(o: DateOrder) -> &'static str {
    match o {
        DateOrder::DayFirst => "dayfirst",
        DateOrder::MonthFirst => "monthfirst",
    }
}

/// The header row's identity: the same columns, spelled alike, in the same order.
fn signature(headers: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let joined = headers
        .iter()
        .map(|h| stages::squash(h))
        .collect::<Vec<_>>()
        .join("\n");
    Sha256::digest(joined.as_bytes())
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn load_saved(conn: &Connection, signature: &str) -> Result<Option<Saved>> {
    let row = conn
        .prepare_cached(
            "SELECT source, kind, maps, date_order FROM saved_mappings WHERE signature = ?1",
        )?
        .query_row([signature], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, RecordKind>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    Ok(row.and_then(|(source, kind, maps, order)| {
        Some(Saved {
            source: Source::parse(&source)?,
            kind,
            maps: serde_json::from_str(&maps).unwrap_or_default(),
            date_order: match order.as_deref() {
                Some("dayfirst") => Some(DateOrder::DayFirst),
                Some("monthfirst") => Some(DateOrder::MonthFirst),
                _ => None,
            },
        })
    }))
}

fn save_mapping(conn: &Connection, plan: &Plan, saved: &Saved, at: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO saved_mappings (signature, headers, source, kind, maps, date_order, saved_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(signature) DO UPDATE SET source = excluded.source, kind = excluded.kind,
             maps = excluded.maps, date_order = excluded.date_order, saved_at = excluded.saved_at",
    )?
    .execute(params![
        plan.signature,
        serde_json::to_string(&plan.headers).unwrap_or_default(),
        saved.source.as_str(),
        saved.kind,
        serde_json::to_string(&saved.maps).unwrap_or_default(),
        saved.date_order.map(order_name),
        at
    ])?;
    Ok(())
}

/// A cell that is a date only once the day/month order is known.
fn ambiguous(cell: &str) -> bool {
    values::parse_date(cell, None).is_none()
        && values::parse_date(cell, Some(DateOrder::DayFirst)).is_some()
        && values::parse_date(cell, Some(DateOrder::MonthFirst)).is_some()
}

fn plan(conn: &Connection, path: &Path, fmt: &read::Format, opts: &ImportOptions) -> Result<Plan> {
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
    let signature = signature(&headers);
    let user_chose = opts.source.is_some()
        || opts.kind.is_some()
        || !opts.maps.is_empty()
        || opts.date_order.is_some();
    let saved = if user_chose {
        None
    } else {
        load_saved(conn, &signature)?
    };
    let (detected, detected_confidence) = preset::detect(&headers);
    let source = opts
        .source
        .or(saved.as_ref().map(|s| s.source))
        .unwrap_or(detected);
    let confidence = if opts.source.is_some() || saved.is_some() {
        1.0
    } else {
        detected_confidence
    };
    let kind = opts
        .kind
        .or(saved.as_ref().map(|s| s.kind))
        .unwrap_or_else(|| preset::detect_kind(&headers));
    let maps = match &saved {
        Some(s) => s.maps.clone(),
        None => opts.maps.clone(),
    };
    let date_order = opts
        .date_order
        .or(saved.as_ref().and_then(|s| s.date_order));
    let mut keys: Vec<Option<String>> = headers
        .iter()
        .map(|h| preset::map_header(source, h).map(str::to_string))
        .collect();
    for (header, key) in &maps {
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
    // Day/month order per date column: settled by any cell that reads only one way. Columns
    // left open are scanned to the end, so an undecidable one is reported, never guessed.
    let date_cols: Vec<usize> = (0..keys.len())
        .filter(|i| {
            keys[*i]
                .as_deref()
                .is_some_and(|k| fields::DATE_FIELDS.contains(&k))
        })
        .collect();
    let mut orders: HashMap<usize, Option<DateOrder>> =
        date_cols.iter().map(|i| (*i, date_order)).collect();
    let mut examples: HashMap<usize, String> = HashMap::new();
    if date_order.is_none() && !date_cols.is_empty() {
        for rec in rdr.records() {
            let Ok(rec) = rec else { break };
            let mut open = false;
            for i in &date_cols {
                if orders[i].is_some() {
                    continue;
                }
                let cell = rec.get(*i).unwrap_or("").trim();
                match values::order_hint(cell) {
                    Some(o) => {
                        orders.insert(*i, Some(o));
                    }
                    None => {
                        open = true;
                        if !examples.contains_key(i) && ambiguous(cell) {
                            examples.insert(*i, cell.to_string());
                        }
                    }
                }
            }
            if !open {
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
    let undecided = date_cols
        .iter()
        .filter(|i| orders[*i].is_none())
        .filter_map(|i| Some((headers[*i].clone(), examples.get(i)?.clone())))
        .collect();
    let remember = user_chose.then_some(Saved {
        source,
        kind,
        maps,
        date_order,
    });
    Ok(Plan {
        source,
        confidence,
        kind,
        headers,
        keys,
        orders,
        undecided,
        signature,
        reused: saved.is_some(),
        remember,
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
        // Close names an opportunity by its lead (the company).
        r.name = r
            .fields
            .get("company")
            .cloned()
            .or_else(|| r.external_id.clone())
            .unwrap_or_default();
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
            if !r.stage.is_empty() && r.stage != stages::CLOSED_WON {
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
        self.import_file_with_progress(path, opts, &mut |_| {})
    }

    /// [`Workspace::import_file`], calling `progress` as the file is read (every few thousand
    /// rows and once at the end).
    pub fn import_file_with_progress(
        &mut self,
        path: &Path,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        let fmt = read::sniff(path)?;
        let plan = plan(&self.conn, path, &fmt, opts)?;
        if let Some(e) = plan.undecided_error(path) {
            return Err(e);
        }
        let total_bytes = std::fs::metadata(path).map_or(0, |m| m.len());
        let backup = if opts.dry_run {
            None
        } else {
            self.backup_before_import()?
        };
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
            sha256: String::new(),
            mapping_reused: plan.reused,
            backup: backup.as_ref().map(|p| p.display().to_string()),
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
        let cx = Ctx::new(&tx, now, actor);
        let owner_role = if plan.kind == RecordKind::Deal {
            Role::Sales
        } else {
            Role::Marketing
        };
        let mut known_people: BTreeSet<String> = people::list(&tx)?
            .into_iter()
            .map(|p| p.name.to_lowercase())
            .collect();
        let tap = read::Tap::default();
        let tick = |rows| ImportProgress {
            bytes: tap.bytes(),
            total_bytes,
            rows,
        };
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<ReadRow>>(4);
        std::thread::scope(|scope| -> Result<()> {
            let reader = scope.spawn(|| read_rows(&plan, path, &fmt, &tap, sender));
            let written = (|| -> Result<()> {
                let receiver = receiver;
                for batch in &receiver {
                    for ReadRow { row, values } in batch {
                        report.rows = row;
                        let r = match values {
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
                        load_row(&cx, &pbs, r, &stamp, import_id, &mut report)?;
                    }
                    progress(tick(report.rows));
                }
                Ok(())
            })();
            // The receiver is gone by now, so a reader waiting to send stops.
            let read = reader.join().unwrap_or_else(|_| {
                Err(Error::Conflict(
                    "reading the CSV file stopped unexpectedly; nothing was imported".into(),
                ))
            });
            written.and(read)
        })?;
        progress(tick(report.rows));
        report.sha256 = tap.sha256();
        tx.execute(
            "UPDATE imports SET rows = ?2, inserted = ?3, updated = ?4, unchanged = ?5, rejected = ?6,
                 sha256 = ?7, kind = ?8, backup = ?9 WHERE id = ?1",
            params![
                import_id,
                report.rows,
                report.inserted,
                report.updated,
                report.unchanged,
                report.rejected,
                report.sha256,
                plan.kind,
                report.backup
            ],
        )?;
        if let Some(saved) = &plan.remember {
            save_mapping(&tx, &plan, saved, &stamp)?;
        }
        for e in &report.errors {
            tx.execute(
                "INSERT INTO import_errors (import_id, row, line, column_name, message) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![import_id, e.row, e.line, e.column, e.message],
            )?;
        }
        if opts.dry_run {
            tx.rollback()?;
        } else {
            tx.execute(
                "UPDATE imports SET state_after = ?2 WHERE id = ?1",
                params![import_id, state(&tx)?],
            )?;
            tx.commit()?;
            report.import_id = import_id;
        }
        Ok(report)
    }

    /// What importing `path` would read: format, detected source, mapping and the first `rows`
    /// rows as raw cells. Writes nothing.
    pub fn preview(&self, path: &Path, opts: &ImportOptions, rows: usize) -> Result<Preview> {
        let fmt = read::sniff(path)?;
        let plan = plan(&self.conn, path, &fmt, opts)?;
        let mut rdr = read::reader(path, &fmt)?;
        let mut out = Vec::new();
        for rec in rdr.records().take(rows) {
            let rec = rec.map_err(|e| csv_error(path, e))?;
            out.push(
                plan.headers
                    .iter()
                    .zip(rec.iter())
                    .map(|(h, v)| (h.clone(), v.to_string()))
                    .collect(),
            );
        }
        Ok(Preview {
            encoding: fmt.encoding_name(),
            delimiter: (fmt.delimiter as char).to_string(),
            source: plan.source,
            confidence: plan.confidence,
            kind: plan.kind,
            mapping: plan
                .headers
                .iter()
                .cloned()
                .zip(plan.keys.iter().cloned())
                .collect(),
            mapping_reused: plan.reused,
            warnings: plan
                .undecided_error(path)
                .map(|e| e.to_string())
                .into_iter()
                .collect(),
            headers: plan.headers,
            rows: out,
        })
    }

    /// Copies the workspace aside before an import and keeps the newest few copies.
    fn backup_before_import(&self) -> Result<Option<PathBuf>> {
        let Some(db) = &self.path else {
            return Ok(None);
        };
        let dir = db.parent().unwrap_or(Path::new(".")).join("backups");
        let io = |source| Error::Io {
            path: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let stem = db
            .file_stem()
            .map_or("workspace".into(), |s| s.to_string_lossy().into_owned());
        let stamp = self.now().format("%Y%m%dT%H%M%SZ");
        let mut dest = dir.join(format!("{stem}-{stamp}{BACKUP_SUFFIX}"));
        let mut n = 2;
        while dest.exists() {
            dest = dir.join(format!("{stem}-{stamp}-{n}{BACKUP_SUFFIX}"));
            n += 1;
        }
        self.conn
            .backup(rusqlite::DatabaseName::Main, &dest, None)?;
        // Rotate: the newest copies stay, oldest first out.
        let mut old: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with(&format!("{stem}-")) && n.ends_with(BACKUP_SUFFIX)
                })
            })
            .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
            .collect();
        old.sort();
        let excess = old.len().saturating_sub(KEEP_BACKUPS);
        for (_, p) in old.into_iter().take(excess) {
            if p != dest {
                let _ = std::fs::remove_file(p);
            }
        }
        Ok(Some(dest))
    }

    /// Undoes the last import by restoring the copy taken just before it. Refused when
    /// anything changed in the workspace since, so no later work is lost.
    pub fn undo_import(&mut self, id: i64) -> Result<UndoReport> {
        let row = self
            .conn
            .query_row(
                "SELECT file, sha256, source, mapping, rows, inserted, updated, unchanged, rejected, at,
                        undone_at, kind, backup, state_after
                 FROM imports WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        (
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ),
                        (
                            r.get::<_, i64>(4)?,
                            r.get::<_, i64>(5)?,
                            r.get::<_, i64>(6)?,
                            r.get::<_, i64>(7)?,
                            r.get::<_, i64>(8)?,
                            r.get::<_, String>(9)?,
                        ),
                        (
                            r.get::<_, Option<String>>(10)?,
                            r.get::<_, Option<String>>(11)?,
                            r.get::<_, Option<String>>(12)?,
                            r.get::<_, Option<String>>(13)?,
                        ),
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| {
                Error::not_found("import", id.to_string(), "`baton imports` lists them")
            })?;
        let (
            (file, sha, source, mapping),
            (rows, inserted, updated, unchanged, rejected, at),
            (undone, kind, backup, state_after),
        ) = row;
        if undone.is_some() {
            return Err(Error::Conflict(format!("import {id} was already undone")));
        }
        let last: i64 = self.conn.query_row(
            "SELECT max(id) FROM imports WHERE undone_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        if last != id {
            return Err(Error::Conflict(format!(
                "import {id} is not the last one (import {last} came after it); only the last import can be undone"
            )));
        }
        let backup = backup.ok_or_else(|| {
            Error::Conflict(format!(
                "import {id} has no backup to restore (it ran on a workspace in memory)"
            ))
        })?;
        if !Path::new(&backup).exists() {
            return Err(Error::Conflict(format!(
                "the backup taken before import {id} is gone ({backup}); it cannot be undone"
            )));
        }
        if state_after.as_deref() != Some(state(&self.conn)?.as_str()) {
            return Err(Error::Conflict(format!(
                "the workspace changed after import {id} (records, handoffs or tasks were edited); undoing it would lose that work, so it stays. Fix the records by hand or import a corrected file"
            )));
        }
        self.conn.restore(
            rusqlite::DatabaseName::Main,
            &backup,
            None::<fn(rusqlite::backup::Progress)>,
        )?;
        let now = self.now();
        let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let actor = self.actor(Origin::Cli)?;
        let tx = self.conn.transaction()?;
        // The import stays in the history, marked undone.
        tx.execute(
            "INSERT INTO imports (id, file, sha256, source, mapping, rows, inserted, updated, unchanged, rejected, at, undone_at, kind, backup)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![id, file, sha, source, mapping, rows, inserted, updated, unchanged, rejected, at, stamp, kind, backup],
        )?;
        crate::store::events::append(
            &tx,
            &crate::store::events::Event {
                at: stamp.clone(),
                actor,
                record_id: None,
                handoff_id: None,
                kind: "import_undone".into(),
                rule: None,
                fields: vec![],
                message: format!(
                    "Import {id} of {file} undone: {inserted} added records removed, {updated} changed records restored"
                ),
            },
        )?;
        tx.commit()?;
        Ok(UndoReport {
            import_id: id,
            file,
            removed: inserted as u64,
            restored: updated as u64,
            backup,
        })
    }
}

/// One past import, for `baton imports` and the import screen.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    /// Its id (what `undo-import` takes).
    pub id: i64,
    /// When it ran.
    pub at: String,
    /// The file it read.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The CRM.
    pub source: String,
    /// Rows read.
    pub rows: i64,
    /// Records added.
    pub inserted: i64,
    /// Records changed.
    pub updated: i64,
    /// Records already up to date.
    pub unchanged: i64,
    /// Rows skipped as bad.
    pub rejected: i64,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
}

impl Workspace {
    /// Past imports, newest first.
    pub fn imports(&self) -> Result<Vec<ImportSummary>> {
        let mut st = self.conn.prepare(
            "SELECT id, at, file, sha256, source, rows, inserted, updated, unchanged, rejected, undone_at
             FROM imports ORDER BY id DESC",
        )?;
        let rows = st.query_map([], |r| {
            Ok(ImportSummary {
                id: r.get(0)?,
                at: r.get(1)?,
                file: r.get(2)?,
                sha256: r.get(3)?,
                source: r.get(4)?,
                rows: r.get(5)?,
                inserted: r.get(6)?,
                updated: r.get(7)?,
                unchanged: r.get(8)?,
                rejected: r.get(9)?,
                undone_at: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Rows handed from the reader thread to the writer at a time.
const BATCH: usize = 512;

/// A data row read and converted on the reader thread.
struct ReadRow {
    row: u64,
    values: std::result::Result<Record, RowError>,
}

/// Reads and converts the rows on a second thread while the first one writes: parsing and
/// SQLite each take a good share of an import. A bounded channel of small batches keeps
/// memory flat however large the file is.
fn read_rows(
    plan: &Plan,
    path: &Path,
    fmt: &read::Format,
    tap: &read::Tap,
    out: std::sync::mpsc::SyncSender<Vec<ReadRow>>,
) -> Result<()> {
    let mut rdr = read::tapped_reader(path, fmt, Some(tap))?;
    let mut rec = csv::StringRecord::new();
    let mut batch = Vec::with_capacity(BATCH);
    let (mut row, mut last) = (0, (0, 0, false));
    while rdr.read_record(&mut rec).map_err(|e| csv_error(path, e))? {
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        row += 1;
        let line = rec.position().map_or(0, |p| p.line());
        last = (row, line, rec.iter().any(|c| c.contains('\n')));
        batch.push(ReadRow {
            row,
            values: row_values(plan, &rec, row, line),
        });
        if batch.len() == BATCH
            && out
                .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .is_err()
        {
            // The writer stopped (a bad row); its error is the one to report.
            return Ok(());
        }
    }
    // A quote left open swallows every line after it into one cell: refuse the file rather
    // than lose those rows without a word.
    let (row, line, multiline) = last;
    if tap.quotes() % 2 == 1 && multiline {
        return Err(Error::invalid(
            path.display().to_string(),
            format!("row {row} (line {line}): a quoted cell is never closed, so every line after it would be read as part of that cell; add the missing quote or export the file again"),
        ));
    }
    if !batch.is_empty() {
        let _ = out.send(batch);
    }
    Ok(())
}

/// Inserts or updates one record and runs the rules on it.
fn load_row(
    cx: &Ctx<'_>,
    pbs: &[crate::rules::Playbook],
    mut r: Record,
    stamp: &str,
    import_id: i64,
    report: &mut ImportReport,
) -> Result<()> {
    let import = Some(crate::model::ImportId(import_id));
    let fx = match records::find_imported(cx.conn, &r)? {
        None => {
            r.id = records::insert(cx.conn, &r, stamp)?;
            records::insert_stage_change(
                cx.conn,
                r.id,
                None,
                &r.stage,
                stamp,
                Origin::Import,
                import,
            )?;
            report.inserted += 1;
            apply::record_changed(cx, pbs, None, &r)?
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
                return Ok(());
            }
            records::update(cx.conn, &after, stamp)?;
            if after.stage != before.stage {
                records::insert_stage_change(
                    cx.conn,
                    after.id,
                    Some(&before.stage),
                    &after.stage,
                    stamp,
                    Origin::Import,
                    import,
                )?;
            }
            report.updated += 1;
            apply::record_changed(cx, pbs, Some(&before), &after)?
        }
    };
    report.handoffs.add(fx);
    Ok(())
}

/// How many pre-import backups are kept.
pub const KEEP_BACKUPS: usize = 5;
const BACKUP_SUFFIX: &str = "-before-import.sqlite";

/// A fingerprint of everything a user can change: undo is only safe while it is unchanged.
fn state(conn: &Connection) -> Result<String> {
    Ok(conn.query_row(
        "SELECT (SELECT coalesce(max(id), 0) FROM events WHERE kind != 'import_undone') || '/' ||
                (SELECT coalesce(max(id), 0) FROM stage_changes) || '/' ||
                (SELECT coalesce(max(id), 0) FROM tasks) || '/' ||
                (SELECT count(*) FROM tasks WHERE status = 'open') || '/' ||
                (SELECT count(*) FROM records) || '/' ||
                (SELECT coalesce(max(updated_at), '') FROM records) || '/' ||
                (SELECT count(*) FROM people) || '/' ||
                (SELECT count(*) FROM handoffs WHERE status IN ('accepted', 'kickoff_scheduled', 'cancelled'))",
        [],
        |r| r.get(0),
    )?)
}
