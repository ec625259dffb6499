// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

/// The CLI's allocator (an import allocates a few small strings per cell; measured by
/// `cargo xtask bench`), so that `baton` is as fast from the packages as from its own build.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if answers_as_cli(&args) {
        // The usage lines and errors name the command the user typed.
        let cli = std::iter::once(OsString::from("baton")).chain(args.into_iter().skip(1));
        return baton::cli::main(cli);
    }
    baton_desktop::run();
    ExitCode::SUCCESS
}

/// The packages ship one binary and link `baton` to it: called by that name, or with a command
/// (`baton-desktop records`), it is the command line; with nothing, the app.
fn answers_as_cli(args: &[OsString]) -> bool {
    let called = args
        .first()
        .and_then(|a| Path::new(a).file_stem())
        .is_some_and(|s| s == "baton");
    // macOS's Finder may add its process serial number (`-psn_0_1234`) to an app it opens.
    let given = args
        .iter()
        .skip(1)
        .any(|a| !a.to_string_lossy().starts_with("-psn_"));
    called || given
}

#[cfg(test)]
mod tests {
    use super::answers_as_cli;
    use std::ffi::OsString;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_app_answers_as_the_command_line_by_name_or_with_a_command() {
        assert!(!answers_as_cli(&args(&["/usr/bin/baton-desktop"])));
        assert!(!answers_as_cli(&args(&["baton-desktop", "-psn_0_4711"])));
        assert!(answers_as_cli(&args(&["/usr/bin/baton"])));
        assert!(answers_as_cli(&args(&["baton"])));
        assert!(answers_as_cli(&args(&["C:\\Baton\\baton.exe", "records"])));
        assert!(answers_as_cli(&args(&[
            "/usr/bin/baton-desktop",
            "records"
        ])));
        assert!(answers_as_cli(&args(&["baton-desktop", "--version"])));
    }
}
