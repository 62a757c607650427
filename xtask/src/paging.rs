//! Generation of the proto crate's `TokenPaged` impls (`src/generated/token_paged.rs`).
//!
//! A public RPC is token-paged when its request has a `page_token` field of type
//! `livekit.TokenPagination`. Its response must then have a `next_page_token` of the same type
//! and exactly one repeated message field, the items (`items`, `runs`, `replays`, …); anything
//! else fails codegen, so that a new pagination shape is noticed instead of skipped. Detection is
//! structural: a protocol update that adds such an RPC gets its impl without changes here.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorSet};

use crate::descriptors::{ServiceInfo, messages, rust_type_in};

/// The message every token-paged request and response carries.
pub(crate) const TOKEN: &str = ".livekit.TokenPagination";
/// The request's field holding the token of the page asked for.
pub(crate) const PAGE_TOKEN: &str = "page_token";
/// The response's field holding the token of the next page.
const NEXT_PAGE_TOKEN: &str = "next_page_token";

/// One token-paged request message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Paged {
    response: String,
    items_field: String,
    item: String,
}

/// The code of `token_paged.rs`: the `TokenPaged` impls of every token-paged request message.
pub(crate) fn token_paged_impls(
    fds: &FileDescriptorSet,
    services: &[ServiceInfo],
) -> Result<String, String> {
    let messages = messages(fds);
    let find = |name: &str| {
        messages
            .get(&format!(".{name}"))
            .ok_or_else(|| format!("message {name} is not in the descriptors"))
    };
    // Request → its pagination, in name order (stable output).
    let mut paged: BTreeMap<String, Paged> = BTreeMap::new();
    for method in services.iter().flat_map(|s| &s.methods) {
        let rpc = format!("{}.{}", method.service, method.name);
        let request = find(&method.input)?;
        let Some(page_token) = field(request, PAGE_TOKEN) else {
            continue;
        };
        if !is_token(page_token) {
            continue;
        }
        let response = find(&method.output)?;
        let found = page_of(response).map_err(|why| {
            format!(
                "{rpc}: the request has `{PAGE_TOKEN}` but the response {} {why} \
                 (xtask/src/paging.rs)",
                method.output
            )
        })?;
        let found = Paged {
            response: method.output.clone(),
            ..found
        };
        if let Some(known) = paged.get(&method.input).filter(|known| **known != found) {
            return Err(format!(
                "{rpc}: {} is the request of two paged RPCs with different responses \
                 ({} and {})",
                method.input, known.response, found.response
            ));
        }
        paged.insert(method.input.clone(), found);
    }

    // A call of the proto crate's `token_paged!` macro (`src/paging.rs`) per request, with
    // paths from the crate root (prettyplease spaces out `crate::` inside a macro call).
    let mut out = String::from("use crate::*;\n");
    for (request, page) in &paged {
        let _ = writeln!(
            out,
            "crate::paging::token_paged!({}, {}, {}, {});",
            rust_type_in("", request),
            rust_type_in("", &page.response),
            page.items_field,
            rust_type_in("", &page.item),
        );
    }
    Ok(out)
}

/// The items field of a token-paged response (the `response` name is filled in by the caller),
/// or why `response` is not one.
fn page_of(response: &DescriptorProto) -> Result<Paged, String> {
    if !field(response, NEXT_PAGE_TOKEN).is_some_and(is_token) {
        return Err(format!("has no `{NEXT_PAGE_TOKEN}` of type {TOKEN}"));
    }
    let repeated: Vec<&FieldDescriptorProto> = response
        .field
        .iter()
        .filter(|f| f.label() == Label::Repeated && f.r#type() == Type::Message)
        .collect();
    let [items] = repeated.as_slice() else {
        return Err(format!(
            "has {} repeated message fields where the items should be the only one",
            repeated.len()
        ));
    };
    let name = items.name();
    // The field's identifier as prost writes it: already snake_case, and not a keyword.
    if name != name.to_ascii_lowercase() || syn::parse_str::<syn::Ident>(name).is_err() {
        return Err(format!(
            "has an items field `{name}` that is not a plain identifier"
        ));
    }
    Ok(Paged {
        response: String::new(),
        items_field: name.to_owned(),
        item: items.type_name().trim_start_matches('.').to_owned(),
    })
}

fn field<'a>(message: &'a DescriptorProto, name: &str) -> Option<&'a FieldDescriptorProto> {
    message.field.iter().find(|f| f.name() == name)
}

/// A single (not repeated) `livekit.TokenPagination` field.
pub(crate) fn is_token(field: &FieldDescriptorProto) -> bool {
    field.label() != Label::Repeated
        && field.r#type() == Type::Message
        && field.type_name() == TOKEN
}

#[cfg(test)]
mod tests {
    use prost_types::FileDescriptorProto;

    use super::*;
    use crate::descriptors::MethodInfo;
    use crate::descriptors::fixtures::{field, message};

    /// A `livekit` file with `messages` and one service whose RPCs are `(name, input, output)`.
    fn protocol(
        messages: Vec<DescriptorProto>,
        rpcs: &[(&str, &str, &str)],
    ) -> (FileDescriptorSet, Vec<ServiceInfo>) {
        let fds = FileDescriptorSet {
            file: vec![FileDescriptorProto {
                name: Some("test.proto".to_owned()),
                package: Some("livekit".to_owned()),
                message_type: messages,
                ..Default::default()
            }],
        };
        let methods = rpcs
            .iter()
            .map(|(name, input, output)| MethodInfo {
                service: "livekit.Test".to_owned(),
                name: (*name).to_owned(),
                input: format!("livekit.{input}"),
                output: format!("livekit.{output}"),
                doc: String::new(),
                deprecated: false,
            })
            .collect();
        let service = ServiceInfo {
            name: "Test".to_owned(),
            file: "test.proto".to_owned(),
            doc: String::new(),
            methods,
        };
        (fds, vec![service])
    }

    fn list_messages(response_fields: Vec<FieldDescriptorProto>) -> Vec<DescriptorProto> {
        vec![
            message(
                "ListThingsRequest",
                vec![
                    field("room", Label::Optional, ""),
                    field(PAGE_TOKEN, Label::Optional, TOKEN),
                ],
            ),
            message("ListThingsResponse", response_fields),
            message("GetThingRequest", vec![field("id", Label::Optional, "")]),
            message("Thing", vec![field("id", Label::Optional, "")]),
        ]
    }

    const RPCS: &[(&str, &str, &str)] = &[
        ("ListThings", "ListThingsRequest", "ListThingsResponse"),
        ("GetThing", "GetThingRequest", "Thing"),
    ];

    #[test]
    fn a_paged_rpc_gets_an_impl_naming_its_item_field() {
        let (fds, services) = protocol(
            list_messages(vec![
                field("things", Label::Repeated, ".livekit.Thing"),
                field(NEXT_PAGE_TOKEN, Label::Optional, TOKEN),
                field("warnings", Label::Repeated, ""),
            ]),
            RPCS,
        );
        let code = token_paged_impls(&fds, &services).unwrap();
        assert_eq!(
            code,
            "use crate::*;\n\
             crate::paging::token_paged!(ListThingsRequest, ListThingsResponse, things, Thing);\n"
        );
        assert!(syn::parse_file(&code).is_ok(), "{code}");
    }

    #[test]
    fn a_paged_request_with_an_unexpected_response_fails() {
        let responses = [
            // No next page token.
            vec![field("things", Label::Repeated, ".livekit.Thing")],
            // Two candidate item fields.
            vec![
                field("things", Label::Repeated, ".livekit.Thing"),
                field("others", Label::Repeated, ".livekit.Thing"),
                field(NEXT_PAGE_TOKEN, Label::Optional, TOKEN),
            ],
            // No item field.
            vec![field(NEXT_PAGE_TOKEN, Label::Optional, TOKEN)],
        ];
        for response in responses {
            let (fds, services) = protocol(list_messages(response), RPCS);
            let error = token_paged_impls(&fds, &services).unwrap_err();
            assert!(error.contains("livekit.Test.ListThings"), "{error}");
        }
    }

    #[test]
    fn nested_messages_are_found_and_named_as_prost_nests_them() {
        let mut list = message("List", Vec::new());
        list.nested_type = vec![
            message("Request", vec![field(PAGE_TOKEN, Label::Optional, TOKEN)]),
            message(
                "Response",
                vec![
                    field("runs", Label::Repeated, ".livekit.SimulationRun"),
                    field(NEXT_PAGE_TOKEN, Label::Optional, TOKEN),
                ],
            ),
        ];
        let mut run = message("SimulationRun", Vec::new());
        run.nested_type = vec![list];
        let (fds, services) = protocol(
            vec![run],
            &[(
                "ListSimulationRuns",
                "SimulationRun.List.Request",
                "SimulationRun.List.Response",
            )],
        );
        let code = token_paged_impls(&fds, &services).unwrap();
        assert!(code.contains(
            "token_paged!(simulation_run::list::Request, simulation_run::list::Response, runs, \
             SimulationRun);"
        ));
    }
}
