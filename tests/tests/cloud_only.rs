//! The services only LiveKit Cloud serves (Connector, PhoneNumberService, CloudAgent,
//! AgentSimulation, Replay), called on the open-source server: it has no route for them, and
//! its HTTP router answers `404 text/plain` "404 page not found" (after the auth middleware
//! accepted the token). Every RPC of the five services must surface that as a typed error: the
//! Twirp code `bad_route` derived from the status, marked as coming from an intermediary
//! (not a Twirp body), with the status and the body kept, after one attempt.

#![allow(clippy::unwrap_used)]

mod support;

use std::fmt::Debug;

use livekit_server_agent_simulation::AgentSimulationClient;
use livekit_server_cloud_agent::CloudAgentClient;
use livekit_server_connector::ConnectorClient;
use livekit_server_http::{Error, TwirpCode};
use livekit_server_phone_number::PhoneNumberClient;
use livekit_server_replay::ReplayClient;
use livekit_server_replay::proto;
use livekit_server_tests::TestEnv;
use support::expect_err;

/// Asserts the open-source server's answer to an RPC it does not serve.
#[track_caller]
fn assert_not_served<T: Debug>(rpc: &str, result: Result<T, Error>) {
    let error = expect_err(result);
    assert_eq!(
        (error.twirp_code(), error.status().map(|s| s.as_u16())),
        (Some(TwirpCode::BadRoute), Some(404)),
        "{rpc}: {error:?}"
    );
    let twirp = error.twirp().unwrap();
    assert!(twirp.is_from_intermediary(), "{rpc}: {error:?}");
    assert_eq!(
        twirp.content_type(),
        Some("text/plain; charset=utf-8"),
        "{rpc}"
    );
    assert_eq!(
        twirp.body_snippet().map(str::trim),
        Some("404 page not found"),
        "{rpc}"
    );
    assert!(!error.is_retryable(), "{rpc}: {error:?}");
    assert_eq!(error.attempts(), 1, "{rpc}: {error:?}");
    assert!(
        error.to_string().contains(rpc),
        "{rpc}: the message names the RPC: {error}"
    );
}

/// Calls each listed RPC with a default request and checks the answer.
macro_rules! not_served {
    ($client:expr, $service:literal: $($method:ident($request:ty) => $rpc:literal),+ $(,)?) => {
        $(
            assert_not_served(
                concat!($service, "/", $rpc),
                $client.$method(<$request>::default()).await,
            );
        )+
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connector_rpcs_get_bad_route() {
    let env = TestEnv::from_env();
    let client = ConnectorClient::from_client(support::client(&env));
    not_served!(client, "livekit.Connector":
        dial_whatsapp_call(proto::DialWhatsAppCallRequest) => "DialWhatsAppCall",
        disconnect_whatsapp_call(proto::DisconnectWhatsAppCallRequest) => "DisconnectWhatsAppCall",
        connect_whatsapp_call(proto::ConnectWhatsAppCallRequest) => "ConnectWhatsAppCall",
        accept_whatsapp_call(proto::AcceptWhatsAppCallRequest) => "AcceptWhatsAppCall",
        connect_twilio_call(proto::ConnectTwilioCallRequest) => "ConnectTwilioCall",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_number_rpcs_get_bad_route() {
    let env = TestEnv::from_env();
    let client = PhoneNumberClient::from_client(support::client(&env));
    not_served!(client, "livekit.PhoneNumberService":
        search_phone_numbers(proto::SearchPhoneNumbersRequest) => "SearchPhoneNumbers",
        purchase_phone_number(proto::PurchasePhoneNumberRequest) => "PurchasePhoneNumber",
        list_phone_numbers(proto::ListPhoneNumbersRequest) => "ListPhoneNumbers",
        get_phone_number(proto::GetPhoneNumberRequest) => "GetPhoneNumber",
        update_phone_number(proto::UpdatePhoneNumberRequest) => "UpdatePhoneNumber",
        release_phone_numbers(proto::ReleasePhoneNumbersRequest) => "ReleasePhoneNumbers",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_agent_rpcs_get_bad_route() {
    let env = TestEnv::from_env();
    // On the server's own URL (LiveKit Cloud serves this from the agents host).
    let client = CloudAgentClient::from_client(support::client(&env));
    not_served!(client, "livekit.CloudAgent":
        create_agent(proto::CreateAgentRequest) => "CreateAgent",
        create_agent_v2(proto::CreateAgentV2Request) => "CreateAgentV2",
        promote_agent(proto::PromoteAgentRequest) => "PromoteAgent",
        list_agents(proto::ListAgentsRequest) => "ListAgents",
        list_agent_versions(proto::ListAgentVersionsRequest) => "ListAgentVersions",
        list_agent_secrets(proto::ListAgentSecretsRequest) => "ListAgentSecrets",
        update_agent(proto::UpdateAgentRequest) => "UpdateAgent",
        restart_agent(proto::RestartAgentRequest) => "RestartAgent",
        deploy_agent(proto::DeployAgentRequest) => "DeployAgent",
        deploy_agent_v2(proto::DeployAgentV2Request) => "DeployAgentV2",
        update_agent_secrets(proto::UpdateAgentSecretsRequest) => "UpdateAgentSecrets",
        rollback_agent(proto::RollbackAgentRequest) => "RollbackAgent",
        delete_agent(proto::DeleteAgentRequest) => "DeleteAgent",
        get_client_settings(proto::ClientSettingsRequest) => "GetClientSettings",
        create_private_link(proto::CreatePrivateLinkRequest) => "CreatePrivateLink",
        destroy_private_link(proto::DestroyPrivateLinkRequest) => "DestroyPrivateLink",
        list_private_links(proto::ListPrivateLinksRequest) => "ListPrivateLinks",
        get_private_link_status(proto::GetPrivateLinkStatusRequest) => "GetPrivateLinkStatus",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_simulation_rpcs_get_bad_route() {
    let env = TestEnv::from_env();
    let client = AgentSimulationClient::from_client(support::client(&env));
    not_served!(client, "livekit.AgentSimulation":
        create_simulation_run(proto::simulation_run::create::Request) => "CreateSimulationRun",
        confirm_simulation_source_upload(proto::simulation_run::confirm_source_upload::Request) => "ConfirmSimulationSourceUpload",
        get_simulation_run(proto::simulation_run::get::Request) => "GetSimulationRun",
        list_simulation_runs(proto::simulation_run::list::Request) => "ListSimulationRuns",
        count_simulation_runs(proto::simulation_run::counts::Request) => "CountSimulationRuns",
        cancel_simulation_run(proto::simulation_run::cancel::Request) => "CancelSimulationRun",
        create_scenario_from_session(proto::scenario::create_from_session::Request) => "CreateScenarioFromSession",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_rpcs_get_bad_route() {
    let env = TestEnv::from_env();
    let client = ReplayClient::from_client(support::client(&env));
    not_served!(client, "livekit.Replay":
        list_replays(proto::ListReplaysRequest) => "ListReplays",
        playback(proto::PlaybackRequest) => "Playback",
        seek(proto::SeekRequest) => "Seek",
        close(proto::ClosePlaybackRequest) => "Close",
        export(proto::ExportReplayRequest) => "Export",
        delete_replay(proto::DeleteReplayRequest) => "DeleteReplay",
    );
}
