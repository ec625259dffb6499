//! The packages ship one binary: the app answers as the `baton` command line when called by that
//! name (the packages' `/usr/bin/baton` link) or with a command, and opens no window then.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const APP: &str = env!("CARGO_BIN_EXE_baton-desktop");

/// `bin args…` with no display: answering as the CLI must not need one.
fn run(bin: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("BATON_DB")
        .env_remove("BATON_ME")
        .env("BATON_NOW", "2026-03-05T09:00:00Z")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `baton` link to the app, as the .deb and the .rpm make it.
fn linked_as_baton(dir: &Path) -> PathBuf {
    let link = dir.join("baton");
    #[cfg(unix)]
    std::os::unix::fs::symlink(APP, &link).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(APP, &link).unwrap();
    link
}

#[test]
fn the_app_linked_as_baton_is_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let baton = linked_as_baton(dir.path());
    let db = dir.path().join("w.baton");
    let db = db.to_str().unwrap();

    let version = run(&baton, &["--version"]);
    assert!(version.status.success(), "{}", text(&version.stderr));
    assert_eq!(
        text(&version.stdout),
        format!("baton {}\n", env!("CARGO_PKG_VERSION"))
    );

    let demo = run(&baton, &["--db", db, "demo"]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    assert!(
        text(&demo.stdout).starts_with("Demo workspace ready at "),
        "{}",
        text(&demo.stdout)
    );
    let handoffs = run(&baton, &["--db", db, "handoffs", "--json"]);
    assert!(handoffs.status.success(), "{}", text(&handoffs.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&handoffs.stdout).unwrap();
    assert!(!listed.as_array().unwrap().is_empty(), "{listed}");

    // An error is the CLI's one sentence and its exit code, not a window.
    let missing = run(&baton, &["--db", db, "show", "no-such-record"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).starts_with("error: "),
        "{}",
        text(&missing.stderr)
    );
    // With no command: the usage, under the name the user typed.
    let bare = run(&baton, &[]);
    assert_eq!(bare.status.code(), Some(2));
    assert!(
        text(&bare.stderr).contains("Usage: baton [OPTIONS] <COMMAND>"),
        "{}",
        text(&bare.stderr)
    );
}

#[test]
fn the_app_given_a_command_is_the_command_line_under_its_own_name_too() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.baton");
    let db = db.to_str().unwrap();
    let demo = run(Path::new(APP), &["--db", db, "demo"]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let people = run(Path::new(APP), &["--db", db, "people"]);
    assert!(people.status.success(), "{}", text(&people.stderr));
    assert!(
        text(&people.stdout).contains("Priya Nair"),
        "{}",
        text(&people.stdout)
    );
    let help = run(Path::new(APP), &["--help"]);
    assert!(help.status.success());
    assert!(text(&help.stdout).contains("Usage: baton [OPTIONS] <COMMAND>"));
}
