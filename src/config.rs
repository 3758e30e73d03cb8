//! Configuration in layers: built-in defaults < TOML file < `GOVGATE_*` environment
//! variables < command-line flags. Every layer is checked against the same schema, so an
//! unknown key is rejected with its name and the layer it came from.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// `GOVGATE_*` variables that are not configuration keys: the configuration file
/// (`GOVGATE_CONFIG`, read by the command line), the shared test material
/// (`GOVGATE_SHARED`) and the benchmarks' Python venv (`GOVGATE_PYENV`), read by the
/// scripts. Any other unknown `GOVGATE_*` variable is an error that names it.
const CLI_ENV_VARS: &[&str] = &["config", "shared", "pyenv"];

/// The effective configuration of one govgate process.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory of the embedded RocksDB store.
    pub data_dir: PathBuf,
    /// Read the ontology, mappings and schemas from this directory instead of the bundle
    /// compiled into the binary (for ontology and mapping authors).
    pub content_dir: Option<PathBuf>,
    pub http: HttpConfig,
    pub sparql: SparqlConfig,
    pub admin: AdminConfig,
    pub exchange: ExchangeConfig,
    pub log: LogConfig,
}

/// The agency exchange: a mutual-TLS listener for peer gateways, signed envelopes and
/// receipts, the outbox and the evidence log. Paths may be relative to the working directory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeConfig {
    pub enabled: bool,
    /// This gateway's agency id in the trust directory.
    pub agency: String,
    /// The mutual-TLS listener.
    pub bind: SocketAddr,
    /// The trust directory (JSON); its detached signature is `<directory>.sig`.
    pub directory: Option<PathBuf>,
    /// The directory authority's Ed25519 public key (base64url, 32 bytes), given out of band.
    pub directory_key: Option<String>,
    /// This gateway's TLS certificate chain and private key (PEM), used as server and client.
    pub certificate: Option<PathBuf>,
    pub private_key: Option<PathBuf>,
    /// The Ed25519 message-signing key (PKCS#8 PEM) and the key id the directory lists it under.
    pub signing_key: Option<PathBuf>,
    pub signing_kid: String,
    /// Certificate revocation lists (PEM or DER), one for each CA in the directory; a CRL past
    /// its next update makes every certificate of that CA unacceptable.
    pub crls: Vec<PathBuf>,
    /// How far ahead of this clock an envelope's creation time may be.
    pub max_clock_skew_secs: u64,
    /// How old a new envelope may be (a sender retries through outages; the default covers
    /// the default retry schedule many times over). A resend of a stored message is always
    /// answered with its original receipt.
    pub max_message_age_secs: u64,
    /// How often the directory and CRLs are re-read (a changed file is reloaded, no restart).
    pub reload_secs: u64,
    /// Delivery attempts before a message is marked failed.
    pub max_attempts: u32,
    /// Backoff between attempts: base * 2^attempt, capped, with full jitter.
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// Messages sent at once by the outbox.
    pub outbox_concurrency: usize,
    /// TLS handshake time limit.
    pub handshake_timeout_ms: u64,
    /// Connections the listener holds at once.
    pub max_connections: usize,
    /// Translate received documents into this gateway's own profiles: source profile ->
    /// target profile (e.g. `cn-standard-contract-filing = "eu-scc-annex"`).
    pub translate_to: std::collections::BTreeMap<String, String>,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            agency: String::new(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8443)),
            directory: None,
            directory_key: None,
            certificate: None,
            private_key: None,
            signing_key: None,
            signing_kid: String::new(),
            crls: Vec::new(),
            max_clock_skew_secs: 300,
            max_message_age_secs: 7 * 24 * 3600,
            reload_secs: 10,
            // About five hours of retries: 500 ms doubling to a 5-minute ceiling.
            max_attempts: 70,
            retry_base_ms: 500,
            retry_max_ms: 300_000,
            outbox_concurrency: 16,
            handshake_timeout_ms: 3_000,
            max_connections: 256,
            translate_to: std::collections::BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SparqlConfig {
    /// Time a query gets unless it asks for less (the `timeout` parameter, in seconds).
    pub timeout_secs: u64,
    /// The most a query may ask for.
    pub max_timeout_secs: u64,
    /// Solutions or triples in one answer; a larger answer is an error, never cut silently.
    pub max_results: usize,
    /// Queries evaluated at once; more wait their turn.
    pub max_concurrent: usize,
    /// Longest query text accepted, in bytes (longer: 413 for a body, 414 for a URL).
    pub max_query_bytes: usize,
    /// Parts sharing no variable a query may join (a cartesian product); oxigraph cannot
    /// stop a product of three or more at its time limit, so those are refused.
    pub max_join_parts: usize,
    /// Milliseconds a lookup-shaped query may run on the worker that received it before it
    /// is moved to the blocking pool (see `sparql::quick`); 0 sends every query to the pool.
    pub quick_budget_ms: u64,
    /// IRI prefixes of further graphs the public endpoint may show, beyond the ontology
    /// release and the mapping sets (for example a reference dataset loaded by an operator).
    pub public_graph_prefixes: Vec<String>,
}

/// The administrative endpoint: SPARQL Update and the Graph Store Protocol over every graph.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    pub enabled: bool,
    /// Its own listener; a loopback address unless `token` is set.
    pub bind: SocketAddr,
    /// Bearer token required on every admin request (required off loopback).
    pub token: Option<Secret>,
    /// Also serve `/admin/sparql` and `/admin/store` on the public listener, which must then
    /// bind a loopback address.
    pub mount_on_public: bool,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self { enabled: true, bind: SocketAddr::from(([127, 0, 0, 1], 8089)), token: None, mount_on_public: false }
    }
}

/// A secret: read like a string, printed as `[redacted]`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[redacted]")
    }
}

impl Default for SparqlConfig {
    fn default() -> Self {
        Self {
            timeout_secs: 10,
            max_timeout_secs: 60,
            max_results: 100_000,
            max_concurrent: 4,
            max_query_bytes: 16 * 1024,
            max_join_parts: 2,
            quick_budget_ms: 2,
            public_graph_prefixes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address of the public listener.
    pub bind: SocketAddr,
    /// Worker threads; 0 means one per CPU.
    pub workers: usize,
    /// Largest request body accepted on any route, in bytes.
    pub body_limit_bytes: usize,
    /// Time a request may take from its first byte to its response.
    pub request_timeout_secs: u64,
    /// Time in-flight requests get to finish after a shutdown signal.
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `govgate=debug,actix_web=info`.
    pub filter: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("govgate-data"),
            content_dir: None,
            http: HttpConfig::default(),
            sparql: SparqlConfig::default(),
            admin: AdminConfig::default(),
            exchange: ExchangeConfig::default(),
            log: LogConfig::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            workers: 0,
            body_limit_bytes: 10 * 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_timeout_secs: 30,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Text, filter: "info".to_owned() }
    }
}

/// Values given on the command line; `None` leaves the lower layers in charge.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "HttpOverrides::is_empty")]
    pub http: HttpOverrides,
    #[serde(skip_serializing_if = "LogOverrides::is_empty")]
    pub log: LogOverrides,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct HttpOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct LogOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<LogFormat>,
}

impl HttpOverrides {
    fn is_empty(&self) -> bool {
        self.bind.is_none()
    }
}

impl LogOverrides {
    fn is_empty(&self) -> bool {
        self.format.is_none()
    }
}

/// A configuration that cannot be used, with the key and the layer at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("configuration file `{0}` does not exist")]
    MissingFile(PathBuf),
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Builds the effective configuration from every layer; the environment layer reads
    /// the process's `GOVGATE_*` variables (`GOVGATE_HTTP__BIND` sets `http.bind`).
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        let env = Env::prefixed("GOVGATE_").ignore(CLI_ENV_VARS).split("__");
        figment = figment.merge(env).merge(Serialized::defaults(overrides));
        let config = figment.extract::<Config>().map_err(|e| ConfigError::Invalid(one_line(e)))?;
        config.check()?;
        Ok(config)
    }

    /// Rules between keys that the schema alone cannot express.
    fn check(&self) -> Result<(), ConfigError> {
        let admin = &self.admin;
        if admin.enabled && !admin.bind.ip().is_loopback() && admin.token.is_none() {
            return Err(ConfigError::Invalid(format!(
                "key `admin.bind`: `{}` is not a loopback address; set `admin.token` to expose the admin endpoint",
                admin.bind
            )));
        }
        if admin.enabled && admin.mount_on_public && !self.http.bind.ip().is_loopback() && admin.token.is_none() {
            return Err(ConfigError::Invalid(
                "key `admin.mount_on_public`: the public listener is not on loopback; set `admin.token` or unmount"
                    .to_owned(),
            ));
        }
        let exchange = &self.exchange;
        if exchange.enabled {
            let missing = [
                ("exchange.agency", exchange.agency.is_empty()),
                ("exchange.directory", exchange.directory.is_none()),
                ("exchange.directory_key", exchange.directory_key.is_none()),
                ("exchange.certificate", exchange.certificate.is_none()),
                ("exchange.private_key", exchange.private_key.is_none()),
                ("exchange.signing_key", exchange.signing_key.is_none()),
                ("exchange.signing_kid", exchange.signing_kid.is_empty()),
                ("exchange.crls", exchange.crls.is_empty()),
            ];
            if let Some((key, _)) = missing.iter().find(|(_, m)| *m) {
                return Err(ConfigError::Invalid(format!("key `{key}`: required when exchange.enabled is true")));
            }
            if exchange.max_attempts == 0 {
                return Err(ConfigError::Invalid("key `exchange.max_attempts`: at least 1".to_owned()));
            }
        }
        Ok(())
    }

    /// The effective configuration as TOML, the form `govgate config show` prints; secrets
    /// are printed as `[redacted]`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render configuration: {e}"))
    }
}

/// Renders a figment error as one line that names the key and the layer.
fn one_line(errors: figment::Error) -> String {
    errors
        .into_iter()
        .map(|error| {
            let key = if error.path.is_empty() { None } else { Some(error.path.join(".")) };
            let source = error.metadata.as_ref().map(|m| match &m.source {
                Some(source) => format!("{} ({source})", m.name),
                None => m.name.to_string(),
            });
            let mut message = error.kind.to_string();
            if let Some(key) = key {
                message = format!("key `{key}`: {message}");
            }
            if let Some(source) = source {
                message = format!("{message}, in {source}");
            }
            message
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}
