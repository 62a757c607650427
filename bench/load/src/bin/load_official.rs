//! The load run with the official crates.io `livekit-api` 0.10.0: one service client per
//! service (as that crate is built), each call signing its own token.

use livekit_api::services::ServiceError;
use livekit_api::services::agent_dispatch::AgentDispatchClient;
use livekit_api::services::egress::{EgressClient, EgressListFilter, EgressListOptions};
use livekit_api::services::ingress::{IngressClient, IngressListFilter};
use livekit_api::services::room::{CreateRoomOptions, RoomClient};
use livekit_api::services::sip::{ListSIPInboundTrunkFilter, SIPClient};

struct Clients {
    room: RoomClient,
    egress: EgressClient,
    ingress: IngressClient,
    sip: SIPClient,
    dispatch: AgentDispatchClient,
}

impl Clients {
    async fn call(&self, i: usize, room: &str) -> Result<(), ServiceError> {
        match i % 6 {
            0 => self.room.list_rooms(Vec::new()).await.map(drop),
            1 => self.room.list_participants(room).await.map(drop),
            2 => self
                .egress
                .list_egress(EgressListOptions {
                    filter: EgressListFilter::Room(room.to_owned()),
                    ..Default::default()
                })
                .await
                .map(drop),
            3 => self
                .ingress
                .list_ingress(IngressListFilter::Room(room.to_owned()))
                .await
                .map(drop),
            4 => self
                .sip
                .list_sip_inbound_trunk(ListSIPInboundTrunkFilter::All)
                .await
                .map(drop),
            _ => self.dispatch.list_dispatch(room).await.map(drop),
        }
    }
}

#[tokio::main]
async fn main() {
    let settings = bench_load::Settings::from_args();
    let (url, key, secret) = bench_load::credentials();
    let clients = Clients {
        room: RoomClient::with_api_key(&url, &key, &secret),
        egress: EgressClient::with_api_key(&url, &key, &secret),
        ingress: IngressClient::with_api_key(&url, &key, &secret),
        sip: SIPClient::with_api_key(&url, &key, &secret),
        dispatch: AgentDispatchClient::with_api_key(&url, &key, &secret),
    };
    let room = bench_load::room_name("official");
    clients
        .room
        .create_room(
            &room,
            CreateRoomOptions {
                empty_timeout: 600,
                ..Default::default()
            },
        )
        .await
        .expect("create the room");
    bench_load::run("official (livekit-api 0.10.0)", settings, |i| {
        clients.call(i, &room)
    })
    .await;
}
