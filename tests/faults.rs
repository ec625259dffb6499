//! The fault tier: the real CLI against real files when something around it goes wrong — a
//! second writer arriving during a long import.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn baton(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_baton"));
    c.arg("--db")
        .arg(db)
        .env("BATON_NOW", "2026-03-05T09:00:00Z")
        .env_remove("BATON_DB");
    c
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A HubSpot deals export of `n` deals, a tenth of them Closed Won with every field filled.
fn deals_csv(path: &Path, n: usize) {
    let mut s = String::from("Record ID,Deal Name,Deal Stage,Amount,Deal owner,Buyer Goals,Main Contact,Signed Scope,Start Date,Promised Deliverables,Pricing Exceptions,Risk Notes,Kickoff Preference\n");
    for i in 0..n {
        let stage = if i % 10 == 0 {
            "Closed Won"
        } else {
            "Qualified To Buy"
        };
        s += &format!(
            "{i},Deal {i},{stage},{},Sam Okafor,Grow,Ana Ruiz,SOW v1,2026-03-16,Dashboards,None,None,Video call\n",
            1000 + i
        );
    }
    std::fs::write(path, s).unwrap();
}

/// The file a running import describes itself in, beside the workspace.
fn announcement(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-import", db.display()))
}

#[test]
fn a_write_during_a_long_import_says_what_is_running_waits_and_then_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.sqlite");
    let csv = dir.path().join("deals.csv");
    deals_csv(&csv, 40_000);
    let import = baton(&db)
        .arg("import")
        .arg(&csv)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Arrive once the import holds the workspace: it announces itself only while it does.
    let start = Instant::now();
    while !announcement(&db).exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the import never said it was running"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let add = baton(&db)
        .args(["add", "--kind", "deal", "Concurrent"])
        .output()
        .unwrap();
    let import = import.wait_with_output().unwrap();
    assert!(import.status.success());
    let told = String::from_utf8_lossy(&add.stderr).into_owned();
    assert!(
        told.starts_with("an import is running (started ")
            && told.contains(" from the command line, ")
            && told.contains("% of deals.csv read); waiting…"),
        "{told}"
    );
    assert!(ok(add).contains("Added deal \"Concurrent\""));
    // Both writes are there, and the announcement went with the import.
    let records: serde_json::Value = serde_json::from_str(&ok(baton(&db)
        .args(["records", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(records.as_array().unwrap().len(), 40_001);
    assert!(!announcement(&db).exists());
}

/// Whether the tests run as root, who may read anything: then a permission test runs the CLI
/// as the unprivileged user `nobody`.
fn as_root() -> bool {
    let id = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim() == "0"
}

/// `baton` as a user the permissions apply to; as root, a copy of it in `folder` (which
/// everyone can reach: the build's own folder may not be) run as `nobody`.
fn unprivileged(folder: &Path, db: &Path) -> Command {
    if !as_root() {
        return baton(db);
    }
    let exe = folder.join("baton");
    std::fs::copy(env!("CARGO_BIN_EXE_baton"), &exe).unwrap();
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .arg("--db")
        .arg(db)
        .env("BATON_NOW", "2026-03-05T09:00:00Z")
        .env_remove("BATON_DB");
    c
}

fn fails_with(mut c: Command) -> String {
    let out = c.output().unwrap();
    assert!(!out.status.success(), "{c:?} succeeded");
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[test]
fn a_folder_a_missing_file_and_an_unreadable_file_each_get_one_sentence_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.sqlite");
    let folder = dir.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    let mut c = baton(&db);
    c.arg("import").arg(&folder);
    assert_eq!(
        fails_with(c),
        format!(
            "error: {} is a folder, not a file; give the path of the file inside it",
            folder.display()
        )
    );
    let missing = dir.path().join("deals.csv");
    let mut c = baton(&db);
    c.arg("import").arg(&missing);
    assert_eq!(
        fails_with(c),
        format!("error: {} does not exist; check the path (was the file moved or renamed after it was exported?)", missing.display())
    );

    // A folder anyone may write in, with an export only its owner may read.
    use std::os::unix::fs::PermissionsExt;
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let secret = shared.join("secret.csv");
    deals_csv(&secret, 3);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let theirs = shared.join("theirs.sqlite");
    let mut c = unprivileged(&shared, &theirs);
    c.arg("import").arg(&secret);
    let told = fails_with(c);
    assert_eq!(
        told,
        format!("error: {} cannot be opened: permission denied for your user; ask whoever owns it (`ls -l` shows who) for access, or copy it somewhere you own", secret.display())
    );
    // Nothing was imported anywhere.
    let mut c = baton(&db);
    c.args(["records", "--json"]);
    assert_eq!(ok(c.output().unwrap()).trim(), "[]");
}

/// Overwrites page `n` (counted from 1) of the SQLite file at `db` with garbage, as a failing
/// disk or a bad copy would.
fn damage_page(db: &Path, n: u64) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start((n - 1) * 4096)).unwrap();
    f.write_all(&[0x5a; 4096]).unwrap();
}

/// The records table's pages: the ones a listing reads.
fn records_pages(db: &Path) -> Vec<u64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = 'leaf'")
        .unwrap();
    let pages = st.query_map([], |r| r.get(0)).unwrap();
    pages.collect::<rusqlite::Result<_>>().unwrap()
}

#[test]
fn a_damaged_workspace_is_named_refuses_writes_and_comes_back_from_its_newest_intact_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.sqlite");
    let csv = dir.path().join("deals.csv");
    deals_csv(&csv, 2_000);
    // Two imports: two copies kept, the newest taken before the second.
    ok(baton(&db)
        .args(["add", "--kind", "deal", "Before"])
        .output()
        .unwrap());
    ok(baton(&db).arg("import").arg(&csv).output().unwrap());
    ok(baton(&db)
        .args(["add", "--kind", "deal", "After"])
        .output()
        .unwrap());
    deals_csv(&csv, 2_100);
    ok(baton(&db).arg("import").arg(&csv).output().unwrap());
    // Everything committed into the file itself, then a page of the records overwritten.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let pages = records_pages(&db);
    drop(conn);
    damage_page(&db, pages[pages.len() / 2]);

    // A listing that meets the damage fails, naming the file and the copy; what it streamed
    // before the damaged page is no whole JSON document a script could mistake for the list.
    let out = baton(&db).args(["records", "--json"]).output().unwrap();
    assert!(!out.status.success());
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err());
    let told = String::from_utf8_lossy(&out.stderr).into_owned();
    let copies: Vec<PathBuf> = {
        let mut c: Vec<PathBuf> = std::fs::read_dir(dir.path().join("backups"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        c.sort();
        c
    };
    assert_eq!(copies.len(), 2, "{copies:?}");
    // Both imports ran at the same BATON_NOW: the second's copy carries a -2.
    let newest = copies
        .iter()
        .find(|c| c.to_string_lossy().ends_with("Z-2-before-import.sqlite"))
        .unwrap();
    assert_eq!(
        told.trim(),
        format!(
            "error: the workspace {db} is damaged (SQLite: database disk image is malformed); nothing was changed. Restore the newest intact copy with: baton --db \"{db}\" restore \"{copy}\" (the damaged file is kept beside it)",
            db = db.display(),
            copy = newest.display()
        )
    );
    // From then on a write that would not even touch the damaged page refuses.
    let before = std::fs::read(&db).unwrap();
    let add = baton(&db)
        .args(["add", "--kind", "deal", "Lost"])
        .output()
        .unwrap();
    assert!(!add.status.success());
    assert!(String::from_utf8_lossy(&add.stderr).contains("is damaged"));
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");

    // check: the workspace damaged, both copies intact, the restore command named.
    let check = baton(&db).arg("check").output().unwrap();
    assert!(!check.status.success());
    let said = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(said.contains(": damaged — SQLite found: "), "{said}");
    assert_eq!(said.matches("  intact   ").count(), 2, "{said}");

    // restore: the copy in place, the damaged file kept beside it, writes work again.
    let restored = ok(baton(&db).arg("restore").arg(newest).output().unwrap());
    assert!(
        restored.contains("the file it replaced is kept as"),
        "{restored}"
    );
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("w.sqlite.damaged-") && n.ends_with('Z'))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(dir.path().join(&aside[0])).unwrap(), before);
    assert!(ok(baton(&db).arg("check").output().unwrap()).contains(": intact."));
    ok(baton(&db)
        .args(["add", "--kind", "deal", "Again"])
        .output()
        .unwrap());
    let records: serde_json::Value = serde_json::from_str(&ok(baton(&db)
        .args(["records", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    // The copy taken before the second import: Before, the first import's 2,000, After.
    assert_eq!(records.as_array().unwrap().len(), 2_000 + 3);
}

#[test]
fn a_read_only_workspace_reads_and_a_write_says_who_can_change_it() {
    use std::os::unix::fs::PermissionsExt;
    let set = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    set(dir.path(), 0o755);
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let db = shared.join("w.sqlite");
    ok(baton(&db).arg("demo").output().unwrap());
    let listing = ok(baton(&db).args(["records", "--json"]).output().unwrap());
    let health = ok(baton(&db).args(["health", "--json"]).output().unwrap());
    let before = std::fs::read(&db).unwrap();

    // Folder and file read-only: everything reads as before; a write is refused in a sentence.
    set(&shared, 0o555);
    set(&db, 0o444);
    let run = |args: &[&str]| unprivileged(dir.path(), &db).args(args).output().unwrap();
    assert_eq!(ok(run(&["records", "--json"])), listing);
    assert_eq!(ok(run(&["health", "--json"])), health);
    let add = run(&["add", "--kind", "deal", "Blocked"]);
    assert!(!add.status.success());
    let told = String::from_utf8_lossy(&add.stderr).into_owned();
    assert!(
        told.contains(&format!(
            "the workspace {} is read-only for you (",
            db.display()
        )) && told.contains("the file is not writable, and it belongs to "),
        "{told}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(&shared).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no -wal or -shm left beside it");

    // A writable file in a folder that is not: the folder is named.
    set(&db, 0o666);
    let add = run(&["add", "--kind", "deal", "Blocked"]);
    assert!(String::from_utf8_lossy(&add.stderr).contains("its folder is not writable"));

    // Once both are writable, writes work: nothing left behind blocks them.
    set(&shared, 0o777);
    assert!(ok(run(&["add", "--kind", "deal", "Allowed"])).contains("Added deal"));
}

#[test]
fn utf16_without_a_bom_reads_and_a_row_that_is_not_utf8_is_named_and_skippable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.sqlite");
    // UTF-16 LE as some Windows tools save it: no byte-order mark.
    let u16 = dir.path().join("deals-utf16.csv");
    let text = "Record ID,Deal Name,Deal Stage\n1,Ålesund Fisk,Contract Sent\n2,Beta,Closed Lost\n";
    std::fs::write(
        &u16,
        text.encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let mut c = baton(&db);
    c.arg("import").arg(&u16).arg("--json");
    let report: serde_json::Value = serde_json::from_str(&ok(c.output().unwrap())).unwrap();
    assert_eq!(report["encoding"], "UTF-16LE");
    assert_eq!(report["inserted"], 2);
    let shown = ok(baton(&db).args(["show", "1", "--json"]).output().unwrap());
    assert!(shown.contains("Ålesund Fisk"), "{shown}");

    // UTF-8, but one row far into the file (past what is sniffed to tell the encoding) carries
    // a byte from another encoding, as when one cell was pasted from elsewhere.
    let bad = dir.path().join("deals-mixed.csv");
    let mut bytes = b"Record ID,Deal Name,Deal Stage\n".to_vec();
    for i in 0..4_000 {
        bytes.extend_from_slice(
            format!("{},Deal {i} — renewal,Contract Sent\n", 100 + i).as_bytes(),
        );
    }
    let at = bytes.len();
    bytes.extend_from_slice(b"9000,Caf");
    bytes.push(0xe9); // é in Latin-1
    bytes.extend_from_slice(b" Noir,Contract Sent\n9001,Delta,Contract Sent\n");
    std::fs::write(&bad, &bytes).unwrap();
    let mut c = baton(&db);
    c.arg("import").arg(&bad);
    let told = fails_with(c);
    assert_eq!(
        told,
        format!("error: {}: row 4001 (line 4002): \"Deal Name\" is not UTF-8 text (the row starts at byte {at} of the file, which is UTF-8 elsewhere); export the file again as CSV UTF-8; fix the cell or pass --skip-bad-rows", bad.display())
    );
    let mut c = baton(&db);
    c.arg("import")
        .arg(&bad)
        .args(["--skip-bad-rows", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&ok(c.output().unwrap())).unwrap();
    assert_eq!(
        (report["inserted"].as_u64(), report["rejected"].as_u64()),
        (Some(4_001), Some(1))
    );
}

#[test]
fn a_backups_folder_that_cannot_be_written_is_named_and_nothing_is_imported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let db = dir.path().join("w.sqlite");
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    std::fs::set_permissions(&backups, std::fs::Permissions::from_mode(0o555)).unwrap();
    let csv = dir.path().join("deals.csv");
    deals_csv(&csv, 3);
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut c = unprivileged(dir.path(), &db);
    c.arg("import").arg(&csv);
    let told = fails_with(c);
    assert!(
        told.starts_with(&format!(
            "error: the folder {}, where Baton keeps a copy of the workspace before each import, is not writable for you (it belongs to ",
            backups.display()
        )) && told.ends_with("make it writable, or remove it and Baton creates it again (nothing was imported)"),
        "{told}"
    );
    let mut c = unprivileged(dir.path(), &db);
    c.args(["records", "--json"]);
    assert_eq!(ok(c.output().unwrap()).trim(), "[]");
}

#[test]
fn killing_an_import_at_any_moment_leaves_the_workspace_as_it_was_or_the_import_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.sqlite");
    let csv = dir.path().join("deals.csv");
    deals_csv(&csv, 8_000);
    ok(baton(&db)
        .args(["add", "--kind", "deal", "Before"])
        .output()
        .unwrap());
    let pristine = std::fs::read(&db).unwrap();
    let fresh = || {
        for suffix in ["-wal", "-shm", "-import", "-damaged"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let _ = std::fs::remove_dir_all(dir.path().join("backups"));
        std::fs::write(&db, &pristine).unwrap();
    };
    // (records, imports) after a kill, and SQLite's own verdict on the file.
    let state = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        (
            q("SELECT count(*) FROM records"),
            q("SELECT count(*) FROM imports"),
        )
    };
    fresh();
    let started = Instant::now();
    ok(baton(&db).arg("import").arg(&csv).output().unwrap());
    let whole = started.elapsed();
    assert_eq!(state(), (8_001, 1));

    let (mut before, mut whole_import) = (0, 0);
    for tenth in 0..10u32 {
        fresh();
        let mut child = baton(&db)
            .arg("import")
            .arg(&csv)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * tenth / 10);
        let _ = child.kill();
        let _ = child.wait();
        match state() {
            (1, 0) => before += 1,
            (8_001, 1) => whole_import += 1,
            other => panic!("killed at {tenth}/10 of the import, the workspace holds {other:?}"),
        }
        // A later command is not misled by what the killed import left beside the file.
        let add = baton(&db)
            .args(["add", "--kind", "deal", "After"])
            .output()
            .unwrap();
        assert!(
            add.status.success(),
            "{}",
            String::from_utf8_lossy(&add.stderr)
        );
    }
    assert!(before > 0, "some kills landed before the import committed");
    eprintln!("killed 10 imports: {before} left the workspace as it was, {whole_import} whole");
}
