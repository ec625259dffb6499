//! A standard email file (RFC 5322, MIME) the user's mail app opens: UTF-8 headers, plain text
//! and HTML alternatives, an optional calendar attachment. Built with lettre's message builder
//! (only the builder: Baton never sends mail itself).

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::Message;

/// A person's address.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub name: Option<String>,
    pub email: String,
}

/// What goes into one email file.
pub(crate) struct Mail<'a> {
    pub from: Address,
    /// The recipient, when an email address is known (the user fills it in otherwise).
    pub to: Option<Address>,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: String,
    pub date: DateTime<Utc>,
    /// (file name, iCalendar text).
    pub attachment: Option<(&'a str, &'a str)>,
}

fn mailbox(a: &Address) -> Result<Mailbox> {
    let email = a.email.trim().parse().map_err(|_| {
        Error::invalid(
            "email",
            format!(
                "\"{}\"{} is not an email address; correct it and try again",
                a.email,
                a.name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
        )
    })?;
    Ok(Mailbox::new(a.name.clone(), email))
}

/// The email as bytes, ready to save as `NAME.eml`. It carries `X-Unsent: 1`, which tells mail
/// apps (Outlook, Apple Mail, Thunderbird) to open it as a message to review and send.
pub(crate) fn message(m: Mail<'_>) -> Result<Vec<u8>> {
    let from = mailbox(&m.from)?;
    let mut b = Message::builder()
        .from(from.clone())
        .subject(m.subject)
        .date(m.date.into())
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Unsent"),
            "1".to_string(),
        ));
    b = match &m.to {
        Some(to) => b.to(mailbox(to)?),
        // No recipient known: the envelope is the sender's own, the To: line stays for the user.
        None => b.envelope(
            lettre::address::Envelope::new(Some(from.email.clone()), vec![from.email.clone()])
                .map_err(|e| Error::invalid("email", e.to_string()))?,
        ),
    };
    let alternative = MultiPart::alternative_plain_html(m.text.to_string(), m.html);
    let body = match m.attachment {
        Some((name, ics)) => MultiPart::mixed().multipart(alternative).singlepart(
            Attachment::new(name.to_string()).body(
                ics.to_string(),
                ContentType::parse("text/calendar; charset=utf-8; method=REQUEST")
                    .map_err(|e| Error::invalid("attachment", e.to_string()))?,
            ),
        ),
        None => alternative,
    };
    let message = b
        .multipart(body)
        .map_err(|e| Error::invalid("email", format!("the email could not be written: {e}")))?;
    Ok(message.formatted())
}

/// Plain text as a small HTML document: escaped, blank lines between paragraphs, line breaks
/// kept.
pub(crate) fn html_from_text(text: &str) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body style=\"font-family: sans-serif\">\n",
    );
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        let lines: Vec<String> = para.trim().lines().map(escape).collect();
        html.push_str(&lines.join("<br>\n"));
        html.push_str("</p>\n");
    }
    html.push_str("</body></html>\n");
    html
}

/// HTML-escaped text (minijinja's escaping, as the brief's HTML uses).
fn escape(s: &str) -> String {
    minijinja::HtmlEscape(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_escaped_paragraphs() {
        let html = html_from_text("Hi <Ana> & team,\nline two\n\nBest");
        assert!(html.contains("<p>Hi &lt;Ana&gt; &amp; team,<br>\nline two</p>"));
        assert!(html.contains("<p>Best</p>"));
    }
}
