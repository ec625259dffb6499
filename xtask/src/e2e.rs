//! The end-to-end tier: the real desktop binary in a real web view under Xvfb, on a private
//! D-Bus session with dunst as the notification daemon, driven through tauri-driver and
//! WebKitWebDriver. Screenshots land in target/e2e/.

use crate::{
    cargo, install_packages, root, run_tests, step, Counts, Res, DESKTOP_PACKAGES, E2E_PACKAGES,
};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Stops Xvfb when the tier ends, however it ends: asked first (SIGTERM, so it removes its lock
/// file and socket), killed if it has not gone within two seconds.
struct Display(Child);

impl Drop for Display {
    fn drop(&mut self) {
        let asked = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        for _ in 0..(if asked { 20 } else { 0 }) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cargo_bin_dir() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs_home().map(|h| h.join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

fn dirs_home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn has(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Starts Xvfb on a free display number, which Xvfb picks itself (`-displayfd`: it skips
/// displays in use, clears the locks of servers that are gone, and writes the number once it
/// accepts connections).
fn start_display() -> Result<(Display, String), String> {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1400x900x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("Xvfb: {e}"))?;
    let out = child.stdout.take();
    let display = Display(child);
    let mut line = String::new();
    if let Some(out) = out {
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)
            .map_err(|e| format!("Xvfb: {e}"))?;
    }
    match line.trim().parse::<u32>() {
        Ok(n) => Ok((display, format!(":{n}"))),
        Err(_) => Err("Xvfb did not start: run `Xvfb -displayfd 1` to see why".into()),
    }
}

/// Runs its arguments, then stops the dunst the journeys' private bus started (found by its
/// name on that bus, so a dunst on the user's own desktop is left alone) and waits until it
/// has left the bus: a dunst outliving its bus prints "Cannot connect to DBus" at the end.
const STOP_DUNST_AFTER: &str = r#""$@"; status=$?
bus() { dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus "$@" 2>/dev/null; }
pid=$(bus org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.Notifications)
pid=${pid##*uint32 }
if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    case $(bus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications) in
      *true*) sleep 0.1 ;;
      *) break ;;
    esac
  done
fi
exit $status"#;

pub fn run(counts: &mut Counts, filter: Option<&str>) -> Res {
    // `cargo xtask e2e NAME` alone on a fresh machine builds the app too.
    install_packages(DESKTOP_PACKAGES)?;
    install_packages(E2E_PACKAGES)?;
    let bin_dir = cargo_bin_dir();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let driver_present = Command::new("tauri-driver")
        .arg("--help")
        .env("PATH", &path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !driver_present {
        let mut install = cargo();
        install.args(["install", "tauri-driver", "--version", "^2", "--locked"]);
        step("cargo install tauri-driver", install)?;
    }
    let mut build = cargo();
    build.args([
        "build",
        "-p",
        "baton-desktop",
        "--bin",
        "baton-desktop",
        "--bin",
        "baton",
    ]);
    build.args(["-p", "baton"]);
    step("cargo build (desktop app and CLI)", build)?;
    if !has("dbus-run-session", "--version") {
        return Err("dbus-run-session is missing; install the dbus package".into());
    }
    let (_display, name) = start_display()?;
    // The team journeys' PostgreSQL, stopped when the tier ends (`pg` is dropped).
    let pg = crate::pg::Cluster::start()?;
    let target = root().join("target");
    let out = target.join("e2e");
    let _ = std::fs::remove_dir_all(&out);
    // The keyring the app keeps webhook addresses in is the private session's own.
    let mut t = crate::with_keyring(&target.join("e2e-keyring"), STOP_DUNST_AFTER)?;
    t.args(["test", "-p", "baton-e2e", "--", "--test-threads=1"])
        .args(filter)
        .env("PATH", &path)
        .env("DISPLAY", &name)
        .env("BATON_DESKTOP_BIN", target.join("debug/baton-desktop"))
        .env("BATON_CLI_BIN", target.join("debug/baton"))
        .env("BATON_E2E_OUT", &out)
        .env("BATON_TEST_PG", pg.url())
        .env("BATON_TEST_PG_CTL", pg.ctl())
        // WebKit in a VM without a GPU renders in software. (Compositing stays on: with
        // WEBKIT_DISABLE_COMPOSITING_MODE, WebKitWebDriver's screenshots hang on short pages.)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        // A user's locale, so numbers and dates read as they would on a laptop.
        .env("LANG", "en_US.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("BATON_DB");
    let result = run_tests(
        "end-to-end journeys (Xvfb, dbus, dunst, tauri-driver)",
        t,
        counts,
    );
    if result.is_ok() {
        eprintln!("screenshots: {}", out.display());
    }
    result
}
