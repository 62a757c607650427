//! `AccessToken::from_env`: this test program runs itself again with chosen environments
//! (setting variables in the running process would need `unsafe`). It has no libtest harness:
//! `main` is the parent, or, with `LK_AUTH_TEST_FROM_ENV_EXPECT` set, one child case.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::process::{Command, ExitCode};

use livekit_server_auth::{AccessToken, TokenError, TokenVerifier};

/// Set in the child processes: what `from_env` must return there.
const EXPECT: &str = "LK_AUTH_TEST_FROM_ENV_EXPECT";

/// One child case; panics (exit code 101) if `from_env` does not do what is expected.
fn child(expect: &str) {
    let result = AccessToken::from_env();
    match expect {
        "ok" => {
            let jwt = result.unwrap().with_identity("env-user").to_jwt().unwrap();
            let claims = TokenVerifier::new("env-key", "env-secret")
                .unwrap()
                .verify(&jwt)
                .unwrap();
            assert_eq!(claims.identity(), Some("env-user"));
        }
        "missing-key" => {
            assert_eq!(
                result.unwrap_err(),
                TokenError::MissingEnv {
                    var: "LIVEKIT_API_KEY"
                }
            );
        }
        "missing-secret" => {
            let err = result.unwrap_err();
            assert_eq!(
                err,
                TokenError::MissingEnv {
                    var: "LIVEKIT_API_SECRET"
                }
            );
            assert!(!err.to_string().contains("env-key"), "{err}");
        }
        other => panic!("unknown expectation {other}"),
    }
}

fn main() -> ExitCode {
    if let Ok(expect) = std::env::var(EXPECT) {
        child(&expect);
        return ExitCode::SUCCESS;
    }
    let cases: [(&str, Option<&str>, Option<&str>); 5] = [
        ("ok", Some("env-key"), Some("env-secret")),
        ("missing-key", None, Some("env-secret")),
        ("missing-key", Some(""), Some("env-secret")),
        ("missing-secret", Some("env-key"), None),
        ("missing-secret", Some("env-key"), Some("")),
    ];
    let mut failed = 0;
    for (expect, key, secret) in cases {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command.env(EXPECT, expect);
        for (var, value) in [("LIVEKIT_API_KEY", key), ("LIVEKIT_API_SECRET", secret)] {
            match value {
                Some(value) => command.env(var, value),
                None => command.env_remove(var),
            };
        }
        let output = command.output().unwrap();
        if !output.status.success() {
            failed += 1;
            println!(
                "from_env case {expect} (key {key:?}, secret {secret:?}) failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    println!("from_env: {} passed, {failed} failed", cases.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
