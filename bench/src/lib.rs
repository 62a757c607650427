//! Benchmarks of `livekit-server-auth` against the official `livekit-api` crate (see
//! `benches/tokens.rs` and docs/performance.md). This library is empty.
