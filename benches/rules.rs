//! Rule decisions: one transfer declaration across every regime, one AI system profile
//! across every jurisdiction (the facts already extracted).

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use govgate::content::Content;
use govgate::rules::{Kind, decide};
use govgate::startup::rules_engine;
use serde_json::json;
use time::macros::date;

fn rules(c: &mut Criterion) {
    let content = Content::from_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let engine = rules_engine(&content).unwrap();
    let facts = json!({
        "profile": "transfer-facts", "transferDate": "2026-05-01", "origin": "CN", "destination": "DE",
        "exporter": {"isCIIO": false, "country": "CN"}, "importer": {"country": "DE"},
        "data": {"personCount": 250000, "sensitivePersonCount": 0, "importantData": false},
        "purposes": ["ordinary-business"], "earlierTransfers": []
    });
    let sets: Vec<_> = engine.rules.of_kind(Kind::Transfer).collect();
    c.bench_function("decide one declaration in every transfer regime", |b| {
        b.iter(|| {
            sets.iter().map(|set| decide(set, &facts, date!(2026 - 11 - 29), engine.terms())).collect::<Vec<_>>()
        });
    });
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ai-system-profile/cv-screening.json");
    let system: serde_json::Value = serde_json::from_slice(&std::fs::read(example).unwrap()).unwrap();
    c.bench_function("classify one AI system in every jurisdiction", |b| {
        b.iter(|| engine.decide_all(Kind::Applicability, &system, date!(2026 - 11 - 29)).unwrap());
    });
    if let Some(set) = engine.rules.get("cn-transfer") {
        c.bench_function("decide one declaration in one regime (CN)", |b| {
            b.iter(|| decide(set, &facts, date!(2026 - 11 - 29), engine.terms()));
        });
    }
}

criterion_group!(benches, rules);
criterion_main!(benches);
