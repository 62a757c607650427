//! Integration tests against a real LiveKit server, started by `cargo xtask integration`.
