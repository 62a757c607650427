//! Runs every file of `corpus/<target>/` and `regressions/<target>/` through its target's
//! function, on stable: the seeds stay valid inputs and the crashes found stay fixed, without
//! nightly or libFuzzer. A failure names the file.

use std::path::{Path, PathBuf};

use livekit_server_fuzz::TARGETS;

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file())
        .filter(|path| {
            // README files and the like may sit beside the inputs.
            !path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.ends_with(".md"))
        })
        .collect();
    files.sort();
    files
}

fn run_all(folder: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut count = 0;
    for (target, run) in TARGETS {
        for path in files(&root.join(target)) {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target} fails on {}", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn corpus() {
    let count = run_all("corpus");
    assert!(
        count > 0,
        "no seeds under corpus/: run `cargo xtask fuzz seed`"
    );
}

#[test]
fn regressions() {
    run_all("regressions");
}

#[test]
fn every_target_has_seeds_and_an_entry_point() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (target, _) in TARGETS {
        assert!(
            !files(&root.join("corpus").join(target)).is_empty(),
            "no seeds for {target}"
        );
        assert!(
            root.join("fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file(),
            "no fuzz_targets/{target}.rs"
        );
    }
}

#[test]
fn seeds_on_disk_are_the_generated_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = livekit_server_fuzz::seeds::generate(&root.join("..")).unwrap();
    for seed in &seeds {
        let path = root.join("corpus").join(seed.target).join(&seed.name);
        let on_disk = std::fs::read(&path).ok();
        assert!(
            on_disk.as_deref() == Some(seed.data.as_slice()),
            "{} is stale or missing: run `cargo xtask fuzz seed`",
            path.display()
        );
    }
    let on_disk: usize = TARGETS
        .iter()
        .map(|(target, _)| files(&root.join("corpus").join(target)).len())
        .sum();
    assert_eq!(
        on_disk,
        seeds.len(),
        "corpus/ has files the generator does not make"
    );
}
