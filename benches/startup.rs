//! Loading the release into the store at start-up: the ontology and every mapping set,
//! into a fresh in-memory store (the durable store's first start does the same work).

use criterion::{Criterion, criterion_group, criterion_main};
use govgate::config::Config;
use govgate::startup::{Gateway, StoreMode};

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(10);
    group.bench_function("load ontology and mapping sets into a new store", |b| {
        b.iter(|| Gateway::start(Config::default(), StoreMode::InMemory).expect("starts"));
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
