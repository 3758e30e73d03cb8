//! What travels between gateways: the signed envelope that carries a document, and the
//! signed receipt that answers it. Both are JSON; the signature (a detached JWS, see
//! [`super::jws`]) is over the exact bytes sent, which are kept as evidence.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub const ENVELOPE_FORMAT: &str = "govgate-envelope/1";
pub const RECEIPT_FORMAT: &str = "govgate-receipt/1";

/// The HTTP header that carries the detached signature of a body.
pub const SIGNATURE_HEADER: &str = "govgate-signature";

/// A position in an evidence chain, as one gateway attests it to the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub format: String,
    /// Unique per sender; a resend keeps it.
    pub id: String,
    pub from: String,
    pub to: String,
    /// `declaration` or `report`.
    #[serde(rename = "type")]
    pub message_type: String,
    /// The document profile of the payload.
    pub profile: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    pub payload_sha256: String,
    /// The document, base64.
    pub payload: String,
    /// The sender's evidence chain when it sealed the message: it commits to its own log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_chain_head: Option<ChainHead>,
}

impl Envelope {
    pub fn new(
        id: String,
        from: &str,
        to: &str,
        message_type: &str,
        profile: &str,
        payload: &[u8],
        sender_chain_head: Option<ChainHead>,
    ) -> Self {
        Self {
            format: ENVELOPE_FORMAT.to_owned(),
            id,
            from: from.to_owned(),
            to: to.to_owned(),
            message_type: message_type.to_owned(),
            profile: profile.to_owned(),
            created: OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| OffsetDateTime::now_utc()),
            payload_sha256: sha256_hex(payload),
            payload: B64.encode(payload),
            sender_chain_head,
        }
    }

    pub fn payload_bytes(&self) -> Result<Vec<u8>, String> {
        B64.decode(&self.payload).map_err(|e| format!("payload is not base64: {e}"))
    }
}

/// The receiver's processing outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Stored; valid against its profile (and translated, when the receiver asks for that).
    Accepted,
    /// Stored as evidence, but the document is not valid against its profile.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub format: String,
    pub message_id: String,
    /// The receiver.
    pub from: String,
    /// The sender.
    pub to: String,
    #[serde(with = "time::serde::rfc3339")]
    pub received: OffsetDateTime,
    /// SHA-256 of the exact envelope bytes received: the sender checks it against what it sent.
    pub envelope_sha256: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// The receiver's own profile the document was translated into, with its gap count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translated_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gaps: Option<usize>,
    /// The receiver's evidence chain after it recorded the message.
    pub receiver_chain_head: ChainHead,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
