//! Test support shared by the workspace's own tests: the runner of the reference peers, the
//! official Python (`livekit-api`) and Node (`livekit-server-sdk`) SDKs behind the small
//! command-line programs in `tests/peers/` (one JSON command per line, one JSON answer).
//!
//! This crate is a dev-dependency only (`cargo xtask tidy` refuses it as a normal dependency)
//! and is never published. It must never depend on an async runtime or an HTTP stack; it
//! spawns processes and panics with advice when a peer is missing, as a failed test should.
//!
//! The peers must be installed: `cargo xtask setup` (Python packages in `.venv/`, Node
//! packages in `tests/peers/node/node_modules`), or by hand
//! `python3 -m pip install -r tests/peers/python/requirements.txt` and
//! `cd tests/peers/node && npm ci`. The Python interpreter is `$PYTHON`, else
//! `.venv/bin/python`, else `python3`.
//!
//! # Features
//!
//! None.
//!
//! # Example
//!
//! ```no_run
//! use livekit_server_testkit::Peer;
//! use serde_json::json;
//!
//! let mut peer = Peer::node();
//! let answer = peer.call(&json!({"cmd": "version"}));
//! assert_eq!(answer["ok"], json!(true), "{} peer: {answer}", peer.name());
//! ```

mod peer;

pub use peer::{INSTALL, Peer, repo_root};
