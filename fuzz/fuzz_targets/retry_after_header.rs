//! libFuzzer entry point of `retry_after_header`; the body (and its oracle) is
//! [`livekit_server_fuzz::retry_after_header`], which the stable corpus test runs too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| livekit_server_fuzz::retry_after_header(data));
