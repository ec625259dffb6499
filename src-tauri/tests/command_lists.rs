//! The app's commands are listed four times, each for its own reader: the handler
//! (`src/lib.rs`, what the shell answers), the build script (`build.rs`, one permission each),
//! the window's capability (`capabilities/main.json`, what it may call) and the UI's calls
//! (`ui/js`). They must name the same commands: a command the UI never calls is granted for
//! nothing, and a call without a grant fails only when someone clicks.

use std::collections::BTreeSet;
use std::path::Path;

const SHELL: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text between `start` and the first `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
    let len = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?}"));
    &text[from..from + len]
}

/// `module::name,` entries of `generate_handler![…]`.
fn handler() -> BTreeSet<String> {
    let lib = read(&Path::new(SHELL).join("src/lib.rs"));
    between(&lib, "generate_handler![", "]")
        .split(',')
        .filter_map(|e| e.trim().rsplit("::").next())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// `"name",` entries of build.rs's `COMMANDS`.
fn built() -> BTreeSet<String> {
    let build = read(&Path::new(SHELL).join("build.rs"));
    between(&build, "const COMMANDS: &[&str] = &[", "];")
        .split(',')
        .map(|e| e.trim().trim_matches('"'))
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// The `allow-name` permissions of the main window's capability, as command names.
fn granted() -> BTreeSet<String> {
    let text = read(&Path::new(SHELL).join("capabilities/main.json"));
    let cap: serde_json::Value = serde_json::from_str(&text).unwrap();
    cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

/// The names the UI passes to `call('name', …)`, and the files that call something else.
fn called() -> (BTreeSet<String>, Vec<String>) {
    let ui = Path::new(SHELL).join("../ui/js");
    let mut names = BTreeSet::new();
    let mut dynamic = Vec::new();
    for entry in std::fs::read_dir(&ui).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "js") {
            continue;
        }
        for (n, line) in read(&path).lines().enumerate() {
            for call in line.split("call(").skip(1) {
                match call.strip_prefix('\'').and_then(|c| c.split_once('\'')) {
                    Some((name, _)) => {
                        names.insert(name.to_string());
                    }
                    // ipc.js defines `call(command, args = {})`.
                    None if line.contains("function call(") => {}
                    None => dynamic.push(format!("{}:{}: {}", path.display(), n + 1, line.trim())),
                }
            }
        }
    }
    (names, dynamic)
}

#[test]
fn the_handler_the_build_script_the_capability_and_the_ui_name_the_same_commands() {
    let handler = handler();
    assert!(handler.len() > 40, "{handler:?}");
    assert_eq!(
        built(),
        handler,
        "build.rs COMMANDS against generate_handler!"
    );
    assert_eq!(
        granted(),
        handler,
        "capabilities/main.json against generate_handler!"
    );
    let (called, dynamic) = called();
    assert!(
        dynamic.is_empty(),
        "the UI calls a command by a name this test cannot read: {dynamic:?}"
    );
    assert_eq!(called, handler, "the UI's calls against generate_handler!");
}
