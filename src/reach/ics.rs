//! The kickoff invite (RFC 5545): one VEVENT whose UID is stable per task, so exporting it again
//! updates the same event in the calendar. Written with the icalendar crate, which folds long
//! lines and escapes text values as the RFC asks.

use crate::brief::Brief;
use crate::model::{Person, Record, Task};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use sha2::{Digest, Sha256};

/// A kickoff starts at 10:00 in the attendees' own time (a floating time) unless moved.
const START: (u32, u32) = (10, 0);
/// Kickoffs take half an hour by default.
const MINUTES: i64 = 30;

pub(crate) struct Kickoff<'a> {
    pub task: &'a Task,
    pub record: &'a Record,
    pub owner: &'a Person,
    pub brief: &'a Brief,
    pub now: DateTime<Utc>,
}

/// The event's UID: the task and its record's identity in the CRM, the same on every export of
/// this task and different across workspaces.
pub(crate) fn uid(task: &Task, record: &Record) -> String {
    let who = format!(
        "{}:{}:{}",
        record.source,
        record.external_id.as_deref().unwrap_or(""),
        record.name
    );
    let digest = Sha256::digest(who.as_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("kickoff-{}-{short}@baton", task.id)
}

/// The calendar file's text.
pub(crate) fn kickoff(k: &Kickoff<'_>) -> String {
    let (day, scheduled) = match (k.task.kickoff_date, k.task.due) {
        (Some(d), _) => (Some(d), true),
        (None, due) => (due, false),
    };
    let a = &k.brief.answers;
    let mut description = format!(
        "Who owns the next step: {}\nWhat was promised: {}\nWhat the client expects next: {}\nWhich task starts work: {}",
        a.who_owns_next_step, a.what_was_promised, a.what_client_expects_next, a.which_task_starts_work
    );
    if !scheduled {
        description
            .push_str("\n\nProposed for the task's due date; move it to a time that suits you.");
    }
    let mut event = Event::new();
    event
        .uid(&uid(k.task, k.record))
        .summary(&format!("Kickoff: {}", k.record.name))
        .description(&description)
        .timestamp(k.now)
        .status(if scheduled {
            EventStatus::Confirmed
        } else {
            EventStatus::Tentative
        });
    if let Some(day) = day {
        let start = day
            .0
            .and_time(NaiveTime::from_hms_opt(START.0, START.1, 0).unwrap_or_default());
        event.starts(start).ends(start + Duration::minutes(MINUTES));
    }
    if let Some(email) = &k.owner.email {
        event.append_property(
            Property::new("ORGANIZER", format!("mailto:{email}"))
                .add_parameter("CN", &k.owner.name)
                .done(),
        );
    }
    let contact = k.record.field("contact_email").filter(|e| e.contains('@'));
    if let Some(email) = contact {
        let name = k.record.field("main_contact").unwrap_or(email);
        event.append_multi_property(attendee(name, email));
    }
    if let Some(email) = &k.owner.email {
        event.append_multi_property(attendee(&k.owner.name, email));
    }
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"));
    cal.append_property(Property::new("PRODID", "-//Baton//Kickoff invite//EN"));
    cal.append_property(Property::new("CALSCALE", "GREGORIAN"));
    // A request needs an organizer (RFC 5546); without the owner's email it is only published.
    let method = if k.owner.email.is_some() {
        "REQUEST"
    } else {
        "PUBLISH"
    };
    cal.append_property(Property::new("METHOD", method));
    cal.push(event.done());
    cal.done().to_string()
}

fn attendee(name: &str, email: &str) -> Property {
    Property::new("ATTENDEE", format!("mailto:{email}"))
        .add_parameter("CN", name)
        .add_parameter("ROLE", "REQ-PARTICIPANT")
        .add_parameter("PARTSTAT", "NEEDS-ACTION")
        .add_parameter("RSVP", "TRUE")
        .done()
}
