//! What a teammate waits for on a team workspace, on the connection the app keeps open: a
//! hand-off, a checklist tick, the board, My tasks, a record, health. `cargo xtask bench
//! --team` runs it (release, `cargo bench --bench round_trips`) twice: on the server's own
//! address and through its delay proxy, then prints the two side by side against the targets.
//!
//! Arguments: the team workspace's address, then the ids of deals waiting in Contract Sent
//! with their checklist filled (each is handed off once). Who "me" is: the address's login
//! (Dee Delivery's, in the bench).
//! Prints one line per action: `name seconds` (the median of its runs, the first run of each
//! — which prepares its statements — left out, as the app's open connection has them).

use baton::{Origin, RecordId, RecordKind, SystemClock, Workspace};
use std::time::{Duration, Instant};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (url, ids) = args
        .split_first()
        .ok_or("usage: round_trips URL DEAL_ID...")?;
    let ids: Vec<RecordId> = ids
        .iter()
        .map(|i| {
            i.parse::<i64>()
                .map(RecordId)
                .map_err(|e| format!("{i}: {e}"))
        })
        .collect::<Result<_, _>>()?;
    if ids.len() < 2 {
        return Err("give at least two deals to hand off".into());
    }
    let url = baton::team::TeamUrl::parse(url).map_err(|e| e.to_string())?;
    let opened = Instant::now();
    let ws = Workspace::open_team(&url, SystemClock).map_err(|e| e.to_string())?;
    let opening = opened.elapsed();
    let e = |e: baton::Error| e.to_string();
    let time = |f: &mut dyn FnMut() -> Result<(), String>, runs: usize| {
        f()?;
        let mut took = vec![];
        for _ in 0..runs {
            let started = Instant::now();
            f()?;
            took.push(started.elapsed());
        }
        Ok::<_, String>(median(took))
    };
    println!("open {:.3}", opening.as_secs_f64());
    let mut next = ids.iter();
    let hand_off = time(
        &mut || {
            let id = *next.next().ok_or("more deals are needed")?;
            let done = ws
                .records()
                .move_to(id, "Closed Won", Origin::App)
                .map_err(e)?;
            if done.handed_off != 1 {
                return Err(format!("deal {} was not handed off: {done:?}", id.0));
            }
            Ok(())
        },
        ids.len() - 1,
    )?;
    println!("hand-off {:.3}", hand_off.as_secs_f64());
    let task = ws
        .handoffs()
        .tasks(Some("me"), true)
        .map_err(e)?
        .first()
        .map(|t| t.id)
        .ok_or("the hand-offs gave Dee no task")?;
    let mut done = false;
    let tick = time(
        &mut || {
            done = !done;
            ws.handoffs()
                .check_item(task, 1, done, Origin::App)
                .map_err(e)
        },
        5,
    )?;
    println!("tick {:.3}", tick.as_secs_f64());
    let board = time(
        &mut || {
            ws.records()
                .board(RecordKind::Deal, "")
                .map(|_| ())
                .map_err(e)
        },
        5,
    )?;
    println!("board {:.3}", board.as_secs_f64());
    let mine = time(
        &mut || ws.handoffs().tasks(Some("me"), true).map(|_| ()).map_err(e),
        5,
    )?;
    println!("my-tasks {:.3}", mine.as_secs_f64());
    let record = time(
        &mut || ws.records().detail(ids[0]).map(|_| ()).map_err(e),
        5,
    )?;
    println!("record {:.3}", record.as_secs_f64());
    let health = time(
        &mut || {
            ws.health()
                .weeks(12, baton::STUCK_DAYS)
                .map(|_| ())
                .map_err(e)
        },
        5,
    )?;
    println!("health {:.3}", health.as_secs_f64());
    Ok(())
}
