//! Reaching people where they already work, and only when the user says so: the welcome email
//! reviewed, then opened in the user's own mail app as a standard `.eml`; the kickoff invite as
//! an `.ics`; the brief as an email to a teammate who does not use Baton. Nothing here opens a
//! connection: Baton writes files, the user's mail app and calendar do the sending.

mod eml;
mod ics;
mod inbox;
pub(crate) mod queries;
pub mod webhooks;
pub mod writeback;

use crate::brief::Brief;
use crate::error::{Error, Result};
use crate::handoffs::queries::{handoffs, tasks};
use crate::model::Origin;
use crate::model::{
    DraftId, EventKind, Handoff, Person, Record, RecordId, Task, TaskId, TaskKind, TaskStatus,
};
use crate::workspace::queries::people;
use crate::workspace::{EmailDraft, Finish, Workspace};

/// The checklist line a sent welcome email ticks (the default playbooks' wording; any line
/// naming "welcome email" counts).
const WELCOME_LINE: &str = "welcome email";

impl Workspace {
    /// The person a handoff went to, who sends the welcome email and hosts the kickoff.
    fn delivery_owner(&self, h: &Handoff, record: &Record) -> Result<Person> {
        let name = h.to_owner.as_deref().ok_or_else(|| {
            Error::invalid(
                "handoff",
                format!(
                    "{}'s handoff has no new owner yet ({}); finish it first",
                    record.name,
                    crate::vocabulary::status_words(h.status).to_lowercase()
                ),
            )
        })?;
        people::get_by_name(&self.conn, name)?.ok_or_else(|| {
            Error::not_found(
                "person",
                name,
                "add them with: baton people add NAME --role delivery --email ADDRESS",
            )
        })
    }

    /// The kickoff invite of task `t` (see [`ics`]).
    fn invite_text(&self, t: &Task, record: &Record, owner: &Person, brief: &Brief) -> String {
        ics::kickoff(&ics::Kickoff {
            task: t,
            record,
            owner,
            brief,
            now: self.now(),
        })
    }
}

impl crate::workspace::concepts::Reach<'_> {
    /// Every welcome email draft, the ones still to send first.
    pub fn drafts(&self) -> Result<Vec<EmailDraft>> {
        handoffs::all_drafts(&self.conn)
    }

    /// One draft.
    pub fn draft(&self, id: DraftId) -> Result<EmailDraft> {
        draft_in(&self.conn, id)
    }

    /// The newest welcome email draft of `record`'s handoffs, when one was drafted.
    pub fn newest_draft(&self, record: RecordId) -> Result<Option<EmailDraft>> {
        handoffs::record_draft(&self.conn, record)
    }

    /// The newest welcome email draft of `record`'s handoffs.
    pub fn record_draft(&self, record: RecordId) -> Result<EmailDraft> {
        let r = self.records().get(record)?;
        self.reach().newest_draft(record)?.ok_or_else(|| {
            Error::not_found(
                "draft",
                &r.name,
                "a welcome email is drafted when a handoff reaches its new owner; list drafts with: baton drafts",
            )
        })
    }

    /// A person's edit of a draft before sending it: only what they edited changes (`None`
    /// leaves the subject or the body as it stands, a teammate's edit included); a sent draft
    /// no longer changes.
    pub fn edit_draft(
        &self,
        id: DraftId,
        subject: Option<&str>,
        body: Option<&str>,
        origin: Origin,
    ) -> Result<EmailDraft> {
        if subject.is_some_and(|s| s.trim().is_empty()) {
            return Err(Error::invalid("subject", "the email needs a subject"));
        }
        self.write_unless(origin, |cx| {
            let d = draft_in(cx.conn, id)?;
            refuse_sent(&d)?;
            let subject = subject.unwrap_or(&d.subject);
            let body = body.unwrap_or(&d.body);
            if d.subject == subject && d.body == body {
                return Ok(((), Finish::RollBack));
            }
            let record = crate::records::record_in(cx.conn, d.record_id)?;
            handoffs::edit_draft(cx.conn, id, subject, body, cx.stamp())?;
            cx.event(
                &record,
                Some(d.handoff_id),
                EventKind::DraftEdited,
                None,
                vec![],
                format!("Welcome email draft #{id} edited"),
            )?;
            Ok(((), Finish::Commit))
        })?;
        self.reach().draft(id)
    }

    /// Records that a person sent the draft from their mail app: who and when in the audit log,
    /// the kickoff task's "Send the welcome email" line ticked, the draft read-only from now on.
    /// A teammate who marked it sent first is named instead.
    pub fn mark_draft_sent(&self, id: DraftId, origin: Origin) -> Result<EmailDraft> {
        let me = self.me()?.map(|p| p.name);
        self.write(origin, |cx| {
            let d = draft_in(cx.conn, id)?;
            refuse_sent(&d)?;
            let record = crate::records::record_in(cx.conn, d.record_id)?;
            let who = me.as_deref().unwrap_or(&cx.actor);
            handoffs::mark_draft_sent(cx.conn, id, who, cx.stamp())?;
            let mut ticked = None;
            for t in tasks::for_handoff(cx.conn, d.handoff_id)? {
                if t.status != TaskStatus::Open {
                    continue;
                }
                let mut list = t.checklist;
                let Some(line) = list
                    .iter_mut()
                    .find(|i| i.item.to_lowercase().contains(WELCOME_LINE))
                else {
                    continue;
                };
                if !line.done {
                    line.done = true;
                    tasks::set_checklist(cx.conn, t.id, &list)?;
                }
                ticked = ticked.or(Some(t.id));
            }
            cx.event(
                &record,
                Some(d.handoff_id),
                EventKind::DraftSent,
                None,
                vec![],
                format!(
                    "Welcome email sent by {who} to {}{}",
                    d.recipient.as_deref().unwrap_or("the client"),
                    match ticked {
                        Some(task) => format!("; task #{task}'s checklist line ticked"),
                        None => String::new(),
                    }
                ),
            )
        })?;
        self.reach().draft(id)
    }

    /// The draft as a standard email file for the user's mail app: UTF-8, plain text and HTML,
    /// the kickoff invite attached, to the client's contact, from the delivery owner.
    pub fn draft_eml(&self, id: DraftId) -> Result<Vec<u8>> {
        let d = self.reach().draft(id)?;
        let (h, record) = (
            self.handoffs().get(d.handoff_id)?,
            self.records().get(d.record_id)?,
        );
        let owner = self.delivery_owner(&h, &record)?;
        let to = d
            .recipient
            .as_deref()
            .filter(|r| r.contains('@'))
            .map(|email| eml::Address {
                name: record.field("main_contact").map(str::to_string),
                email: email.to_string(),
            });
        let invite = match kickoff_of(&self.conn, &h)? {
            Some(t) => {
                Some(self.invite_text(&t, &record, &owner, &self.records().brief(record.id)?))
            }
            None => None,
        };
        eml::message(eml::Mail {
            from: address(&owner)?,
            to,
            subject: &d.subject,
            text: &d.body,
            html: eml::html_from_text(&d.body),
            date: self.now(),
            attachment: invite.as_deref().map(|ics| ("kickoff.ics", ics)),
        })
    }

    /// The kickoff invite of task `id` as an iCalendar file with one event.
    pub fn kickoff_ics(&self, id: TaskId) -> Result<String> {
        let t = self.handoffs().task(id)?;
        let record = self.records().get(t.record_id)?;
        let h = match t.handoff_id {
            Some(h) => self.handoffs().get(h)?,
            None => {
                return Err(Error::invalid(
                    "task",
                    format!(
                        "task #{id} belongs to no handoff; an invite is made for a kickoff task"
                    ),
                ))
            }
        };
        let owner = self.delivery_owner(&h, &record)?;
        let brief = self.records().brief(record.id)?;
        Ok(self.invite_text(&t, &record, &owner, &brief))
    }

    /// The brief of `record` as an email to its new owner: HTML and text, the invite attached.
    pub fn brief_eml(&self, record: RecordId) -> Result<Vec<u8>> {
        let r = self.records().get(record)?;
        let brief = self.records().brief(record)?;
        let h = self.reach().latest_handoff(record)?.ok_or_else(|| {
            Error::invalid(
                "record",
                format!(
                    "{} has no handoff yet, so there is no new owner to send the brief to",
                    r.name
                ),
            )
        })?;
        let owner = self.delivery_owner(&h, &r)?;
        let to = address(&owner)?;
        let from = match self.me()? {
            Some(me) if me.email.is_some() => address(&me)?,
            _ => to.clone(),
        };
        let invite = kickoff_of(&self.conn, &h)?.map(|t| self.invite_text(&t, &r, &owner, &brief));
        eml::message(eml::Mail {
            from,
            to: Some(to),
            subject: &format!("Handoff brief: {}", brief.title),
            text: &brief.to_markdown()?,
            html: brief.to_html()?,
            date: self.now(),
            attachment: invite.as_deref().map(|ics| ("kickoff.ics", ics)),
        })
    }

    /// The kickoff task of `record`'s latest handoff, whose invite the brief offers.
    pub fn kickoff_task(&self, record: RecordId) -> Result<Option<Task>> {
        match self.reach().latest_handoff(record)? {
            Some(h) => kickoff_of(&self.conn, &h),
            None => Ok(None),
        }
    }

    /// `record`'s latest handoff, the one its brief and its emails are about.
    pub fn latest_handoff(&self, record: RecordId) -> Result<Option<Handoff>> {
        Ok(handoffs::for_record(&self.conn, record)?.pop())
    }
}

fn kickoff_of(conn: &crate::db::sql::Db, h: &Handoff) -> Result<Option<Task>> {
    Ok(tasks::for_handoff(conn, h.id)?
        .into_iter()
        .find(|t| t.kind == TaskKind::Kickoff))
}

/// Draft `id` as `conn` has it now, or the sentence saying there is none.
fn draft_in(conn: &crate::db::sql::Db, id: DraftId) -> Result<EmailDraft> {
    handoffs::draft(conn, id)?
        .ok_or_else(|| Error::not_found("draft", id.to_string(), "list them with: baton drafts"))
}

fn refuse_sent(d: &EmailDraft) -> Result<()> {
    match (&d.sent_at, &d.sent_by) {
        (Some(at), by) => Err(Error::Conflict(format!(
            "the welcome email for {} was marked sent by {} at {at}; a sent email no longer changes",
            d.record,
            by.as_deref().unwrap_or("someone")
        ))),
        _ => Ok(()),
    }
}

/// A person as a mail address; the email is needed.
fn address(p: &Person) -> Result<eml::Address> {
    let email = p.email.clone().ok_or_else(|| {
        Error::invalid(
            "person",
            format!(
                "{} has no email address; add it with: baton people add \"{}\" --role {} --email ADDRESS",
                p.name,
                p.name,
                p.role.as_str()
            ),
        )
    })?;
    Ok(eml::Address {
        name: Some(p.name.clone()),
        email,
    })
}
