//! The agency exchange, without the network: what a gateway checks before it accepts a
//! message from a peer, how it seals and records what it sends, and how it checks a receipt.
//! The mutual-TLS listener, the outbox worker and the CLI (in `http` and `cli`) are thin
//! adapters over [`Exchange`].
//!
//! A message is accepted only when, in this order: the directory is current; the TLS
//! certificate is pinned to an agency; that agency is the envelope's sender; the envelope
//! is for us; its key is known and valid; its signature verifies; its clock is close to
//! ours; the directory permits that sender, type and profile; and the payload matches its
//! digest. Each failure has its own [`RejectCode`]. An accepted message is stored, logged
//! and receipted in one transaction; its document is then checked against its profile and,
//! when this gateway asks for it, translated into its own profile (the outcome goes into
//! the receipt; a document that fails its profile is still kept as evidence).

pub mod directory;
pub mod envelope;
pub mod evidence;
pub mod jws;
pub mod ledger;
pub mod pki;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use time::OffsetDateTime;

use crate::config::ExchangeConfig;
use crate::store::Store;
use crate::translate::{OutputForm, Translator};
use directory::{Directory, DirectoryError, KeyProblem};
use envelope::{ChainHead, Envelope, Outcome, RECEIPT_FORMAT, Receipt, sha256_hex};
use ledger::{Ledger, LedgerError, Processed, Received, Record};

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("exchange configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Why a message or a receipt was refused; each has its own code on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectCode {
    DirectoryInvalid,
    UnknownCertificate,
    MalformedEnvelope,
    SenderMismatch,
    WrongReceiver,
    UnknownKey,
    KeyExpired,
    BadSignature,
    ClockSkew,
    NotPermitted,
    DigestMismatch,
    DuplicateConflict,
    TooLarge,
    RateLimited,
}

impl RejectCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::DirectoryInvalid => "directory-invalid",
            RejectCode::UnknownCertificate => "unknown-certificate",
            RejectCode::MalformedEnvelope => "malformed-envelope",
            RejectCode::SenderMismatch => "sender-mismatch",
            RejectCode::WrongReceiver => "wrong-receiver",
            RejectCode::UnknownKey => "unknown-key",
            RejectCode::KeyExpired => "key-expired",
            RejectCode::BadSignature => "bad-signature",
            RejectCode::ClockSkew => "clock-skew",
            RejectCode::NotPermitted => "not-permitted",
            RejectCode::DigestMismatch => "digest-mismatch",
            RejectCode::DuplicateConflict => "duplicate-conflict",
            RejectCode::TooLarge => "too-large",
            RejectCode::RateLimited => "rate-limited",
        }
    }

    /// Whether resending the same message could succeed later.
    pub fn is_transient(self) -> bool {
        matches!(self, RejectCode::RateLimited | RejectCode::DirectoryInvalid | RejectCode::ClockSkew)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct Rejection {
    pub code: RejectCode,
    pub message: String,
}

fn reject(code: RejectCode, message: impl Into<String>) -> Rejection {
    Rejection { code, message: message.into() }
}

/// A receipt as the receiver answers: its bytes, its signature, and whether it is the one
/// first given for this message (a replay gets the original again).
#[derive(Debug)]
pub struct Answer {
    pub receipt: Vec<u8>,
    pub signature: String,
    pub replay: bool,
}

/// The trust material a gateway reloads without a restart.
struct Trust {
    directory: Arc<Directory>,
    /// Modification times of the files it was read from.
    stamps: Vec<Option<SystemTime>>,
}

/// One gateway's exchange service.
pub struct Exchange {
    pub config: ExchangeConfig,
    pub ledger: Ledger,
    authority: ed25519_dalek::VerifyingKey,
    trust: RwLock<Trust>,
    signing_key: SigningKey,
    translator: Arc<Translator>,
}

impl Exchange {
    pub fn open(config: &ExchangeConfig, store: Store, translator: Arc<Translator>) -> Result<Self, ExchangeError> {
        let need = |v: &Option<PathBuf>, key: &str| {
            v.clone().ok_or_else(|| ExchangeError::Config(format!("`exchange.{key}` is not set")))
        };
        let authority = jws::public_key(config.directory_key.as_deref().unwrap_or_default())
            .map_err(|e| ExchangeError::Config(format!("`exchange.directory_key`: {e}")))?;
        let key_path = need(&config.signing_key, "signing_key")?;
        let signing_key = SigningKey::read_pkcs8_pem_file(&key_path)
            .map_err(|e| ExchangeError::Config(format!("`exchange.signing_key` {}: {e}", key_path.display())))?;
        let directory_path = need(&config.directory, "directory")?;
        let directory = Directory::load(&directory_path, &authority)?;
        let me = directory.agency(&config.agency).ok_or_else(|| {
            ExchangeError::Config(format!("agency `{}` is not in the trust directory", config.agency))
        })?;
        let listed = me.signing_keys.iter().find(|k| k.kid == config.signing_kid).ok_or_else(|| {
            ExchangeError::Config(format!("key id `{}` is not listed for `{}`", config.signing_kid, config.agency))
        })?;
        if jws::public_key(&listed.public_key).ok() != Some(signing_key.verifying_key()) {
            return Err(ExchangeError::Config(format!(
                "the signing key does not match the public key the directory lists as `{}`",
                config.signing_kid
            )));
        }
        let stamps = trust_files(config).iter().map(|p| modified(p)).collect();
        Ok(Self {
            config: config.clone(),
            ledger: Ledger::new(store),
            authority,
            trust: RwLock::new(Trust { directory: Arc::new(directory), stamps }),
            signing_key,
            translator,
        })
    }

    /// The current directory; an error once it has expired.
    pub fn directory(&self) -> Result<Arc<Directory>, DirectoryError> {
        let directory = self.trust.read().unwrap_or_else(|e| e.into_inner()).directory.clone();
        directory.check_current(OffsetDateTime::now_utc())?;
        Ok(directory)
    }

    /// The directory even when expired (for listings and evidence export).
    pub fn directory_any(&self) -> Arc<Directory> {
        self.trust.read().unwrap_or_else(|e| e.into_inner()).directory.clone()
    }

    /// Re-reads the directory when its files changed; returns whether it did. A new file
    /// that does not verify is refused and the loaded directory stays.
    pub fn reload_if_changed(&self) -> Result<bool, ExchangeError> {
        let stamps: Vec<_> = trust_files(&self.config).iter().map(|p| modified(p)).collect();
        if self.trust.read().unwrap_or_else(|e| e.into_inner()).stamps == stamps {
            return Ok(false);
        }
        let path = self.config.directory.clone().unwrap_or_default();
        let directory = Directory::load(&path, &self.authority)?;
        let mut trust = self.trust.write().unwrap_or_else(|e| e.into_inner());
        if directory.version < trust.directory.version {
            return Err(ExchangeError::Directory(DirectoryError::Invalid(format!(
                "version {} is older than the loaded version {}",
                directory.version, trust.directory.version
            ))));
        }
        *trust = Trust { directory: Arc::new(directory), stamps };
        Ok(true)
    }

    fn sign(&self, bytes: &[u8]) -> String {
        jws::sign(&self.signing_key, &self.config.signing_kid, bytes)
    }

    /// Seals a document for `to` and puts it in the outbox (with its evidence entry).
    pub fn send(
        &self,
        to: &str,
        message_type: &str,
        profile: Option<&str>,
        payload: &[u8],
    ) -> Result<Record, Rejection> {
        let directory = self.directory().map_err(|e| reject(RejectCode::DirectoryInvalid, e.to_string()))?;
        if directory.agency(to).is_none() {
            return Err(reject(RejectCode::NotPermitted, format!("`{to}` is not in the trust directory")));
        }
        let profile = match profile {
            Some(p) => p.to_owned(),
            None => self
                .translator
                .detect(payload)
                .map(|p| p.id.0.clone())
                .map_err(|e| reject(RejectCode::MalformedEnvelope, format!("the document's profile: {e}")))?,
        };
        if !directory.permits(&self.config.agency, to, message_type, &profile) {
            return Err(reject(
                RejectCode::NotPermitted,
                format!(
                    "the directory does not let `{}` send `{message_type}` in `{profile}` to `{to}`",
                    self.config.agency
                ),
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let from = self.config.agency.clone();
        self.ledger
            .enqueue(&id, to, message_type, &profile, |head| {
                let envelope = Envelope::new(id.clone(), &from, to, message_type, &profile, payload, Some(head));
                let bytes = serde_json::to_vec(&envelope).unwrap_or_default();
                let signature = self.sign(&bytes);
                (bytes, signature)
            })
            .map_err(|e| reject(RejectCode::DirectoryInvalid, format!("cannot store the message: {e}")))
    }

    /// Every check on a message from the agency `tls_agency` (the one its certificate is
    /// pinned to), then storage, evidence and a signed receipt.
    pub fn accept(&self, tls_agency: &str, bytes: &[u8], signature: &str) -> Result<Answer, AcceptError> {
        let directory = self.directory().map_err(|e| reject(RejectCode::DirectoryInvalid, e.to_string()))?;
        let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| {
            reject(RejectCode::MalformedEnvelope, format!("line {}, column {}: {e}", e.line(), e.column()))
        })?;
        if envelope.format != envelope::ENVELOPE_FORMAT || !ledger::valid_id(&envelope.id) {
            return Err(
                reject(RejectCode::MalformedEnvelope, "unknown format or an id outside [A-Za-z0-9._-]{1,128}").into()
            );
        }
        if envelope.from != tls_agency {
            return Err(reject(
                RejectCode::SenderMismatch,
                format!("the TLS certificate is `{tls_agency}`'s but the envelope says it is from `{}`", envelope.from),
            )
            .into());
        }
        if envelope.to != self.config.agency {
            return Err(reject(
                RejectCode::WrongReceiver,
                format!("addressed to `{}`, this is `{}`", envelope.to, self.config.agency),
            )
            .into());
        }
        let sender = directory
            .agency(&envelope.from)
            .ok_or_else(|| reject(RejectCode::UnknownCertificate, "sender not in directory"))?;
        let kid = jws::key_id(signature).map_err(|e| reject(RejectCode::BadSignature, e.to_string()))?;
        let key = sender.signing_key(&kid, envelope.created).map_err(|problem| match problem {
            KeyProblem::Unknown => reject(RejectCode::UnknownKey, format!("`{}` has no key `{kid}`", envelope.from)),
            KeyProblem::OutsideValidity => reject(
                RejectCode::KeyExpired,
                format!("key `{kid}` is not valid at the envelope's time {}", envelope.created),
            ),
        })?;
        jws::verify(&key, signature, bytes).map_err(|e| reject(RejectCode::BadSignature, e.to_string()))?;
        let skew = (OffsetDateTime::now_utc() - envelope.created).abs();
        if skew > time::Duration::seconds(self.config.max_clock_skew_secs as i64) {
            return Err(reject(
                RejectCode::ClockSkew,
                format!(
                    "created {} ({}s from this clock; at most {}s)",
                    envelope.created,
                    skew.whole_seconds(),
                    self.config.max_clock_skew_secs
                ),
            )
            .into());
        }
        if !directory.permits(&envelope.from, &self.config.agency, &envelope.message_type, &envelope.profile) {
            return Err(reject(
                RejectCode::NotPermitted,
                format!("`{}` may not send `{}` in `{}` here", envelope.from, envelope.message_type, envelope.profile),
            )
            .into());
        }
        let payload = envelope.payload_bytes().map_err(|e| reject(RejectCode::MalformedEnvelope, e))?;
        if sha256_hex(&payload) != envelope.payload_sha256 {
            return Err(reject(RejectCode::DigestMismatch, "the payload does not match payload_sha256").into());
        }
        // Replays are answered before the (costly) document processing.
        if let Some(existing) = self.ledger.get(ledger::Direction::In, &envelope.from, &envelope.id)? {
            return match (existing.envelope == bytes, existing.receipt) {
                (true, Some((receipt, signature))) => Ok(Answer { receipt, signature, replay: true }),
                _ => Err(reject(
                    RejectCode::DuplicateConflict,
                    format!("message `{}` was received before with other content", envelope.id),
                )
                .into()),
            };
        }
        let (processed, outcome, problems) = self.process(&envelope.profile, &payload);
        let envelope_sha256 = sha256_hex(bytes);
        let translated_to = processed.translation.as_ref().map(|(t, _)| t.clone());
        let gaps = processed.report.as_ref().and_then(|r| r["summary"]["gaps"].as_u64()).map(|g| g as usize);
        let receipt_for = |head: ChainHead| {
            let receipt = Receipt {
                format: RECEIPT_FORMAT.to_owned(),
                message_id: envelope.id.clone(),
                from: self.config.agency.clone(),
                to: envelope.from.clone(),
                received: OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| OffsetDateTime::now_utc()),
                envelope_sha256: envelope_sha256.clone(),
                outcome,
                problems: problems.clone(),
                translated_to: translated_to.clone(),
                gaps,
                receiver_chain_head: head,
            };
            let receipt_bytes = serde_json::to_vec(&receipt).unwrap_or_default();
            let signature = self.sign(&receipt_bytes);
            (receipt_bytes, signature)
        };
        let message = ledger::Message {
            id: &envelope.id,
            peer: &envelope.from,
            message_type: &envelope.message_type,
            profile: &envelope.profile,
            envelope: bytes,
            signature,
        };
        let received = self.ledger.receive(&message, envelope.sender_chain_head.as_ref(), processed, receipt_for)?;
        match received {
            Received::New { receipt, signature } => Ok(Answer { receipt, signature, replay: false }),
            Received::Replay { receipt, signature } => Ok(Answer { receipt, signature, replay: true }),
            Received::Conflict => Err(reject(
                RejectCode::DuplicateConflict,
                format!("message `{}` was received before with other content", envelope.id),
            )
            .into()),
        }
    }

    /// Validates the document against its profile and translates it when asked to.
    fn process(&self, profile: &str, payload: &[u8]) -> (Processed, Outcome, Vec<String>) {
        if let Err(error) = self.translator.validate(payload, Some(profile)) {
            let problems = match &error {
                crate::translate::TranslateError::Invalid(v) => {
                    v.iter().map(|v| format!("{}: {}", v.location, v.message)).collect()
                }
                other => vec![other.to_string()],
            };
            let report = serde_json::json!({ "problems": problems });
            return (Processed { translation: None, report: Some(report) }, Outcome::Rejected, problems);
        }
        let Some(target) = self.config.translate_to.get(profile) else {
            return (Processed::default(), Outcome::Accepted, Vec::new());
        };
        match self.translator.translate(payload, Some(profile), target, OutputForm::Json) {
            Ok(translation) => {
                let report = serde_json::to_value(&translation.report).ok();
                (
                    Processed { translation: Some((target.clone(), translation.output)), report },
                    Outcome::Accepted,
                    Vec::new(),
                )
            }
            // The message is valid; a translation failure is reported, not a rejection.
            Err(e) => (
                Processed {
                    translation: None,
                    report: Some(serde_json::json!({ "translation_error": e.to_string() })),
                },
                Outcome::Accepted,
                vec![format!("translation into {target} failed: {e}")],
            ),
        }
    }

    /// Checks a receipt for a message this gateway sent: the receiver's signature with a
    /// key valid now, the ids, and the digest of the exact envelope bytes sent.
    pub fn check_receipt(&self, record: &Record, bytes: &[u8], signature: &str) -> Result<Receipt, Rejection> {
        let directory = self.directory().map_err(|e| reject(RejectCode::DirectoryInvalid, e.to_string()))?;
        let receiver = directory
            .agency(&record.peer)
            .ok_or_else(|| reject(RejectCode::UnknownCertificate, format!("`{}` left the directory", record.peer)))?;
        let receipt: Receipt = serde_json::from_slice(bytes)
            .map_err(|e| reject(RejectCode::MalformedEnvelope, format!("receipt: {e}")))?;
        let kid = jws::key_id(signature).map_err(|e| reject(RejectCode::BadSignature, e.to_string()))?;
        let key = receiver.signing_key(&kid, receipt.received).map_err(|problem| match problem {
            KeyProblem::Unknown => reject(RejectCode::UnknownKey, format!("`{}` has no key `{kid}`", record.peer)),
            KeyProblem::OutsideValidity => reject(RejectCode::KeyExpired, format!("receipt key `{kid}` not valid")),
        })?;
        jws::verify(&key, signature, bytes).map_err(|e| reject(RejectCode::BadSignature, format!("receipt: {e}")))?;
        if receipt.format != RECEIPT_FORMAT
            || receipt.message_id != record.id
            || receipt.from != record.peer
            || receipt.to != self.config.agency
        {
            return Err(reject(RejectCode::MalformedEnvelope, "the receipt is for another message or party"));
        }
        if receipt.envelope_sha256 != sha256_hex(&record.envelope) {
            return Err(reject(
                RejectCode::DigestMismatch,
                "the receipt's digest is not the digest of the envelope sent",
            ));
        }
        Ok(receipt)
    }

    /// The backoff before attempt `attempt + 1`: base * 2^attempt, capped, with full jitter.
    pub fn backoff(&self, attempt: u32) -> std::time::Duration {
        let ceiling = self.config.retry_base_ms.saturating_mul(1u64 << attempt.min(30)).min(self.config.retry_max_ms);
        let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * ceiling / 255;
        std::time::Duration::from_millis(jitter.max(self.config.retry_base_ms.min(ceiling)))
    }

    /// The agencies' endpoints, for the outbox.
    pub fn endpoints(&self) -> BTreeMap<String, String> {
        self.directory_any().agencies.iter().map(|a| (a.id.clone(), a.endpoint.clone())).collect()
    }
}

/// A refusal or a storage failure while accepting.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

fn trust_files(config: &ExchangeConfig) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(directory) = &config.directory {
        files.push(directory.clone());
        files.push(directory::signature_path(directory));
    }
    files.extend(config.crls.iter().cloned());
    files
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
