//! Every table as text rows, for `baton export --all`.

use crate::db::sql::Db;
use crate::error::Result;
use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;

/// Calls `row` with `table`'s column names, then with each of its rows as text (NULL as an
/// empty cell): in rowid order on a file, by id or key on a team workspace (whose tables have
/// no rowid). Returns the column names and how many rows there were.
pub(crate) fn each_row(
    conn: &Db,
    table: &str,
    row: impl FnMut(&[String]),
) -> Result<(Vec<String>, u64)> {
    match conn {
        Db::Sqlite(c) => each_file_row(c, table, row),
        Db::Postgres(_) => each_team_row(conn, table, row),
    }
}

fn each_team_row(
    conn: &Db,
    table: &str,
    mut row: impl FnMut(&[String]),
) -> Result<(Vec<String>, u64)> {
    let (columns, key) = conn.team_table(table)?;
    let quote = |cs: &[String]| {
        cs.iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    row(&columns);
    let mut n = 0;
    let mut cells = Vec::with_capacity(columns.len());
    conn.each(
        &format!(
            "SELECT {} FROM \"{table}\" ORDER BY {}",
            quote(&columns),
            quote(&key)
        ),
        [],
        |r| {
            cells.clear();
            for i in 0..columns.len() {
                cells.push(match r.get::<Value>(i)? {
                    Value::Null => String::new(),
                    Value::Integer(v) => v.to_string(),
                    Value::Real(v) => v.to_string(),
                    Value::Text(t) => t,
                    Value::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
                });
            }
            row(&cells);
            n += 1;
            Ok(())
        },
    )?;
    Ok((columns, n))
}

fn each_file_row(
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
