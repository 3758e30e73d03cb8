//! Evidence bundles handed to a third party for checking (`govgate evidence verify-bundle`).
#![no_main]
use govgate::exchange::evidence::{Bundle, verify_bundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = serde_json::from_slice::<Bundle>(data) {
        let _ = verify_bundle(&bundle, None);
    }
});
