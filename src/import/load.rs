//! The loader: streams a CSV export into the workspace in one transaction, upserting by the
//! CRM's record id and running the playbooks on every change.

use super::plan::{plan, row_values, save_mapping, Plan};
use super::queries as imports;
use crate::db::backup;
use crate::error::{Error, Result};
use crate::handoffs::apply::{self, RuleEffects};
use crate::import::preset::{FIRST_NAME, LAST_NAME, STATUS};
use crate::import::read;
use crate::import::{ImportOptions, ImportProgress, ImportReport, Preview, RowError};
use crate::model::{HandoffId, ImportId, Origin, Record, RecordId, RecordKind, Role, TaskId};
use crate::records::queries as records;
use crate::records::save_in;
use crate::workspace::queries::people;
use crate::workspace::write::Ctx;
use crate::workspace::{busy, Finish, Workspace};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub(super) fn csv_error(path: &Path, e: csv::Error) -> Error {
    let at = e
        .position()
        .map(|p| format!("line {}: ", p.line()))
        .unwrap_or_default();
    Error::invalid(
        path.display().to_string(),
        format!("{at}this is not readable CSV ({e}); export it again as CSV"),
    )
}

impl Workspace {
    /// Imports `path` as one write of `origin` (an import, or the watched folder's).
    pub(crate) fn import_as(
        &self,
        origin: Origin,
        path: &Path,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        let fmt = read::sniff(path)?;
        let plan = plan(&self.conn, path, &fmt, opts, false)?;
        let total_bytes = std::fs::metadata(path).map_or(0, |m| m.len());
        let pbs = self.handoffs().playbooks()?;
        let workspace = self.path.clone();
        let mut report = ImportReport {
            import_id: ImportId(0),
            source: plan.source,
            kind: plan.kind,
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
            backup: None,
        };
        // The announcement outlives the closure: it goes once the commit has finished.
        // A file's page cache; a team workspace's server keeps its own.
        if let Ok(conn) = self.conn.sqlite() {
            crate::db::large_cache(conn)?;
        }
        let done = self.transact(origin, None, |cx| {
            let stamp = cx.stamp().to_string();
            let mapping: BTreeMap<&str, Option<&str>> = plan
                .headers
                .iter()
                .map(String::as_str)
                .zip(plan.keys.iter().map(|k| k.as_deref()))
                .collect();
            let import_id = imports::insert(
                cx.conn,
                &path.display().to_string(),
                plan.source.as_str(),
                &serde_json::to_string(&mapping).unwrap_or_default(),
                &stamp,
            )?;
            cx.set_import(import_id)?;
            let owner_role = if plan.kind == RecordKind::Deal {
                Role::Sales
            } else {
                Role::Marketing
            };
            // The team and whether this CRM's records are here yet, read at once.
            let any = records::ANY_IMPORTED;
            let (team, first) = cx.conn.ahead(
                &[(people::LIST, &[]), (any, &[&plan.source.as_str(), &plan.kind])],
                || {
                    Ok((
                        people::list(cx.conn)?,
                        !records::any_imported(cx.conn, plan.source.as_str(), plan.kind)?,
                    ))
                },
            )?;
            let mut known_people: BTreeSet<String> =
                team.into_iter().map(|p| p.name.to_lowercase()).collect();
            // A first import of a CRM's records (none of that source and kind stored yet)
            // stores its new records a run at a time, without looking each up: only a row that
            // repeats a CRM id from earlier in the file is. A later import reads the stored
            // records a batch updates in one query. On either engine the same: the writer
            // sends a run's rows together where every statement is a round trip.
            let columns = Columns {
                flags: plan.reads_any(&["flags"]),
                name: plan.reads_any(&["name", FIRST_NAME, LAST_NAME, "company"]),
                stage: plan.reads_any(&["stage", STATUS]),
            };
            let mut bulk = first.then(Bulk::default);
            let mut known = (!first).then(Known::default);
            let tap = read::Tap::default();
            // A write that arrives meanwhile is told what is running and how far it got.
            let mut announce =
                busy::Announce::start(workspace.as_deref(), origin, cx.at(), path, total_bytes);
            let tick = |rows| ImportProgress {
                bytes: tap.bytes(),
                total_bytes,
                rows,
            };
            // As many rows wait to be written on either engine: on a team workspace in fewer,
            // larger batches.
            let (size, waiting) = match cx.conn.dialect() {
                crate::db::sql::Dialect::Sqlite => (BATCH, 4),
                crate::db::sql::Dialect::Postgres => (TEAM_BATCH, 4 * BATCH / TEAM_BATCH),
            };
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<ReadRow>>(waiting);
            std::thread::scope(|scope| -> Result<()> {
                let reader = scope.spawn(|| read_rows(&plan, path, &fmt, &tap, sender, size));
                let written = (|| -> Result<()> {
                    let receiver = receiver;
                    for batch in &receiver {
                        if let Some(b) = bulk.as_mut() {
                            b.plan(&batch, &pbs);
                        }
                        if let Some(k) = known.as_mut() {
                            k.plan(cx, &batch, plan.source.as_str(), plan.kind)?;
                        }
                        for (at, ReadRow { row, values }) in batch.into_iter().enumerate() {
                            report.rows = row;
                            let r = match values {
                                Ok(r) => r,
                                Err(e) if opts.skip_bad_rows => {
                                    report.rejected += 1;
                                    report.errors.push(e);
                                    continue;
                                }
                                Err(row) => {
                                    return Err(Error::BadRow {
                                        file: path.display().to_string(),
                                        row,
                                    })
                                }
                            };
                            if let Some(o) = &r.record.owner {
                                if known_people.insert(o.to_lowercase()) {
                                    // The rules of the rows before see the team as it was.
                                    if let Some(b) = bulk.as_mut() {
                                        b.flush(cx, &pbs, (&stamp, import_id), &mut report)?;
                                    }
                                    people::add(cx.conn, o, owner_role)?;
                                    cx.team_changed();
                                }
                            }
                            load_row(
                                cx,
                                &pbs,
                                r,
                                &columns,
                                (&stamp, import_id),
                                &mut report,
                                bulk.as_mut().map(|b| (b, at)),
                                known.as_mut(),
                            )?;
                        }
                        if let Some(b) = bulk.as_mut() {
                            b.flush(cx, &pbs, (&stamp, import_id), &mut report)?;
                        }
                        progress(tick(report.rows));
                        if let Some(a) = announce.as_mut() {
                            a.progress(tap.bytes(), report.rows);
                        }
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
            if report.rows == 0 {
                return Err(Error::invalid(
                    path.display().to_string(),
                    "the file has a header but no rows; export the records again, with at least one row",
                ));
            }
            report.sha256 = tap.sha256();
            // The copy is taken inside the import's write lock, from a second connection that
            // sees the workspace as it was before the import: no other write can slip between
            // the copy and the import. Only imports that change records take one.
            let writes = report.inserted + report.updated > 0;
            if let (false, true, Some(db)) = (opts.dry_run, writes, &workspace) {
                report.backup = Some(backup::before_import(db, cx.now)?.display().to_string());
            }
            let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
            crate::reach::webhooks::digest_import(cx, file.as_deref().unwrap_or("a CSV"))?;
            imports::finish(cx.conn, import_id, &report, plan.kind)?;
            if let Some(saved) = &plan.remember {
                save_mapping(cx.conn, &plan, saved, &stamp)?;
            }
            imports::insert_errors(cx.conn, import_id, &report.errors)?;
            if opts.dry_run {
                Ok((announce, Finish::RollBack))
            } else {
                report.import_id = import_id;
                Ok((announce, Finish::Commit))
            }
        });
        if let Ok(conn) = self.conn.sqlite() {
            crate::db::normal_cache(conn);
        }
        let _announce = done.map_err(|e| match e {
            // A team workspace's connection lost mid-import: its transaction went with it.
            Error::Unreachable(_) if self.is_team() => Error::Unreachable(format!(
                "the connection to the team database was lost during the import of {}; nothing was imported: run it again once the server answers",
                path.display()
            )),
            e => e,
        })?;
        Ok(report)
    }
}

impl crate::workspace::concepts::Import<'_> {
    /// Imports a CSV export in one transaction (rolled back on a bad row unless skipping, and
    /// always on a dry run).
    pub fn file(&self, path: &Path, opts: &ImportOptions) -> Result<ImportReport> {
        self.import().file_with_progress(path, opts, &mut |_| {})
    }

    /// [`crate::workspace::concepts::Import::file`], calling `progress` as the file is read (every few thousand
    /// rows and once at the end).
    pub fn file_with_progress(
        &self,
        path: &Path,
        opts: &ImportOptions,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        self.import_as(Origin::Import, path, opts, progress)
    }

    /// What importing `path` would read: format, detected source, mapping and the first `rows`
    /// rows as raw cells. Writes nothing.
    pub fn preview(&self, path: &Path, opts: &ImportOptions, rows: usize) -> Result<Preview> {
        let fmt = read::sniff(path)?;
        let plan = plan(&self.conn, path, &fmt, opts, true)?;
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
                .dates
                .undecided_error(path)
                .map(|e| e.to_string())
                .into_iter()
                .collect(),
            headers: plan.headers,
            rows: out,
        })
    }
}

/// Rows handed from the reader thread to the writer at a time: on a workspace file, and on a
/// team workspace, where each batch costs a round trip or two (ids taken, stored records
/// read), so a larger one is worth its memory.
const BATCH: usize = 512;
const TEAM_BATCH: usize = 2048;

/// A data row read and converted on the reader thread.
struct ReadRow {
    row: u64,
    values: std::result::Result<Converted, RowError>,
}

/// A row's record, with its fields already encoded as stored for when it is new.
struct Converted {
    record: Record,
    fields: String,
}

/// The row error for a row that is not UTF-8: where (line, the file's byte) and what to do.
fn not_utf8(plan: &Plan, e: &csv::Error, row: u64) -> RowError {
    let (pos, field) = match e.kind() {
        csv::ErrorKind::Utf8 { pos, err } => (pos.clone(), Some(err.field())),
        _ => (None, None),
    };
    RowError {
        row,
        line: pos.as_ref().map_or(0, |p| p.line()),
        column: field.and_then(|f| plan.headers.get(f).cloned()),
        message: format!(
            "is not UTF-8 text (the row starts at byte {} of the file, which is UTF-8 elsewhere); export the file again as CSV UTF-8",
            pos.map_or(0, |p| p.byte())
        ),
    }
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
    size: usize,
) -> Result<()> {
    let mut rdr = read::tapped_reader(path, fmt, Some(tap))?;
    let mut rec = csv::StringRecord::new();
    let mut batch = Vec::with_capacity(size);
    let (mut row, mut last) = (0, (0, 0, false));
    let mut dates = std::borrow::Cow::Borrowed(&plan.dates);
    let mut settled = plan.dates_settled;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            // A row whose bytes are not UTF-8 (one cell pasted from elsewhere) is a bad row
            // like any other: named, and skipped with --skip-bad-rows. The reader is already
            // past it.
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                row += 1;
                batch.push(ReadRow {
                    row,
                    values: Err(not_utf8(plan, &e, row)),
                });
                continue;
            }
            Err(e) => return Err(csv_error(path, e)),
        }
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        row += 1;
        let line = rec.position().map_or(0, |p| p.line());
        last = (row, line, rec.iter().any(|c| c.contains('\n')));
        let mut values = row_values(plan, &dates, &rec, row, line);
        // The first cell that reads either day/month or month/day: the whole file settles
        // the order (or the import stops, saying it cannot be settled).
        if values.is_err() && !settled && dates.needs_order(&rec) {
            let scanned = plan.scan_dates(path, fmt)?;
            if let Some(e) = scanned.undecided_error(path) {
                return Err(e);
            }
            dates = std::borrow::Cow::Owned(scanned);
            settled = true;
            values = row_values(plan, &dates, &rec, row, line);
        }
        let values = values.map(|record| Converted {
            fields: records::encode_fields(&record.fields),
            record,
        });
        batch.push(ReadRow { row, values });
        if batch.len() == size
            && out
                .send(std::mem::replace(&mut batch, Vec::with_capacity(size)))
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

/// What the file's columns say about every row.
struct Columns {
    /// A column holds the exception flags.
    flags: bool,
    /// A column names the record (a company names it when nothing else does).
    name: bool,
    /// A column holds the stage (or Pipedrive's won/lost status).
    stage: bool,
}

/// A first import's new records on their way to the workspace: they wait to be sent
/// together, and every new one takes its id from a block reserved for its run of rows, so ids
/// follow the file as they do when rows are inserted one by one. The rules run on those that
/// set a playbook going once they are stored, in file order, before any later row is taken
/// and before a new owner joins the team (so each sees the team as it was at its row).
#[derive(Default)]
struct Bulk {
    waiting: Vec<(Record, String, i64)>,
    /// The waiting records that set a playbook going, in file order: the rules run on them
    /// once they are stored.
    to_rule: Vec<Record>,
    /// The CRM ids this import has met (a row that repeats one is looked up).
    seen: Met,
    /// For each row of the batch, how many rows from it on are new records in a row.
    runs: Vec<usize>,
    /// For each row of the batch, how many handoffs it starts as a new record.
    fires: Vec<usize>,
    /// Ids reserved for the run of new records being read, with their first stage changes'.
    ids: std::collections::VecDeque<(RecordId, i64)>,
}

/// The CRM ids an import has met, as a Bloom filter of a fixed 4 MiB whatever the file's size
/// (as a set, a million ids took 28 MB at their peak, and a first import of a million rows
/// went over its 100 MB). It never says "not met" of an id it met; it can say "met" of one
/// it never met (at a million ids, about one in 1,400): that row is then looked up, finds
/// nothing and is stored the usual way, a little slower.
struct Met {
    bits: Vec<u64>,
}

impl Default for Met {
    fn default() -> Self {
        // Zeroed, so the pages are the system's until an id lands on them.
        Met {
            bits: vec![0; Self::BITS / 64],
        }
    }
}

impl Met {
    const BITS: usize = 1 << 25;

    /// The three bits of `id`, from one 64-bit hash (two halves, double hashing).
    fn probes(id: &str) -> [usize; 3] {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let h = BuildHasherDefault::<DefaultHasher>::default().hash_one(id);
        let (a, b) = (h & 0xffff_ffff, (h >> 32) | 1);
        [0u64, 1, 2].map(|i| (a.wrapping_add(i.wrapping_mul(b)) % Self::BITS as u64) as usize)
    }

    fn has(&self, id: &str) -> bool {
        Self::probes(id)
            .iter()
            .all(|p| self.bits[p / 64] >> (p % 64) & 1 == 1)
    }

    fn add(&mut self, id: &str) {
        for p in Self::probes(id) {
            self.bits[p / 64] |= 1 << (p % 64);
        }
    }
}

/// What [`Bulk::keep`] did with a row.
enum Kept {
    /// It waits to be sent with others, and the rules run on it once it is stored.
    Waiting,
    /// A CRM id met earlier in this import: the record it repeats is updated (asking the
    /// unique index first would use up an id of the sequence, which a workspace file does not).
    Repeated(Record, String),
    /// Any other row: the usual way, after the waiting ones are stored.
    Other(Record, String),
}

impl Bulk {
    /// Reads which of the batch's rows are new records (a CRM id this import has not met) and
    /// how many handoffs each of those starts.
    fn plan(&mut self, batch: &[ReadRow], pbs: &[crate::handoffs::rules::Playbook]) {
        let mut met = std::collections::HashSet::new();
        let new: Vec<bool> = batch
            .iter()
            .map(|row| match &row.values {
                Ok(Converted {
                    record:
                        Record {
                            external_id: Some(id),
                            ..
                        },
                    ..
                }) => !self.seen.has(id) && met.insert(id.as_str()),
                _ => false,
            })
            .collect();
        self.fires = batch
            .iter()
            .zip(&new)
            .map(|(row, new)| match (&row.values, new) {
                (Ok(c), true) => apply::fired_when_new(pbs, &c.record),
                _ => 0,
            })
            .collect();
        self.runs = vec![0; new.len() + 1];
        for i in (0..new.len()).rev() {
            self.runs[i] = if new[i] { self.runs[i + 1] + 1 } else { 0 };
        }
    }

    /// Takes the batch's row `at`.
    fn keep(
        &mut self,
        cx: &Ctx<'_>,
        pbs: &[crate::handoffs::rules::Playbook],
        at: usize,
        (mut r, fields): (Record, String),
        (stamp, import_id): (&str, ImportId),
        report: &mut ImportReport,
    ) -> Result<Kept> {
        let run = self.runs.get(at).copied().unwrap_or(0);
        if run == 0 {
            self.flush(cx, pbs, (stamp, import_id), report)?;
            // Ids reserved for the run that ended and not used stay unused.
            cx.reserve(Default::default());
            let repeated = r.external_id.as_ref().is_some_and(|id| self.seen.has(id));
            return Ok(match repeated {
                true => Kept::Repeated(r, fields),
                false => Kept::Other(r, fields),
            });
        }
        if let Some(id) = &r.external_id {
            self.seen.add(id);
        }
        if self.ids.is_empty() {
            // What still waits (a run that a skipped bad row ended) is stored first: a workspace
            // file's next ids are those after the rows it holds.
            self.flush(cx, pbs, (stamp, import_id), report)?;
            // The run's records and first stage changes get their ids, and its handoffs and
            // their first tasks theirs, in one round trip, so that all of them are sent without
            // waiting; the same ids, in the same order, as one by one.
            let fired: usize = self.fires.iter().skip(at).take(run).sum();
            let [records, stages, handoffs, tasks] = cx.conn.next_ids([
                ("records", run),
                ("stage_changes", run),
                ("handoffs", fired),
                ("tasks", fired),
            ])?;
            self.ids = records.into_iter().map(RecordId).zip(stages).collect();
            if fired > 0 {
                cx.reserve((
                    handoffs.into_iter().map(HandoffId).collect(),
                    tasks.into_iter().map(TaskId).collect(),
                ));
            }
        }
        let (id, stage_id) = self
            .ids
            .pop_front()
            .ok_or_else(|| Error::Conflict("the import ran out of reserved record ids".into()))?;
        r.id = id;
        if self.fires.get(at).is_some_and(|&n| n > 0) {
            self.to_rule.push(r.clone());
        }
        self.waiting.push((r, fields, stage_id));
        Ok(Kept::Waiting)
    }

    /// Sends the waiting records and their first stage changes, then runs the rules on those
    /// that set a playbook going, in file order, all their rows gathered
    /// ([`crate::db::sql::Db::gathered`]).
    fn flush(
        &mut self,
        cx: &Ctx<'_>,
        pbs: &[crate::handoffs::rules::Playbook],
        (stamp, import_id): (&str, ImportId),
        report: &mut ImportReport,
    ) -> Result<()> {
        // The records, their stage changes and their handoffs' rows go a table at a time, not
        // a statement per row, and without a round trip until something is read.
        cx.conn.gathered(|| {
            records::insert_new_with_ids(
                cx.conn,
                &self.waiting,
                stamp,
                Origin::Import,
                Some(import_id),
            )?;
            self.waiting.clear();
            for r in std::mem::take(&mut self.to_rule) {
                report
                    .handoffs
                    .add(apply::record_changed(cx, pbs, None, &r)?);
            }
            Ok(())
        })
    }
}

/// The stored records a re-import's batch updates, read in one query.
#[derive(Default)]
struct Known {
    stored: std::collections::HashMap<String, Record>,
    /// The CRM ids rows of this batch have already written.
    written: std::collections::HashSet<String>,
}

impl Known {
    /// Reads the stored records the batch's rows name.
    fn plan(
        &mut self,
        cx: &Ctx<'_>,
        batch: &[ReadRow],
        source: &str,
        kind: RecordKind,
    ) -> Result<()> {
        let mut ids: Vec<&str> = batch
            .iter()
            .filter_map(|row| row.values.as_ref().ok()?.record.external_id.as_deref())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        self.stored = records::find_imported_many(cx.conn, source, kind, &ids)?;
        self.written.clear();
        Ok(())
    }

    /// The stored record `row` updates, as read for the batch; `None` when it must be read
    /// again (no CRM id, or an earlier row of the batch wrote the same one).
    fn take(&mut self, row: &Record) -> Option<Option<Record>> {
        let id = row.external_id.as_ref()?;
        if !self.written.insert(id.clone()) {
            return None;
        }
        Some(self.stored.remove(id))
    }
}

/// Inserts or updates one record and runs the rules on it (or leaves a new one to `bulk`).
#[allow(clippy::too_many_arguments)]
fn load_row(
    cx: &Ctx<'_>,
    pbs: &[crate::handoffs::rules::Playbook],
    Converted { record, fields }: Converted,
    columns: &Columns,
    (stamp, import_id): (&str, ImportId),
    report: &mut ImportReport,
    bulk: Option<(&mut Bulk, usize)>,
    known: Option<&mut Known>,
) -> Result<()> {
    let kept = match bulk {
        Some((b, at)) => b.keep(cx, pbs, at, (record, fields), (stamp, import_id), report)?,
        None => Kept::Other(record, fields),
    };
    let import = Some(import_id);
    let (mut r, fields) = match kept {
        Kept::Waiting => {
            report.inserted += 1;
            return Ok(());
        }
        Kept::Repeated(r, fields) | Kept::Other(r, fields) => (r, fields),
    };
    let stored = match known.and_then(|k| k.take(&r)) {
        Some(stored) => stored,
        None => records::find_imported(cx.conn, &r)?,
    };
    let fx = match stored {
        None => {
            r.id = records::insert_with_fields(cx.conn, &r, &fields, stamp)?;
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
            // A file without a name or stage column (a CRM update file, say) leaves them be.
            if columns.name {
                after.name = r.name;
            }
            if columns.stage {
                after.stage = r.stage;
            }
            if r.owner.is_some() {
                after.owner = r.owner;
            }
            // Blank cells never erase what was filled in Baton; a flags column is the CRM's
            // word on the flags, so a flag it no longer carries is cleared.
            after.fields.extend(r.fields);
            if columns.flags {
                after.flags = r.flags;
            }
            if after == before {
                report.unchanged += 1;
                return Ok(());
            }
            report.updated += 1;
            save_in(cx, pbs, &before, &after, Origin::Import)?
        }
    };
    report.handoffs.add(fx);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Met;

    /// Every id met is known as met; of a million never met, few are taken for met (each of
    /// those only costs its row a lookup).
    #[test]
    fn an_id_met_is_always_known_and_few_others_are_taken_for_it() {
        let mut met = Met::default();
        let ids: Vec<String> = (0..1_000_000).map(|i| format!("{i}")).collect();
        for id in &ids {
            met.add(id);
        }
        assert!(ids.iter().all(|id| met.has(id)));
        let wrong = (0..1_000_000)
            .filter(|i| met.has(&format!("other-{i}")))
            .count();
        assert!(wrong < 2_000, "{wrong} of a million taken for met");
    }
}
