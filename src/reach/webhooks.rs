//! Chat webhooks, opt-in: a hand-off, a pause (with the missing fields) and a review request
//! each post one message to the Slack, Microsoft Teams or Google Chat channel (or the JSON
//! endpoint) the user added. The post is queued in the transaction that made the decision and
//! delivered after it commits — never inside it — so a slow or failing server never holds up or
//! undoes a hand-off. Each attempt and its HTTP status go in the audit log; failures are retried
//! with growing gaps and shown in Settings.
//!
//! A webhook's address is a secret (whoever has it can post to the channel): it lives in the
//! OS keyring (Keychain, Credential Manager, the Secret Service on Linux), never in the
//! workspace, a log or an error. The workspace keeps the kind, the host and the key it is filed
//! under. These posts are the only requests a local workspace sends, and only once a webhook
//! exists.

use super::queries::{self as hooks, Claimed};
use crate::clock::{Day, Stamp};
use crate::error::{Error, Result};
use crate::handoffs::queries::events::{self, Event};
use crate::handoffs::rules::Playbook;
use crate::model::{EventKind, HandoffId, Origin, PostId, Record, TaskId, WebhookId, WebhookKind};
use crate::templates::escape_chat;
use crate::workspace::write::{stamp, Ctx};
use crate::workspace::Workspace;
use chrono::Duration as Span;
use serde::Serialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// An import that would post more than this many messages to one webhook posts one summary
/// instead: a first import of a CRM's history must not flood the channel.
const DIGEST_AFTER: usize = 5;
/// The keyring's service name the addresses are filed under.
const KEYRING_SERVICE: &str = "dev.baton.desktop webhook";
/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How long a claimed post is held before another deliverer may take it.
const CLAIM: i64 = 60;
/// The gaps between attempts; after the last, the app stops retrying (`outbox send` still
/// tries).
const BACKOFF_SECS: &[i64] = &[30, 120, 600, 1800, 3600, 7200, 14400, 28800];

/// A chat webhook as listed: where it posts, for which playbook, how its posts stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// Its id.
    pub id: WebhookId,
    /// Slack, Teams, Google Chat or JSON.
    pub kind: WebhookKind,
    /// The host posts go to (the address itself is in the keyring).
    pub host: String,
    /// The playbook it is for; `None`: every playbook.
    pub playbook: Option<String>,
    /// When it was added.
    pub created_at: String,
    /// Posts delivered.
    pub delivered: u64,
    /// Posts still to deliver.
    pub pending: u64,
    /// The latest attempt's HTTP status, if the server answered.
    pub last_status: Option<u16>,
    /// Why the latest attempt failed, in words, if it did.
    pub last_error: Option<String>,
    /// When the post that failed is tried again.
    pub next_attempt_at: Option<String>,
}

/// What a delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Posts that landed.
    pub sent: u64,
    /// Posts that failed this time, one sentence each.
    pub failed: Vec<String>,
}

/// Which posts a delivery run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Those whose next attempt has come (the app's background loop).
    Now,
    /// Every one still undelivered, whatever its schedule (`baton outbox send`).
    All,
    /// Those queued after this post (what one command just queued).
    After(PostId),
}

/// Why a post is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum What {
    HandedOff,
    Paused,
    Review,
    Test,
}

impl What {
    fn as_str(self) -> &'static str {
        match self {
            What::HandedOff => "handed_off",
            What::Paused => "paused",
            What::Review => "review",
            What::Test => "test",
        }
    }
}

/// A decision to announce: the record, its handoff and the task it created.
pub(crate) struct Announcement<'a> {
    pub what: What,
    pub record: &'a Record,
    pub handoff: HandoffId,
    pub playbook: &'a Playbook,
    pub task: TaskId,
    pub task_title: &'a str,
    /// Who has the task.
    pub assignee: Option<&'a str>,
    pub due: Option<Day>,
    /// Missing fields or exception flags, in words.
    pub items: Vec<String>,
}

/// The message in words, before it takes a service's shape.
struct Message {
    title: String,
    line: String,
}

impl Announcement<'_> {
    fn message(&self) -> Message {
        let who = self.assignee.unwrap_or("nobody (no owner)");
        let due = self.due.map(|d| format!(", due {d}")).unwrap_or_default();
        let name = &self.record.name;
        match self.what {
            What::HandedOff => Message {
                title: format!("Handed off: {name}"),
                line: format!(
                    "{who} has task #{} \"{}\"{due} ({}).",
                    self.task, self.task_title, self.playbook.name
                ),
            },
            What::Paused => Message {
                title: format!("Paused: {name}"),
                line: format!(
                    "Missing {}. {who} is asked to fill them (task #{}{due}).",
                    self.items.join(", "),
                    self.task
                ),
            },
            What::Review | What::Test => Message {
                title: format!("Needs review: {name}"),
                line: format!(
                    "{}. {who} reviews it (task #{}{due}).",
                    self.items.join(", "),
                    self.task
                ),
            },
        }
    }

    fn json(&self, m: &Message) -> serde_json::Value {
        json!({
            "event": self.what.as_str(),
            "title": m.title,
            "text": m.line,
            "record": {
                "id": self.record.id,
                "name": self.record.name,
                "crm": self.record.source,
                "crm_id": self.record.external_id,
            },
            "handoff_id": self.handoff,
            "playbook": self.playbook.key,
            "task": {"id": self.task, "title": self.task_title, "due": self.due.map(|d| d.to_string())},
            "assignee": self.assignee,
            "missing": if self.what == What::Paused { self.items.clone() } else { vec![] },
            "flags": if self.what == What::Review { self.items.clone() } else { vec![] },
        })
    }
}

/// The body posted to a `kind` webhook.
fn body(kind: WebhookKind, m: &Message, json: impl FnOnce() -> serde_json::Value) -> String {
    let v = match kind {
        WebhookKind::Slack | WebhookKind::Gchat => json!({
            "text": format!("*{}*\n{}", escape_chat(&m.title), escape_chat(&m.line)),
        }),
        // A Teams workflow's "post to a channel when a webhook request is received" takes a
        // message with an Adaptive Card.
        WebhookKind::Teams => json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": m.title, "weight": "Bolder", "wrap": true},
                        {"type": "TextBlock", "text": m.line, "wrap": true},
                    ],
                },
            }],
        }),
        WebhookKind::Json => json(),
    };
    v.to_string()
}

impl Ctx<'_> {
    /// The chat webhooks in use, read once per write.
    pub(crate) fn webhooks(&self) -> Result<&[hooks::Stored]> {
        if let Some(w) = self.webhooks.get() {
            return Ok(w);
        }
        let read = hooks::active(self.conn)?;
        Ok(self.webhooks.get_or_init(|| read))
    }

    /// Queues the announcement for every webhook of its playbook (or of every playbook), due
    /// now; delivered once this transaction commits.
    pub(crate) fn announce(&self, a: Announcement<'_>) -> Result<()> {
        let hooks = self.webhooks()?;
        if hooks.is_empty() {
            return Ok(());
        }
        let m = a.message();
        for w in hooks.iter().filter(|w| {
            w.playbook
                .as_deref()
                .is_none_or(|p| p.eq_ignore_ascii_case(&a.playbook.key))
        }) {
            self.posted(hooks::queue(
                self.conn,
                w.id,
                (Some(a.record.id), Some(a.handoff)),
                a.what.as_str(),
                &body(w.kind, &m, || a.json(&m)),
                self.stamp(),
            )?);
        }
        Ok(())
    }
}

/// Folds what an import queued (it runs alone: every post from its first on) into one summary
/// per webhook that would get more than [`DIGEST_AFTER`] posts: how many were handed off,
/// paused and sent to review.
pub(crate) fn digest_import(cx: &Ctx<'_>, file: &str) -> Result<()> {
    let Some(first) = cx.first_post.get() else {
        return Ok(());
    };
    let mark = PostId(first.0 - 1);
    let queued = hooks::queued_after(cx.conn, mark)?;
    if queued.len() <= DIGEST_AFTER {
        return Ok(());
    }
    for w in cx.webhooks()? {
        let mine: Vec<&str> = queued
            .iter()
            .filter(|(_, hook, _)| *hook == w.id)
            .map(|(_, _, what)| what.as_str())
            .collect();
        if mine.len() <= DIGEST_AFTER {
            continue;
        }
        let count = |what: What| mine.iter().filter(|w| **w == what.as_str()).count();
        let (handed, paused, review) = (
            count(What::HandedOff),
            count(What::Paused),
            count(What::Review),
        );
        let m = Message {
            title: format!("Import of {file}: {} handoffs", mine.len()),
            line: format!(
                "{handed} handed off, {paused} paused for missing fields, {review} sent to review. Baton's Handoffs screen lists them."
            ),
        };
        let json = || {
            json!({
                "event": "import",
                "title": m.title,
                "text": m.line,
                "file": file,
                "handed_off": handed,
                "paused": paused,
                "review": review,
            })
        };
        hooks::drop_queued_after(cx.conn, w.id, mark)?;
        cx.posted(hooks::queue(
            cx.conn,
            w.id,
            (None, None),
            "import",
            &body(w.kind, &m, json),
            cx.stamp(),
        )?);
    }
    Ok(())
}

/// The address of a webhook in the keyring.
fn entry(secret_ref: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(KEYRING_SERVICE, secret_ref).map_err(keyring_error)
}

fn keyring_error(e: keyring::Error) -> Error {
    Error::invalid(
        "keyring",
        format!("this computer's keyring is not available ({e}); Baton keeps webhook addresses there — on Linux, a Secret Service such as GNOME Keyring or KWallet must be running"),
    )
}

/// Checks an address a person gave: https (http only to this computer), with a host. Returns
/// the host.
fn check_url(url: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::invalid("webhook", format!("that is not a webhook address: {why}; paste the whole https://… address the chat app gave you"))
    };
    let uri: ureq::http::Uri = url.trim().parse().map_err(|_| bad("it does not parse"))?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("it has no host"))?
        .to_string();
    let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]" | "::1");
    match uri.scheme_str() {
        Some("https") => Ok(host),
        Some("http") if local => Ok(host),
        Some("http") => Err(bad(
            "it is http, and a webhook's messages must go over https",
        )),
        _ => Err(bad("it does not start with https://")),
    }
}

/// How a test post went: the status it was answered with, or its failure (from
/// [`crate::workspace::concepts::Reach::finish_post`]) as the error.
pub fn tested(failure: Option<String>, outcome: &PostOutcome) -> Result<u16> {
    match (failure, outcome) {
        (Some(why), _) => Err(Error::invalid("webhook", why)),
        (None, PostOutcome::Answered(status)) => Ok(*status),
        (None, PostOutcome::Failed(why)) => Err(Error::invalid("webhook", why.clone())),
    }
}

/// A key no other webhook, on this or another workspace, is filed under.
fn new_secret_ref(conn_hint: &str) -> String {
    use sha2::{Digest, Sha256};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = format!("{conn_hint}|{nanos}|{}", std::process::id());
    let hash = Sha256::digest(seed.as_bytes());
    let hex: String = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("webhook-{hex}")
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostOutcome {
    /// The server answered with this status.
    Answered(u16),
    /// No answer: why, in words that never include the address.
    Failed(String),
}

use PostOutcome as Outcome;

/// A post claimed for delivery: sent with [`PostJob::send`] (outside any lock on the
/// workspace), then written with [`crate::workspace::concepts::Reach::finish_post`].
#[derive(Debug, Clone)]
pub struct PostJob(Claimed);

impl PostJob {
    /// The post's id.
    pub fn id(&self) -> PostId {
        self.0.id
    }

    /// Reads the address from the keyring and posts. Only a keyring that cannot be reached at
    /// all is an error; everything else is an outcome to record.
    pub fn send(&self) -> Result<PostOutcome> {
        let job = &self.0;
        Ok(match entry(&job.webhook.secret_ref)?.get_password() {
            Ok(url) => post(&url, &job.webhook.host, &job.body),
            Err(keyring::Error::NoEntry) => Outcome::Failed(
                "its address is not in this computer's keyring; remove the webhook and add it again".into(),
            ),
            Err(e) => return Err(keyring_error(e)),
        })
    }
}

/// Posts `body` to `url`. Errors are told by kind and host only: the address is a secret.
fn post(url: &str, host: &str, body: &str) -> Outcome {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    match agent
        .post(url)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", concat!("Baton/", env!("CARGO_PKG_VERSION")))
        .send(body)
    {
        Ok(res) => Outcome::Answered(res.status().as_u16()),
        Err(e) => Outcome::Failed(match e {
            ureq::Error::Timeout(_) => {
                format!("{host} did not answer within {} seconds", TIMEOUT.as_secs())
            }
            ureq::Error::HostNotFound => format!("{host} was not found; check the network"),
            ureq::Error::ConnectionFailed => format!("could not connect to {host}"),
            ureq::Error::Io(io) => format!("the connection to {host} failed ({})", io.kind()),
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
                format!("the secure connection to {host} failed")
            }
            _ => format!("the request to {host} failed"),
        }),
    }
}

impl Workspace {
    fn webhook(&self, id: WebhookId) -> Result<hooks::Stored> {
        hooks::get(&self.conn, id)?.ok_or_else(|| {
            Error::not_found("webhook", id.to_string(), "list them with: baton webhooks")
        })
    }
}

impl crate::workspace::concepts::Reach<'_> {
    /// The chat webhooks in use, with how their posts stand.
    pub fn webhooks(&self) -> Result<Vec<Webhook>> {
        hooks::active(&self.conn)?
            .into_iter()
            .map(|w| {
                let s = hooks::standing(&self.conn, w.id)?;
                Ok(Webhook {
                    id: w.id,
                    kind: w.kind,
                    host: w.host,
                    playbook: w.playbook,
                    created_at: w.created_at,
                    delivered: s.delivered,
                    pending: s.pending,
                    last_status: s.last_status,
                    last_error: if s.last_delivered { None } else { s.last_error },
                    next_attempt_at: s.next_attempt_at,
                })
            })
            .collect()
    }

    /// Adds a webhook: the address goes to the OS keyring, the rest to the workspace. With
    /// `playbook`, only that playbook's handoffs post to it.
    pub fn add_webhook(
        &self,
        url: &str,
        kind: WebhookKind,
        playbook: Option<&str>,
        origin: Origin,
    ) -> Result<Webhook> {
        let host = check_url(url)?;
        let playbook = match playbook {
            Some(key) => Some(
                self.handoffs()
                    .playbooks()?
                    .into_iter()
                    .find(|p| p.key.eq_ignore_ascii_case(key.trim()))
                    .ok_or_else(|| {
                        Error::not_found("playbook", key, "list them with: baton playbooks")
                    })?
                    .key,
            ),
            None => None,
        };
        let where_ = self
            .path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let secret_ref = new_secret_ref(&where_);
        entry(&secret_ref)?
            .set_password(url.trim())
            .map_err(keyring_error)?;
        let added = self.write(origin, |cx| {
            hooks::insert(
                cx.conn,
                kind,
                &host,
                playbook.as_deref(),
                &secret_ref,
                cx.stamp(),
            )
        });
        let id = match added {
            Ok(id) => id,
            Err(e) => {
                // Nothing refers to the address now: take it out of the keyring again.
                let _ =
                    entry(&secret_ref).and_then(|e| e.delete_credential().map_err(keyring_error));
                return Err(e);
            }
        };
        self.reach()
            .webhooks()?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or_else(|| Error::not_found("webhook", id.to_string(), ""))
    }

    /// Removes a webhook: no more posts, its address deleted from the keyring, the ones still
    /// waiting dropped. Its past attempts stay in the audit log.
    pub fn remove_webhook(&self, id: WebhookId, origin: Origin) -> Result<()> {
        let w = self.webhook(id)?;
        self.write(origin, |cx| hooks::remove(cx.conn, id, cx.stamp()))?;
        match entry(&w.secret_ref)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }

    /// Queues a test message to webhook `id` and sends it now; returns the HTTP status, or the
    /// reason it failed as the error.
    pub fn test_webhook(&self, id: WebhookId, origin: Origin) -> Result<u16> {
        let post = self.reach().queue_test(id, origin)?;
        let job = self.reach().claim_test(post)?;
        let outcome = job.send()?;
        tested(self.reach().finish_post(&job, &outcome)?, &outcome)
    }

    /// Claims test post `post` to send it now; another deliverer (the app's background loop)
    /// may have taken it first, and then says how it went.
    pub fn claim_test(&self, post: PostId) -> Result<PostJob> {
        self.reach().claim_post(Due::After(PostId(post.0 - 1)), PostId(0))?
            .filter(|j| j.id() == post)
            .ok_or_else(|| {
                Error::invalid(
                    "webhook",
                    "the test message is being sent by another Baton; see its result in the list of webhooks",
                )
            })
    }

    /// Queues a test message to webhook `id`; send it with [`crate::workspace::concepts::Reach::claim_test`] and
    /// [`tested`] says how it went.
    pub fn queue_test(&self, id: WebhookId, origin: Origin) -> Result<PostId> {
        let w = self.webhook(id)?;
        let scope = match &w.playbook {
            Some(p) => format!("the {p} playbook's handoffs are"),
            None => "a handoff is".to_string(),
        };
        let m = Message {
            title: "Baton is connected".into(),
            line: format!(
                "This channel will hear when {scope} handed off, paused for missing fields or sent to review."
            ),
        };
        let json = || json!({"event": "test", "title": m.title, "text": m.line});
        let text = body(w.kind, &m, json);
        self.write(origin, |cx| {
            let id = hooks::queue(
                cx.conn,
                id,
                (None, None),
                What::Test.as_str(),
                &text,
                cx.stamp(),
            )?;
            cx.posted(id);
            Ok(id)
        })
    }

    /// The first chat post a write of this workspace queued and committed, if one did: what
    /// one command queued is what comes after the post before it (no query).
    pub fn first_posted(&self) -> Option<PostId> {
        self.posted.get()
    }

    /// Delivers queued posts, one at a time, for at most `budget` (a post under way finishes):
    /// each is claimed first, so another deliverer never posts it too, posted outside any
    /// transaction, then its attempt is written to the post and the audit log.
    pub fn deliver(&self, due: Due, budget: Duration) -> Result<Delivery> {
        let started = Instant::now();
        let mut out = Delivery::default();
        let mut cursor = match due {
            Due::After(p) => p,
            _ => PostId(0),
        };
        while started.elapsed() < budget {
            let Some(job) = self.reach().claim_post(due, cursor)? else {
                break;
            };
            cursor = job.id();
            let outcome = job.send()?;
            if let Some(why) = self.reach().finish_post(&job, &outcome)? {
                out.failed.push(why);
            } else {
                out.sent += 1;
            }
        }
        Ok(out)
    }

    /// Claims the next post `due` after post `after` for one minute, so no other deliverer
    /// takes it meanwhile.
    pub fn claim_post(&self, due: Due, after: PostId) -> Result<Option<PostJob>> {
        let max = BACKOFF_SECS.len() as u32;
        let after = match due {
            Due::After(p) => p.max(after),
            _ => after,
        };
        // Nothing to claim is found by a read: a write here would be a change that changed
        // nothing (and, on a team workspace, a transaction on every laptop at every wake-up).
        let now = stamp(self.now());
        if hooks::claimable(&self.conn, after, due == Due::Now, max, &now)?.is_none() {
            return Ok(None);
        }
        self.write(Origin::System, |cx| {
            let until = stamp(cx.now + Span::seconds(CLAIM));
            hooks::claim_next(cx.conn, after, due == Due::Now, max, cx.stamp(), &until)
        })
        .map(|c| c.map(PostJob))
    }

    /// Writes one attempt on the post and in the audit log; returns the failure in words, if
    /// it failed.
    pub fn finish_post(&self, job: &PostJob, outcome: &PostOutcome) -> Result<Option<String>> {
        let job = &job.0;
        let service = format!("{} ({})", job.webhook.kind.words(), job.webhook.host);
        let attempt = job.attempts + 1;
        self.write(Origin::System, |cx| {
            let gap = BACKOFF_SECS
                .get(job.attempts as usize)
                .copied()
                .unwrap_or(*BACKOFF_SECS.last().unwrap_or(&3600));
            let next = stamp(cx.now + Span::seconds(gap));
            let (status, error, failure) = match outcome {
                Outcome::Answered(s) if (200..300).contains(s) => (Some(*s), None, None),
                Outcome::Answered(s) => (
                    Some(*s),
                    Some(format!("HTTP {s}")),
                    Some(format!("{service} answered HTTP {s}")),
                ),
                Outcome::Failed(why) => (None, Some(why.clone()), Some(why.clone())),
            };
            let landed = failure.is_none();
            hooks::attempted(
                cx.conn,
                job.id,
                status,
                error.as_deref(),
                landed.then(|| cx.stamp()),
                &next,
            )?;
            let message = match (&failure, status) {
                (None, Some(s)) => format!("Posted to {service}: HTTP {s} (attempt {attempt})"),
                (Some(why), _) if attempt as usize >= BACKOFF_SECS.len() => format!(
                    "Post to {service} failed: {why} (attempt {attempt}); no more retries — baton outbox send tries again"
                ),
                (Some(why), _) => format!(
                    "Post to {service} failed: {why} (attempt {attempt}); next try after {}",
                    &next[11..19]
                ),
                (None, None) => format!("Posted to {service} (attempt {attempt})"),
            };
            events::append(
                cx.conn,
                &Event {
                    at: Stamp::new(cx.now),
                    actor: cx.actor.clone(),
                    record_id: job.record_id,
                    handoff_id: job.handoff_id,
                    kind: if landed {
                        EventKind::WebhookPosted
                    } else {
                        EventKind::WebhookFailed
                    },
                    rule: job.webhook.playbook.clone(),
                    fields: vec![],
                    message,
                },
            )?;
            Ok(failure.map(|why| format!("{why} (post #{})", job.id)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_must_be_https_unless_it_is_this_computer() {
        assert_eq!(
            check_url("https://hooks.slack.com/services/T0/B0/xyz").unwrap(),
            "hooks.slack.com"
        );
        assert_eq!(
            check_url("http://127.0.0.1:8080/hook").unwrap(),
            "127.0.0.1"
        );
        for bad in [
            "http://example.com/hook",
            "hooks.slack.com/x",
            "ftp://x/y",
            "",
        ] {
            let e = check_url(bad).unwrap_err().to_string();
            assert!(e.contains("not a webhook address"), "{bad}: {e}");
            assert!(
                !e.contains(bad) || bad.is_empty(),
                "the address is never repeated: {e}"
            );
        }
    }

    #[test]
    fn chat_text_cannot_become_a_link_or_a_mention() {
        let m = Message {
            title: "Handed off: <!channel> & co".into(),
            line: "<https://x.example|click>".into(),
        };
        let b: serde_json::Value =
            serde_json::from_str(&body(WebhookKind::Slack, &m, || json!({}))).unwrap();
        assert_eq!(
            b["text"],
            "*Handed off: &lt;!channel&gt; &amp; co*\n&lt;https://x.example|click&gt;"
        );
        let teams: serde_json::Value =
            serde_json::from_str(&body(WebhookKind::Teams, &m, || json!({}))).unwrap();
        assert_eq!(
            teams["attachments"][0]["content"]["body"][0]["text"],
            "Handed off: <!channel> & co"
        );
    }
}
