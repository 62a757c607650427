//! `cargo xtask codegen [--check]`: generate the protocol crate from the pinned `.proto` files.
//!
//! Outputs, all under `crates/livekit-server-proto/src/generated/`:
//! - `<package>.rs`: prost message types (well-known types included, so the crate needs no
//!   `prost-types`);
//! - `<package>.serde.rs`: protojson serde impls from pbjson-build, compiled behind the crate's
//!   `serde` feature (unknown fields and unknown enum names are ignored, like Go's
//!   `protojson.UnmarshalOptions{DiscardUnknown: true}` as used by the server);
//! - `services.rs`: one table of every public Twirp service and method, joined with the
//!   per-RPC policy of `proto/rpc-policy.txt` (idempotency class and grants).
//!
//! With `--check` nothing is written and any difference is an error (CI runs this, and so does
//! the `codegen_is_fresh` test).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use prost::Message as _;
use prost_types::{FileDescriptorProto, FileDescriptorSet};

use crate::clients;
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

/// Well-known types whose protojson form is special; the proto crate implements their serde by
/// hand (`src/wkt_json.rs`), so pbjson-build must not generate them.
const HAND_WRITTEN_JSON: &[&str] = &[".google.protobuf"];

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
    let fds = compile(&protobufs, &listed)?;
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
    let mut for_prost = fds.clone();
    for_prost
        .file
        .retain(|f| !ANNOTATION_FILES.contains(&f.name()));
    prost_build::Config::new()
        .out_dir(&scratch)
        .compile_well_known_types()
        // Ordered maps: protojson writes map keys sorted, as Go does, and output is stable.
        .btree_map(["."])
        .compile_fds(for_prost)
        .map_err(|error| format!("prost-build failed: {error}"))?;
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
        files.insert(name, body);
    }

    // Protojson.
    let mut pbjson = pbjson_build::Builder::new();
    pbjson
        .register_descriptors(&fds.encode_to_vec())
        .map_err(|error| format!("pbjson-build cannot read the descriptors: {error}"))?
        .ignore_unknown_fields()
        .ignore_unknown_enum_variants()
        .btree_map(["."])
        .exclude(HAND_WRITTEN_JSON.iter().copied());
    let written = pbjson
        .generate(&[".livekit"], |_| Ok(Vec::new()))
        .map_err(|error| format!("pbjson-build failed: {error}"))?;
    for (package, bytes) in written {
        let body = String::from_utf8(bytes).map_err(|_| "pbjson-build wrote invalid UTF-8")?;
        files.insert(format!("{package}.serde.rs"), body);
    }

    // Service table.
    let policy = read_policy(root)?;
    files.insert(
        "services.rs".to_owned(),
        services_table(&fds, &policy, &pin)?,
    );

    // Per-service client crates.
    for (path, code) in clients::generate(&services(&fds), &policy)? {
        files.insert(path, code);
    }

    let mut out = BTreeMap::new();
    out.insert(
        "docs/rpcs.md".to_owned(),
        clients::rpc_table(&services(&fds), &policy),
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

fn compile(protobufs: &Path, files: &[String]) -> Result<FileDescriptorSet, String> {
    let mut compiler = protox::Compiler::new([protobufs])
        .map_err(|error| format!("protox cannot open {}: {error}", protobufs.display()))?;
    compiler.include_imports(true).include_source_info(true);
    compiler
        .open_files(files)
        .map_err(|error| format!("protox: {error}"))?;
    Ok(compiler.file_descriptor_set())
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

/// One row of `proto/rpc-policy.txt`.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// The `Idempotency` variant.
    pub(crate) idempotency: &'static str,
    /// `Grant` variants.
    pub(crate) grants: Vec<&'static str>,
    /// The request field that names the room (`video.room`).
    pub(crate) room_field: Option<String>,
    /// The request field that names the destination room (`video.destinationRoom`).
    pub(crate) destination_field: Option<String>,
}

pub(crate) fn read_policy(root: &Path) -> Result<BTreeMap<String, Policy>, String> {
    let path = root.join("proto/rpc-policy.txt");
    let text = util::read(&path)?;
    let mut rows = BTreeMap::new();
    for line in util::list_lines(&text) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let [rpc, class, grants, room, destination] = cols.as_slice() else {
            return Err(format!(
                "{}: expected 5 columns in `{line}`",
                path.display()
            ));
        };
        let idempotency = match *class {
            "read" => "ReadOnly",
            "idempotent" => "Idempotent",
            "unsafe" => "NonIdempotent",
            other => {
                return Err(format!(
                    "{}: unknown class `{other}` for {rpc}",
                    path.display()
                ));
            }
        };
        let grants = if *grants == "-" {
            Vec::new()
        } else {
            grants
                .split(',')
                .map(grant_variant)
                .collect::<Result<Vec<_>, _>>()?
        };
        let field = |v: &str| (v != "-").then(|| v.to_owned());
        let policy = Policy {
            idempotency,
            grants,
            room_field: field(room),
            destination_field: field(destination),
        };
        if rows.insert((*rpc).to_owned(), policy).is_some() {
            return Err(format!("{}: {rpc} is listed twice", path.display()));
        }
    }
    Ok(rows)
}

fn grant_variant(name: &str) -> Result<&'static str, String> {
    Ok(match name {
        "video.roomCreate" => "RoomCreate",
        "video.roomList" => "RoomList",
        "video.roomRecord" => "RoomRecord",
        "video.roomAdmin" => "RoomAdmin",
        "video.ingressAdmin" => "IngressAdmin",
        "sip.admin" => "SipAdmin",
        "sip.call" => "SipCall",
        "agent.admin" => "AgentAdmin",
        "agent.simulationAdmin" => "AgentSimulationAdmin",
        "agent.databaseAdmin" => "AgentDatabaseAdmin",
        other => return Err(format!("unknown grant `{other}` in proto/rpc-policy.txt")),
    })
}

/// `CreateSIPInboundTrunk` → `create_sip_inbound_trunk`, `AgentDBService` → `agent_db_service`.
pub(crate) fn snake_case(name: &str) -> String {
    // Brand names that are one word in method names (`dial_whatsapp_call`, as the other SDKs).
    split_words(&name.replace("WhatsApp", "Whatsapp"))
}

/// The identifier prost gives a message or enum (`SIPInboundTrunkInfo` → `SipInboundTrunkInfo`).
pub(crate) fn prost_type_name(name: &str) -> String {
    split_words(name)
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Lower-case words joined by `_`, splitting before an upper-case letter that follows a
/// lower-case letter or digit, or that starts a word after an acronym.
fn split_words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A public Twirp service as found in the descriptors.
#[derive(Debug)]
pub(crate) struct ServiceInfo {
    pub(crate) name: String,
    pub(crate) file: String,
    pub(crate) doc: String,
    pub(crate) methods: Vec<MethodInfo>,
}

/// One RPC of a service.
#[derive(Debug)]
pub(crate) struct MethodInfo {
    /// The fully qualified service name (`livekit.RoomService`).
    pub(crate) service: String,
    pub(crate) name: String,
    pub(crate) input: String,
    pub(crate) output: String,
    pub(crate) doc: String,
    pub(crate) deprecated: bool,
}

/// The public Twirp services: every service of package `livekit`, except the participant-RPC
/// registries of `roomrpc/` (called through `RoomService.PerformRpc`, not Twirp). Internal
/// psrpc services live in `rpc/`, which is not compiled.
pub(crate) fn services(fds: &FileDescriptorSet) -> Vec<ServiceInfo> {
    let mut out = Vec::new();
    for file in &fds.file {
        if file.package() != "livekit" || file.name().starts_with("roomrpc/") {
            continue;
        }
        let docs = doc_comments(file);
        for (si, service) in file.service.iter().enumerate() {
            let methods = service
                .method
                .iter()
                .enumerate()
                .map(|(mi, m)| MethodInfo {
                    service: format!("livekit.{}", service.name()),
                    name: m.name().to_owned(),
                    input: m.input_type().trim_start_matches('.').to_owned(),
                    output: m.output_type().trim_start_matches('.').to_owned(),
                    doc: docs
                        .get(&vec![6, si as i32, 2, mi as i32])
                        .cloned()
                        .unwrap_or_default(),
                    deprecated: m.options.as_ref().is_some_and(|o| o.deprecated()),
                })
                .collect();
            out.push(ServiceInfo {
                name: service.name().to_owned(),
                file: file.name().to_owned(),
                doc: docs.get(&vec![6, si as i32]).cloned().unwrap_or_default(),
                methods,
            });
        }
    }
    out
}

fn doc_comments(file: &FileDescriptorProto) -> BTreeMap<Vec<i32>, String> {
    let mut docs = BTreeMap::new();
    if let Some(info) = &file.source_code_info {
        for location in &info.location {
            let text = location.leading_comments().trim();
            if !text.is_empty() {
                docs.insert(location.path.clone(), text.to_owned());
            }
        }
    }
    docs
}

fn services_table(
    fds: &FileDescriptorSet,
    policy: &BTreeMap<String, Policy>,
    pin: &Pin,
) -> Result<String, String> {
    let services = services(fds);
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

    #[test]
    fn snake_case_handles_acronyms() {
        assert_eq!(
            snake_case("CreateSIPInboundTrunk"),
            "create_sip_inbound_trunk"
        );
        assert_eq!(snake_case("AgentDBService"), "agent_db_service");
        assert_eq!(snake_case("SIP"), "sip");
        assert_eq!(snake_case("RoomService"), "room_service");
        assert_eq!(snake_case("ListSIPTrunk"), "list_sip_trunk");
        assert_eq!(snake_case("CreateAgentV2"), "create_agent_v2");
        assert_eq!(snake_case("DialWhatsAppCall"), "dial_whatsapp_call");
        assert_eq!(prost_type_name("SIPInboundTrunkInfo"), "SipInboundTrunkInfo");
        assert_eq!(prost_type_name("DialWhatsAppCallRequest"), "DialWhatsAppCallRequest");
    }

    /// The committed generated code is what the pinned protocol produces (CI runs this too).
    #[test]
    fn codegen_is_fresh() {
        let root = util::workspace_root();
        if let Err(message) = run(&root, Mode::Check) {
            panic!("{message}");
        }
    }
}
