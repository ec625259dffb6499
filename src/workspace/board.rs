//! The pipeline board: how many records each stage holds, and one page of a stage's cards at a
//! time, so a 100k-record workspace never travels to the window whole.

use super::Workspace;
use crate::error::Result;
use crate::model::{ExceptionFlag, HandoffStatus, RecordId, RecordKind};
use crate::stages;
use crate::store::records::decode_flags;
use rusqlite::params;
use serde::Serialize;

/// One column of the board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardColumn {
    /// The stage.
    pub stage: String,
    /// Records in it that match the search.
    pub count: u64,
    /// Sum of their amounts.
    pub amount: f64,
}

/// A record as the board shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardCard {
    /// Its id.
    pub id: RecordId,
    /// The record's name.
    pub name: String,
    /// The client company, when known.
    pub company: Option<String>,
    /// The amount, when known.
    pub amount: Option<f64>,
    /// Who owns it in the CRM.
    pub owner: Option<String>,
    /// Exception flags.
    pub flags: Vec<ExceptionFlag>,
    /// The status of its latest handoff, if it has one.
    pub handoff: Option<HandoffStatus>,
}

/// Matches name, company or CRM id; empty matches everything.
const SEARCH: &str = "(?2 = '' OR r.name LIKE ?2 ESCAPE '\\' OR r.external_id LIKE ?2 ESCAPE '\\'
     OR json_extract(r.fields, '$.company') LIKE ?2 ESCAPE '\\')";

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

impl Workspace {
    /// The board's columns for `kind`, in pipeline order, counting records that match `query`.
    pub fn board(&self, kind: RecordKind, query: &str) -> Result<Vec<BoardColumn>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT r.stage, count(*), coalesce(sum(CAST(json_extract(r.fields, '$.amount') AS REAL)), 0)
             FROM records r WHERE r.kind = ?1 AND {SEARCH} GROUP BY r.stage"
        ))?;
        let counted: Vec<BoardColumn> = st
            .query_map(params![kind, pattern(query)], |r| {
                Ok(BoardColumn {
                    stage: r.get(0)?,
                    count: r.get::<_, i64>(1)? as u64,
                    amount: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(self
            .known_stages(kind)?
            .into_iter()
            .map(|stage| {
                counted
                    .iter()
                    .find(|c| stages::same(&c.stage, &stage))
                    .cloned()
                    .unwrap_or(BoardColumn {
                        stage,
                        count: 0,
                        amount: 0.0,
                    })
            })
            .collect())
    }

    /// Cards `offset..offset + limit` of one stage, most recently changed first.
    pub fn board_page(
        &self,
        kind: RecordKind,
        stage: &str,
        query: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<BoardCard>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT r.id, r.name, json_extract(r.fields, '$.company'),
                    CAST(json_extract(r.fields, '$.amount') AS REAL), r.owner, r.flags,
                    (SELECT h.status FROM handoffs h WHERE h.record_id = r.id ORDER BY h.id DESC LIMIT 1)
             FROM records r WHERE r.kind = ?1 AND {SEARCH} AND r.stage = ?3
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
                    flags: decode_flags(&r.get::<_, String>(5)?).into_iter().collect(),
                    handoff: r.get(6)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
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
