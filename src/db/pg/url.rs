//! A team workspace's address, read as libpq reads one: `postgres://USER[:PASSWORD]@HOST[:PORT]/DB
//! [?sslmode=…]`; a password missing from the address comes from `PGPASSWORD`, then the password
//! file (`PGPASSFILE`, else `~/.pgpass`). `sslmode` keeps libpq's meanings, and `require` is the
//! default for every host but this computer. The password is never shown: [`TeamUrl`]'s text
//! and its errors name only user, host, port and database.

use crate::error::{Error, Result};
use std::path::PathBuf;

/// How the connection is secured (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, not verified; plain otherwise.
    Prefer,
    /// TLS always, the certificate not verified.
    Require,
    /// TLS always, the certificate verified against the system's roots and the host name.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        match s {
            "disable" => Some(SslMode::Disable),
            "prefer" | "allow" => Some(SslMode::Prefer),
            "require" => Some(SslMode::Require),
            "verify-full" | "verify-ca" => Some(SslMode::VerifyFull),
            _ => None,
        }
    }

    /// libpq's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A parsed team workspace address.
#[derive(Clone, PartialEq, Eq)]
pub struct TeamUrl {
    /// The host (a name or an address; a path starting with `/` is a socket directory).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The database.
    pub dbname: String,
    /// The user.
    pub user: String,
    pub(crate) password: Option<String>,
    /// How the connection is secured.
    pub sslmode: SslMode,
    /// Whether the address says a transaction-mode pooler is in front of the database
    /// (`pgbouncer=true`, the convention other tools read), when its host and port do not.
    pub(crate) pgbouncer: bool,
}

/// A pooler that hands a connection's server to others between transactions (PgBouncer or
/// Supavisor in transaction mode): what was found and what to use instead for live updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionPooler {
    /// What shows it: the address (a provider's pooled string) or the server's answers.
    pub seen_in: &'static str,
    /// The address to use instead, for updates the moment a teammate acts.
    pub instead: String,
}

impl TransactionPooler {
    /// What it means, in one sentence, for `team status` and Settings.
    pub fn sentence(&self) -> String {
        format!(
            "this is a transaction pooler ({}): Baton works through it, but it cannot hear a teammate's change the moment it is made and checks every few seconds instead; for live updates use {}",
            self.seen_in, self.instead
        )
    }
}

/// Whether `pw` is what a provider's Connect dialog shows in place of the password
/// (Supabase's `[YOUR-PASSWORD]`, a `<password>` in a guide): words in brackets, or "your
/// password" however it is spelt.
fn placeholder_password(pw: &str) -> bool {
    let inner = pw.trim_matches(|c| matches!(c, '[' | ']' | '<' | '>' | '{' | '}'));
    let bracketed = inner.len() + 2 == pw.len();
    let words = inner.to_ascii_lowercase().replace(['-', '_', ' '], "");
    (bracketed
        && matches!(
            words.as_str(),
            "password" | "yourpassword" | "dbpassword" | "pass"
        ))
        || words == "yourpassword"
}

/// The address as it may be shown: no password.
impl std::fmt::Display for TeamUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "postgres://{}@{}:{}/{}",
            self.user, self.host, self.port, self.dbname
        )
    }
}

impl TeamUrl {
    /// The whole address to hand a teammate, without the password: how it is secured and
    /// whether it is pooled said, so their Baton connects as this one does.
    pub fn shareable(&self) -> String {
        format!(
            "{self}?sslmode={}{}",
            self.sslmode.as_str(),
            if self.pgbouncer {
                "&pgbouncer=true"
            } else {
                ""
            }
        )
    }
}

impl std::fmt::Debug for TeamUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self} (sslmode={})", self.sslmode.as_str())
    }
}

/// `%XX` escapes undone (user names and passwords may hold `@`, `:` or `/`).
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn local(host: &str) -> bool {
    host.starts_with('/') || matches!(host, "localhost" | "127.0.0.1" | "::1")
}

impl TeamUrl {
    /// Whether `s` names a team workspace rather than a file.
    pub fn is_team(s: &str) -> bool {
        s.starts_with("postgres://") || s.starts_with("postgresql://")
    }

    /// Reads an address. `env` looks up environment variables (`PGPASSWORD`, `PGPASSFILE`,
    /// `HOME`), so tests need not change the process's own.
    pub fn parse_with(s: &str, env: impl Fn(&str) -> Option<String>) -> Result<TeamUrl> {
        let bad = |why: &str| {
            Error::invalid(
                "team workspace",
                format!("the address is not a PostgreSQL address: {why}; write it as postgres://USER@HOST:PORT/DATABASE"),
            )
        };
        let rest = s
            .strip_prefix("postgres://")
            .or_else(|| s.strip_prefix("postgresql://"))
            .ok_or_else(|| bad("it does not start with postgres://"))?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, dbname) = match rest.split_once('/') {
            Some((a, d)) => (a, unescape(d)),
            None => (rest, String::new()),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((name, pw)) => (unescape(name), Some(unescape(pw))),
                None => (unescape(u), None),
            },
            None => (String::new(), None),
        };
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            let (h, after) = h
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 host lacks its ]"))?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        let port = match port.filter(|p| !p.is_empty()) {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| bad(&format!("the port {p:?} is not a number")))?,
            None => 5432,
        };
        let mut host = unescape(&host);
        let mut sslmode = None;
        let mut pgbouncer = false;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sslmode" => {
                    sslmode = Some(SslMode::parse(v).ok_or_else(|| {
                        bad(&format!(
                            "sslmode {v:?} is not one of disable, prefer, require, verify-full"
                        ))
                    })?)
                }
                "host" => host = unescape(v),
                "pgbouncer" => pgbouncer = v == "true",
                _ => {}
            }
        }
        if host.is_empty() {
            return Err(bad("it names no host"));
        }
        let user = if user.is_empty() {
            env("PGUSER")
                .or_else(|| env("USER"))
                .ok_or_else(|| bad("it names no user"))?
        } else {
            user
        };
        let dbname = if dbname.is_empty() {
            user.clone()
        } else {
            dbname
        };
        let sslmode = sslmode.unwrap_or(if local(&host) {
            SslMode::Prefer
        } else {
            SslMode::Require
        });
        // A provider's placeholder (`[YOUR-PASSWORD]`) is not a password: it is asked for.
        let password = password.filter(|p| !placeholder_password(p));
        let mut url = TeamUrl {
            host,
            port,
            dbname,
            user,
            password,
            sslmode,
            pgbouncer,
        };
        if url.password.is_none() {
            url.password = env("PGPASSWORD")
                .filter(|p| !p.is_empty())
                .or_else(|| url.password_from_file(&env));
        }
        Ok(url)
    }

    /// An address from the fields Settings asks for. TLS on is `require` (or `prefer` for
    /// this computer, as the command line's default); off is `disable`, and only for this
    /// computer: a password must not cross a network in the clear.
    pub fn from_parts(
        host: &str,
        port: u16,
        dbname: &str,
        user: &str,
        tls: bool,
    ) -> Result<TeamUrl> {
        let missing = [("host", host), ("database", dbname), ("user", user)]
            .into_iter()
            .find(|(_, v)| v.trim().is_empty());
        if let Some((what, _)) = missing {
            return Err(Error::invalid(
                "team workspace",
                format!("the {what} is empty; fill it in as your database's provider gives it"),
            ));
        }
        if !tls && !local(host.trim()) {
            return Err(Error::invalid(
                "team workspace",
                format!("TLS can be turned off only for a server on this computer, and {} is not; leave TLS on", host.trim()),
            ));
        }
        Ok(TeamUrl {
            host: host.trim().to_string(),
            port,
            dbname: dbname.trim().to_string(),
            user: user.trim().to_string(),
            password: None,
            sslmode: match (tls, local(host.trim())) {
                (false, _) => SslMode::Disable,
                (true, true) => SslMode::Prefer,
                (true, false) => SslMode::Require,
            },
            pgbouncer: false,
        })
    }

    /// The transaction-mode pooler this address names, by what providers' pooled strings look
    /// like: Supabase's pooler on port 6543 (its session mode is port 5432), Neon's `-pooler`
    /// host, or `pgbouncer=true`.
    pub fn transaction_pooler(&self) -> Option<TransactionPooler> {
        let host = self.host.to_ascii_lowercase();
        if host.ends_with(".pooler.supabase.com") && self.port == 6543 {
            return Some(TransactionPooler {
                seen_in: "Supabase's transaction pooler, port 6543",
                instead: format!(
                    "Supabase's session pooler (the same host, port 5432: {}:5432) or the direct connection",
                    self.host
                ),
            });
        }
        let first = host.split('.').next().unwrap_or_default();
        if first.ends_with("-pooler") || first.contains("-pooler-") || first.contains("-pooler.") {
            let direct = self.host.replacen("-pooler", "", 1);
            return Some(TransactionPooler {
                seen_in: "Neon's pooled host",
                instead: format!("the host without -pooler ({direct})"),
            });
        }
        self.pgbouncer.then(|| TransactionPooler {
            seen_in: "pgbouncer=true in the address",
            instead: "a session-mode pooler or the server's own address".into(),
        })
    }

    /// The address with `password` (never shown: [`TeamUrl`]'s text leaves it out).
    pub fn with_password(mut self, password: String) -> TeamUrl {
        self.password = Some(password).filter(|p| !p.is_empty());
        self
    }

    /// Whether a password goes with the address.
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The password that goes with the address, for the keyring (never shown).
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// An address pasted whole into Settings (a provider's Connect dialog shows one): read as
    /// the command line reads it, but taking no password from this computer's environment;
    /// and whether its password was a placeholder to be asked for (`[YOUR-PASSWORD]`).
    pub fn pasted(s: &str) -> Result<(TeamUrl, bool)> {
        let url = Self::parse_with(s.trim(), |_| None)?;
        let placeholder = s
            .trim()
            .split_once("://")
            .and_then(|(_, rest)| rest.split(['/', '?']).next())
            .and_then(|authority| authority.rsplit_once('@'))
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(_, pw)| placeholder_password(&unescape(pw)));
        Ok((url, placeholder))
    }

    /// The address as the command line takes it, with `sslmode` and without the password.
    pub fn address(&self) -> String {
        format!("{self}?sslmode={}", self.sslmode.as_str())
    }

    /// Reads an address with the process's environment.
    pub fn parse(s: &str) -> Result<TeamUrl> {
        Self::parse_with(s, |k| std::env::var(k).ok())
    }

    /// The password file's line for this address (libpq's rules: `*` matches anything, `\`
    /// escapes `:` and `\`, and the file is ignored unless only its owner can read it).
    fn password_from_file(&self, env: &impl Fn(&str) -> Option<String>) -> Option<String> {
        let path = env("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).ok()?.permissions().mode();
            if mode & 0o077 != 0 {
                return None;
            }
        }
        let text = std::fs::read_to_string(&path).ok()?;
        let port = self.port.to_string();
        let wanted = [
            self.host.as_str(),
            port.as_str(),
            self.dbname.as_str(),
            self.user.as_str(),
        ];
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .find_map(|line| {
                let fields = split_pgpass(line);
                if fields.len() != 5 {
                    return None;
                }
                let host_ok = |f: &str, w: &str| {
                    f == "*" || f == w || (f == "localhost" && local(w) && w.starts_with('/'))
                };
                (host_ok(&fields[0], wanted[0])
                    && (1..4).all(|i| fields[i] == "*" || fields[i] == wanted[i]))
                .then(|| fields[4].clone())
            })
    }
}

/// A password file line's five fields; `\` escapes the next character.
fn split_pgpass(line: &str) -> Vec<String> {
    let (mut fields, mut field) = (vec![], String::new());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn an_address_reads_as_libpq_reads_it_and_shows_no_password() {
        let u = TeamUrl::parse_with(
            "postgres://alex:s%40cret@db.example.com:6543/sales",
            env(&[]),
        )
        .unwrap();
        assert_eq!(
            (u.user.as_str(), u.host.as_str(), u.port, u.dbname.as_str()),
            ("alex", "db.example.com", 6543, "sales")
        );
        assert_eq!(u.password.as_deref(), Some("s@cret"));
        assert_eq!(
            u.sslmode,
            SslMode::Require,
            "require for any host but this computer"
        );
        assert_eq!(u.to_string(), "postgres://alex@db.example.com:6543/sales");
        assert!(!format!("{u:?}").contains("cret"));
        let local = TeamUrl::parse_with("postgres://alex@localhost/sales", env(&[])).unwrap();
        assert_eq!((local.port, local.sslmode), (5432, SslMode::Prefer));
        let v = TeamUrl::parse_with("postgresql://a@h/d?sslmode=verify-full", env(&[])).unwrap();
        assert_eq!(v.sslmode, SslMode::VerifyFull);
        for bad in [
            "mysql://a@h/d",
            "postgres://a@h:port/d",
            "postgres://a@h/d?sslmode=maybe",
        ] {
            let e = TeamUrl::parse_with(bad, env(&[])).unwrap_err().to_string();
            assert!(e.contains("not a PostgreSQL address"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_missing_password_comes_from_pgpassword_then_the_password_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:5432:*:alex:nope\ndb.example.com:*:sales:alex:from\\:file\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let f = file.to_str().unwrap();
        let url = "postgres://alex@db.example.com/sales";
        let u = TeamUrl::parse_with(url, env(&[("PGPASSFILE", f)])).unwrap();
        assert_eq!(u.password.as_deref(), Some("from:file"));
        let u = TeamUrl::parse_with(url, env(&[("PGPASSFILE", f), ("PGPASSWORD", "env")])).unwrap();
        assert_eq!(u.password.as_deref(), Some("env"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let u = TeamUrl::parse_with(url, env(&[("PGPASSFILE", f)])).unwrap();
            assert_eq!(
                u.password, None,
                "a file others can read is ignored, as libpq does"
            );
        }
    }

    #[test]
    fn a_providers_pooled_string_is_known_and_its_placeholder_password_is_not_a_password() {
        let supabase = "postgresql://postgres.abcd:[YOUR-PASSWORD]@aws-0-eu-central-1.pooler.supabase.com:6543/postgres";
        let u = TeamUrl::parse_with(supabase, env(&[])).unwrap();
        assert_eq!(
            (
                u.user.as_str(),
                u.port,
                u.dbname.as_str(),
                u.password.as_deref()
            ),
            ("postgres.abcd", 6543, "postgres", None),
            "the placeholder is asked for, not sent"
        );
        let pooler = u
            .transaction_pooler()
            .expect("port 6543 is Supabase's transaction pooler");
        assert!(pooler.instead.contains(":5432"), "{pooler:?}");
        let session = supabase.replace(":6543/", ":5432/");
        assert_eq!(
            TeamUrl::parse_with(&session, env(&[]))
                .unwrap()
                .transaction_pooler(),
            None
        );
        let neon = "postgresql://alex:npg_abc@ep-cool-name-123456-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require";
        let u = TeamUrl::parse_with(neon, env(&[])).unwrap();
        assert_eq!(u.password.as_deref(), Some("npg_abc"));
        let pooler = u.transaction_pooler().expect("Neon's -pooler host");
        assert!(
            pooler
                .instead
                .contains("ep-cool-name-123456.eu-central-1.aws.neon.tech"),
            "{pooler:?}"
        );
        let direct = neon.replace("-pooler", "");
        assert_eq!(
            TeamUrl::parse_with(&direct, env(&[]))
                .unwrap()
                .transaction_pooler(),
            None
        );
        let said =
            TeamUrl::parse_with("postgres://a:pw@h:6432/d?pgbouncer=true", env(&[])).unwrap();
        assert!(said.transaction_pooler().is_some());
        for placeholder in [
            "[YOUR-PASSWORD]",
            "<password>",
            "[password]",
            "YOUR_PASSWORD",
        ] {
            let u =
                TeamUrl::parse_with(&format!("postgres://a:{placeholder}@h/d"), env(&[])).unwrap();
            assert_eq!(u.password, None, "{placeholder}");
        }
        for real in ["password", "hunter2", "[x]"] {
            let u = TeamUrl::parse_with(&format!("postgres://a:{real}@h/d"), env(&[])).unwrap();
            assert_eq!(u.password.as_deref(), Some(real));
        }
    }
}
