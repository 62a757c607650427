//! Repository automation for the LiveKit server SDK workspace (`cargo xtask <command>`).
//!
//! Every task a contributor or CI runs lives here, so that there is one way to do each:
//! protocol sync and code generation, the repository rules (`tidy`), and the
//! environment used by the integration tests.

mod blocking;
mod ci;
mod clients;
mod codegen;
mod conversions;
mod descriptors;
mod docker;
mod env;
mod examples;
mod fuzz;
mod paging;
mod protojson;
mod redact;
mod setup;
mod snippets;
mod sync;
mod tidy;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  proto sync         fetch the pinned livekit-protocol package through cargo and extract its
                     .proto files into proto/.sync/
  codegen [--check]  regenerate crates/livekit-server-proto/src/generated/ (with --check: fail
                     on any difference instead of writing)
  tidy               repository rules: the crate layering of docs/architecture.md and one major
                     version of prost/http/hyper/base64 in Cargo.lock
  snippets           type-check the ```rust blocks of README.md and docs/**/*.md (a generated
                     crate in target/doc-snippets/; errors name the markdown file and line)
  test [--skip-setup] [--skip-integration]
                     the whole test suite as CI runs it: setup, fmt, clippy, doc, the doc
                     snippets, a check on the declared minimum Rust version, codegen check,
                     tidy, package, unit and peer tests, the fuzz seed corpora, integration tests
  setup              install what the integration tests need, when missing: docker.io,
                     ca-certificates, redis-server and chromium (apt-get; python3-venv when
                     venv lacks pip), .venv/ with tests/peers/python/requirements.txt,
                     node_modules of tests/peers/node and crates/livekit-app-server/e2e
                     (npm ci), the Go protojson oracle and the pinned LiveKit server (go
                     install, static); start dockerd if it does not answer; build the images
                     livekit/livekit-server:<pin> and redis:7.0
  up                 build the SDK's examples, start a LiveKit server + redis (containers on
                     the host network, free loopback ports) and print how to reach them
                     (LIVEKIT_URL, ..., LIVEKIT_TEST_EXAMPLES) until Ctrl-C
  fuzz seed          write the fuzz seed corpora to fuzz/corpus/<target>/ (fuzz/README.md)
  fuzz [--seconds N] [TARGET...]
                     install cargo-fuzz if missing, run each fuzz target (default: all) for N
                     seconds (default 30) on nightly, then the stable corpus test; fails
                     naming any crash file
  integration [-- <cargo test args>]
                     build the SDK's examples, start that environment, run the integration
                     test crates (examples.rs runs each example) against it, stop it, exit
                     with their code (docs/integration.md)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = util::workspace_root();
    let result = match args.as_slice() {
        ["proto", "sync"] => sync::sync(&root).map(|dir| {
            util::note(&format!("protos ready in {}", dir.display()));
        }),
        ["codegen"] => codegen::run(&root, codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(&root, codegen::Mode::Check),
        ["tidy"] => tidy::run(&root),
        ["snippets"] => snippets::run(&root),
        ["setup"] => setup::run(&root),
        ["up"] => env::up(&root),
        ["integration", rest @ ..] => match env::integration(&root, rest) {
            Ok(code) => return code,
            Err(message) => Err(message),
        },
        ["fuzz", rest @ ..] => fuzz::run(&root, rest),
        ["test", rest @ ..] => {
            ci::Options::parse(rest).and_then(|options| ci::run(&root, &options))
        }
        ["help" | "--help" | "-h"] | [] => {
            util::note(USAGE);
            Ok(())
        }
        _ => Err(format!("unknown command: {}\n\n{USAGE}", args.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            util::note(&format!("error: {message}"));
            ExitCode::FAILURE
        }
    }
}
