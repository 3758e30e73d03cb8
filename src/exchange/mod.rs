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
    TooOld,
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
            RejectCode::TooOld => "too-old",
            RejectCode::NotPermitted => "not-permitted",
            RejectCode::DigestMismatch => "digest-mismatch",
            RejectCode::DuplicateConflict => "duplicate-conflict",
            RejectCode::TooLarge => "too-large",
            RejectCode::RateLimited => "rate-limited",
        }
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
    /// The directory file and its signature, as read (for evidence bundles).
    signed: (Vec<u8>, String),
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
    generation: std::sync::atomic::AtomicU64,
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
        let (directory, bytes, signature) = Directory::load_signed(&directory_path, &authority)?;
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
        let ledger = Ledger::new(store);
        // A directory older than one this gateway has already used could be a rollback.
        let seen = ledger.directory_version()?;
        if directory.version < seen {
            return Err(ExchangeError::Directory(DirectoryError::Invalid(format!(
                "version {} is older than version {seen}, used before by this gateway",
                directory.version
            ))));
        }
        ledger.record_directory_version(directory.version)?;
        Ok(Self {
            config: config.clone(),
            ledger,
            authority,
            trust: RwLock::new(Trust { directory: Arc::new(directory), signed: (bytes, signature), stamps }),
            signing_key,
            translator,
            generation: std::sync::atomic::AtomicU64::new(0),
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

    /// Re-reads the directory and CRLs when their files changed; returns whether it did.
    /// `build` prepares what else must change with them (the TLS verifier) and may fail;
    /// `install` puts it in force. The version is recorded, then `install` runs, then the
    /// directory is adopted: nothing changes unless every fallible step succeeded. A file
    /// that does not verify, or an older version than any seen, is refused and the loaded
    /// directory stays.
    pub fn reload_if_changed<T>(
        &self,
        build: impl FnOnce(&Directory) -> Result<T, String>,
        install: impl FnOnce(T),
    ) -> Result<bool, ExchangeError> {
        let stamps: Vec<_> = trust_files(&self.config).iter().map(|p| modified(p)).collect();
        if self.trust.read().unwrap_or_else(|e| e.into_inner()).stamps == stamps {
            return Ok(false);
        }
        let path = self.config.directory.clone().unwrap_or_default();
        let (directory, bytes, signature) = Directory::load_signed(&path, &self.authority)?;
        let current = self.trust.read().unwrap_or_else(|e| e.into_inner()).directory.version;
        let seen = self.ledger.directory_version()?.max(current);
        if directory.version < seen {
            // Remember the stamps so the refusal is logged once, not at every poll.
            self.trust.write().unwrap_or_else(|e| e.into_inner()).stamps = stamps;
            return Err(ExchangeError::Directory(DirectoryError::Invalid(format!(
                "version {} is older than version {seen}, seen before",
                directory.version
            ))));
        }
        let prepared = build(&directory).map_err(ExchangeError::Config)?;
        self.ledger.record_directory_version(directory.version)?;
        install(prepared);
        *self.trust.write().unwrap_or_else(|e| e.into_inner()) =
            Trust { directory: Arc::new(directory), signed: (bytes, signature), stamps };
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(true)
    }

    /// The loaded directory and the file it was read from with its signature, taken
    /// together so that an evidence bundle never pairs one version with another's file.
    pub fn signed_directory(&self) -> (Arc<Directory>, (Vec<u8>, String)) {
        let trust = self.trust.read().unwrap_or_else(|e| e.into_inner());
        (trust.directory.clone(), trust.signed.clone())
    }

    /// Changes each time new trust material is adopted (clients built before are stale).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
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
    ) -> Result<Record, SendError> {
        let directory = self.directory().map_err(|e| reject(RejectCode::DirectoryInvalid, e.to_string()))?;
        if directory.agency(to).is_none() {
            return Err(reject(RejectCode::NotPermitted, format!("`{to}` is not in the trust directory")).into());
        }
        // The receiver checks the document against its profile; do it here first, so a
        // document it would refuse never leaves.
        let profile = self.translator.validate(payload, profile).map_err(SendError::Document)?.id.0.clone();
        if !directory.permits(&self.config.agency, to, message_type, &profile) {
            return Err(reject(
                RejectCode::NotPermitted,
                format!(
                    "the directory does not let `{}` send `{message_type}` in `{profile}` to `{to}`",
                    self.config.agency
                ),
            )
            .into());
        }
        let id = uuid::Uuid::new_v4().to_string();
        let from = self.config.agency.clone();
        Ok(self.ledger.enqueue(&id, to, message_type, &profile, |head| {
            let envelope = Envelope::new(id.clone(), &from, to, message_type, &profile, payload, Some(head));
            let bytes = serde_json::to_vec(&envelope).unwrap_or_default();
            let signature = self.sign(&bytes);
            (bytes, signature)
        })?)
    }

    /// Every check on a message from the agency `tls_agency` (the one its certificate is
    /// pinned to), then storage, evidence and a signed receipt.
    pub fn accept(&self, tls_agency: &str, bytes: &[u8], signature: &str) -> Result<Answer, AcceptError> {
        let directory = self.directory().map_err(|e| reject(RejectCode::DirectoryInvalid, e.to_string()))?;
        let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| {
            reject(RejectCode::MalformedEnvelope, format!("line {}, column {}: {e}", e.line(), e.column()))
        })?;
        let head_ok = envelope
            .sender_chain_head
            .as_ref()
            .is_none_or(|h| h.hash.len() == 64 && h.hash.bytes().all(|b| b.is_ascii_hexdigit()));
        if envelope.format != envelope::ENVELOPE_FORMAT || !ledger::valid_id(&envelope.id) || !head_ok {
            return Err(reject(
                RejectCode::MalformedEnvelope,
                "unknown format, an id outside [A-Za-z0-9._-]{1,128}, or a chain head that is not a hex SHA-256",
            )
            .into());
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
        // A resend of a stored message gets its original receipt, however old the envelope:
        // the sender may have been retrying through a long outage.
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
        // A new message may be old (sealed before an outage) but not from the future, and
        // not older than the sender's outbox keeps retrying.
        let now = OffsetDateTime::now_utc();
        let ahead = envelope.created - now;
        if ahead > time::Duration::seconds(self.config.max_clock_skew_secs as i64) {
            return Err(reject(
                RejectCode::ClockSkew,
                format!(
                    "created {} ({}s ahead of this clock; at most {}s)",
                    envelope.created,
                    ahead.whole_seconds(),
                    self.config.max_clock_skew_secs
                ),
            )
            .into());
        }
        if now - envelope.created > time::Duration::seconds(self.config.max_message_age_secs as i64) {
            return Err(reject(
                RejectCode::TooOld,
                format!("created {}, more than {}s ago", envelope.created, self.config.max_message_age_secs),
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
    /// key valid at the receipt's time, the ids, and the digest of the exact envelope bytes
    /// sent.
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
}

/// Why a document was not queued for sending.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Refused(#[from] Rejection),
    /// The document is not valid in its profile (or its profile cannot be told).
    #[error(transparent)]
    Document(crate::translate::TranslateError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
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
