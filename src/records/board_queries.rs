//! The board's queries: counts per stage and one page of a stage's cards, searched by name,
//! company or CRM id.

use super::queries::decode_flags;
use super::{BoardCard, BoardColumn};
use crate::db::params;
use crate::db::sql::Db;
use crate::error::Result;
use crate::model::RecordKind;
use crate::stages;

/// Matches name, company or CRM id; empty matches everything.
const SEARCH: &str = "(?2 = '' OR r.name LIKE ?2 ESCAPE '\\' OR r.external_id LIKE ?2 ESCAPE '\\'
     OR json_extract(r.fields, '$.company') LIKE ?2 ESCAPE '\\')";

/// [`SEARCH`] on PostgreSQL, whose LIKE minds case (SQLite's does not, for ASCII).
const SEARCH_TEAM: &str =
    "(?2 = '' OR r.name ILIKE ?2 ESCAPE '\\' OR r.external_id ILIKE ?2 ESCAPE '\\'
     OR json_extract(r.fields, '$.company') ILIKE ?2 ESCAPE '\\')";

/// A record's amount as a number: SQLite's CAST reads what it can; PostgreSQL's would fail on
/// text that is no number, so it reads only numbers (anything else counts as none).
const AMOUNT: &str = "CAST(json_extract(r.fields, '$.amount') AS REAL)";
const AMOUNT_TEAM: &str = "CASE WHEN json_extract(r.fields, '$.amount') ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$'
     THEN CAST(json_extract(r.fields, '$.amount') AS DOUBLE PRECISION) END";

fn pattern(query: &str) -> String {
    let q = query.trim();
    if q.is_empty() {
        return String::new();
    }
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Records of `kind` matching `query`, counted and summed per stage.
pub(crate) fn columns(conn: &Db, kind: RecordKind, query: &str) -> Result<Vec<BoardColumn>> {
    let (search, amount) = (
        conn.pick(SEARCH, SEARCH_TEAM),
        conn.pick(AMOUNT, AMOUNT_TEAM),
    );
    let mut st = conn.prepare_cached(&format!(
        "SELECT r.stage, count(*), coalesce(sum({amount}), 0)
         FROM records r WHERE r.kind = ?1 AND {search} GROUP BY r.stage"
    ))?;
    let counted: Vec<BoardColumn> = st.query_map(params![kind, pattern(query)], |r| {
        Ok(BoardColumn {
            stage: r.get(0)?,
            count: r.get::<i64>(1)? as u64,
            amount: r.get(2)?,
        })
    })?;
    Ok(counted)
}

/// One page of the cards in `stage`, most recently changed first.
pub(crate) fn cards(
    conn: &Db,
    kind: RecordKind,
    query: &str,
    stage: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<BoardCard>> {
    let (search, amount) = (
        conn.pick(SEARCH, SEARCH_TEAM),
        conn.pick(AMOUNT, AMOUNT_TEAM),
    );
    let mut st = conn.prepare_cached(&format!(
        "SELECT r.id, r.name, json_extract(r.fields, '$.company'),
                {amount}, r.owner, r.flags,
                (SELECT h.status FROM handoffs h WHERE h.record_id = r.id ORDER BY h.id DESC LIMIT 1)
         FROM records r WHERE r.kind = ?1 AND {search} AND r.stage = ?3
         ORDER BY r.updated_at DESC, r.id DESC LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = st.query_map(
        params![
            kind,
            pattern(query),
            stages::canonical(stage),
            limit as i64,
            offset as i64
        ],
        |r| {
            Ok(BoardCard {
                id: r.get(0)?,
                name: r.get(1)?,
                company: r.get(2)?,
                amount: r.get(3)?,
                owner: r.get(4)?,
                flags: decode_flags(&r.get::<String>(5)?).into_iter().collect(),
                handoff: r.get(6)?,
            })
        },
    )?;
    Ok(rows)
}

/// How the stage history's most recent moves went from one stage to another: (from, to,
/// count). The latest 50,000 are plenty to tell a pipeline's order and cost a few milliseconds
/// however long the history.
pub(crate) fn stage_moves(conn: &Db) -> Result<Vec<(String, String, u64)>> {
    let mut st = conn.prepare_cached(
        "SELECT from_stage, to_stage, count(*) FROM (
             SELECT from_stage, to_stage FROM stage_changes
              WHERE id > (SELECT coalesce(max(id), 0) FROM stage_changes) - 50000) AS latest
          WHERE from_stage IS NOT NULL AND from_stage <> to_stage GROUP BY from_stage, to_stage",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows)
}

/// For each stage records of `kind` are in, the first of them in the order they were added
/// (for an imported file, the order of its rows): lower is earlier.
pub(crate) fn stage_first_seen(conn: &Db, kind: RecordKind) -> Result<Vec<(String, i64)>> {
    let mut st =
        conn.prepare_cached("SELECT stage, min(id) FROM records WHERE kind = ?1 GROUP BY stage")?;
    let rows = st.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::pattern;

    #[test]
    fn search_patterns_escape_like_wildcards() {
        assert_eq!(pattern("  "), "");
        assert_eq!(pattern("50%_off"), "%50\\%\\_off%");
    }
}
