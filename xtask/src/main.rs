//! `cargo xtask run | test | bench | bundle`: the README's commands, so a newcomer needs nothing
//! else.

mod bench;
mod delay;
mod e2e;
mod pg;
mod rules;
mod ship;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// What `cargo xtask` with no command, an unknown one or `--help` prints.
const USAGE: &str = "usage: cargo xtask <command>
  run          build Baton and open it on your workspace (a demo one on first start; --db PATH: that one)
  test         every test tier: fmt, clippy, UI rules, unit, integration, CLI, faults, end-to-end and
               shipping (the release .deb and .rpm built and checked, as `bundle` does)
               (--stress: only the races of teammates writing at once, each run 50 times, the
               import a write waits behind 100,000 rows; BATON_RACE_ROUNDS and BATON_RACE_IMPORT
               change that)
  bench        import and health speed and memory against sqlite3's own .import, a team workspace's
               against psql \\copy and across a 50 ms delay proxy (what a teammate waits for, direct
               and far, side by side), and the desktop app's memory (--quick: 100k rows only;
               --team: only the team workspace's figures; --desktop: only the app's memory)
  e2e          only the end-to-end tier of `test` (e2e NAME: the journeys whose name holds NAME)
  bundle       the release app as .deb and .rpm, their contents checked (--try-install: and installed
               and launched in a clean Debian 12 made with debootstrap; needs root)
  icons        every icon size the bundles need, from icons/baton.svg
  screenshots  the README's screenshots, taken by the end-to-end tier";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") || args.first().is_some_and(|a| a == "help")
    {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = match args.first().map(String::as_str) {
        Some("test") if args.len() == 2 && args[1] == "--stress" => stress(),
        Some("test") if args.len() > 1 => Err(format!(
            "`cargo xtask test` takes only --stress (it was given {}); `cargo xtask e2e NAME` runs only the end-to-end journeys whose name holds NAME",
            args[1..].join(" ")
        )),
        Some("test") => test(),
        Some("run") => run(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("bundle") => ship::bundle(&args[1..]),
        Some("icons") => ship::icons(),
        Some("screenshots") => ship::screenshots(),
        Some("e2e") => {
            let mut counts = Counts::default();
            let r = e2e::run(&mut counts, args.get(1).map(String::as_str));
            counts.say();
            r
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Res = Result<(), String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn step(name: &str, mut cmd: Command) -> Res {
    eprintln!("==> {name}");
    let status = cmd
        .status()
        .map_err(|e| format!("{name}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

/// Installs Debian/Ubuntu packages that are missing (with sudo when not root).
pub(crate) fn install_packages(packages: &[&str]) -> Res {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if Command::new("apt-get").arg("--version").output().is_err() {
        return Err(format!(
            "these system packages are missing and there is no apt-get to install them: {}; install them with your package manager",
            missing.join(" ")
        ));
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut c = if root_user {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        c.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        c
    };
    step("apt-get update", apt(&["update", "-q"]))?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(&missing);
    step(
        &format!("apt-get install {}", missing.join(" ")),
        apt(&args),
    )
}

/// What the desktop app builds against, and what its end-to-end tier runs on (Debian 12 names).
pub(crate) const DESKTOP_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libsoup-3.0-dev",
    "libjavascriptcoregtk-4.1-dev",
    "libxdo-dev",
    "pkg-config",
];
pub(crate) const E2E_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dunst",
    "dbus-x11",
    "librsvg2-bin",
    "xclip",
];

/// `cargo` run by `script` (which ends by running `"$@"`) on a private D-Bus session whose
/// Secret Service is GNOME Keyring, unlocked, its keyrings in `keyrings` (emptied first): the
/// tiers' webhook addresses never reach a developer's own keyring.
pub(crate) fn with_keyring(keyrings: &Path, script: &str) -> Result<Command, String> {
    install_packages(KEYRING_PACKAGES)?;
    let _ = std::fs::remove_dir_all(keyrings);
    std::fs::create_dir_all(keyrings).map_err(|e| format!("{}: {e}", keyrings.display()))?;
    let cargo_path = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut c = Command::new("dbus-run-session");
    c.current_dir(root())
        .args(["--", "sh", "-c", &format!("{START_KEYRING}{script}"), "sh"])
        .arg(cargo_path)
        .env("XDG_DATA_HOME", keyrings)
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    Ok(c)
}

/// The Secret Service the core tier's webhook tests keep addresses in.
const KEYRING_PACKAGES: &[&str] = &["dbus", "gnome-keyring"];

/// Starts GNOME Keyring on the session bus, its login keyring unlocked.
const START_KEYRING: &str = r#"printf 'baton-tests' | gnome-keyring-daemon --unlock --components=secrets >/dev/null || {
  echo "gnome-keyring-daemon did not start: the webhook tests need a Secret Service" >&2; exit 1; }
"#;

fn test() -> Res {
    let mut took = Took::default();
    took.tier("checks (fmt, clippy, rules)", || {
        install_packages(DESKTOP_PACKAGES)?;
        let mut fmt = cargo();
        fmt.args(["fmt", "--all", "--", "--check"]);
        step("cargo fmt --check", fmt)?;
        let mut clippy = cargo();
        clippy.args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]);
        step("cargo clippy -D warnings", clippy)?;
        ui_rules()?;
        sql_rules()
    })?;
    let mut counts = Counts::default();
    // Chat webhooks keep their addresses in the OS keyring: the core tier runs on a private
    // D-Bus session with GNOME Keyring as its Secret Service, its keyrings under target/, so a
    // developer's own keyring is never touched.
    let unit = took.tier("unit, integration, CLI and faults", || {
        let keyrings = root().join("target/test-keyring");
        let mut t = with_keyring(&keyrings, "exec \"$@\"")?;
        t.args(["test", "--workspace", "--exclude", "baton-e2e"])
            .env("XDG_RUNTIME_DIR", &keyrings);
        on_test_pg("cargo test --workspace", t, &mut counts)
    });
    // The later tiers run even when an earlier one failed, so one run shows everything.
    let e2e = took.tier("end-to-end", || e2e::run(&mut counts, None));
    // What a user installs: the release packages, built and checked as `cargo xtask bundle`
    // does, so a change that makes them unfit to ship cannot land.
    let shipping = took.tier("shipping (cargo xtask bundle)", || ship::bundle(&[]));
    took.say();
    counts.say();
    unit.and(e2e).and(shipping)
}

/// How long each tier of `test` took, said at the end (CI has 90 minutes).
#[derive(Default)]
struct Took(Vec<(&'static str, std::time::Duration, bool)>);

impl Took {
    fn tier(&mut self, name: &'static str, run: impl FnOnce() -> Res) -> Res {
        let start = std::time::Instant::now();
        let done = run();
        self.0.push((name, start.elapsed(), done.is_ok()));
        done
    }

    fn say(&self) {
        println!("\ntiers:");
        for (name, took, ok) in &self.0 {
            let secs = took.as_secs();
            let how = if *ok { "passed" } else { "FAILED" };
            println!("  {name}: {}m{:02}s, {how}", secs / 60, secs % 60);
        }
    }
}

/// Runs the test command `t` with a real PostgreSQL for the team workspace's tests, stopped
/// when it ends, adding its counts to `counts`.
fn on_test_pg(name: &str, mut t: Command, counts: &mut Counts) -> Res {
    let pg = pg::Cluster::start()?;
    let transaction = pg.pooler("transaction")?;
    let session = pg.pooler("session")?;
    t.env("BATON_TEST_PG", pg.url())
        .env("BATON_TEST_PG_CTL", pg.ctl())
        .env("BATON_TEST_PGBOUNCER_TRANSACTION", transaction.url())
        .env("BATON_TEST_PGBOUNCER_SESSION", session.url());
    run_tests(name, t, counts)
}

/// `cargo xtask test --stress`: the races of teammates writing at once (tests/concurrency.rs),
/// on a workspace file and on the test PostgreSQL, many times over, so a race that shows once in
/// a hundred runs shows here.
fn stress() -> Res {
    let mut t = cargo();
    t.args([
        "test",
        "-p",
        "baton",
        "--test",
        "concurrency",
        "--",
        "--test-threads=1",
    ]);
    for (var, default) in [("BATON_RACE_ROUNDS", "50"), ("BATON_RACE_IMPORT", "100000")] {
        if std::env::var_os(var).is_none() {
            t.env(var, default);
        }
    }
    let mut counts = Counts::default();
    let done = on_test_pg("races, many times over", t, &mut counts);
    counts.say();
    done
}

/// Test counts summed over every suite of every tier.
#[derive(Default)]
pub(crate) struct Counts {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Counts {
    /// The run's last line: how many tests passed, failed and were skipped.
    fn say(&self) {
        println!(
            "\ntests: {} passed, {} failed, {} skipped",
            self.passed, self.failed, self.ignored
        );
    }
}

/// Runs test suites, echoing their output, and adds their `test result:` lines to `counts`
/// (cargo's own last line is only the doc tests').
pub(crate) fn run_tests(name: &str, mut cmd: Command, counts: &mut Counts) -> Res {
    use std::io::{BufRead, BufReader};
    eprintln!("==> {name}");
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("{name}: could not start: {e}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';')
                        .find_map(|part| {
                            part.trim()
                                .strip_suffix(word)?
                                .trim()
                                .rsplit(' ')
                                .next()?
                                .parse::<u64>()
                                .ok()
                        })
                        .unwrap_or(0)
                };
                counts.passed += count("passed");
                counts.failed += count("failed");
                counts.ignored += count("ignored");
            }
        }
    }
    let status = child.wait().map_err(|e| format!("{name}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

/// SQL only in the core's queries modules, transactions only in the write funnel.
fn sql_rules() -> Res {
    eprintln!(
        "==> core rules (SQL only in queries modules, one write funnel, engines only in src/db/)"
    );
    let reading = |e| format!("reading {}: {e}", root().join("src").display());
    let hits = rules::sql_outside_queries(&root()).map_err(reading)?;
    if !hits.is_empty() {
        return Err(format!(
            "SQL outside the queries modules (src/db/, health's reads) or a transaction outside Workspace::write; move the statement into a queries module:\n{}",
            hits.join("\n")
        ));
    }
    let hits = rules::engines_outside_db(&root()).map_err(reading)?;
    if !hits.is_empty() {
        return Err(format!(
            "a database engine's crate named outside src/db/, or a concept named inside it; use db's own values, rows and errors (src/db/value.rs), or move the engine's part into src/db/:\n{}",
            hits.join("\n")
        ));
    }
    Ok(())
}

/// The web view must never turn data into markup: no `innerHTML` and friends in `ui/`.
fn ui_rules() -> Res {
    eprintln!("==> UI rules (no innerHTML and friends)");
    let ui = root().join("ui");
    let mut hits = Vec::new();
    scan(&ui, &mut hits).map_err(|e| format!("reading {}: {e}", ui.display()))?;
    if hits.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "ui/ writes HTML from strings; render data with textContent instead:\n{}",
            hits.join("\n")
        ))
    }
}

fn scan(dir: &Path, hits: &mut Vec<String>) -> std::io::Result<()> {
    let mut files = Vec::new();
    rules::files_with(dir, &["js", "html"], &mut files)?;
    for path in files {
        let text = std::fs::read_to_string(&path)?;
        for (n, line) in text.lines().enumerate() {
            if [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
            ]
            .iter()
            .any(|b| line.contains(b))
            {
                hits.push(format!("  {}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    Ok(())
}

/// `run`: the system packages the window needs, a release build, the demo workspace on first
/// start, then the desktop app. `--db PATH` opens another workspace file.
fn run(extra: &[String]) -> Res {
    install_packages(DESKTOP_PACKAGES)?;
    let mut build = cargo();
    build.args(["build", "--release", "-p", "baton", "--bin", "baton"]);
    build.args(["-p", "baton-desktop", "--bin", "baton-desktop"]);
    step("cargo build --release (Baton and its command line)", build)?;
    let db = match extra {
        [] => None,
        [flag, path] if flag == "--db" => Some(PathBuf::from(path)),
        _ => return Err("usage: cargo xtask run [--db PATH]".into()),
    };
    let bin = root().join("target/release");
    let baton = |args: &[&str]| {
        let mut c = Command::new(bin.join("baton"));
        if let Some(db) = &db {
            c.arg("--db").arg(db);
        }
        c.args(args);
        c
    };
    let out = baton(&["records", "--json"])
        .output()
        .map_err(|e| format!("baton: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    if String::from_utf8_lossy(&out.stdout).trim() == "[]" {
        step("baton demo (first start)", baton(&["demo"]))?;
    }
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        return Err(format!(
            "there is no display to open Baton's window on; run this from a desktop session, or use the command line at {}",
            bin.join("baton").display()
        ));
    }
    let mut app = Command::new(bin.join("baton-desktop"));
    if let Some(db) = &db {
        app.env("BATON_DB", db);
    }
    step("Baton", app)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ui_rule_names_markup_written_from_strings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("js")).unwrap();
        std::fs::write(
            dir.path().join("js/a.js"),
            "el.textContent = v;\nel.innerHTML = v;\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "innerHTML").unwrap();
        let mut hits = Vec::new();
        super::scan(dir.path(), &mut hits).unwrap();
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].ends_with("a.js:2: el.innerHTML = v;"), "{hits:?}");
    }
}
