//! Shipping: `icons` (every size from icons/baton.svg), `bundle` (the release app as .deb and
//! .rpm, its contents checked), `bundle --try-install` (that .deb installed and launched in a
//! clean Debian 12 made with debootstrap) and `screenshots` (the README's pictures, taken by the
//! end-to-end tier).

use crate::{cargo, install_packages, root, step, Counts, Res, DESKTOP_PACKAGES};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The .deb must stay small enough to download on a hotel network: 5 MiB. `BATON_DEB_LIMIT`
/// (bytes) sets another, to see the check refuse a package.
const DEB_LIMIT: u64 = 5 * 1024 * 1024;

/// The .rpm is packed as tightly as the .deb (xz, tauri.conf.json): at most a fifth larger.
const RPM_OVER_DEB: f64 = 1.2;

fn deb_limit() -> Result<u64, String> {
    match std::env::var("BATON_DEB_LIMIT") {
        Err(_) => Ok(DEB_LIMIT),
        Ok(v) => v
            .parse()
            .map_err(|_| format!("BATON_DEB_LIMIT={v:?} is not a number of bytes")),
    }
}

/// The PNG sizes a Linux desktop looks for (hicolor), each a file in icons/.
const PNG_SIZES: &[u32] = &[16, 24, 32, 48, 64, 128, 256, 512];
/// The sizes `cargo tauri icon` does not make by default (it makes 32, 64, 128, 256 as 128@2x, 512
/// as icon.png).
const EXTRA_PNG_SIZES: &[u32] = &[16, 24, 48, 256];

/// The screenshots the README shows, by the end-to-end journey's name for them.
const README_SHOTS: &[&str] = &[
    "02-board",
    "03-import-preview",
    "05-wizard-fields",
    "06-wizard-review",
    "12-health",
    "18-board-after-salesforce-import",
    "20-welcome-email-draft",
    "31-team-priya-my-tasks",
    "33-team-offline-banner",
    "34-team-settings-workspace",
];

fn output(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: could not start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Installs `cargo tauri` from crates.io when missing (a few minutes, once).
fn ensure_tauri_cli() -> Res {
    let present = cargo()
        .args(["tauri", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    let mut install = cargo();
    install.args(["install", "tauri-cli", "--version", "^2", "--locked"]);
    step(
        "cargo install tauri-cli (once; it takes a few minutes)",
        install,
    )
}

fn tauri() -> Command {
    let mut c = cargo();
    c.arg("tauri");
    c
}

/// `icons`: every icon the bundles need, rendered from the one source, icons/baton.svg.
pub fn icons() -> Res {
    let dir = root().join("icons");
    let svg = dir.join("baton.svg");
    ensure_tauri_cli()?;
    let mut all = tauri();
    all.arg("icon").arg(&svg).arg("--output").arg(&dir);
    step("cargo tauri icon (icns, ico and the PNGs)", all)?;
    let sizes: Vec<String> = EXTRA_PNG_SIZES.iter().map(u32::to_string).collect();
    let mut pngs = tauri();
    pngs.arg("icon")
        .arg(&svg)
        .arg("--output")
        .arg(&dir)
        .args(["--png", &sizes.join(",")]);
    step("cargo tauri icon --png (the hicolor sizes)", pngs)?;
    // Phone and store icons: Baton ships to desktops only.
    for extra in ["android", "ios"] {
        let _ = std::fs::remove_dir_all(dir.join(extra));
    }
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        // 128x128@2x would land in a 256x256@2 folder on Linux; 256x256.png is the same image.
        if name.starts_with("Square") || name == "StoreLogo.png" || name == "128x128@2x.png" {
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    eprintln!("icons: {}", dir.display());
    Ok(())
}

/// `bundle [--try-install]`: the release app as .deb and .rpm under target/release/bundle/.
pub fn bundle(args: &[String]) -> Res {
    let try_install = match args {
        [] => false,
        [flag] if flag == "--try-install" => true,
        _ => return Err("usage: cargo xtask bundle [--try-install]".into()),
    };
    if !cfg!(target_os = "linux") {
        return Err("`cargo xtask bundle` builds Linux packages; on Windows or macOS run `cargo tauri build` in src-tauri/ (the msi, nsis, dmg and app settings are in tauri.conf.json)".into());
    }
    install_packages(DESKTOP_PACKAGES)?;
    // `rpm` reads the .rpm back to check it.
    install_packages(&["rpm"])?;
    ensure_tauri_cli()?;
    let mut build = tauri();
    build
        .current_dir(root().join("src-tauri"))
        .args(["build", "--ci", "--bundles", "deb,rpm"]);
    step("cargo tauri build --bundles deb,rpm", build)?;
    finish_deb(&newest(&root().join("target/release/bundle/deb"), "deb")?)?;
    let deb = check_deb()?;
    let rpm = check_rpm(&deb)?;
    eprintln!("packages:\n  {}\n  {}", deb.display(), rpm.display());
    if try_install {
        try_install_on_debian(&deb)?;
    }
    Ok(())
}

/// Links `baton` to the app, which answers as the command line by that name (one binary ships,
/// not two), and packs the .deb again with xz, as Debian packs its own: Tauri's bundler writes
/// gzip, which leaves it about a quarter larger (measured: 9.0 MiB with gzip, see the README).
/// Every dpkg in a supported Debian or Ubuntu reads xz.
fn finish_deb(deb: &Path) -> Res {
    let work = root().join("target/release/bundle/deb/.repack");
    let _ = std::fs::remove_dir_all(&work);
    let before = deb.metadata().map_err(|e| e.to_string())?.len();
    let mut unpack = Command::new("dpkg-deb");
    unpack.arg("--raw-extract").arg(deb).arg(&work);
    step("dpkg-deb --raw-extract (to pack the .deb with xz)", unpack)?;
    let link = work.join("usr/bin/baton");
    std::os::unix::fs::symlink("baton-desktop", &link)
        .map_err(|e| format!("{}: {e}", link.display()))?;
    let mut pack = Command::new("dpkg-deb");
    pack.args(["--root-owner-group", "-Zxz", "-z9", "--build"])
        .arg(&work)
        .arg(deb);
    step("dpkg-deb --build -Zxz", pack)?;
    let _ = std::fs::remove_dir_all(&work);
    let after = deb.metadata().map_err(|e| e.to_string())?.len();
    eprintln!(
        "xz: {:.2} MiB -> {:.2} MiB",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0
    );
    Ok(())
}

fn newest(dir: &Path, ext: &str) -> Result<PathBuf, String> {
    std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .ok_or_else(|| format!("no .{ext} in {}", dir.display()))
}

/// Lists the .deb and checks what a user's system will get: the app and the command line, a
/// desktop entry, an icon at every size, webkit2gtk as a dependency, and the size limit.
fn check_deb() -> Result<PathBuf, String> {
    let deb = newest(&root().join("target/release/bundle/deb"), "deb")?;
    let size = deb.metadata().map_err(|e| e.to_string())?.len();
    let fields = output(
        Command::new("dpkg-deb").arg("--info").arg(&deb),
        "dpkg-deb --info",
    )?;
    let listing = output(
        Command::new("dpkg-deb").arg("--contents").arg(&deb),
        "dpkg-deb --contents",
    )?;
    // `-rwxr-xr-x root/root 1234 2026-11-24 12:00 ./usr/bin/baton-desktop`: files only, without
    // "./"; `lrwxrwxrwx root/root 0 2026-11-24 12:00 ./usr/bin/baton -> baton-desktop`: links.
    let files: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|f| f.trim_start_matches("./"))
        .collect();
    let links: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with('l'))
        .filter_map(|l| l.split_once(" ./").map(|(_, link)| link))
        .collect();
    let limit = deb_limit()?;
    println!("{}", deb.display());
    println!(
        "{size} bytes, {:.2} MiB (limit {limit} bytes, {:.2} MiB)",
        size as f64 / 1048576.0,
        limit as f64 / 1048576.0
    );
    for line in fields
        .lines()
        .filter(|l| l.trim_start().starts_with("Depends:"))
    {
        println!("{}", line.trim());
    }
    for f in files.iter().chain(&links) {
        println!("  {f}");
    }
    let mut problems = Vec::new();
    if size > limit {
        problems.push(format!("it is {size} bytes, over the {limit}-byte limit"));
    }
    if !fields.contains("libwebkit2gtk-4.1-0") {
        problems.push("it does not depend on libwebkit2gtk-4.1-0".into());
    }
    if !files.contains(&"usr/bin/baton-desktop") {
        problems.push("usr/bin/baton-desktop is missing".into());
    }
    if !links.contains(&"usr/bin/baton -> baton-desktop") {
        problems.push("usr/bin/baton is not a link to baton-desktop".into());
    }
    for px in PNG_SIZES {
        let icon = format!("usr/share/icons/hicolor/{px}x{px}/apps/baton-desktop.png");
        if !files.contains(&icon.as_str()) {
            problems.push(format!("the {px} px icon ({icon}) is missing"));
        }
    }
    match files
        .iter()
        .find(|f| f.starts_with("usr/share/applications/") && f.ends_with(".desktop"))
    {
        None => problems.push("there is no desktop entry".into()),
        Some(entry) => {
            let text = output(
                Command::new("sh").arg("-c").arg(format!(
                    "dpkg-deb --fsys-tarfile '{}' | tar -xO --wildcards '*{entry}'",
                    deb.display()
                )),
                "reading the desktop entry",
            )?;
            println!("{entry}:\n{text}");
            if !text.lines().any(|l| l == "Exec=baton-desktop") {
                problems.push(format!("{entry} does not run baton-desktop"));
            }
            if !text
                .lines()
                .any(|l| l.starts_with("Categories=") && l.contains("Office"))
            {
                problems.push(format!("{entry} is not in the Office category"));
            }
        }
    }
    if problems.is_empty() {
        Ok(deb)
    } else {
        Err(format!(
            "{} is not fit to ship: {}",
            deb.display(),
            problems.join("; ")
        ))
    }
}

/// Checks the .rpm beside `deb`: packed as tightly (at most a fifth larger), the app in it, and
/// its scripts linking `baton` to the app on install and removing the link on removal.
fn check_rpm(deb: &Path) -> Result<PathBuf, String> {
    let rpm = newest(&root().join("target/release/bundle/rpm"), "rpm")?;
    let size = rpm.metadata().map_err(|e| e.to_string())?.len();
    let deb_size = deb.metadata().map_err(|e| e.to_string())?.len();
    let query = |what: &str| {
        output(
            Command::new("rpm").args(["-qp", what]).arg(&rpm),
            &format!("rpm -qp {what}"),
        )
    };
    let listing = query("--list")?;
    let scripts = query("--scripts")?;
    let compressor = query("--queryformat=%{PAYLOADCOMPRESSOR}")?;
    println!("{}", rpm.display());
    println!(
        "{size} bytes, {:.2} MiB, {compressor} (the .deb: {deb_size} bytes)",
        size as f64 / 1048576.0
    );
    let mut problems = Vec::new();
    if size as f64 > deb_size as f64 * RPM_OVER_DEB {
        problems.push(format!(
            "it is {size} bytes, more than a fifth over the .deb's {deb_size}"
        ));
    }
    if !listing.lines().any(|l| l == "/usr/bin/baton-desktop") {
        problems.push("/usr/bin/baton-desktop is missing".into());
    }
    if !scripts.contains("ln -sf baton-desktop /usr/bin/baton") {
        problems.push("its post-install script does not link /usr/bin/baton".into());
    }
    if !scripts.contains("rm -f /usr/bin/baton") {
        problems.push("its post-remove script does not remove /usr/bin/baton".into());
    }
    if problems.is_empty() {
        Ok(rpm)
    } else {
        Err(format!(
            "{} is not fit to ship: {}",
            rpm.display(),
            problems.join("; ")
        ))
    }
}

/// Unmounts what the try-install mounted in the chroot, however it ends.
struct Mounts(Vec<PathBuf>);

impl Drop for Mounts {
    fn drop(&mut self) {
        for m in self.0.iter().rev() {
            let _ = Command::new("umount")
                .arg("--lazy")
                .arg(m)
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// Installs the .deb into a fresh Debian 12 (debootstrap, minbase) with apt, as a user would,
/// checks that every library the binaries need came with it, then launches the app under Xvfb
/// and waits for its window.
fn try_install_on_debian(deb: &Path) -> Res {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        return Err(
            "--try-install makes a Debian 12 chroot, which needs root; run it with sudo".into(),
        );
    }
    install_packages(&["debootstrap"])?;
    let work = root().join("target/debian12");
    let base = work.join("base");
    if !base.join("etc/debian_version").exists() {
        let _ = std::fs::remove_dir_all(&base);
        let mut boot = Command::new("debootstrap");
        boot.args(["--variant=minbase", "bookworm"])
            .arg(&base)
            .arg("http://deb.debian.org/debian");
        step("debootstrap a clean Debian 12 (once)", boot)?;
    }
    // Every try starts from a copy of the untouched base.
    let sys = work.join("try");
    // Where in the chroot, and what `mount` puts there.
    const MOUNTED: [(&str, &[&str]); 3] = [
        ("proc", &["-t", "proc", "proc"]),
        ("dev", &["--bind", "/dev"]),
        ("dev/pts", &["--bind", "/dev/pts"]),
    ];
    // A try that was killed may have left its mounts: never delete through a bound /dev.
    drop(Mounts(MOUNTED.iter().map(|(at, _)| sys.join(at)).collect()));
    let _ = std::fs::remove_dir_all(&sys);
    let mut copy = Command::new("cp");
    copy.arg("-a").arg(&base).arg(&sys);
    step("a fresh copy of the Debian 12 base", copy)?;
    std::fs::copy(deb, sys.join("tmp/baton.deb")).map_err(|e| e.to_string())?;
    std::fs::copy("/etc/resolv.conf", sys.join("etc/resolv.conf")).map_err(|e| e.to_string())?;
    let mut mounts = Mounts(Vec::new());
    for (at, what) in MOUNTED {
        let target = sys.join(at);
        let mut m = Command::new("mount");
        m.args(what).arg(&target);
        step(&format!("mount {at}"), m)?;
        mounts.0.push(target);
    }
    let inside = |what: &str, script: &str| {
        let mut c = Command::new("chroot");
        c.arg(&sys)
            .args(["/bin/sh", "-ec", script])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .env("HOME", "/root")
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env_remove("DISPLAY")
            .env_remove("DBUS_SESSION_BUS_ADDRESS");
        step(what, c)
    };
    inside(
        "apt install ./baton.deb (in Debian 12)",
        "apt-get update -q && apt-get install -y -q --no-install-recommends /tmp/baton.deb",
    )?;
    inside(
        "every library the binaries need is installed",
        "for b in /usr/bin/baton-desktop /usr/bin/baton; do \
           if ldd $b | grep 'not found'; then echo \"$b is missing libraries\"; exit 1; fi; done; \
         baton --version",
    )?;
    inside(
        "the command line works (demo workspace, handoffs)",
        "baton demo >/dev/null && baton handoffs | head -5",
    )?;
    // Only now the harness: a display to open the window on, and a tool to see it.
    inside(
        "launch under Xvfb and wait for the window titled Baton",
        "apt-get install -y -q --no-install-recommends xvfb xauth x11-utils dbus >/dev/null; \
         Xvfb :7 -screen 0 1400x900x24 -nolisten tcp & X=$!; sleep 2; \
         export DISPLAY=:7; dbus-run-session -- baton-desktop > /tmp/app.log 2>&1 & A=$!; \
         for i in $(seq 1 60); do \
           if xwininfo -root -tree | grep -q '\"Baton\"'; then \
             xwininfo -root -tree | grep '\"Baton\"'; kill $A $X; exit 0; fi; sleep 1; done; \
         cat /tmp/app.log; kill $A $X; echo 'no window titled Baton within 60 s'; exit 1",
    )?;
    eprintln!(
        "{} installs and launches on a clean Debian 12 ({})",
        deb.display(),
        sys.display()
    );
    Ok(())
}

/// `screenshots`: runs the end-to-end tier and copies the README's pictures from target/e2e/
/// into tests/e2e/screenshots/, so they are never older than the app.
pub fn screenshots() -> Res {
    let mut counts = Counts::default();
    crate::e2e::run(&mut counts, None)?;
    let from = root().join("target/e2e");
    let to = root().join("tests/e2e/screenshots");
    std::fs::create_dir_all(&to).map_err(|e| format!("{}: {e}", to.display()))?;
    for name in README_SHOTS {
        let src = from.join(format!("{name}.png"));
        let dst = to.join(format!("{}.png", &name[3..]));
        std::fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
        eprintln!("  {}", dst.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Width and height from a PNG's IHDR chunk.
    fn png_size(path: &Path) -> (u32, u32) {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            &bytes[..8],
            b"\x89PNG\r\n\x1a\n",
            "{} is not a PNG",
            path.display()
        );
        let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        (be(16), be(20))
    }

    #[test]
    fn the_bundles_get_an_icon_at_every_size_each_as_large_as_its_name_says() {
        let dir = root().join("src-tauri");
        let conf: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("tauri.conf.json")).unwrap())
                .unwrap();
        let mut sizes = Vec::new();
        let mut kinds = Vec::new();
        for icon in conf["bundle"]["icon"].as_array().unwrap() {
            let path = dir.join(icon.as_str().unwrap());
            let ext = path.extension().unwrap().to_str().unwrap().to_string();
            if ext == "png" {
                let (w, h) = png_size(&path);
                assert_eq!(w, h, "{} is not square", path.display());
                let stem = path.file_stem().unwrap().to_str().unwrap();
                if let Some((n, _)) = stem.split_once('x') {
                    assert_eq!(n.parse::<u32>().unwrap(), w, "{}", path.display());
                }
                sizes.push(w);
            } else {
                assert!(path.metadata().unwrap().len() > 0, "{}", path.display());
            }
            kinds.push(ext);
        }
        for px in PNG_SIZES {
            assert!(sizes.contains(px), "no {px} px icon in bundle.icon");
        }
        for ext in ["icns", "ico"] {
            assert!(
                kinds.iter().any(|k| k == ext),
                "no .{ext} for macOS/Windows"
            );
        }
        // tauri-codegen takes the first PNG as the window's icon: it must be the large one.
        let first = conf["bundle"]["icon"][0].as_str().unwrap();
        assert_eq!(png_size(&dir.join(first)), (512, 512));
        for target in ["deb", "rpm", "msi", "nsis", "dmg", "app"] {
            assert!(
                conf["bundle"]["targets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t == target),
                "no {target} bundle"
            );
        }
        // One binary ships: the .deb links `baton` to it (`finish_deb`), the .rpm's scripts do.
        let rpm = &conf["bundle"]["linux"]["rpm"];
        for (script, says) in [
            ("postInstallScript", "ln -sf baton-desktop /usr/bin/baton"),
            ("postRemoveScript", "rm -f /usr/bin/baton"),
        ] {
            let path = dir.join(rpm[script].as_str().unwrap());
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(says), "{}: {text}", path.display());
        }
        assert_eq!(rpm["compression"]["type"], "xz");
        for format in ["deb", "rpm"] {
            assert!(conf["bundle"]["linux"][format]["files"].is_null());
        }
        assert!(!conf["identifier"].as_str().unwrap().ends_with(".app"));
    }
}
