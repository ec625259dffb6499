//! What the integration tests share: a workspace file on disk with a fixed clock and a team.

// Each test file uses a part of this module.
#![allow(dead_code)]

use baton::{FixedClock, Origin, Role, Workspace};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;

/// An RFC 3339 moment.
pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Which kind of workspace a core test runs on: a file, or a team workspace on the test
/// PostgreSQL. Tests that run on both take it as a parameter (`on_both_workspaces!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    File,
    Team,
}

/// A fresh workspace on `backend` whose clock stands at `now`, with `team` on it (the first one
/// is me). The folder goes when the `TempDir` does; [`reopen`] opens the same workspace again,
/// as a second program or a teammate's laptop would.
pub fn workspace(
    backend: Backend,
    now: &str,
    team: &[(&str, Role)],
) -> (Workspace, Arc<FixedClock>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(at(now)));
    if backend == Backend::Team {
        // A team workspace of its own, its address kept in the folder for `reopen`.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let url = database(&format!("ws_{n}"));
        // The test's login is the first person's: "me", and the team workspace's admin.
        baton::team::init(
            &baton::team::TeamUrl::parse(&url).unwrap(),
            team.first().map(|(name, role)| (*name, *role)),
        )
        .unwrap();
        std::fs::write(dir.path().join(TEAM_URL), &url).unwrap();
    }
    let ws = reopen(&dir, clock.clone());
    for (i, (name, role)) in team.iter().enumerate() {
        // On a team workspace the first is the login's person already.
        if i > 0 || backend == Backend::File {
            ws.team()
                .add_person(name, *role, None, i == 0, Origin::Cli)
                .unwrap();
        }
    }
    (ws, clock, dir)
}

/// Where a test's team workspace keeps its address, in the test's folder.
const TEAM_URL: &str = "team-url";

/// The workspace [`workspace`] made in `dir`, opened again on another connection (on a team
/// workspace, with the same login).
pub fn reopen(dir: &tempfile::TempDir, clock: Arc<FixedClock>) -> Workspace {
    match std::fs::read_to_string(dir.path().join(TEAM_URL)) {
        Ok(url) => {
            let url = baton::team::TeamUrl::parse(&url).unwrap();
            Workspace::open_team(&url, clock).unwrap()
        }
        Err(_) => Workspace::open(&dir.path().join("w.sqlite"), clock).unwrap(),
    }
}

/// The workspace [`workspace`] made in `dir`, opened again as `name` (on the team already)
/// would open it: on a file, marked as the one using it; on a team workspace, signed in with
/// their own login (invited the first time, by the test's admin login).
pub fn sign_in(dir: &tempfile::TempDir, clock: Arc<FixedClock>, name: &str) -> Workspace {
    let Ok(url) = std::fs::read_to_string(dir.path().join(TEAM_URL)) else {
        let ws = reopen(dir, clock);
        ws.team().set_me(name, Origin::Cli).unwrap();
        return ws;
    };
    let admin = reopen(dir, clock.clone());
    if admin.me().unwrap().is_some_and(|p| p.name == name) {
        return admin;
    }
    let kept = dir.path().join(format!("login-{name}"));
    let address = std::fs::read_to_string(&kept).unwrap_or_else(|_| {
        let url = baton::team::TeamUrl::parse(&url).unwrap();
        let role = admin.team().person(name).unwrap().role;
        let invite = admin
            .team()
            .invite(&url, name, role, false, Origin::Cli)
            .unwrap();
        let address = with_password(&invite.url, &invite.password);
        std::fs::write(&kept, &address).unwrap();
        address
    });
    Workspace::open_team(&baton::team::TeamUrl::parse(&address).unwrap(), clock).unwrap()
}

/// A core test run twice from one source, given the backend: on a workspace file and on a team
/// workspace.
#[macro_export]
macro_rules! on_both_workspaces {
    ($(#[$m:meta])* fn $name:ident($backend:ident: Backend) $body:block) => {
        $(#[$m])*
        mod $name {
            use super::*;

            fn run($backend: common::Backend) $body

            #[test]
            fn on_a_workspace_file() {
                run(common::Backend::File)
            }

            #[test]
            fn on_a_team_workspace() {
                run(common::Backend::Team)
            }
        }
    };
}

/// The real `baton` binary on a temporary workspace file, its clock fixed by `BATON_NOW`.
pub struct Cli {
    pub db: PathBuf,
    pub dir: tempfile::TempDir,
    /// On a workspace file, who this `baton` acts as (`--me`); on a team workspace the login
    /// in `db` says who.
    pub me: Option<String>,
}

impl Cli {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Cli {
            db: dir.path().join("ws.sqlite"),
            dir,
            me: None,
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_at("2026-03-05T09:00:00Z", args)
    }

    /// Runs `baton` as if it were `now` (RFC 3339).
    pub fn run_at(&self, now: &str, args: &[&str]) -> Output {
        self.command(now, args).output().unwrap()
    }

    /// `baton` with `args` on this workspace, as if it were `now`, ready to run: several of
    /// them started at once race as teammates' commands do.
    pub fn command(&self, now: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_baton"));
        c.arg("--db").arg(&self.db);
        if let Some(me) = &self.me {
            c.args(["--me", me]);
        }
        c.args(args)
            .env("BATON_NOW", now)
            // This laptop's own data (who it is on a team workspace) stays in the test's folder.
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env_remove("BATON_DB")
            .env_remove("BATON_ME");
        c
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "baton {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// Runs a command expected to fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "baton {args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }

    /// Whether this CLI is on a team workspace.
    pub fn is_team(&self) -> bool {
        baton::team::TeamUrl::is_team(&self.db.to_string_lossy())
    }

    pub fn team(&self) {
        if self.is_team() {
            // Who I am there is the login: the one that set it up is Fay's from now on.
            let url = self.db.to_string_lossy().into_owned();
            self.ok(&[
                "team",
                "init",
                &url,
                "--as",
                "Fay Founder",
                "--role",
                "founder",
            ]);
        } else {
            self.ok(&["people", "add", "Fay Founder", "--role", "founder", "--me"]);
        }
        self.ok(&["people", "add", "Sam Seller", "--role", "sales"]);
        self.ok(&[
            "people",
            "add",
            "Dee Delivery",
            "--role",
            "delivery",
            "--email",
            "dee@example.com",
        ]);
    }

    /// Adds a deal owned by Sam Seller in `stage` with `fields` (`key=value`); returns its id.
    pub fn deal(&self, name: &str, stage: &str, fields: &[&str]) -> String {
        self.deal_by(name, stage, "Sam Seller", fields)
    }

    /// Adds a deal owned by `owner` in Contract Sent with every checklist field filled; returns
    /// its id.
    pub fn deal_owned(&self, name: &str, owner: &str) -> String {
        self.deal_by(name, "Contract Sent", owner, CHECKLIST)
    }

    fn deal_by(&self, name: &str, stage: &str, owner: &str, fields: &[&str]) -> String {
        let mut args = vec![
            "add", "--kind", "deal", name, "--stage", stage, "--owner", owner,
        ];
        args.extend(fields);
        self.ok(&args).lines().last().unwrap().to_string()
    }

    /// The workspace this CLI works on, opened by the library (a file or a team workspace).
    pub fn workspace(&self) -> Workspace {
        let db = self.db.to_string_lossy();
        if baton::team::TeamUrl::is_team(&db) {
            Workspace::open_team(
                &baton::team::TeamUrl::parse(&db).unwrap(),
                baton::SystemClock,
            )
            .unwrap()
        } else {
            Workspace::open(&self.db, baton::SystemClock).unwrap()
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

// Every field the Sales → Delivery checklist asks for, filled: a deal with these hands off
// (`CHECKLIST`; the bench uses the same).
include!("checklist.rs");

// ----- a team workspace on the test PostgreSQL -----

/// The test cluster's superuser address.
pub fn server() -> String {
    std::env::var("BATON_TEST_PG").expect(
        "BATON_TEST_PG is not set: run the tests with cargo xtask test, which starts PostgreSQL",
    )
}

/// A fresh, empty database on the test cluster (`cargo xtask test` starts it and says where in
/// `BATON_TEST_PG`; run alone, a test needing it fails and says so); returns its address (the
/// password in it, as a user may write it).
pub fn database(name: &str) -> String {
    let admin = server();
    let mut c = postgres::Client::connect(&admin.replace("?sslmode=disable", ""), postgres::NoTls)
        .expect("the test cluster answers");
    let db = format!("t_{name}_{}", std::process::id());
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
        .unwrap();
    c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    admin.replace("/postgres?", &format!("/{db}?"))
}

pub fn client(url: &str) -> postgres::Client {
    postgres::Client::connect(&url.replace("?sslmode=disable", ""), postgres::NoTls).unwrap()
}

/// The real `baton` binary on a fresh team workspace (set up with `team init`), on a laptop of
/// its own (its data directory in the test's folder).
pub fn team_cli(name: &str) -> Cli {
    // Names are cut at 63 characters by PostgreSQL: a counter keeps them apart.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let short: String = name.chars().take(20).collect();
    let url = database(&format!("{short}_{n}"));
    let cli = Cli {
        db: url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    cli.ok(&["team", "init", &url]);
    cli
}

impl Cli {
    /// A teammate on this team workspace with a login of their own (invited by this CLI's
    /// login, an admin), on a laptop of their own: the `baton` they run signs in as them.
    pub fn teammate(&self, name: &str, role: &str) -> Cli {
        let invite = self.json(&["team", "invite", name, "--role", role, "--json"]);
        Cli {
            db: with_password(
                invite["url"].as_str().unwrap(),
                invite["password"].as_str().unwrap(),
            )
            .into(),
            dir: tempfile::tempdir().unwrap(),
            me: None,
        }
    }

    /// `name`'s `baton` (on the team already), on a laptop of their own: on a workspace file,
    /// acting as them (`--me`); on a team workspace, signed in with a login of their own.
    pub fn person(&self, name: &str) -> Cli {
        if !self.is_team() {
            return Cli {
                db: self.db.clone(),
                dir: tempfile::tempdir().unwrap(),
                me: Some(name.to_string()),
            };
        }
        let people = self.json(&["people", "--json"]);
        let role = people
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} is on the team: {people}"))["role"]
            .as_str()
            .unwrap()
            .to_string();
        self.teammate(name, &role)
    }
}

/// `url` (`postgres://USER@…`) with `password` written in, as a user may write it.
pub fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, rest) = rest.split_once('@').unwrap();
    format!("{scheme}://{user}:{password}@{rest}")
}

/// The database a team workspace's address names (`…/NAME?sslmode=…` → `NAME`).
pub fn database_of(url: &str) -> String {
    let path = url.rsplit('/').next().unwrap_or_default();
    path.split('?').next().unwrap_or_default().to_string()
}

/// The real `baton` binary on a fresh team workspace reached through the test PgBouncer in
/// `mode` (`transaction` or `session`; `cargo xtask test` starts both in front of the test
/// cluster), set up with `team init` through it, as a team pasting its provider's pooled
/// string does.
#[allow(dead_code)]
pub fn pooled_cli(mode: &str, name: &str) -> Cli {
    let var = format!("BATON_TEST_PGBOUNCER_{}", mode.to_uppercase());
    let pooler = std::env::var(&var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests with cargo xtask test, which starts PgBouncer")
    });
    let at = |url: &str| {
        url.split('@')
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string()
    };
    let direct = database(&format!(
        "{}_{mode}",
        name.chars().take(16).collect::<String>()
    ));
    let url = direct.replace(&at(&direct), &at(&pooler));
    let cli = Cli {
        db: url.clone().into(),
        dir: tempfile::tempdir().unwrap(),
        me: None,
    };
    cli.ok(&["team", "init", &url]);
    cli
}

/// A CLI test run twice from one source: on a workspace file and on a team workspace.
#[macro_export]
macro_rules! on_both {
    ($(#[$m:meta])* fn $name:ident($cli:ident: &Cli) $body:block) => {
        $(#[$m])*
        mod $name {
            use super::*;

            fn run($cli: &Cli) $body

            #[test]
            fn on_a_workspace_file() {
                run(&Cli::new())
            }

            #[test]
            fn on_a_team_workspace() {
                run(&common::team_cli(stringify!($name)))
            }
        }
    };
}
