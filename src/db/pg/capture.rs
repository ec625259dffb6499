//! PostgreSQL's capture of the change log, generated from [`LOGGED`]: a trigger on each logged
//! table (its inserts logged by the statement that made them where the table is keyed by id and
//! belongs to a record), reading the write's change from the transaction's `baton.change`
//! setting. The trigger functions are the team migrations' (`baton_log`, `baton_log_inserted`);
//! which table calls them, with what, is said here only, and laid on by `team init`.

use crate::db::changelog::{RecordOf, Table, LOGGED};
use crate::db::params;
use crate::db::sql::Db;
use crate::error::Result;
use crate::model::{ImportId, Origin};
use std::fmt::Write;

/// Opens a change for a write starting on a team workspace: the change log's triggers read
/// its id from the transaction's `baton.change` setting, gone when the transaction ends.
pub(crate) fn begin(
    tx: &Db,
    origin: Origin,
    actor: &str,
    at: &str,
    undoes: Option<ImportId>,
) -> Result<i64> {
    // Its rows are found by change_id (indexed): reading the log's end, as a laptop does,
    // would make every two teammates' writes collide.
    // Named for the triggers by the same statement: one round trip.
    tx.prepare_cached(
        "WITH change AS (
             INSERT INTO changes (origin, actor, at, log_from, undoes)
             VALUES (?1, ?2, ?3, 0, ?4)
             RETURNING id)
         SELECT id, set_config('baton.change', CAST(id AS TEXT), true) FROM change",
    )?
    .query_row(params![origin.as_str(), actor, at, undoes], |r| r.get(0))
}

/// Where the trigger functions find a row's record.
fn record(r: RecordOf) -> &'static str {
    match r {
        RecordOf::Nothing => "",
        RecordOf::Itself => "self",
        RecordOf::Column => "record_id",
        RecordOf::Handoff => "handoff_id",
        RecordOf::Task => "task_id",
    }
}

/// The log triggers one table has: (name, statement creating it).
pub(crate) fn triggers(t: &Table) -> Vec<(String, String)> {
    let name = t.name;
    let row = |events: &str| {
        format!(
            "CREATE TRIGGER log_{name} AFTER {events} ON \"{name}\"
                FOR EACH ROW EXECUTE FUNCTION baton_log('{}', '{}', '{}')",
            t.key.join(","),
            record(t.record),
            t.counts.join(",")
        )
    };
    if t.keyed_by_id() && t.record != RecordOf::Nothing {
        vec![
            (format!("log_{name}"), row("UPDATE OR DELETE")),
            (
                format!("log_{name}_insert"),
                format!(
                    "CREATE TRIGGER log_{name}_insert AFTER INSERT ON \"{name}\"
                        REFERENCING NEW TABLE AS inserted
                        FOR EACH STATEMENT EXECUTE FUNCTION baton_log_inserted('{}')",
                    record(t.record)
                ),
            ),
        ]
    } else {
        vec![(format!("log_{name}"), row("INSERT OR UPDATE OR DELETE"))]
    }
}

/// Lays the log triggers [`LOGGED`] describes on a team workspace, in place of whatever log
/// triggers it had (a table no longer logged loses its own): one batch, one transaction, run by
/// `team init` after the migrations. With no migration run (`migrated` false) and every
/// trigger in place, nothing is touched: a table's locks are not taken for nothing.
pub(crate) fn lay(c: &Db, migrated: bool) -> Result<()> {
    let found: Vec<(String, String)> = c.query_map(
        "SELECT c.relname::text, t.tgname::text FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid
          WHERE NOT t.tgisinternal AND t.tgname LIKE 'log\\_%'
            AND c.relnamespace = CAST(current_schema() AS regnamespace)
          ORDER BY 1, 2",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut wanted: Vec<(String, String)> = LOGGED
        .iter()
        .flat_map(|t| {
            triggers(t)
                .into_iter()
                .map(|(name, _)| (t.name.to_string(), name))
        })
        .collect();
    wanted.sort();
    if !migrated && found == wanted {
        return Ok(());
    }
    let mut sql = String::new();
    for (table, trigger) in &found {
        let _ = writeln!(sql, "DROP TRIGGER \"{trigger}\" ON \"{table}\";");
    }
    for t in LOGGED {
        for (_, create) in triggers(t) {
            let _ = writeln!(sql, "{create};");
        }
    }
    c.execute_batch(&sql)
}
