//! The Docker engine and the local images of the integration environment (`cargo xtask
//! setup`), and the read-only check that `cargo xtask integration` runs first.
//!
//! No image registry is needed: both images are built here from what `setup` installs.
//! - `livekit/livekit-server:<pinned version>`: the server built by `go install` with
//!   `CGO_ENABLED=0` (a static binary) and the system's CA bundle, `FROM scratch`, with the
//!   official image's entry point (`/livekit-server`). It carries the name of the official
//!   image so that `LiveKitServer::default()` uses it; a machine that can pull gets the same
//!   release either way.
//! - `redis:7.0`: Debian's `redis-server` (7.0.x on bookworm) and the libraries it links, as
//!   `ldd` lists them, `FROM scratch`.
//!
//! An image is built only when `docker image inspect` does not find its tag; the LiveKit tag
//! is the pinned version, so changing the pin rebuilds it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use livekit_server_testcontainers::{LIVEKIT_SERVER_IMAGE, REDIS_IMAGE, REDIS_TAG};

use crate::setup::{self, LIVEKIT_SERVER_VERSION};
use crate::util;

/// The label of the images built here.
const BUILT_BY: &str = "io.github.livekit-server-rs.built-by=cargo-xtask-setup";

/// How long a daemon started here gets to answer.
const DAEMON_READY: Duration = Duration::from_secs(60);

/// `name:tag` of the LiveKit image.
pub(crate) fn livekit_image() -> String {
    format!("{LIVEKIT_SERVER_IMAGE}:{LIVEKIT_SERVER_VERSION}")
}

/// `name:tag` of the Redis image.
pub(crate) fn redis_image() -> String {
    format!("{REDIS_IMAGE}:{REDIS_TAG}")
}

/// Whether the engine answers (`docker info`), with docker's words when it does not.
pub(crate) fn engine_answers() -> Result<(), String> {
    if setup::which("docker").is_none() {
        return Err("there is no docker CLI (the Debian package docker.io)".to_owned());
    }
    util::output(Command::new("docker").args(["info", "--format", "{{.ServerVersion}}"]))
        .map(drop)
        .map_err(|error| format!("the Docker engine does not answer: {error}"))
}

/// Whether the image `name:tag` is in the engine.
pub(crate) fn image_present(image: &str) -> bool {
    util::succeeds(Command::new("docker").args(["image", "inspect", image]))
}

/// Starts `dockerd` in the background when the engine does not answer, and waits for it.
/// The daemon outlives the xtask (it is a service, like a system's); its log is
/// `target/dockerd.log`.
pub(crate) fn ensure_engine(root: &Path) -> Result<(), String> {
    if engine_answers().is_ok() {
        return Ok(());
    }
    let dockerd = setup::which("dockerd").ok_or(
        "the Docker engine does not answer and there is no dockerd (the Debian package docker.io)",
    )?;
    let log_path = root.join("target/dockerd.log");
    std::fs::create_dir_all(root.join("target"))
        .map_err(|error| format!("cannot create target/: {error}"))?;
    let log = std::fs::File::create(&log_path)
        .map_err(|error| format!("cannot create {}: {error}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|error| format!("cannot share the log file: {error}"))?;
    util::note(&format!(
        "setup: starting dockerd in the background (log: {})",
        log_path.display()
    ));
    let mut command = Command::new(dockerd);
    command.stdin(Stdio::null()).stdout(log).stderr(log_err);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        // Its own process group: a Ctrl-C of the xtask's terminal does not reach it.
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .map_err(|error| format!("cannot start dockerd: {error}"))?;
    let deadline = Instant::now() + DAEMON_READY;
    loop {
        if engine_answers().is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "dockerd exited ({status}); see {}",
                log_path.display()
            ));
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "dockerd did not answer within {DAEMON_READY:?}; see {}",
                log_path.display()
            ));
        }
        sleep(Duration::from_millis(200));
    }
}

/// Builds the images that are missing.
pub(crate) fn build_images(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let mut built = Vec::new();
    if !image_present(&livekit_image()) {
        let context = fresh_context(root, "livekit-server")?;
        copy(&setup::server_binary(root), &context.join("livekit-server"))?;
        copy(Path::new(CA_BUNDLE), &context.join("ca-certificates.crt"))?;
        util::write(
            &context.join("Dockerfile"),
            &format!(
                "FROM scratch\nLABEL {BUILT_BY}\n\
                 COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n\
                 COPY livekit-server /livekit-server\n\
                 ENTRYPOINT [\"/livekit-server\"]\n"
            ),
        )?;
        build(&livekit_image(), &context)?;
        built.push(livekit_image());
    }
    if !image_present(&redis_image()) {
        let redis = setup::which("redis-server").ok_or("redis-server is not installed")?;
        let version = util::output(Command::new(&redis).arg("--version"))?;
        if !version.contains(&format!("v={REDIS_TAG}.")) {
            return Err(format!(
                "the image {} is built from the system's redis-server, which is not {REDIS_TAG}.x: {}",
                redis_image(),
                version.trim()
            ));
        }
        let context = fresh_context(root, "redis")?;
        copy(&redis, &context.join("root/usr/local/bin/redis-server"))?;
        for library in linked_libraries(&redis)? {
            let relative = library.strip_prefix("/").unwrap_or(&library);
            copy(&library, &context.join("root").join(relative))?;
        }
        util::write(
            &context.join("Dockerfile"),
            &format!("FROM scratch\nLABEL {BUILT_BY}\nCOPY root/ /\nENV PATH=/usr/local/bin\n"),
        )?;
        build(&redis_image(), &context)?;
        built.push(redis_image());
    }
    if !built.is_empty() {
        util::note(&format!(
            "setup: built {} in {:.1?}",
            built.join(" and "),
            started.elapsed()
        ));
    }
    Ok(())
}

/// The CA bundle copied into the LiveKit image (Debian's `ca-certificates`).
const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn fresh_context(root: &Path, name: &str) -> Result<PathBuf, String> {
    let dir = root.join("target/images").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    Ok(dir)
}

/// Copies a file (following links), creating the folders.
fn copy(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
    }
    std::fs::copy(from, to).map(drop).map_err(|error| {
        format!(
            "cannot copy {} to {}: {error}",
            from.display(),
            to.display()
        )
    })
}

/// The absolute paths `ldd` lists for a program (the loader included).
fn linked_libraries(program: &Path) -> Result<Vec<PathBuf>, String> {
    let listing = util::output(Command::new("ldd").arg(program))?;
    Ok(parse_ldd(&listing))
}

fn parse_ldd(listing: &str) -> Vec<PathBuf> {
    listing
        .lines()
        .filter_map(|line| {
            line.split_whitespace()
                .find(|word| word.starts_with('/'))
                .map(PathBuf::from)
        })
        .collect()
}

fn build(image: &str, context: &Path) -> Result<(), String> {
    util::note(&format!("setup: docker build -t {image}"));
    util::run(
        Command::new("docker")
            .args(["build", "--quiet", "--tag", image])
            .arg(context),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_listings_give_the_library_paths() {
        let listing = "\tlinux-vdso.so.1 (0x00007ffd)\n\
            \tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f4f)\n\
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f4f)\n";
        assert_eq!(
            parse_ldd(listing),
            vec![
                PathBuf::from("/lib/x86_64-linux-gnu/libm.so.6"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2"),
            ]
        );
    }

    #[test]
    fn image_names_carry_the_pins() {
        assert_eq!(
            livekit_image(),
            format!("livekit/livekit-server:{LIVEKIT_SERVER_VERSION}")
        );
        assert_eq!(redis_image(), "redis:7.0");
    }
}
