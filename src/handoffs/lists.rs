//! Handoffs, their tasks and the playbooks, as the workspace lists and keeps them.

use crate::error::{Error, Result};
use crate::handoffs::queries::{handoffs, playbooks, tasks};
use crate::handoffs::rules::{Playbook, PlaybookFile};
use crate::model::{Handoff, HandoffId, HandoffStatus, Origin, Task, TaskId};

impl crate::workspace::concepts::Handoffs<'_> {
    /// The playbooks, in order.
    pub fn playbooks(&self) -> Result<Vec<Playbook>> {
        playbooks::list(&self.conn)
    }

    /// Replaces every playbook (validated first; nothing changes on error).
    pub fn replace_playbooks(&self, new: &[Playbook], origin: Origin) -> Result<()> {
        if new.is_empty() {
            return Err(Error::invalid(
                "playbooks",
                "the file holds no playbooks; keep at least one",
            ));
        }
        PlaybookFile::from_toml(
            &PlaybookFile {
                playbooks: new.to_vec(),
            }
            .to_toml()?,
        )?;
        self.write(origin, |cx| playbooks::replace_all(cx.conn, new))
    }

    /// Handoffs, optionally with one status, newest first.
    pub fn list(&self, status: Option<HandoffStatus>) -> Result<Vec<Handoff>> {
        handoffs::list(&self.conn, status)
    }

    /// The handoffs waiting for review, each with who reviews it and whether I may decide it:
    /// on a team workspace the reviewer (the deal's owner when the team names none) and
    /// admins, as the database enforces; on a file, whoever uses it.
    pub fn review_queue(&self) -> Result<Vec<Review>> {
        // Drawn again, the screen reads all it needs at once (on a team workspace).
        self.conn.reading("review", || {
            let waiting = handoffs::list(&self.conn, Some(HandoffStatus::InReview))?;
            let team = self.team().people()?;
            let pbs = playbooks::list(&self.conn)?;
            let me = self.me()?.map(|p| p.name.to_lowercase());
            let admin = self.login.as_ref().is_none_or(|l| l.admin);
            Ok(waiting
                .into_iter()
                .map(|h| {
                    let reviewer = crate::handoffs::apply::find(&pbs, &h.playbook)
                        .ok()
                        .and_then(|pb| crate::handoffs::apply::reviewer(&team, pb))
                        .or_else(|| h.from_owner.clone());
                    let mine = me.is_some() && reviewer.as_ref().map(|r| r.to_lowercase()) == me;
                    Review {
                        handoff: h,
                        reviewer,
                        may_decide: admin || mine,
                    }
                })
                .collect())
        })
    }

    /// One handoff.
    pub fn get(&self, id: HandoffId) -> Result<Handoff> {
        crate::handoffs::actions::handoff_in(&self.conn, id)
    }

    /// Tasks; `assignee` may be a name or `me`.
    pub fn tasks(&self, assignee: Option<&str>, open_only: bool) -> Result<Vec<Task>> {
        self.conn
            .reading("tasks", || self.tasks_now(assignee, open_only))
    }

    fn tasks_now(&self, assignee: Option<&str>, open_only: bool) -> Result<Vec<Task>> {
        let person = match assignee {
            Some(a) if a.eq_ignore_ascii_case("me") => Some(self.me()?.ok_or_else(|| {
                Error::invalid("--assignee", self.nobody_is_me("nobody is marked as you yet; run: baton people add NAME --role founder --me"))
            })?.id),
            Some(a) => Some(self.team().person(a)?.id),
            None => None,
        };
        tasks::list(&self.conn, person, open_only)
    }

    /// How many open tasks the person using this laptop has (none when nobody is marked as
    /// them): the window's title and badge say it after every change, so it is counted, not
    /// listed.
    pub fn my_open_task_count(&self) -> Result<usize> {
        match self.me()? {
            Some(me) => tasks::count_open(&self.conn, me.id),
            None => Ok(0),
        }
    }

    /// One task.
    pub fn task(&self, id: TaskId) -> Result<Task> {
        crate::handoffs::actions::task_in(&self.conn, id)
    }
}

/// A handoff waiting for review, as the review queue shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Review {
    /// The handoff.
    #[serde(flatten)]
    pub handoff: Handoff,
    /// Who reviews it.
    pub reviewer: Option<String>,
    /// Whether the person using Baton may approve or send it back.
    pub may_decide: bool,
}
