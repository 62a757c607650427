//! libFuzzer entry point of `twirp_error_body`; the body (and its oracle) is
//! [`livekit_server_fuzz::twirp_error_body`], which the stable corpus test runs too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| livekit_server_fuzz::twirp_error_body(data));
