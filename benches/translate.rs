//! One typical report translated end to end (detect, validate, lift, align, check shapes,
//! lower, validate the output): an EU AI Act registration into a Chinese algorithm filing.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use govgate::content::Content;
use govgate::translate::{OutputForm, Translator};

fn translate(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let translator = Translator::new(&Content::from_dir(root).unwrap()).unwrap();
    let report = std::fs::read(root.join("examples/eu-aiact-registration/credit-scoring.json")).unwrap();
    c.bench_function("translate eu-aiact-registration -> cn-algorithm-filing", |b| {
        b.iter(|| translator.translate(&report, None, "cn-algorithm-filing", OutputForm::Json).unwrap());
    });
    let filing = std::fs::read(root.join("examples/cn-algorithm-filing/news-feed-personalised-push.json")).unwrap();
    c.bench_function("translate cn-algorithm-filing -> eu-aiact-registration", |b| {
        b.iter(|| translator.translate(&filing, None, "eu-aiact-registration", OutputForm::Json).unwrap());
    });
}

criterion_group!(benches, translate);
criterion_main!(benches);
