//! The protocol fields that hold a credential, and the `Debug` impls that hide them
//! (`src/generated/redacted_debug.rs` of the proto crate).
//!
//! prost derives `Debug` for every message, and that prints every field: a SIP trunk's
//! password, an S3 secret, an ingress stream key would end up in logs and panic messages. For
//! each message with a field in [`REDACTED`], codegen asks prost-build not to derive `Debug`
//! (`Config::skip_debug`) and writes the impl here, from the descriptors: every field in the
//! order of the struct prost generates (plain fields in declaration order, then oneofs), each
//! printed as the derived impl prints it (enum fields by name, nested messages through their
//! own `Debug`), except that a listed field prints `<redacted>` when it is set and its empty
//! value (`""`, `[]`, `None`) when it is not, so whether it is set stays visible. prost skips
//! the `Debug` of such a message's oneof enums too; their impls are written here as well.
//! What the generated code calls (`Secret`, `SecretUrl`, `enumeration`) is the proto crate's
//! `src/redact.rs`.
//!
//! The list is explicit, one row per field with the reason, not a rule on names (`token` is
//! also a page cursor, `key` a data-blob id). Codegen fails when a listed field is gone from
//! the protocol or has a type the runtime cannot hide, and when the protocol itself marks a
//! field `(logger.sensitivity) = SENSITIVITY_SECRET` (what the server's logger never prints)
//! that is not listed, so a protocol update cannot add a secret silently. The list is a
//! superset of those marks: the protocol leaves some credentials unmarked (a stream key, a
//! TURN password, access tokens).
//!
//! protojson (the `serde` feature) is not affected: a request must carry its secrets to the
//! server.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use prost::Message as _;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorSet};

use crate::descriptors::{field_ident, messages, prost_type_name, rust_type_in, split_words};

/// How a listed field prints in `Debug` when it is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Show {
    /// The whole value is a credential: `<redacted>`.
    Secret,
    /// A URL whose path or query carries a credential (a stream key, a signature, a token):
    /// its scheme and host, then `<redacted>`.
    Url,
}

use Show::{Secret, Url};

/// Every protocol field that holds a credential, as `package.Message.field`, and how it
/// prints. Keep the rows grouped by what they protect and say why each is here.
pub(crate) const REDACTED: &[(&str, Show)] = &[
    // Egress storage: whoever holds these writes to (or reads) the bucket. All are marked
    // SENSITIVITY_SECRET by the protocol, the AWS/Alibaba access key id included (it is half
    // of the pair and the server's logger never prints it either).
    ("livekit.S3Upload.access_key", Secret),
    ("livekit.S3Upload.secret", Secret),
    ("livekit.S3Upload.session_token", Secret),
    // The external id of the role to assume: AWS's guard against confused deputies, a shared
    // secret between the bucket owner and LiveKit (marked SENSITIVITY_SECRET).
    ("livekit.S3Upload.assume_role_external_id", Secret),
    // A service account's JSON, private key included.
    ("livekit.GCPUpload.credentials", Secret),
    ("livekit.AzureBlobUpload.account_key", Secret),
    ("livekit.AliOSSUpload.access_key", Secret),
    ("livekit.AliOSSUpload.secret", Secret),
    // The upload proxy's password.
    ("livekit.ProxyConfig.password", Secret),
    // Egress stream destinations: an RTMP URL ends with the platform's stream key
    // (`rtmp://a.rtmp.youtube.com/live2/<key>`), an SRT URL carries a passphrase.
    ("livekit.StreamOutput.urls", Url),
    ("livekit.UpdateStreamRequest.add_output_urls", Url),
    ("livekit.UpdateStreamRequest.remove_output_urls", Url),
    ("livekit.StreamInfo.url", Url),
    // Ingress: whoever holds the stream key publishes into the room.
    ("livekit.IngressInfo.stream_key", Secret),
    // A URL-pull ingress's source: often a presigned object-storage URL, whose query is its
    // signature (for RTMP and WHIP ingresses the URL to publish to, shown by host too).
    ("livekit.CreateIngressRequest.url", Url),
    ("livekit.IngressInfo.url", Url),
    // SIP digest passwords (all marked SENSITIVITY_SECRET), of the trunks, their updates,
    // the deprecated combined trunk and its request, and an outbound call's own trunk.
    ("livekit.SIPInboundTrunkInfo.auth_password", Secret),
    ("livekit.SIPInboundTrunkUpdate.auth_password", Secret),
    ("livekit.SIPOutboundTrunkInfo.auth_password", Secret),
    ("livekit.SIPOutboundTrunkUpdate.auth_password", Secret),
    ("livekit.SIPTrunkInfo.inbound_password", Secret),
    ("livekit.SIPTrunkInfo.outbound_password", Secret),
    ("livekit.CreateSIPTrunkRequest.inbound_password", Secret),
    ("livekit.CreateSIPTrunkRequest.outbound_password", Secret),
    ("livekit.SIPOutboundConfig.auth_password", Secret),
    // The WhatsApp Business API key the call is made with (marked SENSITIVITY_SECRET).
    ("livekit.DialWhatsAppCallRequest.whatsapp_api_key", Secret),
    ("livekit.AcceptWhatsAppCallRequest.whatsapp_api_key", Secret),
    (
        "livekit.DisconnectWhatsAppCallRequest.whatsapp_api_key",
        Secret,
    ),
    // The URL LiveKit gives Twilio to stream the call's media to: it admits that stream.
    ("livekit.ConnectTwilioCallResponse.connect_url", Url),
    // Cloud agents: the secrets deployed with the agent (API keys of its providers).
    ("livekit.AgentSecret.value", Secret),
    // Presigned uploads of an agent's code: the URL's query is its signature; the POST form's
    // values are the signed policy, the credential scope and the signature.
    ("livekit.CreateAgentResponse.presigned_url", Url),
    ("livekit.DeployAgentResponse.presigned_url", Url),
    ("livekit.PresignedPostRequest.values", Secret),
    // An agent database: the pre-authenticated export URL, and the token of the wire session.
    ("livekit.AgentDB.ExportResponse.download_url", Url),
    ("livekit.AgentDB.Wire.Hello.token", Secret),
    // The key webhooks of a request are signed with (an API key the server holds the secret
    // of); hidden in case a secret is given.
    ("livekit.WebhookConfig.signing_key", Secret),
    // TURN credentials handed to a client (`ICEServer.credential` is marked
    // SENSITIVITY_SECRET).
    ("livekit.Room.turn_password", Secret),
    ("livekit.ICEServer.credential", Secret),
    // Access tokens (JWTs): an agent's token for the job's room, a client's reconnect and
    // refresh tokens, a token source's participant token. Each admits its bearer to a room.
    ("livekit.JobAssignment.token", Secret),
    ("livekit.RoomMovedResponse.token", Secret),
    ("livekit.SignalResponse.refresh_token", Secret),
    ("livekit.TokenSourceResponse.participant_token", Secret),
];

/// The messages prost-build must not derive `Debug` for. Relative paths (no leading `.`)
/// are suffix-matched by prost-build, so `livekit.SIPTrunkInfo` names that message and its
/// oneofs, not the types nested in it (a leading `.` would match them as a prefix), which
/// keep their derived `Debug`.
pub(crate) fn skip_debug_paths() -> Vec<String> {
    listed_messages().into_iter().collect()
}

fn listed_messages() -> BTreeSet<String> {
    REDACTED
        .iter()
        .filter_map(|(path, _)| path.rsplit_once('.').map(|(message, _)| message.to_owned()))
        .collect()
}

/// The number of `#[prost(skip_debug)]` prost-build should have written: one per listed
/// message and one per oneof of those (checked, so that a change in prost-build's path
/// matching is a codegen error and not a missing or duplicate `Debug`).
pub(crate) fn expected_skips(fds: &FileDescriptorSet) -> Result<usize, String> {
    let messages = messages(fds);
    let mut count = 0;
    for name in listed_messages() {
        let message = messages
            .get(&format!(".{name}"))
            .ok_or_else(|| format!("redact: message {name} is not in the protocol"))?;
        count += 1 + real_oneofs(message).len();
    }
    Ok(count)
}

/// The contents of `redacted_debug.rs`. `fds` is the whole compiled set (the annotation
/// files included) and `encoded` the same set as protox encodes it, with extension options.
pub(crate) fn debug_impls(fds: &FileDescriptorSet, encoded: &[u8]) -> Result<String, String> {
    impls(fds, encoded, REDACTED)
}

fn impls(
    fds: &FileDescriptorSet,
    encoded: &[u8],
    table: &[(&str, Show)],
) -> Result<String, String> {
    let messages = messages(fds);
    let mut listed: BTreeMap<String, BTreeMap<String, Show>> = BTreeMap::new();
    for &(path, show) in table {
        let (message_name, field_name) = path
            .rsplit_once('.')
            .ok_or_else(|| format!("redact: `{path}` is not `package.Message.field`"))?;
        let message = messages
            .get(&format!(".{message_name}"))
            .ok_or_else(|| format!("redact: message {message_name} is not in the protocol"))?;
        let field = message
            .field
            .iter()
            .find(|f| f.name() == field_name)
            .ok_or_else(|| format!("redact: {message_name} has no field {field_name}"))?;
        check_type(path, field, message, show)?;
        if listed
            .entry(message_name.to_owned())
            .or_default()
            .insert(field_name.to_owned(), show)
            .is_some()
        {
            return Err(format!("redact: {path} is listed twice"));
        }
    }
    let unlisted: Vec<String> = marked_secret(fds, encoded)?
        .into_iter()
        .filter(|path| {
            path.rsplit_once('.').is_none_or(|(message, field)| {
                !listed.get(message).is_some_and(|f| f.contains_key(field))
            })
        })
        .collect();
    if !unlisted.is_empty() {
        return Err(format!(
            "the protocol marks {} SENSITIVITY_SECRET; add {} to REDACTED in xtask/src/redact.rs",
            unlisted.join(", "),
            if unlisted.len() == 1 { "it" } else { "them" }
        ));
    }

    let mut out =
        String::from("use core::fmt;\n\nuse crate::redact::{Secret, SecretUrl, enumeration};\n");
    for (name, secrets) in &listed {
        message_impl(&mut out, name, messages[&format!(".{name}")], secrets)?;
    }
    Ok(out)
}

/// Fails unless the runtime can hide a field of this type (`src/redact.rs` of the proto
/// crate): a string (singular, `optional` or a oneof member) or bytes, a map of strings; a
/// URL as a string or a list of strings.
fn check_type(
    path: &str,
    field: &FieldDescriptorProto,
    message: &DescriptorProto,
    show: Show,
) -> Result<(), String> {
    let repeated = field.label() == Label::Repeated;
    let fits = match (show, field.r#type()) {
        (Secret, Type::String | Type::Bytes) => !repeated,
        (Secret, Type::Message) => map_entry(message, field).is_some_and(|entry| {
            entry
                .field
                .iter()
                .all(|f| f.r#type() == Type::String && f.label() != Label::Repeated)
        }),
        (Url, Type::String) => true,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "redact: {path} ({:?}, {:?}) cannot be shown as {show:?}; extend src/redact.rs of the proto crate",
            field.label(),
            field.r#type()
        ))
    }
}

/// The map entry type of a map field.
fn map_entry<'a>(
    message: &'a DescriptorProto,
    field: &FieldDescriptorProto,
) -> Option<&'a DescriptorProto> {
    if field.label() != Label::Repeated || field.r#type() != Type::Message {
        return None;
    }
    let type_name = field.type_name();
    message.nested_type.iter().find(|nested| {
        nested.options.as_ref().is_some_and(|o| o.map_entry())
            && type_name
                .strip_suffix(nested.name())
                .is_some_and(|p| p.ends_with('.'))
    })
}

/// The oneofs prost generates an enum for (not the synthetic ones of `optional` fields), in
/// declaration order, each with its members.
fn real_oneofs(message: &DescriptorProto) -> Vec<(&str, Vec<&FieldDescriptorProto>)> {
    let mut oneofs: Vec<(&str, Vec<&FieldDescriptorProto>)> = message
        .oneof_decl
        .iter()
        .map(|decl| (decl.name(), Vec::new()))
        .collect();
    for field in &message.field {
        if let Some(index) = field.oneof_index.filter(|_| !field.proto3_optional())
            && let Some(slot) = usize::try_from(index).ok().and_then(|i| oneofs.get_mut(i))
        {
            slot.1.push(field);
        }
    }
    oneofs.retain(|(_, members)| !members.is_empty());
    oneofs
}

/// The `Debug` impl of one listed message and of its oneof enums.
fn message_impl(
    out: &mut String,
    name: &str,
    message: &DescriptorProto,
    secrets: &BTreeMap<String, Show>,
) -> Result<(), String> {
    let path = rust_type_in("crate", name);
    // The module prost puts the message's oneof enums in.
    let module = format!(
        "{}::{}",
        path.rsplit_once("::").map_or("", |p| p.0),
        split_words(message.name())
    );
    let mut fields = String::new();
    for field in &message.field {
        if field.oneof_index.is_some() && !field.proto3_optional() {
            continue;
        }
        let ident = field_ident(field.name());
        let value = shown(name, field, message, secrets, &format!("&self.{ident}"))?;
        let _ = writeln!(fields, ".field({ident:?}, {value})");
    }
    let oneofs = real_oneofs(message);
    for (oneof, _) in &oneofs {
        let ident = field_ident(oneof);
        let _ = writeln!(fields, ".field({ident:?}, &self.{ident})");
    }
    let hidden: Vec<&str> = message
        .field
        .iter()
        .map(FieldDescriptorProto::name)
        .filter(|f| secrets.contains_key(*f))
        .collect();
    let _ = writeln!(
        out,
        "\n/// `{name}`: {}; every other field as the derived `Debug` prints it.\n\
         impl fmt::Debug for {path} {{\n\
             fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{\n\
                 f.debug_struct({:?})\n{fields}.finish()\n\
             }}\n\
         }}",
        redacted_list(&hidden),
        prost_type_name(message.name()),
    );
    for (oneof, members) in &oneofs {
        let mut arms = String::new();
        for field in members {
            let variant = prost_type_name(field.name());
            let value = shown(name, field, message, secrets, "v")?;
            let _ = writeln!(
                arms,
                "Self::{variant}(v) => f.debug_tuple({variant:?}).field({value}).finish(),"
            );
        }
        let hidden: Vec<&str> = members
            .iter()
            .map(|f| f.name())
            .filter(|f| secrets.contains_key(*f))
            .collect();
        let doc = if hidden.is_empty() {
            "every member as the derived `Debug` prints it (prost skips it with its message)"
                .to_owned()
        } else {
            format!(
                "{}; every other member as the derived `Debug` prints it",
                redacted_list(&hidden)
            )
        };
        let _ = writeln!(
            out,
            "\n/// The oneof `{name}.{oneof}`: {doc}.\n\
             impl fmt::Debug for {module}::{} {{\n\
                 fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{\n\
                     match self {{\n{arms}}}\n\
                 }}\n\
             }}",
            prost_type_name(oneof),
        );
    }
    Ok(())
}

/// "`a` redacted", "`a` and `b` redacted", "`a`, `b` and `c` redacted".
fn redacted_list(fields: &[&str]) -> String {
    let quoted: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => format!("{last} redacted"),
        Some((last, rest)) => format!("{} and {last} redacted", rest.join(", ")),
        None => "nothing redacted".to_owned(),
    }
}

/// The expression a field's value is printed through: `value` is a reference to it.
fn shown(
    message_name: &str,
    field: &FieldDescriptorProto,
    message: &DescriptorProto,
    secrets: &BTreeMap<String, Show>,
    value: &str,
) -> Result<String, String> {
    Ok(match secrets.get(field.name()) {
        Some(Secret) => format!("&Secret({value})"),
        Some(Url) => format!("&SecretUrl({value})"),
        None if field.r#type() == Type::Enum => {
            let ty = rust_type_in("crate", field.type_name().trim_start_matches('.'));
            format!("&enumeration::<{ty}, _>({value})")
        }
        None => {
            if let Some(entry) = map_entry(message, field)
                && entry.field.iter().any(|f| f.r#type() == Type::Enum)
            {
                return Err(format!(
                    "redact: {message_name}.{} is a map with enum values, which the generated \
                     `Debug` does not print by name yet",
                    field.name()
                ));
            }
            value.to_owned()
        }
    })
}

/// The number of the `logger.sensitivity` field option and of its `SENSITIVITY_SECRET`
/// value (`logger/options.proto`), checked against the descriptors.
const SENSITIVITY_OPTION: i32 = 1288;
const SENSITIVITY_SECRET: i32 = 2;

/// Every field the protocol marks `(logger.sensitivity) = SENSITIVITY_SECRET`, as
/// `package.Message.field`.
fn marked_secret(fds: &FileDescriptorSet, encoded: &[u8]) -> Result<Vec<String>, String> {
    let logger = fds
        .file
        .iter()
        .find(|f| f.package() == "logger")
        .ok_or("redact: logger/options.proto is not compiled")?;
    let option = logger.extension.iter().find(|e| e.name() == "sensitivity");
    let secret = logger
        .enum_type
        .iter()
        .filter(|e| e.name() == "Sensitivity")
        .flat_map(|e| &e.value)
        .find(|v| v.name() == "SENSITIVITY_SECRET");
    if option.map(|o| (o.number(), o.extendee()))
        != Some((SENSITIVITY_OPTION, ".google.protobuf.FieldOptions"))
        || secret.map(|v| v.number()) != Some(SENSITIVITY_SECRET)
    {
        return Err(
            "redact: `logger.sensitivity` or SENSITIVITY_SECRET changed number in \
             logger/options.proto; update xtask/src/redact.rs"
                .to_owned(),
        );
    }
    let set = wire::FileSet::decode(encoded)
        .map_err(|error| format!("redact: cannot read the encoded descriptors: {error}"))?;
    let mut out = Vec::new();
    for file in &set.file {
        let package = file.package.clone().unwrap_or_default();
        for message in &file.message_type {
            wire::walk(&package, message, &mut out);
        }
    }
    Ok(out)
}

/// Just enough of `google.protobuf.FileDescriptorSet` to read the `logger.sensitivity`
/// option of fields, an extension, which `prost_types` drops when decoding.
mod wire {
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct FileSet {
        #[prost(message, repeated, tag = "1")]
        pub(super) file: Vec<File>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct File {
        #[prost(string, optional, tag = "2")]
        pub(super) package: Option<String>,
        #[prost(message, repeated, tag = "4")]
        pub(super) message_type: Vec<Message>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Message {
        #[prost(string, optional, tag = "1")]
        pub(super) name: Option<String>,
        #[prost(message, repeated, tag = "2")]
        pub(super) field: Vec<Field>,
        #[prost(message, repeated, tag = "3")]
        pub(super) nested_type: Vec<Message>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Field {
        #[prost(string, optional, tag = "1")]
        pub(super) name: Option<String>,
        #[prost(message, optional, tag = "8")]
        pub(super) options: Option<FieldOptions>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct FieldOptions {
        /// `logger.sensitivity` (`super::SENSITIVITY_OPTION`).
        #[prost(int32, optional, tag = "1288")]
        pub(super) sensitivity: Option<i32>,
    }

    /// Appends `prefix.Message.field` for every field of `message` (nested messages
    /// included) marked `SENSITIVITY_SECRET`.
    pub(super) fn walk(prefix: &str, message: &Message, out: &mut Vec<String>) {
        let name = format!("{prefix}.{}", message.name.as_deref().unwrap_or_default());
        for field in &message.field {
            if field.options.as_ref().and_then(|o| o.sensitivity) == Some(super::SENSITIVITY_SECRET)
            {
                out.push(format!(
                    "{name}.{}",
                    field.name.as_deref().unwrap_or_default()
                ));
            }
        }
        for nested in &message.nested_type {
            walk(&name, nested, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use prost_types::{
        EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto, FileDescriptorProto,
        OneofDescriptorProto,
    };

    use super::*;
    use crate::descriptors::fixtures::{field, message};

    #[test]
    fn rows_are_message_fields_listed_once() {
        let mut seen = BTreeSet::new();
        for (path, _) in REDACTED {
            assert!(path.starts_with("livekit."), "{path}");
            assert!(path.matches('.').count() >= 2, "{path}");
            assert!(seen.insert(*path), "{path} is listed twice");
        }
        // Relative paths: prost-build must not match the nested types by prefix.
        assert!(skip_debug_paths().iter().all(|p| !p.starts_with('.')));
    }

    fn string(name: &str) -> FieldDescriptorProto {
        field(name, Label::Optional, "")
    }

    /// `logger/options.proto` as far as the check reads it.
    fn logger() -> FileDescriptorProto {
        FileDescriptorProto {
            name: Some("logger/options.proto".to_owned()),
            package: Some("logger".to_owned()),
            extension: vec![FieldDescriptorProto {
                name: Some("sensitivity".to_owned()),
                number: Some(SENSITIVITY_OPTION),
                extendee: Some(".google.protobuf.FieldOptions".to_owned()),
                ..Default::default()
            }],
            enum_type: vec![EnumDescriptorProto {
                name: Some("Sensitivity".to_owned()),
                value: vec![EnumValueDescriptorProto {
                    name: Some("SENSITIVITY_SECRET".to_owned()),
                    number: Some(SENSITIVITY_SECRET),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// A `livekit.Trunk` with a plain, a secret, an enum and an `optional` field and a oneof
    /// (`token` is a secret member), and the encoded set with `password` marked
    /// SENSITIVITY_SECRET, and `marked` too if given.
    fn trunk(marked: Option<&str>) -> (FileDescriptorSet, Vec<u8>) {
        let mut kind = field("kind", Label::Optional, "");
        kind.r#type = Some(Type::Enum as i32);
        kind.type_name = Some(".livekit.Kind".to_owned());
        let mut pin = string("pin");
        pin.proto3_optional = Some(true);
        pin.oneof_index = Some(1);
        let mut token = string("token");
        token.oneof_index = Some(0);
        let mut user = string("user");
        user.oneof_index = Some(0);
        let mut trunk = message(
            "Trunk",
            vec![string("name"), string("password"), kind, token, user, pin],
        );
        trunk.oneof_decl = vec![
            OneofDescriptorProto {
                name: Some("auth".to_owned()),
                ..Default::default()
            },
            OneofDescriptorProto {
                name: Some("_pin".to_owned()),
                ..Default::default()
            },
        ];
        let fds = FileDescriptorSet {
            file: vec![
                logger(),
                FileDescriptorProto {
                    name: Some("trunk.proto".to_owned()),
                    package: Some("livekit".to_owned()),
                    message_type: vec![trunk.clone()],
                    ..Default::default()
                },
            ],
        };
        let wire_field = |name: &str| wire::Field {
            name: Some(name.to_owned()),
            options: (name == "password" || Some(name) == marked).then_some(wire::FieldOptions {
                sensitivity: Some(SENSITIVITY_SECRET),
            }),
        };
        let encoded = wire::FileSet {
            file: vec![wire::File {
                package: Some("livekit".to_owned()),
                message_type: vec![wire::Message {
                    name: Some("Trunk".to_owned()),
                    field: trunk.field.iter().map(|f| wire_field(f.name())).collect(),
                    nested_type: Vec::new(),
                }],
            }],
        }
        .encode_to_vec();
        (fds, encoded)
    }

    const TABLE: &[(&str, Show)] = &[
        ("livekit.Trunk.password", Secret),
        ("livekit.Trunk.token", Secret),
    ];

    #[test]
    fn every_field_prints_in_struct_order_secrets_through_the_runtime() {
        let (fds, encoded) = trunk(None);
        let code = impls(&fds, &encoded, TABLE).unwrap();
        assert!(syn::parse_file(&code).is_ok(), "{code}");
        let code: String = code.split_whitespace().collect();
        // Plain fields in declaration order (the `optional` one among them), then the oneof.
        let order = [
            r#".field("name",&self.name)"#,
            r#".field("password",&Secret(&self.password))"#,
            r#".field("kind",&enumeration::<crate::Kind,_>(&self.kind))"#,
            r#".field("pin",&self.pin)"#,
            r#".field("auth",&self.auth)"#,
        ];
        let positions: Vec<usize> = order
            .iter()
            .map(|part| code.find(part).unwrap_or_else(|| panic!("{part}: {code}")))
            .collect();
        assert!(positions.is_sorted(), "{code}");
        assert!(
            code.contains("implfmt::Debugforcrate::trunk::Auth"),
            "{code}"
        );
        assert!(
            code.contains(r#"Self::Token(v)=>f.debug_tuple("Token").field(&Secret(v)).finish()"#),
            "{code}"
        );
        assert!(
            code.contains(r#"Self::User(v)=>f.debug_tuple("User").field(v).finish()"#),
            "{code}"
        );
    }

    #[test]
    fn a_field_the_protocol_marks_secret_must_be_listed() {
        let (fds, encoded) = trunk(Some("name"));
        let error = impls(&fds, &encoded, TABLE).unwrap_err();
        assert!(error.contains("livekit.Trunk.name"), "{error}");
        assert!(!error.contains("password"), "{error}");
        let (fds, encoded) = trunk(None);
        let error = impls(&fds, &encoded, &TABLE[1..]).unwrap_err();
        assert!(error.contains("livekit.Trunk.password"), "{error}");
    }

    #[test]
    fn a_listed_field_must_exist_and_have_a_type_the_runtime_hides() {
        let (fds, encoded) = trunk(None);
        let gone = [TABLE, &[("livekit.Trunk.pasword", Secret)]].concat();
        let error = impls(&fds, &encoded, &gone).unwrap_err();
        assert!(error.contains("has no field pasword"), "{error}");
        let enum_row = [TABLE, &[("livekit.Trunk.kind", Secret)]].concat();
        let error = impls(&fds, &encoded, &enum_row).unwrap_err();
        assert!(error.contains("livekit.Trunk.kind"), "{error}");
    }
}
