//! The agency exchange's refusals, each with its reason, and a delivery end to end: two
//! gateways in this process, mutual TLS on loopback.

mod common;

use std::time::Duration;

use base64::Engine;
use common::pki::{Pki, REVOKED_SERIAL};
use common::{TestApp, spawn_app_with};
use govgate::exchange::envelope::{Envelope, Receipt, SIGNATURE_HEADER};
use govgate::exchange::evidence::{Bundle, verify_bundle};
use govgate::exchange::jws;
use reqwest::StatusCode;
use serde_json::Value;
use time::OffsetDateTime;

const FILING: &str = "examples/cn-standard-contract-filing/ecommerce-customers-and-staff-to-germany.json";
const PROFILE: &str = "cn-standard-contract-filing";

fn filing() -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FILING)).unwrap()
}

async fn gateway(pki: &Pki, agency: &str, directory: &std::path::Path) -> TestApp {
    common::install_crypto_provider();
    let config = pki.exchange_config(agency, directory);
    spawn_app_with(move |c| c.exchange = config).await
}

/// An envelope from `from`, with its bytes and the detached signature by `key` as `kid`.
struct Sealed {
    bytes: Vec<u8>,
    signature: String,
}

fn seal(envelope: &Envelope, key: &ed25519_dalek::SigningKey, kid: &str) -> Sealed {
    let bytes = serde_json::to_vec(envelope).unwrap();
    let signature = jws::sign(key, kid, &bytes);
    Sealed { bytes, signature }
}

fn envelope(from: &str, to: &str, message_type: &str) -> Envelope {
    Envelope::new(uuid::Uuid::new_v4().to_string(), from, to, message_type, PROFILE, &filing(), None)
}

async fn post(client: &reqwest::Client, app: &TestApp, sealed: &Sealed) -> Result<reqwest::Response, String> {
    client
        .post(format!("https://127.0.0.1:{}/exchange/v1/messages", app.exchange.unwrap().port()))
        .header(SIGNATURE_HEADER, &sealed.signature)
        .body(sealed.bytes.clone())
        .send()
        .await
        .map_err(|e| error_chain(&e))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

async fn refusal(response: Result<reqwest::Response, String>) -> (StatusCode, String) {
    let response = response.expect("an HTTP answer");
    let status = response.status();
    let problem: Value = response.json().await.unwrap_or_default();
    (status, problem["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn tls_refuses_every_certificate_the_directory_does_not_vouch_for() {
    let pki = Pki::new();
    let directory = pki.write_directory("directory.json", &pki.directory());
    let beta = gateway(&pki, "beta", &directory).await;
    let sealed = seal(&envelope("alpha", "beta", "declaration"), &pki.agency("alpha").signing, "alpha-1");
    let cases = [
        ("no client certificate", None, "CertificateRequired"),
        ("a certificate from an unknown CA", Some(&pki.rogue_issued), "UnknownCA"),
        ("an expired certificate", Some(&pki.expired), "CertificateExpired"),
        ("a certificate revoked by the CRL", Some(&pki.revoked), "CertificateRevoked"),
    ];
    for (case, identity, alert) in cases {
        // The server's alert can lose the race with its closing the connection; every
        // attempt must fail, and the alert must be seen in one of them.
        let mut errors = Vec::new();
        for _ in 0..5 {
            let error = post(&pki.client(identity), &beta, &sealed).await.expect_err(case);
            let seen = error.contains(alert);
            errors.push(error);
            if seen {
                break;
            }
        }
        assert!(errors.iter().any(|e| e.contains(alert)), "{case}: {errors:?}");
    }
    // A valid certificate of a trusted CA that is not pinned to any agency.
    let (status, code) = refusal(post(&pki.client(Some(&pki.unpinned)), &beta, &sealed).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::FORBIDDEN, "unknown-certificate"));
    assert_eq!(REVOKED_SERIAL, pki.revoked.serial);
}

#[tokio::test]
async fn a_stale_crl_fails_closed() {
    let pki = Pki::new();
    let directory = pki.write_directory("directory.json", &pki.directory());
    let now = OffsetDateTime::now_utc();
    std::fs::write(&pki.crl, pki.ca.crl(&[], now - time::Duration::days(2), now - time::Duration::days(1)).unwrap())
        .unwrap();
    let beta = gateway(&pki, "beta", &directory).await;
    let sealed = seal(&envelope("alpha", "beta", "declaration"), &pki.agency("alpha").signing, "alpha-1");
    let error = post(&pki.client(Some(&pki.agency("alpha").tls)), &beta, &sealed).await.expect_err("stale CRL");
    assert!(error.contains("alert"), "{error}");
}

#[tokio::test]
async fn every_envelope_check_refuses_with_its_own_code() {
    let pki = Pki::new();
    let directory = pki.write_directory("directory.json", &pki.directory());
    let beta = gateway(&pki, "beta", &directory).await;
    let alpha = pki.client(Some(&pki.agency("alpha").tls));
    let alpha_key = &pki.agency("alpha").signing;

    let mut skewed = envelope("alpha", "beta", "declaration");
    skewed.created -= time::Duration::hours(1);
    let unsigned = seal(&envelope("alpha", "beta", "declaration"), alpha_key, "alpha-1");
    let cases: Vec<(&str, Sealed, StatusCode, &str)> = vec![
        (
            "TLS identity is not the envelope's sender",
            seal(&envelope("gamma", "beta", "declaration"), &pki.agency("gamma").signing, "gamma-1"),
            StatusCode::FORBIDDEN,
            "sender-mismatch",
        ),
        (
            "signed by another key under alpha's key id",
            seal(&envelope("alpha", "beta", "declaration"), &pki.agency("gamma").signing, "alpha-1"),
            StatusCode::UNAUTHORIZED,
            "bad-signature",
        ),
        (
            "an unknown key id",
            seal(&envelope("alpha", "beta", "declaration"), alpha_key, "alpha-9"),
            StatusCode::UNAUTHORIZED,
            "unknown-key",
        ),
        (
            "an expired key",
            seal(&envelope("alpha", "beta", "declaration"), &pki.old_key, "alpha-old"),
            StatusCode::UNAUTHORIZED,
            "key-expired",
        ),
        (
            "a type the directory does not permit",
            seal(&envelope("alpha", "beta", "report"), alpha_key, "alpha-1"),
            StatusCode::FORBIDDEN,
            "not-permitted",
        ),
        ("a clock an hour off", seal(&skewed, alpha_key, "alpha-1"), StatusCode::BAD_REQUEST, "clock-skew"),
        (
            "for another agency",
            seal(&envelope("alpha", "gamma", "declaration"), alpha_key, "alpha-1"),
            StatusCode::BAD_REQUEST,
            "wrong-receiver",
        ),
        (
            "not an envelope",
            Sealed { bytes: b"{\"format\": 1".to_vec(), signature: jws::sign(alpha_key, "alpha-1", b"{\"format\": 1") },
            StatusCode::BAD_REQUEST,
            "malformed-envelope",
        ),
        (
            "no signature",
            Sealed { bytes: unsigned.bytes, signature: String::new() },
            StatusCode::UNAUTHORIZED,
            "bad-signature",
        ),
    ];
    for (case, sealed, status, code) in cases {
        let (actual_status, actual_code) = refusal(post(&alpha, &beta, &sealed).await).await;
        assert_eq!((actual_status, actual_code.as_str()), (status, code), "{case}");
    }
    let stored = beta.exchange_service.as_ref().unwrap().ledger.list(govgate::exchange::ledger::Direction::In).unwrap();
    assert!(stored.is_empty(), "nothing refused is stored");
}

#[tokio::test]
async fn a_replay_gets_the_original_receipt_and_a_reused_id_is_refused() {
    let pki = Pki::new();
    let directory = pki.write_directory("directory.json", &pki.directory());
    let beta = gateway(&pki, "beta", &directory).await;
    let alpha = pki.client(Some(&pki.agency("alpha").tls));
    let original = envelope("alpha", "beta", "declaration");
    let sealed = seal(&original, &pki.agency("alpha").signing, "alpha-1");
    let first = post(&alpha, &beta, &sealed).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first_signature = first.headers()[SIGNATURE_HEADER].to_str().unwrap().to_owned();
    let first_receipt = first.bytes().await.unwrap();
    let receipt: Receipt = serde_json::from_slice(&first_receipt).unwrap();
    let beta_key = pki.agency("beta").signing.verifying_key();
    jws::verify(&beta_key, &first_signature, &first_receipt).expect("the receipt is signed by beta");
    assert_eq!(receipt.envelope_sha256, govgate::exchange::envelope::sha256_hex(&sealed.bytes));
    assert_eq!(receipt.outcome, govgate::exchange::envelope::Outcome::Accepted);

    let replay = post(&alpha, &beta, &sealed).await.unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.headers()["govgate-replay"], "true");
    assert_eq!(replay.bytes().await.unwrap(), first_receipt, "the original receipt, byte for byte");

    let mut other = original.clone();
    other.payload = base64::engine::general_purpose::STANDARD.encode(b"{}");
    other.payload_sha256 = govgate::exchange::envelope::sha256_hex(b"{}");
    let (status, code) =
        refusal(post(&alpha, &beta, &seal(&other, &pki.agency("alpha").signing, "alpha-1")).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "duplicate-conflict"));
}

#[tokio::test]
async fn an_expired_directory_stops_the_exchange() {
    let pki = Pki::new();
    let mut expired = pki.directory();
    expired.issued = OffsetDateTime::now_utc() - time::Duration::days(2);
    expired.expires = OffsetDateTime::now_utc() - time::Duration::days(1);
    let directory = pki.write_directory("directory.json", &expired);
    let beta = gateway(&pki, "beta", &directory).await;
    let sealed = seal(&envelope("alpha", "beta", "declaration"), &pki.agency("alpha").signing, "alpha-1");
    let (status, code) = refusal(post(&pki.client(Some(&pki.agency("alpha").tls)), &beta, &sealed).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "directory-invalid"));
}

#[tokio::test]
async fn a_badly_signed_directory_is_refused_at_start() {
    let pki = Pki::new();
    let directory = pki.write_directory("directory.json", &pki.directory());
    let mut tampered = std::fs::read_to_string(&directory).unwrap();
    tampered = tampered.replacen("\"version\": 1", "\"version\": 2", 1);
    std::fs::write(&directory, tampered).unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = govgate::config::Config {
        exchange: pki.exchange_config("beta", &directory),
        data_dir: data.path().to_owned(),
        ..Default::default()
    };
    let error = govgate::startup::Gateway::start(config, govgate::startup::StoreMode::InMemory).err().expect("refused");
    assert!(error.to_string().contains("signature does not verify"), "{error}");
}

#[tokio::test]
async fn a_new_directory_and_a_new_crl_take_effect_without_a_restart() {
    let pki = Pki::new();
    let directory = pki.write_directory("directory.json", &pki.directory());
    let beta = gateway(&pki, "beta", &directory).await;
    let alpha_key = &pki.agency("alpha").signing;
    let report = || seal(&envelope("alpha", "beta", "report"), alpha_key, "alpha-1");
    let (_, code) = refusal(post(&pki.client(Some(&pki.agency("alpha").tls)), &beta, &report()).await).await;
    assert_eq!(code, "not-permitted");

    let mut next = pki.directory();
    next.version = 2;
    for agency in &mut next.agencies {
        for permission in &mut agency.may_send {
            permission.types.push("report".to_owned());
        }
    }
    pki.write_directory("directory.json", &next);
    let mut accepted = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let response = post(&pki.client(Some(&pki.agency("alpha").tls)), &beta, &report()).await.unwrap();
        if response.status() == StatusCode::OK {
            accepted = true;
            break;
        }
    }
    assert!(accepted, "the new directory's permission applies");

    // Revoke alpha's certificate: new connections are refused once the CRL is re-read.
    let now = OffsetDateTime::now_utc();
    std::fs::write(
        &pki.crl,
        pki.ca
            .crl(
                &[REVOKED_SERIAL, pki.agency("alpha").tls.serial],
                now - time::Duration::minutes(1),
                now + time::Duration::days(7),
            )
            .unwrap(),
    )
    .unwrap();
    let mut errors = Vec::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if let Err(error) = post(&pki.client(Some(&pki.agency("alpha").tls)), &beta, &report()).await {
            let seen = error.contains("CertificateRevoked");
            errors.push(error);
            if seen || errors.len() >= 5 {
                break;
            }
        }
    }
    let refused = errors.iter().any(|e| e.contains("CertificateRevoked"));
    assert!(refused, "the new CRL applies to new connections");
}

#[tokio::test]
async fn a_declaration_travels_is_translated_receipted_and_logged_on_both_sides() {
    let pki = Pki::new();
    let mut directory = pki.directory();
    let path = pki.write_directory("directory.json", &directory);
    let mut beta_config = pki.exchange_config("beta", &path);
    beta_config.translate_to.insert(PROFILE.to_owned(), "eu-scc-annex".to_owned());
    common::install_crypto_provider();
    let beta = spawn_app_with(move |c| c.exchange = beta_config).await;
    // alpha learns beta's address from the directory.
    directory.version = 2;
    for agency in &mut directory.agencies {
        if agency.id == "beta" {
            agency.endpoint = format!("https://127.0.0.1:{}", beta.exchange.unwrap().port());
        }
    }
    let path = pki.write_directory("directory.json", &directory);
    let alpha = gateway(&pki, "alpha", &path).await;

    let queued: Value = alpha
        .client
        .post(alpha.admin_url("/exchange/outbox"))
        .query(&[("to", "beta"), ("type", "declaration")])
        .body(filing())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = queued["id"].as_str().unwrap().to_owned();
    assert_eq!(queued["profile"], PROFILE, "the profile is detected");
    let mut delivered = false;
    for _ in 0..100 {
        let outbox: Value =
            alpha.client.get(alpha.admin_url("/exchange/outbox")).send().await.unwrap().json().await.unwrap();
        if outbox[0]["state"] == "delivered" {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered, "delivered within 10 s");

    let received: Value = beta
        .client
        .get(beta.admin_url(&format!("/exchange/inbox/alpha/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(received["receipt"]["translated_to"], "eu-scc-annex");
    assert_eq!(received["translation"]["profile"], "eu-scc-annex");
    assert!(received["record"]["report"]["fields"].as_array().is_some_and(|f| !f.is_empty()), "the gap report is kept");

    for app in [&alpha, &beta] {
        let verify: Value =
            app.client.get(app.admin_url("/exchange/evidence/verify")).send().await.unwrap().json().await.unwrap();
        assert_eq!(verify["ok"], true, "{verify}");
        let bundle: Bundle = app
            .client
            .get(app.admin_url(&format!("/exchange/evidence/export/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let checked = verify_bundle(&bundle).expect("the bundle verifies on its own");
        assert!(checked.iter().any(|c| c.contains("receipt signed by beta")), "{checked:?}");
    }

    // A tampered entry is found, with its position.
    let ledger = &beta.exchange_service.as_ref().unwrap().ledger;
    ledger.tamper(1, "digest", "0000").unwrap();
    let broken = ledger.verify().unwrap().unwrap_err();
    assert_eq!(broken.seq, 1, "{broken}");
}
