//! SPARQL queries as the public endpoint receives them: parse, then the query guard.
#![no_main]
use govgate::sparql::{guard, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((query, _form)) = parse(text, Some("https://w3id.org/govgate/")) {
        let _ = guard::check(&query, 3);
    }
});
