//! Helpers shared by the integration tests: a real gateway on 127.0.0.1, port 0.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::path::Path;

use actix_web::dev::ServerHandle;
use govgate::config::Config;
use govgate::http::{self, AppState};
use govgate::startup::{Gateway, StoreMode};
use tempfile::TempDir;

pub mod pki;

pub struct TestApp {
    pub address: SocketAddr,
    /// The admin listener, when the configuration enables it.
    pub admin: Option<SocketAddr>,
    /// The exchange's mutual-TLS listener and service, when `exchange.enabled`.
    pub exchange: Option<SocketAddr>,
    pub exchange_service: Option<std::sync::Arc<govgate::exchange::Exchange>>,
    pub handle: ServerHandle,
    pub client: reqwest::Client,
    pub server: tokio::task::JoinHandle<std::io::Result<()>>,
    pub data_dir: TempDir,
}

impl TestApp {
    /// Stops the server and waits for it, so that no worker thread still holds the store
    /// while the test process exits (RocksDB must not be closed during the exit's C++
    /// teardown).
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.server.await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{}", self.admin.expect("admin listener enabled"), path)
    }
}

/// A configuration for tests: loopback, a free port, one worker, data in `data_dir`.
pub fn test_config(data_dir: &Path) -> Config {
    let mut config = Config { data_dir: data_dir.to_owned(), ..Default::default() };
    config.http.bind = "127.0.0.1:0".parse().unwrap();
    config.admin.bind = "127.0.0.1:0".parse().unwrap();
    config.http.workers = 1;
    config.http.shutdown_timeout_secs = 10;
    config
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a gateway on its own durable store in a temporary directory.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Config)) -> TestApp {
    install_crypto_provider();
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = test_config(data_dir.path());
    customise(&mut config);
    let gateway = tokio::task::spawn_blocking(move || Gateway::start(config, StoreMode::Durable))
        .await
        .unwrap()
        .expect("gateway starts");
    let state = AppState::new(gateway);
    let (server, address) = http::bind(state.clone()).expect("binds");
    let admin = http::bind_admin(state.clone()).expect("binds admin").map(|(admin, address)| {
        tokio::spawn(admin);
        address
    });
    let exchange_service = state.exchange.clone();
    let exchange =
        http::exchange::bind(state.clone()).expect("binds the exchange").map(|(listener, address, verifier)| {
            tokio::spawn(listener);
            tokio::spawn(http::exchange::run_outbox(state.clone()));
            tokio::spawn(http::exchange::run_reloader(state.exchange.clone().unwrap(), Some(verifier)));
            address
        });
    let handle = server.handle();
    let server = tokio::spawn(server);
    TestApp { address, admin, exchange, exchange_service, handle, client: reqwest::Client::new(), server, data_dir }
}

/// reqwest is built without a default TLS provider; tests use ring, like the server.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The workplace's shared material (DPV, conformance suites): `GOVGATE_SHARED`, or
/// `../shared` beside the clone, or `/work/shared`.
pub fn shared_dir() -> std::path::PathBuf {
    let candidates = [
        std::env::var_os("GOVGATE_SHARED").map(std::path::PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")),
        Some(std::path::PathBuf::from("/work/shared")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("vocab").is_dir())
        .expect("shared material not found: set GOVGATE_SHARED")
}
