//! The team's people and holidays, and who uses a workspace file.

use crate::error::{Error, Result};
use crate::model::{Origin, Person, Role};
use crate::workspace::person_in;
use crate::workspace::queries::people;
use chrono::NaiveDate;

impl crate::workspace::concepts::Team<'_> {
    /// The team, in the order people were added.
    pub fn people(&self) -> Result<Vec<Person>> {
        Ok(people::list(&self.conn)?
            .into_iter()
            .map(self.mark_me())
            .collect())
    }

    /// Adds a person, or updates the role and email of one with that name.
    pub fn add_person(
        &self,
        name: &str,
        role: Role,
        email: Option<&str>,
        me: bool,
        origin: Origin,
    ) -> Result<Person> {
        if name.trim().is_empty() {
            return Err(Error::invalid("name", "a person needs a name"));
        }
        // On a team workspace who I am is the login, never a row of the shared data.
        if let (Some(login), true) = (&self.login, me) {
            return Err(super::not_a_flag(Some(login)));
        }
        let p = self.write(origin, |cx| {
            people::upsert(cx.conn, name, role, email, me)?;
            people::get_by_name(cx.conn, name)?.ok_or_else(|| Error::not_found("person", name, ""))
        })?;
        Ok(self.mark_me()(p))
    }

    /// Marks `name`, already on the team, as the person using this laptop.
    pub fn set_me(&self, name: &str, origin: Origin) -> Result<Person> {
        if let Some(login) = &self.login {
            return Err(super::not_a_flag(Some(login)));
        }
        let p = self.team().person(name)?;
        self.write(origin, |cx| {
            people::upsert(cx.conn, &p.name, p.role, None, true)
        })?;
        self.team().person(&p.name)
    }

    /// A person by name, or a clear error.
    pub fn person(&self, name: &str) -> Result<Person> {
        person_in(&self.conn, name).map(self.mark_me())
    }

    /// The holidays due dates skip.
    pub fn holidays(&self) -> Result<Vec<NaiveDate>> {
        Ok(people::holidays(&self.conn)?.into_iter().collect())
    }

    /// Adds a holiday.
    pub fn add_holiday(&self, day: NaiveDate, name: &str, origin: Origin) -> Result<()> {
        self.write(origin, |cx| people::add_holiday(cx.conn, day, name))
    }
}
