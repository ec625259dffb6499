//! The team workspace's password, kept by the app in this computer's keyring (Keychain,
//! Credential Manager, the Secret Service on Linux) under the address it opens, never in a
//! file. The command line reads it from the address, `PGPASSWORD` or `~/.pgpass` instead.

use super::TeamUrl;
use crate::error::{Error, Result};

/// The keyring's service name the passwords are filed under.
const SERVICE: &str = "Baton team workspace";

/// The keyring's entry for `url`'s user, server and database.
fn entry(url: &TeamUrl) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &url.to_string()).map_err(unavailable)
}

fn unavailable(e: keyring::Error) -> Error {
    Error::invalid(
        "keyring",
        format!("this computer's keyring is not available ({e}); Baton will ask for the team workspace's password each time it opens rather than keep it in a file — on Linux, a Secret Service such as GNOME Keyring or KWallet keeps it"),
    )
}

/// Keeps the password `url` carries in the keyring (nothing to keep: nothing happens).
pub fn remember_password(url: &TeamUrl) -> Result<()> {
    match &url.password {
        Some(pw) => entry(url)?.set_password(pw).map_err(unavailable),
        None => Ok(()),
    }
}

/// The address with the password the keyring keeps for it (or as it was, when it keeps none).
pub fn recall_password(url: &TeamUrl) -> Result<TeamUrl> {
    match entry(url)?.get_password() {
        Ok(pw) => Ok(url.clone().with_password(pw)),
        Err(keyring::Error::NoEntry) => Ok(url.clone()),
        Err(e) => Err(unavailable(e)),
    }
}
