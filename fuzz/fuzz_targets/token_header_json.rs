//! libFuzzer entry point of `token_header_json`; the body (and its oracle) is
//! [`livekit_server_fuzz::token_header_json`], which the stable corpus test runs too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| livekit_server_fuzz::token_header_json(data));
