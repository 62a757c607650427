//! `cargo xtask test`: the whole test suite, exactly as CI runs it.
//!
//! Steps, each failing the run: set-up of the real components (`cargo xtask setup`,
//! idempotent), formatting, clippy on all targets with warnings denied, documentation with
//! warnings denied, the Rust blocks of the markdown type-checked (`cargo xtask snippets`), a check on the declared minimum Rust version, the codegen drift check, the repository rules, the unit and peer tests of
//! every crate (those of `livekit-server-testcontainers` start containers: setup has started
//! Docker and built the images), the fuzz seeds and regressions run as a stable test (`fuzz/tests/corpus.rs`;
//! fuzzing itself, on nightly, is `cargo xtask fuzz`), and the integration tests against a
//! real LiveKit server (`cargo xtask integration`, the SDK's examples run against it too).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::{codegen, env, tidy, util};

/// Options of `cargo xtask test`.
#[derive(Debug, Default)]
pub(crate) struct Options {
    /// Skip `cargo xtask setup` (the components are known to be installed).
    pub(crate) skip_setup: bool,
    /// Skip the integration tests (for a quick local loop; CI never sets it).
    pub(crate) skip_integration: bool,
}

impl Options {
    pub(crate) fn parse(args: &[&str]) -> Result<Options, String> {
        let mut options = Options::default();
        for arg in args {
            match *arg {
                "--skip-setup" => options.skip_setup = true,
                "--skip-integration" => options.skip_integration = true,
                other => return Err(format!("unknown option for `test`: {other}")),
            }
        }
        Ok(options)
    }
}

pub(crate) fn run(root: &Path, options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let result = steps(root, options);
    // Whatever happened, no test container outlives the run (each is removed when its handle
    // drops; this catches those of a test process that died first).
    let left = env::remove_leftovers(env::Leftovers::AllButLiveRuns);
    if left > 0 {
        util::note(&format!("removed {left} test container(s) left by the run"));
    }
    result?;
    util::note(&format!("all checks passed in {:.0?}", started.elapsed()));
    Ok(())
}

fn steps(root: &Path, options: &Options) -> Result<(), String> {
    if !options.skip_setup {
        step("setup", || self_command(root, &["setup"]))?;
    }
    step("rustfmt", || {
        util::run(
            util::cargo()
                .current_dir(root)
                .args(["fmt", "--all", "--", "--check"]),
        )
    })?;
    step("clippy", || {
        util::run(util::cargo().current_dir(root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("rustdoc", || {
        // With every feature (what docs.rs shows), and with the defaults (what a user's
        // `cargo doc` builds).
        util::run(
            util::cargo()
                .current_dir(root)
                .env("RUSTDOCFLAGS", "-D warnings")
                .args(["doc", "--workspace", "--no-deps", "--all-features"]),
        )?;
        util::run(
            util::cargo()
                .current_dir(root)
                .env("RUSTDOCFLAGS", "-D warnings")
                .args(["doc", "--workspace", "--no-deps"]),
        )
    })?;
    step("doc snippets", || crate::snippets::run(root))?;
    step("msrv", || msrv(root))?;
    step("codegen --check", || {
        codegen::run(root, codegen::Mode::Check)
    })?;
    step("tidy", || tidy::run(root))?;
    // Every library crate packages as crates.io would take it: no dependency without a
    // version, nothing included from outside its folder.
    step("package", || {
        util::run(util::cargo().current_dir(root).args([
            "package",
            "--workspace",
            "--no-verify",
            "--allow-dirty",
            "--exclude",
            "xtask",
            "--exclude",
            "livekit-server-tests",
        ]))
    })?;
    step("unit and peer tests", || {
        util::run(util::cargo().current_dir(root).args([
            "test",
            "--workspace",
            "--all-features",
            "--exclude",
            "livekit-server-tests",
        ]))
    })?;
    step("fuzz seeds and regressions", || {
        util::run(
            util::cargo()
                .current_dir(root.join("fuzz"))
                .args(["fmt", "--", "--check"]),
        )?;
        util::run(
            util::cargo()
                .current_dir(root.join("fuzz"))
                .args(["test", "--locked"]),
        )
    })?;
    if !options.skip_integration {
        step("integration tests", || self_command(root, &["integration"]))?;
    }
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    util::note(&format!("==> {name}"));
    let started = Instant::now();
    let result = f().map_err(|error| format!("{name} failed: {error}"));
    util::note(&format!("<== {name} ({:.1?})", started.elapsed()));
    result
}

/// Runs another xtask command in a child process (so each command stays independent).
fn self_command(root: &Path, args: &[&str]) -> Result<(), String> {
    let exe =
        std::env::current_exe().map_err(|error| format!("cannot find xtask itself: {error}"))?;
    util::run(Command::new(exe).current_dir(root).args(args))
}

/// `cargo check` of every crate, target and feature on the `rust-version` the workspace
/// declares, so that the declaration stays true (the toolchain is installed with rustup when
/// missing; its build goes to `target/msrv/`).
fn msrv(root: &Path) -> Result<(), String> {
    let manifest = util::read(&root.join("Cargo.toml"))?;
    let declared = util::toml_string(&manifest, "rust-version")
        .ok_or("the workspace Cargo.toml declares no rust-version")?;
    // rustup names a release by its full version (`1.88` is a channel of its own).
    let toolchain = if declared.matches('.').count() == 1 {
        format!("{declared}.0")
    } else {
        declared
    };
    if !util::toolchain_installed(&toolchain) {
        util::note(&format!("msrv: installing Rust {toolchain} with rustup"));
        util::run(Command::new("rustup").args([
            "toolchain",
            "install",
            &toolchain,
            "--profile",
            "minimal",
        ]))?;
    }
    util::run(
        Command::new("rustup")
            .args(["run", &toolchain, "cargo", "check", "--workspace"])
            .args(["--all-features", "--all-targets"])
            .current_dir(root)
            .env("CARGO_TARGET_DIR", root.join("target/msrv")),
    )
}
