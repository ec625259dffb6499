//! Source rules `cargo xtask test` checks besides the compiler and clippy: SQL lives only in the
//! core's queries modules, a transaction opens only in the write funnel, and each database
//! engine's types stay in `src/db/`, which needs none of the concepts above it.

use std::path::{Path, PathBuf};

/// Where statements may be prepared besides a concept's queries (any `*queries.rs` or `queries/`):
/// the database layer, and health's read-only queries.
const QUERIES: &[&str] = &["src/db/", "src/health/"];

/// Where a transaction may open: the write funnel, the migrations runners (a workspace file's,
/// a team workspace's), and the one bulk copy of a laptop workspace into a team workspace
/// (`baton team push`).
const TRANSACTIONS: &[&str] = &[
    "src/workspace/mod.rs",
    "src/db/migrations.rs",
    "src/db/pg/migrations.rs",
    "src/db/push.rs",
];

const STATEMENTS: &[&str] = &[
    ".prepare(",
    ".prepare_cached(",
    ".execute(",
    ".execute_batch(",
    ".query_row(",
];

const OPENS: &[&str] = &[
    ".transaction(",
    ".transaction_with_behavior(",
    ".unchecked_transaction(",
];

/// Every line of the core (`src/` under `root`, tests aside) that prepares a statement outside a queries
/// module or opens a transaction outside the write funnel, as `path:line: text`.
pub fn sql_outside_queries(root: &Path) -> std::io::Result<Vec<String>> {
    flagged(
        root,
        |_| false,
        |rel, code| {
            let allowed = |list: &[&str]| list.iter().any(|p| rel.starts_with(p));
            let queries_module = rel.ends_with("queries.rs") || rel.contains("/queries/");
            let statement =
                !queries_module && !allowed(QUERIES) && STATEMENTS.iter().any(|s| code.contains(s));
            let opens = !allowed(TRANSACTIONS) && OPENS.iter().any(|s| code.contains(s));
            statement || opens
        },
    )
}

/// The lines of the core's Rust files (`src/` under `root`, comments left out) that `hit`
/// flags, given the file's path, as `path:line: text`. A file's tests (its closing
/// `mod tests`) may set up what they need by hand: they are read only where `tests` says.
fn flagged(
    root: &Path,
    tests: impl Fn(&str) -> bool,
    hit: impl Fn(&str, &str) -> bool,
) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    files_with(&root.join("src"), &["rs"], &mut files)?;
    let mut hits = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path)?;
        for (n, line) in text
            .lines()
            .enumerate()
            .take_while(|(_, l)| tests(&rel) || l.trim() != "#[cfg(test)]")
        {
            if hit(&rel, line.split("//").next().unwrap_or("")) {
                hits.push(format!("  {rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    Ok(hits)
}

/// The engines' crates: their names may appear only in `src/db/`.
const ENGINES: &[&str] = &["rusqlite", "tokio_postgres", "postgres::"];

/// The concepts above `src/db/`: it may not name them (outside its tests), or the two would
/// need each other.
const CONCEPTS: &[&str] = &[
    "crate::cli",
    "crate::demo",
    "crate::handoffs",
    "crate::health",
    "crate::import",
    "crate::reach",
    "crate::records",
    "crate::team",
    "crate::workspace",
];

/// Every line of the core (`src/` under `root`) that names a database engine's crate outside
/// `src/db/` (tests too), or a concept inside it (its tests aside), as `path:line: text`.
pub fn engines_outside_db(root: &Path) -> std::io::Result<Vec<String>> {
    let in_db = |rel: &str| rel.starts_with("src/db/");
    flagged(
        root,
        |rel| !in_db(rel),
        |rel, code| {
            let named = if in_db(rel) { CONCEPTS } else { ENGINES };
            named.iter().any(|s| code.contains(s))
        },
    )
}

/// Every file under `dir` whose name ends in one of `exts`.
pub fn files_with(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files_with(&path, exts, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn a_statement_outside_the_queries_modules_or_a_transaction_outside_the_funnel_is_named() {
        let dir = tree(&[
            ("src/workspace/queries/people.rs", "conn.prepare_cached(\"SELECT 1\")?;\n"),
            ("src/records/queries.rs", "conn.execute(\"DELETE FROM x\", [])?;\n"),
            ("src/workspace/mod.rs", "let tx = self.conn.transaction_with_behavior(b)?;\n"),
            (
                "src/workspace/board.rs",
                "// a comment may say conn.execute( freely\nlet n = self.conn.query_row(\"SELECT 1\", [], |r| r.get(0))?;\n",
            ),
            ("src/bin/baton/main.rs", "let tx = conn.transaction()?;\n"),
        ]);
        let hits = sql_outside_queries(dir.path()).unwrap();
        assert_eq!(hits.len(), 2, "{hits:#?}");
        assert!(
            hits[0].contains("src/bin/baton/main.rs:1")
                || hits[1].contains("src/bin/baton/main.rs:1")
        );
        assert!(hits.iter().any(|h| h.contains("src/workspace/board.rs:2")));
    }

    #[test]
    fn an_engine_named_outside_db_or_a_concept_named_inside_it_is_named() {
        let dir = tree(&[
            ("src/db/sqlite.rs", "use rusqlite::Connection;\n"),
            (
                "src/db/pg/mod.rs",
                "let url = \"postgres://x\";\nuse crate::team::TeamUrl;\n",
            ),
            (
                "src/db/sql.rs",
                "use crate::model::Id;\n#[cfg(test)]\nuse crate::team::connect;\n",
            ),
            (
                "src/records/queries.rs",
                "// rusqlite's own words\nuse rusqlite::params;\n",
            ),
            ("src/team/mod.rs", "fn f(e: tokio_postgres::Error) {}\n"),
            ("src/cli/mod.rs", "let db = \"postgres://host/db\";\n"),
        ]);
        let mut hits = engines_outside_db(dir.path()).unwrap();
        hits.sort();
        assert_eq!(hits.len(), 3, "{hits:#?}");
        assert!(hits[0].contains("src/db/pg/mod.rs:2"), "{hits:#?}");
        assert!(hits[1].contains("src/records/queries.rs:2"), "{hits:#?}");
        assert!(hits[2].contains("src/team/mod.rs:1"), "{hits:#?}");
    }

    #[test]
    fn the_core_itself_keeps_the_rules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let hits = sql_outside_queries(root).unwrap();
        assert!(hits.is_empty(), "{}", hits.join("\n"));
        let hits = engines_outside_db(root).unwrap();
        assert!(hits.is_empty(), "{}", hits.join("\n"));
    }
}
