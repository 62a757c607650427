//! The blocking client (`livekit_server_sdk::blocking`) against the real server, from plain
//! threads with no runtime of their own: one call or more per service, with the same results
//! and typed errors as the async clients.

#![allow(clippy::unwrap_used)]

mod support;

use livekit_server_http::TwirpCode;
use livekit_server_sdk::blocking::LiveKitApi;
use livekit_server_sdk::proto;
use livekit_server_tests::{TestEnv, unique_name};

fn api(env: &TestEnv) -> LiveKitApi {
    LiveKitApi::new(&env.url, &env.api_key, &env.api_secret).unwrap()
}

#[test]
fn every_open_source_service_answers_through_the_blocking_client() {
    let env = TestEnv::from_env();
    let api = api(&env);
    let name = unique_name("blocking");

    let room = api
        .room()
        .create_room(proto::CreateRoomRequest {
            name: name.clone(),
            empty_timeout: 120,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(room.name, name);
    let listed = api
        .room()
        .list_rooms(proto::ListRoomsRequest {
            names: vec![name.clone()],
        })
        .unwrap();
    assert_eq!(listed.rooms.len(), 1, "{listed:?}");

    let dispatches = api
        .agent_dispatch()
        .list_dispatch(proto::ListAgentDispatchRequest {
            room: name.clone(),
            ..Default::default()
        })
        .unwrap();
    // (The test server's configuration dispatches its default agent to every new room.)
    assert!(
        dispatches.agent_dispatches.iter().all(|d| d.room == name),
        "{dispatches:?}"
    );
    let egress = api
        .egress()
        .list_egress(proto::ListEgressRequest {
            room_name: name.clone(),
            ..Default::default()
        })
        .unwrap();
    assert!(egress.items.is_empty(), "{egress:?}");
    api.ingress()
        .list_ingress(proto::ListIngressRequest {
            room_name: name.clone(),
            ..Default::default()
        })
        .unwrap();
    api.sip()
        .list_sip_inbound_trunk(proto::ListSipInboundTrunkRequest::default())
        .unwrap();

    // A server error is the same typed error as from the async client.
    let error = api
        .egress()
        .stop_egress(proto::StopEgressRequest {
            egress_id: "EG_doesnotexist".into(),
        })
        .unwrap_err();
    assert_eq!(
        (error.twirp_code(), error.status().map(|s| s.as_u16())),
        (Some(TwirpCode::NotFound), Some(404)),
        "{error:?}"
    );

    api.room()
        .delete_room(proto::DeleteRoomRequest { room: name.clone() })
        .unwrap();
    let listed = api
        .room()
        .list_rooms(proto::ListRoomsRequest { names: vec![name] })
        .unwrap();
    assert!(listed.rooms.is_empty(), "{listed:?}");
}

#[test]
fn cloud_only_services_fail_through_the_blocking_client_as_through_the_async_one() {
    let env = TestEnv::from_env();
    let api = api(&env);
    let errors = [
        api.connector()
            .connect_twilio_call(proto::ConnectTwilioCallRequest::default())
            .map(drop),
        api.phone_number()
            .list_phone_numbers(proto::ListPhoneNumbersRequest::default())
            .map(drop),
        api.cloud_agent()
            .list_agents(proto::ListAgentsRequest::default())
            .map(drop),
        api.agent_simulation()
            .list_simulation_runs(proto::simulation_run::list::Request::default())
            .map(drop),
        api.replay()
            .list_replays(proto::ListReplaysRequest::default())
            .map(drop),
    ];
    for result in errors {
        let error = result.unwrap_err();
        assert_eq!(
            (error.twirp_code(), error.status().map(|s| s.as_u16())),
            (Some(TwirpCode::BadRoute), Some(404)),
            "{error:?}"
        );
    }
}

#[test]
fn one_blocking_client_serves_several_threads_at_once() {
    let env = TestEnv::from_env();
    let api = api(&env);
    std::thread::scope(|scope| {
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let api = api.clone();
                scope.spawn(move || {
                    for _ in 0..10 {
                        api.room()
                            .list_rooms(proto::ListRoomsRequest::default())
                            .unwrap();
                    }
                })
            })
            .collect();
        for call in calls {
            call.join().unwrap();
        }
    });
}

/// The blocking forms of the helpers and paged listings against the real server: the SIP
/// outbound trunks made here, listed two to a page by the blocking iterator, and a dispatch
/// found by `get_dispatch`.
#[test]
fn helpers_and_paged_listings_through_the_blocking_client() {
    let env = TestEnv::from_env();
    let api = api(&env);
    let name = unique_name("blocking-pages");
    let mut made: Vec<String> = (0..3)
        .map(|i| {
            api.sip()
                .create_sip_outbound_trunk(proto::CreateSipOutboundTrunkRequest {
                    trunk: Some(proto::SipOutboundTrunkInfo {
                        name: format!("{name}-{i}"),
                        address: "sip.example.invalid".into(),
                        numbers: vec![format!("+1555{i}{:06}", std::process::id() % 1_000_000)],
                        ..Default::default()
                    }),
                })
                .unwrap()
                .sip_trunk_id
        })
        .collect();
    let mut listed: Vec<String> = api
        .sip()
        .outbound_trunks(proto::ListSipOutboundTrunkRequest {
            trunk_ids: made.clone(),
            page: Some(proto::Pagination {
                limit: 2,
                ..Default::default()
            }),
            ..Default::default()
        })
        .map(|trunk| trunk.unwrap().sip_trunk_id)
        .collect();
    made.sort();
    listed.sort();
    assert_eq!(listed, made);
    for id in &made {
        api.sip()
            .delete_sip_trunk(proto::DeleteSipTrunkRequest {
                sip_trunk_id: id.clone(),
            })
            .unwrap();
    }

    let dispatch = api
        .agent_dispatch()
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "blocking-agent".into(),
            room: name.clone(),
            ..Default::default()
        })
        .unwrap();
    let found = api
        .agent_dispatch()
        .get_dispatch(&dispatch.id, &name)
        .unwrap()
        .expect("the dispatch just made");
    assert_eq!(
        (found.agent_name.as_str(), found.room.as_str()),
        ("blocking-agent", name.as_str())
    );
    assert_eq!(
        api.agent_dispatch()
            .get_dispatch("AD_doesnotexist", &name)
            .unwrap(),
        None
    );
    api.room()
        .delete_room(proto::DeleteRoomRequest { room: name })
        .unwrap();
}
