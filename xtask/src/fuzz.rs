//! `cargo xtask fuzz`: the cargo-fuzz targets of `fuzz/` (a workspace of its own): write the
//! seed corpora, run each target for a bounded time, then the stable corpus test.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use crate::util;

/// How long each target runs unless `--seconds` says otherwise.
const DEFAULT_SECONDS: u64 = 30;
/// libFuzzer's per-input timeout, in seconds: a slower input is reported as a finding.
const INPUT_TIMEOUT: u64 = 25;
/// The targets over server text (`livekit-server-twirp`: bodies, headers such as
/// `Retry-After`), whose work must be linear in the input: fed inputs up to twice the
/// error-body read limit from the start (`-len_control=0`), each allowed
/// [`TEXT_INPUT_TIMEOUT`] seconds (a quadratic scan of 64 KiB takes longer).
const TEXT_TARGETS: [&str; 3] = ["twirp_error_body", "twirp_text", "retry_after_header"];
/// The largest input of [`TEXT_TARGETS`], in bytes.
const TEXT_MAX_LEN: usize = 128 * 1024;
/// The per-input timeout of [`TEXT_TARGETS`], in seconds.
const TEXT_INPUT_TIMEOUT: u64 = 1;
/// Targets whose inputs may grow past libFuzzer's default limit (the largest seed): tokens to
/// beyond the verifier's 64 KiB cap, webhook bodies to 64 KiB (their 1 MiB cap is a length
/// check before anything is read, unit-tested; inputs that large would slow every mutation).
const LARGE_INPUTS: [(&str, usize); 4] = [
    ("token_verify", 80 * 1024),
    ("token_claims_json", 80 * 1024),
    ("webhook_receive", 64 * 1024),
    ("webhook_event_json", 64 * 1024),
];

/// Runs `cargo xtask fuzz <args>`.
pub(crate) fn run(root: &Path, args: &[&str]) -> Result<(), String> {
    if args == ["seed"] {
        return seed(root);
    }
    let mut seconds = DEFAULT_SECONDS;
    let mut wanted = Vec::new();
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        match arg {
            "--seconds" => {
                let value = rest.next().ok_or("--seconds needs a value")?;
                seconds = value
                    .parse()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| format!("--seconds {value}: not a positive number"))?;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            target => wanted.push(target.to_owned()),
        }
    }

    ensure_cargo_fuzz()?;
    ensure_nightly()?;
    let fuzz = root.join("fuzz");
    let all = targets(root)?;
    for target in &wanted {
        if !all.contains(target) {
            return Err(format!(
                "no fuzz target {target} (targets: {})",
                all.join(", ")
            ));
        }
    }
    let targets = if wanted.is_empty() { all } else { wanted };

    util::note("building the fuzz targets (nightly, sanitizer coverage)");
    let mut build = nightly_fuzz(root);
    build.arg("build");
    util::run(&mut build)?;

    let mut summary = Vec::new();
    let mut crashes = Vec::new();
    for target in &targets {
        let run = run_target(&fuzz, root, target, seconds)?;
        summary.push(format!(
            "  {target:<22} {:>12} runs in {:>4} s{}",
            run.runs.as_deref().unwrap_or("-"),
            run.seconds.as_deref().unwrap_or("-"),
            if run.crash_files.is_empty() && run.success {
                ""
            } else {
                "  FAILED"
            }
        ));
        if !run.success {
            crashes.push((target.clone(), run.started, run.crash_files));
        }
    }
    util::note(&format!("fuzzing summary:\n{}", summary.join("\n")));
    if !crashes.is_empty() {
        let mut message = String::from("fuzz targets failed:");
        for (target, started, files) in &crashes {
            if !started {
                message.push_str(&format!(
                    "\n  {target}: libFuzzer did not start (a build error? see above)"
                ));
            } else if files.is_empty() {
                message.push_str(&format!(
                    "\n  {target}: failed without a crash file (see above)"
                ));
            }
            for file in files {
                message.push_str(&format!(
                    "\n  {target}: {file}\n    reproduce: cargo +nightly fuzz run {target} {file}\
                     \n    minimise:  cargo +nightly fuzz tmin {target} {file}\
                     \n    then keep the minimised input in fuzz/regressions/{target}/ (README.md)",
                    file = file.display()
                ));
            }
        }
        return Err(message);
    }

    util::note("running the corpus and regressions on stable (cd fuzz && cargo test)");
    let mut test = util::cargo();
    test.current_dir(&fuzz)
        .arg("test")
        .env_remove("CARGO_TARGET_DIR");
    util::run(&mut test)
}

/// `cargo xtask fuzz seed`: the generator is an example of the fuzz crate (it needs the
/// crate's dependencies, which xtask does not have).
fn seed(root: &Path) -> Result<(), String> {
    let fuzz = root.join("fuzz");
    let mut command = util::cargo();
    command
        .current_dir(&fuzz)
        .args(["run", "--quiet", "--example", "seed", "--"])
        .arg(&fuzz)
        .env_remove("CARGO_TARGET_DIR");
    util::run(&mut command)
}

/// Installs cargo-fuzz when `cargo fuzz` is not there (nothing to do otherwise).
fn ensure_cargo_fuzz() -> Result<(), String> {
    if util::succeeds(Command::new("cargo").args(["fuzz", "--version"])) {
        return Ok(());
    }
    util::note("cargo-fuzz is missing: cargo install cargo-fuzz --locked");
    util::run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))
}

fn ensure_nightly() -> Result<(), String> {
    if util::toolchain_installed("nightly") {
        Ok(())
    } else {
        Err("libFuzzer needs a nightly toolchain: rustup toolchain install nightly".into())
    }
}

/// `cargo fuzz …` on nightly, from the repository root (which holds `fuzz/`). `rustup run`
/// rather than `cargo +nightly`, which needs rustup's proxy first on `PATH`. The fuzz
/// workspace always builds into `fuzz/target/` (ignored), whatever `CARGO_TARGET_DIR` says for
/// the main one.
fn nightly_fuzz(root: &Path) -> Command {
    let mut command = Command::new("rustup");
    command
        .current_dir(root)
        .args(["run", "nightly", "cargo", "fuzz"])
        .env_remove("CARGO_TARGET_DIR");
    command
}

/// The targets `cargo fuzz list` reports.
fn targets(root: &Path) -> Result<Vec<String>, String> {
    let mut list = nightly_fuzz(root);
    list.arg("list");
    let out = util::output(&mut list)?;
    let targets: Vec<String> = out
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if targets.is_empty() {
        return Err("cargo fuzz list found no targets".into());
    }
    Ok(targets)
}

struct Run {
    success: bool,
    /// Whether libFuzzer started (cargo fuzz run builds first, and may fail there).
    started: bool,
    runs: Option<String>,
    seconds: Option<String>,
    crash_files: Vec<PathBuf>,
}

/// Runs one target: new inputs go to `fuzz/grown/<target>/` (ignored by git), the committed
/// seeds and regressions are read only.
fn run_target(fuzz: &Path, root: &Path, target: &str, seconds: u64) -> Result<Run, String> {
    util::note(&format!("fuzzing {target} for {seconds} s"));
    let grown = fuzz.join("grown").join(target);
    std::fs::create_dir_all(&grown)
        .map_err(|e| format!("cannot create {}: {e}", grown.display()))?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut command = nightly_fuzz(root);
    command.args(["run", target]).arg(&grown);
    for folder in ["corpus", "regressions"] {
        let dir = fuzz.join(folder).join(target);
        if dir.is_dir() {
            command.arg(dir);
        }
    }
    let text = TEXT_TARGETS.contains(&target);
    let timeout = if text {
        TEXT_INPUT_TIMEOUT
    } else {
        INPUT_TIMEOUT
    };
    command.args([
        "--".to_owned(),
        format!("-max_total_time={seconds}"),
        format!("-timeout={timeout}"),
        "-print_final_stats=1".to_owned(),
    ]);
    if text {
        command.args([
            format!("-max_len={TEXT_MAX_LEN}"),
            "-len_control=0".to_owned(),
        ]);
    } else if let Some((_, max_len)) = LARGE_INPUTS.iter().find(|(name, _)| *name == target) {
        command.arg(format!("-max_len={max_len}"));
    }
    command.stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    let mut run = Run {
        success: false,
        started: false,
        runs: None,
        seconds: None,
        crash_files: Vec::new(),
    };
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            // libFuzzer's `#123 NEW …` progress lines are many; show the rest.
            if !is_progress(&line) {
                util::note(&line);
            }
            if line.starts_with("INFO: Seed: ") {
                run.started = true;
            }
            if let Some(value) = line.strip_prefix("stat::number_of_executed_units:") {
                run.runs = Some(value.trim().to_owned());
            }
            if let Some(done) = line.strip_prefix("Done ") {
                // "Done 123456 runs in 30 second(s)"
                let words: Vec<&str> = done.split_whitespace().collect();
                if let [runs, "runs", "in", secs, ..] = words.as_slice() {
                    run.runs = Some((*runs).to_owned());
                    run.seconds = Some((*secs).to_owned());
                }
            }
            if let Some(path) = line.split("Test unit written to ").nth(1) {
                run.crash_files.push(root.join(path.trim()));
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo fuzz run {target}: {e}"))?;
    run.success = status.success();
    if run.seconds.is_none() && run.started {
        run.seconds = Some(clock.elapsed().as_secs().to_string());
    }
    if !run.success {
        // Artifacts libFuzzer wrote during this run, in case a line above was missed.
        let artifacts = fuzz.join("artifacts").join(target);
        for entry in std::fs::read_dir(&artifacts)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            let new = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified >= started);
            if new && !run.crash_files.iter().any(|f| same_file(f, &path)) {
                run.crash_files.push(path);
            }
        }
    }
    Ok(run)
}

fn is_progress(line: &str) -> bool {
    line.starts_with('#')
        && [" NEW ", " REDUCE ", " pulse ", " RELOAD "]
            .iter()
            .any(|word| line.contains(word))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
