//! The SDK's examples (`crates/livekit-server-sdk/examples/`), built for the integration
//! tests: `tests/tests/examples.rs` runs each binary against the real server of the run.
//!
//! Why the xtask builds them: an integration test cannot name an example's binary (cargo
//! gives tests `CARGO_BIN_EXE_<name>` for binaries, not for examples), and building them from
//! inside a test would run a second cargo while the first one is in the middle of `cargo test`
//! (its build lock, its output, and a build competing with the tests running beside it). So
//! `cargo xtask integration` (and `up`) builds them first, as a user's `cargo run --example`
//! would, and hands their folder to the tests in `LIVEKIT_TEST_EXAMPLES`; a compile error
//! stops the run before any container starts.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::util;

/// The package whose examples are built.
const PACKAGE: &str = "livekit-server-sdk";

/// The variable that tells the tests where the example binaries are.
pub(crate) const VAR: &str = "LIVEKIT_TEST_EXAMPLES";

/// Builds every example of the SDK (all features, so that no example is left out by its
/// `required-features`) and returns the folder of their binaries.
///
/// # Errors
///
/// When the build fails, or an example of `examples/` was not built.
pub(crate) fn build(root: &Path) -> Result<PathBuf, String> {
    util::note(&format!("integration: building the examples of {PACKAGE}"));
    let mut command = util::cargo();
    command
        .current_dir(root)
        .args([
            "build",
            "--package",
            PACKAGE,
            "--examples",
            "--all-features",
        ])
        .arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let listing = util::output(&mut command)?;
    let built = executables(&listing);
    let mut expected = sources(root)?;
    expected.sort();
    let mut folder: Option<PathBuf> = None;
    for name in &expected {
        let path = built
            .iter()
            .find(|(built_name, _)| built_name == name)
            .map(|(_, path)| path)
            .ok_or_else(|| {
                format!("the example `{name}` of {PACKAGE} was not built by {command:?}")
            })?;
        let parent = path.parent().map(Path::to_path_buf);
        match (&folder, parent) {
            (_, None) => return Err(format!("{} has no folder", path.display())),
            (None, Some(parent)) => folder = Some(parent),
            (Some(folder), Some(parent)) if *folder == parent => {}
            (Some(folder), Some(parent)) => {
                return Err(format!(
                    "the examples were built in two folders: {} and {}",
                    folder.display(),
                    parent.display()
                ));
            }
        }
    }
    folder.ok_or_else(|| format!("{PACKAGE} has no examples"))
}

/// The names of the example sources (`examples/<name>.rs`).
fn sources(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("crates").join(PACKAGE).join("examples");
    let entries = std::fs::read_dir(&dir)
        .map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    Ok(entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect())
}

/// The example executables in cargo's JSON messages: `(name, path)`.
fn executables(messages: &str) -> Vec<(String, PathBuf)> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| {
            message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "example"))
        })
        .filter_map(|message| {
            let name = message["target"]["name"].as_str()?.to_owned();
            let path = message["executable"].as_str()?;
            Some((name, PathBuf::from(path)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_are_read_from_cargo_s_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"x"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"kind":["example"],"name":"rooms"},"executable":"/t/debug/examples/rooms"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n",
        );
        assert_eq!(
            executables(messages),
            [("rooms".to_owned(), PathBuf::from("/t/debug/examples/rooms"))]
        );
    }

    #[test]
    fn every_example_source_is_found() {
        let names = sources(&util::workspace_root()).expect("the examples folder");
        assert!(names.iter().any(|name| name == "rooms"), "{names:?}");
    }
}
