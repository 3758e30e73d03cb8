//! The RML engine on the shared lift benchmark (shared/bench/lift): the same mapping and
//! data shape Morph-KGC is measured on, streamed to N-Triples.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use govgate::rml::{Engine, Mapping, WriterSink};
use oxigraph::io::RdfFormat;

const MAPPING: &str = include_str!("../tests/data/lift-bench-mapping.ttl");

/// Records shaped like gen_data.py's (10 scalar fields, quotes in one).
fn data(records: usize) -> Vec<u8> {
    let mut out = String::from("{\"declarations\": [");
    for i in 0..records {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            r#"{{"id": "decl-{i:07}", "system": "ai-system-{:04}", "provider": "Provider \"{}\" Ltd.", "sourceJurisdiction": "CN", "targetJurisdiction": "EU", "riskLevel": "high", "legalBasis": "certification", "dataCategory": "personal", "recordCount": {}, "declaredOn": "2025-0{}-1{}"}}"#,
            i % 1000,
            i % 300,
            i * 7 % 10_000_000,
            1 + i % 9,
            i % 9
        ));
    }
    out.push_str("]}");
    out.into_bytes()
}

fn lift(c: &mut Criterion) {
    let mapping = Mapping::parse(MAPPING, Some("file:///bench/mapping.ttl")).unwrap();
    let engine = Engine::new(mapping, "http://example.com/").unwrap().without_locations();
    let records = 20_000;
    let input = data(records);
    let mut group = c.benchmark_group("lift");
    group.throughput(Throughput::Elements(records as u64));
    group.sample_size(10);
    group.bench_function("stream JSON records to N-Triples", |b| {
        b.iter(|| {
            let mut sink = WriterSink::new(RdfFormat::NTriples, Vec::with_capacity(4 << 20));
            engine.run_stream_slice(&input, &mut sink).unwrap();
            sink.finish().unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, lift);
criterion_main!(benches);
