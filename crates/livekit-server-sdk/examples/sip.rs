//! SIP: an inbound trunk, an outbound trunk and a dispatch rule; then dial out, and delete
//! what was made (so that it can run again: two inbound trunks may not share a number).
//!
//! `cargo run -p livekit-server-sdk --example sip`. Trunks and rules are kept by the server
//! itself (with Redis); dialing needs a SIP service connected to the server: without one the
//! call fails with `unavailable`, which the example reports as such.

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::LiveKitApi;
use livekit_server_sdk::http::TwirpCode;
use livekit_server_sdk::proto::{self, sip_dispatch_rule};
use livekit_server_sdk::sip::SipStatus;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = LiveKitApi::from_env()?;
    let sip = api.sip();

    let inbound = sip
        .create_sip_inbound_trunk(proto::CreateSipInboundTrunkRequest {
            trunk: Some(proto::SipInboundTrunkInfo {
                name: "inbound".into(),
                numbers: vec!["+15105550100".into()],
                ..Default::default()
            }),
        })
        .await?;
    let outbound = sip
        .create_sip_outbound_trunk(proto::CreateSipOutboundTrunkRequest {
            trunk: Some(proto::SipOutboundTrunkInfo {
                name: "outbound".into(),
                address: "sip.example.com".into(),
                numbers: vec!["+15105550101".into()],
                auth_username: "user".into(),
                auth_password: std::env::var("SIP_PASSWORD").unwrap_or_default(),
                ..Default::default()
            }),
        })
        .await?;
    let rule = sip
        .create_sip_dispatch_rule(proto::CreateSipDispatchRuleRequest {
            dispatch_rule: Some(proto::SipDispatchRuleInfo {
                rule: Some(proto::SipDispatchRule {
                    rule: Some(sip_dispatch_rule::Rule::DispatchRuleIndividual(
                        proto::SipDispatchRuleIndividual {
                            room_prefix: "call-".into(),
                            ..Default::default()
                        },
                    )),
                }),
                trunk_ids: vec![inbound.sip_trunk_id.clone()],
                name: "one room per caller".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await?;
    println!(
        "trunks {} / {}, rule {}",
        inbound.sip_trunk_id, outbound.sip_trunk_id, rule.sip_dispatch_rule_id
    );

    // Dialing waits for the ring window + 2 s, and is never replayed automatically.
    let call = sip
        .create_sip_participant(proto::CreateSipParticipantRequest {
            wait_until_answered: true,
            ..proto::CreateSipParticipantRequest::new(
                &outbound.sip_trunk_id,
                "+15105550199",
                "support",
                "caller",
            )
        })
        .await;
    match call {
        Ok(participant) => println!("connected {}", participant.participant_identity),
        Err(error) => match SipStatus::from_error(&error) {
            Some(status) => println!("call failed: SIP {} {}", status.code, status.reason),
            // No SIP service took the call (none is connected to the server's Redis).
            None if error.twirp_code() == Some(TwirpCode::Unavailable) => {
                println!("no SIP service placed the call: {error}");
            }
            None => return Err(error.into()),
        },
    }

    sip.delete_sip_dispatch_rule(&rule.sip_dispatch_rule_id)
        .await?;
    for trunk in [&inbound.sip_trunk_id, &outbound.sip_trunk_id] {
        sip.delete_sip_trunk(trunk).await?;
    }
    println!(
        "deleted {}, {} and {}",
        rule.sip_dispatch_rule_id, inbound.sip_trunk_id, outbound.sip_trunk_id
    );
    Ok(())
}
