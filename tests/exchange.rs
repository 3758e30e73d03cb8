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

/// How many client certificates the gateway's exchange listener refused for `reason`.
async fn tls_refusals(app: &TestApp, reason: &str) -> u64 {
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let series = format!("govgate_exchange_tls_refusals_total{{reason=\"{reason}\"}} ");
    metrics.lines().find_map(|l| l.strip_prefix(&series)).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
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
    // The client may only see the connection close (TLS 1.3 sends the verdict after the
    // handshake); the server counts each refusal by its reason.
    let cases = [
        ("no client certificate", None, None),
        ("a certificate from an unknown CA", Some(&pki.rogue_issued), Some("unknown-ca")),
        ("an expired certificate", Some(&pki.expired), Some("expired")),
        ("a certificate revoked by the CRL", Some(&pki.revoked), Some("revoked")),
    ];
    for (case, identity, reason) in cases {
        // Any transport error: an alert, a closed connection or a broken pipe.
        post(&pki.client(identity), &beta, &sealed).await.expect_err(case);
        if let Some(reason) = reason {
            assert!(tls_refusals(&beta, reason).await >= 1, "{case}: no `{reason}` refusal counted");
        }
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
    post(&pki.client(Some(&pki.agency("alpha").tls)), &beta, &sealed).await.expect_err("stale CRL");
    assert!(tls_refusals(&beta, "stale-crl").await >= 1, "the stale CRL is the reason");
}

#[tokio::test]
async fn every_envelope_check_refuses_with_its_own_code() {
    let pki = Pki::new();
    let directory = pki.write_directory("directory.json", &pki.directory());
    let beta = gateway(&pki, "beta", &directory).await;
    let alpha = pki.client(Some(&pki.agency("alpha").tls));
    let alpha_key = &pki.agency("alpha").signing;

    let mut skewed = envelope("alpha", "beta", "declaration");
    skewed.created += time::Duration::hours(1);
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
        ("a clock an hour ahead", seal(&skewed, alpha_key, "alpha-1"), StatusCode::BAD_REQUEST, "clock-skew"),
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

    // Revoke alpha's certificate: once the CRL is re-read, a connection opened before is
    // refused at its next request, and new connections at the handshake.
    let kept_alive = pki.client(Some(&pki.agency("alpha").tls));
    assert_eq!(post(&kept_alive, &beta, &report()).await.unwrap().status(), StatusCode::OK);
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
    let mut refused = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if post(&pki.client(Some(&pki.agency("alpha").tls)), &beta, &report()).await.is_err() {
            refused = tls_refusals(&beta, "revoked").await >= 1;
            break;
        }
    }
    assert!(refused, "the new CRL applies to new connections");
    let (status, code) = refusal(post(&kept_alive, &beta, &report()).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::FORBIDDEN, "unknown-certificate"), "and to open ones");
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
        let authority = pki.authority.verifying_key();
        let checked = verify_bundle(&bundle, Some(&authority)).expect("the bundle verifies on its own");
        assert!(checked.iter().any(|c| c.contains("signed by the directory authority")), "{checked:?}");
        assert!(checked.iter().any(|c| c.contains("receipt signed by beta")), "{checked:?}");
    }

    // The ledger is in a store of its own: no admin query reaches it.
    let exchange_graphs: Value = beta
        .client
        .post(beta.admin_url("/sparql"))
        .header("Accept", "application/sparql-results+json")
        .form(&[(
            "query",
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), \"exchange\")) }",
        )])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(exchange_graphs["results"]["bindings"][0]["n"]["value"], "0");
    assert!(beta.data_dir.path().join("exchange").is_dir());

    // A tampered entry is found, with its position.
    let ledger = &beta.exchange_service.as_ref().unwrap().ledger;
    ledger.tamper(1, "digest", "0000").unwrap();
    let broken = ledger.verify().unwrap().unwrap_err();
    assert_eq!(broken.seq, 1, "{broken}");
}

#[tokio::test]
async fn a_tampered_payload_an_old_envelope_and_the_limits() {
    let pki = Pki::new();
    let mut directory = pki.directory();
    for agency in &mut directory.agencies {
        if agency.id == "alpha" {
            agency.limits.max_body_bytes = 64 * 1024;
            agency.limits.requests_per_minute = 5;
        }
    }
    let path = pki.write_directory("directory.json", &directory);
    let mut config = pki.exchange_config("beta", &path);
    config.max_message_age_secs = 3 * 3600;
    common::install_crypto_provider();
    let beta = spawn_app_with(move |c| c.exchange = config).await;
    let alpha = pki.client(Some(&pki.agency("alpha").tls));
    let key = &pki.agency("alpha").signing;

    // The payload changed after its digest was computed.
    let mut tampered = envelope("alpha", "beta", "declaration");
    tampered.payload = base64::engine::general_purpose::STANDARD.encode(b"{\"profile\":\"x\"}");
    let (status, code) = refusal(post(&alpha, &beta, &seal(&tampered, key, "alpha-1")).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "digest-mismatch"));

    // Sealed two hours ago (the sender was retrying through an outage): accepted.
    let mut old = envelope("alpha", "beta", "declaration");
    old.created -= time::Duration::hours(2);
    assert_eq!(post(&alpha, &beta, &seal(&old, key, "alpha-1")).await.unwrap().status(), StatusCode::OK);

    // Older than any outbox keeps retrying: refused for good.
    let mut ancient = envelope("alpha", "beta", "declaration");
    ancient.created -= time::Duration::hours(5);
    let (status, code) = refusal(post(&alpha, &beta, &seal(&ancient, key, "alpha-1")).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "too-old"));

    // Larger than alpha may send: refused before the body is read in full.
    let big = Sealed { bytes: vec![b' '; 100 * 1024], signature: "x..y".to_owned() };
    let (status, code) = refusal(post(&alpha, &beta, &big).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "too-large"));

    // Five requests a minute: the sixth (counting the three above) is refused.
    let mut codes = Vec::new();
    for _ in 0..3 {
        let response = post(&alpha, &beta, &seal(&envelope("alpha", "beta", "declaration"), key, "alpha-1")).await;
        codes.push(refusal(response).await);
    }
    assert_eq!(codes[2], (StatusCode::TOO_MANY_REQUESTS, "rate-limited".to_owned()), "{codes:?}");
}

#[tokio::test]
async fn an_older_directory_is_refused_on_reload_and_at_restart() {
    let pki = Pki::new();
    let mut newer = pki.directory();
    newer.version = 5;
    let path = pki.write_directory("directory.json", &newer);
    let beta = gateway(&pki, "beta", &path).await;
    let mut older = pki.directory();
    older.version = 4;
    for agency in &mut older.agencies {
        for permission in &mut agency.may_send {
            permission.types.push("report".to_owned());
        }
    }
    pki.write_directory("directory.json", &older);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let report = seal(&envelope("alpha", "beta", "report"), &pki.agency("alpha").signing, "alpha-1");
    let (_, code) = refusal(post(&pki.client(Some(&pki.agency("alpha").tls)), &beta, &report).await).await;
    assert_eq!(code, "not-permitted", "version 5 stays in force");

    // A gateway that has used version 5 refuses version 4 at its next start.
    let data = tempfile::tempdir().unwrap();
    let start = |directory: &std::path::Path| {
        let config = govgate::config::Config {
            exchange: pki.exchange_config("beta", directory),
            data_dir: data.path().to_owned(),
            ..Default::default()
        };
        govgate::startup::Gateway::start(config, govgate::startup::StoreMode::Durable)
    };
    let newer_path = pki.write_directory("newer.json", &newer);
    drop(start(&newer_path).expect("version 5 starts"));
    let older_path = pki.write_directory("older.json", &older);
    let error = start(&older_path).err().expect("refused");
    assert!(error.to_string().contains("older than version 5"), "{error}");
}

#[tokio::test]
async fn the_sender_sends_nothing_to_a_server_whose_certificate_is_not_pinned() {
    let pki = Pki::new();
    let path = pki.write_directory("directory.json", &pki.directory());
    let beta = gateway(&pki, "beta", &path).await;
    // alpha's directory says beta's gateway presents gamma's certificate.
    let mut directory = pki.directory();
    for agency in &mut directory.agencies {
        if agency.id == "beta" {
            agency.endpoint = format!("https://127.0.0.1:{}", beta.exchange.unwrap().port());
            agency.certificate_pins = vec![govgate::exchange::directory::pin(&pki.agency("gamma").tls.der)];
        }
    }
    let alpha_path = pki.write_directory("alpha-directory.json", &directory);
    let alpha = gateway(&pki, "alpha", &alpha_path).await;
    let record = alpha.exchange_service.as_ref().unwrap().send("beta", "declaration", None, &filing()).unwrap();
    let mut failed = None;
    for _ in 0..100 {
        let outbox =
            alpha.exchange_service.as_ref().unwrap().ledger.list(govgate::exchange::ledger::Direction::Out).unwrap();
        if let Some(r) =
            outbox.iter().find(|r| r.id == record.id && r.state == govgate::exchange::ledger::State::Failed)
        {
            failed = r.last_error.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let error = failed.expect("the message fails for good");
    assert!(error.contains("not pinned"), "{error}");
    let received =
        beta.exchange_service.as_ref().unwrap().ledger.list(govgate::exchange::ledger::Direction::In).unwrap();
    assert!(received.is_empty(), "beta received nothing");
}

#[tokio::test]
async fn a_receipt_is_checked_before_the_message_counts_as_delivered() {
    let pki = Pki::new();
    let path = pki.write_directory("directory.json", &pki.directory());
    let mut config = pki.exchange_config("alpha", &path);
    config.bind = "127.0.0.1:0".parse().unwrap();
    let alpha = gateway(&pki, "alpha", &path).await;
    let exchange = alpha.exchange_service.clone().unwrap();
    // Stop the outbox from delivering: beta's endpoint (port 1) refuses connections.
    let record = exchange.send("beta", "declaration", None, &filing()).unwrap();
    let receipt = |digest: &str| Receipt {
        format: govgate::exchange::envelope::RECEIPT_FORMAT.to_owned(),
        message_id: record.id.clone(),
        from: "beta".to_owned(),
        to: "alpha".to_owned(),
        received: OffsetDateTime::now_utc().replace_nanosecond(0).unwrap(),
        envelope_sha256: digest.to_owned(),
        outcome: govgate::exchange::envelope::Outcome::Accepted,
        problems: Vec::new(),
        translated_to: None,
        gaps: None,
        receiver_chain_head: govgate::exchange::envelope::ChainHead { seq: 1, hash: "ab".repeat(32) },
    };
    let digest = govgate::exchange::envelope::sha256_hex(&record.envelope);
    let good = serde_json::to_vec(&receipt(&digest)).unwrap();
    let beta_key = &pki.agency("beta").signing;
    assert!(exchange.check_receipt(&record, &good, &jws::sign(beta_key, "beta-1", &good)).is_ok());
    let forged = exchange.check_receipt(&record, &good, &jws::sign(&pki.agency("gamma").signing, "beta-1", &good));
    assert_eq!(forged.unwrap_err().code.as_str(), "bad-signature");
    let other = serde_json::to_vec(&receipt(&"00".repeat(32))).unwrap();
    let wrong_digest = exchange.check_receipt(&record, &other, &jws::sign(beta_key, "beta-1", &other));
    assert_eq!(wrong_digest.unwrap_err().code.as_str(), "digest-mismatch");
    drop(config);
}
