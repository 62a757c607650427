//! Cost of reading server text: `redact_tokens` (and the snippet of an error body, through
//! `decode_response_at`) on the worst case for a per-position matcher, a whole 64 KiB error
//! body of repeated `eyJ`, next to an ordinary 64 KiB text.
//!
//! `cargo bench -p livekit-server-twirp --bench redact` (docs/performance.md).

#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use livekit_server_twirp::{ERROR_BODY_READ_LIMIT, redact_tokens};

fn redact(c: &mut Criterion) {
    let worst = "eyJ".repeat(ERROR_BODY_READ_LIMIT / 3 + 1)[..ERROR_BODY_READ_LIMIT].to_owned();
    let worst_with_tokens = format!("{}.a.b", &worst[..ERROR_BODY_READ_LIMIT - 4]);
    let plain = "upstream connect error or disconnect/reset before headers. "
        .repeat(ERROR_BODY_READ_LIMIT / 58 + 1)[..ERROR_BODY_READ_LIMIT]
        .to_owned();
    let mut group = c.benchmark_group("redact_tokens 64 KiB");
    group.throughput(Throughput::Bytes(ERROR_BODY_READ_LIMIT as u64));
    group.bench_function("repeated eyJ", |b| {
        b.iter(|| redact_tokens(black_box(&worst)))
    });
    group.bench_function("repeated eyJ, then .a.b", |b| {
        b.iter(|| redact_tokens(black_box(&worst_with_tokens)))
    });
    group.bench_function("proxy error text", |b| {
        b.iter(|| redact_tokens(black_box(&plain)))
    });
    group.finish();
}

criterion_group!(benches, redact);
criterion_main!(benches);
