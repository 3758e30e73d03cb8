//! Detached JWS signatures on envelopes and receipts: the signature header is untrusted,
//! the payload too. The input is `signature\npayload`.
#![no_main]
use ed25519_dalek::SigningKey;
use govgate::exchange::jws::{key_id, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (signature, payload) = data.split_at(split);
    let Ok(signature) = std::str::from_utf8(signature) else { return };
    let key = SigningKey::from_bytes(&[7; 32]).verifying_key();
    let _ = key_id(signature);
    let _ = verify(&key, signature, payload);
});
