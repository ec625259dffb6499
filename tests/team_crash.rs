//! The team workspace's server stopping hard (`pg_ctl stop -m immediate`, as a power cut
//! would) under a running import, then starting again: the workspace holds what it held
//! before the import, and the import runs again whole. A binary of its own: it stops the test
//! cluster every other team test uses, so nothing may run beside it.

mod common;

use common::client;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `pg_ctl` on the test cluster through the script `cargo xtask test` made for it.
fn pg_ctl(args: &[&str]) {
    let ctl = std::env::var("BATON_TEST_PG_CTL").unwrap_or_else(|_| {
        panic!("BATON_TEST_PG_CTL is not set: the team fault tests run under `cargo xtask test`")
    });
    let status = Command::new(ctl)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl {args:?}");
}

#[test]
fn the_server_stopped_hard_mid_import_then_restarted_holds_the_state_before_it() {
    let cli = common::team_cli("crash");
    let url = cli.db.display().to_string();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let first = cli.json(&["import", &format!("{fixtures}/hubspot_deals.csv"), "--json"]);
    assert_eq!(first["inserted"], 3, "{first}");
    let count = |sql: &str| -> i64 { client(&url).query_one(sql, &[]).unwrap().get(0) };
    let before = (
        count("SELECT count(*) FROM records"),
        count("SELECT count(*) FROM handoffs"),
        count("SELECT count(*) FROM imports"),
        count("SELECT count(*) FROM change_log"),
    );
    let export = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/real/crm_sales_pipeline.csv"
    );
    let import = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--db", &url, "import", export])
        .env("BATON_NOW", "2026-03-05T09:00:00Z")
        .env("XDG_DATA_HOME", cli.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the import is writing records inside its transaction (a COPY of a batch of them, or
    // one INSERT), the server stops at once.
    let started = Instant::now();
    let mut watch = client(&url);
    loop {
        let writing: i64 = watch
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                  WHERE datname = current_database() AND backend_xid IS NOT NULL
                    AND (query LIKE 'COPY records%' OR query LIKE 'COPY stage_changes%'
                         OR query LIKE 'INSERT INTO records%' OR query LIKE 'INSERT INTO stage_changes%')",
                &[],
            )
            .unwrap()
            .get(0);
        if writing > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the import never started writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(watch);
    pg_ctl(&["stop", "-m", "immediate"]);
    let out = import.wait_with_output().unwrap();
    pg_ctl(&["start"]);
    assert!(!out.status.success(), "the import was cut");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing was imported") && err.lines().count() == 1,
        "{err}"
    );
    let after = (
        count("SELECT count(*) FROM records"),
        count("SELECT count(*) FROM handoffs"),
        count("SELECT count(*) FROM imports"),
        count("SELECT count(*) FROM change_log"),
    );
    assert_eq!(
        after, before,
        "the workspace holds the state before the import"
    );
    let again = cli.json(&["import", export, "--json"]);
    assert_eq!(again["inserted"], 8766, "{again}");
    assert_eq!(count("SELECT count(*) FROM handoffs"), before.1 + 1290);
}
