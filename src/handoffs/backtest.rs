//! The playbook backtest: replays the stage history against today's playbooks and fields, to
//! show what would fire, hand off, go to review or pause, and on which fields.

use crate::error::{Error, Result};
use crate::handoffs::rules::{self, missing_fields, Playbook};
use crate::stages;
use crate::workspace::FieldCount;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a playbook backtest found over the stage history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backtest {
    /// The playbook's key.
    pub playbook: String,
    /// Times a record entered the trigger stage.
    pub entries: u64,
    /// Distinct records that entered it.
    pub records: u64,
    /// Of those records, how many would hand off with today's fields.
    pub would_hand_off: u64,
    /// How many would go to review.
    pub would_review: u64,
    /// How many would pause.
    pub would_pause: u64,
    /// Which fields would be missing, most often first.
    pub missing_fields: Vec<FieldCount>,
}

impl crate::workspace::concepts::Handoffs<'_> {
    /// Replays the stage history against playbooks: what would fire, pause, and on which fields.
    pub fn backtest(&self, key: Option<&str>) -> Result<Vec<Backtest>> {
        let all = self.handoffs().playbooks()?;
        let chosen: Vec<&Playbook> = match key {
            Some(k) => vec![all.iter().find(|p| p.key == k).ok_or_else(|| {
                let keys: Vec<&str> = all.iter().map(|p| p.key.as_str()).collect();
                Error::not_found(
                    "playbook",
                    k,
                    format!("playbooks here: {}", keys.join(", ")),
                )
            })?],
            None => all.iter().collect(),
        };
        let mut out = Vec::new();
        for pb in chosen {
            let mut entered: BTreeMap<i64, u64> = BTreeMap::new();
            for (id, to) in crate::records::queries::stage_entries(&self.conn, pb.kind)? {
                if stages::same(&to, &pb.trigger_stage) {
                    *entered.entry(id.0).or_default() += 1;
                }
            }
            let mut bt = Backtest {
                playbook: pb.key.clone(),
                entries: entered.values().sum(),
                records: entered.len() as u64,
                would_hand_off: 0,
                would_review: 0,
                would_pause: 0,
                missing_fields: vec![],
            };
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for id in entered.keys() {
                let Some(r) =
                    crate::records::queries::get(&self.conn, crate::model::RecordId(*id))?
                else {
                    continue;
                };
                match rules::evaluate(pb, &r) {
                    rules::Outcome::HandOff => bt.would_hand_off += 1,
                    rules::Outcome::Review { .. } => bt.would_review += 1,
                    rules::Outcome::Pause { .. } => {
                        bt.would_pause += 1;
                        for f in missing_fields(pb, &r) {
                            *counts.entry(f).or_default() += 1;
                        }
                    }
                }
            }
            let mut mf: Vec<FieldCount> = counts
                .into_iter()
                .map(|(field, count)| FieldCount::new(field, count))
                .collect();
            mf.sort_by(|a, b| b.count.cmp(&a.count).then(a.field.cmp(&b.field)));
            bt.missing_fields = mf;
            out.push(bt);
        }
        Ok(out)
    }
}
