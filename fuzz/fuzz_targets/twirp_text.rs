//! libFuzzer entry point of `twirp_text`; the body (and its oracle) is
//! [`livekit_server_fuzz::twirp_text`], which the stable corpus test runs too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| livekit_server_fuzz::twirp_text(data));
