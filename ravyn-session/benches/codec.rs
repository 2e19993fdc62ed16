//! Cookie encode and decode+verify, per format, for a 2-key session and a ~1 KiB session; plus the
//! per-request cost of a session the handler never touches.
//!
//! `cargo bench -p ravyn-session --bench codec`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput};
use ravyn_session::codec::Codec;
use ravyn_session::{CookieFormat, CookieUpdate, IncomingCookie, ManualClock, SessionConfig, SessionManager};
use serde_json::{json, Map, Value};

const SECRET: &str = "bench-secret-0123456789abcdef0123456789";
const NOW: u64 = 1_700_000_000;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn sessions() -> [(&'static str, Map<String, Value>); 2] {
    let small = object(json!({"user_id": 1, "email": "alice@example.com"}));
    let mut large = Map::new();
    for i in 0..10 {
        large.insert(format!("key_{i}"), Value::from(format!("{i:02}-{}", "v".repeat(85))));
    }
    [("2-key", small), ("1KiB", large)]
}

fn codec_benches(c: &mut Criterion) {
    for format in [CookieFormat::Signed, CookieFormat::Ravyn, CookieFormat::Private] {
        let codec = Codec::new(&SessionConfig::new(SECRET).cookie_format(format));
        let mut group = c.benchmark_group(format!("codec/{format}"));
        for (label, data) in sessions() {
            let json_len = serde_json::to_vec(&data).map_or(0, |v| v.len());
            group.throughput(Throughput::Bytes(json_len as u64));
            group.bench_with_input(BenchmarkId::new("encode", label), &data, |b, data| {
                b.iter(|| codec.encode(black_box(data), NOW, NOW).expect("encode"));
            });
            let value = codec.encode(&data, NOW, NOW).expect("encode");
            group.bench_with_input(BenchmarkId::new("decode", label), &value, |b, value| {
                b.iter(|| codec.decode(black_box(value), NOW).expect("decode"));
            });
        }
        group.finish();
    }
}

fn lazy_benches(c: &mut Criterion) {
    let clock = Arc::new(ManualClock::new(NOW));
    let manager = SessionManager::new(SessionConfig::new(SECRET).clock(clock)).expect("config");
    let value = manager.codec().encode(&sessions()[0].1, NOW, NOW).expect("encode");
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut group = c.benchmark_group("request");
    group.bench_function("untouched session (cookie present)", |b| {
        b.iter(|| {
            let session = manager.session(IncomingCookie::One(black_box(value.clone())));
            let update = runtime.block_on(manager.finish(&session)).expect("finish");
            assert_eq!(update, CookieUpdate::None);
        });
    });
    group.bench_function("read one key", |b| {
        b.iter(|| {
            let session = manager.session(IncomingCookie::One(black_box(value.clone())));
            let user_id = session.get::<u64>("user_id").expect("get");
            let update = runtime.block_on(manager.finish(&session)).expect("finish");
            (user_id, update)
        });
    });
    group.finish();
}

// What criterion_group!/criterion_main! expand to, minus the undocumented pub fn they generate.
fn main() {
    let mut c = Criterion::default().configure_from_args();
    codec_benches(&mut c);
    lazy_benches(&mut c);
    c.final_summary();
}
