//! RML mapping documents (Turtle): the reader that compiles them for the engine.
#![no_main]
use govgate::rml::{Engine, Mapping};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(mapping) = Mapping::parse(text, Some("https://example.org/")) {
        let _ = Engine::new(mapping, "https://example.org/");
    }
});
