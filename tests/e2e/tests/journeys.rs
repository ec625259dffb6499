//! The user's journeys on the real desktop binary: WebKitWebDriver through tauri-driver, a
//! real notification daemon (dunst) on the D-Bus session, real SQLite files, real CSVs.
//!
//! `cargo xtask test` runs these inside Xvfb and `dbus-run-session`, with the binaries built
//! and `BATON_DESKTOP_BIN`, `BATON_CLI_BIN` and `BATON_E2E_OUT` set. Run alone, they fail and
//! say so rather than pass without looking.

use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: the end-to-end tier runs under `cargo xtask test`")
    })
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures")
        .join(name)
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

/// Runs the `baton` CLI on a workspace file (seeding it before the app opens, or checking it
/// after), failing the test on a non-zero exit.
fn baton(db: &Path, args: &[&str]) -> String {
    baton_on(db, args, None)
}

/// [`baton`], on a laptop of its own when `data` names its data folder.
fn baton_on(db: &Path, args: &[&str], data: Option<&Path>) -> String {
    let mut cli = Command::new(env("BATON_CLI_BIN"));
    cli.arg("--db").arg(db).args(args);
    if let Some(data) = data {
        cli.env("XDG_DATA_HOME", data);
    }
    let out = cli.output().unwrap();
    assert!(
        out.status.success(),
        "baton {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn dunstctl(args: &[&str]) -> String {
    let out = Command::new("dunstctl").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes sure a notification daemon owns the session bus's notification name. It lives as
/// long as the private bus of this test run and exits with it, so nobody waits for it here.
#[allow(clippy::zombie_processes)]
fn ensure_dunst() {
    if Command::new("dunstctl")
        .arg("is-paused")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return;
    }
    Command::new("dunst")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dunst");
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        if Command::new("dunstctl")
            .arg("is-paused")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return;
        }
    }
    panic!("dunst did not come up on the session bus");
}

/// Two free local ports, for tauri-driver and the WebKitWebDriver behind it.
fn free_ports() -> (u16, u16) {
    let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let b = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

/// One app under test: its workspace file, its tauri-driver, the WebDriver session.
struct App {
    client: Client,
    driver: Child,
    db: PathBuf,
    _dir: tempfile::TempDir,
}

impl App {
    /// A workspace seeded by `seed` (through the CLI), then the desktop app opened on it.
    async fn start(seed: impl FnOnce(&Path)) -> App {
        ensure_dunst();
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("workspace.sqlite");
        seed(&db);
        eprintln!("e2e: seeded {}", db.display());
        App::launch(dir, db, None, None).await
    }

    /// The app opened on a team workspace at `url`, as `laptop`: its own login, its own data
    /// folder and its own desktop session (a private bus with its own dunst).
    async fn on_team(url: &str, laptop: &Laptop) -> App {
        let dir = tempfile::tempdir().unwrap();
        App::launch(
            dir,
            PathBuf::from(laptop.address(url)),
            Some(laptop.data.path()),
            Some(&laptop.bus),
        )
        .await
    }

    async fn launch(
        dir: tempfile::TempDir,
        db: PathBuf,
        data: Option<&Path>,
        bus: Option<&Bus>,
    ) -> App {
        let (port, native_port) = free_ports();
        // The native save dialog answers with this folder, and "open with the default app"
        // runs a script that notes the file it was given (WebDriver cannot reach either).
        let saved = dir.path().join("saved");
        std::fs::create_dir_all(&saved).unwrap();
        let opener = dir.path().join("open-with.sh");
        std::fs::write(
            &opener,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
                dir.path().join("opened.txt").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&opener, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let mut driver = Command::new("tauri-driver");
        // No workspace named: the app opens where its data folder says, as it does for a user.
        if !db.as_os_str().is_empty() {
            driver.env("BATON_DB", &db);
        }
        driver
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("BATON_SAVE_DIR", &saved)
            .env("BATON_OPEN_WITH", &opener)
            .stdout(Stdio::null())
            .stderr(driver_log(port))
            // Its own process group: stopping the driver stops the app, never this test run.
            .process_group(0);
        if let Some(data) = data {
            driver.env("XDG_DATA_HOME", data);
        }
        if let Some(bus) = bus {
            driver.env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
        }
        let driver = driver
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver)");
        let caps = json!({
            "tauri:options": { "application": env("BATON_DESKTOP_BIN") },
        });
        let mut last = None;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut builder = ClientBuilder::rustls().unwrap();
            builder.capabilities(caps.as_object().unwrap().clone());
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(client) => {
                    eprintln!("e2e: session on port {port}");
                    let app = App {
                        client,
                        driver,
                        db,
                        _dir: dir,
                    };
                    app.wait_css("main#view > *").await;
                    return app;
                }
                Err(e) => last = Some(e),
            }
        }
        panic!("no WebDriver session: {last:?}");
    }

    async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        eprintln!("e2e: wait for {css}");
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
    }

    /// Waits while the screen is being redrawn (`#view[aria-busy]`): a click on what is about
    /// to be replaced can land on nothing, as a person's would.
    async fn settled(&self) {
        for _ in 0..300 {
            let busy = self
                .client
                .execute(
                    "return document.querySelector('#view[aria-busy]') !== null",
                    vec![],
                )
                .await
                .unwrap();
            if busy == json!(false) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the screen was still being redrawn after 15 seconds");
    }

    async fn click(&self, css: &str) {
        eprintln!("e2e: click {css}");
        self.settled().await;
        let el = self.wait_css(css).await;
        eprintln!("e2e: found {css}");
        // Into the middle of the window, as a person scrolls to what they click (the bottom
        // edge is where toasts sit).
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![serde_json::to_value(&el).unwrap()],
            )
            .await
            .unwrap();
        if let Err(e) = el.click().await {
            let over = self
                .client
                .execute(
                    "const r = arguments[0].getBoundingClientRect(); const o = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); return [JSON.stringify(r), o ? o.tagName + '#' + o.id + '.' + o.className + ' ' + (o.textContent || '').slice(0, 80) : null, window.innerHeight, window.scrollY]",
                    vec![serde_json::to_value(&el).unwrap()],
                )
                .await;
            self.screenshot("click-intercepted").await;
            panic!("clicking {css} failed ({e}); over it: {over:?}");
        }
        eprintln!("e2e: clicked {css}");
    }

    async fn text(&self, css: &str) -> String {
        self.wait_css(css).await.text().await.unwrap()
    }

    /// Waits until `css`'s text contains `needle`.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let mut seen = String::new();
        for _ in 0..75 {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                seen = el.text().await.unwrap_or_default();
                if seen.contains(needle) {
                    return seen;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{css} never said {needle:?}; it said {seen:?}");
    }

    /// Waits until `css`'s text content (drawn or scrolled out of sight) contains `needle`.
    async fn wait_content(&self, css: &str, needle: &str) -> String {
        let mut seen = String::new();
        for _ in 0..75 {
            let text = self
                .client
                .execute(
                    "const el = document.querySelector(arguments[0]); return el ? el.textContent : ''",
                    vec![json!(css)],
                )
                .await
                .unwrap();
            seen = text.as_str().unwrap_or_default().to_string();
            if seen.contains(needle) {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{css} never held {needle:?}; it held {seen:?}");
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        eprintln!("e2e: run {}", script.lines().next().unwrap_or_default());
        self.client.execute(script, args).await.unwrap()
    }

    /// Sets a form control's value the way typing would (date inputs included).
    async fn set(&self, css: &str, value: &str) {
        self.wait_css(css).await;
        self.js(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1];
             el.dispatchEvent(new Event('input', {bubbles: true}));
             el.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![json!(css), json!(value)],
        )
        .await;
    }

    /// Opens a screen from the navigation bar, as the user does.
    async fn go(&self, screen: &str) {
        self.click(&format!("[data-nav={screen}]")).await;
    }

    /// Saves what the user sees under target/e2e/NAME.png, once the frame has settled.
    async fn screenshot(&self, name: &str) {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let png = self.client.screenshot().await.unwrap();
        let out = PathBuf::from(env("BATON_E2E_OUT"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(format!("{name}.png")), png).unwrap();
    }

    async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// However a journey ends, its driver, WebKitWebDriver and app go with it.
impl Drop for App {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// tauri-driver's and the app's stderr, kept beside the screenshots for when a journey fails.
fn driver_log(port: u16) -> Stdio {
    let out = PathBuf::from(env("BATON_E2E_OUT"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::File::create(out.join(format!("driver-{port}.log")))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

/// A journey that hangs fails after three minutes instead of stalling the tier.
async fn within<T>(journey: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(180), journey)
        .await
        .expect("the journey did not finish within three minutes")
}

/// A team where I am in delivery, so kickoff tasks land on me.
fn delivery_team(db: &Path) {
    baton(
        db,
        &[
            "people",
            "add",
            "Dee Delivery",
            "--role",
            "delivery",
            "--me",
        ],
    );
    baton(db, &["people", "add", "Sam Seller", "--role", "sales"]);
    baton(db, &["people", "add", "Fay Founder", "--role", "founder"]);
}

/// Lumen Optics' checklist, filled: the deal the email and chat journeys hand off.
const LUMEN: &[&str] = &[
    "buyer_goals=Faster onboarding",
    "main_contact=Rita Sørensen",
    "contact_email=rita@lumen.example",
    "signed_scope=Onboarding revamp",
    "start_date=2026-12-14",
    "promised_deliverables=New onboarding flow",
    "pricing_exceptions=None",
    "risk_notes=None",
    "kickoff_preference=Video call",
];

/// Adds a deal owned by Sam Seller in `stage` with `fields` (`key=value`), through the CLI.
fn add_deal(db: &Path, name: &str, stage: &str, fields: &[&str]) {
    let mut args = vec![
        "add",
        "--kind",
        "deal",
        name,
        "--stage",
        stage,
        "--owner",
        "Sam Seller",
    ];
    args.extend(fields);
    baton(db, &args);
}

/// Waits until dunst's history holds a notification saying `needle`, and returns the history.
/// Closing every shown notification moves it into the history.
async fn notification_saying(needle: &str) -> String {
    let mut history = String::new();
    for _ in 0..50 {
        dunstctl(&["close-all"]);
        history = dunstctl(&["history"]);
        if history.contains(needle) {
            return history;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no notification said {needle:?}; dunst history: {history}");
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_opens_the_demo_and_the_board_shows_deals_in_their_stages() {
    within(async {
        let app = App::start(|_| {}).await;
        app.wait_text("#welcome-title", "Welcome to Baton").await;
        app.screenshot("01-first-run").await;
        app.click("#start-demo").await;
        // The board draws once the demo is written; the Closed Won column fills with cards.
        let mut columns = Value::Null;
        for _ in 0..75 {
            columns = app
                .js(
                    "return [...document.querySelectorAll('.column')].map(c => [c.querySelector('h2').textContent, c.querySelectorAll('.card').length])",
                    vec![],
                )
                .await;
            let won = columns
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c[0] == "Closed Won"));
            if won.is_some_and(|c| c[1].as_u64().unwrap_or(0) > 0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let won = columns
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c[0] == "Closed Won"))
            .expect("a Closed Won column");
        assert!(won[1].as_u64().unwrap() > 0, "{columns:?}");
        let records: Value =
            serde_json::from_str(&baton(&app.db, &["records", "--kind", "deal", "--json"])).unwrap();
        assert_eq!(records.as_array().unwrap().len(), 60, "the demo's 60 deals");
        let shown: u64 = app
            .js(
                "return [...document.querySelectorAll('.column header .muted')].reduce((n, e) => n + parseInt(e.textContent.replace(/[^0-9].*$/, '')), 0)",
                vec![],
            )
            .await
            .as_u64()
            .unwrap();
        assert_eq!(shown, 60, "the column counts add up to every deal");
        app.screenshot("02-board").await;
        // The keyboard: T opens my tasks, B comes back, / goes to the search box; a letter
        // works typed plainly or with Shift, as the README writes it.
        let view = app.wait_css("main#view").await;
        view.send_keys("t").await.unwrap();
        app.wait_text("#view h1", "My tasks").await;
        app.wait_css("main#view").await.send_keys("b").await.unwrap();
        app.wait_text("#view h1", "Pipeline").await;
        app.wait_css("main#view").await.send_keys("T").await.unwrap();
        app.wait_text("#view h1", "My tasks").await;
        app.wait_css("main#view").await.send_keys("B").await.unwrap();
        app.wait_text("#view h1", "Pipeline").await;
        app.wait_css("main#view").await.send_keys("/").await.unwrap();
        let focused = app.js("return document.activeElement.id", vec![]).await;
        assert_eq!(focused, "search");
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_hubspot_csv_previews_imports_with_progress_and_counts_that_match_the_file() {
    within(async {
        let app = App::start(delivery_team).await;
        // Big enough for the progress events to be seen.
        let csv = app.db.with_file_name("hubspot-deals-export.csv");
        let mut text =
            String::from("Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Notes\n");
        for i in 0..20_000 {
            text.push_str(&format!(
                "{},\"Deal {i} — renewal\",Contract Sent,{}.50,2026-03-{:02},Sam Seller,\"Line one\nline two\"\n",
                9_000_000 + i,
                1000 + i,
                1 + i % 28
            ));
        }
        std::fs::write(&csv, text).unwrap();
        // WebDriver cannot make an OS drop; this is the event the shell's drop handler raises.
        app.js(
            "document.dispatchEvent(new CustomEvent('baton:files-dropped', {detail: {paths: [arguments[0]]}}))",
            vec![json!(csv.display().to_string())],
        )
        .await;
        let detected = app.wait_text("#import-detected", "hubspot").await;
        assert!(detected.contains("deals"), "{detected}");
        app.screenshot("03-import-preview").await;
        app.js(
            "window.__progress = []; window.__TAURI__.event.listen('import-progress', e => window.__progress.push(e.payload));",
            vec![],
        )
        .await;
        app.click("#import-start").await;
        let result = app.wait_text("#import-result", "20,000 rows").await;
        assert!(result.contains("20,000 new"), "{result}");
        let progress = app.js("return window.__progress", vec![]).await;
        let progress = progress.as_array().unwrap();
        assert!(!progress.is_empty(), "progress events reached the window");
        let last = progress.last().unwrap();
        assert_eq!(last["bytes"], last["total_bytes"], "{last}");
        assert_eq!(last["rows"], 20_000);
        app.screenshot("04-import-done").await;
        let imports: Value = serde_json::from_str(&baton(&app.db, &["imports", "--json"])).unwrap();
        assert_eq!(
            imports[0]["inserted"], 20_000,
            "the window's counts are the workspace's"
        );
        // On the board, the 20,000-card column starts a few screens tall and grows as it is
        // scrolled: scrolling on reaches cards far down the stage.
        app.click("#import-see-board").await;
        app.wait_text("#view .toolbar", "20,000 deals").await;
        app.wait_css(".col-body .card").await;
        let start = app
            .js("return document.querySelector('.col-body .spacer').offsetHeight", vec![])
            .await;
        let mut reached = Value::Null;
        for _ in 0..20 {
            reached = app
                .js(
                    "const b = document.querySelector('.col-body'); b.scrollTop = b.scrollHeight; b.dispatchEvent(new Event('scroll')); return [b.querySelector('.spacer').offsetHeight, document.querySelectorAll('.col-body .card').length]",
                    vec![],
                )
                .await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (start, grown) = (start.as_u64().unwrap(), reached[0].as_u64().unwrap());
        assert!(start < 3_000, "a column starts a few screens tall: {start} px");
        assert!(grown >= start * 5, "and grows as it is scrolled: {start} -> {grown} px");
        let mut drawn = 0;
        for _ in 0..50 {
            drawn = app
                .js(
                    "return document.querySelector('.col-body').querySelectorAll('.card').length",
                    vec![],
                )
                .await
                .as_u64()
                .unwrap();
            if drawn > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(drawn > 0, "cards are drawn where it was scrolled to");
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_won_with_fields_missing_walks_the_wizard_hands_off_and_notifies_me() {
    within(async {
        let app = App::start(|db| {
            delivery_team(db);
            add_deal(
                db,
                "Nordlicht GmbH",
                "Contract Sent",
                &[
                    "signed_scope=Analytics audit",
                    "promised_deliverables=Audit report",
                    "pricing_exceptions=None",
                    "company=Nordlicht GmbH",
                ],
            );
        })
        .await;
        dunstctl(&["close-all"]);
        dunstctl(&["history-clear"]);
        app.click("[data-record]").await;
        app.wait_text("#record-title", "Nordlicht GmbH").await;
        app.set("#stage-select", "Closed Won").await;
        app.click("#move-stage").await;
        app.wait_text("#wizard-title", "Nordlicht GmbH").await;
        let steps = app.text("#wizard .steps").await;
        assert!(
            steps.contains("Who and when")
                && steps.contains("Why it matters")
                && !steps.contains("What was sold"),
            "{steps}"
        );
        app.set("#wf-main_contact", "Ana Berg").await;
        app.set("#wf-start_date", "2026-12-07").await;
        app.set("#wf-kickoff_preference", "Video call, mornings")
            .await;
        app.screenshot("05-wizard-fields").await;
        app.click("#wizard-next").await;
        app.set("#wf-buyer_goals", "A board-ready dashboard by Q1")
            .await;
        app.set("#wf-risk_notes", "Their data team is two people")
            .await;
        app.click("#wizard-next").await;
        app.set("#wc-promised_verbally", "A weekly status call")
            .await;
        app.click("#wizard-next").await;
        let promised = app
            .wait_text("#answer-promised", "A weekly status call")
            .await;
        assert!(promised.contains("Audit report"), "{promised}");
        assert_eq!(app.text("#answer-who").await, "Dee Delivery");
        app.screenshot("06-wizard-review").await;
        app.click("#wizard-hand-off").await;
        // Back on the record: the handoff now says who has it.
        let handoff = app
            .wait_text("#record-dialog .handoff", "next owner Dee Delivery")
            .await;
        assert!(handoff.contains("Handed off"), "{handoff}");
        // The board behind the dialog changed while it was open: closing it shows the deal
        // where it is now (Closed Won, handed off), not the card drawn before.
        let before = app.wait_css("[data-record]").await;
        app.click("#record-dialog [aria-label=Close]").await;
        let mut card = Value::Null;
        for _ in 0..50 {
            card = app
                .js(
                    "const c = document.querySelector('[data-record]'); return c && [c.closest('.column').querySelector('h2').textContent, c.textContent]",
                    vec![],
                )
                .await;
            if card[0] == "Closed Won" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(card[0], "Closed Won", "{card:?}");
        assert!(card[1].as_str().unwrap().contains("Handed off"), "{card:?}");
        assert!(
            before.text().await.is_err(),
            "the card is drawn anew, not the element from before the dialog"
        );
        app.screenshot("07a-board-after-hand-off").await;
        app.go("tasks").await;
        let task = app.wait_text("#my-tasks", "Kickoff: Nordlicht GmbH").await;
        assert!(task.contains("Due"), "{task}");
        assert!(
            task.contains("Schedule the kickoff call"),
            "the checklist: {task}"
        );
        app.screenshot("07-my-tasks").await;
        // The notification reached the daemon: closed notifications are in dunst's history.
        // Its text reads as a person writes it: the task, then its due date in the words the
        // app uses for days under this locale (en_US: Dec 4, 2026).
        let history = notification_saying("New kickoff task").await;
        let tasks: Value = serde_json::from_str(&baton(&app.db, &["tasks", "--json"])).unwrap();
        let kickoff = tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kind"] == "kickoff")
            .unwrap();
        let due = kickoff["due"].as_str().unwrap();
        let (y, m, d) = (&due[0..4], &due[5..7], due[8..10].trim_start_matches('0'));
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = months[m.parse::<usize>().unwrap() - 1];
        let body = format!(
            "{}\nDue {month} {d}, {y}",
            kickoff["title"].as_str().unwrap()
        );
        let quoted = serde_json::to_string(&body).unwrap();
        assert!(
            history.contains(quoted.trim_matches('"')),
            "{body:?} not in the dunst history: {history}"
        );
        let handoffs: Value =
            serde_json::from_str(&baton(&app.db, &["handoffs", "--json"])).unwrap();
        assert_eq!(handoffs[0]["status"], "handed_off");
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exception_flag_routes_to_review_and_approving_hands_off() {
    within(async {
        let app = App::start(|db| {
            delivery_team(db);
            add_deal(
                db,
                "Kestrel & Finch",
                "Closed Won",
                &[
                    "flags=custom_scope",
                    "buyer_goals=Grow",
                    "main_contact=Kim",
                    "signed_scope=Custom build",
                    "start_date=2026-12-07",
                    "promised_deliverables=Prototype",
                    "pricing_exceptions=20% off",
                    "risk_notes=New stack",
                    "kickoff_preference=On site",
                ],
            );
        })
        .await;
        app.go("review").await;
        app.wait_text("#review-queue", "Kestrel & Finch").await;
        app.screenshot("08-review-queue").await;
        app.click("[data-action=approve]").await;
        app.wait_text("#view", "No handoff waits for review").await;
        let handoffs: Value =
            serde_json::from_str(&baton(&app.db, &["handoffs", "--json"])).unwrap();
        assert_eq!(handoffs[0]["status"], "handed_off", "{handoffs}");
        assert_eq!(handoffs[0]["to_owner"], "Dee Delivery");
        // Delivery finds context missing and escalates it from the record.
        app.go("board").await;
        app.click("[data-record]").await;
        app.wait_text("#record-title", "Kestrel & Finch").await;
        app.click("#escalate-handoff").await;
        app.wait_text("#toasts", "Say what is missing").await;
        app.set("#return-reason", "Which prototype screens were promised?")
            .await;
        app.screenshot("37-record-escalate").await;
        app.click("#escalate-handoff").await;
        app.wait_text("#record-dialog .handoff", "Escalated").await;
        let handoffs: Value =
            serde_json::from_str(&baton(&app.db, &["handoffs", "--json"])).unwrap();
        assert_eq!(handoffs[0]["status"], "escalated", "{handoffs}");
        assert!(
            handoffs[0]["note"]
                .as_str()
                .unwrap()
                .contains("Which prototype screens were promised?"),
            "{handoffs}"
        );
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_brief_shows_the_four_answers() {
    within(async {
        let app = App::start(|db| {
            delivery_team(db);
            add_deal(
                db,
                "Lumen Optics",
                "Closed Won",
                &[
                    "buyer_goals=Faster onboarding",
                    "main_contact=Rita",
                    "signed_scope=Onboarding revamp",
                    "start_date=2026-12-14",
                    "promised_deliverables=New onboarding flow",
                    "pricing_exceptions=None",
                    "risk_notes=None",
                    "kickoff_preference=Video call",
                ],
            );
        })
        .await;
        app.click("[data-record]").await;
        app.click("#open-brief").await;
        let answers = app.wait_text("#brief-answers", "Dee Delivery").await;
        for needle in [
            "Who owns the next step",
            "What was promised",
            "New onboarding flow",
            "What the client expects next",
            "2026-12-14",
            "Which task starts the work",
            "Kickoff: Lumen Optics",
        ] {
            assert!(answers.contains(needle), "{needle:?} not in {answers}");
        }
        app.screenshot("09-brief").await;
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_named_like_markup_renders_as_text_and_runs_nothing() {
    within(async {
        let app = App::start(|db| {
            delivery_team(db);
            baton(db, &["import", &fixture("hubspot_deals.csv")]);
        })
        .await;
        app.js(
            "window.__xss = 0; window.alert = () => { window.__xss += 1; };",
            vec![],
        )
        .await;
        app.wait_css(".card").await;
        let names = app
            .js(
                "return [...document.querySelectorAll('.card-name')].map(e => e.textContent)",
                vec![],
            )
            .await;
        assert!(
            names
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n == "<img src=x onerror=alert(1)>"),
            "{names}"
        );
        let imgs = app
            .js(
                "return document.querySelectorAll('main img').length",
                vec![],
            )
            .await;
        assert_eq!(imgs, 0, "no element was made from the name");
        // Search finds it, and its record opens with the name as its title.
        app.set("#search", "onerror").await;
        app.wait_text("#view .toolbar", "1 deal found").await;
        app.click("[data-record]").await;
        let title = app.text("#record-title").await;
        assert_eq!(title, "<img src=x onerror=alert(1)>");
        app.screenshot("10-markup-as-text").await;
        let ran = app.js("return window.__xss", vec![]).await;
        assert_eq!(ran, 0);
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_saved_into_the_watched_folder_imports_itself_and_notifies_me() {
    within(async {
        let app = App::start(delivery_team).await;
        let folder = app.db.with_file_name("exports");
        std::fs::create_dir(&folder).unwrap();
        // An export that was there before the folder was chosen stays out.
        std::fs::write(
            folder.join("old-export.csv"),
            "Record ID,Deal Name,Deal Stage,Amount,Deal owner\n1,Old deal,Contract Sent,100,Sam Seller\n",
        )
        .unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        dunstctl(&["close-all"]);
        dunstctl(&["history-clear"]);
        app.go("settings").await;
        app.set("#watch-path", &folder.display().to_string()).await;
        app.click("#watch-set").await;
        app.wait_text("#watch-status", "Watching").await;
        app.screenshot("11-watched-folder").await;
        std::fs::write(
            folder.join("hubspot-deals-2026-11-24.csv"),
            "Record ID,Deal Name,Deal Stage,Amount,Deal owner\n\
             7001,Orbit Labs — rollout,Contract Sent,4200,Sam Seller\n\
             7002,Quill & Co,Closed Won,9100,Sam Seller\n",
        )
        .unwrap();
        app.wait_text(
            "#toasts",
            "Imported hubspot-deals-2026-11-24.csv from the watched folder: 2 new",
        )
        .await;
        let imports: Value = serde_json::from_str(&baton(&app.db, &["imports", "--json"])).unwrap();
        let imports = imports.as_array().unwrap();
        assert_eq!(imports.len(), 1, "only the new export: {imports:?}");
        assert_eq!(imports[0]["inserted"], 2);
        notification_saying("Imported hubspot-deals-2026-11-24.csv").await;
        app.go("board").await;
        app.wait_text("#view .toolbar", "2 deals").await;
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_health_dashboard_shows_what_baton_health_computes_and_opens_the_records_behind_a_number(
) {
    within(async {
        let app = App::start(|db| {
            baton(db, &["demo"]);
        })
        .await;
        app.go("health").await;
        app.wait_css("#metric-handoffs_triggered").await;
        let cli: Value =
            serde_json::from_str(&baton(&app.db, &["health", "--weeks", "6", "--json"])).unwrap();
        let weeks = cli["weeks"].as_array().unwrap();
        // The dashboard opens on the last whole week.
        let week = &weeks[weeks.len() - 2];
        let chosen = app
            .js("return document.getElementById('health-week').value", vec![])
            .await;
        assert_eq!(chosen, week["week"]);
        let shown = |v: &Value| match v.as_f64() {
            None => "—".to_string(),
            Some(x) => format!("{x}"),
        };
        for (key, value) in [
            ("closed_won_to_kickoff_days", &week["closed_won_to_kickoff_days"]["median"]),
            ("handoffs_triggered", &week["handoffs_triggered"]),
            ("handoffs_complete_at_trigger_pct", &week["handoffs_complete_at_trigger_pct"]),
            ("escalations_missing_context", &week["escalations_missing_context"]),
            ("lead_response_hours", &week["lead_response_hours"]["median"]),
            ("leads_without_source", &week["leads_without_source"]),
            ("leads_rejected_unclear", &week["leads_rejected_unclear"]),
        ] {
            let on_screen = app.text(&format!("#metric-{key}")).await;
            assert_eq!(on_screen, shown(value), "{key}");
        }
        // Each trend names every week's value.
        let trend = app
            .js(
                "return document.querySelector('[data-figure=handoffs_triggered] svg').getAttribute('aria-label')",
                vec![],
            )
            .await;
        for w in weeks {
            let part = format!("{} {}", w["week"].as_str().unwrap(), w["handoffs_triggered"]);
            assert!(trend.as_str().unwrap().contains(&part), "{part} not in {trend}");
        }
        // The fields missing most, as people read them, with the CLI's counts.
        let listed = app
            .js(
                "return [...document.querySelectorAll('#health-missing li')].map((li) => li.textContent)",
                vec![],
            )
            .await;
        let expected: Vec<String> = cli["most_missing_fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}: {}", f["label"].as_str().unwrap(), f["count"]))
            .collect();
        assert!(!expected.is_empty(), "the demo has handoffs that paused");
        assert_eq!(listed, serde_json::json!(expected));
        // The leak check says which handoff to fix first, as the CLI does.
        let advice = app.text("#leak-recommendation").await;
        assert_eq!(advice, cli["leak_check"]["recommendation"].as_str().unwrap());
        app.screenshot("12-health").await;
        app.js(
            "document.getElementById('leak-recommendation').scrollIntoView()",
            vec![],
        )
        .await;
        app.screenshot("14-leak-check").await;
        app.click("#metric-handoffs_triggered").await;
        app.wait_css("#health-drill[open]").await;
        let rows = app
            .js("return document.querySelectorAll('#health-drill tr').length", vec![])
            .await;
        assert_eq!(rows, week["handoffs_triggered"], "one row per handoff behind the number");
        app.screenshot("13-health-drill-down").await;
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_workspace_is_said_when_the_app_opens_with_the_copy_to_restore() {
    within(async {
        let app = App::start(|db| {
            delivery_team(db);
            // An import that changes records keeps a copy of the workspace as it was.
            baton(db, &["import", &fixture("hubspot_deals.csv")]);
            // Then a page of the audit log goes bad, as on a failing disk: the board still
            // reads, but the file is damaged.
            let conn = rusqlite::Connection::open(db).unwrap();
            let page: i64 = conn
                .query_row(
                    "SELECT max(pageno) FROM dbstat WHERE name = 'events' AND pagetype = 'leaf'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .unwrap();
            drop(conn);
            use std::io::{Seek, SeekFrom, Write};
            let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
            f.seek(SeekFrom::Start((page as u64 - 1) * 4096)).unwrap();
            f.write_all(&[0x5a; 4096]).unwrap();
        })
        .await;
        let said = app.wait_text("#toasts", "is damaged").await;
        assert!(
            said.contains(&format!("the workspace {} is damaged", app.db.display())),
            "{said}"
        );
        assert!(
            said.contains("Restore the newest intact copy with: baton --db"),
            "{said}"
        );
        assert!(said.contains("-before-import.sqlite"), "{said}");
        app.screenshot("15-damaged-workspace").await;
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_made_during_a_command_line_import_waits_says_so_and_lands() {
    within(async {
        let app = App::start(delivery_team).await;
        // A long import from the command line holds the workspace (long enough, even on a
        // fast machine, for the form below to be filled and sent while it runs).
        let csv = app.db.with_file_name("big-export.csv");
        let mut text = String::from("Record ID,Deal Name,Deal Stage,Amount,Deal owner\n");
        for i in 0..150_000 {
            text.push_str(&format!(
                "{},Deal {i},Contract Sent,{},Sam Seller\n",
                5_000_000 + i,
                100 + i
            ));
        }
        std::fs::write(&csv, text).unwrap();
        let mut import = Command::new(env("BATON_CLI_BIN"))
            .arg("--db")
            .arg(&app.db)
            .arg("import")
            .arg(&csv)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let announced = PathBuf::from(format!("{}-import", app.db.display()));
        for _ in 0..300 {
            if announced.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(announced.exists(), "the import never started");
        app.go("settings").await;
        app.set("#person-name", "Priya Patel").await;
        app.click("#person-name ~ button[type=submit]").await;
        let said = app
            .wait_text("#toasts", "an import is running (started ")
            .await;
        assert!(said.contains("from the command line"), "{said}");
        assert!(said.contains("of big-export.csv read); waiting…"), "{said}");
        app.screenshot("16-waiting-for-an-import").await;
        // Once the import has finished, the change lands and the wait is no longer shown.
        assert!(import.wait().unwrap().success());
        app.wait_text("#toasts", "Priya Patel is on the team.")
            .await;
        let toasts = app.text("#toasts").await;
        assert!(!toasts.contains("waiting…"), "{toasts}");
        assert!(baton(&app.db, &["people"]).contains("Priya Patel"));
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_a_playbook_says_first_what_it_does_to_handoffs_under_way() {
    within(async {
        let app = App::start(|db| {
            delivery_team(db);
            // Closed Won with most fields missing: a handoff paused under the deal playbook.
            add_deal(
                db,
                "Halden Bakeri",
                "Closed Won",
                &["company=Halden Bakeri"],
            );
        })
        .await;
        app.go("playbooks").await;
        app.wait_css("section.playbook input[type=number]").await;
        app.js(
            "const el = document.querySelector('section.playbook input[type=number]');
             el.value = String(Number(el.value) + 2);
             el.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await;
        app.click("#playbooks-save").await;
        let said = app
            .wait_text("#playbook-impact", "1 handoff paused for missing fields")
            .await;
        assert!(
            said.contains("the required fields are checked again when its record next changes, and it hands off under the new owner rule, task, due days, checklist and email"),
            "{said}"
        );
        let before: Value =
            serde_json::from_str(&baton(&app.db, &["playbooks", "--json"])).unwrap();
        app.screenshot("17-playbook-impact").await;
        app.click("#playbooks-confirm").await;
        app.wait_text("#toasts", "Playbooks saved. \"").await;
        let after: Value = serde_json::from_str(&baton(&app.db, &["playbooks", "--json"])).unwrap();
        assert_eq!(
            after[0]["due_business_days"].as_u64().unwrap(),
            before[0]["due_business_days"].as_u64().unwrap() + 2,
            "nothing was saved before the second click"
        );
        app.close().await;
    })
    .await
}

/// The board's columns as drawn: (stage, count, left edge in px).
async fn board_columns(app: &App) -> Vec<(String, u64, f64)> {
    app.wait_css(".column").await;
    let cols = app
        .js(
            "return [...document.querySelectorAll('.column')].map(c => [c.querySelector('h2').textContent, parseInt(c.querySelector('header .muted').textContent.replace(/[^0-9].*$/, '')), c.getBoundingClientRect().left])",
            vec![],
        )
        .await;
    cols.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[0].as_str().unwrap().to_string(),
                c[1].as_u64().unwrap(),
                c[2].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The board's columns once `done` holds for them (a move redraws the board a moment later).
async fn columns_when(
    app: &App,
    done: impl Fn(&[(String, u64, f64)]) -> bool,
) -> Vec<(String, u64, f64)> {
    let mut cols = Vec::new();
    for _ in 0..50 {
        cols = board_columns(app).await;
        if done(&cols) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cols
}

/// The board's columns after leaving it for My tasks and coming back (what is kept).
async fn columns_after_leaving(app: &App) -> Vec<(String, u64, f64)> {
    app.go("tasks").await;
    app.go("board").await;
    app.wait_text("#view .toolbar", "30 deals").await;
    board_columns(app).await
}

/// Imports `csv` through the Import screen as a user does, then opens the board it links to.
async fn import_and_see_board(app: &App, csv: &Path) {
    app.go("import").await;
    app.js(
        "document.dispatchEvent(new CustomEvent('baton:files-dropped', {detail: {paths: [arguments[0]]}}))",
        vec![json!(csv.display().to_string())],
    )
    .await;
    app.wait_css("#import-detected").await;
    app.click("#import-start").await;
    app.wait_text("#import-result", "30 new").await;
    app.click("#import-see-board").await;
    app.wait_text("#view .toolbar", "30 deals").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_salesforce_export_lands_on_a_board_in_salesforce_order_first_columns_first() {
    within(async {
        let app = App::start(delivery_team).await;
        // A Salesforce opportunity report: UTF-8 with a byte-order mark, US dates and amounts,
        // its default stages, rows in no particular order.
        let stages = [
            "Prospecting",
            "Qualification",
            "Needs Analysis",
            "Value Proposition",
            "Id. Decision Makers",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
            "Closed Lost",
        ];
        let mut text = String::from("\u{feff}Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date,Created Date,Opportunity Owner\n");
        for i in 0..30 {
            let stage = stages[(i * 7 + 3) % stages.len()];
            text.push_str(&format!(
                "0065g00000{i:05}AAA,Account {i} — renewal,Account {i},{stage},\"${},500.00\",03/{:02}/2026,01/15/2026,Sam Seller\n",
                10 + i,
                1 + i % 28
            ));
        }
        let csv = app.db.with_file_name("salesforce-opportunities.csv");
        std::fs::write(&csv, text).unwrap();
        import_and_see_board(&app, &csv).await;
        let cols = board_columns(&app).await;
        let order: Vec<&str> = cols.iter().map(|(s, _, _)| s.as_str()).collect();
        assert_eq!(order, stages.to_vec(), "Salesforce's own order, the ends last");
        assert!(cols.iter().all(|(_, n, _)| *n > 0), "no empty stage shown: {cols:?}");
        assert_eq!(cols.iter().map(|(_, n, _)| n).sum::<u64>(), 30);
        // Within a 1280 px window, the first columns hold imported deals.
        let visible: Vec<_> = cols.iter().filter(|(_, _, left)| *left < 1280.0).collect();
        assert!(visible.len() >= 4 && visible[0].0 == "Prospecting", "{cols:?}");
        app.screenshot("18-board-after-salesforce-import").await;
        // A column moved right stays moved for this workspace.
        app.click("[data-stage-move='Prospecting'][data-by='1']").await;
        let moved = columns_when(&app, |c| c[0].0 == "Qualification").await;
        assert_eq!(
            moved.iter().take(2).map(|(s, _, _)| s.as_str()).collect::<Vec<_>>(),
            ["Qualification", "Prospecting"]
        );
        assert_eq!(columns_after_leaving(&app).await[0].0, "Qualification", "kept");
        // Back into Salesforce: the won opportunities' handoffs as a Data Loader update file
        // keyed by Id, saved where the save dialog said, the tasks beside it.
        app.go("handoffs").await;
        app.click("#export-salesforce").await;
        app.wait_text("#toasts", "Saved").await;
        let saved = app.db.with_file_name("saved");
        let mut updates = csv::Reader::from_path(saved.join("salesforce-updates.csv")).unwrap();
        assert_eq!(
            updates.headers().unwrap().iter().take(2).collect::<Vec<_>>(),
            ["Id", "Baton_Handoff_Status__c"]
        );
        let mut ids: Vec<String> = updates
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        ids.sort();
        let won: Vec<String> = (0..30)
            .filter(|i| stages[(i * 7 + 3) % stages.len()] == "Closed Won")
            .map(|i| format!("0065g00000{i:05}AAA"))
            .collect();
        assert_eq!(ids, won, "one row per won opportunity");
        let tasks = csv::Reader::from_path(saved.join("salesforce-updates-tasks.csv"))
            .unwrap()
            .records()
            .count();
        assert_eq!(tasks, won.len(), "each paused handoff's task to fill the fields");
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pipedrive_export_lands_on_a_board_in_pipedrive_order() {
    within(async {
        let app = App::start(delivery_team).await;
        // Pipedrive, re-saved by Excel in a European locale: semicolons, decimal commas; a won
        // deal keeps its stage and says Won in its status.
        let stages = [
            "Qualified",
            "Contact Made",
            "Demo Scheduled",
            "Proposal Made",
            "Negotiations Started",
        ];
        let mut text = String::from("Deal - ID;Deal - Title;Deal - Value;Deal - Currency of value;Deal - Stage;Deal - Status;Deal - Owner;Deal - Expected close date;Organization\n");
        for i in 0..30 {
            let stage = stages[(i * 3 + 1) % stages.len()];
            let status = match i % 6 {
                0 => "Won",
                5 => "Lost",
                _ => "Open",
            };
            text.push_str(&format!(
                "{};Deal {i};{}.500,00;EUR;{stage};{status};Sam Seller;{:02}.04.2026;Org {i}\n",
                100 + i,
                2 + i,
                1 + i % 28
            ));
        }
        let csv = app.db.with_file_name("pipedrive-deals.csv");
        std::fs::write(&csv, text).unwrap();
        import_and_see_board(&app, &csv).await;
        let cols = board_columns(&app).await;
        let order: Vec<&str> = cols.iter().map(|(s, _, _)| s.as_str()).collect();
        let mut expected = stages.to_vec();
        expected.extend(["Closed Won", "Closed Lost"]);
        assert_eq!(order, expected, "Pipedrive's own order, won and lost last");
        assert!(cols.iter().all(|(_, n, _)| *n > 0), "{cols:?}");
        assert!(cols[0].2 < 1280.0 && cols[3].2 < 1280.0, "{cols:?}");
        app.screenshot("19-board-after-pipedrive-import").await;
        // Dragging a column by its header, as a mouse does, puts it where it is let go, and
        // the order is kept for this workspace.
        let from = app.wait_css(".column[aria-label='Qualified'] > header h2").await;
        let onto = cols[2].2 + 40.0 - cols[0].2;
        let drag = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: from,
                duration: None,
                x: 0,
                y: 0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(200)),
                x: 20,
                y: 0,
            })
            .then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(300)),
                x: onto as i64 - 20,
                y: 0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        app.client.perform_actions(drag).await.unwrap();
        let dragged = columns_when(&app, |c| c[0].0 != "Qualified").await;
        let order: Vec<&str> = dragged.iter().map(|(s, _, _)| s.as_str()).collect();
        assert_eq!(
            &order[..3],
            ["Contact Made", "Demo Scheduled", "Qualified"],
            "dropped onto the third column: {order:?}"
        );
        assert_eq!(columns_after_leaving(&app).await[2].0, "Qualified", "kept");
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_welcome_email_is_reviewed_opened_in_the_mail_app_and_marked_sent() {
    within(async {
        let app = App::start(|db| {
            delivery_team(db);
            baton(
                db,
                &[
                    "people",
                    "add",
                    "Dee Delivery",
                    "--role",
                    "delivery",
                    "--email",
                    "dee@example.com",
                    "--me",
                ],
            );
            add_deal(
                db,
                "Lumen Optics",
                "Closed Won",
                LUMEN,
            );
        })
        .await;
        // The draft is in the record dialog, editable.
        app.click("[data-record]").await;
        let subject = app.wait_css("#draft-subject").await;
        assert_eq!(
            subject.prop("value").await.unwrap().as_deref(),
            Some("Welcome aboard, Lumen Optics")
        );
        // Typed, as a person edits (the draft keeps the edit when the field is left).
        // Typed as a person does: the old text cleared, Enter breaks a line, Tab leaves the
        // field (and the draft keeps the edit).
        const ENTER: &str = "\u{E007}";
        const TAB: &str = "\u{E004}";
        subject.clear().await.unwrap();
        subject
            .send_keys("Welcome, Rita — let's start")
            .await
            .unwrap();
        let body = app.wait_css("#draft-body").await;
        body.clear().await.unwrap();
        body.send_keys(&format!(
            "Hi Rita,{ENTER}{ENTER}I'm Dee and I'll lead your onboarding.{ENTER}{ENTER}Dee{TAB}"
        ))
        .await
        .unwrap();
        app.wait_text("#draft-saved", "Saved").await;
        app.screenshot("20-welcome-email-draft").await;
        // Open in mail app: the .eml with the edits, opened with the default handler.
        app.click("#draft-open").await;
        app.wait_text("#toasts", "Opened in your mail app").await;
        let opened = app.db.with_file_name("opened.txt");
        let mut path = String::new();
        for _ in 0..50 {
            path = std::fs::read_to_string(&opened).unwrap_or_default();
            if !path.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let path = path.trim();
        assert!(path.ends_with("welcome-lumen-optics.eml"), "{path:?}");
        let bytes = std::fs::read(path).unwrap();
        let msg = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(msg.subject(), Some("Welcome, Rita — let's start"));
        let to = msg.to().unwrap().first().unwrap();
        assert_eq!(to.name(), Some("Rita Sørensen"));
        assert_eq!(
            msg.body_text(0).unwrap().replace("\r\n", "\n").trim_end(),
            "Hi Rita,\n\nI'm Dee and I'll lead your onboarding.\n\nDee"
        );
        let errors = app
            .js("return [...document.querySelectorAll('#toasts .error')].map(t => t.textContent)", vec![])
            .await;
        assert_eq!(errors, json!([]), "no error on the way");
        assert_eq!(msg.attachments().count(), 1, "the kickoff invite");
        // The brief shows the same draft, with the edits, and can mark it sent.
        app.click("#open-brief").await;
        let in_brief = app.wait_css("#brief-draft-subject").await;
        assert_eq!(
            in_brief.prop("value").await.unwrap().as_deref(),
            Some("Welcome, Rita — let's start")
        );
        app.js("document.querySelector('#brief-draft').scrollIntoView()", vec![])
            .await;
        app.screenshot("22-brief-with-welcome-email").await;
        // Mark as sent: who and when, and the draft becomes read-only, in the brief and in the
        // record dialog beneath it.
        app.click("#brief-draft-sent").await;
        app.wait_text("#brief-draft-status", "Sent by Dee Delivery").await;
        app.wait_text("#draft-status", "Sent by Dee Delivery").await;
        let editable = app
            .js("return document.querySelector('#draft-subject, #brief-draft-subject') !== null", vec![])
            .await;
        assert_eq!(editable, json!(false), "a sent draft is read-only");
        // Add to calendar from the brief: the .ics lands where the save dialog said.
        app.click("#brief-invite").await;
        app.wait_text("#toasts", "Kickoff invite saved").await;
        let ics = app.db.with_file_name("saved").join("kickoff-lumen-optics.ics");
        let event = saved_event(&ics);
        assert_eq!(
            event_property(&event, "SUMMARY").as_deref(),
            Some("Kickoff: Lumen Optics")
        );
        let uid = event_property(&event, "UID");
        assert!(uid.is_some(), "{event:?}");
        std::fs::remove_file(&ics).unwrap();
        // Email to Dee Delivery: the brief as an email to the new owner, opened the same way.
        app.click("#brief-email").await;
        app.wait_text("#toasts", "The brief for Dee Delivery opened").await;
        let opened_now = std::fs::read_to_string(&opened).unwrap();
        let brief_eml = opened_now.lines().last().unwrap();
        assert!(brief_eml.ends_with("brief-lumen-optics.eml"), "{opened_now}");
        let bytes = std::fs::read(brief_eml).unwrap();
        let msg = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        assert_eq!(msg.subject(), Some("Handoff brief: Lumen Optics"));
        let to = msg.to().unwrap().first().unwrap();
        assert_eq!(to.address(), Some("dee@example.com"));
        assert!(msg.body_html(0).unwrap().contains("New onboarding flow"));
        // Copy for Slack puts the mrkdwn brief on the clipboard.
        app.click("#brief-slack").await;
        app.wait_text("#toasts", "Brief copied for Slack.").await;
        // Read back from the X clipboard as another app would paste it (the web view may not
        // read it).
        let out = Command::new("xclip")
            .args(["-o", "-selection", "clipboard"])
            .output()
            .expect("xclip (cargo xtask test installs it)");
        let pasted = String::from_utf8_lossy(&out.stdout);
        assert!(
            pasted.starts_with("*Handoff brief: Lumen Optics*\n") && pasted.contains("• *What was promised:* New onboarding flow"),
            "{pasted:?}"
        );
        app.js("document.querySelectorAll('dialog[open]').forEach(d => d.close())", vec![])
            .await;
        // My tasks: the "Send the welcome email" line is ticked.
        app.go("tasks").await;
        app.wait_css(".checklist").await;
        let ticked = app
            .js(
                "return [...document.querySelectorAll('.checklist label')].filter(l => l.textContent.includes('Send the welcome email')).map(l => l.querySelector('input').checked)",
                vec![],
            )
            .await;
        assert_eq!(ticked, json!([true]));
        // Add to calendar from the task: the same event (same UID), the due date proposed
        // while no kickoff is scheduled.
        app.click("[data-invite]").await;
        app.wait_text("#toasts", "Kickoff invite saved").await;
        app.screenshot("23-my-tasks-add-to-calendar").await;
        let event = saved_event(&ics);
        assert_eq!(event_property(&event, "UID"), uid);
        assert_eq!(
            event_property(&event, "STATUS").as_deref(),
            Some("TENTATIVE")
        );
        app.close().await;
    })
    .await
}

/// The one event of the invite saved at `path`, read with the ical crate.
fn saved_event(path: &std::path::Path) -> ical::parser::ical::component::IcalEvent {
    let text = std::fs::read_to_string(path).expect("the invite was saved");
    let mut cal = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .next()
        .expect("an iCalendar object")
        .expect("a readable iCalendar object");
    assert_eq!(cal.events.len(), 1, "{text}");
    cal.events.remove(0)
}

/// The value of an iCalendar event's property `name`.
fn event_property(event: &ical::parser::ical::component::IcalEvent, name: &str) -> Option<String> {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
}

/// A local chat webhook server: answers with `statuses` in turn (then 200) and keeps the bodies.
fn webhook_server(statuses: &[u16]) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, statuses) = (got.clone(), statuses.to_vec());
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for mut req in server.incoming_requests() {
            let mut body = String::new();
            let _ = req.as_reader().read_to_string(&mut body);
            seen.lock()
                .unwrap()
                .push(serde_json::from_str(&body).unwrap_or(Value::Null));
            let status = statuses.next().unwrap_or(200);
            let _ = req.respond(tiny_http::Response::from_string("ok").with_status_code(status));
        }
    });
    (
        format!("http://127.0.0.1:{port}/services/T0/B0/secret"),
        got,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_webhook_added_in_settings_hears_the_hand_off_and_a_failure_shows_there() {
    within(async {
        let (url, posts) = webhook_server(&[500]);
        let app = App::start(|db| {
            delivery_team(db);
            add_deal(db, "Lumen Optics", "Contract Sent", LUMEN);
        })
        .await;
        // Settings → Notifications: a Slack webhook, its address typed as a person pastes it.
        app.go("settings").await;
        app.set("#hook-url", &url).await;
        app.set("#hook-kind", "slack").await;
        app.click("#hook-add").await;
        app.wait_text("#toasts", "Webhook added (127.0.0.1)").await;
        app.wait_text("#hooks", "Slack").await;
        // The deal is won in the app: the hand-off posts once it has committed.
        app.go("board").await;
        app.click("[data-record]").await;
        app.wait_text("#record-title", "Lumen Optics").await;
        app.set("#stage-select", "Closed Won").await;
        app.click("#move-stage").await;
        app.wait_text("#record-dialog .handoff", "next owner Dee Delivery")
            .await;
        for _ in 0..100 {
            if !posts.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let first = posts
            .lock()
            .unwrap()
            .first()
            .cloned()
            .expect("the hand-off was posted");
        let text = first["text"].as_str().unwrap_or_default().to_string();
        assert!(
            text.starts_with("*Handed off: Lumen Optics*\nDee Delivery has task #"),
            "{text}"
        );
        app.js(
            "document.querySelectorAll('dialog[open]').forEach(d => d.close())",
            vec![],
        )
        .await;
        // The server answered 500: Settings says so, and when it tries again.
        app.go("settings").await;
        app.wait_text(".hook-status", "Last post failed: HTTP 500")
            .await;
        app.screenshot("21-settings-webhook-failed").await;
        // Send test reaches the channel.
        app.click(".hook-test").await;
        app.wait_text("#toasts", "the webhook answered HTTP 200")
            .await;
        assert_eq!(posts.lock().unwrap().len(), 2);
        assert!(posts.lock().unwrap()[1]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("*Baton is connected*"));
        // The toasts sit over the list's right end: dismissed, as a person would.
        app.js(
            "document.querySelectorAll('#toasts [aria-label=Dismiss]').forEach(b => b.click())",
            vec![],
        )
        .await;
        app.click(".hook-remove").await;
        app.wait_text("#toasts", "Webhook removed").await;
        let rows = app
            .js(
                "return document.querySelectorAll('#hooks tr').length",
                vec![],
            )
            .await;
        assert_eq!(rows, json!(0));
        app.close().await;
    })
    .await
}

/// One laptop's desktop session: a private D-Bus session bus with its own dunst, so a
/// notification shown on one laptop is seen on that laptop's bus alone.
struct Bus {
    address: String,
    daemon: Child,
    dunst: Child,
}

impl Bus {
    fn start() -> Bus {
        use std::io::BufRead;
        // A session bus that starts nothing on demand: only what the journey runs is on it
        // (no keyring is activated behind the app's back).
        let config =
            std::env::temp_dir().join(format!("baton-e2e-bus-{}.conf", std::process::id()));
        std::fs::write(
            &config,
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        )
        .unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_string();
        assert!(!address.is_empty(), "dbus-daemon said no address");
        let dunst = Command::new("dunst")
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst");
        let bus = Bus {
            address,
            daemon,
            dunst,
        };
        for _ in 0..50 {
            if bus.dunstctl_ok(&["is-paused"]) {
                return bus;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("dunst did not come up on the laptop's private bus");
    }

    fn dunstctl_ok(&self, args: &[&str]) -> bool {
        Command::new("dunstctl")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn dunstctl(&self, args: &[&str]) -> String {
        let out = Command::new("dunstctl")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Everything this bus's dunst has shown (closing what is on screen moves it there).
    fn history(&self) -> String {
        self.dunstctl(&["close-all"]);
        self.dunstctl(&["history"])
    }

    /// How many notifications this bus's dunst has shown whose summary or body says `needle`
    /// (its history's entries, read as the JSON dunstctl gives).
    fn shown(&self, needle: &str) -> usize {
        let history: Value = serde_json::from_str(&self.history()).unwrap();
        history["data"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|page| page.as_array().into_iter().flatten())
            .filter(|n| {
                ["summary", "body"].iter().any(|k| {
                    n[k]["data"]
                        .as_str()
                        .is_some_and(|text| text.contains(needle))
                })
            })
            .count()
    }

    /// Waits up to `limit` for a notification saying `needle` on this bus; the history.
    async fn notification_saying(&self, needle: &str, limit: Duration) -> String {
        let started = std::time::Instant::now();
        loop {
            let history = self.history();
            if history.contains(needle) {
                return history;
            }
            assert!(
                started.elapsed() < limit,
                "no notification said {needle:?} within {limit:?}; this laptop's dunst history: {history}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.dunst.kill();
        let _ = self.dunst.wait();
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A teammate's laptop: a data folder of its own, a desktop session of its own, and on a team
/// workspace the teammate's own login.
struct Laptop {
    data: tempfile::TempDir,
    bus: Bus,
    /// The team workspace's address with this teammate's login and password in it.
    login: Option<String>,
}

/// `person`'s own login on the team workspace at `url` (whose login is an admin's): the
/// address with its password in it. Invited once; a second laptop of theirs signs in with the
/// same.
fn login_of(person: &str, url: &str) -> String {
    static INVITED: std::sync::Mutex<Vec<(String, String, String)>> =
        std::sync::Mutex::new(Vec::new());
    let mut invited = INVITED.lock().unwrap();
    if let Some((_, _, login)) = invited.iter().find(|(u, p, _)| u == url && p == person) {
        return login.clone();
    }
    let people: Value =
        serde_json::from_str(&baton(Path::new(url), &["people", "--json"])).unwrap();
    let role = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == person)
        .map_or("delivery".to_string(), |p| {
            p["role"].as_str().unwrap().to_string()
        });
    let invite: Value = serde_json::from_str(&baton(
        Path::new(url),
        &["team", "invite", person, "--role", &role, "--json"],
    ))
    .unwrap();
    let login = with_password(
        invite["url"].as_str().unwrap(),
        invite["password"].as_str().unwrap(),
    );
    invited.push((url.to_string(), person.to_string(), login.clone()));
    login
}

/// `url` (`postgres://USER@…`) with `password` written in.
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    format!("{scheme}://{user}:{password}@{rest}")
}

impl Laptop {
    /// A laptop nobody has signed in on yet.
    fn new() -> Laptop {
        Laptop {
            data: tempfile::tempdir().unwrap(),
            bus: Bus::start(),
            login: None,
        }
    }

    /// `person`'s laptop on the team workspace at `url`: signed in with their own login.
    fn of(person: &str, url: &str) -> Laptop {
        Laptop {
            login: Some(login_of(person, url)),
            ..Laptop::new()
        }
    }

    /// Where this laptop's Baton opens: its own login, else `url`.
    fn address<'a>(&'a self, url: &'a str) -> &'a str {
        self.login.as_deref().unwrap_or(url)
    }

    /// Adds `deal` as Alex's, Closed Won with its checklist filled, from this laptop's command
    /// line: it is handed off to delivery at once.
    fn hands_off(&self, url: &str, deal: &str) {
        let mut args = vec![
            "add",
            "--kind",
            "deal",
            deal,
            "--stage",
            "Closed Won",
            "--owner",
            "Alex Seller",
        ];
        args.extend(LUMEN);
        self.baton(url, &args);
    }

    /// The CLI on this laptop (with its own login, on a team workspace).
    fn baton(&self, url: &str, args: &[&str]) -> String {
        baton_on(Path::new(self.address(url)), args, Some(self.data.path()))
    }
}

/// A fresh, empty database on the tier's PostgreSQL; its address, password included.
fn team_database(name: &str) -> String {
    let admin = env("BATON_TEST_PG");
    let db = format!("e2e_{name}_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        let out = Command::new("psql")
            .arg(admin.replace("?sslmode=disable", ""))
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-c", &sql])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    admin.replace("/postgres?", &format!("/{db}?"))
}

/// The database's name and the server's port in a test address
/// (`postgres://baton:…@127.0.0.1:PORT/DB?sslmode=disable`).
fn database_and_port(url: &str) -> (String, u16) {
    let rest = url.rsplit('@').next().unwrap();
    let (server, db) = rest.split_once('/').unwrap();
    let db = db.split('?').next().unwrap().to_string();
    (db, server.rsplit(':').next().unwrap().parse().unwrap())
}

/// A team workspace with Alex in sales and Priya the only one in delivery (so a hand-off goes
/// to her).
fn alex_and_priya(name: &str) -> String {
    let url = team_database(name);
    baton(Path::new(&url), &["team", "init", &url]);
    baton(
        Path::new(&url),
        &["people", "add", "Alex Seller", "--role", "sales"],
    );
    baton(
        Path::new(&url),
        &["people", "add", "Priya Natarajan", "--role", "delivery"],
    );
    url
}

/// Alex and Priya's team workspace with two laptops on it, one for each of `people`, the app
/// open on each and saying who uses it.
async fn two_apps(name: &str, people: [&str; 2]) -> (String, [Laptop; 2], [App; 2]) {
    let url = alex_and_priya(name);
    let laptops = people.map(|person| Laptop::of(person, &url));
    let first = App::on_team(&url, &laptops[0]).await;
    let second = App::on_team(&url, &laptops[1]).await;
    for (app, person) in [&first, &second].into_iter().zip(people) {
        app.wait_text("#who", &format!("You: {person}")).await;
    }
    (url, laptops, [first, second])
}

/// A HubSpot export holding one Closed Won deal of Alex's, three checklist fields filled.
fn won_deal_export(dir: &Path, deal: &str) -> PathBuf {
    let csv = dir.join("hubspot-won.csv");
    std::fs::write(
        &csv,
        format!(
            "Record ID,Deal Name,Deal Stage,Amount,Deal owner,Associated Company,Signed Scope,Promised Deliverables,Pricing Exceptions\n\
             7001,{deal},Closed Won,18000,Alex Seller,{deal},Analytics audit,Audit report,None\n"
        ),
    )
    .unwrap();
    csv
}

/// Drops `csv` on the window and imports it, as a person does.
async fn drop_and_import(app: &App, csv: &Path) {
    app.js(
        "document.dispatchEvent(new CustomEvent('baton:files-dropped', {detail: {paths: [arguments[0]]}}))",
        vec![json!(csv.display().to_string())],
    )
    .await;
    app.wait_text("#import-detected", "hubspot").await;
    app.click("#import-start").await;
    app.wait_text("#import-result", "1 rows").await;
}

/// The paused hand-off's wizard, from Handoffs, filled in up to its review step.
async fn fill_the_wizard(app: &App, deal: &str) {
    app.go("handoffs").await;
    app.click("[data-complete]").await;
    app.wait_text("#wizard-title", deal).await;
    app.set("#wf-main_contact", "Ana Berg").await;
    app.set("#wf-start_date", "2026-12-07").await;
    app.set("#wf-kickoff_preference", "Video call, mornings")
        .await;
    app.click("#wizard-next").await;
    app.set("#wf-buyer_goals", "A board-ready dashboard by Q1")
        .await;
    app.set("#wf-risk_notes", "Their data team is two people")
        .await;
    app.click("#wizard-next").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_laptops_one_team_the_kickoff_task_notifies_priya_on_her_own_laptop() {
    within(async {
        let url = alex_and_priya("two");
        let (alex, priya) = (
            Laptop::of("Alex Seller", &url),
            Laptop::of("Priya Natarajan", &url),
        );
        // Two hand-offs reach Priya while her laptop is off: shown as one when it starts.
        for deal in ["Lumen Optics", "Orbit Freight"] {
            alex.hands_off(&url, deal);
        }
        let a = App::on_team(&url, &alex).await;
        let p = App::on_team(&url, &priya).await;
        a.wait_text("#who", "You: Alex Seller").await;
        p.wait_text("#who", "You: Priya Natarajan").await;
        let away = priya
            .bus
            .notification_saying("2 handoffs while you were away", Duration::from_secs(10))
            .await;
        assert!(
            away.contains("Kickoff: Lumen Optics") && away.contains("Kickoff: Orbit Freight"),
            "{away}"
        );
        assert_eq!(
            priya.bus.shown("Kickoff: Lumen Optics"),
            1,
            "once, collapsed"
        );
        let place = p.text("#where").await;
        assert!(place.starts_with("Team workspace: e2e_two"), "{place}");
        p.go("tasks").await;
        p.wait_text("#view h1", "My tasks").await;
        let csv = won_deal_export(alex.data.path(), "Nordlicht GmbH");
        drop_and_import(&a, &csv).await;
        // Priya's board shows Alex's import without a reload.
        p.go("board").await;
        p.wait_content("#view .card", "Nordlicht GmbH").await;
        p.screenshot("30-team-priya-board-live").await;
        fill_the_wizard(&a, "Nordlicht GmbH").await;
        a.click("#wizard-next").await;
        assert_eq!(a.text("#answer-who").await, "Priya Natarajan");
        a.click("#wizard-hand-off").await;
        let handed = std::time::Instant::now();
        // On Priya's laptop, within two seconds: the notification, on her bus alone.
        let history = priya
            .bus
            .notification_saying("Kickoff: Nordlicht GmbH", Duration::from_secs(2))
            .await;
        eprintln!(
            "e2e: Priya notified {:?} after the hand-off",
            handed.elapsed()
        );
        assert!(history.contains("New kickoff task"), "{history}");
        p.go("tasks").await;
        let task = p.wait_text("#my-tasks", "Kickoff: Nordlicht GmbH").await;
        assert!(task.contains("Due"), "{task}");
        p.screenshot("31-team-priya-my-tasks").await;
        // The window's title counts her open tasks (as the launcher's badge does).
        let mut title = String::new();
        for _ in 0..50 {
            title = p.client.title().await.unwrap();
            if title == "Baton (3 open tasks)" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(title, "Baton (3 open tasks)");
        a.screenshot("32-team-alex-after-hand-off").await;
        // A moment later, still exactly one on Priya's bus, and none on Alex's.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let shown = priya.bus.shown("Kickoff: Nordlicht GmbH");
        assert_eq!(shown, 1, "exactly once on Priya's laptop");
        let alexs = alex.bus.history();
        assert!(
            !alexs.contains("Kickoff: Nordlicht GmbH"),
            "Alex's laptop shows no notification for Priya's task: {alexs}"
        );
        let tasks: Value =
            serde_json::from_str(&priya.baton(&url, &["tasks", "--assignee", "me", "--json"]))
                .unwrap();
        assert_eq!(tasks[0]["assignee"], "Priya Natarajan", "{tasks}");
        a.close().await;
        p.close().await;
    })
    .await
}

/// Runs `pg_ctl` on the tier's PostgreSQL (the script `cargo xtask` made for it).
fn pg_ctl(args: &[&str]) {
    let status = Command::new(env("BATON_TEST_PG_CTL"))
        .args(args)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl {args:?}");
}

/// The server stopped; started again when this goes, however the journey ends, so the
/// journeys after it find it running.
struct Stopped(bool);

impl Stopped {
    fn stop() -> Stopped {
        pg_ctl(&["stop", "-m", "fast"]);
        Stopped(true)
    }

    fn start(mut self) {
        pg_ctl(&["start"]);
        self.0 = false;
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if self.0 {
            pg_ctl(&["start"]);
        }
    }
}

/// Waits up to `limit` until the offline banner is `shown` (or gone); what it says.
async fn banner(app: &App, shown: bool, limit: Duration) -> String {
    let started = std::time::Instant::now();
    loop {
        let state = app
            .js(
                "const b = document.getElementById('offline-banner'); return [b.hidden, b.textContent]",
                vec![],
            )
            .await;
        if state[0] == json!(!shown) {
            return state[1].as_str().unwrap_or_default().to_string();
        }
        assert!(
            started.elapsed() < limit,
            "the offline banner was not {} within {limit:?}",
            if shown { "shown" } else { "gone" }
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_team_server_going_away_is_said_in_a_banner_and_the_wizard_saves_once_it_is_back() {
    within(async {
        let (url, [alex, priya], [a, p]) =
            two_apps("offline", ["Alex Seller", "Priya Natarajan"]).await;
        let csv = won_deal_export(alex.data.path(), "Kestrel Labs");
        drop_and_import(&a, &csv).await;
        fill_the_wizard(&a, "Kestrel Labs").await;
        a.set("#wc-promised_verbally", "A weekly status call")
            .await;
        a.click("#wizard-next").await;
        a.wait_text("#answer-promised", "A weekly status call")
            .await;
        // The server stops: both windows say so within five seconds, and saving is disabled.
        let stopped = Stopped::stop();
        let said = banner(&a, true, Duration::from_secs(5)).await;
        assert!(
            said.starts_with("Team workspace unreachable since") && said.contains("retrying"),
            "{said}"
        );
        banner(&p, true, Duration::from_secs(5)).await;
        let hand_off = a
            .js(
                "const b = document.getElementById('wizard-hand-off'); return [b.disabled, b.title]",
                vec![],
            )
            .await;
        assert_eq!(hand_off[0], json!(true), "{hand_off}");
        assert!(
            hand_off[1].as_str().unwrap().contains("cannot be reached"),
            "the reason: {hand_off}"
        );
        a.screenshot("33-team-offline-banner").await;
        // Nothing reaches the workspace meanwhile: the shell refuses a write itself.
        let refused = a
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; window.__TAURI__.core.invoke('add_person', {name: 'Nobody', role: 'sales', email: null, me: false}).then(() => done('saved'), (e) => done(e.message));",
                vec![],
            )
            .await
            .unwrap();
        let refused = refused.as_str().unwrap_or_default();
        assert!(
            refused.contains("unreachable since") && refused.contains("nothing was saved"),
            "{refused}"
        );
        // Alex goes on answering meanwhile: moving through the wizard needs no server.
        a.click("#wizard-back").await;
        a.set("#wc-promised_verbally", "A weekly status call and a QBR")
            .await;
        stopped.start();
        // Back by itself: the banner goes, what was typed is still there, and saving works.
        banner(&a, false, Duration::from_secs(30)).await;
        banner(&p, false, Duration::from_secs(30)).await;
        a.click("#wizard-next").await;
        a.wait_text("#answer-promised", "A weekly status call and a QBR")
            .await;
        a.click("#wizard-hand-off").await;
        priya
            .bus
            .notification_saying("Kickoff: Kestrel Labs", Duration::from_secs(5))
            .await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(priya.bus.shown("Kickoff: Kestrel Labs"), 1, "notified once");
        let handoffs: Value =
            serde_json::from_str(&alex.baton(&url, &["handoffs", "--json"])).unwrap();
        assert_eq!(handoffs[0]["status"], "handed_off", "{handoffs}");
        let brief = alex.baton(&url, &["brief", "1"]);
        assert!(brief.contains("A weekly status call and a QBR"), "{brief}");
        let people: Value = serde_json::from_str(&alex.baton(&url, &["people", "--json"])).unwrap();
        assert!(
            !people.to_string().contains("Nobody"),
            "nothing was written while the server was away: {people}"
        );
        a.close().await;
        p.close().await;
    })
    .await
}

/// What the board and the health screen show, as text: the same workspace shows the same.
async fn board_and_health(app: &App) -> (Value, String) {
    app.go("board").await;
    app.wait_css("#view .card").await;
    app.settled().await;
    let columns = app
        .js(
            "return [...document.querySelectorAll('.column')].map(c => c.querySelector('header').textContent)",
            vec![],
        )
        .await;
    app.go("health").await;
    app.wait_css("#health-missing").await;
    app.settled().await;
    let health = app
        .js("return document.querySelector('#view').textContent", vec![])
        .await;
    (columns, health.as_str().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_connects_to_an_empty_team_database_moves_this_workspace_there_and_shows_the_same()
{
    within(async {
        ensure_dunst();
        // A user's own laptop workspace, where the app keeps it (no BATON_DB): in the data
        // folder, with a team and deals in it.
        let data = tempfile::tempdir().unwrap();
        let file = data.path().join("dev.baton.desktop/workspace.sqlite");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        delivery_team(&file);
        add_deal(&file, "Lumen Optics", "Closed Won", LUMEN);
        add_deal(
            &file,
            "Nordlicht GmbH",
            "Contract Sent",
            &["company=Nordlicht GmbH"],
        );
        add_deal(&file, "Kestrel Labs", "Closed Won", &["signed_scope=Audit"]);
        let launch = || async {
            App::launch(
                tempfile::tempdir().unwrap(),
                PathBuf::new(),
                Some(data.path()),
                None,
            )
            .await
        };
        let app = launch().await;
        app.wait_text("#where", "This laptop").await;
        let before = board_and_health(&app).await;
        let url = team_database("settings");
        let (db, port) = database_and_port(&url);
        let (db, port) = (db.as_str(), port.to_string());
        let port = port.as_str();
        app.go("settings").await;
        app.click("#workspace summary").await;
        // The string a provider's Connect dialog shows, pasted whole: the fields fill in, its
        // placeholder password is asked for, and a transaction pooler is named.
        app.set(
            "#team-paste",
            "postgresql://postgres.abcd:[YOUR-PASSWORD]@aws-0-eu-central-1.pooler.supabase.com:6543/postgres",
        )
        .await;
        let asked = app.wait_text("#team-result", "placeholder").await;
        assert!(asked.contains("type the password"), "{asked}");
        let fields = app
            .js(
                "return ['#team-host', '#team-port', '#team-database', '#team-user', '#team-password']
                   .map(s => document.querySelector(s).value)
                   .concat([document.activeElement.id, document.getElementById('team-tls').checked])",
                vec![],
            )
            .await;
        assert_eq!(
            fields,
            json!([
                "aws-0-eu-central-1.pooler.supabase.com",
                "6543",
                "postgres",
                "postgres.abcd",
                "",
                "team-password",
                true
            ])
        );
        let pooler = app.wait_text("#team-pooler", "transaction pooler").await;
        assert!(pooler.contains("port 5432"), "{pooler}");
        app.screenshot("34a-team-settings-pasted").await;
        app.set(
            "#team-paste",
            &format!("postgresql://baton:baton-tests@127.0.0.1:{port}/{db}"),
        )
        .await;
        app.wait_text("#team-result", "Filled in from the pasted string")
            .await;
        let filled = app
            .js("return [document.getElementById('team-pooler').hidden, document.getElementById('team-host').value, document.getElementById('team-password').value]", vec![])
            .await;
        assert_eq!(filled, json!([true, "127.0.0.1", "baton-tests"]));
        app.click("#team-test").await;
        let found = app.wait_text("#team-result", "The database is empty").await;
        assert!(found.contains("Reached PostgreSQL"), "{found}");
        app.screenshot("34-team-settings-workspace").await;
        app.click("#team-push").await;
        app.wait_text("#where", "Team workspace:").await;
        // This laptop's "me" comes along, kept on this laptop.
        app.wait_text("#who", "You: Dee Delivery").await;
        let after = board_and_health(&app).await;
        assert_eq!(
            after, before,
            "the team workspace shows what this laptop showed"
        );
        // The choice is kept for the next start, without the password (that is in the keyring):
        // started again, the app opens the team workspace by itself.
        let kept =
            std::fs::read_to_string(data.path().join("dev.baton.desktop/workspace-choice.json"))
                .unwrap();
        assert!(kept.contains(db) && !kept.contains("baton-tests"), "{kept}");
        app.close().await;
        let again = launch().await;
        again.wait_text("#where", "Team workspace:").await;
        let reopened = board_and_health(&again).await;
        assert_eq!(reopened, before);
        // Back to just this laptop: its workspace is where it was, and the team's stays too.
        again.go("settings").await;
        again.click("#use-laptop").await;
        again.wait_text("#where", "This laptop").await;
        assert_eq!(board_and_health(&again).await, before);
        let records: Value =
            serde_json::from_str(&baton(Path::new(&url), &["records", "--json"])).unwrap();
        assert_eq!(
            records.as_array().unwrap().len(),
            3,
            "the team workspace is still there"
        );
        again.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_keyring_the_team_workspace_password_is_asked_for_at_start_and_kept_nowhere() {
    within(async {
        let url = alex_and_priya("nokeyring");
        let (db, port) = database_and_port(&url);
        let db = db.as_str();
        // Priya chose the team workspace in Settings earlier; this laptop's session has no
        // Secret Service (a private bus with only dunst on it), so no password was kept.
        let priya = Laptop::of("Priya Natarajan", &url);
        let login = priya.login.clone().unwrap();
        let (user, password) = {
            let creds = login.split("://").nth(1).unwrap().split('@').next().unwrap();
            let (u, p) = creds.split_once(':').unwrap();
            (u.to_string(), p.to_string())
        };
        let folder = priya.data.path().join("dev.baton.desktop");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("workspace-choice.json"),
            json!({"team": {"host": "127.0.0.1", "port": port, "database": db, "user": user, "tls": true}})
                .to_string(),
        )
        .unwrap();
        let app = App::launch(
            tempfile::tempdir().unwrap(),
            PathBuf::new(),
            Some(priya.data.path()),
            Some(&priya.bus),
        )
        .await;
        let why = app.wait_text("#team-ask-why", "no keyring").await;
        assert!(why.contains("asks for it each time it starts"), "{why}");
        app.screenshot("35-team-password-asked").await;
        app.set("#team-ask-password", "not-the-password").await;
        app.click("#team-ask-connect").await;
        app.wait_text("#team-ask-why", "check the password").await;
        app.set("#team-ask-password", &password).await;
        app.click("#team-ask-connect").await;
        app.wait_text("#where", "Team workspace:").await;
        // Who she is comes from her login.
        app.wait_text("#who", "You: Priya Natarajan").await;
        // Nothing this laptop keeps holds the password.
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(&password),
                    "{} holds the password",
                    path.display()
                );
            }
        }
        app.close().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn with_two_of_her_laptops_open_a_notification_shows_on_one_of_them_once() {
    within(async {
        let (url, [first, second], [a, b]) =
            two_apps("twice", ["Priya Natarajan", "Priya Natarajan"]).await;
        // Alex hands off from his command line.
        Laptop::of("Alex Seller", &url).hands_off(&url, "Lumen Optics");
        let needle = "Kickoff: Lumen Optics";
        let started = std::time::Instant::now();
        while first.bus.shown(needle) + second.bus.shown(needle) == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "neither of Priya's laptops showed the kickoff within 2 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(
            first.bus.shown(needle) + second.bus.shown(needle),
            1,
            "claimed in the database: one of her laptops shows it, once"
        );
        // A checklist item ticked on one laptop is ticked in the other's window, unreloaded.
        a.go("tasks").await;
        b.go("tasks").await;
        a.wait_text("#my-tasks", needle).await;
        b.wait_text("#my-tasks", needle).await;
        let ticked = "#my-tasks input[type=checkbox]";
        a.click(ticked).await;
        let started = std::time::Instant::now();
        loop {
            let on = b
                .js(
                    "const c = document.querySelector(arguments[0]); return c !== null && c.checked",
                    vec![json!(ticked)],
                )
                .await;
            if on == json!(true) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "the tick did not reach the other window within 2 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // The two windows tick two other lines of that task at the same moment: both ticks
        // are kept, and each window shows both.
        let tick = "const c = document.querySelectorAll(arguments[0])[arguments[1]]; c.click(); return Date.now()";
        let (at_a, at_b) = tokio::join!(
            a.js(tick, vec![json!(ticked), json!(1)]),
            b.js(tick, vec![json!(ticked), json!(2)]),
        );
        let apart = (at_a.as_f64().unwrap() - at_b.as_f64().unwrap()).abs();
        assert!(apart < 100.0, "the two ticks were {apart} ms apart");
        let first_three = "return [0, 1, 2].map((i) => document.querySelectorAll(arguments[0])[i]?.checked === true)";
        let started = std::time::Instant::now();
        for (window, app) in [("first", &a), ("second", &b)] {
            loop {
                let shown = app.js(first_three, vec![json!(ticked)]).await;
                if shown == json!([true, true, true]) {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(3),
                    "the {window} window shows the first three lines as {shown} 3 s after both ticks"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let tasks: Value = serde_json::from_str(&baton(Path::new(&url), &["tasks", "--json"])).unwrap();
        let kickoff = tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["title"] == needle)
            .unwrap();
        let done: Vec<bool> = kickoff["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["done"] == json!(true))
            .collect();
        assert_eq!(&done[..3], &[true, true, true], "the workspace keeps all three: {kickoff}");
        b.screenshot("36-team-two-windows-ticked").await;
        a.close().await;
        b.close().await;
    })
    .await
}

/// Who may decide is the database's, and the window follows it: Priya's Review screen offers
/// no Approve on a review waiting for Fran; Alex, an admin, invites Fran in Settings → Team
/// logins, and the address and password shown there open a second window as Fran, who approves.
#[tokio::test(flavor = "multi_thread")]
async fn only_the_reviewer_is_offered_approve_and_an_invite_from_settings_signs_in_a_second_window()
{
    within(async {
        let url = team_database("review");
        baton(
            Path::new(&url),
            &[
                "team",
                "init",
                &url,
                "--as",
                "Alex Seller",
                "--role",
                "sales",
            ],
        );
        for (person, role) in [("Priya Natarajan", "delivery"), ("Fran Founder", "founder")] {
            baton(Path::new(&url), &["people", "add", person, "--role", role]);
        }
        // A won deal with custom scope: it waits for the founder's review.
        let mut args = vec![
            "add",
            "--kind",
            "deal",
            "Quartz Labs",
            "--stage",
            "Contract Sent",
            "--owner",
            "Alex Seller",
        ];
        args.extend(LUMEN);
        baton(Path::new(&url), &args);
        baton(Path::new(&url), &["flag", "1", "custom-scope"]);
        baton(Path::new(&url), &["move", "1", "Closed Won"]);

        let priya = Laptop::of("Priya Natarajan", &url);
        let p = App::on_team(&url, &priya).await;
        p.wait_text("#who", "You: Priya Natarajan").await;
        p.go("review").await;
        let waiting = p.wait_text("#review-queue", "Quartz Labs").await;
        assert!(
            waiting.contains("Waiting for Fran Founder to review"),
            "{waiting}"
        );
        let offered = p
            .js(
                "return document.querySelectorAll('#review-queue [data-action=approve]').length",
                vec![],
            )
            .await;
        assert_eq!(offered, json!(0), "no Approve for Priya");
        p.screenshot("36-team-review-waiting-for-fran").await;
        // Settings → Team logins: Priya sees who has a login, and may invite nobody.
        p.go("settings").await;
        p.wait_text("#members", "Priya Natarajan").await;
        assert!(p.client.find(Locator::Css("#invite-form")).await.is_err());

        // Alex, an admin, invites Fran from Settings.
        let alex = Laptop {
            login: Some(url.clone()),
            ..Laptop::new()
        };
        let a = App::on_team(&url, &alex).await;
        a.wait_text("#who", "You: Alex Seller (admin)").await;
        a.go("settings").await;
        a.wait_css("#invite-form").await;
        a.set("#invite-name", "Fran Founder").await;
        a.set("#invite-role", "founder").await;
        a.click("#invite-send").await;
        a.wait_css("#invite-text").await;
        let invite = a
            .js(
                "return document.getElementById('invite-text').value",
                vec![],
            )
            .await;
        let invite = invite.as_str().unwrap().to_string();
        a.screenshot("37-team-settings-invite").await;
        a.click("#invite-done").await;
        a.wait_text("#members", "Fran Founder").await;
        let line = |what: &str| {
            invite
                .lines()
                .find_map(|l| l.strip_prefix(what))
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| panic!("{what} in {invite:?}"))
        };
        let (address, password) = (line("address:"), line("password:"));
        assert!(!address.contains(&password), "{invite}");

        // The invite works: a second window signs in with it, as Fran, who may approve.
        let fran = Laptop {
            login: Some(with_password(&address, &password)),
            ..Laptop::new()
        };
        let f = App::on_team(&url, &fran).await;
        f.wait_text("#who", "You: Fran Founder").await;
        f.go("review").await;
        f.wait_text("#review-queue", "Quartz Labs").await;
        f.click("#review-queue [data-action=approve]").await;
        f.wait_text("#toasts", "Approved").await;
        let handoffs: Value =
            serde_json::from_str(&baton(Path::new(&url), &["handoffs", "--json"])).unwrap();
        assert_eq!(handoffs[0]["status"], "handed_off", "{handoffs}");
        let shown: Value =
            serde_json::from_str(&baton(Path::new(&url), &["show", "1", "--json"])).unwrap();
        assert!(
            shown["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "approved" && e["actor"] == "Fran Founder (app)"),
            "the audit trail names Fran, from her login: {shown}"
        );
        // Priya's window, told of the change, offers nothing to decide any more.
        p.go("review").await;
        p.wait_text("#view", "No handoff waits for review").await;
        for app in [p, a, f] {
            app.close().await;
        }
    })
    .await
}
