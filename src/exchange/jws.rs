//! Detached JWS (RFC 7515 compact serialisation with a detached payload, RFC 7515 App. F)
//! signed with Ed25519 (`alg: EdDSA`, RFC 8037). The signed bytes travel beside the
//! signature, exactly as sent, so a third party can verify them with any JOSE library:
//! put `base64url(bytes)` between the two dots and verify the compact JWS.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwsError {
    #[error("the signature is not a detached compact JWS (`header..signature`)")]
    Malformed,
    #[error("the JWS header is not EdDSA with a key id: {0}")]
    Header(String),
    #[error("the signature does not verify")]
    BadSignature,
}

/// The protected header: exactly `alg` and `kid` (anything else, `crit` included, is refused,
/// so no extension can change what the signature means).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    alg: String,
    kid: String,
}

/// Signs `payload`; returns `base64url(header)..base64url(signature)`.
pub fn sign(key: &SigningKey, kid: &str, payload: &[u8]) -> String {
    let header = serde_json::to_vec(&Header { alg: "EdDSA".to_owned(), kid: kid.to_owned() }).unwrap_or_default();
    let protected = B64.encode(header);
    let input = format!("{protected}.{}", B64.encode(payload));
    let signature = key.sign(input.as_bytes());
    format!("{protected}..{}", B64.encode(signature.to_bytes()))
}

/// The key id a detached JWS names, read before verification to pick the key.
pub fn key_id(jws: &str) -> Result<String, JwsError> {
    let (protected, _) = split(jws)?;
    let header: Header = serde_json::from_slice(&B64.decode(protected).map_err(|_| JwsError::Malformed)?)
        .map_err(|e| JwsError::Header(e.to_string()))?;
    if header.alg != "EdDSA" {
        return Err(JwsError::Header(format!("alg `{}`", header.alg)));
    }
    Ok(header.kid)
}

/// Verifies a detached JWS over `payload` with `key`.
pub fn verify(key: &VerifyingKey, jws: &str, payload: &[u8]) -> Result<(), JwsError> {
    key_id(jws)?;
    let (protected, signature) = split(jws)?;
    let signature = B64.decode(signature).map_err(|_| JwsError::Malformed)?;
    let signature = Signature::from_slice(&signature).map_err(|_| JwsError::Malformed)?;
    let input = format!("{protected}.{}", B64.encode(payload));
    key.verify(input.as_bytes(), &signature).map_err(|_| JwsError::BadSignature)
}

fn split(jws: &str) -> Result<(&str, &str), JwsError> {
    let mut parts = jws.trim().split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(""), Some(s), None) if !h.is_empty() && !s.is_empty() => Ok((h, s)),
        _ => Err(JwsError::Malformed),
    }
}

/// A public key as the directory writes it: base64url of the 32 raw bytes.
pub fn public_key(encoded: &str) -> Result<VerifyingKey, String> {
    let bytes = B64.decode(encoded.trim()).map_err(|e| format!("not base64url: {e}"))?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| "an Ed25519 public key is 32 bytes".to_owned())?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| e.to_string())
}

pub fn encode_public_key(key: &VerifyingKey) -> String {
    B64.encode(key.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_detached_signature_verifies_only_over_the_same_bytes_and_key() {
        let jws = sign(&key(1), "k1", b"{\"a\":1}");
        assert_eq!(key_id(&jws).unwrap(), "k1");
        assert!(verify(&key(1).verifying_key(), &jws, b"{\"a\":1}").is_ok());
        assert_eq!(verify(&key(1).verifying_key(), &jws, b"{\"a\":2}"), Err(JwsError::BadSignature));
        assert_eq!(verify(&key(2).verifying_key(), &jws, b"{\"a\":1}"), Err(JwsError::BadSignature));
        assert_eq!(verify(&key(1).verifying_key(), "abc", b""), Err(JwsError::Malformed));
        let critical = format!("{}..AAAA", B64.encode(br#"{"alg":"EdDSA","kid":"k1","crit":["x"],"x":1}"#));
        assert!(matches!(key_id(&critical), Err(JwsError::Header(_))), "unknown header members are refused");
    }

    #[test]
    fn the_compact_form_with_the_payload_put_back_is_a_standard_jws() {
        let jws = sign(&key(3), "k3", b"hello");
        let (header, signature) = jws.split_once("..").unwrap();
        let attached = format!("{header}.{}.{signature}", B64.encode(b"hello"));
        assert_eq!(attached.split('.').count(), 3);
        let decoded: serde_json::Value = serde_json::from_slice(&B64.decode(header).unwrap()).unwrap();
        assert_eq!(decoded["alg"], "EdDSA");
    }
}
