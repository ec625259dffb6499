//! `cargo xtask bench`: Baton's import against `sqlite3`'s own `.import` of the same file, in
//! one run, with rows/s and peak RSS, and the floor under it: `sqlite3` copying the rows Baton
//! stored. Figures only; no thresholds fail the run.

use crate::{cargo, root, step, Res};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HEADERS: &[&str] = &[
    "Record ID",
    "Deal Name",
    "Deal Stage",
    "Pipeline",
    "Amount",
    "Close Date",
    "Create Date",
    "Deal owner",
    "Deal Type",
    "Associated Company",
    "Associated Contact",
    "Original Source",
    "Buyer Goals",
    "Signed Scope",
    "Start Date",
    "Promised Deliverables",
    "Pricing Exceptions",
    "Risk Notes",
    "Kickoff Preference",
    "Notes",
];

const STAGES: &[&str] = &[
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
    "Closed Won",
    "Closed Lost",
];
const OWNERS: &[&str] = &[
    "Maya Chen",
    "Tom Okafor",
    "Priya Natarajan",
    "Lukas Berg",
    "Ana Souza",
];
const COMPANIES: &[&str] = &[
    "Nordlicht GmbH",
    "Café Olé Ltd",
    "Acme Corp",
    "Brightwave Analytics",
    "Kestrel & Finch",
    "Zürich Re Partners",
];

/// A tiny deterministic generator (xorshift), so every run benches the same file.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Writes a HubSpot-style deals export with `rows` deals. A later `round` is the same export a
/// week on: every deal one stage further along (wrapping round).
fn generate(path: &Path, rows: usize, round: usize) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    writeln!(
        w,
        "{}",
        HEADERS
            .iter()
            .map(|h| quote(h))
            .collect::<Vec<_>>()
            .join(",")
    )?;
    for i in 0..rows {
        let stage = STAGES[(rng.below(STAGES.len()) + round) % STAGES.len()];
        let company = rng.pick(COMPANIES);
        let filled = rng.below(4) != 0;
        let opt = |v: String| if filled { v } else { String::new() };
        let (m, d) = (1 + rng.below(12), 1 + rng.below(28));
        let cells = [
            format!("{}", 1_000_000 + i),
            quote(&format!("{company} — renewal {i}")),
            quote(stage),
            "default".to_string(),
            format!("{}.{:02}", 1_000 + rng.below(90_000), rng.below(100)),
            format!("2026-{m:02}-{d:02}"),
            format!("2025-{m:02}-{d:02} 09:{:02}", rng.below(60)),
            quote(rng.pick(OWNERS)),
            "newbusiness".to_string(),
            quote(company),
            quote(&format!("Contact {}", rng.below(5_000))),
            "Organic Search".to_string(),
            opt(quote("Cut onboarding time, \"fast\" wins")),
            opt(quote("Implementation + training")),
            opt(format!("2026-{m:02}-{d:02}")),
            opt(quote("Workshop; migration; weekly report")),
            opt(quote("None")),
            opt(quote("Tight timeline")),
            opt(quote("Video call, mornings")),
            quote(&format!(
                "Spoke with the buyer on day {d}.\nThey want a pilot first,\nthen the full roll-out."
            )),
        ];
        writeln!(w, "{}", cells.join(","))?;
    }
    w.flush()
}

struct Run {
    wall: Duration,
    peak_rss_kb: u64,
}

/// Runs a command to completion, sampling its peak RSS (VmHWM) from /proc while it runs.
fn measure(mut cmd: Command) -> Result<Run, String> {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {cmd:?}: {e}"))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = start.elapsed();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        return Err(format!("{cmd:?} failed ({status}): {}", err.trim()));
    }
    Ok(Run {
        wall,
        peak_rss_kb: peak,
    })
}

/// Runs `f` `n` times: the median wall time, the highest peak RSS. A single run of a few
/// seconds moves by a third on a busy laptop (or a VM), so the ratios use medians.
fn median_of(n: usize, mut f: impl FnMut() -> Result<Run, String>) -> Result<Run, String> {
    let mut runs = (0..n.max(1)).map(|_| f()).collect::<Result<Vec<_>, _>>()?;
    let peak = runs.iter().map(|r| r.peak_rss_kb).max().unwrap_or(0);
    runs.sort_by_key(|r| r.wall);
    let mid = runs.swap_remove(runs.len() / 2);
    Ok(Run {
        wall: mid.wall,
        peak_rss_kb: peak,
    })
}

fn fresh(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let _ = std::fs::remove_dir_all(path.with_file_name("backups"));
}

fn sqlite_import(csv: &Path, db: &Path) -> Result<Run, String> {
    fresh(db);
    let mut c = Command::new("sqlite3");
    c.arg(db)
        .arg(".mode csv")
        .arg(format!(".import '{}' deals", csv.display()));
    measure(c)
}

/// What storing Baton's rows alone costs: `sqlite3` copies every row of the workspace `db` into
/// an empty one with the same schema and settings (WAL, synchronous NORMAL, 32 MB of cache),
/// in one transaction. No CSV, no rules: the least any import writing those rows could take.
fn storage_floor(db: &Path) -> Result<Run, String> {
    let schema = Command::new("sqlite3")
        .arg(db)
        .arg(".schema")
        .output()
        .map_err(|e| format!("sqlite3: {e}"))?;
    let tables = Command::new("sqlite3")
        .arg(db)
        .arg("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .output()
        .map_err(|e| format!("sqlite3: {e}"))?;
    let copy = db.with_file_name("floor.sqlite");
    fresh(&copy);
    let mut script = String::from(
        "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\nPRAGMA cache_size = -32768;\n",
    );
    script += &String::from_utf8_lossy(&schema.stdout);
    script += &format!("\nATTACH '{}' AS b;\nBEGIN;\n", db.display());
    for t in String::from_utf8_lossy(&tables.stdout).lines() {
        script += &format!("INSERT INTO main.\"{t}\" SELECT * FROM b.\"{t}\";\n");
    }
    script += "COMMIT;\n";
    let sql = copy.with_extension("sql");
    std::fs::write(&sql, script).map_err(|e| format!("{}: {e}", sql.display()))?;
    let mut c = Command::new("sqlite3");
    c.arg(&copy).arg(format!(".read '{}'", sql.display()));
    let run = measure(c);
    fresh(&copy);
    let _ = std::fs::remove_file(&sql);
    run
}

/// When the bench's first export is imported; a later round is imported a week later each.
const FIRST_IMPORT: &str = "2026-11-24T09:00:00Z";

fn baton_import(bin: &Path, csv: &Path, db: &Path) -> Result<Run, String> {
    baton_import_at(bin, csv, db, FIRST_IMPORT)
}

fn baton_import_at(bin: &Path, csv: &Path, db: &Path, now: &str) -> Result<Run, String> {
    let mut c = Command::new(bin);
    c.arg("--db").arg(db).arg("import").arg(csv).arg("--json");
    c.env("BATON_NOW", now);
    measure(c)
}

/// `FIRST_IMPORT` plus `weeks` weeks, as BATON_NOW.
fn weeks_later(weeks: usize) -> String {
    let start = FIRST_IMPORT
        .parse::<chrono::DateTime<chrono::Utc>>()
        .expect("FIRST_IMPORT is RFC 3339");
    (start + chrono::Duration::weeks(weeks as i64))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn line(what: &str, rows: usize, r: &Run) {
    let secs = r.wall.as_secs_f64();
    println!(
        "  {what:<34} {secs:>8.2} s  {:>10.0} rows/s  peak RSS {:>6.1} MB",
        rows as f64 / secs,
        r.peak_rss_kb as f64 / 1024.0
    );
}

/// Which figures a bench run takes.
#[derive(Debug, PartialEq)]
enum Figures {
    /// Every figure, on 100k and 1M rows.
    All,
    /// Every figure on 100k rows (`--quick`).
    Quick,
    /// Only the team workspace's (`--team`).
    Team,
    /// Only the desktop app's memory (`--desktop`).
    Desktop,
}

/// The figures `args` ask for: none or one of `--quick`, `--team`, `--desktop`; anything else
/// is refused with a sentence before anything is built.
fn figures(args: &[String]) -> Result<Figures, String> {
    const TAKES: &str = "it takes one of --quick, --team or --desktop, or none for every figure";
    match args {
        [] => Ok(Figures::All),
        [one] => match one.as_str() {
            "--quick" => Ok(Figures::Quick),
            "--team" => Ok(Figures::Team),
            "--desktop" => Ok(Figures::Desktop),
            other => Err(format!(
                "`cargo xtask bench` does not know `{other}`: {TAKES}"
            )),
        },
        _ => Err(format!(
            "`cargo xtask bench` was given {}: {TAKES}",
            args.join(" ")
        )),
    }
}

pub fn bench(args: &[String]) -> Res {
    let figures = figures(args)?;
    if Command::new("sqlite3").arg("-version").output().is_err() {
        crate::install_packages(&["sqlite3"])?;
    }
    let mut build = cargo();
    build.args(["build", "--release", "--bin", "baton"]);
    step("cargo build --release --bin baton", build)?;
    let bin = root().join("target/release/baton");
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // --desktop: only the app's footprint, on the 100k workspace an earlier run left.
    if figures == Figures::Desktop {
        let db = dir.join("baton_100000.sqlite");
        if !db.exists() {
            return Err(
                "run `cargo xtask bench --quick` once first: it makes the 100k workspace".into(),
            );
        }
        return desktop_footprint(&bin, &db);
    }
    // --team: only the team workspace's figures, on the 100k export.
    if figures == Figures::Team {
        let csv = dir.join("hubspot_deals_100000.csv");
        if !csv.exists() {
            generate(&csv, 100_000, 0).map_err(|e| format!("{}: {e}", csv.display()))?;
        }
        return team_workspace(&bin, &csv, 100_000);
    }
    let sizes: Vec<usize> = if figures == Figures::Quick {
        vec![100_000]
    } else {
        vec![100_000, 1_000_000]
    };
    for rows in sizes {
        let csv = dir.join(format!("hubspot_deals_{rows}.csv"));
        if !csv.exists() {
            eprintln!("==> generating {}", csv.display());
            generate(&csv, rows, 0).map_err(|e| format!("{}: {e}", csv.display()))?;
        }
        let mb = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        println!(
            "\n{rows} HubSpot-style deals, {} columns, {mb:.0} MB",
            HEADERS.len()
        );
        // The build (or the file's generation) leaves dirty pages that the kernel writes out
        // while the first timings run; flush them first.
        let _ = Command::new("sync").status();
        let n = if rows <= 100_000 { 3 } else { 1 };
        if n > 1 {
            println!("  (median of {n} runs each)");
        }
        let sq = median_of(n, || sqlite_import(&csv, &dir.join("sqlite.db")))?;
        line("sqlite3 .import (bare table)", rows, &sq);
        let db: PathBuf = dir.join(format!("baton_{rows}.sqlite"));
        let first = median_of(n, || {
            fresh(&db);
            baton_import(&bin, &csv, &db)
        })?;
        line("baton import (first)", rows, &first);
        let again = median_of(n, || baton_import(&bin, &csv, &db))?;
        line("baton import (unchanged re-import)", rows, &again);
        let floor = median_of(n, || storage_floor(&db))?;
        line("sqlite3 copy of baton's rows (floor)", rows, &floor);
        // Every record as JSON, written as the rows are read: memory must not grow with them.
        let mut listing = Command::new(&bin);
        listing.arg("--db").arg(&db).args(["records", "--json"]);
        line("baton records --json", rows, &measure(listing)?);
        println!(
            "  ratio baton/floor: {:.2}×   baton/sqlite3: {:.2}×   re-import/first: {:.2}×   floor/sqlite3: {:.2}×",
            first.wall.as_secs_f64() / floor.wall.as_secs_f64(),
            first.wall.as_secs_f64() / sq.wall.as_secs_f64(),
            again.wall.as_secs_f64() / first.wall.as_secs_f64(),
            floor.wall.as_secs_f64() / sq.wall.as_secs_f64()
        );
        if rows == 100_000 {
            health(&bin, &db, rows)?;
            team_workspace(&bin, &csv, rows)?;
            desktop_footprint(&bin, &db)?;
        }
    }
    Ok(())
}

/// Weekly exports the health bench imports after the first: each moves every deal one stage on,
/// so 100k deals carry 1M stage changes (and the playbooks fire as they would).
const ROUNDS: usize = 9;

/// `baton health` over the imported workspace once `ROUNDS` more weekly exports have moved
/// every deal along, five runs, the median reported (the process's start and the file's
/// opening included).
fn health(bin: &Path, db: &Path, rows: usize) -> Res {
    let dir = db.parent().unwrap_or(Path::new("."));
    let db_copy = db.with_file_name("baton_health.sqlite");
    fresh(&db_copy);
    std::fs::copy(db, &db_copy).map_err(|e| format!("{}: {e}", db_copy.display()))?;
    let mut imports = Duration::ZERO;
    for round in 1..=ROUNDS {
        let csv = dir.join(format!("hubspot_deals_{rows}_week{round}.csv"));
        if !csv.exists() {
            generate(&csv, rows, round).map_err(|e| format!("{}: {e}", csv.display()))?;
        }
        imports += baton_import_at(bin, &csv, &db_copy, &weeks_later(round))?.wall;
    }
    println!(
        "  {ROUNDS} weekly re-imports moving every deal one stage on: {:.1} s in all",
        imports.as_secs_f64()
    );
    let counted = Command::new("sqlite3")
        .arg(&db_copy)
        .arg("SELECT COUNT(*) FROM stage_changes")
        .output()
        .map_err(|e| format!("sqlite3: {e}"))?;
    let changes = String::from_utf8_lossy(&counted.stdout).trim().to_string();
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..5 {
        let mut c = Command::new(bin);
        c.arg("--db")
            .arg(&db_copy)
            .args(["health", "--weeks", "12", "--json"])
            .env("BATON_NOW", weeks_later(ROUNDS + 1));
        let run = measure(c)?;
        times.push(run.wall);
        peak = peak.max(run.peak_rss_kb);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "  baton health --weeks 12 over {rows} records and {changes} stage changes: {:.0} ms (median of 5; target 100 ms), peak RSS {:.1} MB",
        median.as_secs_f64() * 1000.0,
        peak as f64 / 1024.0
    );
    Ok(())
}

/// The same export into a team workspace on a throwaway PostgreSQL, against `psql \copy` of
/// the file into a bare table of text columns (the floor), then an unchanged re-import and
/// `health --weeks 12` over what it imported. One run each: a team import is slow enough that
/// the machine's noise is small beside it.
fn team_workspace(bin: &Path, csv: &Path, rows: usize) -> Res {
    let pg = crate::pg::Cluster::start()?;
    let admin = pg.url().replace("?sslmode=disable", "");
    let db = |name: &str| database(&admin, name);
    psql(
        &admin,
        &[
            "DROP DATABASE IF EXISTS bench_floor",
            "DROP DATABASE IF EXISTS bench_team",
            "CREATE DATABASE bench_floor",
            "CREATE DATABASE bench_team",
        ],
        false,
    )?;
    let columns: Vec<String> = (1..=HEADERS.len()).map(|i| format!("c{i} text")).collect();
    psql(
        &db("bench_floor"),
        &[&format!("CREATE TABLE bare ({})", columns.join(", "))],
        false,
    )?;
    let floor = psql(
        &db("bench_floor"),
        &[&format!(
            "\\copy bare FROM '{}' WITH (FORMAT csv, HEADER true)",
            csv.display()
        )],
        false,
    )?;
    line("psql \\copy into a bare table (floor)", rows, &floor);
    let url = format!("{}?sslmode=disable", db("bench_team"));
    let team = |args: &[&str]| {
        let mut c = Command::new(bin);
        c.arg("--db")
            .arg(&url)
            .args(args)
            .env("BATON_NOW", FIRST_IMPORT);
        measure(c)
    };
    team(&["team", "init", &url])?;
    let csv_arg = csv.display().to_string();
    let first = team(&["import", &csv_arg, "--json"])?;
    line("baton import into a team workspace", rows, &first);
    let stored = schema_floor(&admin, &csv.with_file_name("team_rows"), bin)?;
    line("psql \\copy of the rows it stored", rows, &stored);
    let again = team(&["import", &csv_arg, "--json"])?;
    line("baton re-import (unchanged), team", rows, &again);
    let mut times: Vec<Duration> = (0..5)
        .map(|_| team(&["health", "--weeks", "12", "--json"]).map(|r| r.wall))
        .collect::<Result<_, _>>()?;
    times.sort();
    println!(
        "  ratio team import/psql \\copy: {:.1}× (target 4×); the rows it stored, loaded by psql into the team schema: {:.1}×, so Baton's own share is {:.1}×",
        first.wall.as_secs_f64() / floor.wall.as_secs_f64(),
        stored.wall.as_secs_f64() / floor.wall.as_secs_f64(),
        first.wall.as_secs_f64() / stored.wall.as_secs_f64(),
    );
    println!(
        "  baton health --weeks 12 on the team workspace ({rows} records, one import): {:.0} ms (median of 5; target 300 ms)",
        times[2].as_secs_f64() * 1000.0
    );
    across_an_ocean(bin, &pg)
}

/// The round trip to a teammate's server: a laptop in Europe on a US region.
const OCEAN: Duration = Duration::from_millis(50);

/// What a teammate waits for, on the server's own address and through a delay proxy that adds
/// [`OCEAN`] to every round trip (TLS on for both, `sslmode=require`): the real export's first
/// import and its undo, a hand-off from the command line, and on the connection the app keeps
/// open (tests/bench/round_trips.rs) a hand-off, a checklist tick, the board, My tasks, a
/// record and health. Side by side, against the targets.
fn across_an_ocean(bin: &Path, pg: &crate::pg::Cluster) -> Res {
    let admin = pg.url().replace("?sslmode=disable", "");
    let proxy = crate::delay::Delay::start(
        std::net::SocketAddr::from(([127, 0, 0, 1], pg.port())),
        OCEAN,
    )?;
    let export = root().join("../shared/fixtures/real/crm_sales_pipeline.csv");
    if !export.exists() {
        return Err(format!(
            "{} is missing: the real export sits in ../shared",
            export.display()
        ));
    }
    let export = export.display().to_string();
    let data = root().join("target/bench/ocean");
    let mut build = cargo();
    build.args(["bench", "-p", "baton", "--bench", "round_trips", "--no-run"]);
    step("cargo bench --bench round_trips --no-run", build)?;
    let mut figures: Vec<(String, [f64; 2])> = vec![];
    let mut put =
        |what: &str, at: usize, secs: f64| match figures.iter_mut().find(|(w, _)| w == what) {
            Some((_, f)) => f[at] = secs,
            None => {
                let mut f = [f64::NAN; 2];
                f[at] = secs;
                figures.push((what.to_string(), f));
            }
        };
    for (at, port) in [pg.port(), proxy.port].into_iter().enumerate() {
        let name = ["bench_rt_direct", "bench_rt_ocean"][at];
        psql(
            &admin,
            &[
                format!("DROP DATABASE IF EXISTS {name}"),
                format!("CREATE DATABASE {name}"),
            ],
            false,
        )?;
        let setup = format!("{}?sslmode=require", database(&admin, name));
        let url = setup.replace(&format!(":{}/", pg.port()), &format!(":{port}/"));
        let baton = |url: &str, args: &[&str]| -> Result<(Duration, String), String> {
            let started = std::time::Instant::now();
            let out = Command::new(bin)
                .arg("--db")
                .arg(url)
                .args(args)
                .env("BATON_NOW", FIRST_IMPORT)
                .env("XDG_DATA_HOME", &data)
                .output()
                .map_err(|e| format!("baton: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "baton {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok((
                started.elapsed(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            ))
        };
        // Fay's login sets it up; Dee, whose app is timed, signs in with a login of her own.
        baton(
            &setup,
            &[
                "team",
                "init",
                &setup,
                "--as",
                "Fay Founder",
                "--role",
                "founder",
            ],
        )?;
        baton(&setup, &["people", "add", "Sam Seller", "--role", "sales"])?;
        let (_, invite) = baton(
            &setup,
            &["team", "invite", "Dee Delivery", "--role", "delivery"],
        )?;
        // The two lines it hands over: "address:  URL" and "password: …".
        let said = |what: &str| {
            invite
                .lines()
                .find_map(|l| l.trim().strip_prefix(what))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        let dee = {
            let (address, password) = (said("address:"), said("password:"));
            let (scheme, rest) = address.split_once("://").unwrap_or_default();
            let (user, at) = rest.split_once('@').unwrap_or_default();
            format!("{scheme}://{user}:{password}@{at}")
                .replace(&format!(":{}/", pg.port()), &format!(":{port}/"))
        };
        let (took, _) = baton(&url, &["import", &export])?;
        put(
            "the real export's first import (8,766 rows)",
            at,
            took.as_secs_f64(),
        );
        let (took, _) = baton(&url, &["undo-import", "1"])?;
        put("its undo-import", at, took.as_secs_f64());
        baton(&setup, &["import", &export])?;
        let mut ids = vec![];
        for i in 0..8 {
            let mut args = vec!["add", "--kind", "deal"];
            let deal = format!("Ocean deal {i}");
            args.extend([
                deal.as_str(),
                "--stage",
                "Contract Sent",
                "--owner",
                "Sam Seller",
            ]);
            args.extend(CHECKLIST);
            let (_, out) = baton(&setup, &args)?;
            ids.push(out.lines().last().unwrap_or_default().trim().to_string());
        }
        let (took, _) = baton(&url, &["move", &ids[7], "Closed Won"])?;
        put("a hand-off, from the command line", at, took.as_secs_f64());
        let mut app = cargo();
        app.args(["bench", "-q", "-p", "baton", "--bench", "round_trips", "--"])
            .arg(&dee)
            .args(&ids[..7])
            .env("XDG_DATA_HOME", &data);
        let out = app.output().map_err(|e| format!("round_trips: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "round_trips: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some((what, secs)) = l.split_once(' ') {
                let what = match what {
                    "open" => "opening the workspace (a connection set up)",
                    "hand-off" => "a hand-off, in the app",
                    "tick" => "a checklist tick",
                    "board" => "the board",
                    "my-tasks" => "My tasks",
                    "record" => "a record",
                    "health" => "health",
                    other => other,
                };
                put(what, at, secs.parse().unwrap_or(f64::NAN));
            }
        }
    }
    println!(
        "
Across an ocean: the server directly and through a delay proxy adding {} ms a round trip (TLS on)",
        OCEAN.as_millis()
    );
    println!(
        "  {:<48} {:>9} {:>9} {:>8}",
        "", "direct", "50 ms", "target"
    );
    // A command pays at most one connection set-up more than the app's open connection.
    let far = |what: &str| {
        figures
            .iter()
            .find(|(w, _)| w == what)
            .map_or(f64::NAN, |(_, f)| f[1])
    };
    let command =
        far("a hand-off, in the app") + far("opening the workspace (a connection set up)");
    for (what, [direct, far]) in &figures {
        let target = match what.as_str() {
            "a hand-off, in the app" => "0.5 s".to_string(),
            "a checklist tick" | "the board" | "My tasks" | "a record" | "health" => {
                "0.3 s".to_string()
            }
            "the real export's first import (8,766 rows)" => "3 s".to_string(),
            "its undo-import" => "5 s".to_string(),
            // The app's hand-off and one connection set up, as measured here.
            "a hand-off, from the command line" => format!("{command:.2} s"),
            _ => String::new(),
        };
        println!("  {what:<48} {direct:>8.3}s {far:>8.3}s {target:>8}");
    }
    Ok(())
}

// Every field the Sales → Delivery checklist asks for, filled (`CHECKLIST`): the tests' own.
include!("../../tests/common/checklist.rs");

/// The team schema's own cost of what the import stored: its rows, copied out of the bench
/// workspace with `psql \copy`, loaded back by `psql \copy` into a new team workspace in one
/// transaction, through the same indexes, foreign keys and change log. No import of those rows
/// can take less; the distance from it is Baton's own (reading, rules, sending).
fn schema_floor(admin: &str, dir: &Path, bin: &Path) -> Result<Run, String> {
    const TABLES: [&str; 10] = [
        "people",
        "changes",
        "imports",
        "records",
        "stage_changes",
        "handoffs",
        "tasks",
        "notifications",
        "email_drafts",
        "events",
    ];
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let db = |name: &str| database(admin, name);
    let file = |t: &str| dir.join(format!("{t}.txt")).display().to_string();
    let copies = |tables: &[&str], way: &str| -> Vec<String> {
        tables
            .iter()
            .map(|t| match (*t, way) {
                // The import's own change: `team init` writes one of its own (tying its login
                // to a person) in either workspace.
                ("changes", "TO") => format!(
                    "\\copy (SELECT * FROM changes WHERE import_id IS NOT NULL) TO '{}'",
                    file(t)
                ),
                _ => format!("\\copy {t} {way} '{}'", file(t)),
            })
            .collect()
    };
    psql(&db("bench_team"), &copies(&TABLES, "TO"), true)?;
    psql(
        admin,
        &[
            "DROP DATABASE IF EXISTS bench_rows",
            "CREATE DATABASE bench_rows",
        ],
        false,
    )?;
    let url = format!("{}?sslmode=disable", db("bench_rows"));
    let mut init = Command::new(bin);
    init.arg("--db").arg(&url).args(["team", "init", &url]);
    measure(init)?;
    // Who, which write and which import: in place first, as `team push` puts them.
    let mut setup = vec!["SET LOCAL baton.copying = on".to_string()];
    setup.extend(copies(&TABLES[..3], "FROM"));
    psql(&db("bench_rows"), &setup, true)?;
    let mut load = vec![
        "SELECT set_config('baton.change', CAST((SELECT max(id) FROM changes) AS text), true)"
            .to_string(),
    ];
    load.extend(copies(&TABLES[3..], "FROM"));
    let run = psql(&db("bench_rows"), &load, true)?;
    let _ = std::fs::remove_dir_all(dir);
    Ok(run)
}

/// The address of database `name` on the server `admin` (the `postgres` database's) points at.
fn database(admin: &str, name: &str) -> String {
    admin.replace("/postgres", &format!("/{name}"))
}

/// Runs `commands` with `psql` on database `url`, each its own `-c`, stopping at the first
/// error; in one transaction when `one_transaction` (`CREATE DATABASE` cannot be in one).
fn psql(url: &str, commands: &[impl AsRef<str>], one_transaction: bool) -> Result<Run, String> {
    let mut c = Command::new("psql");
    c.arg(url).args(["-q", "-X", "-v", "ON_ERROR_STOP=1"]);
    if one_transaction {
        c.arg("-1");
    }
    for command in commands {
        c.arg("-c").arg(command.as_ref());
    }
    measure(c)
}

/// The desktop app's memory on the demo workspace and on the 100k-deal one: the proportional
/// set size of the app and its WebKit processes once the board has been drawn, under Xvfb.
fn desktop_footprint(cli: &Path, big: &Path) -> Res {
    crate::install_packages(crate::DESKTOP_PACKAGES)?;
    let mut build = cargo();
    build.args(["build", "--release", "-p", "baton-desktop"]);
    step("cargo build --release -p baton-desktop", build)?;
    let app = root().join("target/release/baton-desktop");
    let dir = root().join("target/bench/desktop");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let demo = dir.join("demo.sqlite");
    let hundred_k = dir.join("big.sqlite");
    std::fs::copy(big, &hundred_k).map_err(|e| format!("{}: {e}", hundred_k.display()))?;
    let ok = |args: &[&str], db: &Path| -> Res {
        let out = Command::new(cli)
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .map_err(|e| format!("baton: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    ok(&["demo"], &demo)?;
    ok(
        &["people", "add", "Bench", "--role", "founder", "--me"],
        &hundred_k,
    )?;
    println!("\nDesktop footprint (PSS once the board is drawn, 20 s after start)");
    let small = footprint(&app, &demo)?;
    let large = footprint(&app, &hundred_k)?;
    for (what, f) in [("demo (80 records)", &small), ("100k deals", &large)] {
        println!(
            "  {what:<20} {:>6.0} MiB  (app {:.0}, web {:.0}, network {:.0})",
            f.iter().map(|(_, m)| m).sum::<f64>(),
            part(f, "baton-desktop"),
            part(f, "WebKitWebProces"),
            part(f, "WebKitNetworkPr")
        );
    }
    println!(
        "  100k over demo: {:+.0} MiB (target: within 50 MiB)",
        large.iter().map(|(_, m)| m).sum::<f64>() - small.iter().map(|(_, m)| m).sum::<f64>()
    );
    Ok(())
}

fn part(f: &[(String, f64)], name: &str) -> f64 {
    f.iter().filter(|(n, _)| n == name).map(|(_, m)| m).sum()
}

/// (process name, PSS in MiB) of the app's process tree on `db`, 20 s after it starts.
fn footprint(app: &Path, db: &Path) -> Result<Vec<(String, f64)>, String> {
    use std::os::unix::process::CommandExt;
    let mut run = Command::new("xvfb-run");
    run.args([
        "-a",
        "-s",
        "-screen 0 1280x820x24",
        "dbus-run-session",
        "--",
    ])
    .arg(app)
    .env("BATON_DB", db)
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .process_group(0);
    let mut child = run.spawn().map_err(|e| format!("xvfb-run: {e}"))?;
    std::thread::sleep(Duration::from_secs(20));
    let tree = descendants(child.id());
    let mut out = Vec::new();
    for pid in tree {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let comm = comm.trim().to_string();
        if !["baton-desktop", "WebKitWebProces", "WebKitNetworkPr"].contains(&comm.as_str()) {
            continue;
        }
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let kib: f64 = rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        out.push((comm, kib / 1024.0));
    }
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.wait();
    if out.is_empty() {
        return Err(format!("the app did not start on {}", db.display()));
    }
    Ok(out)
}

/// Every process below `root`, by parent id.
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|pid| {
                    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                    // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
                    let ppid = stat
                        .rsplit_once(')')?
                        .1
                        .split_whitespace()
                        .nth(1)?
                        .parse()
                        .ok()?;
                    Some((pid, ppid))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{figures, Figures};

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    /// Each option takes its figures; a typo or two options are refused with a sentence that
    /// names what was given and what is taken, instead of starting a run of every figure.
    #[test]
    fn the_bench_takes_one_known_option_or_none() {
        assert_eq!(figures(&[]), Ok(Figures::All));
        assert_eq!(figures(&args(&["--quick"])), Ok(Figures::Quick));
        assert_eq!(figures(&args(&["--team"])), Ok(Figures::Team));
        assert_eq!(figures(&args(&["--desktop"])), Ok(Figures::Desktop));
        let typo = figures(&args(&["--teams"])).unwrap_err();
        assert!(
            typo.contains("`--teams`") && typo.contains("--quick, --team or --desktop"),
            "{typo}"
        );
        let two = figures(&args(&["--quick", "--team"])).unwrap_err();
        assert!(two.contains("--quick --team"), "{two}");
    }
}
