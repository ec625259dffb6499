//! A login per teammate: who this session is (the login, never a flag), inviting a teammate,
//! revoking them, making them an admin, and who is on the team. What each may do is the
//! database's to enforce (team migration 0009); here it is asked for and said.

use super::{queries, TeamUrl};
use crate::error::{Error, Result};
use crate::model::{Origin, Role};
use serde::Serialize;

/// Who this session's login is, read when the team workspace opened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Login {
    /// The PostgreSQL login.
    pub user: String,
    /// The person it is (none: a login nobody tied to a teammate).
    pub person: Option<String>,
    /// Whether it may change playbooks, people, webhooks and invite or revoke teammates.
    pub admin: bool,
    /// How many teammates have a login (1: everyone on this team workspace acts as one).
    pub logins: i64,
}

pub(crate) use super::queries::{login, tied, LOGIN};

impl Login {
    /// When everyone on the team workspace shares this one login: the sentence saying so.
    pub fn shared(&self) -> Option<String> {
        (self.logins <= 1).then(|| {
            format!(
                "everyone on this team workspace acts as {} (the login {}) until teammates are invited: baton team invite NAME --role ROLE",
                self.person.as_deref().unwrap_or("nobody in particular"),
                self.user
            )
        })
    }
}

/// A teammate with a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The person.
    pub person: String,
    /// Their role on the team (as `people` has it).
    pub role: Option<Role>,
    /// Their PostgreSQL login.
    pub login: String,
    /// Whether they are an admin.
    pub admin: bool,
    /// When their login was revoked (RFC 3339), if it was.
    pub revoked_at: Option<String>,
    /// When they last changed something or said they were here (RFC 3339).
    pub last_seen: Option<String>,
    /// Whether this is the login of the session asking.
    pub is_me: bool,
}

/// What a new teammate needs, said once: the password is shown here and nowhere else (and in
/// the file `team invite --file` writes, which `team join` reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Invite {
    /// The person invited.
    pub person: String,
    /// Their role.
    pub role: Role,
    /// Whether they are an admin.
    pub admin: bool,
    /// The team workspace's address for their login, without the password.
    pub url: String,
    /// Their password.
    pub password: String,
}

/// The PostgreSQL login for `person` on the workspace tagged `tag`: their name in lower-case
/// letters, digits and underscores, then the tag, so two team workspaces on one server never
/// share a login.
fn login_name(person: &str, tag: &str) -> String {
    let mut slug = String::new();
    for c in person.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('_') && !slug.is_empty() {
            slug.push('_');
        }
    }
    let slug: String = slug.trim_end_matches('_').chars().take(40).collect();
    let slug = if slug.is_empty() {
        "teammate".into()
    } else {
        slug
    };
    format!("{slug}_{tag}")
}

/// A new password: 24 letters and digits from the operating system's random numbers.
fn new_password() -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut out = String::new();
    while out.len() < 24 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            Error::Conflict(format!(
                "this computer gave no random numbers for a password ({e})"
            ))
        })?;
        // Only bytes below the largest multiple of the alphabet's size: every letter as likely.
        let limit = 256 - 256 % ALPHABET.len();
        out.extend(
            bytes
                .iter()
                .filter(|b| usize::from(**b) < limit)
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char),
        );
    }
    out.truncate(24);
    Ok(out)
}

/// The address a login `user` connects with, seen from `url`: Supabase's pooler names its
/// project after the user (`user.project`), and so the new login must too.
fn address_for(url: &TeamUrl, user: &str) -> TeamUrl {
    let mut u = url.clone();
    let project = url
        .user
        .split_once('.')
        .filter(|_| url.host.ends_with(".pooler.supabase.com"))
        .map(|(_, p)| p.to_string());
    u.user = match project {
        Some(p) => format!("{user}.{p}"),
        None => user.to_string(),
    };
    u.password = None;
    u
}

impl crate::workspace::concepts::Team<'_> {
    /// Who this session is, on a team workspace.
    pub fn login(&self) -> Option<&Login> {
        self.login.as_ref()
    }

    fn team_login(&self) -> Result<&Login> {
        self.login.as_ref().ok_or_else(|| {
            Error::Conflict("logins are a team workspace's; a workspace file has none".into())
        })
    }

    /// Everyone with a login: the one that set the workspace up, then in the order they were
    /// invited (revoked ones last).
    pub fn members(&self) -> Result<Vec<Member>> {
        let me = self.team_login()?.user.clone();
        queries::members(&self.conn, &me)
    }

    /// Gives `name` a login of their own with `role` (added to the team, or their role
    /// changed), an admin's when `admin`: what they need to join, with the password said once.
    /// For an admin only (the database refuses anyone else).
    pub fn invite(
        &self,
        url: &TeamUrl,
        name: &str,
        role: Role,
        admin: bool,
        origin: Origin,
    ) -> Result<Invite> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "a teammate needs a name"));
        }
        self.team_login()?;
        let password = new_password()?;
        let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
        let (person, login) = self.write(origin, |cx| {
            queries::must_be_admin(cx.conn, "invite a teammate")?;
            // Added, or given `role`; a teammate already in that role is left as they are.
            let found = crate::workspace::queries::people::get_by_name(cx.conn, name)?;
            if found.as_ref().is_none_or(|p| p.role != role) {
                crate::workspace::queries::people::upsert(cx.conn, name, role, None, false)?;
            }
            let person = crate::workspace::person_in(cx.conn, name)?;
            let tag = queries::tag(cx.conn)?;
            let mut login = login_name(&person.name, &tag);
            let mut n = 1;
            while queries::role_exists(cx.conn, &login)? {
                n += 1;
                login = format!("{}{n}", login_name(&person.name, &tag));
            }
            queries::invite(cx.conn, &login, &person.name, admin, &verifier, cx.stamp())?;
            Ok((person, login))
        })
        .map_err(|e| match e {
            Error::Refused(m) if m.contains("create role") => {
                let owner = queries::owner(&self.conn).unwrap_or_else(|_| "…".into());
                Error::Refused(format!(
                    "creating a login needs the right to create roles, which the login that set up this team workspace ({owner}) has lost; as a superuser (or in your provider's SQL editor) give it back: ALTER ROLE \"{owner}\" CREATEROLE"
                ))
            }
            e => e,
        })?;
        Ok(Invite {
            person: person.name,
            role: person.role,
            admin,
            url: address_for(url, &login).shareable(),
            password,
        })
    }

    /// Ends `name`'s login: it can no longer connect, and its open sessions end now. For an
    /// admin only. Their work stays, under their name.
    pub fn revoke(&self, name: &str, origin: Origin) -> Result<Member> {
        self.team_login()?;
        let login = self.write(origin, |cx| {
            queries::revoke(cx.conn, name.trim(), cx.stamp())
        })?;
        // After the commit, so no session of theirs opens again in between.
        queries::end_sessions(&self.conn, &login)?;
        self.member(&login)
    }

    /// Makes `name` an admin, or not. For an admin only.
    pub fn set_admin(&self, name: &str, admin: bool, origin: Origin) -> Result<Member> {
        self.team_login()?;
        let login = self.write(origin, |cx| queries::set_admin(cx.conn, name.trim(), admin))?;
        self.member(&login)
    }

    fn member(&self, login: &str) -> Result<Member> {
        self.members()?
            .into_iter()
            .find(|m| m.login == login)
            .ok_or_else(|| Error::not_found("login", login, "`baton team members` lists them"))
    }

    /// Ties this session's login to `name` (added to the team with `role`, when one is given
    /// and they are new) as the team workspace's first admin: what `team init` does for the
    /// login that ran it. A login tied to a teammate already stays theirs; one tied only to its
    /// own name (no one on the team) is tied to `name` now. Who it is.
    pub(crate) fn tie_owner(
        &self,
        name: &str,
        role: Option<Role>,
        origin: Origin,
    ) -> Result<String> {
        let name = name.trim();
        self.write(origin, |cx| {
            if let Some(role) = role {
                if crate::workspace::queries::people::get_by_name(cx.conn, name)?.is_none() {
                    crate::workspace::queries::people::upsert(cx.conn, name, role, None, false)?;
                }
            }
            queries::tie(cx.conn, name, cx.stamp())?;
            Ok(
                crate::workspace::queries::people::get_by_name(cx.conn, name)?
                    .map_or_else(|| name.to_string(), |p| p.name),
            )
        })
    }
}

impl crate::workspace::Workspace {
    /// What to do when nobody is "me": on a file, `on_a_file`; on a team workspace, how a
    /// login comes to be someone's.
    pub fn nobody_is_me(&self, on_a_file: &str) -> String {
        match &self.login {
            Some(l) => format!(
                "your login {} is not tied to anyone on the team; the login that set up the team workspace is tied with: baton team init URL --as NAME, and each teammate gets a login of their own from an admin: baton team invite NAME --role ROLE",
                l.user
            ),
            None => on_a_file.to_string(),
        }
    }

    /// Ties this session's login to `name`, on the team already, as [`tie_owner`] does (a
    /// login tied to a teammate stays theirs), and reads who it is again.
    ///
    /// [`tie_owner`]: crate::workspace::concepts::Team::tie_owner
    pub(crate) fn tie_login(&mut self, name: &str, origin: Origin) -> Result<()> {
        self.team().tie_owner(name, None, origin)?;
        self.login = Some(login(&self.conn)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_the_name_in_plain_letters_then_the_workspace_tag() {
        assert_eq!(
            login_name("Priya Natarajan", "ab12cd34"),
            "priya_natarajan_ab12cd34"
        );
        assert_eq!(login_name("  José O'Neil ", "t"), "jos_o_neil_t");
        assert_eq!(login_name("李", "t"), "teammate_t");
        assert!(login_name(&"x".repeat(100), "ab12cd34").len() <= 49);
    }

    #[test]
    fn a_password_is_24_letters_and_digits_never_the_same_twice() {
        let a = new_password().unwrap();
        let b = new_password().unwrap();
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn a_supabase_pooler_login_carries_the_project_the_admin_s_does() {
        let url = TeamUrl::parse_with(
            "postgres://postgres.abcdef:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres",
            |_| None,
        )
        .unwrap();
        assert_eq!(address_for(&url, "dee_x").user, "dee_x.abcdef");
        assert_eq!(address_for(&url, "dee_x").password, None);
        let plain =
            TeamUrl::parse_with("postgres://baton:pw@db.example.com/team", |_| None).unwrap();
        assert_eq!(address_for(&plain, "dee_x").user, "dee_x");
    }
}
