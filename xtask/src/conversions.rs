//! Generation of the proto crate's conversions from a string (`src/generated/from_string.rs`).
//!
//! The rule: the request message of a public RPC gets `From<&str>`, `From<&String>` and
//! `From<String>` when its only field, not counting a `page_token` of type
//! `livekit.TokenPagination` (a list's cursor, empty on the first page), is a singular `string`
//! outside any oneof. That string is the one thing the request says (a room name, as in
//! `ListParticipantsRequest.room` and `DeleteRoomRequest.room`, or the id of what the call acts
//! on, as in `StopEgressRequest.egress_id`), so `room.list_participants("demo")` and
//! `egress.stop_egress("EG_…")` cannot mean anything else. A request with any other field (a
//! filter, a flag, a second name) gets no conversion here: its meaning would depend on which
//! field the string went to; the hand-written constructors of the proto crate's
//! `src/conversions.rs` cover the common ones.
//!
//! Detection is structural, so a protocol update that adds such a request gets its conversion
//! without a change here.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorSet};

use crate::descriptors::{ServiceInfo, messages, rust_type_in};
use crate::paging::{PAGE_TOKEN, is_token};

/// The code of `from_string.rs`: the conversions from a string of every request that fits the
/// rule of this module, in name order.
pub(crate) fn from_string_impls(
    fds: &FileDescriptorSet,
    services: &[ServiceInfo],
) -> Result<String, String> {
    let messages = messages(fds);
    let mut fitting = BTreeSet::new();
    for method in services.iter().flat_map(|s| &s.methods) {
        let request = messages
            .get(&format!(".{}", method.input))
            .ok_or_else(|| format!("message {} is not in the descriptors", method.input))?;
        if let Some(field) = only_string_field(request) {
            fitting.insert((method.input.clone(), field.to_owned()));
        }
    }
    let mut out = String::from("use crate::*;\n");
    for (request, field) in &fitting {
        let ty = rust_type_in("", request);
        let rest = if messages[&format!(".{request}")].field.len() > 1 {
            ", ..Default::default()"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "/// The request with `{field}` set to this string and every other field unset\n\
             /// (generated: `{field}` is the request's only field, its page cursor aside).\n\
             impl From<&str> for {ty} {{\n    fn from({field}: &str) -> Self {{\n        \
             Self {{ {field}: {field}.to_owned(){rest} }}\n    }}\n}}\n\n\
             /// The request with `{field}` set to this string, every other field unset (generated).\n\
             impl From<&String> for {ty} {{\n    fn from({field}: &String) -> Self {{\n        \
             Self {{ {field}: {field}.clone(){rest} }}\n    }}\n}}\n\n\
             /// The request with `{field}` set to this string, every other field unset (generated).\n\
             impl From<String> for {ty} {{\n    fn from({field}: String) -> Self {{\n        \
             Self {{ {field}{rest} }}\n    }}\n}}\n"
        );
    }
    Ok(out)
}

/// The string field of a request that fits the rule, if it does.
fn only_string_field(request: &DescriptorProto) -> Option<&str> {
    let mut fields = request
        .field
        .iter()
        .filter(|f| !(f.name() == PAGE_TOKEN && is_token(f)));
    let (Some(only), None) = (fields.next(), fields.next()) else {
        return None;
    };
    let fits = only.r#type() == Type::String
        && only.label() != Label::Repeated
        && only.oneof_index.is_none()
        && !only.proto3_optional();
    fits.then(|| only.name())
}

#[cfg(test)]
mod tests {
    use prost_types::{FieldDescriptorProto, FileDescriptorProto};

    use super::*;
    use crate::descriptors::MethodInfo;
    use crate::descriptors::fixtures::{field, message};
    use crate::paging::TOKEN;

    fn string(name: &str) -> FieldDescriptorProto {
        field(name, Label::Optional, "")
    }

    fn generate(messages: Vec<DescriptorProto>) -> String {
        let fds = FileDescriptorSet {
            file: vec![FileDescriptorProto {
                name: Some("test.proto".to_owned()),
                package: Some("livekit".to_owned()),
                message_type: messages.clone(),
                ..Default::default()
            }],
        };
        let methods = messages
            .iter()
            .map(|m| MethodInfo {
                service: "livekit.Test".to_owned(),
                name: m.name().to_owned(),
                input: format!("livekit.{}", m.name()),
                output: format!("livekit.{}", m.name()),
                doc: String::new(),
                deprecated: false,
            })
            .collect();
        let services = [ServiceInfo {
            name: "Test".to_owned(),
            file: "test.proto".to_owned(),
            doc: String::new(),
            methods,
        }];
        let code = from_string_impls(&fds, &services).unwrap();
        assert!(syn::parse_file(&code).is_ok(), "{code}");
        code
    }

    #[test]
    fn only_a_lone_string_gets_conversions() {
        let token = field(PAGE_TOKEN, Label::Optional, TOKEN);
        let mut repeated = string("room");
        repeated.label = Some(Label::Repeated as i32);
        let mut in_oneof = string("room");
        in_oneof.oneof_index = Some(0);
        let code = generate(vec![
            message("DeleteThingRequest", vec![string("room")]),
            message("ListThingsRequest", vec![string("room_name"), token]),
            message("TwoFieldsRequest", vec![string("room"), string("identity")]),
            message("StopThingRequest", vec![string("thing_id")]),
            message("RepeatedRequest", vec![repeated]),
            message("OneofRequest", vec![in_oneof]),
            message("EmptyRequest", vec![]),
        ]);
        assert!(code.contains("impl From<&str> for DeleteThingRequest"));
        assert!(code.contains("impl From<String> for DeleteThingRequest"));
        assert!(code.contains("impl From<&String> for DeleteThingRequest"));
        assert!(code.contains("Self { room: room.to_owned() }"), "{code}");
        assert!(code.contains("impl From<&str> for ListThingsRequest"));
        assert!(code.contains("Self { room_name, ..Default::default() }"));
        assert!(code.contains("impl From<String> for StopThingRequest"));
        assert!(code.contains("Self { thing_id }"));
        for absent in [
            "TwoFieldsRequest",
            "RepeatedRequest",
            "OneofRequest",
            "EmptyRequest",
        ] {
            assert!(!code.contains(absent), "{absent}: {code}");
        }
        assert_eq!(code.matches("impl From").count(), 9);
    }
}
