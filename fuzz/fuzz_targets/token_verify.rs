//! libFuzzer entry point of `token_verify`; the body (and its oracle) is
//! [`livekit_server_fuzz::token_verify`], which the stable corpus test runs too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| livekit_server_fuzz::token_verify(data));
