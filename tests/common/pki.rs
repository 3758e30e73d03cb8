//! A PKI for the exchange tests: a trusted CA and a rogue one, three agencies (alpha, beta,
//! gamma) with TLS certificates and signing keys, extra certificates for the negative
//! cases, a CRL, and a signed trust directory that each test can adjust.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use govgate::config::ExchangeConfig;
use govgate::exchange::directory::{self, Agency, Directory, Limits, Permission, SigningKeyEntry};
use govgate::exchange::jws;
use govgate::exchange::pki::{self, Ca, Issued};
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};

pub const AGENCIES: [&str; 3] = ["alpha", "beta", "gamma"];
/// The serial of alpha's revoked certificate.
pub const REVOKED_SERIAL: u64 = 666;

pub struct AgencyFiles {
    pub id: String,
    pub tls: Issued,
    pub certificate: PathBuf,
    pub private_key: PathBuf,
    pub signing: SigningKey,
    pub signing_key: PathBuf,
}

pub struct Pki {
    pub dir: TempDir,
    pub ca: Ca,
    pub rogue: Ca,
    pub authority: SigningKey,
    pub agencies: Vec<AgencyFiles>,
    pub crl: PathBuf,
    /// alpha's other certificates: expired, revoked, from the rogue CA, and valid but unpinned.
    pub expired: Issued,
    pub revoked: Issued,
    pub rogue_issued: Issued,
    pub unpinned: Issued,
    /// A key alpha's directory entry lists as expired.
    pub old_key: SigningKey,
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        let valid = (now - Duration::days(1), now + Duration::days(30));
        let ca = Ca::generate("test CA").unwrap();
        let rogue = Ca::generate("rogue CA").unwrap();
        let authority = pki::signing_key().unwrap();
        let mut agencies = Vec::new();
        for (i, id) in AGENCIES.iter().enumerate() {
            let tls = ca.issue(id, 100 + i as u64, valid).unwrap();
            let home = dir.path().join(id);
            std::fs::create_dir_all(&home).unwrap();
            let (certificate, private_key, signing_key) =
                (home.join("tls.pem"), home.join("tls.key"), home.join("signing.key"));
            std::fs::write(&certificate, &tls.certificate_pem).unwrap();
            std::fs::write(&private_key, &tls.key_pem).unwrap();
            let signing = pki::signing_key().unwrap();
            std::fs::write(&signing_key, pki::key_pem(&signing).unwrap()).unwrap();
            agencies.push(AgencyFiles { id: (*id).to_owned(), tls, certificate, private_key, signing, signing_key });
        }
        let crl = dir.path().join("ca.crl.pem");
        std::fs::write(&crl, ca.crl(&[REVOKED_SERIAL], now - Duration::minutes(5), now + Duration::days(7)).unwrap())
            .unwrap();
        Pki {
            expired: ca.issue("alpha", 200, (now - Duration::days(30), now - Duration::days(1))).unwrap(),
            revoked: ca.issue("alpha", REVOKED_SERIAL, valid).unwrap(),
            rogue_issued: rogue.issue("alpha", 300, valid).unwrap(),
            unpinned: ca.issue("alpha", 400, valid).unwrap(),
            old_key: pki::signing_key().unwrap(),
            dir,
            ca,
            rogue,
            authority,
            agencies,
            crl,
        }
    }

    pub fn agency(&self, id: &str) -> &AgencyFiles {
        self.agencies.iter().find(|a| a.id == id).unwrap()
    }

    /// The directory every test starts from: alpha, beta and gamma may send declarations
    /// to each other; alpha's revoked certificate is pinned too (the CRL must catch it),
    /// and alpha lists an expired key `alpha-old`.
    pub fn directory(&self) -> Directory {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        Directory {
            format: directory::FORMAT.to_owned(),
            version: 1,
            issued: now - Duration::hours(1),
            expires: now + Duration::days(7),
            agencies: self
                .agencies
                .iter()
                .map(|a| {
                    let mut pins = vec![directory::pin(&a.tls.der)];
                    let mut keys = vec![SigningKeyEntry {
                        kid: format!("{}-1", a.id),
                        public_key: jws::encode_public_key(&a.signing.verifying_key()),
                        not_before: now - Duration::days(1),
                        not_after: now + Duration::days(30),
                    }];
                    if a.id == "alpha" {
                        pins.push(directory::pin(&self.revoked.der));
                        pins.push(directory::pin(&self.expired.der));
                        pins.push(directory::pin(&self.rogue_issued.der));
                        keys.push(SigningKeyEntry {
                            kid: "alpha-old".to_owned(),
                            public_key: jws::encode_public_key(&self.old_key.verifying_key()),
                            not_before: now - Duration::days(60),
                            not_after: now - Duration::days(30),
                        });
                    }
                    Agency {
                        id: a.id.clone(),
                        jurisdiction: "INT".to_owned(),
                        name: format!("agency {}", a.id),
                        endpoint: "https://127.0.0.1:1".to_owned(),
                        ca_certificates: vec![self.ca.pem.clone()],
                        certificate_pins: pins,
                        signing_keys: keys,
                        may_send: AGENCIES
                            .iter()
                            .filter(|other| **other != a.id)
                            .map(|other| Permission {
                                to: (*other).to_owned(),
                                types: vec!["declaration".to_owned()],
                                profiles: Vec::new(),
                            })
                            .collect(),
                        limits: Limits::default(),
                    }
                })
                .collect(),
        }
    }

    /// Writes a directory (signed by the authority) and returns its path.
    pub fn write_directory(&self, name: &str, directory: &Directory) -> PathBuf {
        let path = self.dir.path().join(name);
        pki::write_directory(&path, directory, &self.authority).unwrap();
        path
    }

    /// The exchange configuration of one agency's gateway.
    pub fn exchange_config(&self, agency: &str, directory: &Path) -> ExchangeConfig {
        let files = self.agency(agency);
        ExchangeConfig {
            enabled: true,
            agency: agency.to_owned(),
            bind: "127.0.0.1:0".parse().unwrap(),
            directory: Some(directory.to_owned()),
            directory_key: Some(jws::encode_public_key(&self.authority.verifying_key())),
            certificate: Some(files.certificate.clone()),
            private_key: Some(files.private_key.clone()),
            signing_key: Some(files.signing_key.clone()),
            signing_kid: format!("{agency}-1"),
            crls: vec![self.crl.clone()],
            reload_secs: 1,
            retry_base_ms: 50,
            retry_max_ms: 500,
            ..ExchangeConfig::default()
        }
    }

    /// A mutual-TLS client presenting `identity` (certificate and key PEM), or none.
    pub fn client(&self, identity: Option<&Issued>) -> reqwest::Client {
        let mut builder = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(self.ca.pem.as_bytes()).unwrap()])
            .tls_version_min(reqwest::tls::Version::TLS_1_3)
            .timeout(std::time::Duration::from_secs(30));
        if let Some(issued) = identity {
            let pem = format!("{}\n{}", issued.certificate_pem, issued.key_pem);
            builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap());
        }
        builder.build().unwrap()
    }
}
