//! libFuzzer entry point of `webhook_receive`; the body (and its oracle) is
//! [`livekit_server_fuzz::webhook_receive`], which the stable corpus test runs too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| livekit_server_fuzz::webhook_receive(data));
