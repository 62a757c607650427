//! Small helpers shared by the xtask commands: paths, messages and child processes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of this crate's manifest directory).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Prints a progress or error line for the person running the task.
pub(crate) fn note(message: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{message}");
    }
}

/// The cargo binary that runs this task (so nested calls use the same toolchain).
pub(crate) fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs a command with the terminal as its output; the error names the command.
pub(crate) fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|error| format!("could not start {shown}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Runs a command to completion and returns its standard output, or an error naming it.
pub(crate) fn output(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let out = command
        .output()
        .map_err(|error| format!("could not start {shown}: {error}"))?;
    if !out.status.success() {
        return Err(format!(
            "{shown} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{shown} printed invalid UTF-8"))
}

/// Whether a command runs and exits with success, its output discarded (a presence check).
pub(crate) fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Whether rustup has the toolchain `name` installed.
pub(crate) fn toolchain_installed(name: &str) -> bool {
    succeeds(Command::new("rustup").args(["run", name, "rustc", "--version"]))
}

/// Reads a file to a string, with the path in the error.
pub(crate) fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))
}

/// Writes a file, creating its parent folders, with the path in the error.
pub(crate) fn write(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
    }
    std::fs::write(path, contents)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// The value of `key = "value"` in a flat TOML-like file (comments and blank lines skipped).
pub(crate) fn toml_string(text: &str, key: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
}

/// The non-empty, non-comment lines of a list file.
pub(crate) fn list_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// The `(name, version)` pairs of a `Cargo.lock`.
pub(crate) fn locked_packages(lock: &str) -> BTreeSet<(&str, &str)> {
    let mut packages = BTreeSet::new();
    let mut name = None;
    for line in lock.lines() {
        if line == "[[package]]" {
            name = None;
        } else if let Some(value) = line.strip_prefix("name = ") {
            name = Some(value.trim_matches('"'));
        } else if let Some(value) = line.strip_prefix("version = ")
            && let Some(name) = name.take()
        {
            packages.insert((name, value.trim_matches('"')));
        }
    }
    packages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_packages_of_a_lock_file() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"b\"\nversion = \"0.2.1\"\nsource = \"x\"\n";
        let packages = locked_packages(lock);
        assert_eq!(
            packages.into_iter().collect::<Vec<_>>(),
            [("a", "1.0.0"), ("b", "0.2.1")]
        );
    }
}
