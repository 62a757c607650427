//! The SIP service against the real server (it keeps trunks and dispatch rules in Redis):
//! inbound and outbound trunks and dispatch rules through create, get, update, list (filters,
//! `after_id` pages and the stream helpers) and delete; and `CreateSIPParticipant` with no SIP
//! worker connected, which fails with the server's typed error after exactly one attempt.
//!
//! The tests of this file take turns ([`serial`]): listings without a filter compare whole
//! result sets, which another test's trunks would change midway. No other test binary
//! creates SIP objects.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::hash_map::DefaultHasher;
use std::fmt::Debug;
use std::hash::{Hash as _, Hasher as _};
use std::time::{Duration, Instant};

use livekit_server_http::TwirpCode;
use livekit_server_sip::{SipClient, SipStatus, proto};
use livekit_server_tests::{TestEnv, unique_name};
use support::{expect_err, expect_twirp, stream_ids};
use tokio::sync::{Mutex, MutexGuard};

use proto::sip_dispatch_rule::Rule;
use proto::update_sip_dispatch_rule_request::Action as RuleAction;
use proto::update_sip_inbound_trunk_request::Action as InboundAction;
use proto::update_sip_outbound_trunk_request::Action as OutboundAction;

/// The server's answer for a trunk ID it does not know.
const NO_TRUNK: &str = "requested sip trunk does not exist";

/// One test of this file at a time.
async fn serial() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::const_new(());
    TURN.lock().await
}

fn sip(env: &TestEnv) -> SipClient {
    SipClient::from_client(support::client(env))
}

/// A phone number no other test of any run uses (inbound numbers must not conflict).
fn unique_number() -> String {
    let mut hasher = DefaultHasher::new();
    unique_name("number").hash(&mut hasher);
    format!("+1555{:07}", hasher.finish() % 10_000_000)
}

/// An inbound trunk for `number`, from a documentation network.
fn inbound(name: &str, number: &str) -> proto::CreateSipInboundTrunkRequest {
    proto::CreateSipInboundTrunkRequest {
        trunk: Some(proto::SipInboundTrunkInfo {
            name: name.to_owned(),
            numbers: vec![number.to_owned()],
            allowed_addresses: vec!["192.0.2.0/24".into()],
            ..Default::default()
        }),
    }
}

async fn new_inbound(sip: &SipClient, name: &str, number: &str) -> proto::SipInboundTrunkInfo {
    sip.create_sip_inbound_trunk(inbound(name, number))
        .await
        .unwrap()
}

/// An outbound trunk to `address`, with a number of its own.
async fn new_outbound(sip: &SipClient, name: &str, address: &str) -> proto::SipOutboundTrunkInfo {
    sip.create_sip_outbound_trunk(proto::CreateSipOutboundTrunkRequest {
        trunk: Some(proto::SipOutboundTrunkInfo {
            name: name.to_owned(),
            address: address.to_owned(),
            numbers: vec![unique_number()],
            ..Default::default()
        }),
    })
    .await
    .unwrap()
}

/// The dispatch rule's rule.
fn rule(rule: Rule) -> Option<proto::SipDispatchRule> {
    Some(proto::SipDispatchRule { rule: Some(rule) })
}

/// A dispatch rule for `trunk` that puts each caller in a room of their own, named from
/// `room_prefix`.
async fn new_individual_rule(
    sip: &SipClient,
    name: &str,
    metadata: &str,
    trunk: &str,
    room_prefix: &str,
) -> proto::SipDispatchRuleInfo {
    sip.create_sip_dispatch_rule(proto::CreateSipDispatchRuleRequest {
        dispatch_rule: Some(proto::SipDispatchRuleInfo {
            name: name.to_owned(),
            metadata: metadata.to_owned(),
            trunk_ids: vec![trunk.to_owned()],
            rule: rule(Rule::DispatchRuleIndividual(
                proto::SipDispatchRuleIndividual {
                    room_prefix: room_prefix.to_owned(),
                    ..Default::default()
                },
            )),
            ..Default::default()
        }),
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn delete_trunk(sip: &SipClient, id: &str) -> proto::SipTrunkInfo {
    sip.delete_sip_trunk(proto::DeleteSipTrunkRequest {
        sip_trunk_id: id.to_owned(),
    })
    .await
    .unwrap()
}

/// What the tests do alike with the three SIP listings (inbound trunks, outbound trunks,
/// dispatch rules): requests by ID or by page, one listing call, the stream helper that
/// follows the pages.
trait Listing {
    type Request: Default;
    type Item: Debug;
    /// A request for the items with these IDs.
    fn by_ids(ids: Vec<String>) -> Self::Request;
    /// A request for the page of two after `after_id` (`""`: from the start).
    fn after(after_id: &str) -> Self::Request;
    fn id(item: &Self::Item) -> &str;
    /// One call of the listing RPC: its items.
    async fn list(sip: &SipClient, request: Self::Request) -> Vec<Self::Item>;
    /// The stream helper read to its end: the IDs of its items.
    async fn stream(sip: &SipClient, request: Self::Request) -> Vec<String>;

    /// One call of the listing RPC: the IDs of its items, in order.
    async fn ids(sip: &SipClient, request: Self::Request) -> Vec<String> {
        let items = Self::list(sip, request).await;
        items.iter().map(|item| Self::id(item).to_owned()).collect()
    }

    /// The one item a call of the listing RPC answers (asserted).
    async fn only(sip: &SipClient, request: Self::Request) -> Self::Item {
        let mut items = Self::list(sip, request).await;
        assert_eq!(items.len(), 1, "{items:?}");
        items.remove(0)
    }
}

/// Implements [`Listing`] for one listing; `$filter` names make requests filtered by
/// another field.
macro_rules! listing {
    (
        $kind:ident: $list:ident, $stream:ident -> $item:ident by $id:ident;
        $request:ident { ids: $ids:ident $(, $filter:ident: $field:ident)* }
    ) => {
        struct $kind;

        impl $kind {
            $(
                fn $filter(values: Vec<String>) -> proto::$request {
                    proto::$request {
                        $field: values,
                        ..Default::default()
                    }
                }
            )*
        }

        impl Listing for $kind {
            type Request = proto::$request;
            type Item = proto::$item;

            fn by_ids(ids: Vec<String>) -> proto::$request {
                proto::$request {
                    $ids: ids,
                    ..Default::default()
                }
            }

            fn after(after_id: &str) -> proto::$request {
                proto::$request {
                    page: Some(proto::Pagination {
                        after_id: after_id.to_owned(),
                        limit: 2,
                    }),
                    ..Default::default()
                }
            }

            fn id(item: &proto::$item) -> &str {
                &item.$id
            }

            async fn list(sip: &SipClient, request: proto::$request) -> Vec<proto::$item> {
                sip.$list(request).await.unwrap().items
            }

            async fn stream(sip: &SipClient, request: proto::$request) -> Vec<String> {
                stream_ids(sip.$stream(request), |item| item.$id).await
            }
        }
    };
}

listing!(
    Inbound: list_sip_inbound_trunk, inbound_trunks -> SipInboundTrunkInfo by sip_trunk_id;
    ListSipInboundTrunkRequest { ids: trunk_ids, by_numbers: numbers }
);
listing!(
    Outbound: list_sip_outbound_trunk, outbound_trunks -> SipOutboundTrunkInfo by sip_trunk_id;
    ListSipOutboundTrunkRequest { ids: trunk_ids, by_numbers: numbers }
);
listing!(
    Rules: list_sip_dispatch_rule, dispatch_rules -> SipDispatchRuleInfo by sip_dispatch_rule_id;
    ListSipDispatchRuleRequest { ids: dispatch_rule_ids, by_trunks: trunk_ids }
);

/// Asserts that the stream of `L`, read in pages of two, follows the cursor to the end and
/// yields every item of `all` (one unpaged listing) once, in order.
async fn assert_stream_follows_pages<L: Listing>(sip: &SipClient, all: &[String]) {
    assert_eq!(L::stream(sip, L::after("")).await, all);
}

/// Asserts that the stream of `L` narrowed to `ids` yields exactly them, ordered by ID.
async fn assert_stream_finds<L: Listing>(sip: &SipClient, ids: &[String]) {
    let mut expected = ids.to_vec();
    expected.sort();
    assert_eq!(L::stream(sip, L::by_ids(ids.to_vec())).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_trunks_are_created_read_updated_listed_and_deleted() {
    let _turn = serial().await;
    let env = TestEnv::from_env();
    let sip = sip(&env);
    let name = unique_name("sip-in");
    let number = unique_number();
    let created = sip
        .create_sip_inbound_trunk(proto::CreateSipInboundTrunkRequest {
            trunk: Some(proto::SipInboundTrunkInfo {
                name: name.clone(),
                metadata: "{\"owner\":\"tests\"}".into(),
                numbers: vec![number.clone()],
                allowed_addresses: vec!["192.0.2.0/24".into()],
                auth_username: "user".into(),
                auth_password: "pass".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let id = created.sip_trunk_id.clone();
    assert!(id.starts_with("ST_"), "{created:?}");
    assert_eq!(
        (created.name.as_str(), created.numbers.as_slice()),
        (name.as_str(), std::slice::from_ref(&number))
    );

    let fetched = sip
        .get_sip_inbound_trunk(proto::GetSipInboundTrunkRequest {
            sip_trunk_id: id.clone(),
        })
        .await
        .unwrap()
        .trunk
        .unwrap();
    assert_eq!(fetched.sip_trunk_id, id);
    assert_eq!(fetched.metadata, "{\"owner\":\"tests\"}");
    assert_eq!(fetched.auth_username, "user");

    // A second trunk for the same number, from anywhere, conflicts with the first.
    let error = expect_twirp(
        sip.create_sip_inbound_trunk(inbound(&format!("{name}-dup"), &number))
            .await,
        TwirpCode::InvalidArgument,
        400,
        &format!(
            "Conflicting inbound SIP Trunks: \"<new>\" and \"{id}\", using the same number(s) \
             [\"{number}\"] without AllowedNumbers set"
        ),
    );
    assert_eq!(error.attempts(), 1, "creates are never replayed");

    // Update: change some fields, add a number.
    let second = unique_number();
    let updated = sip
        .update_sip_inbound_trunk(proto::UpdateSipInboundTrunkRequest {
            sip_trunk_id: id.clone(),
            action: Some(InboundAction::Update(proto::SipInboundTrunkUpdate {
                name: Some(format!("{name}-renamed")),
                metadata: Some("v2".into()),
                numbers: Some(proto::ListUpdate {
                    add: vec![second.clone()],
                    ..Default::default()
                }),
                ..Default::default()
            })),
        })
        .await
        .unwrap();
    assert_eq!(updated.name, format!("{name}-renamed"));
    assert_eq!(updated.metadata, "v2");
    assert_eq!(updated.numbers, vec![number.clone(), second.clone()]);
    // Replace: the whole trunk.
    let replaced = sip
        .update_sip_inbound_trunk(proto::UpdateSipInboundTrunkRequest {
            sip_trunk_id: id.clone(),
            action: Some(InboundAction::Replace(proto::SipInboundTrunkInfo {
                name: format!("{name}-replaced"),
                numbers: vec![second.clone()],
                allowed_addresses: vec!["198.51.100.7".into()],
                ..Default::default()
            })),
        })
        .await
        .unwrap();
    assert_eq!(
        (
            replaced.sip_trunk_id.as_str(),
            replaced.name.as_str(),
            replaced.numbers.as_slice(),
            replaced.auth_username.as_str()
        ),
        (
            id.as_str(),
            format!("{name}-replaced").as_str(),
            std::slice::from_ref(&second),
            ""
        )
    );

    // List with filters.
    let by_id = Inbound::only(&sip, Inbound::by_ids(vec![id.clone()])).await;
    assert_eq!(by_id.name, format!("{name}-replaced"));
    let by_number = Inbound::ids(&sip, Inbound::by_numbers(vec![second.clone()])).await;
    assert_eq!(by_number, vec![id.clone()]);
    let old_number = Inbound::list(&sip, Inbound::by_numbers(vec![number.clone()])).await;
    assert!(old_number.is_empty(), "{old_number:?}");

    assert_eq!(delete_trunk(&sip, &id).await.sip_trunk_id, id);
    expect_twirp(
        sip.get_sip_inbound_trunk(proto::GetSipInboundTrunkRequest {
            sip_trunk_id: id.clone(),
        })
        .await,
        TwirpCode::NotFound,
        404,
        NO_TRUNK,
    );
    // Deleting it again is not an error on this server: it deletes by ID from every trunk
    // table and echoes the ID, whether anything was there or not.
    assert_eq!(
        delete_trunk(&sip, &id).await,
        proto::SipTrunkInfo {
            sip_trunk_id: id,
            ..Default::default()
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_trunks_are_created_read_updated_listed_and_deleted() {
    let _turn = serial().await;
    let env = TestEnv::from_env();
    let sip = sip(&env);
    let name = unique_name("sip-out");
    let number = unique_number();
    let created = sip
        .create_sip_outbound_trunk(proto::CreateSipOutboundTrunkRequest {
            trunk: Some(proto::SipOutboundTrunkInfo {
                name: name.clone(),
                address: "sip.example.invalid".into(),
                transport: proto::SipTransport::Tcp as i32,
                numbers: vec![number.clone()],
                auth_username: "out-user".into(),
                auth_password: "out-pass".into(),
                ..Default::default()
            }),
        })
        .await
        .unwrap();
    let id = created.sip_trunk_id.clone();
    assert!(id.starts_with("ST_"), "{created:?}");
    assert_eq!(created.address, "sip.example.invalid");

    let fetched = sip
        .get_sip_outbound_trunk(proto::GetSipOutboundTrunkRequest {
            sip_trunk_id: id.clone(),
        })
        .await
        .unwrap()
        .trunk
        .unwrap();
    assert_eq!(
        (
            fetched.name.as_str(),
            fetched.transport,
            fetched.numbers.as_slice()
        ),
        (
            name.as_str(),
            proto::SipTransport::Tcp as i32,
            std::slice::from_ref(&number)
        )
    );

    let updated = sip
        .update_sip_outbound_trunk(proto::UpdateSipOutboundTrunkRequest {
            sip_trunk_id: id.clone(),
            action: Some(OutboundAction::Update(proto::SipOutboundTrunkUpdate {
                address: Some("sip2.example.invalid".into()),
                metadata: Some("v2".into()),
                ..Default::default()
            })),
        })
        .await
        .unwrap();
    assert_eq!(
        (updated.address.as_str(), updated.metadata.as_str()),
        ("sip2.example.invalid", "v2")
    );
    let replaced = sip
        .update_sip_outbound_trunk(proto::UpdateSipOutboundTrunkRequest {
            sip_trunk_id: id.clone(),
            action: Some(OutboundAction::Replace(proto::SipOutboundTrunkInfo {
                name: format!("{name}-replaced"),
                address: "sip3.example.invalid".into(),
                numbers: vec![number.clone()],
                ..Default::default()
            })),
        })
        .await
        .unwrap();
    assert_eq!(replaced.name, format!("{name}-replaced"));
    assert_eq!(replaced.auth_username, "");

    let by_id = Outbound::only(&sip, Outbound::by_ids(vec![id.clone()])).await;
    assert_eq!(by_id.address, "sip3.example.invalid");
    let by_number = Outbound::only(&sip, Outbound::by_numbers(vec![number.clone()])).await;
    assert_eq!(by_number.sip_trunk_id, id);

    delete_trunk(&sip, &id).await;
    expect_twirp(
        sip.get_sip_outbound_trunk(proto::GetSipOutboundTrunkRequest { sip_trunk_id: id })
            .await,
        TwirpCode::NotFound,
        404,
        NO_TRUNK,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_rules_are_created_updated_listed_and_deleted() {
    let _turn = serial().await;
    let env = TestEnv::from_env();
    let sip = sip(&env);
    let name = unique_name("sip-rule");
    let trunk = new_inbound(&sip, &format!("{name}-trunk"), &unique_number()).await;
    let created = new_individual_rule(&sip, &name, "m1", &trunk.sip_trunk_id, "call-").await;
    let id = created.sip_dispatch_rule_id.clone();
    assert!(id.starts_with("SDR_"), "{created:?}");
    assert_eq!(created.trunk_ids, vec![trunk.sip_trunk_id.clone()]);

    let updated = sip
        .update_sip_dispatch_rule(proto::UpdateSipDispatchRuleRequest {
            sip_dispatch_rule_id: id.clone(),
            action: Some(RuleAction::Update(proto::SipDispatchRuleUpdate {
                name: Some(format!("{name}-renamed")),
                metadata: Some("m2".into()),
                ..Default::default()
            })),
        })
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.metadata.as_str()),
        (format!("{name}-renamed").as_str(), "m2")
    );
    let replaced = sip
        .update_sip_dispatch_rule(proto::UpdateSipDispatchRuleRequest {
            sip_dispatch_rule_id: id.clone(),
            action: Some(RuleAction::Replace(proto::SipDispatchRuleInfo {
                name: format!("{name}-direct"),
                trunk_ids: vec![trunk.sip_trunk_id.clone()],
                rule: rule(Rule::DispatchRuleDirect(proto::SipDispatchRuleDirect {
                    room_name: "lobby".into(),
                    ..Default::default()
                })),
                ..Default::default()
            })),
        })
        .await
        .unwrap();
    assert_eq!(replaced.sip_dispatch_rule_id, id);
    assert!(
        matches!(
            replaced.rule.as_ref().and_then(|r| r.rule.as_ref()),
            Some(Rule::DispatchRuleDirect(d)) if d.room_name == "lobby"
        ),
        "{replaced:?}"
    );

    let by_id = Rules::only(&sip, Rules::by_ids(vec![id.clone()])).await;
    assert_eq!(by_id.name, format!("{name}-direct"));
    let by_trunk = Rules::ids(&sip, Rules::by_trunks(vec![trunk.sip_trunk_id.clone()])).await;
    assert_eq!(by_trunk, vec![id.clone()]);

    let deleted = sip
        .delete_sip_dispatch_rule(proto::DeleteSipDispatchRuleRequest {
            sip_dispatch_rule_id: id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(deleted.sip_dispatch_rule_id, id);
    let after = Rules::list(&sip, Rules::by_ids(vec![id.clone()])).await;
    assert!(after.is_empty(), "{after:?}");
    expect_twirp(
        sip.delete_sip_dispatch_rule(proto::DeleteSipDispatchRuleRequest {
            sip_dispatch_rule_id: id,
        })
        .await,
        TwirpCode::NotFound,
        404,
        "requested sip dispatch rule does not exist",
    );
    delete_trunk(&sip, &trunk.sip_trunk_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_page_by_after_id_and_the_streams_follow_them() {
    let _turn = serial().await;
    let env = TestEnv::from_env();
    let sip = sip(&env);
    let name = unique_name("sip-page");
    let mut inbound = Vec::new();
    let mut outbound = Vec::new();
    let mut rules = Vec::new();
    for i in 0..5 {
        let trunk = new_inbound(&sip, &format!("{name}-in-{i}"), &unique_number()).await;
        let out = new_outbound(&sip, &format!("{name}-out-{i}"), "sip.example.invalid").await;
        let (rule_name, prefix) = (format!("{name}-rule-{i}"), format!("{name}-"));
        let rule = new_individual_rule(&sip, &rule_name, "", &trunk.sip_trunk_id, &prefix).await;
        inbound.push(trunk.sip_trunk_id);
        outbound.push(out.sip_trunk_id);
        rules.push(rule.sip_dispatch_rule_id);
    }

    // Everything the server has, in one unpaged call: ordered by ID.
    let all = Inbound::ids(&sip, Default::default()).await;
    for id in &inbound {
        assert!(all.contains(id), "{id} missing from {all:?}");
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "a listing is ordered by ID");

    // `after_id` starts after the given ID, whatever the limit.
    let after_second = Inbound::ids(&sip, Inbound::after(&all[1])).await;
    // The open-source server walks the pages itself and returns everything after the cursor
    // in one answer (its `limit` is the size of the pages it reads from Redis).
    assert_eq!(after_second, all[2..].to_vec());
    let after_last = Inbound::list(&sip, Inbound::after(all.last().unwrap())).await;
    assert!(after_last.is_empty(), "{after_last:?}");

    // The streams follow the cursor to the end and yield every item once, in order.
    assert_stream_follows_pages::<Inbound>(&sip, &all).await;
    assert_stream_finds::<Inbound>(&sip, &inbound).await;

    let all_out = Outbound::ids(&sip, Default::default()).await;
    assert_stream_follows_pages::<Outbound>(&sip, &all_out).await;
    for id in &outbound {
        assert!(all_out.contains(id), "{id} missing from {all_out:?}");
    }

    let all_rules = Rules::ids(&sip, Default::default()).await;
    assert_stream_follows_pages::<Rules>(&sip, &all_rules).await;
    assert_stream_finds::<Rules>(&sip, &rules).await;

    // The deprecated combined listing shows inbound and outbound trunks alike.
    #[allow(deprecated)]
    let legacy = sip
        .list_sip_trunk(proto::ListSipTrunkRequest::default())
        .await
        .unwrap();
    let legacy: Vec<&str> = legacy
        .items
        .iter()
        .map(|t| t.sip_trunk_id.as_str())
        .collect();
    for id in inbound.iter().chain(&outbound) {
        assert!(
            legacy.contains(&id.as_str()),
            "{id} missing from {legacy:?}"
        );
    }

    for id in &rules {
        sip.delete_sip_dispatch_rule(proto::DeleteSipDispatchRuleRequest {
            sip_dispatch_rule_id: id.clone(),
        })
        .await
        .unwrap();
    }
    for id in inbound.iter().chain(&outbound) {
        delete_trunk(&sip, id).await;
    }
}

/// TransferSIPParticipant is refused with the server's answer, once (a transfer is never
/// replayed): without a room, and for a participant the room does not have. The server checks
/// the token's `sip.call` and `roomAdmin` grants between the two, so the second answer also
/// shows that the grants were accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_sip_participant_is_refused_with_the_servers_answer_once() {
    let env = TestEnv::from_env();
    let sip = sip(&env);
    let transfer = |room: &str| proto::TransferSipParticipantRequest {
        room_name: room.to_owned(),
        participant_identity: "caller".into(),
        transfer_to: "tel:+15550100".into(),
        ..Default::default()
    };
    let error = expect_twirp(
        sip.transfer_sip_participant(transfer("")).await,
        TwirpCode::InvalidArgument,
        400,
        "twirp error unknown: Missing room name",
    );
    assert_eq!(error.attempts(), 1, "{error:?}");

    let error = expect_err(
        sip.transfer_sip_participant(transfer(&unique_name("sip-transfer")))
            .await,
    );
    let answer = error.twirp().unwrap_or_else(|| panic!("{error:?}"));
    assert_eq!(
        (answer.code(), error.status().map(|s| s.as_u16())),
        (TwirpCode::NotFound, Some(404)),
        "{error:?}"
    );
    assert_eq!(error.attempts(), 1, "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_sip_participant_without_a_sip_worker_fails_once_with_a_typed_error() {
    let _turn = serial().await;
    let env = TestEnv::from_env();
    let sip = sip(&env);
    let name = unique_name("sip-call");
    let trunk = new_outbound(&sip, &name, "127.0.0.1:5999").await;

    let started = Instant::now();
    // The server asks its SIP workers over Redis; none answers.
    let error = expect_twirp(
        sip.create_sip_participant(proto::CreateSipParticipantRequest {
            sip_trunk_id: trunk.sip_trunk_id.clone(),
            sip_call_to: "+15550100".into(),
            room_name: name.clone(),
            participant_identity: "caller".into(),
            ..Default::default()
        })
        .await,
        TwirpCode::Unavailable,
        503,
        "twirp error unknown: no response from servers",
    );
    let elapsed = started.elapsed();
    // 503 unavailable would be retried for a read; placing a call is never replayed.
    assert_eq!(error.attempts(), 1, "{error:?}");
    assert!(error.is_retryable(), "the caller may decide to call again");
    assert!(error.request_id().is_some());
    assert_eq!(
        SipStatus::from_error(&error),
        None,
        "no SIP status: no call was made"
    );
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");

    // An unknown trunk is refused before any worker is asked.
    let error = expect_twirp(
        sip.create_sip_participant(proto::CreateSipParticipantRequest {
            sip_trunk_id: "ST_doesnotexist".into(),
            sip_call_to: "+15550100".into(),
            room_name: name,
            ..Default::default()
        })
        .await,
        TwirpCode::NotFound,
        404,
        NO_TRUNK,
    );
    assert_eq!(error.attempts(), 1);
    delete_trunk(&sip, &trunk.sip_trunk_id).await;
}
