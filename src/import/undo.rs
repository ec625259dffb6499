//! Undo an import from the change log: exactly the rows that import changed go back to how they
//! were, in one transaction, for any past import. Refused, naming the records, when a later
//! write changed those records since.

use super::queries as imports;
use crate::clock::Stamp;
use crate::db::changelog::{self, Later};
use crate::db::sql::Changed;
use crate::error::{Error, Result};
use crate::handoffs::queries::events;
use crate::import::UndoReport;
use crate::model::{ImportId, Origin, RecordId};
use crate::workspace::Finish;
use std::collections::{BTreeMap, HashSet};

/// How many records an undo refusal names before it counts the rest.
const NAMED: usize = 5;

impl crate::workspace::concepts::Import<'_> {
    /// Undoes import `id`: removes the records, stage changes, handoffs, tasks, notifications,
    /// drafts and audit events it added and restores what it changed. Refused when something
    /// else changed those records since, so no later work is lost.
    pub fn undo(&self, id: ImportId, origin: Origin) -> Result<UndoReport> {
        let past = imports::get(&self.conn, id)?.ok_or_else(|| {
            Error::not_found("import", id.to_string(), "`baton imports` lists them")
        })?;
        if past.undone_at.is_some() {
            return Err(Error::Conflict(format!("import {id} was already undone")));
        }
        self.transact(origin, Some(id), |cx| {
            // On a team workspace, whether this login may undo it (who ran it, or an admin) is
            // the database's to say, before anything is taken back.
            if cx.conn.dialect() == crate::db::sql::Dialect::Postgres {
                imports::must_undo(cx.conn, id)?;
            }
            let rows = changelog::of_import(cx.conn, id)?.ok_or_else(|| {
                let copy = past.backup.as_deref().map_or(String::new(), |b| {
                    format!(" The copy taken before it is {b}: with Baton closed, copy it over the workspace file to go back to that moment.")
                });
                Error::Conflict(format!(
                    "import {id} ran before this version of Baton kept a change log, so it cannot be undone here.{copy}"
                ))
            })?;
            let last = rows.last().map_or(i64::MAX, |r| r.id);
            let later = changelog::later_than(cx.conn, last)?;
            refuse_if_changed(cx.conn, id, &rows, &later)?;
            let changed_later = changelog::touched_keys(&later);
            changelog::allow_event_removal(cx.conn, id, true)?;
            let [removed, restored, other] = <[Changed; 3]>::default();
            let mut reverter = changelog::Reverter::default();
            for row in rows.iter().rev() {
                // A row that belongs to no record (a person the import added, a mapping it
                // saved) stays as a later write left it; a person stays while anyone names them.
                if row.record.is_none()
                    && !changelog::never_conflicts(&row.table)
                    && changed_later.contains(&(row.table.as_str(), row.key.as_str()))
                {
                    continue;
                }
                if row.table == "people" && row.op == "insert" {
                    changelog::remove_person_unless_named(cx.conn, &row.key)?;
                    continue;
                }
                let counted = match (row.table.as_str(), row.op.as_str()) {
                    ("records", "insert") => &removed,
                    ("records", "update") => &restored,
                    _ => &other,
                };
                reverter.revert(cx.conn, row, counted)?;
            }
            // Every revert answered: the counts are whole.
            cx.conn.flush()?;
            let (removed, restored) = (removed.get(), restored.get());
            changelog::allow_event_removal(cx.conn, id, false)?;
            imports::mark_undone(cx.conn, id, cx.stamp())?;
            events::append(
                cx.conn,
                &events::Event {
                    at: cx.at(),
                    actor: cx.actor.clone(),
                    record_id: None,
                    handoff_id: None,
                    kind: crate::model::EventKind::ImportUndone,
                    rule: None,
                    fields: vec![],
                    message: format!(
                        "Import {id} of {} undone: {removed} added records removed, {restored} changed records restored",
                        past.file
                    ),
                },
            )?;
            Ok((
                UndoReport {
                    import_id: id,
                    file: past.file.clone(),
                    removed,
                    restored,
                    backup: past.backup.clone().unwrap_or_default(),
                },
                Finish::Commit,
            ))
        })
    }

    /// Past imports, newest first.
    pub fn list(&self) -> Result<Vec<ImportSummary>> {
        imports::list(&self.conn)
    }
}

/// Refuses the undo when a write after the import changed one of its records (or a row it
/// wrote), naming the records and what changed them.
fn refuse_if_changed(
    conn: &crate::db::sql::Db,
    id: ImportId,
    rows: &[changelog::Logged],
    later: &[Later],
) -> Result<()> {
    let records: HashSet<RecordId> = rows.iter().filter_map(|r| r.record).collect();
    let keys: HashSet<(&str, &str)> = rows
        .iter()
        .filter(|r| r.record.is_some())
        .map(|r| (r.table.as_str(), r.key.as_str()))
        .collect();
    let mut hit: BTreeMap<RecordId, &Later> = BTreeMap::new();
    for l in later {
        let record = l.record.filter(|r| records.contains(r)).or_else(|| {
            keys.contains(&(l.table.as_str(), l.key.as_str()))
                .then_some(l.record)
                .flatten()
        });
        if let Some(r) = record {
            hit.entry(r).or_insert(l);
        }
    }
    if hit.is_empty() {
        return Ok(());
    }
    let ids: Vec<RecordId> = hit.keys().copied().take(NAMED).collect();
    let names = changelog::record_names(conn, &ids)?;
    let mut named: Vec<String> = names
        .iter()
        .map(|(rid, name)| {
            let l = hit[rid];
            let by = match l.import {
                Some(i) => format!("import {i}"),
                None => l.actor.clone(),
            };
            format!("#{rid} {name} (changed by {by} at {})", l.at)
        })
        .collect();
    if hit.len() > NAMED {
        named.push(format!("{} more", hit.len() - NAMED));
    }
    Err(Error::Conflict(format!(
        "import {id} cannot be undone: {} of its records changed after it — {}; undoing it would lose that work, so it stays (undo the later imports first, or fix the records by hand)",
        hit.len(),
        named.join(", ")
    )))
}

/// One past import, for `baton imports` and the import screen.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    /// Its id (what `undo-import` takes).
    pub id: ImportId,
    /// When it ran.
    pub at: Stamp,
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
    pub undone_at: Option<Stamp>,
}
