//! Errors as the UI receives them: `{kind, message, details}`. Database and file-system
//! internals become `internal`, with the detail kept for the log.

use serde::Serialize;

/// An error crossing IPC.
#[derive(Debug, Serialize)]
pub struct UiError {
    /// What sort of failure, for the UI to react to (`not_found`, `validation`, `conflict`,
    /// `internal`, …).
    pub kind: &'static str,
    /// One sentence for the user.
    pub message: String,
    /// Extra detail (the field or column at fault), when there is some.
    pub details: Option<String>,
}

impl From<baton::Error> for UiError {
    fn from(e: baton::Error) -> Self {
        let kind = e.kind();
        let details = match &e {
            baton::Error::Validation { field, .. } => Some(field.clone()),
            baton::Error::BadRow { file, .. } => Some(file.clone()),
            _ => None,
        };
        let message = if kind == "internal" {
            eprintln!("baton: {e}");
            "Something went wrong while saving; nothing was changed. Details are in the log."
                .to_string()
        } else {
            e.to_string()
        };
        UiError {
            kind,
            message,
            details,
        }
    }
}

impl UiError {
    /// A failure of the shell itself (a dialog, a thread).
    pub fn internal(what: impl std::fmt::Display) -> Self {
        eprintln!("baton: {what}");
        UiError {
            kind: "internal",
            message: format!("{what}"),
            details: None,
        }
    }
}

/// What every command returns.
pub type CmdResult<T> = Result<T, UiError>;
