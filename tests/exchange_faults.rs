//! The exchange under faults, with real processes: the receiver is killed (SIGKILL) and
//! restarted while the sender pushes 1,000 messages, then the sender is killed in the middle
//! of its outbox and restarted. Every message must arrive exactly once, every receipt must
//! have been checked, and both evidence chains must verify.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const MESSAGES: usize = 1000;
const MORE: usize = 200;
const FACTS: &str = "examples/transfer-facts/sg-logistics-to-china.json";

fn free_base_port() -> u16 {
    // Three consecutive free ports: public, admin, exchange.
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = listener.local_addr().unwrap().port();
        drop(listener);
        if base < 60_000 && (base..base + 3).all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            return base;
        }
    }
}

struct Gateway {
    config: std::path::PathBuf,
    admin: String,
    child: Option<Child>,
    log: std::path::PathBuf,
}

impl Gateway {
    fn start(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_govgate"))
            .arg("--config")
            .arg(&self.config)
            .arg("serve")
            .env_remove("GOVGATE_CONFIG")
            .env("GOVGATE_LOG__FILTER", "warn")
            .env("GOVGATE_EXCHANGE__RETRY_MAX_MS", "1000")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn wait_ready(client: &reqwest::Client, gateway: &Gateway) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if client.get(format!("{}/exchange/outbox", gateway.admin)).send().await.is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{} did not come up: {}", gateway.admin, std::fs::read_to_string(&gateway.log).unwrap_or_default());
}

async fn list(client: &reqwest::Client, gateway: &Gateway, which: &str) -> Vec<Value> {
    let response = client.get(format!("{}/exchange/{which}", gateway.admin)).send().await.unwrap();
    response.json::<Vec<Value>>().await.unwrap()
}

async fn enqueue(client: &reqwest::Client, sender: &Gateway, count: usize) -> Vec<String> {
    let document = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(FACTS)).unwrap();
    let mut ids = Vec::new();
    for _ in 0..count {
        let record: Value = client
            .post(format!("{}/exchange/outbox", sender.admin))
            .query(&[("to", "rcv"), ("type", "declaration"), ("profile", "transfer-facts")])
            .body(document.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(record["id"].as_str().expect("queued").to_owned());
    }
    ids
}

async fn wait_delivered(client: &reqwest::Client, sender: &Gateway, total: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let outbox = list(client, sender, "outbox").await;
        let delivered = outbox.iter().filter(|r| r["state"] == "delivered").count();
        let failed: Vec<&Value> = outbox.iter().filter(|r| r["state"] == "failed").collect();
        assert!(failed.is_empty(), "messages failed: {failed:?}");
        if delivered == total {
            return;
        }
        assert!(Instant::now() < deadline, "{delivered} of {total} delivered after 10 minutes");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_arrives_exactly_once_through_crashes_of_either_side() {
    let dir = tempfile::tempdir().unwrap();
    let (sender_port, receiver_port) = (free_base_port(), free_base_port());
    let init = Command::new(env!("CARGO_BIN_EXE_govgate"))
        .args(["pki", "init", "--dir"])
        .arg(dir.path())
        .arg("--agency")
        .arg(format!("snd:SG:{sender_port}"))
        .arg("--agency")
        .arg(format!("rcv:CN:{receiver_port}"))
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let gateway = |id: &str, port: u16| Gateway {
        config: dir.path().join(id).join("govgate.toml"),
        admin: format!("http://127.0.0.1:{}", port + 1),
        child: None,
        log: dir.path().join(format!("{id}.log")),
    };
    let (mut sender, mut receiver) = (gateway("snd", sender_port), gateway("rcv", receiver_port));
    sender.start();
    receiver.start();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    wait_ready(&client, &sender).await;
    wait_ready(&client, &receiver).await;

    // The receiver dies while the outbox is busy, and comes back.
    let mut ids = enqueue(&client, &sender, MESSAGES).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    while list(&client, &receiver, "inbox").await.len() < MESSAGES / 10 {
        assert!(Instant::now() < deadline, "nothing arrives");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    receiver.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    receiver.start();
    wait_ready(&client, &receiver).await;
    wait_delivered(&client, &sender, MESSAGES).await;

    // The sender dies with messages in its outbox, and resumes them after its restart.
    ids.extend(enqueue(&client, &sender, MORE).await);
    sender.kill();
    sender.start();
    wait_ready(&client, &sender).await;
    wait_delivered(&client, &sender, MESSAGES + MORE).await;

    let inbox = list(&client, &receiver, "inbox").await;
    let mut received: Vec<String> = inbox.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    received.sort();
    ids.sort();
    assert_eq!(received, ids, "every message exactly once");
    for gateway in [&sender, &receiver] {
        let verify: Value = client
            .get(format!("{}/exchange/evidence/verify", gateway.admin))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(verify["ok"], true, "{verify}");
        // Two entries per message on each side: the message and its receipt.
        assert_eq!(verify["entries"].as_u64().unwrap() as usize, 2 * (MESSAGES + MORE), "{verify}");
    }
}
