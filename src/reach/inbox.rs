//! The notification inbox (what the desktop shows, once) and the welcome email drafts.

use crate::error::Result;
use crate::handoffs::queries::events::Notification;
use crate::handoffs::queries::handoffs::EmailDraft;
use crate::handoffs::queries::{events, handoffs};
use crate::model::{HandoffId, Origin};

impl crate::workspace::concepts::Reach<'_> {
    /// The welcome email drafts of a handoff.
    pub fn email_drafts(&self, id: HandoffId) -> Result<Vec<EmailDraft>> {
        handoffs::drafts(&self.conn, id)
    }

    /// Notifications waiting for the person using this laptop.
    pub fn pending_notifications(&self) -> Result<Vec<Notification>> {
        match self.me()? {
            Some(me) => events::pending(&self.conn, me.id),
            None => Ok(vec![]),
        }
    }

    /// Claims my undelivered notifications for showing, in one write: each is marked delivered
    /// as it is claimed, so two deliverers (the app and `baton inbox --follow`, or two of my
    /// laptops) never both get one. One that cannot be shown goes back with
    /// [`crate::workspace::concepts::Reach::release_notification`].
    pub fn claim_notifications(&self) -> Result<Vec<Notification>> {
        let Some(me) = self.me()? else {
            return Ok(vec![]);
        };
        if events::pending(&self.conn, me.id)?.is_empty() {
            return Ok(vec![]);
        }
        self.write(Origin::System, |cx| {
            let mut mine = vec![];
            for n in events::pending(cx.conn, me.id)? {
                if events::mark_delivered(cx.conn, n.id, cx.stamp())? {
                    mine.push(n);
                }
            }
            Ok(mine)
        })
    }

    /// On a team workspace, asks the server to say when a notification is committed by any
    /// teammate's Baton ([`crate::workspace::concepts::Reach::wait_for_inbox`] then waits for it).
    pub fn listen_to_inbox(&self) -> Result<()> {
        self.conn.listen_to_inbox()
    }

    /// On a team workspace, waits up to `timeout` for a notification to be committed anywhere
    /// (after [`crate::workspace::concepts::Reach::listen_to_inbox`]); whether one was.
    pub fn wait_for_inbox(&self, timeout: std::time::Duration) -> Result<bool> {
        self.conn.wait_for_wake(timeout)
    }

    /// Puts a claimed notification back, undelivered (it could not be shown).
    pub fn release_notification(&self, id: crate::model::NotificationId) -> Result<()> {
        self.write(Origin::System, |cx| events::release(cx.conn, id))
    }

    /// Marks a notification delivered; call only once it was shown.
    pub fn mark_delivered(&self, id: crate::model::NotificationId) -> Result<bool> {
        self.write(Origin::System, |cx| {
            events::mark_delivered(cx.conn, id, cx.stamp())
        })
    }
}
