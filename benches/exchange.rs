//! Exchange throughput: signed, durably stored, receipted messages per second over mutual
//! TLS on loopback with keep-alive, with p50/p99 latency, beside the disk's fsync rate;
//! then the same messages gateway to gateway through the sender's outbox; then where the
//! time of one message goes. Not a criterion bench: it measures a sustained rate.
//!
//!   cargo bench --bench exchange -- [seconds] [clients]

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use govgate::config::Config;
use govgate::exchange::envelope::{Envelope, SIGNATURE_HEADER};
use govgate::exchange::{jws, pki};
use govgate::http::{self, AppState};
use govgate::startup::{Gateway, StoreMode};

const DOCUMENT: &str = "examples/transfer-facts/sg-logistics-to-china.json";

fn free_base_port() -> u16 {
    loop {
        let base = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if base < 60_000 && (base..base + 3).all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            return base;
        }
    }
}

fn config(dir: &std::path::Path, agency: &str) -> Config {
    let mut config = Config::load(Some(&dir.join(agency).join("govgate.toml")), &Default::default()).unwrap();
    config.http.bind = "127.0.0.1:0".parse().unwrap();
    config.admin.enabled = false;
    config.log.filter = "error".to_owned();
    config
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// 4 KiB writes each followed by fdatasync, for two seconds, in `dir`.
fn fsync_rate(dir: &std::path::Path) -> f64 {
    let mut file = std::fs::File::create(dir.join("fsync-probe")).unwrap();
    let block = [7u8; 4096];
    let started = Instant::now();
    let mut count = 0u32;
    while started.elapsed() < Duration::from_secs(2) {
        file.write_all(&block).unwrap();
        file.sync_data().unwrap();
        count += 1;
    }
    f64::from(count) / started.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(20);
    let clients: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(16);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (snd_port, rcv_port) = (free_base_port(), free_base_port());
    let agencies = [format!("snd:SG:{snd_port}"), format!("rcv:CN:{rcv_port}")].map(|a| a.parse().unwrap());
    pki::init(dir.path(), &agencies).unwrap();
    let document = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DOCUMENT)).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async move {
        // The receiving gateway, durable store, its mutual-TLS listener.
        let receiver = Gateway::start(config(dir.path(), "rcv"), StoreMode::Durable).unwrap();
        let state = AppState::new(receiver);
        let (listener, address, _) = http::exchange::bind(state.clone()).unwrap().unwrap();
        tokio::spawn(listener);

        // The load: `clients` keep-alive connections presenting the sender's certificate,
        // each sealing (signing) a fresh envelope, posting it and checking the receipt's
        // signature.
        let home = dir.path().join("snd");
        let key_pem = std::fs::read_to_string(home.join("signing.key")).unwrap();
        let key: ed25519_dalek::SigningKey =
            ed25519_dalek::pkcs8::DecodePrivateKey::from_pkcs8_pem(&key_pem).unwrap();
        let identity = [std::fs::read(home.join("tls.pem")).unwrap(), std::fs::read(home.join("tls.key")).unwrap()].concat();
        let ca = std::fs::read(dir.path().join("ca.pem")).unwrap();
        let receiver_key = {
            let directory = state.exchange.as_ref().unwrap().directory_any();
            jws::public_key(&directory.agency("rcv").unwrap().signing_keys[0].public_key).unwrap()
        };
        let url = format!("https://127.0.0.1:{}/exchange/v1/messages", address.port());
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let client = reqwest::Client::builder()
                .identity(reqwest::Identity::from_pem(&identity).unwrap())
                .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
                .tls_version_min(reqwest::tls::Version::TLS_1_3)
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            let (key, url, document) = (key.clone(), url.clone(), document.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let envelope = Envelope::new(uuid::Uuid::new_v4().to_string(), "snd", "rcv", "declaration", "transfer-facts", &document, None);
                    let bytes = serde_json::to_vec(&envelope).unwrap();
                    let signature = jws::sign(&key, "snd-1", &bytes);
                    let response = client.post(&url).header(SIGNATURE_HEADER, signature).body(bytes).send().await.unwrap();
                    assert_eq!(response.status(), 200, "{:?}", response.text().await);
                    let receipt_signature = response.headers()[SIGNATURE_HEADER].to_str().unwrap().to_owned();
                    let receipt = response.bytes().await.unwrap();
                    jws::verify(&receiver_key, &receipt_signature, &receipt).unwrap();
                    latencies.push(started.elapsed());
                }
                latencies
            }));
        }
        let started = Instant::now();
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.unwrap());
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort();
        let rate = latencies.len() as f64 / elapsed;
        let stored = state.exchange.as_ref().unwrap().ledger.head().unwrap().seq / 2;
        println!("receiver over mTLS ({clients} keep-alive clients, {seconds} s): {} messages, {rate:.0} messages/s", latencies.len());
        println!(
            "  latency p50 {:.1} ms, p99 {:.1} ms; receiver ledger holds {stored} messages",
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3
        );
        println!("  disk fdatasync rate here: {:.0}/s (4 KiB writes)", fsync_rate(dir.path()));

        // Gateway to gateway: the sender seals and stores each message in its outbox, its
        // worker delivers it, checks and stores the receipt.
        let sender = Gateway::start(config(dir.path(), "snd"), StoreMode::Durable).unwrap();
        let sender_state = AppState::new(sender);
        let exchange = sender_state.exchange.clone().unwrap();
        let count = 2000usize;
        let started = Instant::now();
        for _ in 0..count {
            exchange.send("rcv", "declaration", Some("transfer-facts"), &document).unwrap();
        }
        let enqueued = started.elapsed();
        tokio::spawn(http::exchange::run_outbox(sender_state.clone()));
        loop {
            let delivered = exchange.ledger.list(govgate::exchange::ledger::Direction::Out).unwrap().iter().filter(|r| r.state == govgate::exchange::ledger::State::Delivered).count();
            if delivered == count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let total = started.elapsed();
        println!(
            "gateway to gateway through the outbox: {count} messages sealed and queued in {:.2} s ({:.0}/s), all delivered and receipted in {:.2} s ({:.0} messages/s)",
            enqueued.as_secs_f64(),
            count as f64 / enqueued.as_secs_f64(),
            total.as_secs_f64(),
            count as f64 / total.as_secs_f64()
        );

        // Where one message's time goes, measured one step at a time in this process.
        let n = 500;
        let receiver_exchange = state.exchange.clone().unwrap();
        let envelopes: Vec<(Vec<u8>, String)> = (0..n)
            .map(|_| {
                let envelope = Envelope::new(uuid::Uuid::new_v4().to_string(), "snd", "rcv", "declaration", "transfer-facts", &document, None);
                let bytes = serde_json::to_vec(&envelope).unwrap();
                let signature = jws::sign(&key, "snd-1", &bytes);
                (bytes, signature)
            })
            .collect();
        let t = Instant::now();
        for (bytes, _) in &envelopes {
            std::hint::black_box(jws::sign(&key, "snd-1", bytes));
        }
        let sign = t.elapsed() / n;
        let t = Instant::now();
        for (bytes, signature) in &envelopes {
            jws::verify(&key.verifying_key(), signature, bytes).unwrap();
        }
        let verify = t.elapsed() / n;
        let translator = receiver_exchange_translator(&state);
        let t = Instant::now();
        for _ in 0..n {
            translator.validate(&document, Some("transfer-facts")).unwrap();
        }
        let validate = t.elapsed() / n;
        let t = Instant::now();
        for (bytes, signature) in &envelopes {
            receiver_exchange.accept("snd", bytes, signature).unwrap();
        }
        let accept = t.elapsed() / n;
        println!(
            "one message, in process: sign {:.0} µs, verify {:.0} µs, validate the document against its profile {:.0} µs, accept (all checks + validation + one store transaction with two evidence entries + signed receipt) {:.0} µs",
            sign.as_secs_f64() * 1e6,
            verify.as_secs_f64() * 1e6,
            validate.as_secs_f64() * 1e6,
            accept.as_secs_f64() * 1e6
        );
    });
}

fn receiver_exchange_translator(state: &AppState) -> Arc<govgate::translate::Translator> {
    state.gateway.translator.clone()
}
