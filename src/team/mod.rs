//! The team workspace on PostgreSQL: one workspace for the whole team, every teammate's Baton on
//! it. This part sets one up (`baton team init`) and says how it stands (`baton team status`):
//! the address and its password rules ([`url`]). The connection with TLS as `sslmode` asks and
//! PostgreSQL's numbered migrations (with the same version and checksum refusal as a laptop
//! workspace's) live with the rest of PostgreSQL in `db::pg`.

mod live;
mod members;
mod password;
mod people;
pub(crate) mod queries;
pub use crate::db::pg::url;

pub(crate) use crate::db::pg::connect;
pub use crate::db::pg::POLL;
pub(crate) use crate::db::pg::{collided, held, moved_on, LOCKED};
pub use live::{probe, Follower, Probe};
pub use members::{Invite, Login, Member};
pub use password::{recall_password, remember_password};
pub use url::{SslMode, TeamUrl};

use crate::db::pg::migrations::version;
use crate::db::sql::Db;
use crate::error::{Error, Result};
use serde::Serialize;
use std::time::{Duration, Instant};

pub use crate::db::pg::migrations::TEAM_MIGRATIONS;

/// What `team init` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Initialised {
    /// The address, without its password.
    pub server: String,
    /// The schema version before (0: an empty database).
    pub from: u32,
    /// The schema version now.
    pub to: u32,
    /// The person the login that ran it is: the team workspace's first admin.
    pub admin: String,
}

/// A laptop on the team workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Laptop {
    /// Its host name.
    pub host: String,
    /// Who said they are on it (empty when nobody did).
    pub person: String,
    /// Its Baton's version.
    pub baton: String,
    /// When it last connected (RFC 3339).
    pub last_seen: String,
}

/// How a team workspace stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// The address, without its password.
    pub server: String,
    /// PostgreSQL's version.
    pub server_version: String,
    /// The team schema's version.
    pub schema_version: u32,
    /// The newest this Baton knows.
    pub known_version: u32,
    /// The median of five round trips, in milliseconds.
    pub latency_ms: f64,
    /// How the connection was asked to be secured (`sslmode`).
    pub sslmode: String,
    /// Whether it is encrypted, as the server sees it.
    pub encrypted: bool,
    /// Who is on which laptop.
    pub laptops: Vec<Laptop>,
    /// When the address is a transaction pooler: what that means for live updates and which
    /// address to use instead.
    pub pooler: Option<String>,
    /// Who this login is.
    pub login: Login,
    /// When everyone on the team workspace shares one login: the sentence saying so.
    pub shared_login: Option<String>,
}

/// Why `--me`, `BATON_ME` and "this is me" do not apply on a team workspace, in one sentence
/// (naming who the login is, when it is known yet).
pub(crate) fn not_a_flag(login: Option<&Login>) -> Error {
    let who = login.map_or(String::new(), |l| {
        format!(
            " ({}, as {})",
            l.person.as_deref().unwrap_or("nobody yet"),
            l.user
        )
    });
    Error::invalid(
        "me",
        format!(
            "on a team workspace you are who your login is{who}; --me, BATON_ME and people me are for workspace files — to act as someone else, sign in with their login (an admin gives each teammate one: baton team invite NAME --role ROLE)"
        ),
    )
}

/// Who the login that set up a team workspace is, when `team init` is not told: the founder
/// already on it (a workspace moved over), else the login's own name — kept off the team's
/// people, so it takes nobody's reviews or handoffs.
fn owner_name(c: &Db, url: &TeamUrl) -> Result<(String, Option<crate::model::Role>)> {
    let founder = queries::first_founder(c)?;
    Ok(match founder {
        Some(f) => (f, Some(crate::model::Role::Founder)),
        None => (
            url.user.split('.').next().unwrap_or(&url.user).to_string(),
            None,
        ),
    })
}

fn now_stamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Creates the team schema in an empty database, or brings an older Baton schema up to date,
/// and ties the login that ran it to a person (`owner`, else the founder already there, else
/// the login's name) as the first admin. Refuses a database that holds other tables, and a
/// schema newer than this Baton's.
pub fn init(url: &TeamUrl, owner: Option<(&str, crate::model::Role)>) -> Result<Initialised> {
    let (from, c) = set_up(url)?;
    let admin = tie(url, c, owner)?;
    Ok(Initialised {
        server: url.to_string(),
        from,
        to: TEAM_MIGRATIONS.len() as u32,
        admin,
    })
}

/// Sets up an empty database as an older Baton did, at team schema `version` (a test of moving
/// a team workspace over to a newer Baton).
#[doc(hidden)]
pub fn set_up_as_of(url: &TeamUrl, version: u32) -> Result<()> {
    let c = Db::postgres(connect(url)?);
    crate::db::pg::migrations::migrate_to(&c, 0, version, &now_stamp())
}

/// The schema made or brought up to date: the version it was at, and the connection.
fn set_up(url: &TeamUrl) -> Result<(u32, Db)> {
    let c = Db::postgres(connect(url)?);
    let tables = queries::tables(&c)?;
    let from = if tables.iter().any(|t| t == "schema_migrations") {
        version(&c)?
    } else if !tables.is_empty() {
        let shown: Vec<&str> = tables.iter().take(3).map(String::as_str).collect();
        return Err(Error::Conflict(format!(
            "the database {:?} at {}:{} already holds {} other table{} ({}{}); a team workspace needs a database of its own — create an empty one (createdb baton) and use that",
            url.dbname,
            url.host,
            url.port,
            tables.len(),
            if tables.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if tables.len() > 3 { ", …" } else { "" }
        )));
    } else {
        0
    };
    crate::db::pg::migrations::migrate(&c, from, &now_stamp()).map_err(|e| match e {
        Error::Refused(m) if m.contains("create role") => Error::Refused(format!(
            "setting up a login per teammate needs the right to create roles, which the login {:?} lacks; as a superuser (or in your provider's SQL editor) run: ALTER ROLE \"{}\" CREATEROLE — then run team init again",
            url.user, url.user
        )),
        e => e,
    })?;
    Ok((from, c))
}

/// Ties the login on `c` to a person, when it is tied to nobody yet: `owner`, else the
/// founder already there, else the login's name. Who it is.
fn tie(url: &TeamUrl, c: Db, owner: Option<(&str, crate::model::Role)>) -> Result<String> {
    match members::tied(&c)? {
        Some(p) if owner.is_none() || queries::on_the_team(&c, &p)? => return Ok(p),
        _ => {}
    }
    let (name, role) = match owner {
        Some((n, r)) => (n.to_string(), Some(r)),
        None => owner_name(&c, url)?,
    };
    drop(c);
    let ws = crate::workspace::Workspace::open_team(url, crate::clock::SystemClock)?;
    ws.team().tie_owner(&name, role, crate::model::Origin::Cli)
}

/// What `team push` copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pushed {
    /// The address, without its password.
    pub server: String,
    /// Each table copied and its rows.
    pub tables: Vec<(String, u64)>,
    /// Rows in all.
    pub rows: u64,
    /// The person the login that pushed is: the team workspace's first admin.
    pub admin: String,
}

impl crate::workspace::concepts::Team<'_> {
    /// When a transaction pooler is in front of this team workspace: what that means for live
    /// updates and which address to use instead, in one sentence.
    pub fn pooler(&self) -> Option<String> {
        self.conn.transaction_pooler().map(|p| p.sentence())
    }

    /// Copies this laptop workspace into the empty team workspace at `url` (set up first when
    /// the database is empty) in one transaction: records, their history, handoffs, tasks,
    /// drafts, notifications, the audit log, playbooks, people, holidays, saved mappings and
    /// the health counts, ids and times as they are, so briefs and the health history read the
    /// same. Nobody is marked "me" there: each laptop says who it is. `progress` hears (rows
    /// copied, rows in all).
    pub fn push(&self, url: &TeamUrl, progress: &mut dyn FnMut(u64, u64)) -> Result<Pushed> {
        let (_, c) = set_up(url)?;
        if !queries::team_is_empty(&c)? {
            return Err(Error::Conflict(format!(
                "the team workspace at {}:{}/{} already holds a team's work; push a laptop workspace only into an empty one (a new database, after baton team init)",
                url.host, url.port, url.dbname
            )));
        }
        let tables = queries::PUSHED
            .iter()
            .map(|t| crate::db::push::laptop_table(&self.conn, t).map(|(cols, n)| (*t, cols, n)))
            .collect::<Result<Vec<_>>>()?;
        let total: u64 = tables.iter().map(|(_, _, n)| n).sum();
        progress(0, total);
        crate::db::push::copy_up(&self.conn, &c, &tables, &mut |done| progress(done, total))?;
        // The login that pushed is the one this laptop's user had, and the first admin.
        let me = self.me()?.map(|p| (p.name, p.role));
        let admin = tie(url, c, me.as_ref().map(|(n, r)| (n.as_str(), *r)))?;
        Ok(Pushed {
            admin,
            server: url.to_string(),
            tables: tables.iter().map(|(t, _, n)| (t.to_string(), *n)).collect(),
            rows: total,
        })
    }
}

impl crate::workspace::Workspace {
    /// Opens the team workspace at `url`: every command then reads and writes it as it would
    /// a workspace file. Refuses a database that is not one (or not yet at this Baton's schema:
    /// `baton team init` brings it up to date).
    pub fn open_team(url: &TeamUrl, clock: impl crate::clock::Clock + 'static) -> Result<Self> {
        let c = Db::postgres(connect(url)?);
        // What opening reads, in one round trip (where the database is not a team workspace
        // yet, each is read again by itself, and the first says so).
        c.begin_ahead(&[
            (queries::TABLES, &[]),
            (crate::db::pg::migrations::APPLIED, &[]),
            (crate::handoffs::queries::playbooks::LIST, &[]),
            (members::LOGIN, &[]),
        ])?;
        let found = team_version(&c, url)?;
        let known = TEAM_MIGRATIONS.len() as u32;
        if found < known {
            return Err(Error::Conflict(format!(
                "the team workspace at {}:{} has schema {found} and this Baton needs {known}; bring it up to date with: baton team init URL",
                url.host, url.port
            )));
        }
        let login = members::login(&c)?;
        let mut ws = Self::init((c, Default::default()), clock, None, None)?;
        ws.conn.end_scope();
        ws.login = Some(login);
        Ok(ws)
    }
}

/// This computer's name, as `team status` lists it.
fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "this computer".into())
}

/// The schema version of the team workspace at `url` (checked as [`version`] does), or the
/// sentence saying the database is not one yet.
fn team_version(c: &Db, url: &TeamUrl) -> Result<u32> {
    if !queries::tables(c)?.iter().any(|t| t == "schema_migrations") {
        return Err(Error::Conflict(format!(
            "the database {:?} at {}:{} is not a Baton team workspace yet; set it up with: baton team init URL",
            url.dbname, url.host, url.port
        )));
    }
    version(c)
}

/// How the team workspace stands; this laptop says it is here, as the login's person.
pub fn status(url: &TeamUrl) -> Result<Status> {
    let c = Db::postgres(connect(url)?);
    let schema_version = team_version(&c, url)?;
    let mut trips: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            queries::ping(&c).map(|()| t.elapsed())
        })
        .collect::<Result<_>>()?;
    trips.sort();
    let server_version = queries::server_version(&c)?;
    let encrypted = queries::encrypted(&c)?;
    let login = members::login(&c)?;
    queries::seen(
        &c,
        &host_name(),
        login.person.as_deref().unwrap_or(""),
        env!("CARGO_PKG_VERSION"),
        &now_stamp(),
    )?;
    let laptops = queries::laptops(&c)?
        .into_iter()
        .map(|(host, person, baton, last_seen)| Laptop {
            host,
            person,
            baton,
            last_seen,
        })
        .collect();
    Ok(Status {
        server: url.to_string(),
        server_version,
        schema_version,
        known_version: TEAM_MIGRATIONS.len() as u32,
        latency_ms: (trips[2].as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
        sslmode: url.sslmode.as_str().into(),
        encrypted,
        laptops,
        pooler: c.pooler_seen_from(url)?.map(|p| p.sentence()),
        shared_login: login.shared(),
        login,
    })
}
