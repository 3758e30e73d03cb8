//! Evidence bundles: one message with everything a third party needs to check it without
//! our database — the envelope and receipt exactly as exchanged, their detached signatures,
//! the public keys the directory lists for both agencies, and the evidence entries from the
//! message's first entry to the chain head at export. [`verify_bundle`] checks it; the
//! same checks can be made with standard tools (see docs/exchange.md).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use super::directory::{Directory, SigningKeyEntry};
use super::envelope::{Envelope, Receipt, sha256_hex};
use super::jws;
use super::ledger::{Entry, Record, check_link};

pub const BUNDLE_FORMAT: &str = "govgate-evidence-bundle/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    /// The gateway that exported the bundle, and whether it sent or received the message.
    pub exported_by: String,
    pub direction: String,
    pub message_id: String,
    /// Base64 of the exact envelope bytes, and their detached JWS.
    pub envelope: String,
    pub envelope_signature: String,
    pub receipt: Option<String>,
    pub receipt_signature: Option<String>,
    /// The signing keys of both agencies, as the trust directory lists them.
    pub keys: Vec<BundleKey>,
    pub directory_version: u64,
    /// The trust directory file (base64) and its detached signature by the directory
    /// authority, so the keys can be checked against the authority's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory_signature: Option<String>,
    /// Evidence entries of the exporter's chain, contiguous, ending at its head.
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleKey {
    pub agency: String,
    #[serde(flatten)]
    pub key: SigningKeyEntry,
}

/// Builds the bundle of one message; `signed_directory` is the directory file and its
/// signature as read when the directory in force was loaded.
pub fn bundle(
    me: &str,
    record: &Record,
    directory: &Directory,
    signed_directory: Option<(Vec<u8>, String)>,
    entries: Vec<Entry>,
) -> Bundle {
    let keys = directory
        .agencies
        .iter()
        .filter(|a| a.id == me || a.id == record.peer)
        .flat_map(|a| a.signing_keys.iter().map(|k| BundleKey { agency: a.id.clone(), key: k.clone() }))
        .collect();
    Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        exported_by: me.to_owned(),
        direction: match record.direction {
            super::ledger::Direction::In => "received".to_owned(),
            super::ledger::Direction::Out => "sent".to_owned(),
        },
        message_id: record.id.clone(),
        envelope: B64.encode(&record.envelope),
        envelope_signature: record.signature.clone(),
        receipt: record.receipt.as_ref().map(|(bytes, _)| B64.encode(bytes)),
        receipt_signature: record.receipt.as_ref().map(|(_, signature)| signature.clone()),
        keys,
        directory_version: directory.version,
        directory: signed_directory.as_ref().map(|(bytes, _)| B64.encode(bytes)),
        directory_signature: signed_directory.map(|(_, signature)| signature),
        entries,
    }
}

/// Checks a bundle on its own; returns what was checked, or the first failure. With the
/// directory authority's key, the signing keys are taken from the bundle's signed directory
/// (and that signature is checked); without it, from the bundle's key list as it stands.
pub fn verify_bundle(bundle: &Bundle, authority: Option<&ed25519_dalek::VerifyingKey>) -> Result<Vec<String>, String> {
    let mut checked = Vec::new();
    if bundle.format != BUNDLE_FORMAT {
        return Err(format!("format `{}`, expected `{BUNDLE_FORMAT}`", bundle.format));
    }
    let decode = |what: &str, b64: &str| B64.decode(b64).map_err(|e| format!("{what} is not base64: {e}"));
    let keys: Vec<BundleKey> = match authority {
        Some(authority) => {
            let (Some(directory), Some(signature)) = (&bundle.directory, &bundle.directory_signature) else {
                return Err("the bundle carries no signed directory to check its keys against".to_owned());
            };
            let bytes = decode("the directory", directory)?;
            jws::verify(authority, signature, &bytes).map_err(|e| format!("the directory's signature: {e}"))?;
            let directory = Directory::parse(&bytes).map_err(|e| e.to_string())?;
            checked.push(format!(
                "keys from trust directory version {}, signed by the directory authority",
                directory.version
            ));
            directory
                .agencies
                .iter()
                .flat_map(|a| a.signing_keys.iter().map(|k| BundleKey { agency: a.id.clone(), key: k.clone() }))
                .collect()
        }
        None => {
            checked.push("keys as the bundle lists them (not checked against a directory authority)".to_owned());
            bundle.keys.clone()
        }
    };
    let envelope_bytes = decode("the envelope", &bundle.envelope)?;
    let envelope: Envelope = serde_json::from_slice(&envelope_bytes).map_err(|e| format!("the envelope: {e}"))?;
    if envelope.id != bundle.message_id {
        return Err("the envelope is not the bundle's message".to_owned());
    }
    let key_of =
        |agency: &str, signature: &str, at: time::OffsetDateTime| -> Result<ed25519_dalek::VerifyingKey, String> {
            let kid = jws::key_id(signature).map_err(|e| e.to_string())?;
            let entry = keys
                .iter()
                .find(|k| k.agency == agency && k.key.kid == kid)
                .ok_or_else(|| format!("no key `{kid}` of `{agency}` in the bundle"))?;
            if at < entry.key.not_before || at >= entry.key.not_after {
                return Err(format!("key `{kid}` was not valid at {at}"));
            }
            jws::public_key(&entry.key.public_key)
        };
    let sender_key = key_of(&envelope.from, &bundle.envelope_signature, envelope.created)?;
    jws::verify(&sender_key, &bundle.envelope_signature, &envelope_bytes)
        .map_err(|e| format!("envelope signature: {e}"))?;
    checked.push(format!(
        "envelope signed by {} ({})",
        envelope.from,
        jws::key_id(&bundle.envelope_signature).unwrap_or_default()
    ));
    let payload = envelope.payload_bytes()?;
    if sha256_hex(&payload) != envelope.payload_sha256 {
        return Err("the payload does not match the envelope's payload_sha256".to_owned());
    }
    checked.push("payload matches its digest".to_owned());
    let envelope_digest = sha256_hex(&envelope_bytes);
    let mut receipt_digest = None;
    if let (Some(receipt_b64), Some(signature)) = (&bundle.receipt, &bundle.receipt_signature) {
        let receipt_bytes = decode("the receipt", receipt_b64)?;
        let receipt: Receipt = serde_json::from_slice(&receipt_bytes).map_err(|e| format!("the receipt: {e}"))?;
        let receiver_key = key_of(&envelope.to, signature, receipt.received)?;
        jws::verify(&receiver_key, signature, &receipt_bytes).map_err(|e| format!("receipt signature: {e}"))?;
        if receipt.format != super::envelope::RECEIPT_FORMAT
            || receipt.message_id != envelope.id
            || receipt.from != envelope.to
            || receipt.to != envelope.from
        {
            return Err("the receipt is not the receiver's answer to this envelope".to_owned());
        }
        if receipt.envelope_sha256 != envelope_digest {
            return Err("the receipt does not acknowledge these envelope bytes".to_owned());
        }
        checked.push(format!(
            "receipt signed by {} acknowledges the envelope's SHA-256 ({:?})",
            envelope.to, receipt.outcome
        ));
        receipt_digest = Some(sha256_hex(&receipt_bytes));
    }
    // The chain: contiguous, linked, each entry hashing to its hash.
    let first = bundle.entries.first().ok_or("the bundle has no evidence entries")?;
    let mut prev = first.prev.clone();
    for (i, entry) in bundle.entries.iter().enumerate() {
        check_link(entry, first.seq + i as u64, &prev)
            .map_err(|reason| format!("evidence entry {}: {reason}", entry.seq))?;
        prev = entry.hash.clone();
    }
    let recorded = |digest: &str| bundle.entries.iter().any(|e| e.message_id == envelope.id && e.digest == digest);
    if !recorded(&envelope_digest) {
        return Err("no evidence entry records the envelope's SHA-256".to_owned());
    }
    if let Some(digest) = receipt_digest
        && !recorded(&digest)
    {
        return Err("no evidence entry records the receipt's SHA-256".to_owned());
    }
    let last = bundle.entries.last().map(|e| (e.seq, e.hash.clone())).unwrap_or_default();
    checked.push(format!(
        "evidence entries {}..{} link and record the message; chain head {}:{}",
        first.seq, last.0, last.0, last.1
    ));
    Ok(checked)
}
