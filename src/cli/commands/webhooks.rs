//! Chat webhooks: list, add (the address goes to the OS keyring), test, remove; and the outbox
//! of posts, sent on demand.

use crate::cli::*;
use crate::{Due, WebhookId, WebhookKind};
use std::time::Duration;

#[derive(Subcommand)]
pub(crate) enum WebhookCommand {
    /// List the chat webhooks, or add, test or remove one.
    Webhooks {
        #[command(subcommand)]
        action: Option<WebhookAction>,
        #[arg(long)]
        json: bool,
    },
    /// The chat posts waiting to go out.
    Outbox {
        #[command(subcommand)]
        action: OutboxAction,
    },
}

#[derive(Subcommand)]
pub(crate) enum WebhookAction {
    /// Add an incoming-webhook address (`-` reads it from standard input, out of your shell's
    /// history). It is kept in the OS keyring, never in the workspace.
    Add {
        url: String,
        /// slack, teams, gchat or json.
        #[arg(long, value_parser = parse_kind)]
        kind: WebhookKind,
        /// Only this playbook's handoffs post to it (default: every playbook).
        #[arg(long)]
        playbook: Option<String>,
    },
    /// Send a test message now.
    Test { id: i64 },
    /// Stop posting to it and delete its address from the keyring.
    Remove { id: i64 },
}

#[derive(Subcommand)]
pub(crate) enum OutboxAction {
    /// Send every post still waiting (failed ones included), now.
    Send,
}

fn parse_kind(s: &str) -> Result<WebhookKind, String> {
    WebhookKind::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("{s:?} is not a webhook kind; use slack, teams, gchat or json"))
}

fn status_words(w: &crate::Webhook) -> String {
    match (&w.last_error, w.pending) {
        (Some(e), _) => format!(
            "failing: {e}{}",
            w.next_attempt_at
                .as_deref()
                .map(|t| format!("; next try {t}"))
                .unwrap_or_default()
        ),
        (None, 0) => format!("{} delivered", w.delivered),
        (None, n) => format!("{} delivered, {n} waiting", w.delivered),
    }
}

/// Prints what a delivery could not send, on stderr, and what to do about it.
pub(crate) fn say_failures(d: &crate::Delivery) {
    for why in &d.failed {
        eprintln!("note: a chat post was not delivered: {why}; the app retries it, or run: baton outbox send");
    }
}

pub(crate) fn run(ws: &mut Workspace, command: WebhookCommand) -> Res {
    match command {
        WebhookCommand::Webhooks { action, json } => match action {
            None => {
                let hooks = ws.reach().webhooks()?;
                if json {
                    print_json(&hooks);
                } else if hooks.is_empty() {
                    println!("No chat webhooks: add one with baton webhooks add URL --kind slack|teams|gchat|json.");
                } else {
                    table(
                        &["ID", "KIND", "HOST", "PLAYBOOK", "POSTS"],
                        hooks.iter().map(|w| {
                            vec![
                                w.id.to_string(),
                                w.kind.words().to_string(),
                                w.host.clone(),
                                w.playbook
                                    .clone()
                                    .unwrap_or_else(|| "every playbook".into()),
                                status_words(w),
                            ]
                        }),
                    );
                }
            }
            Some(WebhookAction::Add {
                url,
                kind,
                playbook,
            }) => {
                let url = if url == "-" {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).map_err(|e| {
                        format!("could not read the address from standard input: {e}")
                    })?;
                    line
                } else {
                    url
                };
                let w = ws
                    .reach()
                    .add_webhook(&url, kind, playbook.as_deref(), Origin::Cli)?;
                println!(
                    "Added webhook {} ({} at {}, {}); its address is in this computer's keyring. Try it with: baton webhooks test {}",
                    w.id,
                    w.kind.words(),
                    w.host,
                    w.playbook
                        .as_deref()
                        .map(|p| format!("the {p} playbook"))
                        .unwrap_or_else(|| "every playbook".into()),
                    w.id
                );
            }
            Some(WebhookAction::Test { id }) => {
                let status = ws.reach().test_webhook(WebhookId(id), Origin::Cli)?;
                println!("Sent: the webhook answered HTTP {status}.");
            }
            Some(WebhookAction::Remove { id }) => {
                ws.reach().remove_webhook(WebhookId(id), Origin::Cli)?;
                println!("Removed webhook {id}; its address is deleted from the keyring.");
            }
        },
        WebhookCommand::Outbox {
            action: OutboxAction::Send,
        } => {
            let d = ws.reach().deliver(Due::All, Duration::from_secs(60))?;
            say_failures(&d);
            println!(
                "Sent {} chat {}; {} failed.",
                d.sent,
                if d.sent == 1 { "post" } else { "posts" },
                d.failed.len()
            );
            if !d.failed.is_empty() {
                return Err(format!(
                    "{} chat {} could not be delivered",
                    d.failed.len(),
                    if d.failed.len() == 1 { "post" } else { "posts" }
                )
                .into());
            }
        }
    }
    Ok(())
}
