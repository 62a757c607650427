//! What the generators read from the descriptors and `proto/rpc-policy.txt`, and the names
//! prost gives to what it generates: shared by `codegen`, `clients`,
//! `paging`, `conversions`, `protojson` and `redact`.

use std::collections::BTreeMap;
use std::path::Path;

use prost_types::{DescriptorProto, FileDescriptorProto, FileDescriptorSet};

use crate::util;

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
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The identifier prost gives a field (or a oneof): snake case, a keyword made raw (`r#type`)
/// or, where that is not allowed, suffixed (`self_`).
pub(crate) fn field_ident(name: &str) -> String {
    let snake = split_words(name);
    if syn::parse_str::<syn::Ident>(&snake).is_ok() {
        snake
    } else if matches!(snake.as_str(), "self" | "super" | "crate") {
        format!("{snake}_")
    } else {
        format!("r#{snake}")
    }
}

/// Lower-case words joined by `_`, splitting before an upper-case letter that follows a
/// lower-case letter or digit, or that starts a word after an acronym.
pub(crate) fn split_words(name: &str) -> String {
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

/// The Rust path of a protocol message below `krate`, the path of the proto crate (`proto` in a
/// client crate; empty for a path relative to the proto crate's root).
pub(crate) fn rust_type_in(krate: &str, full_name: &str) -> String {
    let (mut path, rest) = if let Some(rest) = full_name.strip_prefix("google.protobuf.") {
        (format!("{krate}::google::protobuf"), rest)
    } else if let Some(rest) = full_name.strip_prefix("livekit.") {
        (krate.to_owned(), rest)
    } else {
        (krate.to_owned(), full_name)
    };
    let parts: Vec<&str> = rest.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push_str("::");
        if i + 1 == parts.len() {
            path.push_str(&prost_type_name(part));
        } else {
            path.push_str(&split_words(part));
        }
    }
    path.trim_start_matches("::").to_owned()
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

/// Every message of the descriptors, nested ones included, by fully qualified name
/// (`.livekit.SimulationRun.List.Request`).
pub(crate) fn messages(fds: &FileDescriptorSet) -> BTreeMap<String, &DescriptorProto> {
    fn walk<'a>(
        prefix: &str,
        list: &'a [DescriptorProto],
        out: &mut BTreeMap<String, &'a DescriptorProto>,
    ) {
        for message in list {
            let name = format!("{prefix}.{}", message.name());
            walk(&name, &message.nested_type, out);
            out.insert(name, message);
        }
    }
    let mut out = BTreeMap::new();
    for file in &fds.file {
        let prefix = if file.package().is_empty() {
            String::new()
        } else {
            format!(".{}", file.package())
        };
        walk(&prefix, &file.message_type, &mut out);
    }
    out
}

/// Descriptors built by hand, for the generators' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use prost_types::field_descriptor_proto::{Label, Type};
    use prost_types::{DescriptorProto, FieldDescriptorProto};

    /// A field of type `type_name` (a message), or a string when `type_name` is empty.
    pub(crate) fn field(name: &str, label: Label, type_name: &str) -> FieldDescriptorProto {
        FieldDescriptorProto {
            name: Some(name.to_owned()),
            label: Some(label as i32),
            r#type: Some(if type_name.is_empty() {
                Type::String
            } else {
                Type::Message
            } as i32),
            type_name: (!type_name.is_empty()).then(|| type_name.to_owned()),
            ..Default::default()
        }
    }

    /// A message with these fields.
    pub(crate) fn message(name: &str, fields: Vec<FieldDescriptorProto>) -> DescriptorProto {
        DescriptorProto {
            name: Some(name.to_owned()),
            field: fields,
            ..Default::default()
        }
    }
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
        assert_eq!(
            prost_type_name("SIPInboundTrunkInfo"),
            "SipInboundTrunkInfo"
        );
        assert_eq!(
            prost_type_name("DialWhatsAppCallRequest"),
            "DialWhatsAppCallRequest"
        );
    }
}
