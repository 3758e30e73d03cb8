//! The trust directory: a signed, versioned, expiring list of the agencies a gateway may
//! exchange with — their CA certificates, the certificate pinned to each, their endpoints,
//! their message-signing keys with validity windows, what each may send to whom, and their
//! limits. It is a JSON file with a detached JWS beside it (`<file>.sig`) by the directory
//! authority, whose public key each gateway is given out of band (X-Road's configuration
//! anchor). Nothing is exchanged on a directory that is expired or badly signed.

use std::collections::BTreeSet;
use std::path::Path;

use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::jws;

pub const FORMAT: &str = "govgate-trust-directory/1";

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("cannot read the trust directory {path}: {message}")]
    Read { path: String, message: String },
    #[error("the trust directory's signature does not verify against the directory authority key: {0}")]
    BadSignature(String),
    #[error("the trust directory is invalid: {0}")]
    Invalid(String),
    #[error("the trust directory (version {version}) expired at {expires}")]
    Expired { version: u64, expires: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    pub format: String,
    pub version: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub issued: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
    pub agencies: Vec<Agency>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    pub id: String,
    pub jurisdiction: String,
    pub name: String,
    /// `https://host:port` of the agency's exchange listener.
    pub endpoint: String,
    /// PEM certificates of the CAs that issue this agency's TLS certificates.
    pub ca_certificates: Vec<String>,
    /// Hex SHA-256 of the DER of each TLS certificate this agency may present.
    pub certificate_pins: Vec<String>,
    pub signing_keys: Vec<SigningKeyEntry>,
    #[serde(default)]
    pub may_send: Vec<Permission>,
    #[serde(default)]
    pub limits: Limits,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKeyEntry {
    pub kid: String,
    /// base64url of the raw 32-byte Ed25519 public key.
    pub public_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
}

/// What an agency may send to one receiver: message types, and (empty: any) profiles.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    pub to: String,
    pub types: Vec<String>,
    #[serde(default)]
    pub profiles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest message body accepted from this agency.
    pub max_body_bytes: usize,
    /// Requests in each one-minute window (fixed windows, counted per agency).
    pub requests_per_minute: u32,
    /// Requests from this agency handled at once.
    pub max_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_body_bytes: 4 * 1024 * 1024, requests_per_minute: 60_000, max_in_flight: 32 }
    }
}

/// Why a key cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyProblem {
    Unknown,
    OutsideValidity,
}

impl Directory {
    /// Reads `path` and `path.sig`, checks the signature and the contents. The expiry is
    /// checked at each use ([`Directory::check_current`]), so a directory that expires
    /// while loaded stops the exchange.
    pub fn load(path: &Path, authority: &VerifyingKey) -> Result<Self, DirectoryError> {
        Ok(Self::load_signed(path, authority)?.0)
    }

    /// [`Directory::load`], also returning the file's bytes and signature as read (what an
    /// evidence bundle carries).
    pub fn load_signed(path: &Path, authority: &VerifyingKey) -> Result<(Self, Vec<u8>, String), DirectoryError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| DirectoryError::Read { path: p.display().to_string(), message: e.to_string() })
        };
        let bytes = read(path)?;
        let signature_path = signature_path(path);
        let signature = String::from_utf8(read(&signature_path)?)
            .map_err(|_| DirectoryError::BadSignature("the signature file is not text".to_owned()))?;
        jws::verify(authority, &signature, &bytes).map_err(|e| DirectoryError::BadSignature(e.to_string()))?;
        let directory = Self::parse(&bytes)?;
        Ok((directory, bytes, signature))
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, DirectoryError> {
        let directory: Directory = serde_json::from_slice(bytes)
            .map_err(|e| DirectoryError::Invalid(format!("line {}, column {}: {e}", e.line(), e.column())))?;
        directory.validate()?;
        Ok(directory)
    }

    fn validate(&self) -> Result<(), DirectoryError> {
        let invalid = |m: String| Err(DirectoryError::Invalid(m));
        if self.format != FORMAT {
            return invalid(format!("format `{}`, expected `{FORMAT}`", self.format));
        }
        if self.expires <= self.issued {
            return invalid("expires before it is issued".to_owned());
        }
        let mut ids = BTreeSet::new();
        let mut kids = BTreeSet::new();
        for agency in &self.agencies {
            let here = |m: String| DirectoryError::Invalid(format!("agency `{}`: {m}", agency.id));
            if agency.id.is_empty() || !agency.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(here("an id is letters, digits and `-`".to_owned()));
            }
            if !ids.insert(agency.id.clone()) {
                return Err(here("listed twice".to_owned()));
            }
            if !agency.endpoint.starts_with("https://") {
                return Err(here(format!("endpoint `{}` is not https://", agency.endpoint)));
            }
            if agency.ca_certificates.is_empty() || agency.certificate_pins.is_empty() {
                return Err(here("needs at least one CA certificate and one certificate pin".to_owned()));
            }
            for pin in &agency.certificate_pins {
                if pin.len() != 64 || !pin.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(here(format!("pin `{pin}` is not a hex SHA-256")));
                }
            }
            for key in &agency.signing_keys {
                jws::public_key(&key.public_key).map_err(|e| here(format!("key `{}`: {e}", key.kid)))?;
                if !kids.insert(key.kid.clone()) {
                    return Err(here(format!("key id `{}` is used twice in the directory", key.kid)));
                }
            }
        }
        Ok(())
    }

    /// Refuses an expired directory.
    pub fn check_current(&self, now: OffsetDateTime) -> Result<(), DirectoryError> {
        if now >= self.expires {
            return Err(DirectoryError::Expired {
                version: self.version,
                expires: self.expires.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            });
        }
        Ok(())
    }

    pub fn agency(&self, id: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.id == id)
    }

    /// The agency a TLS certificate (DER) is pinned to.
    pub fn agency_for_certificate(&self, der: &[u8]) -> Option<&Agency> {
        let pin = hex::encode(Sha256::digest(der));
        self.agencies.iter().find(|a| a.certificate_pins.iter().any(|p| p.eq_ignore_ascii_case(&pin)))
    }

    /// Whether `from` may send a message of `message_type` in `profile` to `to`.
    pub fn permits(&self, from: &str, to: &str, message_type: &str, profile: &str) -> bool {
        self.agency(from).is_some_and(|agency| {
            agency.may_send.iter().any(|p| {
                p.to == to
                    && p.types.iter().any(|t| t == message_type)
                    && (p.profiles.is_empty() || p.profiles.iter().any(|x| x == profile))
            })
        })
    }
}

impl Agency {
    /// The public key `kid` of this agency, if it is valid at `at`.
    pub fn signing_key(&self, kid: &str, at: OffsetDateTime) -> Result<VerifyingKey, KeyProblem> {
        let entry = self.signing_keys.iter().find(|k| k.kid == kid).ok_or(KeyProblem::Unknown)?;
        if at < entry.not_before || at >= entry.not_after {
            return Err(KeyProblem::OutsideValidity);
        }
        jws::public_key(&entry.public_key).map_err(|_| KeyProblem::Unknown)
    }
}

/// Where the detached signature of a directory file lives.
pub fn signature_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sig");
    name.into()
}

/// The hex SHA-256 pin of a certificate (DER).
pub fn pin(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}
