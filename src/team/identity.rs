//! Who uses this laptop, per team workspace. In a shared workspace "me" cannot be a row of the
//! shared data (every teammate's Baton reads the same rows), so each laptop keeps it in its own
//! data directory: `team-identity.json`, one name per team workspace (`host:port/database`).

use super::url::TeamUrl;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// This laptop's answer to "who am I" on one team workspace.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    file: PathBuf,
    workspace: String,
}

impl Identity {
    /// The identity kept for the team workspace at `url`, in the platform data directory.
    pub(crate) fn for_team(url: &TeamUrl) -> Identity {
        Identity {
            file: PathBuf::new(),
            workspace: format!("{}:{}/{}", url.host, url.port, url.dbname),
        }
        .kept_in(&dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")))
    }

    /// The same identity, kept under the data directory `data` instead.
    pub(crate) fn kept_in(self, data: &std::path::Path) -> Identity {
        Identity {
            file: data.join(crate::APP_IDENTIFIER).join("team-identity.json"),
            ..self
        }
    }

    fn all(&self) -> BTreeMap<String, String> {
        std::fs::read_to_string(&self.file)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }

    /// The name this laptop said it is, if it said.
    pub(crate) fn name(&self) -> Option<String> {
        self.all().remove(&self.workspace)
    }

    /// Says this laptop is `name` from now on (written whole under another name and renamed,
    /// so a crash never leaves half a file).
    pub(crate) fn set(&self, name: &str) -> Result<()> {
        let io = |e: std::io::Error| Error::Io {
            path: self.file.display().to_string(),
            source: e,
        };
        let mut all = self.all();
        all.insert(self.workspace.clone(), name.to_string());
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.file.with_extension("json-tmp");
        let json = serde_json::to_string_pretty(&all).unwrap_or_default();
        std::fs::write(&tmp, json).map_err(io)?;
        std::fs::rename(&tmp, &self.file).map_err(io)
    }
}
