//! The document parser: JSON and XML (no DTDs, bounded depth), in the form the bytes sniff as.
#![no_main]
use govgate::translate::document::{parse, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse(data, sniff(data));
});
