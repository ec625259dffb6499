//! The core's error type: structured variants the CLI prints and the shell maps to `{kind, message}`.

use std::fmt;

/// Every way a workspace operation can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A named thing does not exist.
    #[error("no {entity} {id:?} in this workspace{hint}")]
    NotFound {
        /// What was looked up ("record", "stage", "person", "task", …).
        entity: &'static str,
        /// The reference the user gave.
        id: String,
        /// A short suffix telling the user what to do instead (may be empty).
        hint: Hint,
    },
    /// A value the user gave cannot be used.
    #[error("{field}: {message}")]
    Validation {
        /// The field, flag, argument or column concerned.
        field: String,
        /// What is wrong and what to do about it.
        message: String,
    },
    /// A row of a file being imported cannot be read, and the user did not choose to skip bad
    /// rows: nothing was imported.
    #[error("{file}: {row}; fix the cell or pass --skip-bad-rows")]
    BadRow {
        /// The file.
        file: String,
        /// The row, its line, the column at fault and what is wrong.
        row: crate::import::RowError,
    },
    /// The operation does not fit the current state (e.g. approving a handoff not in review).
    #[error("{0}")]
    Conflict(String),
    /// A stored migration differs from the one shipped with this version.
    #[error("migration {version} was changed after it ran on this workspace (stored checksum {stored}, shipped {shipped}); restore the original migration or use a newer Baton")]
    MigrationChanged {
        /// The migration's number.
        version: u32,
        /// Checksum recorded when it ran.
        stored: String,
        /// Checksum of the shipped file.
        shipped: String,
    },
    /// The workspace file was written by a newer Baton.
    #[error("this workspace was written by a newer Baton (schema {found}, this version knows {known}); upgrade Baton to open it")]
    TooNew {
        /// Schema version in the file.
        found: u32,
        /// Newest schema this build knows.
        known: u32,
    },
    /// A template could not be rendered.
    #[error("template {name}: {message}")]
    Template {
        /// Which template.
        name: String,
        /// The engine's message.
        message: String,
    },
    /// The workspace file is damaged: nothing is written to it until a copy is restored.
    #[error("the workspace {path} is damaged ({found}); nothing was changed. {}", restore_hint(path, copy.as_deref()))]
    Damaged {
        /// The workspace file.
        path: String,
        /// What SQLite found.
        found: String,
        /// The newest kept copy that is intact, if any.
        copy: Option<String>,
    },
    /// The team workspace refused what this login asked: it is someone else's to decide (one
    /// sentence naming who may).
    #[error("{0}")]
    Refused(String),
    /// The team database cannot be reached, or refused this laptop: one sentence naming the
    /// server (never the password) and what to check.
    #[error("{0}")]
    Unreachable(String),
    /// The database failed (either engine: the same failure is the same error).
    #[error("database error: {0}")]
    Db(#[from] crate::db::DbError),
    /// The file system failed.
    #[error("{}", io_sentence(path, source))]
    Io {
        /// The path involved.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// How to get a damaged workspace back.
fn restore_hint(path: &str, copy: Option<&str>) -> String {
    match copy {
        Some(copy) => format!(
            "Restore the newest intact copy with: baton --db \"{path}\" restore \"{copy}\" (the damaged file is kept beside it)"
        ),
        None => "No intact copy of it is kept; run `baton check` to see what is damaged".into(),
    }
}

/// What went wrong with a file, in words, and what to do: never the bare "os error 2".
fn io_sentence(path: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    if std::path::Path::new(path).is_dir() && e.kind() != ErrorKind::PermissionDenied {
        return format!("{path} is a folder, not a file; give the path of the file inside it");
    }
    match e.kind() {
        ErrorKind::NotFound => format!(
            "{path} does not exist; check the path (was the file moved or renamed after it was exported?)"
        ),
        ErrorKind::PermissionDenied => format!(
            "{path} cannot be opened: permission denied for your user; ask whoever owns it (`ls -l` shows who) for access, or copy it somewhere you own"
        ),
        _ => format!("{path}: {e}"),
    }
}

/// A short hint appended to a not-found message (empty when there is nothing to add).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hint(pub String);

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, "; {}", self.0)
        }
    }
}

impl Error {
    /// A not-found error with a hint.
    pub fn not_found(entity: &'static str, id: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::NotFound {
            entity,
            id: id.into(),
            hint: Hint(hint.into()),
        }
    }

    /// A validation error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The stable kind name the desktop shell sends to the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotFound { .. } => "not_found",
            Error::Validation { .. } | Error::BadRow { .. } => "validation",
            Error::Conflict(_) => "conflict",
            Error::MigrationChanged { .. } | Error::TooNew { .. } => "schema",
            Error::Template { .. } => "template",
            Error::Damaged { .. } => "damaged",
            Error::Unreachable(_) => "offline",
            Error::Refused(_) => "refused",
            Error::Db(_) | Error::Io { .. } => "internal",
        }
    }
}

impl From<minijinja::Error> for Error {
    fn from(e: minijinja::Error) -> Self {
        Error::Template {
            name: e.name().unwrap_or("template").to_string(),
            message: e.to_string(),
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
