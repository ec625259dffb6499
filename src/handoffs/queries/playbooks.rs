//! The `playbooks` table: each playbook stored as its JSON definition.

use crate::db::params;
use crate::db::sql::Db;
use crate::error::{Error, Result};
use crate::handoffs::rules::Playbook;

/// The statement [`list`] reads every playbook with, to read ahead.
pub(crate) const LIST: &str = "SELECT key, definition FROM playbooks ORDER BY position, key";

/// Every playbook, in order.
pub(crate) fn list(conn: &Db) -> Result<Vec<Playbook>> {
    let mut st = conn.prepare_cached(LIST)?;
    let rows = st.query_map([], |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (key, def) = row;
        let pb = serde_json::from_str(&def).map_err(|e| {
            Error::invalid(
                format!("playbook {key:?}"),
                format!("stored definition is unreadable: {e}"),
            )
        })?;
        out.push(pb);
    }
    Ok(out)
}

/// Replaces all playbooks with `playbooks`.
pub(crate) fn replace_all(conn: &Db, playbooks: &[Playbook]) -> Result<()> {
    conn.execute("DELETE FROM playbooks", [])?;
    for (i, pb) in playbooks.iter().enumerate() {
        let def =
            serde_json::to_string(pb).map_err(|e| Error::invalid("playbook", e.to_string()))?;
        conn.execute(
            "INSERT INTO playbooks (key, position, definition) VALUES (?1, ?2, ?3)",
            params![pb.key, i as i64, def],
        )?;
    }
    Ok(())
}
