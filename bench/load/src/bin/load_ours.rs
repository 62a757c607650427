//! The load run with our crates: one `livekit_server_http::Client` (one pool) shared by the
//! service clients, each call signing its own token.

use livekit_server_agent_dispatch::AgentDispatchClient;
use livekit_server_egress::EgressClient;
use livekit_server_http::{Client, Error};
use livekit_server_ingress::IngressClient;
use livekit_server_room::{RoomClient, proto};
use livekit_server_sip::SipClient;

struct Clients {
    room: RoomClient,
    egress: EgressClient,
    ingress: IngressClient,
    sip: SipClient,
    dispatch: AgentDispatchClient,
}

impl Clients {
    async fn call(&self, i: usize, room: &str) -> Result<(), Error> {
        match i % 6 {
            0 => self
                .room
                .list_rooms(proto::ListRoomsRequest::default())
                .await
                .map(drop),
            1 => self
                .room
                .list_participants(proto::ListParticipantsRequest {
                    room: room.to_owned(),
                })
                .await
                .map(drop),
            2 => self
                .egress
                .list_egress(livekit_server_egress::proto::ListEgressRequest {
                    room_name: room.to_owned(),
                    ..Default::default()
                })
                .await
                .map(drop),
            3 => self
                .ingress
                .list_ingress(livekit_server_ingress::proto::ListIngressRequest {
                    room_name: room.to_owned(),
                    ..Default::default()
                })
                .await
                .map(drop),
            4 => self
                .sip
                .list_sip_inbound_trunk(
                    livekit_server_sip::proto::ListSipInboundTrunkRequest::default(),
                )
                .await
                .map(drop),
            _ => self
                .dispatch
                .list_dispatch(
                    livekit_server_agent_dispatch::proto::ListAgentDispatchRequest {
                        room: room.to_owned(),
                        ..Default::default()
                    },
                )
                .await
                .map(drop),
        }
    }
}

#[tokio::main]
async fn main() {
    let settings = bench_load::Settings::from_args();
    let (url, key, secret) = bench_load::credentials();
    let client = Client::new(&url, &key, &secret).expect("a client");
    let clients = Clients {
        room: RoomClient::from_client(client.clone()),
        egress: EgressClient::from_client(client.clone()),
        ingress: IngressClient::from_client(client.clone()),
        sip: SipClient::from_client(client.clone()),
        dispatch: AgentDispatchClient::from_client(client),
    };
    let room = bench_load::room_name("ours");
    clients
        .room
        .create_room(proto::CreateRoomRequest {
            name: room.clone(),
            empty_timeout: 600,
            ..Default::default()
        })
        .await
        .expect("create the room");
    bench_load::run("ours (livekit-server-*)", settings, |i| {
        clients.call(i, &room)
    })
    .await;
}
