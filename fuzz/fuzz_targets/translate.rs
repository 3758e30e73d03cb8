//! The whole translation pipeline on untrusted bytes: detect, validate, lift, align, check,
//! lower. The first byte picks the target profile.
#![no_main]
use std::sync::LazyLock;

use govgate::content::Content;
use govgate::translate::{OutputForm, Translator};
use libfuzzer_sys::fuzz_target;

static TRANSLATOR: LazyLock<Translator> =
    LazyLock::new(|| Translator::new(&Content::bundled()).expect("bundled content"));
const TARGETS: &[&str] = &[
    "ai-system-profile",
    "cn-algorithm-filing",
    "cn-genai-filing",
    "cn-security-assessment-declaration",
    "cn-standard-contract-filing",
    "eu-aiact-registration",
    "eu-scc-annex",
    "iso42001-soa",
    "jp-appi-transfer",
    "nist-ai-rmf-oscal",
    "transfer-facts",
    "uk-idta",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, document)) = data.split_first() else { return };
    let target = TARGETS[usize::from(pick) % TARGETS.len()];
    let _ = TRANSLATOR.translate(document, None, target, OutputForm::Json);
});
