//! Back into the CRM: where each won deal's handoff stands, as a CSV in the CRM's own *update*
//! import format, keyed by the CRM's record id, and the handoff's tasks as a second CSV in the
//! CRM's task import format. The user imports both with the CRM's import tool; Baton opens no
//! connection. The column names, and the documentation each one follows, are listed in
//! `docs/writeback.md`.
//!
//! The handoff columns carry a `Baton` prefix, so they land in custom properties of their own
//! and Baton's import knows them again: importing an update file back into Baton changes
//! nothing.

use crate::error::{Error, Result};
use crate::handoffs::queries::{handoffs, tasks};
use crate::model::{Handoff, RecordKind, Task, TaskKind, TaskStatus};
use crate::vocabulary::status_words;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A CRM Baton writes updates for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Crm {
    /// HubSpot deals, updated by `Record ID`.
    Hubspot,
    /// Pipedrive deals, updated by `Deal - ID`.
    Pipedrive,
    /// Salesforce opportunities, updated by `Id` (Data Loader).
    Salesforce,
}

/// How one CRM names the columns.
struct Format {
    /// The record id column the update is keyed by.
    id: &'static str,
    /// Handoff status, delivery owner, kickoff date, missing fields, one-line brief.
    handoff: [&'static str; 5],
    /// The task file's columns: deal id, deal name, subject, type, status, due, assignee, notes.
    task: [&'static str; 8],
    /// How the CRM spells a task's type, an open task and a done one.
    words: TaskWords,
}

struct TaskWords {
    kind: &'static str,
    open: &'static str,
    done: &'static str,
}

const HUBSPOT: Format = Format {
    id: "Record ID",
    handoff: [
        "Baton Handoff Status",
        "Baton Delivery Owner",
        "Baton Kickoff Date",
        "Baton Missing Fields",
        "Baton Handoff Brief",
    ],
    task: [
        "Record ID",
        "Deal Name",
        "Task Title",
        "Task Type",
        "Task Status",
        "Due Date",
        "Assigned To",
        "Notes",
    ],
    words: TaskWords {
        kind: "To-do",
        open: "Not started",
        done: "Completed",
    },
};

const PIPEDRIVE: Format = Format {
    id: "Deal - ID",
    handoff: [
        "Deal - Baton handoff status",
        "Deal - Baton delivery owner",
        "Deal - Baton kickoff date",
        "Deal - Baton missing fields",
        "Deal - Baton handoff brief",
    ],
    task: [
        "Deal - ID",
        "Deal - Title",
        "Activity - Subject",
        "Activity - Type",
        "Activity - Done",
        "Activity - Due date",
        "Activity - Assigned to user",
        "Activity - Note",
    ],
    words: TaskWords {
        kind: "Task",
        open: "To do",
        done: "Done",
    },
};

const SALESFORCE: Format = Format {
    id: "Id",
    handoff: [
        "Baton_Handoff_Status__c",
        "Baton_Delivery_Owner__c",
        "Baton_Kickoff_Date__c",
        "Baton_Missing_Fields__c",
        "Baton_Handoff_Brief__c",
    ],
    // Data Loader inserts a Task with its opportunity in WhatId. OwnerId takes a user id, which
    // Baton does not know, so the assignee's name goes in Baton_Assigned_To__c and Data Loader
    // makes the user who loads the file the owner.
    task: [
        "WhatId",
        "Baton_Deal_Name__c",
        "Subject",
        "Type",
        "Status",
        "ActivityDate",
        "Baton_Assigned_To__c",
        "Description",
    ],
    words: TaskWords {
        kind: "Other",
        open: "Not Started",
        done: "Completed",
    },
};

impl Crm {
    /// Every CRM, in the order the app offers them.
    pub const ALL: &'static [Crm] = &[Crm::Hubspot, Crm::Pipedrive, Crm::Salesforce];

    /// The stable name, as the records' `source` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Crm::Hubspot => "hubspot",
            Crm::Pipedrive => "pipedrive",
            Crm::Salesforce => "salesforce",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Crm> {
        Crm::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The CRM's name as people write it.
    pub fn words(self) -> &'static str {
        match self {
            Crm::Hubspot => "HubSpot",
            Crm::Pipedrive => "Pipedrive",
            Crm::Salesforce => "Salesforce",
        }
    }

    fn format(self) -> &'static Format {
        match self {
            Crm::Hubspot => &HUBSPOT,
            Crm::Pipedrive => &PIPEDRIVE,
            Crm::Salesforce => &SALESFORCE,
        }
    }
}

/// Whether `header` is one of the handoff columns Baton writes back (any CRM's spelling): an
/// import reads past them, since they say what Baton already knows.
pub fn written_by_baton(header: &str) -> bool {
    let h = crate::stages::squash(header);
    Crm::ALL.iter().any(|c| {
        c.format()
            .handoff
            .iter()
            .any(|w| crate::stages::squash(w) == h)
    })
}

/// The two files of a write-back, as bytes.
#[derive(Debug, Clone, Serialize)]
pub struct Writeback {
    /// The CRM they are for.
    pub crm: Crm,
    /// The deals' update file.
    #[serde(skip)]
    pub updates: Vec<u8>,
    /// The tasks file.
    #[serde(skip)]
    pub tasks: Vec<u8>,
    /// How many deals the update file holds.
    pub deals: usize,
    /// How many tasks the tasks file holds.
    pub task_count: usize,
}

impl Writeback {
    /// Writes the update file to `file` and the tasks beside it ([`tasks_path`]); returns the
    /// tasks file's path.
    pub fn write_to(&self, file: &Path) -> Result<PathBuf> {
        let tasks = tasks_path(file);
        for (path, bytes) in [(file, &self.updates), (tasks.as_path(), &self.tasks)] {
            std::fs::write(path, bytes).map_err(|source| Error::Io {
                path: path.display().to_string(),
                source,
            })?;
        }
        Ok(tasks)
    }
}

/// Where the tasks file of an update file goes: `updates.csv` → `updates-tasks.csv`, beside it.
pub fn tasks_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "writeback".into());
    file.with_file_name(format!("{stem}-tasks.csv"))
}

impl crate::workspace::concepts::Reach<'_> {
    /// The CRMs with a handoff on a deal imported from them: the ones a write-back has
    /// something to say to.
    pub fn writeback_crms(&self) -> Result<Vec<Crm>> {
        let sources = handoffs::imported_deal_sources(&self.conn)?;
        Ok(Crm::ALL
            .iter()
            .copied()
            .filter(|c| sources.iter().any(|s| s == c.as_str()))
            .collect())
    }

    /// Where the handoff of every deal imported from `crm` stands (the latest handoff of each,
    /// those with activity on or after `since` when given), in that CRM's update import format,
    /// with the handoffs' tasks (cancelled ones aside) in its task import format.
    pub fn writeback(&self, crm: Crm, since: Option<NaiveDate>) -> Result<Writeback> {
        let f = crm.format();
        let since_stamp = since.map(|d| d.format("%Y-%m-%d").to_string());
        let active: Option<BTreeSet<_>> = match &since_stamp {
            Some(at) => Some(handoffs::active_since(&self.conn, at)?),
            None => None,
        };
        let mut seen = BTreeSet::new();
        let mut updates = writer(f.id, &f.handoff);
        let mut task_rows = writer(f.task[0], &f.task[1..]);
        let (mut deals, mut task_count) = (0, 0);
        // Newest first: the first handoff met for a record is its latest.
        for h in handoffs::list(&self.conn, None)? {
            if !seen.insert(h.record_id) {
                continue;
            }
            if active.as_ref().is_some_and(|a| !a.contains(&h.id)) {
                continue;
            }
            let record = self.records().get(h.record_id)?;
            let Some(id) = record.external_id.as_deref() else {
                continue;
            };
            if record.source != crm.as_str() || record.kind != RecordKind::Deal {
                continue;
            }
            // The handoff's tasks, read once: the brief's first task is among them.
            let all_tasks = tasks::for_handoff(&self.conn, h.id)?;
            let first = all_tasks
                .iter()
                .find(|t| matches!(t.kind, TaskKind::Kickoff | TaskKind::FollowUp));
            let brief = crate::brief::build(&record, Some(&h), first);
            let handoff_tasks: Vec<&Task> = all_tasks
                .iter()
                .filter(|t| t.status != TaskStatus::Cancelled)
                .collect();
            write(
                &mut updates,
                &[
                    id,
                    status_words(h.status),
                    h.to_owner.as_deref().unwrap_or(""),
                    &kickoff_date(&handoff_tasks),
                    &h.missing_labels.join("; "),
                    &brief.one_line(),
                ],
            )?;
            deals += 1;
            for t in handoff_tasks {
                write(
                    &mut task_rows,
                    &[
                        id,
                        &record.name,
                        &t.title,
                        f.words.kind,
                        match t.status {
                            TaskStatus::Done => f.words.done,
                            _ => f.words.open,
                        },
                        &t.due.map(|d| d.to_string()).unwrap_or_default(),
                        t.assignee.as_deref().unwrap_or(""),
                        &task_notes(&h, t),
                    ],
                )?;
                task_count += 1;
            }
        }
        Ok(Writeback {
            crm,
            updates: finish(updates)?,
            tasks: finish(task_rows)?,
            deals,
            task_count,
        })
    }
}

/// The kickoff's date once it is scheduled.
fn kickoff_date(tasks: &[&Task]) -> String {
    tasks
        .iter()
        .find(|t| t.kind == TaskKind::Kickoff)
        .and_then(|t| t.kickoff_date)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

/// A task's checklist, one line each, ticked or not, under where it came from.
fn task_notes(h: &Handoff, t: &Task) -> String {
    let mut notes = format!("From Baton: {} handoff #{}", h.playbook, h.id);
    for item in &t.checklist {
        notes.push_str(if item.done { "\n[x] " } else { "\n[ ] " });
        notes.push_str(&item.item);
    }
    notes
}

fn writer(first: &str, rest: &[&str]) -> csv::Writer<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Headers are Baton's own constants: nothing to neutralise, and writing to memory only
    // fails on a logic error, reported by `finish`.
    let _ = w.write_record(std::iter::once(first).chain(rest.iter().copied()));
    w
}

/// One row, each cell neutralised against spreadsheet formulas (see [`crate::spreadsheet`]).
fn write(w: &mut csv::Writer<Vec<u8>>, cells: &[&str]) -> Result<()> {
    w.write_record(
        cells
            .iter()
            .map(|c| crate::spreadsheet::neutralise(c).into_owned()),
    )
    .map_err(|e| Error::invalid("writeback", e.to_string()))
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    w.into_inner()
        .map_err(|e| Error::invalid("writeback", e.to_string()))
}
