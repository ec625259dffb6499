//! Every table as text rows, for `baton export --all`.

use crate::db::sql::{Db, Dialect};
use crate::db::Value;
use crate::error::Result;

/// Calls `row` with `table`'s column names, then with each of its rows as text (NULL as an
/// empty cell): in rowid order on a file, by id or key on a team workspace (whose tables have
/// no rowid). Returns the column names and how many rows there were.
pub(crate) fn each_row(
    conn: &Db,
    table: &str,
    mut row: impl FnMut(&[String]),
) -> Result<(Vec<String>, u64)> {
    let quote = |cs: &[String]| {
        cs.iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (columns, order) = match conn.dialect() {
        Dialect::Sqlite => (
            conn.query_map(
                "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
                [table],
                |r| r.get(0),
            )?,
            "rowid".to_string(),
        ),
        Dialect::Postgres => {
            let (columns, key) = conn.columns_and_key(table)?;
            // What a team workspace keeps only for its database's rules (which change wrote an
            // audit event, for an import's undo) is not exported: an export reads as a file's.
            let columns = columns
                .into_iter()
                .filter(|c| !(table == "events" && c == "change_id"))
                .collect();
            (columns, quote(&key))
        }
    };
    row(&columns);
    let mut n = 0;
    let mut cells = Vec::with_capacity(columns.len());
    conn.each(
        &format!(
            "SELECT {} FROM \"{table}\" ORDER BY {order}",
            quote(&columns)
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
