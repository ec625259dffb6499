//! A throwaway PostgreSQL for the test tiers: Debian's `postgresql` package, a cluster made with
//! `initdb` under `target/pg` (run as `nobody` when the tests run as root, as CI's do, since
//! PostgreSQL refuses root), listening on a free port on 127.0.0.1 with password
//! authentication and TLS (a self-signed certificate made for the run, so `sslmode=require`
//! connects and `verify-full` refuses it), and stopped when the run ends, failed or not.
//! In front of it, Debian's `pgbouncer` twice, as teams meet it at their providers: in
//! transaction mode (Supabase's port 6543, Neon's `-pooler` host) and in session mode.

use crate::{install_packages, root};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The password of the test cluster's `baton` superuser (the cluster lives for one run).
const PASSWORD: &str = "baton-tests";

pub(crate) struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    as_nobody: bool,
    port: u16,
    /// A script that runs `pg_ctl` on this cluster with its arguments (`stop -m immediate`,
    /// `start`): the fault tests stop the server under a running import, then start it again.
    ctl: PathBuf,
    /// The cluster's folder (the poolers' settings go there too).
    dir: PathBuf,
}

/// A PgBouncer in front of the cluster, stopped when dropped.
pub(crate) struct Pooler {
    child: std::process::Child,
    port: u16,
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The newest PostgreSQL's programs (`/usr/lib/postgresql/N/bin`).
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

/// Whether every folder above `dir` lets other users through (`nobody` must reach the cluster).
fn reachable_by_others(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    dir.ancestors()
        .skip(1)
        .all(|a| std::fs::metadata(a).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_nobody {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    /// Makes and starts the cluster.
    pub(crate) fn start() -> Result<Cluster, String> {
        install_packages(&["postgresql", "openssl"])?;
        let bin = bin_dir().ok_or("PostgreSQL's programs are not in /usr/lib/postgresql/*/bin")?;
        let as_nobody = is_root();
        let mut dir = root().join("target/pg");
        if as_nobody && !reachable_by_others(&dir) {
            dir = std::env::temp_dir().join(format!("baton-pg-{}", std::process::id()));
        }
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let pwfile = dir.join("password");
        std::fs::write(&pwfile, format!("{PASSWORD}\n")).map_err(|e| e.to_string())?;
        // The server's certificate, self-signed, for this run only.
        let made = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args(["-subj", "/CN=baton-test-server"])
            .arg("-keyout")
            .arg(dir.join("server.key"))
            .arg("-out")
            .arg(dir.join("server.crt"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("openssl: {e}"))?;
        if !made.success() {
            return Err("openssl could not make the test server's certificate".into());
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("server.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .map_err(|e| e.to_string())?;
        if as_nobody {
            let status = Command::new("chown")
                .args(["-R", "65534:65534"])
                .arg(&dir)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("could not give {} to nobody", dir.display()));
            }
        }
        let port = free_port()?;
        let cluster = Cluster {
            bin,
            data: dir.join("data"),
            as_nobody,
            port,
            ctl: dir.join("ctl"),
            dir: dir.clone(),
        };
        let out = cluster
            .command("initdb")
            .arg("-D")
            .arg(&cluster.data)
            .args(["-U", "baton", "-E", "UTF8", "--locale=C.UTF-8"])
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let ctl = format!(
            "#!/bin/sh\nexec {setpriv}{bin}/pg_ctl -D {data} -l {dir}/server.log -w -t 300 -o '-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off -c ssl=on -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key' \"$@\"\n",
            setpriv = if as_nobody { "setpriv --reuid=65534 --regid=65534 --clear-groups " } else { "" },
            bin = cluster.bin.display(),
            data = cluster.data.display(),
            dir = dir.display(),
        );
        std::fs::write(&cluster.ctl, ctl).map_err(|e| format!("{}: {e}", cluster.ctl.display()))?;
        std::fs::set_permissions(&cluster.ctl, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| e.to_string())?;
        let status = Command::new(&cluster.ctl)
            .arg("start")
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if !status.success() {
            return Err(format!(
                "PostgreSQL did not start; see {}",
                dir.join("server.log").display()
            ));
        }
        eprintln!(
            "==> PostgreSQL {} on 127.0.0.1:{port} ({})",
            cluster.bin.display(),
            dir.display()
        );
        Ok(cluster)
    }

    /// The script that runs `pg_ctl` on the cluster (`BATON_TEST_PG_CTL`).
    pub(crate) fn ctl(&self) -> &Path {
        &self.ctl
    }

    /// The port the cluster listens on (127.0.0.1).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's address, for the tests (`BATON_TEST_PG`).
    pub(crate) fn url(&self) -> String {
        format!(
            "postgres://baton:{PASSWORD}@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// Starts PgBouncer in `mode` (`transaction` or `session`) in front of the cluster, every
    /// database of it behind one port, passwords checked with SCRAM: the superuser's from its
    /// file, every other login's (each teammate's own) looked up in the cluster as a hosted
    /// pooler does (`auth_query`).
    pub(crate) fn pooler(&self, mode: &str) -> Result<Pooler, String> {
        install_packages(&["pgbouncer"])?;
        let port = free_port()?;
        let users = self.dir.join("pgbouncer-users.txt");
        std::fs::write(&users, format!("\"baton\" \"{PASSWORD}\"\n")).map_err(|e| e.to_string())?;
        let ini = self.dir.join(format!("pgbouncer-{mode}.ini"));
        std::fs::write(
            &ini,
            format!(
                "[databases]\n* = host=127.0.0.1 port={cluster}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\nauth_type = scram-sha-256\nauth_file = {users}\nauth_user = baton\nauth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=$1\npool_mode = {mode}\nmax_client_conn = 200\ndefault_pool_size = 10\nignore_startup_parameters = extra_float_digits\nlogfile = {log}\n",
                cluster = self.port,
                users = users.display(),
                log = self.dir.join(format!("pgbouncer-{mode}.log")).display(),
            ),
        )
        .map_err(|e| e.to_string())?;
        if self.as_nobody {
            for f in [&users, &ini] {
                let _ = Command::new("chown").arg("65534:65534").arg(f).status();
            }
        }
        // PgBouncer refuses to run as root: as the cluster, it runs as nobody then.
        let mut c = if self.as_nobody {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "pgbouncer",
            ]);
            c
        } else {
            Command::new("pgbouncer")
        };
        let child = c
            .arg(&ini)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("pgbouncer: {e}"))?;
        let mut pooler = Pooler { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                eprintln!("==> PgBouncer ({mode} mode) on 127.0.0.1:{port}");
                return Ok(pooler);
            }
            if let Ok(Some(status)) = pooler.child.try_wait() {
                return Err(format!(
                    "pgbouncer ({mode} mode) stopped at once ({status}); see {}",
                    self.dir.display()
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err(format!(
            "pgbouncer ({mode} mode) did not listen on port {port} within 5 seconds"
        ))
    }
}

impl Pooler {
    /// The superuser's address through this pooler.
    pub(crate) fn url(&self) -> String {
        format!(
            "postgres://baton:{PASSWORD}@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }
}

impl Drop for Pooler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
