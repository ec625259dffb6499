//! Records: finding, listing, adding, moving, editing fields and flags; the brief.

mod board;
mod board_queries;
pub(crate) mod queries;

pub use board::{BoardCard, BoardColumn};
pub use queries::StageChange;

use crate::db::sql::Db;
use crate::error::{Error, Result};
use crate::fields;
use crate::handoffs::apply::{self, RuleEffects};
use crate::handoffs::brief::{self, Brief, CONTEXT_KEYS};
use crate::handoffs::queries::events::{self, Event};
use crate::handoffs::queries::{handoffs, playbooks, tasks};
use crate::handoffs::rules::Playbook;
use crate::model::{
    EventKind, ExceptionFlag, Handoff, HandoffId, Origin, Record, RecordId, RecordKind, Task,
    TaskKind,
};
use crate::stages;
use crate::workspace::write::Ctx;
use crate::workspace::{person_in, Finish, Workspace};
use queries as records;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A record to add by hand (`baton add`, the app's "new deal").
#[derive(Debug, Clone, Default)]
pub struct NewRecord {
    /// Deal or lead.
    pub kind: Option<RecordKind>,
    /// Its name.
    pub name: String,
    /// Its stage; the first stage of the pipeline when empty.
    pub stage: Option<String>,
    /// Its owner's name (must be on the team).
    pub owner: Option<String>,
    /// Other fields by key.
    pub fields: Vec<(String, String)>,
}

/// Everything the record screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct RecordDetail {
    /// The record.
    pub record: Record,
    /// Its handoffs, oldest first.
    pub handoffs: Vec<Handoff>,
    /// Tasks of those handoffs.
    pub tasks: Vec<Task>,
    /// Stage history, oldest first.
    pub history: Vec<StageChange>,
    /// Audit trail, oldest first.
    pub events: Vec<Event>,
    /// The newest welcome email draft of its handoffs, to review and send.
    pub draft: Option<crate::workspace::EmailDraft>,
}

impl Workspace {
    /// Changes record `id` as `change` says, on the record as it stands when the write reads
    /// it, and runs the rules on what changed; nothing is written when nothing changes.
    fn edit(
        &self,
        id: RecordId,
        origin: Origin,
        change: impl Fn(&Db, &[Playbook], &mut Record) -> Result<()>,
    ) -> Result<RuleEffects> {
        self.edit_by(|_| Ok(id), origin, change, |_, _| Ok(()))
    }

    /// [`Workspace::edit`] of the record `which` names inside the write (from reads sent
    /// before it, [`Records::find_later`]); `then` runs once the change is saved, before the
    /// commit (to send what is said of it with the commit).
    fn edit_by(
        &self,
        which: impl Fn(&Db) -> Result<RecordId>,
        origin: Origin,
        change: impl Fn(&Db, &[Playbook], &mut Record) -> Result<()>,
        then: impl Fn(&Db, RecordId) -> Result<()>,
    ) -> Result<RuleEffects> {
        self.write_unless(origin, |cx| {
            let id = which(cx.conn)?;
            ahead_of_edit(cx.conn, id, || {
                let before = record_in(cx.conn, id)?;
                // Read once: for the stages it may move to, and for the rules.
                let pbs = playbooks::list(cx.conn)?;
                let mut after = before.clone();
                change(cx.conn, &pbs, &mut after)?;
                if before == after {
                    return Ok((RuleEffects::default(), Finish::RollBack));
                }
                let fx = save_in(cx, &pbs, &before, &after, origin)?;
                then(cx.conn, id)?;
                Ok((fx, Finish::Commit))
            })
        })
    }
}

/// The reads that find a record by what a user typed, sent without waiting
/// ([`Records::find_later`]).
pub(crate) struct Finding {
    reference: String,
    by_id: Option<(RecordId, crate::db::sql::ReadSent)>,
    by_external: Option<crate::db::sql::ReadSent>,
}

/// The record `reference` names, of the one with that internal id (`by_id`) and those with
/// that CRM id (`by_ext`), or the sentence saying none or several do.
fn pick(reference: &str, by_id: Option<Record>, by_ext: Vec<Record>) -> Result<Record> {
    let (r, hint) = (reference, "list records with: baton records");
    match (by_id, by_ext.len()) {
        (Some(rec), 0) => Ok(rec),
        (Some(rec), _) if by_ext.iter().all(|e| e.id == rec.id) => Ok(rec),
        (None, 1) => Ok(by_ext
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("record", r, hint))?),
        (None, 0) => Err(Error::not_found("record", r, hint)),
        _ => Err(Error::Conflict(format!(
            "{r:?} matches more than one record; use #ID for Baton's own id (one of: {})",
            by_ext
                .iter()
                .map(|e| format!("#{} from {}", e.id, e.source))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Runs `edit` of record `id` with what it reads before it writes sent at once (on a team
/// workspace, one round trip where it took six): the record, the playbooks, and what a
/// hand-off it triggers reads — the record's handoffs, the team, the holidays, the webhooks.
/// None of it is written before it is read.
fn ahead_of_edit<T>(conn: &Db, id: RecordId, edit: impl FnOnce() -> Result<T>) -> Result<T> {
    use crate::db::ToValue;
    let (record, handoffs, webhooks) = (
        records::by_id(),
        crate::handoffs::queries::handoffs::for_record_sql(),
        crate::reach::queries::active_sql(),
    );
    let none: &[&dyn ToValue] = &[];
    conn.ahead(
        &[
            (&record, &[&id]),
            (playbooks::LIST, none),
            (&handoffs, &[&id]),
            (crate::workspace::queries::people::LIST, none),
            (crate::workspace::queries::people::HOLIDAYS, none),
            (&webhooks, none),
        ],
        edit,
    )
}

impl crate::workspace::concepts::Records<'_> {
    /// Finds a record by internal id (`12` or `#12`) or by the CRM's record id.
    pub fn find(&self, reference: &str) -> Result<Record> {
        let r = reference.trim();
        let hint = "list records with: baton records";
        if let Some(n) = r.strip_prefix('#') {
            let id = n
                .parse::<i64>()
                .map_err(|_| Error::not_found("record", r, hint))?;
            return records::get(&self.conn, RecordId(id))?
                .ok_or_else(|| Error::not_found("record", r, hint));
        }
        let number = r.parse::<i64>().ok().map(RecordId);
        let (by_id, by_ext): (Option<Record>, Vec<Record>) = match number {
            // Both read at once: one round trip on a team workspace.
            Some(n) => self.conn.ahead(
                &[
                    (&records::by_id(), &[&n]),
                    (&records::by_external_id(), &[&r]),
                ],
                || {
                    Ok((
                        records::get(&self.conn, n)?,
                        records::find_external(&self.conn, r)?,
                    ))
                },
            )?,
            None => (None, records::find_external(&self.conn, r)?),
        };
        pick(r, by_id, by_ext)
    }

    /// [`Records::find`]'s reads for `reference`, sent now without waiting: on a team
    /// workspace they come back with the next statement's answer (a write's first), and
    /// [`Records::found`] takes them. (`#ID` and a file: nothing is sent.)
    pub(crate) fn find_later(&self, reference: &str) -> Result<Finding> {
        let r = reference.trim();
        let mut finding = Finding {
            reference: r.to_string(),
            by_id: None,
            by_external: None,
        };
        if r.starts_with('#') {
            return Ok(finding);
        }
        if let Some(n) = r.parse::<i64>().ok().map(RecordId) {
            finding.by_id = Some((n, self.conn.read_later(&records::by_id(), [n])?));
        }
        finding.by_external = Some(self.conn.read_later(&records::by_external_id(), [r])?);
        Ok(finding)
    }

    /// The record `finding` names: from its reads' rows where they came back, else as
    /// [`Records::find`] reads it.
    fn found(&self, conn: &Db, finding: &Finding) -> Result<Record> {
        let r = finding.reference.as_str();
        let came = |later: &crate::db::sql::ReadSent| conn.later_rows(later, records::from_row);
        let by_external = match &finding.by_external {
            Some(later) => came(later)?,
            None => None,
        };
        let by_id = match &finding.by_id {
            Some((_, later)) => came(later)?.map(|mut rows| rows.pop()),
            None => None,
        };
        match (by_id, by_external, &finding.by_id) {
            (Some(by_id), Some(by_ext), _) => pick(r, by_id, by_ext),
            (None, Some(by_ext), None) => pick(r, None, by_ext),
            _ => self.find(r),
        }
    }

    /// Moves the record `reference` names (as [`Records::find`] finds it) to `stage`, and says
    /// how it and its latest handoff stand after: on a team workspace the finding goes with
    /// the write's first round trip and the saying with its commit, so a command pays for
    /// the move alone.
    pub fn move_named(
        &self,
        reference: &str,
        stage: &str,
        origin: Origin,
    ) -> Result<(RuleEffects, Record, Option<Handoff>)> {
        let finding = self.find_later(reference)?;
        let sent = finding.by_external.as_ref().is_some_and(|l| l.sent());
        // Not sent (a file, `#ID`): found first, as by `find`, outside the write.
        let known = match sent {
            true => None,
            false => Some(self.find(reference)?.id),
        };
        let which = std::cell::Cell::new(known);
        let said = std::cell::RefCell::new(None);
        let (record, theirs) = (records::by_id(), handoffs::for_record_sql());
        let fx = self.edit_by(
            |conn| match which.get() {
                Some(id) => Ok(id),
                None => {
                    let id = self.found(conn, &finding)?.id;
                    which.set(Some(id));
                    Ok(id)
                }
            },
            origin,
            |conn, pbs, r| {
                r.stage = check_stage_in(conn, pbs, r.kind, stage)?;
                Ok(())
            },
            |conn, id| {
                *said.borrow_mut() = Some((
                    conn.read_later(&record, [id])?,
                    conn.read_later(&theirs, [id])?,
                ));
                Ok(())
            },
        )?;
        let id = match which.get() {
            Some(id) => id,
            None => self.found(&self.conn, &finding)?.id,
        };
        if let Some((r, h)) = said.take() {
            let r = self.conn.later_rows(&r, records::from_row)?;
            let h = self.conn.later_rows(&h, handoffs::from_row)?;
            if let (Some(mut r), Some(mut h)) = (r, h) {
                if let Some(r) = r.pop() {
                    return Ok((fx, r, h.pop()));
                }
            }
        }
        let (r, h) = self.with_latest_handoff(id)?;
        Ok((fx, r, h))
    }

    /// A record by internal id.
    pub fn get(&self, id: RecordId) -> Result<Record> {
        record_in(&self.conn, id)
    }

    /// A record by internal id and its latest handoff (what a change to it is said with),
    /// read at once: on a team workspace, one round trip.
    pub fn with_latest_handoff(&self, id: RecordId) -> Result<(Record, Option<Handoff>)> {
        let (record, theirs) = (records::by_id(), handoffs::for_record_sql());
        self.conn
            .ahead(&[(&record, &[&id]), (&theirs, &[&id])], || {
                Ok((
                    record_in(&self.conn, id)?,
                    handoffs::for_record(&self.conn, id)?.pop(),
                ))
            })
    }

    /// Records, optionally of one kind and in one stage.
    pub fn list(&self, kind: Option<RecordKind>, stage: Option<&str>) -> Result<Vec<Record>> {
        let stage = stage.map(stages::canonical);
        records::list(&self.conn, kind, stage.as_deref())
    }

    /// [`crate::workspace::concepts::Records::list`] one at a time, as they are read: a listing of any size in
    /// constant memory. `each` may stop it with an error.
    pub fn for_each(
        &self,
        kind: Option<RecordKind>,
        stage: Option<&str>,
        each: impl FnMut(Record) -> Result<()>,
    ) -> Result<()> {
        let stage = stage.map(stages::canonical);
        records::for_each(&self.conn, kind, stage.as_deref(), each)
    }

    /// A record with its handoffs, tasks, stage history and audit trail.
    pub fn detail(&self, id: RecordId) -> Result<RecordDetail> {
        // All of it in two round trips on a team workspace: the record's own rows, then its
        // handoffs' tasks.
        let (record_sql, handoffs_sql, draft_sql) = (
            records::by_id(),
            handoffs::for_record_sql(),
            handoffs::record_draft_sql(),
        );
        let mine = [
            (record_sql.as_str(), &[&id as &dyn crate::db::ToValue][..]),
            (&handoffs_sql, &[&id]),
            (records::STAGE_HISTORY, &[&id]),
            (events::FOR_RECORD, &[&id]),
            (&draft_sql, &[&id]),
        ];
        self.conn.ahead(&mine, || {
            let record = self.records().get(id)?;
            let hs = handoffs::for_record(&self.conn, id)?;
            let tasks_sql = tasks::for_handoff_sql();
            let ids: Vec<&dyn crate::db::ToValue> = hs
                .iter()
                .map(|h| &h.id as &dyn crate::db::ToValue)
                .collect();
            let theirs: Vec<(&str, &[&dyn crate::db::ToValue])> = ids
                .iter()
                .map(|id| (tasks_sql.as_str(), std::slice::from_ref(id)))
                .collect();
            let ts = self.conn.ahead(&theirs, || {
                let mut ts = Vec::new();
                for h in &hs {
                    ts.extend(tasks::for_handoff(&self.conn, h.id)?);
                }
                Ok(ts)
            })?;
            Ok(RecordDetail {
                record,
                handoffs: hs,
                tasks: ts,
                history: records::stage_history(&self.conn, id)?,
                events: events::for_record(&self.conn, id)?,
                draft: handoffs::record_draft(&self.conn, id)?,
            })
        })
    }

    /// The stages a record of `kind` can be moved to, in pipeline order.
    pub fn known_stages(&self, kind: RecordKind) -> Result<Vec<String>> {
        known_stages_in(&self.conn, kind)
    }

    /// Adds a record by hand; the rules run as if it entered its stage.
    pub fn add(&self, new: NewRecord, origin: Origin) -> Result<RecordId> {
        let kind = new.kind.unwrap_or(RecordKind::Deal);
        if new.name.trim().is_empty() {
            return Err(Error::invalid("name", "a record needs a name"));
        }
        self.write(origin, |cx| {
            let pbs = playbooks::list(cx.conn)?;
            let stage = match &new.stage {
                Some(s) => check_stage_in(cx.conn, &pbs, kind, s)?,
                None => stages::default_stages(kind)[0].to_string(),
            };
            let owner = new
                .owner
                .as_deref()
                .map(|o| person_in(cx.conn, o).map(|p| p.name))
                .transpose()?;
            let mut record = Record {
                id: RecordId(0),
                kind,
                source: "baton".into(),
                external_id: None,
                name: new.name.trim().to_string(),
                stage,
                owner,
                fields: BTreeMap::new(),
                flags: BTreeSet::new(),
            };
            for (k, v) in &new.fields {
                apply_field(cx.conn, &mut record, k, v, true)?;
            }
            let stamp = cx.stamp();
            record.id = records::insert(cx.conn, &record, stamp)?;
            records::insert_stage_change(
                cx.conn,
                record.id,
                None,
                &record.stage,
                stamp,
                origin,
                None,
            )?;
            cx.event(
                &record,
                None,
                EventKind::Added,
                None,
                vec![],
                format!("{} added in {}", record.name, record.stage),
            )?;
            apply::record_changed(cx, &pbs, None, &record)?;
            Ok(record.id)
        })
    }

    /// Moves a record to another stage; entering a trigger stage fires its playbook.
    pub fn move_to(&self, id: RecordId, stage: &str, origin: Origin) -> Result<RuleEffects> {
        self.edit(id, origin, |conn, pbs, r| {
            r.stage = check_stage_in(conn, pbs, r.kind, stage)?;
            Ok(())
        })
    }

    /// Sets fields (`key=value`); filling the last missing field resumes a paused handoff.
    pub fn set_fields(
        &self,
        id: RecordId,
        pairs: &[(String, String)],
        origin: Origin,
    ) -> Result<RuleEffects> {
        self.edit(id, origin, |conn, _, r| {
            for (k, v) in pairs {
                apply_field(conn, r, k, v, false)?;
            }
            Ok(())
        })
    }

    /// Sets or clears an exception flag.
    pub fn set_flag(
        &self,
        id: RecordId,
        flag: &str,
        on: bool,
        origin: Origin,
    ) -> Result<RuleEffects> {
        let f = ExceptionFlag::from_user(flag).ok_or_else(|| {
            let keys: Vec<&str> = ExceptionFlag::ALL.iter().map(|f| f.as_str()).collect();
            Error::invalid(
                "flag",
                format!(
                    "{flag:?} is not an exception flag; use one of: {}",
                    keys.join(", ")
                ),
            )
        })?;
        self.edit(id, origin, |_, _, r| {
            if on {
                r.flags.insert(f);
            } else {
                r.flags.remove(&f);
            }
            Ok(())
        })
    }

    /// Stores one answer of the brief's human context on a handoff.
    pub fn set_context(&self, id: HandoffId, key: &str, value: &str, origin: Origin) -> Result<()> {
        check_context_key(key)?;
        self.write(origin, |cx| {
            let h = crate::handoffs::actions::handoff_in(cx.conn, id)?;
            let record = record_in(cx.conn, h.record_id)?;
            context_in(cx, &h, &record, &[(key, value)], false)
        })
    }

    /// The brief of a record's latest handoff (or of the record alone when it has none).
    pub fn brief(&self, id: RecordId) -> Result<Brief> {
        let record = self.records().get(id)?;
        let hs = handoffs::for_record(&self.conn, id)?;
        let latest = hs.last();
        let first = match latest {
            Some(h) => tasks::for_handoff(&self.conn, h.id)?
                .into_iter()
                .find(|t| matches!(t.kind, TaskKind::Kickoff | TaskKind::FollowUp)),
            None => None,
        };
        Ok(brief::build(&record, latest, first.as_ref()))
    }
}

/// Record `id` as `conn` has it now, or the sentence saying there is none.
pub(crate) fn record_in(conn: &Db, id: RecordId) -> Result<Record> {
    records::get(conn, id)?.ok_or_else(|| Error::not_found("record", id.to_string(), ""))
}

/// The stages a record of `kind` can be moved to, in pipeline order.
pub(crate) fn known_stages_in(conn: &Db, kind: RecordKind) -> Result<Vec<String>> {
    stages_known(conn, &playbooks::list(conn)?, kind)
}

/// [`known_stages_in`], with the playbooks `pbs` already read.
fn stages_known(conn: &Db, pbs: &[Playbook], kind: RecordKind) -> Result<Vec<String>> {
    let mut out: Vec<String> = stages::default_stages(kind)
        .iter()
        .map(|s| s.to_string())
        .collect();
    let extra = pbs
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.trigger_stage.clone())
        .chain(records::stages_in_use(conn, kind)?);
    for s in extra {
        if !out.iter().any(|o| stages::same(o, &s)) {
            out.push(s);
        }
    }
    Ok(out)
}

/// `stage` as a record of `kind` knows it, or the sentence listing the stages there are.
fn check_stage_in(conn: &Db, pbs: &[Playbook], kind: RecordKind, stage: &str) -> Result<String> {
    let known = stages_known(conn, pbs, kind)?;
    known
        .iter()
        .find(|k| stages::same(k, stage))
        .cloned()
        .ok_or_else(|| {
            Error::not_found(
                "stage",
                stage,
                format!("{kind} stages are: {}", known.join(", ")),
            )
        })
}

/// Sets field `key` of `r` to `value` as `set`, `add` and the wizard take it (`new_record`: a
/// custom field may be added).
pub(crate) fn apply_field(
    conn: &Db,
    r: &mut Record,
    key: &str,
    value: &str,
    new_record: bool,
) -> Result<()> {
    let key = key.trim();
    match key {
        "name" if value.trim().is_empty() => {
            return Err(Error::invalid("name", "a record needs a name"))
        }
        "name" => r.name = value.trim().to_string(),
        "stage" => {
            return Err(Error::invalid(
                "stage",
                "change the stage with: baton move RECORD STAGE",
            ))
        }
        "owner" if value.trim().is_empty() => r.owner = None,
        "owner" => r.owner = Some(person_in(conn, value)?.name),
        "flags" => {
            r.flags = ExceptionFlag::parse_list(value).map_err(|bad| {
                Error::invalid("flags", format!("{bad:?} is not an exception flag"))
            })?
        }
        k if fields::is_canonical(k)
            || r.fields.contains_key(k)
            || (new_record && !k.is_empty()) =>
        {
            let v = if fields::is_canonical(k) {
                fields::normalise(k, value)?
            } else {
                value.trim().to_string()
            };
            if v.is_empty() {
                r.fields.remove(k);
            } else {
                r.fields.insert(k.to_string(), v);
            }
        }
        k => {
            let mut known: Vec<&str> = fields::COMMON_FIELDS.to_vec();
            known.extend(match r.kind {
                RecordKind::Deal => fields::DELIVERY_FIELDS,
                RecordKind::Lead => fields::LEAD_FIELDS,
            });
            return Err(Error::invalid(
                k,
                format!("unknown field {k:?}; fields are: {}, flags, or a custom field the record already has", known.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Refuses a context key the brief does not ask for.
pub(crate) fn check_context_key(key: &str) -> Result<()> {
    if CONTEXT_KEYS.iter().any(|(k, _)| *k == key) {
        return Ok(());
    }
    let keys: Vec<&str> = CONTEXT_KEYS.iter().map(|(k, _)| *k).collect();
    Err(Error::invalid(
        key,
        format!("unknown context {key:?}; use one of: {}", keys.join(", ")),
    ))
}

/// Stores answers of the brief's human context on handoff `h`, one audit event per answer
/// (per answer that changed, with `only_changed`).
pub(crate) fn context_in(
    cx: &Ctx<'_>,
    h: &Handoff,
    record: &Record,
    answers: &[(&str, &str)],
    only_changed: bool,
) -> Result<()> {
    let mut ctx = h.context.clone();
    for (key, value) in answers {
        let before = ctx.get(*key).cloned().unwrap_or_default();
        if only_changed && value.trim() == before {
            continue;
        }
        if value.trim().is_empty() {
            ctx.remove(*key);
        } else {
            ctx.insert(key.to_string(), value.trim().to_string());
        }
        handoffs::set_context(cx.conn, h.id, &ctx)?;
        cx.event(
            record,
            Some(h.id),
            EventKind::Context,
            None,
            vec![key.to_string()],
            format!("Brief context \"{key}\" updated"),
        )?;
    }
    Ok(())
}

/// Writes `after` over `before` inside the caller's write: the record, its stage history, the
/// moved and edited audit events, then the rules.
pub(crate) fn save_in(
    cx: &Ctx<'_>,
    pbs: &[crate::handoffs::rules::Playbook],
    before: &Record,
    after: &Record,
    origin: Origin,
) -> Result<RuleEffects> {
    if before == after {
        return Ok(RuleEffects::default());
    }
    let stamp = cx.stamp();
    let moved = before.stage != after.stage;
    records::update(
        cx.conn,
        after,
        stamp,
        moved.then_some(records::Move {
            from: &before.stage,
            origin,
            import: cx.import(),
        }),
    )?;
    if moved {
        cx.event(
            after,
            None,
            EventKind::Moved,
            None,
            vec![],
            format!("Moved from {} to {}", before.stage, after.stage),
        )?;
    }
    let changed = changed_fields(before, after);
    if !changed.is_empty() {
        cx.event(
            after,
            None,
            EventKind::Edited,
            None,
            changed.clone(),
            format!("Changed {}", changed.join(", ")),
        )?;
    }
    for (kind, gone, from, to) in [
        (EventKind::Flagged, false, &before.flags, &after.flags),
        (EventKind::Unflagged, true, &after.flags, &before.flags),
    ] {
        let flags: Vec<&ExceptionFlag> = to.difference(from).collect();
        if flags.is_empty() {
            continue;
        }
        let words: Vec<&str> = flags.iter().map(|f| f.label()).collect();
        cx.event(
            after,
            None,
            kind,
            None,
            flags.iter().map(|f| f.as_str().to_string()).collect(),
            format!(
                "{} {}",
                if gone { "Cleared" } else { "Flagged" },
                words.join(", ")
            ),
        )?;
    }
    apply::record_changed(cx, pbs, Some(before), after)
}

fn changed_fields(before: &Record, after: &Record) -> Vec<String> {
    let mut out = Vec::new();
    if before.name != after.name {
        out.push("name".to_string());
    }
    if before.owner != after.owner {
        out.push("owner".to_string());
    }
    let keys: BTreeSet<&String> = before.fields.keys().chain(after.fields.keys()).collect();
    out.extend(
        keys.into_iter()
            .filter(|k| before.fields.get(*k) != after.fields.get(*k))
            .cloned(),
    );
    out
}
