//! `cargo xtask proto sync`: obtain the pinned protocol release through cargo.
//!
//! The pin lives in `proto/pin.toml`. A throw-away manifest under `target/` depends on the
//! pinned crates.io package; `cargo metadata` resolves it (cargo downloads it from the
//! registry configured for this machine, so no address is written here) and tells where its
//! sources are. The `protocol/protobufs/` tree is copied into the git-ignored `proto/.sync/`.

use std::path::{Path, PathBuf};

use crate::util;

/// The pinned protocol release.
#[derive(Debug)]
pub(crate) struct Pin {
    /// The crates.io package that ships the protocol tree.
    pub(crate) package: String,
    /// Its exact version.
    pub(crate) version: String,
    /// The LiveKit protocol release it carries (checked against its `package.json`).
    pub(crate) protocol: String,
}

impl Pin {
    /// Reads `proto/pin.toml`.
    pub(crate) fn read(root: &Path) -> Result<Pin, String> {
        let path = root.join("proto/pin.toml");
        let text = util::read(&path)?;
        let get = |key: &str| {
            util::toml_string(&text, key).ok_or_else(|| format!("{} lacks `{key}`", path.display()))
        };
        Ok(Pin {
            package: get("package")?,
            version: get("version")?,
            protocol: get("protocol")?,
        })
    }
}

/// Where the synced `.proto` tree of the current pin lives.
pub(crate) fn protobufs_dir(root: &Path, pin: &Pin) -> PathBuf {
    root.join("proto/.sync")
        .join(format!("{}-{}", pin.package, pin.version))
        .join("protobufs")
}

/// Makes sure the pinned `.proto` files are in `proto/.sync/`, fetching them if needed.
pub(crate) fn sync(root: &Path) -> Result<PathBuf, String> {
    let pin = Pin::read(root)?;
    let dest = protobufs_dir(root, &pin);
    let stamp = dest.with_file_name("protocol-version");
    if dest.is_dir() && util::read(&stamp).is_ok_and(|v| v.trim() == pin.protocol) {
        return Ok(dest);
    }
    let source = locate_package(root, &pin)?;
    let protobufs = source.join("protocol/protobufs");
    let package_json = util::read(&source.join("protocol/package.json"))?;
    let expected = format!("\"version\": \"{}\"", pin.protocol);
    if !package_json.contains(&expected) {
        return Err(format!(
            "{} {} does not carry protocol {} (its protocol/package.json lacks {expected})",
            pin.package, pin.version, pin.protocol
        ));
    }
    if dest.exists() {
        std::fs::remove_dir_all(&dest)
            .map_err(|error| format!("cannot clear {}: {error}", dest.display()))?;
    }
    copy_tree(&protobufs, &dest)?;
    util::write(&stamp, &pin.protocol)?;
    util::note(&format!(
        "synced {} {} (protocol {}) into {}",
        pin.package,
        pin.version,
        pin.protocol,
        dest.display()
    ));
    Ok(dest)
}

/// Asks cargo to resolve the pinned package and returns its source folder.
fn locate_package(root: &Path, pin: &Pin) -> Result<PathBuf, String> {
    let probe = root.join("target/xtask/proto-fetch");
    let manifest = format!(
        "[package]\nname = \"proto-fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [lib]\npath = \"lib.rs\"\n\n[dependencies]\n{} = {{ version = \"={}\", default-features = false }}\n\n\
         [workspace]\n",
        pin.package, pin.version
    );
    util::write(&probe.join("Cargo.toml"), &manifest)?;
    util::write(&probe.join("lib.rs"), "")?;
    let metadata = util::output(
        util::cargo()
            .args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(probe.join("Cargo.toml")),
    )?;
    let metadata: serde_json::Value = serde_json::from_str(&metadata)
        .map_err(|error| format!("cargo metadata printed invalid JSON: {error}"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata has no packages")?;
    let manifest_path = packages
        .iter()
        .find(|p| p["name"] == pin.package.as_str() && p["version"] == pin.version.as_str())
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or_else(|| format!("cargo did not resolve {} {}", pin.package, pin.version))?;
    Path::new(manifest_path)
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("odd manifest path {manifest_path}"))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to)
        .map_err(|error| format!("cannot create {}: {error}", to.display()))?;
    let entries = std::fs::read_dir(from)
        .map_err(|error| format!("cannot list {}: {error}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|error| format!("cannot list {}: {error}", from.display()))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .map_err(|error| format!("cannot copy {}: {error}", path.display()))?;
        }
    }
    Ok(())
}
