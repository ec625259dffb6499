//! Applies the engine's decisions inside the caller's transaction: handoff rows, tasks, drafts,
//! outbox notifications and one audit event per decision.

use super::queries::{handoffs, playbooks, tasks};
use crate::clock::Day;
use crate::db::sql::Db;
use crate::error::{Error, Result};
use crate::fields;
use crate::handoffs::queries::events::{self, Event};
use crate::handoffs::queries::tasks::NewTask;
use crate::handoffs::rules::{self, Decision, Outcome, OwnerRule, Playbook};
use crate::model::{
    ChecklistItem, EventKind, ExceptionFlag, HandoffId, HandoffStatus, Person, Record, Role,
    TaskId, TaskKind, TaskStatus,
};
use crate::reach::webhooks::{Announcement, What};
use crate::templates::render;
use crate::workspace::queries::people;
use crate::workspace::write::Ctx;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// What the handoff rules keep for the length of one write ([`Ctx::rules`]): an import hands
/// off many records, and each would otherwise read these again.
#[derive(Default)]
pub(crate) struct Kept {
    /// The team and its holidays, read the first time a rule needs them and read again after
    /// someone joins ([`Ctx::team_changed`]).
    team: std::cell::RefCell<Option<std::rc::Rc<Team>>>,
    /// The holidays of a team read before someone joined: only who is on it is read again.
    holidays: std::cell::RefCell<Option<BTreeSet<NaiveDate>>>,
    /// The health counts this write's handoffs add, written as it ends ([`Kept::finish`]).
    tally: std::cell::RefCell<handoffs::Tally>,
    /// Per playbook, the handoff its round-robin continues after, read once and then kept up
    /// to date as this write hands off new handoffs (an import hands off thousands); forgotten
    /// when anything else changes a handoff's owner or hand-off time.
    last: std::cell::RefCell<HashMap<String, Option<handoffs::LastHanded>>>,
    /// Ids reserved for the handoffs this write is about to start and for their first tasks,
    /// each in order ([`Ctx::reserve`]).
    reserved: std::cell::RefCell<(
        std::collections::VecDeque<HandoffId>,
        std::collections::VecDeque<TaskId>,
    )>,
}

impl Kept {
    /// Writes what the rules kept to write once, as the write ends: the health counts.
    pub(crate) fn finish(&self, conn: &Db) -> Result<()> {
        self.tally.borrow_mut().write(conn)
    }
}

/// What the rules read of the team: who is on it (in id order) and the days nobody works.
pub(crate) struct Team {
    pub people: Vec<Person>,
    pub holidays: BTreeSet<NaiveDate>,
}

impl Team {
    pub(crate) fn read(conn: &Db) -> Result<Team> {
        Ok(Team {
            people: people::list(conn)?,
            holidays: people::holidays(conn)?,
        })
    }
}

/// What the rules did, counted; an import sums these over its rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RuleEffects {
    /// Handoffs started (a record entered a trigger stage).
    pub fired: u64,
    /// Handoffs that paused for missing fields.
    pub paused: u64,
    /// Handoffs handed to the next owner.
    pub handed_off: u64,
    /// Handoffs routed to review.
    pub in_review: u64,
    /// Paused handoffs that resumed.
    pub resumed: u64,
    /// Handoffs cancelled because the record left the stage.
    pub cancelled: u64,
}

impl RuleEffects {
    /// Adds another count into this one.
    pub fn add(&mut self, o: RuleEffects) {
        self.fired += o.fired;
        self.paused += o.paused;
        self.handed_off += o.handed_off;
        self.in_review += o.in_review;
        self.resumed += o.resumed;
        self.cancelled += o.cancelled;
    }
}

impl Ctx<'_> {
    /// Gives the next handoffs this write starts, and their first tasks, these ids (a team
    /// import's run of new records, whose handoffs are known before they are written); any
    /// left from before are dropped.
    pub(crate) fn reserve(&self, (handoffs, tasks): (Vec<HandoffId>, Vec<TaskId>)) {
        *self.rules.reserved.borrow_mut() = (handoffs.into(), tasks.into());
    }

    /// The next owner `pb`'s round-robin continues after, as this write has left it.
    fn last_assignee(&self, pb: &str) -> Result<Option<String>> {
        if let Some(last) = self.rules.last.borrow().get(pb) {
            return Ok(last.as_ref().map(|l| l.owner.clone()));
        }
        let last = handoffs::last_handed(self.conn, pb)?;
        let owner = last.as_ref().map(|l| l.owner.clone());
        self.rules.last.borrow_mut().insert(pb.to_string(), last);
        Ok(owner)
    }

    /// Says this write handed off new handoff `h` of `pb` now, to `owner`.
    fn handed_off_new(&self, pb: &str, h: HandoffId, owner: Option<&str>) {
        let mut known = self.rules.last.borrow_mut();
        let (Some(owner), Some(last)) = (owner, known.get_mut(pb)) else {
            return;
        };
        let new = handoffs::LastHanded {
            at: Some(self.stamp().to_string()),
            id: h,
            owner: owner.to_string(),
        };
        if last.as_ref().is_none_or(|l| new.is_after(l)) {
            *last = Some(new);
        }
    }

    /// Says this write changed a handoff some other way: round-robins read the table again.
    fn handoffs_changed(&self) {
        self.rules.last.borrow_mut().clear();
    }

    pub fn event(
        &self,
        record: &Record,
        handoff: Option<HandoffId>,
        kind: EventKind,
        rule: Option<&str>,
        fields: Vec<String>,
        message: String,
    ) -> Result<()> {
        events::append(
            self.conn,
            &Event {
                at: self.at(),
                actor: self.actor.clone(),
                record_id: Some(record.id),
                handoff_id: handoff,
                kind,
                rule: rule.map(str::to_string),
                fields,
                message,
            },
        )
    }

    /// Creates a task and queues its notification in the same transaction.
    pub fn task(&self, t: NewTask<'_>, headline: &str) -> Result<TaskId> {
        let reserved = self.rules.reserved.borrow_mut().1.pop_front();
        let id = tasks::insert(self.conn, &t, self.stamp(), reserved)?;
        // The due date is the task's: the notification says it in the words of the laptop
        // that shows it (`Notification::text`).
        events::queue(
            self.conn,
            t.assignee,
            Some(id),
            headline,
            t.title,
            self.stamp(),
        )?;
        Ok(id)
    }

    pub fn due_in(&self, days: u32) -> Result<Day> {
        let team = self.team()?;
        Ok(Day(rules::add_business_days(
            self.today(),
            days,
            &team.holidays,
        )))
    }

    /// The team as this write has it.
    pub(crate) fn team(&self) -> Result<std::rc::Rc<Team>> {
        if let Some(t) = self.rules.team.borrow().as_ref() {
            return Ok(t.clone());
        }
        let t = std::rc::Rc::new(match self.rules.holidays.borrow_mut().take() {
            Some(holidays) => Team {
                people: people::list(self.conn)?,
                holidays,
            },
            None => Team::read(self.conn)?,
        });
        *self.rules.team.borrow_mut() = Some(t.clone());
        Ok(t)
    }

    /// Says this write changed who is on the team: the next rule reads it again (the
    /// holidays, which no write that changes the team changes, are kept).
    pub(crate) fn team_changed(&self) {
        let mut team = self.rules.team.borrow_mut();
        if let Some(t) = team.take() {
            *self.rules.holidays.borrow_mut() = Some(t.holidays.clone());
        }
    }
}

/// How many handoffs a record appearing as `r` starts, each with one first task (a record
/// that did not exist has no handoff to resume or cancel: every decision starts one).
pub(crate) fn fired_when_new(pbs: &[Playbook], r: &Record) -> usize {
    rules::decide(None, r, pbs, &[]).len()
}

/// Runs the rules for a record that changed from `before` to `after` and applies the decisions.
pub(crate) fn record_changed(
    cx: &Ctx<'_>,
    pbs: &[Playbook],
    before: Option<&Record>,
    after: &Record,
) -> Result<RuleEffects> {
    // A record that did not exist before has no handoffs yet.
    let open = match before {
        Some(_) => handoffs::open_for_record(cx.conn, after.id)?,
        None => vec![],
    };
    let mut fx = RuleEffects::default();
    for d in rules::decide(before, after, pbs, &open) {
        match d {
            Decision::Fire { playbook, outcome } => {
                let pb = find(pbs, &playbook)?;
                let missing: &[String] = match &outcome {
                    Outcome::Pause { missing } => missing,
                    _ => &[],
                };
                // The handoff is written in the state it enters, with the next owner chosen
                // first when it hands off: entering it then updates nothing.
                let (status, plan) = match &outcome {
                    Outcome::Pause { .. } => (HandoffStatus::Paused, None),
                    Outcome::Review { .. } => (HandoffStatus::InReview, None),
                    Outcome::HandOff => (
                        HandoffStatus::HandedOff,
                        Some(plan_after(
                            cx.conn,
                            &*cx.team()?,
                            cx.today(),
                            pb,
                            after,
                            &|| cx.last_assignee(&pb.key),
                        )?),
                    ),
                };
                let entered = handoffs::Entered {
                    status,
                    to: plan.as_ref().and_then(|p| p.assignee.as_deref()),
                };
                let h = handoffs::insert(
                    cx.conn,
                    after.id,
                    &pb.key,
                    missing,
                    after.owner.as_deref(),
                    cx.stamp(),
                    &mut cx.rules.tally.borrow_mut(),
                    entered,
                    cx.rules.reserved.borrow_mut().0.pop_front(),
                )?;
                if status == HandoffStatus::HandedOff {
                    cx.handed_off_new(&pb.key, h, entered.to);
                }
                cx.event(
                    after,
                    Some(h),
                    EventKind::Triggered,
                    Some(&pb.key),
                    vec![],
                    format!(
                        "{} entered {}: {} fired",
                        after.name, pb.trigger_stage, pb.name
                    ),
                )?;
                fx.fired += 1;
                enter_as(cx, pb, after, h, outcome, Some(Written { plan }), &mut fx)?;
            }
            Decision::Resume {
                handoff,
                playbook,
                outcome,
            } => {
                let pb = find(pbs, &playbook)?;
                tasks::close_open(
                    cx.conn,
                    handoff,
                    Some(TaskKind::CompleteFields),
                    TaskStatus::Done,
                    cx.stamp(),
                )?;
                cx.event(
                    after,
                    Some(handoff),
                    EventKind::Resumed,
                    Some(&pb.key),
                    vec![],
                    "Every required field is filled now: the handoff resumes".into(),
                )?;
                fx.resumed += 1;
                enter(cx, pb, after, handoff, outcome, &mut fx)?;
            }
            Decision::StillMissing { handoff, missing } => {
                handoffs::set_status(
                    cx.conn,
                    handoff,
                    HandoffStatus::Paused,
                    &missing,
                    cx.stamp(),
                )?;
                for t in tasks::for_handoff(cx.conn, handoff)? {
                    if t.kind == TaskKind::CompleteFields && t.status == TaskStatus::Open {
                        tasks::set_checklist(
                            cx.conn,
                            t.id,
                            &field_checklist(&t.checklist, &missing),
                        )?;
                    }
                }
                cx.event(
                    after,
                    Some(handoff),
                    EventKind::FieldsUpdated,
                    rule_of(&open, handoff),
                    missing.clone(),
                    format!("Still paused: {} missing", labels(&missing)),
                )?;
            }
            Decision::Cancel { handoff, stage } => {
                handoffs::set_status(cx.conn, handoff, HandoffStatus::Cancelled, &[], cx.stamp())?;
                tasks::close_open(cx.conn, handoff, None, TaskStatus::Cancelled, cx.stamp())?;
                cx.event(
                    after,
                    Some(handoff),
                    EventKind::Cancelled,
                    rule_of(&open, handoff),
                    vec![],
                    format!(
                        "{} moved to {stage}: the open handoff is cancelled and its tasks closed",
                        after.name
                    ),
                )?;
                fx.cancelled += 1;
            }
        }
    }
    Ok(fx)
}

/// The playbook key of one of the record's open handoffs (the engine only names those).
fn rule_of(open: &[rules::OpenHandoff], id: HandoffId) -> Option<&str> {
    open.iter()
        .find(|h| h.id == id)
        .map(|h| h.playbook.as_str())
}

pub(crate) fn find<'a>(pbs: &'a [Playbook], key: &str) -> Result<&'a Playbook> {
    pbs.iter()
        .find(|p| p.key == key)
        .ok_or_else(|| Error::not_found("playbook", key, ""))
}

/// The playbook a handoff runs under.
pub(crate) fn playbook_of(conn: &Db, key: &str) -> Result<Playbook> {
    find(&playbooks::list(conn)?, key).cloned()
}

fn labels(keys: &[String]) -> String {
    keys.iter()
        .map(|k| fields::label(k))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A complete-fields checklist: one line per field, ticked once it is no longer missing.
fn field_checklist(previous: &[ChecklistItem], missing: &[String]) -> Vec<ChecklistItem> {
    let mut items: Vec<ChecklistItem> = previous.to_vec();
    for m in missing {
        let label = fields::label(m);
        if !items.iter().any(|i| i.item == label) {
            items.push(ChecklistItem {
                item: label,
                done: false,
            });
        }
    }
    for i in &mut items {
        i.done = !missing.iter().any(|m| fields::label(m) == i.item);
    }
    items
}

/// Moves a handoff into the state an evaluation chose.
pub(crate) fn enter(
    cx: &Ctx<'_>,
    pb: &Playbook,
    record: &Record,
    h: HandoffId,
    outcome: Outcome,
    fx: &mut RuleEffects,
) -> Result<()> {
    enter_as(cx, pb, record, h, outcome, None, fx)
}

/// A handoff just written in the state its outcome gives it (see [`handoffs::Entered`]), with
/// the first task planned when it hands off.
struct Written {
    plan: Option<PlannedTask>,
}

/// [`enter`], for a handoff `written` already in its new state or not.
fn enter_as(
    cx: &Ctx<'_>,
    pb: &Playbook,
    record: &Record,
    h: HandoffId,
    outcome: Outcome,
    written: Option<Written>,
    fx: &mut RuleEffects,
) -> Result<()> {
    let fresh = written.is_some();
    match outcome {
        Outcome::Pause { missing } => {
            pause(cx, pb, record, h, &missing, fresh)?;
            fx.paused += 1;
        }
        Outcome::Review { flags } => {
            review(cx, pb, record, h, &flags, fresh)?;
            fx.in_review += 1;
        }
        Outcome::HandOff => {
            hand_off(cx, pb, record, h, written.and_then(|w| w.plan))?;
            fx.handed_off += 1;
        }
    }
    Ok(())
}

fn pause(
    cx: &Ctx<'_>,
    pb: &Playbook,
    record: &Record,
    h: HandoffId,
    missing: &[String],
    written: bool,
) -> Result<()> {
    if !written {
        handoffs::set_status(cx.conn, h, HandoffStatus::Paused, missing, cx.stamp())?;
    }
    let owner = match record.owner.clone() {
        Some(o) => Some(o),
        None => reviewer(&cx.team()?.people, pb),
    };
    let title = format!(
        "Complete the handoff of {}: {} missing",
        record.name,
        labels(missing)
    );
    let due = cx.due_in(1)?;
    let task = cx.task(
        NewTask {
            handoff: Some(h),
            record: record.id,
            kind: TaskKind::CompleteFields,
            title: &title,
            assignee: owner.as_deref(),
            due: Some(due),
            checklist: field_checklist(&[], missing),
        },
        "Handoff paused: fields missing",
    )?;
    cx.announce(Announcement {
        what: What::Paused,
        record,
        handoff: h,
        playbook: pb,
        task,
        task_title: &title,
        assignee: owner.as_deref(),
        due: Some(due),
        items: missing.iter().map(|k| fields::label(k)).collect(),
    })?;
    cx.event(
        record,
        Some(h),
        EventKind::Paused,
        Some(&pb.key),
        missing.to_vec(),
        format!(
            "Paused: {} missing; asked {}",
            labels(missing),
            owner.as_deref().unwrap_or("nobody (no owner)")
        ),
    )
}

/// Who reviews exceptions for `pb` among `team`: its reviewer, else the team's founder.
pub(crate) fn reviewer(team: &[Person], pb: &Playbook) -> Option<String> {
    if let Some(r) = &pb.reviewer {
        if let Some(p) = team.iter().find(|p| p.name.eq_ignore_ascii_case(r)) {
            return Some(p.name.clone());
        }
    }
    team.iter()
        .find(|p| p.role == Role::Founder)
        .map(|p| p.name.clone())
}

fn review(
    cx: &Ctx<'_>,
    pb: &Playbook,
    record: &Record,
    h: HandoffId,
    flags: &[ExceptionFlag],
    written: bool,
) -> Result<()> {
    if !written {
        handoffs::set_status(cx.conn, h, HandoffStatus::InReview, &[], cx.stamp())?;
    }
    let who = reviewer(&cx.team()?.people, pb).or_else(|| record.owner.clone());
    let words: Vec<&str> = flags.iter().map(|f| f.label()).collect();
    let title = format!("Review {}: {}", record.name, words.join(", "));
    let due = cx.due_in(1)?;
    let task = cx.task(
        NewTask {
            handoff: Some(h),
            record: record.id,
            kind: TaskKind::Review,
            title: &title,
            assignee: who.as_deref(),
            due: Some(due),
            checklist: words
                .iter()
                .map(|w| ChecklistItem {
                    item: format!("Check: {w}"),
                    done: false,
                })
                .collect(),
        },
        "Handoff needs your review",
    )?;
    cx.announce(Announcement {
        what: What::Review,
        record,
        handoff: h,
        playbook: pb,
        task,
        task_title: &title,
        assignee: who.as_deref(),
        due: Some(due),
        items: words.iter().map(|w| w.to_string()).collect(),
    })?;
    cx.event(
        record,
        Some(h),
        EventKind::InReview,
        Some(&pb.key),
        flags.iter().map(|f| f.as_str().to_string()).collect(),
        format!(
            "Routed to {} for review: {}",
            who.as_deref().unwrap_or("nobody"),
            words.join(", ")
        ),
    )
}

/// Template context shared by the task title and the welcome email.
fn template_context(record: &Record, to_owner: Option<&str>) -> minijinja::Value {
    minijinja::context! {
        record => minijinja::context! {
            name => record.name, stage => record.stage, owner => record.owner,
            kind => record.kind.as_str(), external_id => record.external_id,
        },
        fields => record.fields,
        to_owner => to_owner,
    }
}

/// The first delivery step a hand-off creates: who gets it, why, and the task itself. The
/// wizard shows it before the user hands off; `hand_off` creates exactly this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedTask {
    /// Kickoff or follow-up.
    pub kind: TaskKind,
    /// The task's title.
    pub title: String,
    /// The next owner, if anyone could be chosen.
    pub assignee: Option<String>,
    /// Why that person, in words.
    pub reason: String,
    /// Due date, `YYYY-MM-DD`, in business days from today.
    pub due: Day,
    /// The playbook's checklist.
    pub checklist: Vec<String>,
}

pub(crate) fn plan_first_task(
    conn: &Db,
    facts: &Team,
    today: NaiveDate,
    pb: &Playbook,
    record: &Record,
) -> Result<PlannedTask> {
    plan_after(conn, facts, today, pb, record, &|| {
        handoffs::last_assignee(conn, &pb.key)
    })
}

/// [`plan_first_task`], with `last` saying whom the playbook's round-robin continues after.
fn plan_after(
    conn: &Db,
    facts: &Team,
    today: NaiveDate,
    pb: &Playbook,
    record: &Record,
    last: &dyn Fn() -> Result<Option<String>>,
) -> Result<PlannedTask> {
    let team = &facts.people;
    // Each rule reads only what it needs: these queries run once per handoff in an import.
    let (last, load) = match &pb.owner_rule {
        OwnerRule::RoundRobin { .. } => (last()?, HashMap::new()),
        OwnerRule::LeastOpenTasks { role } => (
            None,
            tasks::open_counts(
                conn,
                team.iter()
                    .filter(|p| p.role == *role)
                    .map(|p| p.name.as_str()),
            )?,
        ),
        OwnerRule::Fixed { .. } => (None, HashMap::new()),
    };
    let mut choice = rules::assign(&pb.owner_rule, team, last.as_deref(), &load);
    if choice.person.is_none() {
        let fallback = reviewer(team, pb).or_else(|| record.owner.clone());
        choice.reason = format!(
            "{}; fell back to {}",
            choice.reason,
            fallback.as_deref().unwrap_or("nobody")
        );
        choice.person = fallback;
    }
    let ctx = template_context(record, choice.person.as_deref());
    Ok(PlannedTask {
        kind: pb.first_task,
        title: render("task_title", &pb.task_title, ctx.clone())?,
        due: Day(rules::add_business_days(
            today,
            pb.due_business_days,
            &facts.holidays,
        )),
        assignee: choice.person,
        reason: choice.reason,
        checklist: pb.checklist.clone(),
    })
}

/// Hands `h` off: its next owner and status (unless it was written handed off, to the owner
/// `planned` names), the first task, its announcement, the welcome email and the audit event.
fn hand_off(
    cx: &Ctx<'_>,
    pb: &Playbook,
    record: &Record,
    h: HandoffId,
    planned: Option<PlannedTask>,
) -> Result<()> {
    let plan = match planned {
        Some(plan) => plan,
        None => {
            cx.handoffs_changed();
            let plan = plan_first_task(cx.conn, &*cx.team()?, cx.today(), pb, record)?;
            handoffs::hand_off(cx.conn, h, plan.assignee.as_deref(), cx.stamp())?;
            plan
        }
    };
    let to = plan.assignee.as_deref();
    let ctx = template_context(record, to);
    let (title, due) = (&plan.title, plan.due);
    let headline = match pb.first_task {
        TaskKind::FollowUp => "New lead to follow up",
        _ => "New kickoff task",
    };
    let task = cx.task(
        NewTask {
            handoff: Some(h),
            record: record.id,
            kind: pb.first_task,
            title,
            assignee: to,
            due: Some(due),
            checklist: pb
                .checklist
                .iter()
                .map(|i| ChecklistItem {
                    item: i.clone(),
                    done: false,
                })
                .collect(),
        },
        headline,
    )?;
    cx.announce(Announcement {
        what: What::HandedOff,
        record,
        handoff: h,
        playbook: pb,
        task,
        task_title: title,
        assignee: to,
        due: Some(due),
        items: vec![],
    })?;
    let subject = render("email_subject", &pb.email_subject, ctx.clone())?;
    let body = render("email_body", &pb.email_body, ctx)?;
    let recipient = record
        .field("contact_email")
        .or(record.field("main_contact"));
    handoffs::insert_draft(cx.conn, h, recipient, &subject, &body, cx.stamp())?;
    cx.event(record, Some(h), EventKind::HandedOff, Some(&pb.key), vec![],
        format!("Handed off to {} ({}); task #{task} \"{title}\" due {due}; brief linked; welcome email drafted for review",
            to.unwrap_or("nobody"), plan.reason))
}

/// Applies the steps of a human decision on handoff `h` (see [`rules::decide_act`]).
pub(crate) fn steps(
    cx: &Ctx<'_>,
    pb: &Playbook,
    record: &Record,
    h: &crate::model::Handoff,
    steps: Vec<rules::Step>,
) -> Result<RuleEffects> {
    cx.handoffs_changed();
    let mut fx = RuleEffects::default();
    for step in steps {
        match step {
            rules::Step::CloseTasks { kind, status } => {
                tasks::close_open(cx.conn, h.id, Some(kind), status, cx.stamp())?;
            }
            rules::Step::Task {
                task,
                status,
                kickoff,
            } => task_step(cx, task, status, kickoff)?,
            rules::Step::Status(status) => {
                handoffs::set_status(cx.conn, h.id, status, &[], cx.stamp())?;
            }
            rules::Step::Note(note) => handoffs::set_note(cx.conn, h.id, &note)?,
            rules::Step::Rework {
                title,
                reason,
                headline,
            } => {
                // The rework goes back to whoever handed it over.
                let owner = h.from_owner.clone().or(record.owner.clone());
                cx.task(
                    NewTask {
                        handoff: Some(h.id),
                        record: record.id,
                        kind: TaskKind::CompleteFields,
                        title: &title,
                        assignee: owner.as_deref(),
                        due: Some(cx.due_in(1)?),
                        checklist: vec![ChecklistItem {
                            item: reason,
                            done: false,
                        }],
                    },
                    headline,
                )?;
            }
            rules::Step::Event { kind, message } => {
                cx.event(record, Some(h.id), kind, Some(&pb.key), vec![], message)?;
            }
            rules::Step::Enter(outcome) => enter(cx, pb, record, h.id, outcome, &mut fx)?,
        }
    }
    Ok(fx)
}

/// Marks a task, with the kickoff date it records.
pub(crate) fn task_step(
    cx: &Ctx<'_>,
    task: TaskId,
    status: TaskStatus,
    kickoff: Option<NaiveDate>,
) -> Result<()> {
    if let Some(day) = kickoff {
        tasks::set_kickoff_date(cx.conn, task, Day(day))?;
    }
    tasks::set_status(cx.conn, task, status, cx.stamp())
}
