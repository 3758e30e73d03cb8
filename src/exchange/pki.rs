//! A local PKI for trying the exchange (`govgate pki init`) and for the tests: a CA, a TLS
//! certificate and an Ed25519 signing key per agency, a CRL, a directory authority key and
//! a signed trust directory, and one configuration file per gateway. Not for production:
//! agencies there bring their own CAs and keys and the directory authority signs the
//! directory offline.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use super::directory::{self, Agency, Directory, Limits, Permission, SigningKeyEntry};
use super::jws;

pub type PkiError = Box<dyn std::error::Error + Send + Sync>;

/// A certificate authority that issues agency TLS certificates and CRLs.
pub struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pub pem: String,
}

/// A certificate and its private key, PEM.
pub struct Issued {
    pub certificate_pem: String,
    pub key_pem: String,
    pub der: Vec<u8>,
    pub serial: u64,
}

impl Ca {
    pub fn generate(name: &str) -> Result<Self, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        params.not_before = OffsetDateTime::now_utc() - Duration::days(1);
        params.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
        let pem = params.self_signed(&key)?.pem();
        Ok(Self { params, key, pem })
    }

    /// A TLS certificate for an agency's gateway (server and client), for 127.0.0.1 and
    /// localhost, valid over `valid`.
    pub fn issue(
        &self,
        agency: &str,
        serial: u64,
        valid: (OffsetDateTime, OffsetDateTime),
    ) -> Result<Issued, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, format!("govgate gateway {agency}"));
        params.distinguished_name.push(DnType::OrganizationName, agency);
        params.serial_number = Some(SerialNumber::from(serial));
        params.not_before = valid.0;
        params.not_after = valid.1;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let certificate = params.signed_by(&key, &issuer)?;
        Ok(Issued {
            certificate_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
            der: certificate.der().to_vec(),
            serial,
        })
    }

    /// A CRL revoking `revoked` serials, issued at `this_update`, next due at `next_update`.
    pub fn crl(
        &self,
        revoked: &[u64],
        this_update: OffsetDateTime,
        next_update: OffsetDateTime,
    ) -> Result<String, PkiError> {
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from(this_update.unix_timestamp() as u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|serial| RevokedCertParams {
                    serial_number: SerialNumber::from(*serial),
                    revocation_time: this_update,
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let issuer = Issuer::from_params(&self.params, &self.key);
        Ok(params.signed_by(&issuer)?.pem()?)
    }
}

/// A fresh Ed25519 key from the operating system's random source.
pub fn signing_key() -> Result<SigningKey, PkiError> {
    let mut seed = [0u8; 32];
    rustls::crypto::ring::default_provider().secure_random.fill(&mut seed).map_err(|_| "no random source")?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The key as PKCS#8 v1 PEM (seed only), the form OpenSSL and Python's `cryptography` read.
pub fn key_pem(key: &SigningKey) -> Result<String, PkiError> {
    let bytes = ed25519_dalek::pkcs8::KeypairBytes { secret_key: key.to_bytes(), public_key: None };
    Ok(bytes.to_pkcs8_pem(LineEnding::LF)?.to_string())
}

/// Writes a directory and its detached signature by the authority key.
pub fn write_directory(path: &Path, directory: &Directory, authority: &SigningKey) -> Result<(), PkiError> {
    let bytes = serde_json::to_vec_pretty(directory)?;
    std::fs::write(path, &bytes)?;
    std::fs::write(directory::signature_path(path), jws::sign(authority, "directory-authority", &bytes))?;
    Ok(())
}

/// One agency to set up: its id, jurisdiction and the first of its three ports (public
/// HTTP, admin, exchange).
#[derive(Debug, Clone)]
pub struct AgencySpec {
    pub id: String,
    pub jurisdiction: String,
    pub base_port: u16,
}

impl std::str::FromStr for AgencySpec {
    type Err = String;

    /// `id:JURISDICTION:port`, e.g. `cn-cac:CN:9400`.
    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        match parts.as_slice() {
            [id, jurisdiction, port] => Ok(Self {
                id: (*id).to_owned(),
                jurisdiction: (*jurisdiction).to_owned(),
                base_port: port.parse().map_err(|_| format!("`{port}` is not a port"))?,
            }),
            _ => Err(format!("`{text}`: write an agency as id:JURISDICTION:port, e.g. cn-cac:CN:9400")),
        }
    }
}

/// What `pki init` made.
pub struct Initialised {
    pub directory: PathBuf,
    pub configs: Vec<(String, PathBuf)>,
}

/// Sets up a local CA, every agency's keys and certificates, a CRL, a signed directory that
/// lets every agency send declarations and reports to every other, and a configuration file
/// per agency (`<dir>/<id>/govgate.toml`).
pub fn init(dir: &Path, agencies: &[AgencySpec]) -> Result<Initialised, PkiError> {
    std::fs::create_dir_all(dir)?;
    let dir = dir.canonicalize()?;
    let now = OffsetDateTime::now_utc().replace_nanosecond(0)?;
    let ca = Ca::generate("govgate local demo CA")?;
    std::fs::write(dir.join("ca.pem"), &ca.pem)?;
    let crl_path = dir.join("ca.crl.pem");
    std::fs::write(&crl_path, ca.crl(&[], now - Duration::minutes(1), now + Duration::days(30))?)?;
    let authority = signing_key()?;
    std::fs::write(dir.join("directory-authority.key"), key_pem(&authority)?)?;
    let authority_public = jws::encode_public_key(&authority.verifying_key());
    let mut entries = Vec::new();
    for (i, spec) in agencies.iter().enumerate() {
        let home = dir.join(&spec.id);
        std::fs::create_dir_all(&home)?;
        let tls = ca.issue(&spec.id, 1000 + i as u64, (now - Duration::days(1), now + Duration::days(365)))?;
        std::fs::write(home.join("tls.pem"), &tls.certificate_pem)?;
        std::fs::write(home.join("tls.key"), &tls.key_pem)?;
        let key = signing_key()?;
        std::fs::write(home.join("signing.key"), key_pem(&key)?)?;
        entries.push((spec, tls, key));
    }
    let ids: Vec<String> = agencies.iter().map(|a| a.id.clone()).collect();
    let directory = Directory {
        format: directory::FORMAT.to_owned(),
        version: 1,
        issued: now,
        expires: now + Duration::days(30),
        agencies: entries
            .iter()
            .map(|(spec, tls, key)| Agency {
                id: spec.id.clone(),
                jurisdiction: spec.jurisdiction.clone(),
                name: format!("{} ({}), local demo", spec.id, spec.jurisdiction),
                endpoint: format!("https://127.0.0.1:{}", spec.base_port + 2),
                ca_certificates: vec![ca.pem.clone()],
                certificate_pins: vec![directory::pin(&tls.der)],
                signing_keys: vec![SigningKeyEntry {
                    kid: format!("{}-1", spec.id),
                    public_key: jws::encode_public_key(&key.verifying_key()),
                    not_before: now - Duration::days(1),
                    not_after: now + Duration::days(365),
                }],
                may_send: ids
                    .iter()
                    .filter(|other| **other != spec.id)
                    .map(|other| Permission {
                        to: other.clone(),
                        types: vec!["declaration".to_owned(), "report".to_owned()],
                        profiles: Vec::new(),
                    })
                    .collect(),
                limits: Limits::default(),
            })
            .collect(),
    };
    let directory_path = dir.join("directory.json");
    write_directory(&directory_path, &directory, &authority)?;
    let mut configs = Vec::new();
    for (spec, _, _) in &entries {
        let home = dir.join(&spec.id);
        let config = format!(
            "# govgate gateway `{id}` ({jurisdiction}), written by `govgate pki init`.\n\
             data_dir = \"{data}\"\n\n[http]\nbind = \"127.0.0.1:{http}\"\n\n[admin]\nbind = \"127.0.0.1:{admin}\"\n\n\
             [exchange]\nenabled = true\nagency = \"{id}\"\nbind = \"127.0.0.1:{exchange}\"\n\
             directory = \"{directory}\"\ndirectory_key = \"{authority_public}\"\n\
             certificate = \"{home}/tls.pem\"\nprivate_key = \"{home}/tls.key\"\n\
             signing_key = \"{home}/signing.key\"\nsigning_kid = \"{id}-1\"\ncrls = [\"{crl}\"]\n",
            id = spec.id,
            jurisdiction = spec.jurisdiction,
            data = home.join("data").display(),
            http = spec.base_port,
            admin = spec.base_port + 1,
            exchange = spec.base_port + 2,
            directory = directory_path.display(),
            home = home.display(),
            crl = crl_path.display(),
        );
        let path = home.join("govgate.toml");
        std::fs::write(&path, config)?;
        configs.push((spec.id.clone(), path));
    }
    Ok(Initialised { directory: directory_path, configs })
}
