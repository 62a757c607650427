//! libFuzzer entry point of `token_verify_structured`; the body (and its oracle) is
//! [`livekit_server_fuzz::token_verify_structured`], which the stable corpus test runs too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| livekit_server_fuzz::token_verify_structured(data));
