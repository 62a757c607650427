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
use std::hash::{Hash as _, Hasher as _};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt as _;
use livekit_server_http::TwirpCode;
use livekit_server_sip::{SipClient, SipStatus, proto};
use livekit_server_tests::{TestEnv, unique_name};
use support::{assert_twirp, expect_err};
use tokio::sync::{Mutex, MutexGuard};

use proto::update_sip_dispatch_rule_request::Action as RuleAction;
use proto::update_sip_inbound_trunk_request::Action as InboundAction;
use proto::update_sip_outbound_trunk_request::Action as OutboundAction;

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

fn page(limit: i32, after_id: &str) -> Option<proto::Pagination> {
    Some(proto::Pagination {
        after_id: after_id.to_owned(),
        limit,
    })
}

async fn new_inbound(sip: &SipClient, name: &str, number: &str) -> proto::SipInboundTrunkInfo {
    sip.create_sip_inbound_trunk(proto::CreateSipInboundTrunkRequest {
        trunk: Some(proto::SipInboundTrunkInfo {
            name: name.to_owned(),
            numbers: vec![number.to_owned()],
            allowed_addresses: vec!["192.0.2.0/24".into()],
            ..Default::default()
        }),
    })
    .await
    .unwrap()
}

async fn delete_trunk(sip: &SipClient, id: &str) {
    sip.delete_sip_trunk(proto::DeleteSipTrunkRequest {
        sip_trunk_id: id.to_owned(),
    })
    .await
    .unwrap();
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
    let error = expect_err(
        sip.create_sip_inbound_trunk(proto::CreateSipInboundTrunkRequest {
            trunk: Some(proto::SipInboundTrunkInfo {
                name: format!("{name}-dup"),
                numbers: vec![number.clone()],
                allowed_addresses: vec!["192.0.2.0/24".into()],
                ..Default::default()
            }),
        })
        .await,
    );
    assert_twirp(
        &error,
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
    let by_id = sip
        .list_sip_inbound_trunk(proto::ListSipInboundTrunkRequest {
            trunk_ids: vec![id.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_id.items.len(), 1, "{by_id:?}");
    assert_eq!(by_id.items[0].name, format!("{name}-replaced"));
    let by_number = sip
        .list_sip_inbound_trunk(proto::ListSipInboundTrunkRequest {
            numbers: vec![second.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_number
            .items
            .iter()
            .map(|t| t.sip_trunk_id.as_str())
            .collect::<Vec<_>>(),
        vec![id.as_str()]
    );
    let old_number = sip
        .list_sip_inbound_trunk(proto::ListSipInboundTrunkRequest {
            numbers: vec![number.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(old_number.items.is_empty(), "{old_number:?}");

    let deleted = sip
        .delete_sip_trunk(proto::DeleteSipTrunkRequest {
            sip_trunk_id: id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(deleted.sip_trunk_id, id);
    let error = expect_err(
        sip.get_sip_inbound_trunk(proto::GetSipInboundTrunkRequest {
            sip_trunk_id: id.clone(),
        })
        .await,
    );
    assert_twirp(
        &error,
        TwirpCode::NotFound,
        404,
        "requested sip trunk does not exist",
    );
    // Deleting it again is not an error on this server: it deletes by ID from every trunk
    // table and echoes the ID, whether anything was there or not.
    let again = sip
        .delete_sip_trunk(proto::DeleteSipTrunkRequest {
            sip_trunk_id: id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        again,
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

    let by_id = sip
        .list_sip_outbound_trunk(proto::ListSipOutboundTrunkRequest {
            trunk_ids: vec![id.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_id.items.len(), 1, "{by_id:?}");
    assert_eq!(by_id.items[0].address, "sip3.example.invalid");
    let by_number = sip
        .list_sip_outbound_trunk(proto::ListSipOutboundTrunkRequest {
            numbers: vec![number.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_number.items.len(), 1, "{by_number:?}");
    assert_eq!(by_number.items[0].sip_trunk_id, id);

    delete_trunk(&sip, &id).await;
    let error = expect_err(
        sip.get_sip_outbound_trunk(proto::GetSipOutboundTrunkRequest { sip_trunk_id: id })
            .await,
    );
    assert_twirp(
        &error,
        TwirpCode::NotFound,
        404,
        "requested sip trunk does not exist",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_rules_are_created_updated_listed_and_deleted() {
    let _turn = serial().await;
    let env = TestEnv::from_env();
    let sip = sip(&env);
    let name = unique_name("sip-rule");
    let trunk = new_inbound(&sip, &format!("{name}-trunk"), &unique_number()).await;
    let created = sip
        .create_sip_dispatch_rule(proto::CreateSipDispatchRuleRequest {
            dispatch_rule: Some(proto::SipDispatchRuleInfo {
                name: name.clone(),
                metadata: "m1".into(),
                trunk_ids: vec![trunk.sip_trunk_id.clone()],
                rule: Some(proto::SipDispatchRule {
                    rule: Some(proto::sip_dispatch_rule::Rule::DispatchRuleIndividual(
                        proto::SipDispatchRuleIndividual {
                            room_prefix: "call-".into(),
                            ..Default::default()
                        },
                    )),
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
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
                rule: Some(proto::SipDispatchRule {
                    rule: Some(proto::sip_dispatch_rule::Rule::DispatchRuleDirect(
                        proto::SipDispatchRuleDirect {
                            room_name: "lobby".into(),
                            ..Default::default()
                        },
                    )),
                }),
                ..Default::default()
            })),
        })
        .await
        .unwrap();
    assert_eq!(replaced.sip_dispatch_rule_id, id);
    assert!(
        matches!(
            replaced.rule.as_ref().and_then(|r| r.rule.as_ref()),
            Some(proto::sip_dispatch_rule::Rule::DispatchRuleDirect(d)) if d.room_name == "lobby"
        ),
        "{replaced:?}"
    );

    let by_id = sip
        .list_sip_dispatch_rule(proto::ListSipDispatchRuleRequest {
            dispatch_rule_ids: vec![id.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(by_id.items.len(), 1, "{by_id:?}");
    assert_eq!(by_id.items[0].name, format!("{name}-direct"));
    let by_trunk = sip
        .list_sip_dispatch_rule(proto::ListSipDispatchRuleRequest {
            trunk_ids: vec![trunk.sip_trunk_id.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_trunk
            .items
            .iter()
            .map(|r| r.sip_dispatch_rule_id.as_str())
            .collect::<Vec<_>>(),
        vec![id.as_str()]
    );

    let deleted = sip
        .delete_sip_dispatch_rule(proto::DeleteSipDispatchRuleRequest {
            sip_dispatch_rule_id: id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(deleted.sip_dispatch_rule_id, id);
    let after = sip
        .list_sip_dispatch_rule(proto::ListSipDispatchRuleRequest {
            dispatch_rule_ids: vec![id.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(after.items.is_empty(), "{after:?}");
    let error = expect_err(
        sip.delete_sip_dispatch_rule(proto::DeleteSipDispatchRuleRequest {
            sip_dispatch_rule_id: id,
        })
        .await,
    );
    assert_twirp(
        &error,
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
        inbound.push(trunk.sip_trunk_id.clone());
        let out = sip
            .create_sip_outbound_trunk(proto::CreateSipOutboundTrunkRequest {
                trunk: Some(proto::SipOutboundTrunkInfo {
                    name: format!("{name}-out-{i}"),
                    address: "sip.example.invalid".into(),
                    numbers: vec![unique_number()],
                    ..Default::default()
                }),
            })
            .await
            .unwrap();
        outbound.push(out.sip_trunk_id);
        let rule = sip
            .create_sip_dispatch_rule(proto::CreateSipDispatchRuleRequest {
                dispatch_rule: Some(proto::SipDispatchRuleInfo {
                    name: format!("{name}-rule-{i}"),
                    trunk_ids: vec![trunk.sip_trunk_id],
                    rule: Some(proto::SipDispatchRule {
                        rule: Some(proto::sip_dispatch_rule::Rule::DispatchRuleIndividual(
                            proto::SipDispatchRuleIndividual {
                                room_prefix: format!("{name}-"),
                                ..Default::default()
                            },
                        )),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .unwrap();
        rules.push(rule.sip_dispatch_rule_id);
    }

    // Everything the server has, in one unpaged call: ordered by ID.
    let all: Vec<String> = sip
        .list_sip_inbound_trunk(proto::ListSipInboundTrunkRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.sip_trunk_id)
        .collect();
    for id in &inbound {
        assert!(all.contains(id), "{id} missing from {all:?}");
    }
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "a listing is ordered by ID");

    // `after_id` starts after the given ID, whatever the limit.
    let after_second: Vec<String> = sip
        .list_sip_inbound_trunk(proto::ListSipInboundTrunkRequest {
            page: page(2, &all[1]),
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.sip_trunk_id)
        .collect();
    // The open-source server walks the pages itself and returns everything after the cursor
    // in one answer (its `limit` is the size of the pages it reads from Redis).
    assert_eq!(after_second, all[2..].to_vec());
    let after_last = sip
        .list_sip_inbound_trunk(proto::ListSipInboundTrunkRequest {
            page: page(2, all.last().unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(after_last.items.is_empty(), "{after_last:?}");

    // The streams follow the cursor to the end and yield every item once, in order.
    let streamed: Vec<String> = sip
        .inbound_trunks(proto::ListSipInboundTrunkRequest {
            page: page(2, ""),
            ..Default::default()
        })
        .map_ok(|t| t.sip_trunk_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, all);
    let mine: Vec<String> = sip
        .inbound_trunks(proto::ListSipInboundTrunkRequest {
            trunk_ids: inbound.clone(),
            ..Default::default()
        })
        .map_ok(|t| t.sip_trunk_id)
        .try_collect()
        .await
        .unwrap();
    let mut expected = inbound.clone();
    expected.sort();
    assert_eq!(mine, expected);

    let all_out: Vec<String> = sip
        .list_sip_outbound_trunk(proto::ListSipOutboundTrunkRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.sip_trunk_id)
        .collect();
    let streamed: Vec<String> = sip
        .outbound_trunks(proto::ListSipOutboundTrunkRequest {
            page: page(2, ""),
            ..Default::default()
        })
        .map_ok(|t| t.sip_trunk_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, all_out);
    for id in &outbound {
        assert!(streamed.contains(id), "{id} missing from {streamed:?}");
    }

    let all_rules: Vec<String> = sip
        .list_sip_dispatch_rule(proto::ListSipDispatchRuleRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.sip_dispatch_rule_id)
        .collect();
    let streamed: Vec<String> = sip
        .dispatch_rules(proto::ListSipDispatchRuleRequest {
            page: page(2, ""),
            ..Default::default()
        })
        .map_ok(|r| r.sip_dispatch_rule_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, all_rules);
    let mine: Vec<String> = sip
        .dispatch_rules(proto::ListSipDispatchRuleRequest {
            dispatch_rule_ids: rules.clone(),
            ..Default::default()
        })
        .map_ok(|r| r.sip_dispatch_rule_id)
        .try_collect()
        .await
        .unwrap();
    let mut expected = rules.clone();
    expected.sort();
    assert_eq!(mine, expected);

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_sip_participant_without_a_sip_worker_fails_once_with_a_typed_error() {
    let _turn = serial().await;
    let env = TestEnv::from_env();
    let sip = sip(&env);
    let name = unique_name("sip-call");
    let trunk = sip
        .create_sip_outbound_trunk(proto::CreateSipOutboundTrunkRequest {
            trunk: Some(proto::SipOutboundTrunkInfo {
                name: name.clone(),
                address: "127.0.0.1:5999".into(),
                numbers: vec![unique_number()],
                ..Default::default()
            }),
        })
        .await
        .unwrap();

    let started = Instant::now();
    let error = expect_err(
        sip.create_sip_participant(proto::CreateSipParticipantRequest {
            sip_trunk_id: trunk.sip_trunk_id.clone(),
            sip_call_to: "+15550100".into(),
            room_name: name.clone(),
            participant_identity: "caller".into(),
            ..Default::default()
        })
        .await,
    );
    let elapsed = started.elapsed();
    // The server asks its SIP workers over Redis; none answers.
    assert_twirp(
        &error,
        TwirpCode::Unavailable,
        503,
        "twirp error unknown: no response from servers",
    );
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
    let error = expect_err(
        sip.create_sip_participant(proto::CreateSipParticipantRequest {
            sip_trunk_id: "ST_doesnotexist".into(),
            sip_call_to: "+15550100".into(),
            room_name: name,
            ..Default::default()
        })
        .await,
    );
    assert_twirp(
        &error,
        TwirpCode::NotFound,
        404,
        "requested sip trunk does not exist",
    );
    assert_eq!(error.attempts(), 1);
    delete_trunk(&sip, &trunk.sip_trunk_id).await;
}
