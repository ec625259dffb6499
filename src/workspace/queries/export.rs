//! Every table as text rows, for `baton export --all`.

use crate::error::Result;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

/// Calls `row` with `table`'s column names, then with each of its rows as text (NULL as an
/// empty cell), in rowid order. Returns the column names and how many rows there were.
pub(crate) fn each_row(
    conn: &Connection,
    table: &str,
    mut row: impl FnMut(&[String]),
) -> Result<(Vec<String>, u64)> {
    let mut st = conn.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid"))?;
    let columns: Vec<String> = st.column_names().iter().map(|c| c.to_string()).collect();
    row(&columns);
    let mut rows = st.query([])?;
    let mut n = 0;
    let mut cells = Vec::with_capacity(columns.len());
    while let Some(r) = rows.next()? {
        cells.clear();
        for i in 0..columns.len() {
            cells.push(match r.get_ref(i)? {
                ValueRef::Null => String::new(),
                ValueRef::Integer(v) => v.to_string(),
                ValueRef::Real(v) => v.to_string(),
                ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
            });
        }
        row(&cells);
        n += 1;
    }
    Ok((columns, n))
}
