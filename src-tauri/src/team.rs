//! Where the window's workspace is — this laptop's file, or the team's workspace on PostgreSQL —
//! the choice kept between runs (never the password: that is in the OS keyring), and on a team
//! workspace the follower that keeps the window live: a teammate's write redraws it, a
//! notification for me goes out at once, and a server that stops answering is said in a banner
//! until it is back.

use crate::activity;
use crate::error::{CmdResult, UiError};
use crate::{changed, held, Shared};
use baton::team::{Follower, TeamUrl};
use baton::{SystemClock, Workspace};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

/// A team workspace as Settings asks for it (the password goes to the keyring, not here).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TeamParts {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub tls: bool,
}

/// What Settings' fields take from an address pasted whole.
#[derive(Serialize)]
pub(crate) struct Pasted {
    parts: TeamParts,
    /// The password in the address, when it held a real one.
    password: Option<String>,
    /// Whether the address held a placeholder for the password (asked for instead).
    placeholder: bool,
    /// When the address is a transaction pooler: what that means and what to use instead.
    pooler: Option<String>,
}

/// Reads an address pasted whole into Settings → Workspace into its fields.
#[tauri::command]
pub(crate) fn team_paste(address: String) -> CmdResult<Pasted> {
    let (url, placeholder) = TeamUrl::pasted(&address)?;
    Ok(Pasted {
        parts: TeamParts {
            host: url.host.clone(),
            port: url.port,
            database: url.dbname.clone(),
            user: url.user.clone(),
            tls: url.sslmode != baton::team::SslMode::Disable,
        },
        password: url.password().map(str::to_string),
        placeholder,
        pooler: url.transaction_pooler().map(|p| p.sentence()),
    })
}

impl TeamParts {
    pub(crate) fn url(&self) -> baton::Result<TeamUrl> {
        TeamUrl::from_parts(&self.host, self.port, &self.database, &self.user, self.tls)
    }
}

/// The workspace choice kept in the data folder between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Choice {
    /// The team workspace the app opens; none: this laptop's file.
    team: Option<TeamParts>,
}

/// Where a workspace is.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// A workspace file on this laptop.
    Laptop(PathBuf),
    /// The team's workspace on PostgreSQL.
    Team(TeamUrl),
}

fn laptop_file() -> PathBuf {
    baton::default_workspace_path()
}

fn choice_file() -> PathBuf {
    laptop_file().with_file_name("workspace-choice.json")
}

/// Where the app opens: `BATON_DB` when set (a file, or a `postgres://` address, as the
/// command line takes it), else the choice made in Settings, else this laptop's file. With a
/// team workspace whose password the keyring could not give, why not.
pub(crate) fn chosen() -> Result<(Place, Option<String>), String> {
    if let Some(db) = std::env::var_os("BATON_DB") {
        let text = db.to_string_lossy();
        if TeamUrl::is_team(&text) {
            return TeamUrl::parse(&text)
                .map(|url| (Place::Team(url), None))
                .map_err(|e| e.to_string());
        }
        return Ok((Place::Laptop(PathBuf::from(db)), None));
    }
    let file = choice_file();
    let choice: Choice = match std::fs::read(&file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{}: this is not a workspace choice Baton wrote ({e}); delete the file to open this laptop's workspace",
                file.display()
            )
        })?,
        Err(_) => Choice::default(),
    };
    match choice.team {
        Some(parts) => {
            let url = parts.url().map_err(|e| e.to_string())?;
            // Without a keyring the window asks for the password each time it starts.
            Ok(match baton::team::recall_password(&url) {
                Ok(url) => (Place::Team(url), None),
                Err(no_keyring) => (Place::Team(url), Some(no_keyring.to_string())),
            })
        }
        None => Ok((Place::Laptop(laptop_file()), None)),
    }
}

/// Keeps the choice for the next start.
fn keep(choice: &Choice) -> CmdResult<()> {
    let file = choice_file();
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| UiError::internal(format!("{}: {e}", dir.display())))?;
    }
    let text = serde_json::to_vec_pretty(choice).map_err(UiError::internal)?;
    std::fs::write(&file, text).map_err(|e| UiError::internal(format!("{}: {e}", file.display())))
}

/// Opens the workspace at `place`.
pub(crate) fn open(place: &Place) -> baton::Result<Workspace> {
    match place {
        Place::Laptop(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| baton::Error::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            Workspace::open(path, SystemClock)
        }
        Place::Team(url) => Workspace::open_team(url, SystemClock),
    }
}

/// The local time, as the banner says it.
fn clock_now() -> String {
    chrono::Local::now().format("%H:%M").to_string()
}

/// Says the team workspace cannot be reached (once per outage), with why.
pub(crate) fn went_offline(app: &AppHandle, why: &str) {
    let shared = app.state::<Shared>();
    let mut offline = held(&shared.offline);
    if offline.is_none() {
        eprintln!("baton: the team workspace is unreachable: {why}");
        *offline = Some(clock_now());
        shared.away.store(true, Ordering::SeqCst);
    }
    let _ = app.emit("team-offline", Offline::of(offline.as_deref(), why));
}

/// What the banner says.
#[derive(Clone, Serialize)]
pub(crate) struct Offline {
    since: String,
    why: String,
}

impl Offline {
    fn of(since: Option<&str>, why: &str) -> Offline {
        Offline {
            since: since.unwrap_or_default().to_string(),
            why: why.to_string(),
        }
    }
}

/// The sentence a change refused while offline (or waiting for the password) says.
pub(crate) fn offline_refusal(app: &AppHandle) -> Option<UiError> {
    let shared = app.state::<Shared>();
    if held(&shared.needs_password).is_some() {
        return Some(UiError {
            kind: "unreachable",
            message: "Baton is waiting for the team workspace's password; nothing was saved."
                .into(),
            details: None,
        });
    }
    let offline = held(&shared.offline);
    offline.as_ref().map(|since| UiError {
        kind: "unreachable",
        message: format!("The team workspace has been unreachable since {since}; nothing was saved. What you typed is kept: save again once it is back."),
        details: None,
    })
}

/// Follows the team workspace at `url` until the app opens another workspace (its
/// generation moves on): wakes the window on every teammate's write, delivers my
/// notifications, and reconnects by itself with a growing pause when the server goes.
pub(crate) fn follow(app: AppHandle, url: TeamUrl) {
    let generation = app.state::<Shared>().generation.load(Ordering::SeqCst);
    let current = move |app: &AppHandle| {
        app.state::<Shared>().generation.load(Ordering::SeqCst) == generation
    };
    std::thread::spawn(move || {
        let mut pause = Duration::from_secs(1);
        while current(&app) {
            match Follower::connect(&url) {
                Ok(follower) => {
                    match back_online(&app, &url, &current) {
                        Back::Online => pause = Duration::from_secs(1),
                        // Reached, but the workspace could not be opened again yet: the
                        // follower goes, and the next attempt comes after the pause.
                        Back::NotYet => {
                            std::thread::sleep(pause);
                            pause = (pause * 2).min(Duration::from_secs(15));
                            continue;
                        }
                        Back::Moved => return,
                    }
                    if let Some(pooler) = follower.pooler() {
                        eprintln!("baton: {pooler}");
                    }
                    if keep_following(&app, &follower, &current) {
                        return;
                    }
                }
                Err(e) => went_offline(&app, &e.to_string()),
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(15));
        }
    });
}

/// Follows with `follower` until the app moves to another workspace (true) or the server
/// cannot be reached (false; the banner says so). Woken by the server, the window redraws at
/// once; otherwise the workspace is asked whether anything changed (one statement) every two
/// minutes while someone is at the window — every few seconds where the server cannot wake
/// it (a transaction pooler) — and less and less often while nobody is. A connection the
/// server ends (a serverless database gone to sleep) is opened again when next needed,
/// quietly: at once if someone is at the window, else when the next look is due.
fn keep_following(
    app: &AppHandle,
    follower: &Follower,
    current: &impl Fn(&AppHandle) -> bool,
) -> bool {
    // Listening, a look only checks the connection is still there: every two minutes (the
    // background round adds one every quarter hour: under one question a minute in all).
    let busy = if follower.pooler().is_some() {
        baton::team::POLL
    } else {
        2 * activity::MINUTE
    };
    let mut look = activity::Backoff::new();
    let mut lost = false;
    loop {
        if !current(app) {
            return true;
        }
        if lost {
            std::thread::sleep(Duration::from_secs(1));
        } else {
            match follower.wait(Duration::from_secs(1)) {
                Ok(true) => {
                    look.asked();
                    changed(app);
                    continue;
                }
                Ok(false) => {}
                Err(_) => lost = true,
            }
        }
        let active = activity::active(app);
        if (lost && active) || look.due(active, busy) {
            look.asked();
            match follower.check() {
                Ok(moved) => {
                    if moved || lost {
                        changed(app);
                    }
                    lost = false;
                }
                Err(e) => {
                    went_offline(app, &e.to_string());
                    return false;
                }
            }
        }
    }
}

/// How reconnecting went.
enum Back {
    /// The workspace is open and followed.
    Online,
    /// The workspace could not be opened again yet (said in the banner).
    NotYet,
    /// The app has moved to another workspace meanwhile.
    Moved,
}

/// After (re)connecting: when the workspace was unreachable, it is opened again, the banner
/// goes and the window redraws; whatever came for me meanwhile goes out.
fn back_online(app: &AppHandle, url: &TeamUrl, current: &impl Fn(&AppHandle) -> bool) -> Back {
    let shared = app.state::<Shared>();
    let was_offline = held(&shared.offline).is_some();
    if was_offline {
        let ws = match Workspace::open_team(url, SystemClock) {
            Ok(ws) => ws,
            Err(e) => {
                went_offline(app, &e.to_string());
                return if current(app) {
                    Back::NotYet
                } else {
                    Back::Moved
                };
            }
        };
        let Ok(mut slot) = shared.ws.lock() else {
            return Back::Moved;
        };
        if !current(app) {
            return Back::Moved;
        }
        *slot = ws;
        drop(slot);
        *held(&shared.offline) = None;
        let _ = app.emit("team-online", ());
    }
    changed(app);
    Back::Online
}

/// Where the window's workspace is, as the header and Settings say it.
#[derive(Serialize)]
pub(crate) struct Where {
    /// `laptop` or `team`.
    kind: &'static str,
    /// The file, or the server and database (no password).
    place: String,
    /// The team workspace's fields, for Settings.
    team: Option<TeamParts>,
    /// Since when it cannot be reached (local time), if it cannot.
    offline_since: Option<String>,
    /// Why the window must ask for the team workspace's password, when it must.
    needs_password: Option<String>,
}

pub(crate) fn where_now(app: &AppHandle) -> Where {
    let shared = app.state::<Shared>();
    let (kind, place, team) = match &*held(&shared.place) {
        Place::Laptop(path) => ("laptop", path.display().to_string(), None),
        Place::Team(url) => (
            "team",
            team_label(url),
            Some(TeamParts {
                host: url.host.clone(),
                port: url.port,
                database: url.dbname.clone(),
                user: url.user.clone(),
                tls: url.sslmode != baton::team::SslMode::Disable,
            }),
        ),
    };
    let offline_since = held(&shared.offline).clone();
    let needs_password = held(&shared.needs_password).clone();
    Where {
        kind,
        place,
        team,
        offline_since,
        needs_password,
    }
}

/// A team workspace as the window names it: its database and server.
fn team_label(url: &TeamUrl) -> String {
    format!("{} on {}", url.dbname, url.host)
}

/// Makes `place` the window's workspace: opened first (nothing changes when it cannot be),
/// then swapped in, followed when it is a team's, and kept for the next start.
pub(crate) fn switch_to(app: &AppHandle, place: Place, ws: Workspace) -> CmdResult<()> {
    let shared = app.state::<Shared>();
    // The workspace let go of may be a team's, whose client closes by blocking.
    crate::blocking(|| -> CmdResult<()> {
        let mut slot = crate::lock(app)?;
        let before = std::mem::replace(&mut *slot, ws);
        shared.generation.fetch_add(1, Ordering::SeqCst);
        *held(&shared.offline) = None;
        *held(&shared.needs_password) = None;
        *held(&shared.place) = place.clone();
        drop(slot);
        drop(before);
        Ok(())
    })?;
    let choice = match &place {
        Place::Team(url) => {
            follow(app.clone(), url.clone());
            Choice {
                team: where_now(app).team,
            }
        }
        Place::Laptop(_) => Choice::default(),
    };
    // A workspace named by BATON_DB is the environment's choice, not the user's: not kept.
    if std::env::var_os("BATON_DB").is_none() {
        keep(&choice)?;
    }
    let _ = app.emit("team-online", ());
    if let Err(e) = crate::watch::start(app) {
        eprintln!("baton: watched folder: {}", e.message);
    }
    changed(app);
    Ok(())
}

/// Settings → Workspace: what is at the address, writing nothing.
#[tauri::command]
pub(crate) async fn team_test(parts: TeamParts, password: String) -> CmdResult<baton::team::Probe> {
    let url = parts.url()?.with_password(password);
    tauri::async_runtime::spawn_blocking(move || Ok(baton::team::probe(&url)?))
        .await
        .map_err(UiError::internal)?
}

/// What connecting did.
#[derive(Serialize)]
pub(crate) struct Connected {
    /// The workspace opened.
    place: String,
    /// Whether the password is kept in the keyring; when not, why (it is asked for at the
    /// next start instead).
    password_not_kept: Option<String>,
}

/// Settings → Workspace: opens the team workspace (set up first when `setup`, and this laptop's
/// workspace copied there first when `push`) and makes it the window's. Nothing changes when
/// any step fails. The password goes to the keyring.
#[tauri::command]
pub(crate) async fn team_connect(
    app: AppHandle,
    parts: TeamParts,
    password: String,
    setup: bool,
    push: bool,
) -> CmdResult<Connected> {
    let url = parts.url()?.with_password(password);
    let (handle, opening) = (app.clone(), url.clone());
    let ws = tauri::async_runtime::spawn_blocking(move || -> CmdResult<Workspace> {
        // Whoever this laptop's workspace says I am is the person the login that sets a team
        // workspace up (or moves this laptop's there) is tied to, as its first admin.
        if push {
            let ws = crate::lock(&handle)?;
            let mut last = std::time::Instant::now();
            ws.team().push(&opening, &mut |done, total| {
                if done == total || last.elapsed() > Duration::from_millis(100) {
                    last = std::time::Instant::now();
                    let _ = handle.emit("push-progress", (done, total));
                }
            })?;
        } else if setup {
            let me = crate::lock(&handle)?.me()?.map(|p| (p.name, p.role));
            baton::team::init(&opening, me.as_ref().map(|(n, r)| (n.as_str(), *r)))?;
        }
        Ok(Workspace::open_team(&opening, SystemClock)?)
    })
    .await
    .map_err(UiError::internal)??;
    let password_not_kept = baton::team::remember_password(&url)
        .err()
        .map(|e| e.to_string());
    let place = team_label(&url);
    switch_to(&app, Place::Team(url), ws)?;
    Ok(Connected {
        place,
        password_not_kept,
    })
}

/// Settings → Workspace → Just this laptop: opens this laptop's workspace file again. The team
/// workspace stays as it is on its server.
#[tauri::command]
pub(crate) async fn use_laptop(app: AppHandle) -> CmdResult<()> {
    let path = laptop_file();
    let opening = path.clone();
    let ws = tauri::async_runtime::spawn_blocking(move || open(&Place::Laptop(opening)))
        .await
        .map_err(UiError::internal)??;
    switch_to(&app, Place::Laptop(path), ws)
}

/// Settings → Team: who has a login on the team workspace.
#[tauri::command]
pub(crate) async fn members(app: AppHandle) -> CmdResult<Vec<baton::team::Member>> {
    crate::WorkspaceExt::read(&app, |ws| ws.team().members())
}

/// Settings → Team: an admin gives a teammate a login of their own; the address and password
/// come back once, to hand over.
#[tauri::command]
pub(crate) async fn invite_teammate(
    app: AppHandle,
    name: String,
    role: baton::Role,
    admin: bool,
) -> CmdResult<baton::team::Invite> {
    let Place::Team(url) = held(&app.state::<Shared>().place).clone() else {
        return Err(UiError::from(baton::Error::Conflict(
            "logins are a team workspace's; connect to one in Settings → Workspace first".into(),
        )));
    };
    crate::WorkspaceExt::change(&app, |ws| {
        ws.team()
            .invite(&url, &name, role, admin, baton::Origin::App)
    })
}

/// Settings → Team: an admin ends a teammate's login.
#[tauri::command]
pub(crate) async fn revoke_teammate(
    app: AppHandle,
    name: String,
) -> CmdResult<baton::team::Member> {
    crate::WorkspaceExt::change(&app, |ws| ws.team().revoke(&name, baton::Origin::App))
}

/// The header's and Settings' answer to "where am I".
#[tauri::command]
pub(crate) async fn workspace_where(app: AppHandle) -> CmdResult<Where> {
    Ok(where_now(&app))
}
