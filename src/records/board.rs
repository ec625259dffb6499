//! The pipeline board: how many records each stage holds, and one page of a stage's cards at a
//! time, so a 100k-record workspace never travels to the window whole.

use super::board_queries as board;
use crate::error::Result;
use crate::model::{ExceptionFlag, HandoffStatus, RecordId, RecordKind};
use crate::stages;
use crate::workspace::queries::settings;
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

/// The settings key of the order the user arranged the board's columns in.
fn order_key(kind: RecordKind) -> String {
    format!("board_order_{kind}")
}

impl crate::workspace::concepts::Records<'_> {
    /// The stages records of `kind` are in, in the order the board shows them: as the user
    /// arranged them, else in pipeline order (see [`stages::pipeline_order`]). Stages no record
    /// is in are left out.
    pub fn board_stages(&self, kind: RecordKind) -> Result<Vec<String>> {
        let first_seen = board::stage_first_seen(&self.conn, kind)?;
        let in_use: Vec<String> = first_seen.iter().map(|(s, _)| s.clone()).collect();
        let auto = stages::pipeline_order(&in_use, &board::stage_moves(&self.conn)?, &first_seen);
        let arranged: Vec<String> = settings::get(&self.conn, &order_key(kind))?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        let at = |s: &String| arranged.iter().position(|a| stages::same(a, s));
        let mut out = auto.clone();
        // Arranged stages keep the user's order; a stage they never placed keeps its place
        // relative to the automatic order, after the arranged ones before it.
        out.sort_by_key(|s| {
            at(s).map_or_else(
                || {
                    let i = auto.iter().position(|a| a == s).unwrap_or(0);
                    let before = auto[..i].iter().filter_map(at).max();
                    (before.map_or(0, |b| b + 1), 1, i)
                },
                |p| (p, 0, 0),
            )
        });
        Ok(out)
    }

    /// Keeps the user's order of the board's columns for `kind` (the stages in the order the
    /// board should show them).
    pub fn arrange_board(
        &self,
        kind: RecordKind,
        order: &[String],
        origin: crate::model::Origin,
    ) -> Result<Vec<String>> {
        let json = serde_json::to_string(order).unwrap_or_else(|_| "[]".into());
        self.write(origin, |cx| settings::put(cx.conn, &order_key(kind), &json))?;
        self.records().board_stages(kind)
    }

    /// The board's columns for `kind`, in the order [`crate::workspace::concepts::Records::board_stages`] gives,
    /// counting records that match `query`.
    pub fn board(&self, kind: RecordKind, query: &str) -> Result<Vec<BoardColumn>> {
        self.conn
            .reading(&format!("board {kind}"), || self.board_now(kind, query))
    }

    fn board_now(&self, kind: RecordKind, query: &str) -> Result<Vec<BoardColumn>> {
        let counted = board::columns(&self.conn, kind, query)?;
        Ok(self
            .records()
            .board_stages(kind)?
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
        board::cards(&self.conn, kind, query, stage, offset, limit)
    }
}
