//! `cargo xtask codegen [--check]`: generate the protocol crate from the pinned `.proto` files.
//!
//! Outputs, all under `crates/livekit-server-proto/src/generated/`:
//! - `<package>.rs`: prost message types (well-known types included, so the crate needs no
//!   `prost-types`);
//! - `<package>.serde.rs`: protojson serde impls, compiled behind the crate's `serde` feature,
//!   emitted from the descriptors by `protojson.rs` (the rules they follow are the proto
//!   crate's `src/protojson.rs`);
//! - `services.rs`: one table of every public Twirp service and method, joined with the
//!   per-RPC policy of `proto/rpc-policy.txt` (idempotency class and grants);
//! - `token_paged.rs`: the `TokenPaged` impl of every token-paged list request (see
//!   `paging.rs`);
//! - `from_string.rs`: `From<&str>`/`From<String>` for every request whose only field is a
//!   string, such as a room name or an id (see `conversions.rs`);
//! - `redacted_debug.rs`: `Debug` for every message with a field that holds a credential,
//!   printing it redacted (prost-build is told not to derive theirs; see `redact.rs`).
//!
//! With `--check` nothing is written and any difference is an error (CI runs this, and so does
//! the `codegen_is_fresh` test).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use prost_types::{FileDescriptorProto, FileDescriptorSet};

use crate::clients;
use crate::conversions;
use crate::descriptors::{self, Policy, snake_case};
use crate::paging;
use crate::protojson;
use crate::redact;
use crate::sync::{self, Pin};
use crate::util;

/// Whether to write the generated files or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Write,
    Check,
}

/// Where the generated files of the protocol crate live.
pub(crate) const GENERATED_DIR: &str = "crates/livekit-server-proto/src/generated";

/// Proto files that only carry annotations (field options for log redaction); they are
/// compiled for resolution but generate nothing.
const ANNOTATION_FILES: &[&str] = &["logger/options.proto", "google/protobuf/descriptor.proto"];

/// Fields held in a `Box`. A webhook event carries one or two of its six sub-messages; inline,
/// the event is 3.3 KiB, copied at every step of decoding and whenever it is moved.
const BOXED: &[&str] = &[
    "livekit.WebhookEvent.room",
    "livekit.WebhookEvent.participant",
    "livekit.WebhookEvent.track",
    "livekit.WebhookEvent.egress_info",
    "livekit.WebhookEvent.ingress_info",
    "livekit.WebhookEvent.job",
];

pub(crate) fn run(root: &Path, mode: Mode) -> Result<(), String> {
    // Root-relative path -> contents.
    let files = generate(root)?;
    let mut stale = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join(GENERATED_DIR)) {
        for entry in entries.flatten() {
            let name = format!("{GENERATED_DIR}/{}", entry.file_name().to_string_lossy());
            if name.ends_with(".rs") && !files.contains_key(&name) {
                stale.push(name);
            }
        }
    }
    match mode {
        Mode::Write => {
            for name in &stale {
                std::fs::remove_file(root.join(name))
                    .map_err(|error| format!("cannot remove stale {name}: {error}"))?;
            }
            for (name, contents) in &files {
                let path = root.join(name);
                if util::read(&path).ok().as_deref() != Some(contents.as_str()) {
                    util::write(&path, contents)?;
                    util::note(&format!("wrote {name}"));
                }
            }
            Ok(())
        }
        Mode::Check => {
            let mut drift: Vec<String> = stale.iter().map(|n| format!("{n} (stale)")).collect();
            for (name, contents) in &files {
                if util::read(&root.join(name)).ok().as_deref() != Some(contents.as_str()) {
                    drift.push(name.clone());
                }
            }
            if drift.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "generated code is out of date: {}; run `cargo xtask codegen`",
                    drift.join(", ")
                ))
            }
        }
    }
}

/// Produces every generated file (name → contents) without touching the crate.
pub(crate) fn generate(root: &Path) -> Result<BTreeMap<String, String>, String> {
    let pin = Pin::read(root)?;
    let protobufs = sync::sync(root)?;
    let listed = read_file_list(root)?;
    let (fds, encoded) = compile(&protobufs, &listed)?;
    check_closure(&fds, &listed)?;

    let scratch = root.join("target/xtask/codegen");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)
            .map_err(|error| format!("cannot clear {}: {error}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch)
        .map_err(|error| format!("cannot create {}: {error}", scratch.display()))?;

    let header = header(&pin);
    let mut files = BTreeMap::new();

    // Message types.
    let mut compiled = fds.clone();
    compiled
        .file
        .retain(|f| !ANNOTATION_FILES.contains(&f.name()));
    let mut config = prost_build::Config::new();
    for field in BOXED {
        config.boxed(format!(".{field}"));
    }
    // Messages holding a credential get a `Debug` that hides it (`redacted_debug.rs`).
    config.skip_debug(redact::skip_debug_paths());
    config
        .out_dir(&scratch)
        .compile_well_known_types()
        // Ordered maps: protojson writes map keys sorted, as Go does, and output is stable.
        .btree_map(["."])
        // A webhook event carries one or two of its six sub-messages; inline, the event is
        // 3.3 KiB, copied at every step of decoding and whenever it is moved.
        .compile_fds(compiled.clone())
        .map_err(|error| format!("prost-build failed: {error}"))?;
    let mut skipped = 0;
    for entry in std::fs::read_dir(&scratch).map_err(|e| format!("cannot list scratch: {e}"))? {
        let path = entry
            .map_err(|e| format!("cannot list scratch: {e}"))?
            .path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let body = util::read(&path)?;
        if name == "_.rs" || body.trim().is_empty() {
            continue;
        }
        skipped += body.matches("#[prost(skip_debug)]").count();
        files.insert(name, body);
    }
    let expected = redact::expected_skips(&fds)?;
    if skipped != expected {
        return Err(format!(
            "prost-build skipped `Debug` for {skipped} types, not the {expected} listed messages \
             and their oneofs: has its path matching changed? (see redact.rs)"
        ));
    }
    files.insert(
        "redacted_debug.rs".to_owned(),
        redact::debug_impls(&fds, &encoded)?,
    );

    // Protojson, from our own generator (`protojson.rs`).
    for package in ["livekit", "livekit.agent", "google.protobuf"] {
        let code = protojson::generate(&compiled, package, BOXED)
            .map_err(|error| format!("protojson for {package}: {error}"))?;
        files.insert(format!("{package}.serde.rs"), code);
    }

    // Service table.
    let policy = descriptors::read_policy(root)?;
    files.insert(
        "services.rs".to_owned(),
        services_table(&fds, &policy, &pin)?,
    );

    // How token-paged list requests move from page to page.
    files.insert(
        "token_paged.rs".to_owned(),
        paging::token_paged_impls(&fds, &descriptors::services(&fds))?,
    );

    // Requests made from their only string (a room name, an id).
    files.insert(
        "from_string.rs".to_owned(),
        conversions::from_string_impls(&fds, &descriptors::services(&fds))?,
    );

    // Per-service client crates.
    for (path, code) in clients::generate(&descriptors::services(&fds), &policy)? {
        files.insert(path, code);
    }

    let mut out = BTreeMap::new();
    out.insert(
        "docs/rpcs.md".to_owned(),
        clients::rpc_table(&descriptors::services(&fds), &policy),
    );
    for (name, contents) in files {
        let formatted = format!("{header}{}", format(&name, &contents)?);
        let path = if name.contains('/') {
            name
        } else {
            format!("{GENERATED_DIR}/{name}")
        };
        out.insert(path, formatted);
    }
    Ok(out)
}

fn header(pin: &Pin) -> String {
    format!(
        "// @generated by `cargo xtask codegen` from the crates.io package {} {} (LiveKit protocol {}).\n\
         // Do not edit: change proto/ or xtask/src/codegen.rs and run the command again.\n\n",
        pin.package, pin.version, pin.protocol
    )
}

fn read_file_list(root: &Path) -> Result<Vec<String>, String> {
    let text = util::read(&root.join("proto/files.txt"))?;
    Ok(util::list_lines(&text)
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// The descriptors of `files` and their imports, and the same set encoded by protox with
/// extension options (which `prost_types` drops), for the `logger.sensitivity` marks.
fn compile(protobufs: &Path, files: &[String]) -> Result<(FileDescriptorSet, Vec<u8>), String> {
    let mut compiler = protox::Compiler::new([protobufs])
        .map_err(|error| format!("protox cannot open {}: {error}", protobufs.display()))?;
    compiler.include_imports(true).include_source_info(true);
    compiler
        .open_files(files)
        .map_err(|error| format!("protox: {error}"))?;
    Ok((
        compiler.file_descriptor_set(),
        compiler.encode_file_descriptor_set(),
    ))
}

/// Every LiveKit file the listed roots import must be listed too, so that `proto/files.txt`
/// is the complete list of what is compiled.
fn check_closure(fds: &FileDescriptorSet, listed: &[String]) -> Result<(), String> {
    let listed: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    let missing: Vec<&str> = fds
        .file
        .iter()
        .map(FileDescriptorProto::name)
        .filter(|name| !name.starts_with("google/protobuf/") && !listed.contains(name))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "proto/files.txt lacks files that are imported: {}",
            missing.join(", ")
        ))
    }
}

/// Formats generated code with prettyplease (deterministic, independent of the installed
/// rustfmt), so the committed files and `--check` agree on every machine.
fn format(name: &str, code: &str) -> Result<String, String> {
    let file = syn::parse_file(code)
        .map_err(|error| format!("generated {name} does not parse: {error}"))?;
    Ok(prettyplease::unparse(&file))
}

fn services_table(
    fds: &FileDescriptorSet,
    policy: &BTreeMap<String, Policy>,
    pin: &Pin,
) -> Result<String, String> {
    let services = descriptors::services(fds);
    let mut seen = BTreeSet::new();
    let mut missing = Vec::new();
    let mut out = String::new();
    let _ = writeln!(out, "use crate::service::{{Method, Service}};\n");
    let _ = writeln!(
        out,
        "/// The LiveKit protocol release these types were generated from.\n\
         pub const PROTOCOL_VERSION: &str = {:?};\n\n\
         /// The crates.io package (and version) that shipped the `.proto` files.\n\
         pub const PROTOCOL_SOURCE: &str = \"{} {}\";\n",
        pin.protocol, pin.package, pin.version
    );
    let mut count = 0usize;
    for service in &services {
        let module = snake_case(&service.name);
        let _ = writeln!(
            out,
            "/// `livekit.{}`, from `{}`.",
            service.name, service.file
        );
        if !service.doc.is_empty() {
            let _ = writeln!(out, "///");
            for line in service.doc.lines() {
                let _ = writeln!(out, "/// {}", escape_doc(line.trim()));
            }
        }
        let _ = writeln!(out, "pub mod {module} {{\n    use super::*;\n");
        let mut consts = Vec::new();
        for method in &service.methods {
            count += 1;
            let key = format!("{}.{}", service.name, method.name);
            seen.insert(key.clone());
            if !policy.contains_key(&key) {
                missing.push(key);
            }
            let konst = snake_case(&method.name).to_ascii_uppercase();
            let _ = writeln!(
                out,
                "    /// `{}`: `{}` → `{}`.",
                method.name, method.input, method.output
            );
            let _ = writeln!(
                out,
                "    pub const {konst}: Method = Method {{\n        service: \"livekit.{svc}\",\n        name: {name:?},\n        \
                 path: \"/twirp/livekit.{svc}/{name}\",\n        input: {input:?},\n        output: {output:?},\n        \
                 deprecated: {deprecated},\n    }};\n",
                svc = service.name,
                name = method.name,
                input = method.input,
                output = method.output,
                deprecated = method.deprecated,
            );
            consts.push(konst);
        }
        let refs: Vec<String> = consts.iter().map(|c| format!("&{c}")).collect();
        let _ = writeln!(
            out,
            "    /// Every method of the service, in protocol order.\n    pub const METHODS: &[&Method] = &[{}];\n\n    \
             /// The service.\n    pub const SERVICE: Service = Service {{ name: {:?}, full_name: \"livekit.{}\", methods: METHODS }};\n}}\n",
            refs.join(", "),
            service.name,
            service.name
        );
    }
    let stale: Vec<&String> = policy.keys().filter(|k| !seen.contains(*k)).collect();
    if !missing.is_empty() || !stale.is_empty() {
        return Err(format!(
            "proto/rpc-policy.txt does not match the protocol: missing {missing:?}, unknown {stale:?}"
        ));
    }
    let refs: Vec<String> = services
        .iter()
        .map(|s| format!("&{}::SERVICE", snake_case(&s.name)))
        .collect();
    let _ = writeln!(
        out,
        "/// Every public Twirp service of the protocol.\npub const SERVICES: &[&Service] = &[{}];\n\n\
         /// The number of RPCs in [`SERVICES`].\npub const RPC_COUNT: usize = {count};",
        refs.join(", ")
    );
    Ok(out)
}

fn escape_doc(line: &str) -> String {
    line.replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed generated code is what the pinned protocol produces (CI runs this too).
    #[test]
    fn codegen_is_fresh() {
        let root = util::workspace_root();
        if let Err(message) = run(&root, Mode::Check) {
            panic!("{message}");
        }
    }
}
