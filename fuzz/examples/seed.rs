//! Writes the seed corpora (`livekit_server_fuzz::seeds`) to `<fuzz dir>/corpus/<target>/`,
//! replacing what is there: `cargo xtask fuzz seed` runs it. Usage: `seed [FUZZ_DIR]`
//! (default: the directory of this crate).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let fuzz_dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let repo = fuzz_dir.join("..");
    match run(&fuzz_dir, &repo) {
        Ok(count) => {
            eprintln!(
                "wrote {count} seeds under {}",
                fuzz_dir.join("corpus").display()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(fuzz_dir: &std::path::Path, repo: &std::path::Path) -> Result<usize, String> {
    let seeds = livekit_server_fuzz::seeds::generate(repo)?;
    for (target, _) in livekit_server_fuzz::TARGETS {
        let dir = fuzz_dir.join("corpus").join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    for seed in &seeds {
        let path = fuzz_dir.join("corpus").join(seed.target).join(&seed.name);
        if path.exists() {
            return Err(format!("two seeds named {}", path.display()));
        }
        std::fs::write(&path, &seed.data)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(seeds.len())
}
