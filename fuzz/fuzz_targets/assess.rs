//! The rule engine's questions on untrusted documents: transfer mechanism, applicability,
//! sandbox supervision. The first byte picks the question.
#![no_main]
use std::sync::LazyLock;

use govgate::assess::{assess, parse_date};
use govgate::content::Content;
use govgate::rules::{Engine, Kind};
use govgate::startup::rules_engine;
use govgate::translate::Translator;
use libfuzzer_sys::fuzz_target;

static SETUP: LazyLock<(Translator, Engine)> = LazyLock::new(|| {
    let content = Content::bundled();
    (Translator::new(&content).expect("bundled content"), rules_engine(&content).expect("bundled rules"))
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, document)) = data.split_first() else { return };
    let kind = [Kind::Transfer, Kind::Applicability, Kind::Sandbox][usize::from(pick) % 3];
    let (translator, engine) = &*SETUP;
    let _ = assess(translator, engine, kind, document, parse_date("2026-06-01").expect("a date"));
});
