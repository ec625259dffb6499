//! Who owns the next step: a fixed person, round-robin over a role, or fewest open tasks.

use super::playbook::OwnerRule;
use crate::model::Person;
use std::collections::HashMap;

/// The chosen next owner and why, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The person's name, if anyone could be chosen.
    pub person: Option<String>,
    /// Why this person, in words.
    pub reason: String,
}

/// Picks the next owner. `people` in a stable order (by id); `last` is the person this playbook
/// assigned last (round-robin continues after them); `open_tasks` counts open tasks per name.
pub fn assign(
    rule: &OwnerRule,
    people: &[Person],
    last: Option<&str>,
    open_tasks: &HashMap<String, usize>,
) -> Assignment {
    match rule {
        OwnerRule::Fixed { person } => {
            match people.iter().find(|p| p.name.eq_ignore_ascii_case(person)) {
                Some(p) => Assignment {
                    person: Some(p.name.clone()),
                    reason: format!("fixed owner {}", p.name),
                },
                None => Assignment {
                    person: None,
                    reason: format!("fixed owner {person} is not on the team"),
                },
            }
        }
        OwnerRule::RoundRobin { role } => {
            let pool: Vec<&Person> = people.iter().filter(|p| p.role == *role).collect();
            if pool.is_empty() {
                return nobody(*role);
            }
            let next = last
                .and_then(|l| pool.iter().position(|p| p.name.eq_ignore_ascii_case(l)))
                .map_or(0, |i| (i + 1) % pool.len());
            Assignment {
                person: Some(pool[next].name.clone()),
                reason: format!("round-robin over {role} ({} of {})", next + 1, pool.len()),
            }
        }
        OwnerRule::LeastOpenTasks { role } => {
            let pick = people
                .iter()
                .filter(|p| p.role == *role)
                .min_by_key(|p| open_tasks.get(&p.name).copied().unwrap_or(0));
            match pick {
                Some(p) => Assignment {
                    person: Some(p.name.clone()),
                    reason: format!(
                        "fewest open tasks in {role} ({})",
                        open_tasks.get(&p.name).copied().unwrap_or(0)
                    ),
                },
                None => nobody(*role),
            }
        }
    }
}

fn nobody(role: crate::model::Role) -> Assignment {
    Assignment {
        person: None,
        reason: format!("no one on the team has the role {role}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PersonId, Role};

    fn team() -> Vec<Person> {
        [
            ("Ana", Role::Delivery),
            ("Ben", Role::Sales),
            ("Caro", Role::Delivery),
        ]
        .iter()
        .enumerate()
        .map(|(i, (n, r))| Person {
            id: PersonId(i as i64 + 1),
            name: n.to_string(),
            email: None,
            role: *r,
            is_me: false,
        })
        .collect()
    }

    #[test]
    fn round_robin_continues_after_the_last_assignee() {
        let rule = OwnerRule::RoundRobin {
            role: Role::Delivery,
        };
        let none = HashMap::new();
        assert_eq!(assign(&rule, &team(), None, &none).person.unwrap(), "Ana");
        assert_eq!(
            assign(&rule, &team(), Some("Ana"), &none).person.unwrap(),
            "Caro"
        );
        assert_eq!(
            assign(&rule, &team(), Some("Caro"), &none).person.unwrap(),
            "Ana"
        );
    }

    #[test]
    fn least_open_tasks_picks_the_least_busy() {
        let rule = OwnerRule::LeastOpenTasks {
            role: Role::Delivery,
        };
        let load = HashMap::from([("Ana".to_string(), 4), ("Caro".to_string(), 1)]);
        assert_eq!(assign(&rule, &team(), None, &load).person.unwrap(), "Caro");
    }

    #[test]
    fn fixed_owner_must_exist() {
        let ok = assign(
            &OwnerRule::Fixed {
                person: "ben".into(),
            },
            &team(),
            None,
            &HashMap::new(),
        );
        assert_eq!(ok.person.unwrap(), "Ben");
        let missing = assign(
            &OwnerRule::Fixed {
                person: "Zed".into(),
            },
            &team(),
            None,
            &HashMap::new(),
        );
        assert!(missing.person.is_none());
        let empty = assign(
            &OwnerRule::RoundRobin {
                role: Role::Marketing,
            },
            &team(),
            None,
            &HashMap::new(),
        );
        assert!(empty.person.is_none());
    }
}
