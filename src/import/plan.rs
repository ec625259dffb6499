//! How a file will be read: the CRM preset, the user's mapping (saved per header row), the
//! day/month order of each date column, and one row turned into record values.

use super::load::csv_error;
use super::queries as imports;
use crate::db::sql::Db;
use crate::error::{Error, Result};
use crate::fields;
use crate::import::preset::{
    self, Source, AMOUNT_CENTS, EXTERNAL_ID, FIRST_NAME, LAST_NAME, STATUS, WRITTEN_BY_BATON,
};
use crate::import::read;
use crate::import::values::{self, DateOrder};
use crate::import::{ImportOptions, RowError};
use crate::model::{ExceptionFlag, Record, RecordId, RecordKind};
use crate::stages;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// How each column is read.
pub(super) struct Plan {
    pub(super) source: Source,
    pub(super) confidence: f64,
    pub(super) kind: RecordKind,
    pub(super) headers: Vec<String>,
    pub(super) keys: Vec<Option<String>>,
    /// The day/month order of each date column, as far as it is known.
    pub(super) dates: Dates,
    /// Whether `dates` is final: the file was scanned, or the user named the order, or there
    /// are no date columns. When not, an import scans the file the first time a cell needs it.
    pub(super) dates_settled: bool,
    /// Identifies the header row, to remember the user's mapping for it.
    pub(super) signature: String,
    /// Whether the choices came from a saved mapping.
    pub(super) reused: bool,
    /// The user's own choices, remembered for this header row once the import lands.
    pub(super) remember: Option<Saved>,
}

/// The day/month order of each date column.
#[derive(Debug, Clone, Default)]
pub(super) struct Dates {
    /// By column index: the order, `None` while nothing settles it.
    pub(super) orders: HashMap<usize, Option<DateOrder>>,
    /// Date columns that read two ways with nothing to settle them: (header, an example).
    pub(super) undecided: Vec<(String, String)>,
}

impl Dates {
    pub(super) fn undecided_error(&self, path: &Path) -> Option<Error> {
        let (header, example) = self.undecided.first()?;
        Some(Error::invalid(
            path.display().to_string(),
            format!("the {header:?} column holds dates such as {example:?} that read either day/month or month/day, and no date in the file settles which; pass --dayfirst or --monthfirst"),
        ))
    }

    /// Whether a cell of `rec` in a column whose order is still open is a date written day and
    /// month in some order (not ISO): reading it takes the column's order.
    pub(super) fn needs_order(&self, rec: &csv::StringRecord) -> bool {
        self.orders.iter().any(|(i, o)| {
            let cell = rec.get(*i).unwrap_or("").trim();
            o.is_none()
                && values::parse_date(cell, None).is_none()
                && [DateOrder::DayFirst, DateOrder::MonthFirst]
                    .into_iter()
                    .any(|o| values::parse_date(cell, Some(o)).is_some())
        })
    }
}

impl Plan {
    /// Whether some column is read as one of `keys`.
    pub(super) fn reads_any(&self, keys: &[&str]) -> bool {
        self.keys
            .iter()
            .any(|k| k.as_deref().is_some_and(|k| keys.contains(&k)))
    }

    /// Reads the file for the day/month order of every date column: settled by any cell that
    /// reads only one way. Columns left open are scanned to the end, so an undecidable one is
    /// reported, never guessed; a column that never decides follows the file's other ones.
    pub(super) fn scan_dates(&self, path: &Path, fmt: &read::Format) -> Result<Dates> {
        let date_cols = date_columns(&self.keys);
        let mut orders: HashMap<usize, Option<DateOrder>> =
            date_cols.iter().map(|i| (*i, None)).collect();
        let mut examples: HashMap<usize, String> = HashMap::new();
        let mut rdr = read::reader(path, fmt)?;
        let mut rec = csv::StringRecord::new();
        while rdr.read_record(&mut rec).unwrap_or(false) {
            let mut open = false;
            for i in &date_cols {
                if orders[i].is_some() {
                    continue;
                }
                let cell = rec.get(*i).unwrap_or("").trim();
                match values::order_hint(cell) {
                    Some(o) => {
                        orders.insert(*i, Some(o));
                    }
                    None => {
                        open = true;
                        if !examples.contains_key(i) && ambiguous(cell) {
                            examples.insert(*i, cell.to_string());
                        }
                    }
                }
            }
            if !open {
                break;
            }
        }
        let file_order = orders.values().flatten().next().copied();
        for o in orders.values_mut() {
            if o.is_none() {
                *o = file_order;
            }
        }
        let undecided = date_cols
            .iter()
            .filter(|i| orders[*i].is_none())
            .filter_map(|i| Some((self.headers[*i].clone(), examples.get(i)?.clone())))
            .collect();
        Ok(Dates { orders, undecided })
    }
}

fn date_columns(keys: &[Option<String>]) -> Vec<usize> {
    (0..keys.len())
        .filter(|i| {
            keys[*i]
                .as_deref()
                .is_some_and(|k| fields::DATE_FIELDS.contains(&k))
        })
        .collect()
}

/// A mapping the user chose for one header row.
#[derive(Debug, Clone)]
pub(super) struct Saved {
    source: Source,
    kind: RecordKind,
    maps: Vec<(String, String)>,
    date_order: Option<DateOrder>,
}

fn order_name(o: DateOrder) -> &'static str {
    match o {
        DateOrder::DayFirst => "dayfirst",
        DateOrder::MonthFirst => "monthfirst",
    }
}

/// The header row's identity: the same columns, spelled alike, in the same order.
fn signature(headers: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let joined = headers
        .iter()
        .map(|h| stages::squash(h))
        .collect::<Vec<_>>()
        .join("\n");
    Sha256::digest(joined.as_bytes())
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn load_saved(conn: &Db, signature: &str) -> Result<Option<Saved>> {
    let row = imports::saved_mapping(conn, signature)?;
    Ok(row.and_then(|m| {
        Some(Saved {
            source: Source::parse(&m.source)?,
            kind: m.kind,
            maps: serde_json::from_str(&m.maps).unwrap_or_default(),
            date_order: match m.date_order.as_deref() {
                Some("dayfirst") => Some(DateOrder::DayFirst),
                Some("monthfirst") => Some(DateOrder::MonthFirst),
                _ => None,
            },
        })
    }))
}

pub(super) fn save_mapping(conn: &Db, plan: &Plan, saved: &Saved, at: &str) -> Result<()> {
    imports::put_saved_mapping(
        conn,
        &imports::SavedMapping {
            signature: &plan.signature,
            headers: &serde_json::to_string(&plan.headers).unwrap_or_default(),
            source: saved.source.as_str(),
            kind: saved.kind,
            maps: &serde_json::to_string(&saved.maps).unwrap_or_default(),
            date_order: saved.date_order.map(order_name),
        },
        at,
    )
}

/// A cell that is a date only once the day/month order is known.
fn ambiguous(cell: &str) -> bool {
    values::parse_date(cell, None).is_none()
        && values::parse_date(cell, Some(DateOrder::DayFirst)).is_some()
        && values::parse_date(cell, Some(DateOrder::MonthFirst)).is_some()
}

/// How `path` will be read. With `scan_dates`, the file is read once for the day/month order of
/// its date columns (a preview reports an undecidable one); an import leaves that until a cell
/// needs it, so a file whose dates all read one way (ISO, say) is read only once.
pub(super) fn plan(
    conn: &Db,
    path: &Path,
    fmt: &read::Format,
    opts: &ImportOptions,
    scan_dates: bool,
) -> Result<Plan> {
    let mut rdr = read::reader(path, fmt)?;
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut seen = BTreeSet::new();
    if let Some(dup) = headers
        .iter()
        .find(|h| !h.is_empty() && !seen.insert(h.to_lowercase()))
    {
        return Err(Error::invalid(
            path.display().to_string(),
            format!("the header {dup:?} appears twice; rename one of the columns"),
        ));
    }
    let signature = signature(&headers);
    let user_chose = opts.source.is_some()
        || opts.kind.is_some()
        || !opts.maps.is_empty()
        || opts.date_order.is_some();
    let saved = if user_chose {
        None
    } else {
        load_saved(conn, &signature)?
    };
    let (detected, detected_confidence) = preset::detect(&headers);
    let source = opts
        .source
        .or(saved.as_ref().map(|s| s.source))
        .unwrap_or(detected);
    let confidence = if opts.source.is_some() || saved.is_some() {
        1.0
    } else {
        detected_confidence
    };
    let kind = opts
        .kind
        .or(saved.as_ref().map(|s| s.kind))
        .unwrap_or_else(|| preset::detect_kind(&headers));
    let maps = match &saved {
        Some(s) => s.maps.clone(),
        None => opts.maps.clone(),
    };
    let date_order = opts
        .date_order
        .or(saved.as_ref().and_then(|s| s.date_order));
    let mut keys: Vec<Option<String>> = headers
        .iter()
        .map(|h| preset::map_header(source, h).map(str::to_string))
        .collect();
    for (header, key) in &maps {
        let i = headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(header.trim()))
            .ok_or_else(|| {
                Error::invalid(
                    "--map",
                    format!(
                        "the file has no column {header:?}; its columns are: {}",
                        headers.join(", ")
                    ),
                )
            })?;
        keys[i] = if key == "-" {
            None
        } else {
            Some(key.trim().to_string())
        };
    }
    let remember = user_chose.then_some(Saved {
        source,
        kind,
        maps,
        date_order,
    });
    let orders = date_columns(&keys)
        .into_iter()
        .map(|i| (i, date_order))
        .collect::<HashMap<_, _>>();
    let mut plan = Plan {
        source,
        confidence,
        kind,
        headers,
        keys,
        dates_settled: date_order.is_some() || orders.is_empty(),
        dates: Dates {
            orders,
            undecided: vec![],
        },
        signature,
        reused: saved.is_some(),
        remember,
    };
    if scan_dates && !plan.dates_settled {
        plan.dates = plan.scan_dates(path, fmt)?;
        plan.dates_settled = true;
    }
    Ok(plan)
}

/// One row turned into record values, or the reason it cannot be.
pub(super) fn row_values(
    plan: &Plan,
    dates: &Dates,
    rec: &csv::StringRecord,
    row: u64,
    line: u64,
) -> std::result::Result<Record, RowError> {
    let err = |column: Option<&str>, message: String| RowError {
        row,
        line,
        column: column.map(str::to_string),
        message,
    };
    if rec.len() != plan.headers.len() {
        return Err(err(None, format!("has {} cells but the header has {}; check for an unquoted delimiter or a missing quote", rec.len(), plan.headers.len())));
    }
    let mut r = Record {
        id: RecordId(0),
        kind: plan.kind,
        source: plan.source.as_str().into(),
        external_id: None,
        name: String::new(),
        stage: String::new(),
        owner: None,
        fields: BTreeMap::new(),
        flags: BTreeSet::new(),
    };
    let (mut first, mut last, mut status) = (String::new(), String::new(), String::new());
    for (i, cell) in rec.iter().enumerate() {
        let v = crate::spreadsheet::restore(cell.trim());
        if v.is_empty() {
            continue;
        }
        let header = plan.headers[i].as_str();
        match plan.keys[i].as_deref() {
            Some(EXTERNAL_ID) => r.external_id = Some(v.to_string()),
            Some(WRITTEN_BY_BATON) => {}
            Some("name") => r.name = v.to_string(),
            Some("stage") => r.stage = stages::canonical(v),
            Some("owner") => r.owner = Some(v.to_string()),
            Some(STATUS) => status = v.to_string(),
            Some(FIRST_NAME) => first = v.to_string(),
            Some(LAST_NAME) => last = v.to_string(),
            Some("flags") => {
                r.flags = ExceptionFlag::parse_list(v).map_err(|bad| {
                    err(
                        Some(header),
                        format!("value {bad:?} is not an exception flag"),
                    )
                })?
            }
            Some(k) if fields::DATE_FIELDS.contains(&k) => {
                let order = dates.orders.get(&i).copied().flatten();
                let d = values::parse_date(v, order).ok_or_else(|| {
                    if order.is_none() && values::parse_date(v, Some(DateOrder::DayFirst)).is_some() {
                        err(Some(header), format!("value {v:?} could be day/month or month/day; pass --dayfirst or --monthfirst"))
                    } else {
                        err(Some(header), format!("value {v:?} is not a date"))
                    }
                })?;
                r.fields
                    .insert(k.to_string(), d.format("%Y-%m-%d").to_string());
            }
            // A formatted amount beside the amount in cents is the same figure, rounded for
            // display: the cents win.
            Some("amount") if plan.keys.iter().any(|k| k.as_deref() == Some(AMOUNT_CENTS)) => {
                r.fields.insert(header.to_string(), v.to_string());
            }
            Some("amount") => {
                let n = values::parse_money(v)
                    .ok_or_else(|| err(Some(header), format!("value {v:?} is not an amount")))?;
                r.fields.insert("amount".into(), fields::format_amount(n));
            }
            Some(AMOUNT_CENTS) => {
                let cents: i64 = v.parse().map_err(|_| {
                    err(
                        Some(header),
                        format!("value {v:?} is not an amount in cents (a whole number like 1850000 for 18,500.00)"),
                    )
                })?;
                r.fields
                    .insert("amount".into(), fields::format_amount(cents as f64 / 100.0));
            }
            Some(k) => {
                r.fields.insert(k.to_string(), v.to_string());
            }
            None => {
                r.fields.insert(header.to_string(), v.to_string());
            }
        }
    }
    if r.name.is_empty() {
        r.name = [first, last]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
    }
    if r.name.is_empty() {
        // Close names an opportunity by its lead (the company).
        r.name = r
            .fields
            .get("company")
            .cloned()
            .or_else(|| r.external_id.clone())
            .unwrap_or_default();
    }
    if r.name.is_empty() {
        return Err(err(
            None,
            "has neither a name nor a record id; map a column to name with --map 'Header=name'"
                .into(),
        ));
    }
    // Pipedrive keeps a won deal in its last stage; being won is in the status.
    match stages::squash(&status).as_str() {
        "won" => {
            if !r.stage.is_empty() && r.stage != stages::CLOSED_WON {
                r.fields.insert("crm_stage".into(), r.stage.clone());
            }
            r.stage = stages::CLOSED_WON.into();
        }
        "lost" => r.stage = "Closed Lost".into(),
        _ => {}
    }
    if r.stage.is_empty() {
        r.stage = stages::default_stages(plan.kind)[0].to_string();
    }
    Ok(r)
}
