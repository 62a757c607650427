//! Without an async runtime: the blocking clients from a plain `fn main`, one client shared by
//! several threads, and a paged listing read as an iterator.
//!
//! `cargo run -p livekit-server-sdk --features blocking --example blocking [ROOM]` (ROOM:
//! `blocking-room` when not given) with LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET set
//! (e.g. from `cargo xtask up`).

#![allow(clippy::print_stdout)] // an example prints what it did

use livekit_server_sdk::blocking::LiveKitApi;
use livekit_server_sdk::proto;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "blocking-room".into());
    // The client owns a small runtime; every call waits for its answer.
    let api = LiveKitApi::from_env()?;

    let room = api.room().create_room(proto::CreateRoomRequest {
        empty_timeout: 60,
        ..proto::CreateRoomRequest::new(&name)
    })?;
    println!("created {} ({})", room.name, room.sid);

    // One client serves any number of threads (clones are cheap and share its pool).
    let counts = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| api.room().list_participants(&name)))
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("a thread panicked"))
            .map(|listed| listed.map(|l| l.participants.len()))
            .collect::<Result<Vec<_>, _>>()
    })?;
    println!("{} threads listed {counts:?} participant(s)", counts.len());

    // A paged listing is an iterator: pages are fetched as the items are taken.
    let mut trunks = 0;
    for trunk in api
        .sip()
        .outbound_trunks(proto::ListSipOutboundTrunkRequest::default())
    {
        let trunk = trunk?;
        trunks += 1;
        println!("outbound trunk {} ({})", trunk.sip_trunk_id, trunk.name);
    }
    println!("{trunks} outbound trunk(s)");

    api.room().delete_room(&name)?;
    println!("deleted {name}");
    Ok(())
}
