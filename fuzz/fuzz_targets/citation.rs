//! Human citations ("EU AI Act Art. 50(2)", "PIPL 第三十八条") resolved to provisions.
#![no_main]
use std::sync::LazyLock;

use govgate::content::Content;
use govgate::ontology::Ontology;
use govgate::ontology::citation::CitationIndex;
use libfuzzer_sys::fuzz_target;

static INDEX: LazyLock<CitationIndex> = LazyLock::new(|| {
    let ontology = Ontology::from_content(&Content::bundled()).expect("bundled ontology");
    CitationIndex::build(&ontology).expect("citation index")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = INDEX.resolve(text);
});
