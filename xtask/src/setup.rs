//! `cargo xtask setup`: install, idempotently, what the integration tests need; and the
//! read-only check that `cargo xtask integration` and `cargo xtask up` run first.
//!
//! What is installed, and from where (docs/integration.md explains it for people):
//! - Debian packages `docker.io`, `ca-certificates`, `redis-server` and `chromium` (apt-get,
//!   when their programs are missing); the Docker daemon is started when it does not answer;
//! - a Python virtual environment in `.venv/` with `tests/peers/python/requirements.txt`
//!   (pip, when a pinned version is not installed);
//! - the Node peers' `node_modules/` (`npm ci` in `tests/peers/node`, when missing or older
//!   than its `package-lock.json`);
//! - the LiveKit server [`LIVEKIT_SERVER_VERSION`], built with `go install` and
//!   `CGO_ENABLED=0` (a static binary, for a `FROM scratch` image) into
//!   `target/livekit-server/<version>/static/server` (when not there yet);
//! - the container images of the integration environment, `livekit/livekit-server:<version>`
//!   and `redis:7.0`, built locally when missing (see `docker.rs`);
//! - the Go protojson oracle of `tests/peers/go` (the protocol's Go types and Go's protojson,
//!   which `livekit-server-proto`'s differential test decodes with), built with `go build`
//!   into `target/protojson-oracle/` (Go's build cache makes an unchanged rebuild quick).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::{docker, util};

/// The LiveKit server release the integration tests run against: pinned once, in
/// `livekit-server-testcontainers` (the default image tag of its users' tests too). v1.13.6
/// and later cannot be built through the Go module proxy (their `replace` directives point at
/// forks it refuses).
pub(crate) const LIVEKIT_SERVER_VERSION: &str =
    livekit_server_testcontainers::LIVEKIT_SERVER_VERSION;

/// What to run when the environment is incomplete.
pub(crate) const RUN_SETUP: &str = "run `cargo xtask setup` to install it (Docker, the images, \
     the peers; docs/integration.md)";

/// The Go package that `go install` builds into a binary named `server`.
const LIVEKIT_SERVER_PACKAGE: &str = "github.com/livekit/livekit-server/cmd/server";

/// The Python peers' pinned requirements.
const REQUIREMENTS: &str = "tests/peers/python/requirements.txt";

/// The virtual environment the Python peers run in (git-ignored).
const VENV: &str = ".venv";

/// The Node packages the tests use (each with its `package.json` and `package-lock.json`): the
/// Node peer SDK, and the browser page of the application server's end-to-end test.
const NODE_PACKAGES: &[&str] = &["tests/peers/node", "crates/livekit-app-server/e2e"];

/// A Debian package and the programs that show it is installed (any one of them).
#[derive(Debug)]
struct AptPackage {
    package: &'static str,
    programs: &'static [&'static str],
}

const APT_PACKAGES: &[AptPackage] = &[
    // The engine the containers run in (the CLI is checked by `docker info`).
    AptPackage {
        package: "docker.io",
        programs: &["dockerd"],
    },
    // The CA bundle the LiveKit image carries (/etc/ssl/certs/ca-certificates.crt).
    AptPackage {
        package: "ca-certificates",
        programs: &["update-ca-certificates"],
    },
    // The binary the Redis image is made of.
    AptPackage {
        package: "redis-server",
        programs: &["redis-server"],
    },
    AptPackage {
        package: "chromium",
        programs: &["chromium", "chromium-browser", "google-chrome"],
    },
];

/// The Go program that decodes protojson as the server does (`tests/peers/go`).
const PROTOJSON_ORACLE_SOURCE: &str = "tests/peers/go";

/// Where `cargo xtask setup` builds it; `livekit-server-proto`'s `protojson_go` test looks here.
pub(crate) fn protojson_oracle(root: &Path) -> PathBuf {
    root.join("target/protojson-oracle/protojson-oracle")
}

/// Where the pinned server binary is cached (static: it goes into a `FROM scratch` image).
pub(crate) fn server_binary(root: &Path) -> PathBuf {
    root.join("target/livekit-server")
        .join(LIVEKIT_SERVER_VERSION)
        .join("static/server")
}

/// The programs the tests run besides the containers, as found by [`check`].
#[derive(Debug)]
pub(crate) struct Tools {
    /// The virtual environment's interpreter, with the Python peers' packages.
    pub(crate) python: PathBuf,
    /// A Chromium for the browser tests.
    pub(crate) chromium: Option<PathBuf>,
}

/// `cargo xtask setup`.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    install_apt_packages()?;
    install_python(root)?;
    install_node(root)?;
    install_server(root)?;
    install_protojson_oracle(root)?;
    docker::ensure_engine(root)?;
    docker::build_images(root)?;
    check(root).map(|_| util::note("setup: everything the integration tests need is installed"))
}

/// Checks, without installing anything, that the environment can start: the engine answers and
/// has both images, the peers are installed. The error lists every missing piece and names
/// `cargo xtask setup`.
pub(crate) fn check(root: &Path) -> Result<Tools, String> {
    let mut missing = Vec::new();
    let chromium = APT_PACKAGES
        .iter()
        .find(|p| p.package == "chromium")
        .and_then(|package| package.programs.iter().find_map(|p| which(p)));
    if chromium.is_none() {
        missing.push("the Debian package chromium".to_owned());
    }
    match docker::engine_answers() {
        Ok(()) => {
            for image in [docker::livekit_image(), docker::redis_image()] {
                if !docker::image_present(&image) {
                    missing.push(format!("the container image {image}"));
                }
            }
        }
        Err(error) => missing.push(error),
    }
    let python = venv_python(root);
    match python_drift(root) {
        Ok(drift) if drift.is_empty() => {}
        Ok(drift) => missing.push(format!("Python packages in {VENV}/: {}", drift.join(", "))),
        Err(error) => missing.push(error),
    }
    if let Err(error) = node_fresh(root) {
        missing.push(error);
    }
    if !protojson_oracle(root).is_file() {
        missing.push(format!(
            "the Go protojson oracle ({})",
            protojson_oracle(root).display()
        ));
    }
    if !missing.is_empty() {
        return Err(format!(
            "the integration environment is incomplete:\n  - {}\n{RUN_SETUP}",
            missing.join("\n  - ")
        ));
    }
    Ok(Tools { python, chromium })
}

// ---------------------------------------------------------------------------------------------
// Debian packages.

fn install_apt_packages() -> Result<(), String> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|p| !p.programs.iter().any(|program| which(program).is_some()))
        .map(|p| p.package)
        .collect();
    apt_install(&missing)
}

/// Installs the `missing` packages with apt-get (through `sudo` unless running as root).
fn apt_install(missing: &[&str]) -> Result<(), String> {
    if missing.is_empty() {
        return Ok(());
    }
    if which("apt-get").is_none() {
        return Err(format!(
            "missing {}, and there is no apt-get here: install them with your package manager",
            missing.join(", ")
        ));
    }
    util::note(&format!(
        "setup: installing {} with apt-get",
        missing.join(", ")
    ));
    let root_user = util::output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if root_user {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    util::run(&mut apt(&["update"]))?;
    let mut install = apt(&["install", "-y", "--no-install-recommends"]);
    install.args(missing);
    util::run(&mut install)
}

// ---------------------------------------------------------------------------------------------
// Python.

fn venv_python(root: &Path) -> PathBuf {
    root.join(VENV).join("bin/python")
}

/// `(name, Some(version))` for each `name==version` line of the requirements, `None` for an
/// unpinned one. Extras and environment markers are dropped.
fn python_pins(root: &Path) -> Result<Vec<(String, Option<String>)>, String> {
    let text = util::read(&root.join(REQUIREMENTS))?;
    let mut pins = Vec::new();
    for line in util::list_lines(&text) {
        let line = line.split(';').next().unwrap_or_default().trim();
        if line.starts_with('-') {
            continue;
        }
        let (name, version) = match line.split_once("==") {
            Some((name, version)) => (name, Some(version.trim().to_owned())),
            None => (
                line.split(['<', '>', '~', '!', '='])
                    .next()
                    .unwrap_or_default(),
                None,
            ),
        };
        let name = name.split('[').next().unwrap_or_default().trim();
        if !name.is_empty() {
            pins.push((name.to_owned(), version));
        }
    }
    Ok(pins)
}

/// The requirements the virtual environment does not satisfy (empty when it is up to date).
fn python_drift(root: &Path) -> Result<Vec<String>, String> {
    let pins = python_pins(root)?;
    let python = venv_python(root);
    if !python.exists() {
        return Err(format!(
            "the Python virtual environment {VENV}/ does not exist"
        ));
    }
    const SCRIPT: &str = "import sys, importlib.metadata as m\n\
        for name in sys.argv[1:]:\n\
        \x20   try:\n\
        \x20       print(name, m.version(name))\n\
        \x20   except m.PackageNotFoundError:\n\
        \x20       print(name, '-')\n";
    let mut command = Command::new(&python);
    command
        .args(["-c", SCRIPT])
        .args(pins.iter().map(|(name, _)| name));
    let installed = util::output(&mut command)?;
    let mut drift = Vec::new();
    for ((name, pinned), line) in pins.iter().zip(installed.lines()) {
        let have = line.split_whitespace().nth(1).unwrap_or("-");
        match pinned {
            _ if have == "-" => drift.push(format!("{name} (not installed)")),
            Some(want) if want != have => drift.push(format!("{name} {have} (want {want})")),
            _ => {}
        }
    }
    Ok(drift)
}

fn install_python(root: &Path) -> Result<(), String> {
    let venv = root.join(VENV);
    // A complete environment is kept as it is, with or without pip (`uv venv` makes none).
    if venv_python(root).exists() && python_drift(root)?.is_empty() {
        return Ok(());
    }
    if !util::succeeds(Command::new(venv_python(root)).args(["-m", "pip", "--version"])) {
        let python =
            which("python3").ok_or("python3 is not installed (needed for the Python peers)")?;
        // Debian's python3 leaves `venv`'s pip bootstrap (ensurepip) to python3-venv; without
        // it `python3 -m venv` fails half-way, leaving an environment without pip, which is
        // why one without pip is made again rather than trusted.
        if !util::succeeds(Command::new(&python).args(["-c", "import ensurepip"])) {
            apt_install(&["python3-venv"])?;
        }
        if venv.exists() {
            std::fs::remove_dir_all(&venv)
                .map_err(|e| format!("cannot remove {} (it has no pip): {e}", venv.display()))?;
        }
        util::note(&format!(
            "setup: creating the virtual environment {}",
            venv.display()
        ));
        util::run(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
        if python_drift(root)?.is_empty() {
            return Ok(());
        }
    }
    util::note(&format!("setup: installing {REQUIREMENTS} into {VENV}/"));
    util::run(
        Command::new(venv_python(root))
            .args(["-m", "pip", "install", "--disable-pip-version-check", "-r"])
            .arg(root.join(REQUIREMENTS)),
    )?;
    let drift = python_drift(root)?;
    if drift.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "pip ran but {VENV}/ still lacks: {}",
            drift.join(", ")
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Node.

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Whether every Node package's `node_modules` matches its lock file.
fn node_fresh(root: &Path) -> Result<(), String> {
    NODE_PACKAGES
        .iter()
        .try_for_each(|package| node_package_fresh(root, package))
}

/// Whether `node_modules` matches the lock file (no lock file: nothing to check).
fn node_package_fresh(root: &Path, package: &str) -> Result<(), String> {
    let dir = root.join(package);
    let lock_path = dir.join("package-lock.json");
    let Some(lock) = modified(&lock_path) else {
        return Ok(());
    };
    // With no dependency at all, npm installs nothing (not even node_modules/).
    let parsed: serde_json::Value = serde_json::from_str(&util::read(&lock_path)?)
        .map_err(|error| format!("{} is not JSON: {error}", lock_path.display()))?;
    if parsed["packages"]
        .as_object()
        .is_some_and(|packages| packages.keys().all(String::is_empty))
    {
        return Ok(());
    }
    // npm writes this copy of the lock last when it installs.
    match modified(&dir.join("node_modules/.package-lock.json")) {
        Some(installed) if installed >= lock => Ok(()),
        Some(_) => Err(format!(
            "{package}/node_modules is older than its package-lock.json"
        )),
        None => Err(format!("{package}/node_modules is not installed")),
    }
}

fn install_node(root: &Path) -> Result<(), String> {
    for package in NODE_PACKAGES {
        let dir = root.join(package);
        if !dir.join("package-lock.json").exists() {
            return Err(format!("{package} has no package-lock.json"));
        }
        if node_package_fresh(root, package).is_ok() {
            continue;
        }
        util::note(&format!("setup: npm ci in {package}"));
        util::run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The LiveKit server.

/// Whether the cached binary runs and is the pinned version.
fn server_works(server: &Path) -> Result<(), String> {
    if !server.exists() {
        return Err(format!(
            "the LiveKit server {LIVEKIT_SERVER_VERSION} is not built ({})",
            server.display()
        ));
    }
    let version = util::output(Command::new(server).arg("--version"))?;
    let want = LIVEKIT_SERVER_VERSION.trim_start_matches('v');
    if version.split_whitespace().any(|word| word == want) {
        Ok(())
    } else {
        Err(format!(
            "{} reports `{}`, not {want}",
            server.display(),
            version.trim()
        ))
    }
}

fn install_server(root: &Path) -> Result<(), String> {
    let server = server_binary(root);
    if server_works(&server).is_ok() {
        return Ok(());
    }
    let go = which("go").ok_or(
        "the Go toolchain is not installed; it builds the LiveKit server \
         whose static build goes into the local image (docs/integration.md)",
    )?;
    let dir = server.parent().ok_or("odd server path")?;
    // Build into a scratch folder of this process and move the result, so an interrupted
    // build never leaves a half-written binary at the cached path, and two setups in one tree
    // do not write into each other's.
    let scratch = dir.with_file_name(format!(
        "{LIVEKIT_SERVER_VERSION}.partial-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|error| format!("cannot create {}: {error}", scratch.display()))?;
    util::note(&format!(
        "setup: building the LiveKit server {LIVEKIT_SERVER_VERSION} with go install, CGO_ENABLED=0 \
         (a few minutes)"
    ));
    let built = util::run(
        Command::new(go)
            .args([
                "install",
                &format!("{LIVEKIT_SERVER_PACKAGE}@{LIVEKIT_SERVER_VERSION}"),
            ])
            .env("GOBIN", &scratch)
            .env("CGO_ENABLED", "0"),
    );
    if let Err(error) = built {
        let _ = std::fs::remove_dir_all(&scratch);
        return Err(error);
    }
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    std::fs::rename(scratch.join("server"), &server).map_err(|error| {
        format!(
            "cannot move the built server to {}: {error}",
            server.display()
        )
    })?;
    let _ = std::fs::remove_dir_all(&scratch);
    server_works(&server)
}

/// Builds the protojson oracle (always: `go build` is a no-op when nothing changed).
fn install_protojson_oracle(root: &Path) -> Result<(), String> {
    let go = which("go").ok_or(
        "the Go toolchain is not installed; it builds the protojson oracle of \
         livekit-server-proto's differential test",
    )?;
    util::run(
        Command::new(go)
            .args(["build", "-o"])
            .arg(protojson_oracle(root))
            .arg(".")
            .current_dir(root.join(PROTOJSON_ORACLE_SOURCE)),
    )
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// The first executable named `program` on `PATH`.
pub(crate) fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_are_parsed_into_pins() {
        let dir = std::env::temp_dir().join(format!("xtask-pins-{}", std::process::id()));
        let file = dir.join(REQUIREMENTS);
        util::write(
            &file,
            "# peers\nlivekit==1.2.1\nlivekit-api[extra] == 1.2.2 ; python_version >= '3.9'\n\
             numpy>=2\n-r other.txt\n",
        )
        .expect("write");
        let pins = python_pins(&dir).expect("pins");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            pins,
            vec![
                ("livekit".to_owned(), Some("1.2.1".to_owned())),
                ("livekit-api".to_owned(), Some("1.2.2".to_owned())),
                ("numpy".to_owned(), None),
            ]
        );
    }

    #[test]
    fn which_finds_sh() {
        assert!(which("sh").is_some());
        assert!(which("no-such-program-here").is_none());
    }
}
