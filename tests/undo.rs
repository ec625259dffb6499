//! Undoing an import from the change log: exactly what it changed goes back, a write made after
//! it survives, refused files leave the safety net alone, and the real CLI killed at any moment
//! of an undo leaves the import either in place or fully undone.

mod common;

use common::Backend;

use baton::import::ImportOptions;
use baton::{FixedClock, HandoffStatus, Origin, RecordKind, Role, Workspace};
use rusqlite::types::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Every row of every table a user's work lives in, as text, in key order; the import history
/// and the log itself left out (an undo marks the one and adds to the other).
fn snapshot(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables = [
        "people",
        "holidays",
        "playbooks",
        "settings",
        "saved_mappings",
        "records",
        "stage_changes",
        "handoffs",
        "tasks",
        "email_drafts",
        "notifications",
        "events",
        "stage_time",
        "handoff_days",
        "missing_at_trigger",
    ];
    let mut out = Vec::new();
    for t in tables {
        let n = conn
            .prepare(&format!("SELECT * FROM {t}"))
            .unwrap()
            .column_count();
        let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        let mut st = conn
            .prepare(&format!("SELECT * FROM {t} ORDER BY {}", order.join(", ")))
            .unwrap();
        let rows = st
            .query_map([], |r| {
                let cells: Vec<Value> = (0..n).map(|i| r.get(i)).collect::<Result<_, _>>()?;
                Ok(format!("{t}: {cells:?}"))
            })
            .unwrap();
        out.extend(
            rows.map(Result::unwrap)
                .filter(|row| !row.contains("\"import_undone\"")),
        );
    }
    out
}

/// A HubSpot deals export of `n` deals; every fifth is Closed Won with every field filled (a
/// handoff, a kickoff task, a draft and a notification), every fifth after that Closed Won with
/// fields missing (a paused handoff and its task).
fn deals_csv(path: &Path, n: usize, stage_shift: usize) {
    let mut s = String::from("Record ID,Deal Name,Deal Stage,Amount,Deal owner,Buyer Goals,Main Contact,Signed Scope,Start Date,Promised Deliverables,Pricing Exceptions,Risk Notes,Kickoff Preference\n");
    for i in 0..n {
        let stage = match (i + stage_shift) % 5 {
            0 => "Closed Won",
            1 => "Contract Sent",
            2 => "Closed Won",
            3 => "Appointment Scheduled",
            _ => "Qualified To Buy",
        };
        let full = (i + stage_shift).is_multiple_of(5);
        let owner = ["Sam Okafor", "Lee Park"][i % 2];
        if full {
            s += &format!("{i},Deal {i},{stage},{},{owner},Grow,Ana Ruiz,SOW v1,2026-03-16,Dashboards,None,None,Video call\n", 1000 + i);
        } else {
            s += &format!("{i},Deal {i},{stage},{},{owner},Grow,,,,,,,\n", 1000 + i);
        }
    }
    std::fs::write(path, s).unwrap();
}

fn open(db: &Path) -> Workspace {
    Workspace::open(db, FixedClock::new("2026-03-05T09:00:00Z".parse().unwrap())).unwrap()
}

// On a file only: it reads the SQLite file itself to compare every table before and after.
#[test]
fn undo_puts_every_row_the_import_changed_back_exactly() {
    let (ws, _clock, dir) = common::workspace(
        Backend::File,
        "2026-03-05T09:00:00Z",
        &[("Fay", Role::Founder), ("Dee", Role::Delivery)],
    );
    let db = dir.path().join("w.sqlite");
    let first = dir.path().join("first.csv");
    deals_csv(&first, 40, 0);
    ws.import().file(&first, &ImportOptions::default()).unwrap();
    let before = snapshot(&db);

    // The same deals a week on: stages move, handoffs fire, pause, resume and cancel, new
    // deals and a new owner arrive.
    let later = dir.path().join("later.csv");
    deals_csv(&later, 60, 2);
    let r = ws.import().file(&later, &ImportOptions::default()).unwrap();
    assert!(
        r.inserted > 0 && r.updated > 0 && r.handoffs.fired > 0,
        "{r:?}"
    );
    assert_ne!(snapshot(&db), before);

    let undo = ws.import().undo(r.import_id, Origin::Cli).unwrap();
    assert_eq!((undo.removed, undo.restored), (r.inserted, r.updated));
    assert_eq!(
        snapshot(&db),
        before,
        "every row as it was before the import"
    );
    let actor: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT actor FROM events WHERE kind = 'import_undone'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(actor, "Fay (cli)");

    // The same file imports again as it did the first time.
    let again = ws.import().file(&later, &ImportOptions::default()).unwrap();
    assert_eq!((again.inserted, again.updated), (r.inserted, r.updated));
}

on_both_workspaces! {
fn a_write_from_another_laptop_process_after_the_import_survives_its_undo(backend: Backend) {
    let (ws, clock, dir) = common::workspace(backend, "2026-03-05T09:00:00Z", &[]);
    let csv = dir.path().join("deals.csv");
    deals_csv(&csv, 30, 0);
    let r = ws.import().file(&csv, &ImportOptions::default()).unwrap();

    // Another connection (the CLI beside the app, a teammate) adds a deal after the import.
    let other = common::reopen(&dir, clock);
    let added = other
        .records().add(
            baton::NewRecord {
                kind: Some(RecordKind::Deal),
                name: "Concurrent".into(),
                stage: Some("Contract Sent".into()),
                owner: None,
                fields: vec![],
            },
            Origin::Cli,
        )
        .unwrap();

    ws.import().undo(r.import_id, Origin::App).unwrap();
    let left = ws.records().list(None, None).unwrap();
    assert_eq!(
        left.len(),
        1,
        "only the deal added after the import is left"
    );
    assert_eq!(left[0].id, added);
    assert_eq!(left[0].name, "Concurrent");
    assert_eq!(ws.records().detail(added).unwrap().history.len(), 1);
}
}

// On a file only: backups are a workspace file's safety net (a team workspace has the database's own).
#[test]
fn refused_files_take_no_backup_and_the_last_real_import_stays_undoable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.sqlite");
    let ws = open(&db);
    let good = ws
        .import()
        .file(&fixture("hubspot_deals.csv"), &ImportOptions::default())
        .unwrap();
    let backup = good.backup.clone().unwrap();
    for _ in 0..5 {
        let e = ws
            .import()
            .file(&fixture("bad_date.csv"), &ImportOptions::default())
            .unwrap_err();
        assert!(e.to_string().contains("is not a date"), "{e}");
    }
    let header_only = dir.path().join("header.csv");
    std::fs::write(&header_only, "Record ID,Deal Name,Deal Stage\n").unwrap();
    let e = ws
        .import()
        .file(&header_only, &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("the file has a header but no rows"), "{e}");

    let copies: Vec<_> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        copies,
        vec![PathBuf::from(&backup)],
        "only the real import's copy"
    );
    assert_eq!(
        ws.import().list().unwrap().len(),
        1,
        "refused files leave no history row"
    );
    ws.import().undo(good.import_id, Origin::Cli).unwrap();
    assert!(ws.records().list(None, None).unwrap().is_empty());
}

on_both_workspaces! {
fn an_earlier_import_undoes_while_a_later_one_about_other_records_stays(backend: Backend) {
    let (ws, _clock, dir) = common::workspace(backend, "2026-03-05T09:00:00Z", &[]);
    let first = ws
        .import().file(&fixture("hubspot_deals.csv"), &ImportOptions::default())
        .unwrap();
    let other = dir.path().join("other.csv");
    deals_csv(&other, 10, 0);
    let second = ws.import().file(&other, &ImportOptions::default()).unwrap();
    assert!(second.handoffs.handed_off > 0);

    let undo = ws.import().undo(first.import_id, Origin::Cli).unwrap();
    assert_eq!(undo.removed, 3);
    let left = ws.records().list(None, None).unwrap();
    assert_eq!(left.len(), 10);
    assert!(left.iter().all(|r| r.name.starts_with("Deal ")));
    assert_eq!(
        ws.handoffs().list(Some(HandoffStatus::HandedOff)).unwrap().len() as u64,
        second.handoffs.handed_off
    );
    // Sam Okafor owns deals of both files: he stays; nobody else was added.
    let people: Vec<String> = ws.team().people().unwrap().into_iter().map(|p| p.name).collect();
    assert!(people.contains(&"Sam Okafor".to_string()), "{people:?}");
}
}

on_both_workspaces! {
fn people_an_import_added_go_with_it_unless_someone_still_names_them(backend: Backend) {
    let (ws, _clock, _dir) = common::workspace(backend, "2026-03-05T09:00:00Z", &[]);
    let r = ws
        .import().file(&fixture("hubspot_deals.csv"), &ImportOptions::default())
        .unwrap();
    assert!(!ws.team().people().unwrap().is_empty());
    ws.import().undo(r.import_id, Origin::Cli).unwrap();
    assert!(
        ws.team().people().unwrap().is_empty(),
        "{:?}",
        ws.team().people().unwrap()
    );
}
}

// ----- the real CLI -----

fn baton(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_baton"));
    c.arg("--db")
        .arg(db)
        .env("BATON_NOW", "2026-03-05T09:00:00Z")
        .env_remove("BATON_DB");
    c
}

fn run_ok(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What an undo killed part-way left: (records, import marked undone, `import_undone` events).
fn after_kill(db: &Path) -> (i64, bool, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    (
        q("SELECT count(*) FROM records"),
        q("SELECT count(*) FROM imports WHERE undone_at IS NOT NULL") == 1,
        q("SELECT count(*) FROM events WHERE kind = 'import_undone'"),
    )
}

// On a file only: it copies the SQLite file to replay each kill from the same start (tests/team_crash.rs
// kills the CLI mid-write on a team workspace).
#[test]
fn killing_the_cli_at_any_moment_of_an_undo_leaves_the_import_whole_or_fully_undone() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine.sqlite");
    let csv = dir.path().join("deals.csv");
    deals_csv(&csv, 5_000, 0);
    run_ok(baton(&pristine).arg("import").arg(&csv));
    // One checkpointed file to copy for each try.
    let conn = rusqlite::Connection::open(&pristine).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);

    let db = dir.path().join("w.sqlite");
    let fresh = || {
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        std::fs::copy(&pristine, &db).unwrap();
    };
    // How long a whole undo takes here, to kill it at points across that time.
    fresh();
    let started = std::time::Instant::now();
    run_ok(baton(&db).args(["undo-import", "1"]));
    let whole = started.elapsed();
    assert_eq!(after_kill(&db), (0, true, 1));

    let (mut kept, mut undone) = (0, 0);
    for tenth in 0..10u32 {
        fresh();
        let mut child = baton(&db).args(["undo-import", "1"]).spawn().unwrap();
        std::thread::sleep(whole * tenth / 10);
        let _ = child.kill();
        let _ = child.wait();
        match after_kill(&db) {
            (5_000, false, 0) => kept += 1,
            (0, true, 1) => undone += 1,
            other => panic!("killed at {tenth}/10 of the undo, the workspace holds {other:?}"),
        }
    }
    assert!(kept > 0, "some kills landed before the undo committed");
    eprintln!("killed 10 undos: {kept} left the import whole, {undone} fully undone");
}

// On a file only: the writer waits for the file's write lock (on a team workspace writes do not wait
// for an import: tests/concurrency.rs races them).
#[test]
fn a_write_that_arrives_during_a_cli_import_survives_the_undo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.sqlite");
    let csv = dir.path().join("deals.csv");
    // Small enough that the import ends within the writer's wait in a debug build.
    deals_csv(&csv, 5_000, 0);
    run_ok(baton(&db).args(["people", "add", "Fay", "--role", "founder", "--me"]));
    let mut import = baton(&db).arg("import").arg(&csv).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let added = run_ok(baton(&db).args(["add", "--kind", "deal", "Concurrent"]));
    assert!(import.wait().unwrap().success());
    run_ok(baton(&db).args(["undo-import", "1"]));
    let records = run_ok(baton(&db).args(["records", "--json"]));
    let records: serde_json::Value = serde_json::from_str(&records).unwrap();
    let names: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["Concurrent"],
        "the deal added during the import: {added}"
    );
}

/// A small tmpfs of our own, mounted for the test (root only) and unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

// On a file only: the backup is a file's.
#[test]
fn a_full_disk_during_the_backup_leaves_no_partial_file_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&dir.path().join("disk"), "32m") else {
        eprintln!("skipped: mounting a small tmpfs needs root (run the tests as root to check a full disk)");
        return;
    };
    let db = disk.0.join("w.sqlite");
    // A workspace of a few MB on a disk filled until less than its size is free: the copy
    // taken before the next import cannot fit.
    let first = dir.path().join("first.csv");
    deals_csv(&first, 5_000, 0);
    run_ok(baton(&db).arg("import").arg(&first));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    for b in std::fs::read_dir(disk.0.join("backups")).unwrap() {
        std::fs::remove_file(b.unwrap().path()).unwrap();
    }
    // Fill the disk until less than the workspace's size is left.
    let size = std::fs::metadata(&db).unwrap().len();
    let free = |p: &Path| {
        let out = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(p)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap()
    };
    let ballast = free(&disk.0).saturating_sub(size / 2);
    std::fs::write(disk.0.join("ballast"), vec![0u8; ballast as usize]).unwrap();

    let later = dir.path().join("later.csv");
    deals_csv(&later, 20, 3);
    let out = baton(&db).arg("import").arg(&later).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("is full"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    let left: Vec<_> = std::fs::read_dir(disk.0.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "no partial copy or journal left: {left:?}");
    // Nothing half-done: the workspace works as before.
    run_ok(baton(&db).args(["add", "--kind", "deal", "After the full disk"]));
    let n: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 5_001);
}
