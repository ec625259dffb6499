//! The `people` and `holidays` tables.

use crate::db::params;
use crate::db::sql::{Db, Optional, Row};
use crate::error::Result;
use crate::model::{Person, PersonId, Role};
use chrono::NaiveDate;
use std::collections::BTreeSet;

fn from_row(r: &Row<'_>) -> Result<Person> {
    Ok(Person {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        role: r.get(3)?,
        is_me: r.get(4)?,
    })
}

/// The statement [`list`] reads everyone with, to read ahead.
pub(crate) const LIST: &str = "SELECT id, name, email, role, is_me FROM people ORDER BY id";

/// The statement [`holidays`] reads them with, to read ahead.
pub(crate) const HOLIDAYS: &str = "SELECT day FROM holidays";

/// Everyone, in the order they joined.
pub(crate) fn list(conn: &Db) -> Result<Vec<Person>> {
    let mut st = conn.prepare_cached(LIST)?;
    let rows = st.query_map([], from_row)?;
    Ok(rows)
}

/// A person by name (case-insensitive).
pub(crate) fn get_by_name(conn: &Db, name: &str) -> Result<Option<Person>> {
    conn.prepare_cached("SELECT id, name, email, role, is_me FROM people WHERE name = ?1")?
        .query_row([name.trim()], from_row)
        .optional()
}

/// Adds a person (or updates the role and email of one with the same name).
pub(crate) fn upsert(
    conn: &Db,
    name: &str,
    role: Role,
    email: Option<&str>,
    me: bool,
) -> Result<PersonId> {
    if me {
        conn.prepare_cached("UPDATE people SET is_me = 0")?
            .execute([])?;
    }
    conn.prepare_cached(UPSERT)?
        .execute(params![name.trim(), role, email, me])?;
    conn.prepare_cached("SELECT id FROM people WHERE name = ?1")?
        .query_row([name.trim()], |r| r.get(0))
}

/// Adds a person (or gives one already there `role`), as [`upsert`] does, without reading
/// their id back: on a team workspace it goes with the next statement (an import meeting
/// dozens of owners paid two round trips for each).
pub(crate) fn add(conn: &Db, name: &str, role: Role) -> Result<()> {
    conn.prepare_cached(UPSERT)?
        .write(params![name.trim(), role, None::<&str>, false])
}

const UPSERT: &str = "INSERT INTO people (name, role, email, is_me) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(name) DO UPDATE SET role = excluded.role,
             email = coalesce(excluded.email, people.email),
             is_me = CASE WHEN excluded.is_me > people.is_me THEN excluded.is_me ELSE people.is_me END";

/// A person by id.
pub(crate) fn get(conn: &Db, id: PersonId) -> Result<Option<Person>> {
    conn.prepare_cached("SELECT id, name, email, role, is_me FROM people WHERE id = ?1")?
        .query_row([id], from_row)
        .optional()
}

/// The person using this laptop.
pub(crate) fn me(conn: &Db) -> Result<Option<Person>> {
    conn.prepare_cached("SELECT id, name, email, role, is_me FROM people WHERE is_me = 1")?
        .query_row([], from_row)
        .optional()
}

/// The workspace's holidays.
pub(crate) fn holidays(conn: &Db) -> Result<BTreeSet<NaiveDate>> {
    let mut st = conn.prepare_cached(HOLIDAYS)?;
    let rows = st.query_map([], |r| r.get::<String>(0))?;
    let mut out = BTreeSet::new();
    for d in rows {
        if let Ok(day) = NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            out.insert(day);
        }
    }
    Ok(out)
}

/// Adds a holiday.
pub(crate) fn add_holiday(conn: &Db, day: NaiveDate, name: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO holidays (day, name) VALUES (?1, ?2) ON CONFLICT(day) DO UPDATE SET name = excluded.name")?.execute(params![day.format("%Y-%m-%d").to_string(), name],
    )?;
    Ok(())
}
