//! The `records` and `stage_changes` tables.

use crate::clock::Stamp;
use crate::db::params;
use crate::db::sql::{Db, Dialect, Optional, Row};
use crate::db::ToValue;
use crate::error::Result;
use crate::model::{ExceptionFlag, ImportId, Origin, Record, RecordId, RecordKind};
use std::collections::{BTreeMap, BTreeSet};

const COLUMNS: &str = "id, kind, source, external_id, name, stage, owner, fields, flags";

pub(crate) fn from_row(r: &Row<'_>) -> Result<Record> {
    let fields: String = r.get(7)?;
    let flags: String = r.get(8)?;
    Ok(Record {
        id: r.get(0)?,
        kind: r.get(1)?,
        source: r.get(2)?,
        external_id: r.get(3)?,
        name: r.get(4)?,
        stage: r.get(5)?,
        owner: r.get(6)?,
        fields: serde_json::from_str::<BTreeMap<String, String>>(&fields).unwrap_or_default(),
        flags: decode_flags(&flags),
    })
}

pub(crate) fn encode_flags(flags: &BTreeSet<ExceptionFlag>) -> String {
    flags
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

pub(crate) fn decode_flags(s: &str) -> BTreeSet<ExceptionFlag> {
    s.split(';').filter_map(ExceptionFlag::parse).collect()
}

/// A record by internal id.
pub(crate) fn get(conn: &Db, id: RecordId) -> Result<Option<Record>> {
    conn.query_row(&by_id(), [id], from_row).optional()
}

/// The statement [`find_external`] reads with (the CRM's id: `?1`), to read ahead.
pub(crate) fn by_external_id() -> String {
    format!("SELECT {COLUMNS} FROM records WHERE external_id = ?1 ORDER BY id")
}

/// The statement [`get`] reads a record with (its id: `?1`), to read ahead.
pub(crate) fn by_id() -> String {
    format!("SELECT {COLUMNS} FROM records WHERE id = ?1")
}

/// Records whose CRM id is `external_id`, from any source.
pub(crate) fn find_external(conn: &Db, external_id: &str) -> Result<Vec<Record>> {
    let mut st = conn.prepare_cached(&by_external_id())?;
    let rows = st.query_map([external_id], from_row)?;
    Ok(rows)
}

/// The stored record an imported row updates: same source and kind, and the same CRM id (or,
/// when the export has no id column, the same name).
pub(crate) fn find_imported(conn: &Db, row: &Record) -> Result<Option<Record>> {
    let sql = match row.external_id {
        Some(_) => format!("SELECT {COLUMNS} FROM records WHERE source = ?1 AND kind = ?2 AND external_id = ?3"),
        None => format!("SELECT {COLUMNS} FROM records WHERE source = ?1 AND kind = ?2 AND external_id IS NULL AND name = ?3"),
    };
    let key = row.external_id.as_deref().unwrap_or(&row.name);
    conn.prepare_cached(&sql)?
        .query_row(params![row.source, row.kind, key], from_row)
        .optional()
}

/// The stored records a batch of imported rows updates, by CRM id (same source and kind): one
/// query for many rows (on a team workspace every query is a round trip).
pub(crate) fn find_imported_many(
    conn: &Db,
    source: &str,
    kind: RecordKind,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, Record>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let marks = (3..ids.len() + 3)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>();
    let mut values: Vec<&dyn ToValue> = vec![&source, &kind];
    values.extend(ids.iter().map(|id| id as &dyn ToValue));
    let sql = match conn.dialect() {
        Dialect::Sqlite => format!(
            "SELECT {COLUMNS} FROM records
              WHERE source = ?1 AND kind = ?2 AND external_id IN ({})",
            marks.join(", ")
        ),
        // One lookup in the unique index per id, whatever the planner believes of the table
        // (right after a first import it has no statistics, and `IN (…)` became a scan of
        // every record per batch).
        Dialect::Postgres => format!(
            "SELECT r.* FROM (VALUES ({})) AS wanted (external_id)
             CROSS JOIN LATERAL (SELECT {COLUMNS} FROM records
                                  WHERE source = ?1 AND kind = ?2 AND external_id = wanted.external_id
                                  LIMIT 1) r",
            marks.join("), (")
        ),
    };
    let found = conn.query_map(&sql, &values[..], from_row)?;
    Ok(found
        .into_iter()
        .filter_map(|r| Some((r.external_id.clone()?, r)))
        .collect())
}

/// Whether any record of this source and kind with a CRM id is stored (read from the unique
/// index on the id).
pub(crate) fn any_imported(conn: &Db, source: &str, kind: RecordKind) -> Result<bool> {
    conn.prepare_cached(ANY_IMPORTED)?
        .query_row(params![source, kind], |r| r.get(0))
}

/// The statement [`any_imported`] reads with (source `?1`, kind `?2`), to read ahead.
pub(crate) const ANY_IMPORTED: &str = "SELECT EXISTS (SELECT 1 FROM records
                             WHERE source = ?1 AND kind = ?2 AND external_id IS NOT NULL)";

/// Records, optionally of one kind and stage, in id order.
pub(crate) fn list(
    conn: &Db,
    kind: Option<RecordKind>,
    stage: Option<&str>,
) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    for_each(conn, kind, stage, |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// [`list`] one record at a time, in the same order, holding none of them after `each` returns:
/// a listing of any size in constant memory.
pub(crate) fn for_each(
    conn: &Db,
    kind: Option<RecordKind>,
    stage: Option<&str>,
    mut each: impl FnMut(Record) -> Result<()>,
) -> Result<()> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM records WHERE (CAST(?1 AS TEXT) IS NULL OR kind = ?1) AND (CAST(?2 AS TEXT) IS NULL OR stage = ?2) ORDER BY id"
    ))?;
    st.each(params![kind, stage], |row| each(from_row(row)?))
}

/// Distinct stages in use for a kind.
pub(crate) fn stages_in_use(conn: &Db, kind: RecordKind) -> Result<Vec<String>> {
    let mut st =
        conn.prepare_cached("SELECT DISTINCT stage FROM records WHERE kind = ?1 ORDER BY stage")?;
    let rows = st.query_map([kind], |r| r.get(0))?;
    Ok(rows)
}

/// Inserts a record (its `id` is ignored) and returns the new id.
pub(crate) fn insert(conn: &Db, r: &Record, now: &str) -> Result<RecordId> {
    insert_with_fields(conn, r, &encode_fields(&r.fields), now)
}

/// The `fields` column of a record.
pub(crate) fn encode_fields(fields: &BTreeMap<String, String>) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "{}".into())
}

/// A new record's row; `?9` stamps it.
const INSERT: &str = "INSERT INTO records (kind, source, external_id, name, stage, owner, fields, flags, created_at, updated_at, stage_since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?9)";

/// Calls `f` with [`INSERT`]'s values for `r`.
fn with_values<T>(
    r: &Record,
    fields: &str,
    now: &str,
    f: impl FnOnce(&[&dyn ToValue]) -> Result<T>,
) -> Result<T> {
    let flags = encode_flags(&r.flags);
    f(params![
        r.kind,
        r.source,
        r.external_id,
        r.name,
        r.stage,
        r.owner,
        fields,
        flags,
        now
    ])
}

/// [`insert`] with the fields already encoded (an import encodes them on its reading thread).
pub(crate) fn insert_with_fields(
    conn: &Db,
    r: &Record,
    fields: &str,
    now: &str,
) -> Result<RecordId> {
    with_values(r, fields, now, |v| conn.prepare_cached(INSERT)?.insert(v)).map(RecordId)
}

/// New records (ids reserved with [`Db::next_ids`]) with their first stage changes, as a first
/// import's run sends them: inside [`Db::gathered`] on a team workspace each table's rows go as
/// one pipelined statement, without a round trip of their own. Only for rows the unique index
/// cannot refuse (a first import's CRM ids, each once); a concurrent import that stored the
/// same ids first is a collision (see [`crate::db::pg::error`]).
pub(crate) fn insert_new_with_ids(
    conn: &Db,
    rows: &[(Record, String, i64)],
    now: &str,
    origin: Origin,
    import: Option<ImportId>,
) -> Result<()> {
    for (r, fields, stage_id) in rows {
        with_values(r, fields, now, |values| {
            // The id, then INSERT's values (`now` last, stamping the three times).
            let id: &dyn ToValue = &r.id;
            let values: Vec<&dyn ToValue> =
                [id].into_iter().chain(values.iter().copied()).collect();
            conn.insert(
                "INSERT INTO records (id, kind, source, external_id, name, stage, owner, fields, flags, created_at, updated_at, stage_since)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?10)",
                &values[..],
            )
        })?;
        conn.insert(
            "INSERT INTO stage_changes (id, record_id, from_stage, to_stage, at, origin, import_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![stage_id, r.id, None::<&str>, r.stage, now, origin, import],
        )?;
    }
    Ok(())
}

/// A stage change being saved with its record.
pub(crate) struct Move<'a> {
    /// The stage the record leaves.
    pub from: &'a str,
    /// Who moved it.
    pub origin: Origin,
    /// The import that moved it, if one did.
    pub import: Option<ImportId>,
}

/// Writes every column of `r` back. When its stage changed (`moved`), the stage history gains
/// the move, the stay it ends is counted in `stage_time`, and `stage_since` starts again: the
/// one place a stage change is written.
pub(crate) fn update(conn: &Db, r: &Record, now: &str, moved: Option<Move<'_>>) -> Result<()> {
    if let Some(m) = &moved {
        insert_stage_change(conn, r.id, Some(m.from), &r.stage, now, m.origin, m.import)?;
        // Written without waiting for their answers (on a team workspace, sent with the
        // next statement): nothing reads how many rows they changed.
        conn.prepare_cached(conn.pick(
            "INSERT INTO stage_time (kind, stage, hours, n)
             SELECT kind, ?2, MAX(0, CAST(ROUND((julianday(?3) - julianday(stage_since)) * 24) AS INTEGER)), 1
               FROM records WHERE id = ?1 AND stage_since IS NOT NULL
             ON CONFLICT (kind, stage, hours) DO UPDATE SET n = n + 1",
            "INSERT INTO stage_time (kind, stage, hours, n)
             SELECT kind, ?2, GREATEST(0, CAST(ROUND(EXTRACT(EPOCH FROM CAST(CAST(?3 AS TEXT) AS timestamptz) - CAST(stage_since AS timestamptz)) / 3600) AS BIGINT)), 1
               FROM records WHERE id = ?1 AND stage_since IS NOT NULL
             ON CONFLICT (kind, stage, hours) DO UPDATE SET n = stage_time.n + 1",
        ))?
        .write(params![r.id, m.from, now])?;
    }
    conn.prepare_cached(
        "UPDATE records SET name = ?2, stage = ?3, owner = ?4, fields = ?5, flags = ?6, updated_at = ?7,
                stage_since = CASE WHEN ?8 THEN ?7 ELSE stage_since END
          WHERE id = ?1",
    )?
    .write(params![
        r.id,
        r.name,
        r.stage,
        r.owner,
        encode_fields(&r.fields),
        encode_flags(&r.flags),
        now,
        moved.is_some()
    ])
}

/// Appends to the stage history. A record's first stage change is written with the record
/// (`insert` stamps `stage_since`); a later one through [`update`].
pub(crate) fn insert_stage_change(
    conn: &Db,
    record: RecordId,
    from: Option<&str>,
    to: &str,
    at: &str,
    origin: Origin,
    import: Option<ImportId>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO stage_changes (record_id, from_stage, to_stage, at, origin, import_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .write(params![record, from, to, at, origin, import])
}

/// Every stage change of records of `kind`: which record entered which stage.
pub(crate) fn stage_entries(conn: &Db, kind: RecordKind) -> Result<Vec<(RecordId, String)>> {
    let mut st = conn.prepare_cached(
        "SELECT record_id, to_stage FROM stage_changes sc JOIN records r ON r.id = sc.record_id WHERE r.kind = ?1",
    )?;
    let rows = st.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows)
}

/// The statement [`stage_history`] reads with (the record's id: `?1`), to read ahead.
pub(crate) const STAGE_HISTORY: &str =
    "SELECT from_stage, to_stage, at, origin FROM stage_changes WHERE record_id = ?1 ORDER BY at, id";

/// One row of a record's stage history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StageChange {
    /// The stage it left (none on first sight).
    pub from: Option<String>,
    /// The stage it entered.
    pub to: String,
    /// When.
    pub at: Stamp,
    /// Who moved it: import, app, cli.
    pub origin: Origin,
}

/// A record's stage history, oldest first.
pub(crate) fn stage_history(conn: &Db, record: RecordId) -> Result<Vec<StageChange>> {
    let mut st = conn.prepare_cached(STAGE_HISTORY)?;
    let rows = st.query_map([record], |r| {
        Ok(StageChange {
            from: r.get(0)?,
            to: r.get(1)?,
            at: r.get(2)?,
            origin: r.get(3)?,
        })
    })?;
    Ok(rows)
}
