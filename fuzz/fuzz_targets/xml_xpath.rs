//! The safe XML parser and the XPath subset the RML engine evaluates: the first line is an
//! expression, the rest a document.
#![no_main]
use govgate::xml::{Document, XPath};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (expression, document) = text.split_once('\n').unwrap_or((text, ""));
    let path = XPath::parse(expression);
    if let (Ok(path), Ok(document)) = (path, Document::parse(document)) {
        for selected in path.select(&document, 0) {
            let _ = selected.value(&document);
        }
    }
});
