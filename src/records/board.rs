//! The pipeline board: how many records each stage holds, and one page of a stage's cards at a
//! time, so a 100k-record workspace never travels to the window whole.

use super::board_queries as board;
use crate::error::Result;
use crate::model::{ExceptionFlag, HandoffStatus, RecordId, RecordKind};
use crate::stages;
use crate::workspace::Workspace;
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

impl Workspace {
    /// The board's columns for `kind`, in pipeline order, counting records that match `query`.
    pub fn board(&self, kind: RecordKind, query: &str) -> Result<Vec<BoardColumn>> {
        let counted = board::columns(&self.conn, kind, query)?;
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
        board::cards(&self.conn, kind, query, stage, offset, limit)
    }
}
