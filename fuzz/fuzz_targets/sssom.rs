//! SSSOM TSV crosswalk files: the reader and the strict validator.
#![no_main]
use std::sync::LazyLock;

use govgate::content::Content;
use govgate::mappings::sssom::read;
use govgate::mappings::terms::TermIndex;
use govgate::mappings::validate::validate;
use govgate::ontology::Ontology;
use libfuzzer_sys::fuzz_target;

static TERMS: LazyLock<TermIndex> = LazyLock::new(|| {
    let ontology = Ontology::from_content(&Content::bundled()).expect("bundled ontology");
    TermIndex::build(&ontology).expect("term index")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(set) = read("fuzz.sssom.tsv", text) {
        let _ = validate(&set, text, &TERMS);
    }
});
