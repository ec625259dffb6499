//! Nothing leaves the laptop unless the user says so: with no team database and no webhook
//! configured, an import, a hand-off and every file Baton writes for other apps run without
//! opening a network socket. The real `baton` binary runs under a seccomp filter that kills it
//! the moment it asks for an IPv4 or IPv6 socket (no strace needed); a sanity check shows the
//! filter does kill a process that opens one.
#![cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]

mod common;

use common::Cli;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus};

/// Installs, in the child about to exec, a filter that kills the process on
/// `socket(AF_INET | AF_INET6, …)`; every other call is allowed.
fn no_network_sockets(cmd: &mut Command) {
    fn stmt(code: u32, k: u32) -> libc::sock_filter {
        libc::sock_filter {
            code: code as u16,
            jt: 0,
            jf: 0,
            k,
        }
    }
    fn jeq(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
        libc::sock_filter {
            code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
            jt,
            jf,
            k,
        }
    }
    let load = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    // struct seccomp_data: nr at 0, arch at 4, instruction pointer at 8, args from 16 (the
    // low 32 bits of args[0], the address family, at 16 on these little-endian targets).
    let program = [
        stmt(load, 0),
        jeq(libc::SYS_socket as u32, 0, 3),
        stmt(load, 16),
        jeq(libc::AF_INET as u32, 2, 0),
        jeq(libc::AF_INET6 as u32, 1, 0),
        stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW),
        stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_KILL_PROCESS),
    ];
    // A jump skips that many instructions: a call that is not socket() skips 3, to ALLOW; an
    // AF_INET or AF_INET6 family lands on KILL.
    // SAFETY: between fork and exec only async-signal-safe prctl calls run; `prog` points at
    // `program`, which the closure owns, for the duration of the calls.
    unsafe {
        cmd.pre_exec(move || {
            let prog = libc::sock_fprog {
                len: program.len() as u16,
                filter: program.as_ptr() as *mut libc::sock_filter,
            };
            let prog_addr = &prog as *const libc::sock_fprog as usize;
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    prog_addr,
                    0,
                    0,
                ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn guarded(cli: &Cli, args: &[&str]) -> ExitStatus {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.arg("--db")
        .arg(&cli.db)
        .args(args)
        .env("BATON_NOW", "2026-03-05T09:00:00Z")
        .env_remove("BATON_DB")
        .stdout(std::process::Stdio::null());
    no_network_sockets(&mut cmd);
    cmd.status().unwrap()
}

#[test]
fn the_guard_kills_a_process_that_opens_a_network_socket() {
    let mut cmd = Command::new("bash");
    cmd.args(["-c", "exec 3<>/dev/tcp/127.0.0.1/9; echo connected"]);
    no_network_sockets(&mut cmd);
    let status = cmd.status().expect("bash");
    assert_eq!(
        status.signal(),
        Some(libc::SIGSYS),
        "killed by the filter: {status:?}"
    );
}

#[test]
fn an_import_a_hand_off_and_the_files_for_other_apps_open_no_network_socket() {
    let cli = Cli::new();
    cli.team();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hubspot_deals.csv"
    );
    let dir = cli.dir.path();
    let file = |name: &str| dir.join(name).display().to_string();
    let steps: Vec<Vec<String>> = vec![
        vec!["import".into(), fixture.into()],
        vec![
            "add",
            "--kind",
            "deal",
            "Acme",
            "--stage",
            "Contract Sent",
            "--owner",
            "Sam Seller",
            "buyer_goals=Faster onboarding",
            "main_contact=Ana",
            "contact_email=ana@acme.example",
            "signed_scope=SOW",
            "start_date=2026-03-16",
            "promised_deliverables=3 dashboards",
            "pricing_exceptions=None",
            "risk_notes=None",
            "kickoff_preference=Video call",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    ];
    for args in &steps {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let status = guarded(&cli, &args);
        assert!(
            status.success(),
            "baton {args:?} under the guard: {status:?}"
        );
    }
    let records = cli.json(&["records", "--json"]);
    let acme = records
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Acme")
        .unwrap()["id"]
        .to_string();
    for args in [
        vec!["move", acme.as_str(), "closedwon"],
        vec!["draft", acme.as_str(), "--eml", &file("w.eml")],
        vec!["brief", acme.as_str(), "--format", "eml"],
        vec!["draft", acme.as_str(), "--sent"],
        vec!["writeback", "--crm", "hubspot", &file("updates.csv")],
    ] {
        let status = guarded(&cli, &args);
        assert!(
            status.success(),
            "baton {args:?} under the guard: {status:?}"
        );
    }
    let t = cli.json(&["tasks", "--assignee", "Dee Delivery", "--json"])[0]["id"].to_string();
    let status = guarded(&cli, &["invite", &t, "--ics", &file("k.ics")]);
    assert!(status.success(), "invite under the guard: {status:?}");
    let handoffs = cli.json(&["handoffs", "--json"]);
    assert!(
        handoffs
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["status"] == "handed_off" && h["to_owner"] == "Dee Delivery"),
        "the hand-off happened: {handoffs}"
    );
    assert!(dir.join("w.eml").exists() && dir.join("k.ics").exists());
}
