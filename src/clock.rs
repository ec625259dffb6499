//! Time comes from a `Clock` so tests and `BATON_NOW` can fix "now". Inside the core an instant
//! is a [`Stamp`] and a calendar day a [`Day`]; they become text only where Baton stores or
//! shows them, always in one format (`2026-11-24T09:00:00Z`, `2026-12-04`).

use crate::db::{Bound, FromValue, ToValue, Value, ValueError, ValueRef};
use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move; for tests and `BATON_NOW`.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock fixed at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(at))
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// An instant as Baton keeps it: UTC, to the second. Stored and shown as RFC 3339
/// (`2026-11-24T09:00:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(DateTime<Utc>);

impl Stamp {
    /// `at`, to the second (the precision Baton stores).
    pub fn new(at: DateTime<Utc>) -> Self {
        Stamp(at.with_nanosecond(0).unwrap_or(at))
    }

    /// The instant.
    pub fn at(self) -> DateTime<Utc> {
        self.0
    }

    /// The day it falls on, in UTC.
    pub fn day(self) -> Day {
        Day(self.0.date_naive())
    }
}

impl From<DateTime<Utc>> for Stamp {
    fn from(at: DateTime<Utc>) -> Self {
        Stamp::new(at)
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl FromStr for Stamp {
    type Err = chrono::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Stamp(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc)))
    }
}

/// A calendar day (a due date, a kickoff). Stored and shown as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

impl Day {
    /// The date.
    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// The day as a person using `locale` (`en_US.UTF-8`, `de_DE`, `C`) writes it, the way
    /// the app shows days: `Dec 4, 2026` in American English, `4 Dec 2026` in other English,
    /// the locale's own date format elsewhere (`04.12.2026` in German).
    pub fn in_words(self, locale: &str) -> String {
        let name = locale.split(['.', '@']).next().unwrap_or_default();
        let (language, region) = name.split_once('_').unwrap_or((name, ""));
        match language {
            "" | "C" | "POSIX" => self.0.format("%b %-d, %Y").to_string(),
            "en" if region == "US" || region.is_empty() => self.0.format("%b %-d, %Y").to_string(),
            "en" => self.0.format("%-d %b %Y").to_string(),
            _ => match chrono::Locale::try_from(name) {
                Ok(l) => self.0.format_localized("%x", l).to_string(),
                Err(_) => self.0.format("%b %-d, %Y").to_string(),
            },
        }
    }

    /// [`Day::in_words`] in the locale this process runs in (LC_ALL, LC_TIME, LANG).
    pub fn in_local_words(self) -> String {
        let locale = ["LC_ALL", "LC_TIME", "LANG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            .unwrap_or_default();
        self.in_words(&locale)
    }
}

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Self {
        Day(d)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl FromStr for Day {
    type Err = chrono::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Day(NaiveDate::parse_from_str(s, "%Y-%m-%d")?))
    }
}

/// Serialised, bound and read as their one text form, so JSON, the workspace and the UI see
/// exactly the text Baton has always written.
macro_rules! text_time {
    ($t:ty, $what:literal) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(|e| {
                    serde::de::Error::custom(format!(concat!("{:?} is not ", $what, ": {}"), s, e))
                })
            }
        }

        impl ToValue for $t {
            fn to_value(&self) -> Result<Bound<'_>, ValueError> {
                Ok(Bound::Owned(Value::Text(self.to_string())))
            }
        }

        impl FromValue for $t {
            fn from_value(value: ValueRef<'_>) -> Result<Self, ValueError> {
                let s = value.as_str()?;
                s.parse().map_err(|e| {
                    ValueError::Invalid(format!(
                        concat!("the workspace holds {:?} where ", $what, " belongs: {}"),
                        s, e
                    ))
                })
            }
        }
    };
}

/// Compared with text, read as the same type: `assert_eq!(task.due.unwrap(), "2026-12-04")`.
macro_rules! eq_text {
    ($t:ty) => {
        impl PartialEq<&str> for $t {
            fn eq(&self, other: &&str) -> bool {
                other.parse::<$t>().is_ok_and(|o| o == *self)
            }
        }
    };
}

eq_text!(Stamp);
eq_text!(Day);

text_time!(Stamp, "a time (RFC 3339, like 2026-11-24T09:00:00Z)");
text_time!(Day, "a date (YYYY-MM-DD)");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_reads_back_the_text_it_writes() {
        let s: Stamp = "2026-11-24T09:00:00Z".parse().unwrap();
        assert_eq!(s.to_string(), "2026-11-24T09:00:00Z");
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"2026-11-24T09:00:00Z\""
        );
        // Another offset is the same instant, kept in UTC.
        let t: Stamp = "2026-11-24T10:00:00+01:00".parse().unwrap();
        assert_eq!(s, t);
        assert_eq!(s.day().to_string(), "2026-11-24");
        let at = DateTime::parse_from_rfc3339("2026-11-24T09:00:00.75Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Stamp::new(at), s);
        assert!("24/11/2026".parse::<Stamp>().is_err());
    }

    #[test]
    fn a_day_reads_as_people_using_the_locale_write_it() {
        let d: Day = "2026-12-04".parse().unwrap();
        assert_eq!(d.in_words("en_US.UTF-8"), "Dec 4, 2026");
        assert_eq!(d.in_words("C.UTF-8"), "Dec 4, 2026");
        assert_eq!(d.in_words(""), "Dec 4, 2026");
        assert_eq!(d.in_words("en_GB.UTF-8"), "4 Dec 2026");
        assert_eq!(d.in_words("de_DE.UTF-8"), "04.12.2026");
        assert_eq!(d.in_words("xx_YY"), "Dec 4, 2026");
    }

    #[test]
    fn a_day_round_trips_through_sqlite_and_json() {
        let conn = crate::db::sql::Db::in_memory();
        let d: Day = "2026-12-04".parse().unwrap();
        let back: Day = conn.query_row("SELECT ?1", [d], |r| r.get(0)).unwrap();
        assert_eq!(back, d);
        let text: String = conn.query_row("SELECT ?1", [d], |r| r.get(0)).unwrap();
        assert_eq!(text, "2026-12-04");
        assert_eq!(serde_json::from_str::<Day>("\"2026-12-04\"").unwrap(), d);
        let bad = conn.query_row("SELECT 'soon'", [], |r| r.get::<Day>(0));
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("\"soon\" where a date"));
    }
}
