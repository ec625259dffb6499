//! Whether this user may write the workspace: a file or folder shared read-only (another user's
//! workspace, a backup drive mounted read-only) opens for reading, and a write says why not.

use std::path::Path;

/// Why `db` cannot be written by this user, when it cannot: one sentence naming what is not
/// writable and who owns it. `None` for a workspace that does not exist yet or can be written.
pub(crate) fn read_only_because(db: &Path) -> Option<String> {
    if !db.exists() {
        return None;
    }
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (what, owner) = if !writable(db) {
        ("the file is", owner_of(db))
    } else if !writable(dir) {
        // SQLite keeps its -wal and -shm files beside the workspace.
        ("its folder is", owner_of(dir))
    } else {
        return None;
    };
    Some(format!(
        "the workspace {} is read-only for you ({}): {what} not writable, and it belongs to {owner}; reading works, but to change anything ask {owner} for write access or copy the file to a folder you own",
        db.display(),
        me()
    ))
}

#[cfg(unix)]
pub(crate) fn writable(p: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid C string for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
pub(crate) fn writable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| !m.permissions().readonly())
}

#[cfg(unix)]
pub(crate) fn owner_of(p: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).map_or_else(|_| "someone else".into(), |m| user_name(m.uid()))
}

#[cfg(not(unix))]
pub(crate) fn owner_of(_p: &Path) -> String {
    "its owner".into()
}

#[cfg(unix)]
fn me() -> String {
    // SAFETY: geteuid cannot fail.
    user_name(unsafe { libc::geteuid() })
}

#[cfg(not(unix))]
fn me() -> String {
    std::env::var("USERNAME").unwrap_or_else(|_| "this user".into())
}

/// The login name of user `uid`, or `user id N` when the system has none for it.
#[cfg(unix)]
fn user_name(uid: u32) -> String {
    let mut buf = vec![0u8; 4096];
    // SAFETY: an all-zero passwd is a valid value for getpwuid_r to fill.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and `buf` outlives the use of `pwd`'s fields.
    let rc = unsafe {
        libc::getpwuid_r(
            uid,
            &mut pwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut found,
        )
    };
    if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
        return format!("user id {uid}");
    }
    // SAFETY: getpwuid_r succeeded, so pw_name points at a NUL-terminated name inside `buf`.
    unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) }
        .to_string_lossy()
        .into_owned()
}
