//! Numbered migrations tracked by `PRAGMA user_version`, each with a stored checksum so an
//! edited migration that already ran is refused instead of silently diverging.

use super::params;
use crate::error::{Error, Result};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

/// The shipped migrations, in order; the n-th entry is schema version n + 1. Never edit one
/// that has been released: add a new file.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_imports.sql"),
    include_str!("migrations/0003_settings.sql"),
    include_str!("migrations/0004_health.sql"),
    include_str!("migrations/0005_events_by_handoff.sql"),
    include_str!("migrations/0006_stage_time.sql"),
    include_str!("migrations/0007_handoff_kind.sql"),
    include_str!("migrations/0008_health_days.sql"),
    include_str!("migrations/0009_change_log.sql"),
    include_str!("migrations/0010_people_by_id.sql"),
    include_str!("migrations/0011_draft_sent.sql"),
    include_str!("migrations/0012_webhooks.sql"),
];

/// The schema version this build writes.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn checksum(sql: &str) -> String {
    let digest = Sha256::digest(sql.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    run(conn, MIGRATIONS)
}

/// For a workspace opened read-only: its schema must be this version's, since it cannot be
/// upgraded (`why` says why it is read-only).
pub(super) fn check_current(conn: &Connection, why: &str) -> Result<()> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as u32;
    if current > known {
        return Err(Error::TooNew {
            found: current,
            known,
        });
    }
    if current < known {
        return Err(Error::Conflict(format!(
            "{why}. This version of Baton also needs to upgrade the workspace (schema {current} to {known}), which needs write access"
        )));
    }
    Ok(())
}

/// Applies `migrations` after checking the ones already applied are unchanged.
pub(crate) fn run(conn: &mut Connection, migrations: &[&str]) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = migrations.len() as u32;
    if current > known {
        return Err(Error::TooNew {
            found: current,
            known,
        });
    }
    for (i, sql) in migrations.iter().enumerate().take(current as usize) {
        let version = i as u32 + 1;
        let stored: Option<String> = conn
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .ok();
        let shipped = checksum(sql);
        match stored {
            Some(stored) if stored != shipped => {
                return Err(Error::MigrationChanged {
                    version,
                    stored,
                    shipped,
                })
            }
            _ => {}
        }
    }
    for (i, sql) in migrations.iter().enumerate().skip(current as usize) {
        let version = i as u32 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, checksum, applied_at)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            super::sqlite::bound(params![version, checksum(sql)]),
        )?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::FromSql;

    /// The rows of a three-column query, to compare a table with what it should hold.
    fn rows3<A: FromSql, B: FromSql, C: FromSql>(conn: &Connection, sql: &str) -> Vec<(A, B, C)> {
        let mut st = conn.prepare(sql).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn a_fresh_file_reaches_the_latest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, LATEST_VERSION);
        // Running again is a no-op.
        migrate(&mut conn).unwrap();
    }

    /// A workspace from before 0006 gets each record's `stage_since` and the finished stays'
    /// hours from its history; the stage changes written afterwards keep both up to date.
    #[test]
    fn time_in_stage_is_backfilled_from_history_and_then_kept() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, &MIGRATIONS[..5]).unwrap();
        conn.execute_batch(
            "INSERT INTO records (id, kind, source, name, stage, created_at, updated_at) VALUES
                 (1, 'deal', 'manual', 'A', 'Closed Won', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z'),
                 (2, 'deal', 'manual', 'B', 'Contract Sent', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z');
             INSERT INTO stage_changes (record_id, from_stage, to_stage, at, origin) VALUES
                 (1, NULL, 'Contract Sent', '2026-03-01T09:00:00Z', 'cli'),
                 (1, 'Contract Sent', 'Closed Won', '2026-03-03T09:40:00Z', 'cli'),
                 (2, NULL, 'Contract Sent', '2026-03-01T09:00:00Z', 'cli');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let db = crate::db::sql::Db::Sqlite(conn);
        let conn = db.sqlite().unwrap();
        let since = |id: i64| -> String {
            conn.query_row("SELECT stage_since FROM records WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        };
        let hist = |conn: &Connection| -> Vec<(String, i64, i64)> {
            rows3(
                conn,
                "SELECT stage, hours, n FROM stage_time ORDER BY stage, hours",
            )
        };
        assert_eq!(since(1), "2026-03-03T09:40:00Z");
        assert_eq!(since(2), "2026-03-01T09:00:00Z");
        // 48 h 40 min in Contract Sent: 49 hours to the nearest hour.
        assert_eq!(hist(conn), [("Contract Sent".to_string(), 49, 1)]);

        // B leaves Contract Sent after the same time: the same bucket counts two.
        let mut b = crate::records::queries::get(&db, crate::model::RecordId(2))
            .unwrap()
            .unwrap();
        b.stage = "Closed Lost".into();
        crate::records::queries::update(
            &db,
            &b,
            "2026-03-03T09:40:00Z",
            Some(crate::records::queries::Move {
                from: "Contract Sent",
                origin: crate::model::Origin::Cli,
                import: None,
            }),
        )
        .unwrap();
        assert_eq!(hist(conn), [("Contract Sent".to_string(), 49, 2)]);
        assert_eq!(since(2), "2026-03-03T09:40:00Z");
    }

    /// Tasks and notifications from before 0010 learn their person's id from the name they
    /// carry, whatever its case; a name nobody has stays without one.
    #[test]
    fn tasks_and_notifications_point_at_people_by_id() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, &MIGRATIONS[..9]).unwrap();
        conn.execute_batch(
            "INSERT INTO people (id, name, role) VALUES (7, 'Dee Delivery', 'delivery');
             INSERT INTO records (id, kind, source, name, stage, created_at, updated_at) VALUES
                 (1, 'deal', 'manual', 'A', 'Closed Won', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z');
             INSERT INTO tasks (id, record_id, kind, title, assignee, created_at) VALUES
                 (1, 1, 'kickoff', 'K', 'dee delivery', '2026-03-01T09:00:00Z'),
                 (2, 1, 'review', 'R', 'Nobody Known', '2026-03-01T09:00:00Z'),
                 (3, 1, 'review', 'R', NULL, '2026-03-01T09:00:00Z');
             INSERT INTO notifications (id, recipient, task_id, title, body, created_at) VALUES
                 (1, 'DEE DELIVERY', 1, 'New kickoff task', 'K', '2026-03-01T09:00:00Z');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let ids: Vec<Option<i64>> = conn
            .prepare("SELECT assignee_id FROM tasks ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(ids, [Some(7), None, None]);
        let to: Option<i64> = conn
            .query_row("SELECT recipient_id FROM notifications", [], |r| r.get(0))
            .unwrap();
        assert_eq!(to, Some(7));
    }

    /// Handoffs from before 0007 learn their record's kind; new ones are written with it.
    #[test]
    fn a_handoff_carries_its_records_kind() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, &MIGRATIONS[..6]).unwrap();
        conn.execute_batch(
            "INSERT INTO records (id, kind, source, name, stage, created_at, updated_at) VALUES
                 (1, 'lead', 'manual', 'L', 'Sales Qualified', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z'),
                 (2, 'deal', 'manual', 'D', 'Closed Won', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z');
             INSERT INTO handoffs (record_id, playbook, status, complete_at_trigger, triggered_at)
                 VALUES (1, 'marketing-to-sales', 'paused', 0, '2026-03-01T09:00:00Z');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let db = crate::db::sql::Db::Sqlite(conn);
        let conn = db.sqlite().unwrap();
        let mut tally = crate::handoffs::queries::handoffs::Tally::default();
        crate::handoffs::queries::handoffs::insert(
            &db,
            crate::model::RecordId(2),
            "sales-to-delivery",
            &[],
            None,
            "2026-03-02T09:00:00Z",
            &mut tally,
            crate::handoffs::queries::handoffs::Entered {
                status: crate::model::HandoffStatus::Paused,
                to: None,
            },
            None,
        )
        .unwrap();
        tally.write(&db).unwrap();
        let kinds: Vec<(i64, String)> = conn
            .prepare("SELECT record_id, kind FROM handoffs ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(kinds, [(1, "lead".to_string()), (2, "deal".to_string())]);
    }

    /// A workspace from before 0008 gets its handoffs counted per day they fired, with the
    /// fields of each one's first pause; handoffs fired afterwards are counted as they fire.
    #[test]
    fn handoffs_are_counted_per_day_from_history_and_then_as_they_fire() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, &MIGRATIONS[..7]).unwrap();
        conn.execute_batch(
            r#"INSERT INTO records (id, kind, source, name, stage, created_at, updated_at) VALUES
                 (1, 'deal', 'manual', 'A', 'Closed Won', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z'),
                 (2, 'deal', 'manual', 'B', 'Closed Won', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z'),
                 (3, 'deal', 'manual', 'C', 'Closed Won', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z');
             INSERT INTO handoffs (id, record_id, playbook, status, complete_at_trigger, triggered_at, kind) VALUES
                 (1, 1, 'sales-to-delivery', 'paused', 0, '2026-03-02T23:30:00Z', 'deal'),
                 (2, 2, 'sales-to-delivery', 'handed_off', 1, '2026-03-02T10:00:00Z', 'deal'),
                 (3, 3, 'sales-to-delivery', 'handed_off', 0, '2026-03-03T00:10:00+02:00', 'deal');
             INSERT INTO events (at, actor, record_id, handoff_id, kind, fields, message) VALUES
                 ('2026-03-02T23:30:00Z', 'cli', 1, 1, 'paused', '["signed_scope","start_date"]', 'm'),
                 ('2026-03-04T09:00:00Z', 'cli', 1, 1, 'paused', '["start_date"]', 'm'),
                 ('2026-03-03T00:10:00+02:00', 'cli', 3, 3, 'paused', '["start_date"]', 'm');"#,
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let db = crate::db::sql::Db::Sqlite(conn);
        let conn = db.sqlite().unwrap();
        let days = |conn: &Connection| -> Vec<(String, i64, i64)> {
            rows3(
                conn,
                "SELECT day, triggered, complete FROM handoff_days ORDER BY day",
            )
        };
        let missing = |conn: &Connection| -> Vec<(String, String, i64)> {
            rows3(
                conn,
                "SELECT day, field, n FROM missing_at_trigger ORDER BY day, field",
            )
        };
        let s = |x: &str| x.to_string();
        // Handoff 3 fired at 22:10 UTC on the 2nd; only handoff 1's first pause counts.
        assert_eq!(days(conn), [(s("2026-03-02"), 3, 1)]);
        assert_eq!(
            missing(conn),
            [
                (s("2026-03-02"), s("signed_scope"), 1),
                (s("2026-03-02"), s("start_date"), 2)
            ]
        );

        for (record, missing, at) in [
            (2, vec![s("start_date")], "2026-03-02T12:00:00Z"),
            (1, vec![], "2026-03-02T13:00:00Z"),
            (3, vec![], "2026-03-05T12:00:00Z"),
        ] {
            let record = crate::model::RecordId(record);
            let mut tally = crate::handoffs::queries::handoffs::Tally::default();
            crate::handoffs::queries::handoffs::insert(
                &db,
                record,
                "sales-to-delivery",
                &missing,
                None,
                at,
                &mut tally,
                crate::handoffs::queries::handoffs::Entered {
                    status: crate::model::HandoffStatus::Paused,
                    to: None,
                },
                None,
            )
            .unwrap();
            tally.write(&db).unwrap();
        }
        assert_eq!(
            days(conn),
            [(s("2026-03-02"), 5, 2), (s("2026-03-05"), 1, 1)]
        );
        assert_eq!(
            missing(conn),
            [
                (s("2026-03-02"), s("signed_scope"), 1),
                (s("2026-03-02"), s("start_date"), 3)
            ]
        );
    }

    #[test]
    fn an_edited_migration_that_already_ran_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, &["CREATE TABLE a (x INTEGER);"]).unwrap();
        let err = run(&mut conn, &["CREATE TABLE a (x INTEGER, y TEXT);"]).unwrap_err();
        assert!(
            matches!(err, Error::MigrationChanged { version: 1, .. }),
            "{err}"
        );
        // A new migration appended after an unchanged one is fine.
        run(
            &mut conn,
            &["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"],
        )
        .unwrap();
    }

    #[test]
    fn a_file_from_a_newer_baton_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = run(&mut conn, MIGRATIONS).unwrap_err();
        assert!(matches!(err, Error::TooNew { found: 99, .. }), "{err}");
    }

    #[test]
    fn the_audit_log_is_append_only() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO events (at, actor, kind, message) VALUES ('t', 'cli', 'k', 'm')",
            [],
        )
        .unwrap();
        assert!(conn.execute("UPDATE events SET message = 'x'", []).is_err());
        assert!(conn.execute("DELETE FROM events", []).is_err());
    }
}
