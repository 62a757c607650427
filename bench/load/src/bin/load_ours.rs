//! The load run with our crates: one `livekit_server_http::Client` (one pool) shared by the
//! service clients, each call signing its own token. The mix is the integration test's
//! ([`bench_load::Clients`]).

use bench_load::Clients;
use livekit_server_http::Client;
use livekit_server_room::proto;

#[tokio::main]
async fn main() {
    let settings = bench_load::Settings::from_args();
    let (url, key, secret) = bench_load::credentials();
    let clients = Clients::new(&Client::new(&url, &key, &secret).expect("a client"));
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
