//! The exchange's trust directory, as fetched from an authority.
#![no_main]
use govgate::exchange::directory::Directory;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Directory::parse(data);
});
