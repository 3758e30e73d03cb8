//! The agency exchange on the network: the mutual-TLS listener peers deliver to, the
//! outbox worker that delivers to them, and the admin routes (`/exchange/...` on the admin
//! listener) behind `govgate send`, `outbox`, `inbox` and `evidence`.
//!
//! TLS 1.3 only; a client certificate is required and must chain to a CA in the trust
//! directory, pass the CRLs (a stale CRL fails), and be pinned to an agency. Handlers see
//! the peer only through the [`PeerAgency`] extractor, so none can forget to check it.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use actix_web::dev::{Extensions, Payload, Server};
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpServer, web};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use time::OffsetDateTime;
use tokio::sync::Semaphore;

use super::AppState;
use super::problem::ApiError;
use crate::config::ExchangeConfig;
use crate::exchange::directory::Directory;
use crate::exchange::envelope::{Envelope, SIGNATURE_HEADER};
use crate::exchange::ledger::{Direction, Record};
use crate::exchange::{AcceptError, Exchange, RejectCode, Rejection, SendError, evidence};

/// The path peers deliver to.
pub const MESSAGES_PATH: &str = "/exchange/v1/messages";

// ---- TLS ------------------------------------------------------------------------------

/// A client-certificate verifier that can be replaced while the listener runs (new
/// directory, new CRLs). Open connections are re-checked on every request (see
/// [`PeerAgency`]), so a revocation reaches them too.
pub struct ReloadableVerifier {
    current: RwLock<Arc<dyn ClientCertVerifier>>,
    /// Where refusals are counted by reason (the peer only sees a TLS alert).
    metrics: Arc<super::metrics::Metrics>,
}

/// A short name for why a client certificate was refused.
fn refusal_reason(error: &rustls::Error) -> &'static str {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(C::Revoked) => "revoked",
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => "expired",
        rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => "not-yet-valid",
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => "unknown-ca",
        rustls::Error::InvalidCertificate(C::UnknownRevocationStatus) => "unknown-revocation-status",
        rustls::Error::InvalidCertificate(C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. }) => {
            "stale-crl"
        }
        rustls::Error::InvalidCertificate(C::BadSignature) => "bad-signature",
        _ => "other",
    }
}

impl ReloadableVerifier {
    fn get(&self) -> Arc<dyn ClientCertVerifier> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn replace(&self, verifier: Arc<dyn ClientCertVerifier>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = verifier;
    }
}

impl std::fmt::Debug for ReloadableVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadableVerifier").finish_non_exhaustive()
    }
}

impl ClientCertVerifier for ReloadableVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[] // each gateway has one identity; hints would only date as the directory changes
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verdict = self.get().verify_client_cert(end_entity, intermediates, now);
        if let Err(error) = &verdict {
            self.metrics.observe_tls_refusal(refusal_reason(error));
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get().verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.get().verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.get().supported_verify_schemes()
    }
}

fn tls_error(context: impl std::fmt::Display, error: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{context}: {error}"))
}

/// The CAs of every agency in the directory, and the CRLs, as a webpki verifier that
/// refuses anonymous clients, unknown revocation status and expired CRLs.
pub fn client_verifier(
    directory: &Directory,
    crl_paths: &[std::path::PathBuf],
) -> io::Result<Arc<dyn ClientCertVerifier>> {
    let mut roots = RootCertStore::empty();
    for agency in &directory.agencies {
        for pem in &agency.ca_certificates {
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| tls_error(format!("CA certificate of `{}`", agency.id), e))?;
                roots.add(cert).map_err(|e| tls_error(format!("CA certificate of `{}`", agency.id), e))?;
            }
        }
    }
    let mut crls = Vec::new();
    for path in crl_paths {
        crls.push(read_crl(path)?);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .with_crls(crls)
        .enforce_revocation_expiration()
        .build()
        .map_err(|e| tls_error("client verifier", e))
}

fn read_crl(path: &Path) -> io::Result<CertificateRevocationListDer<'static>> {
    let bytes = std::fs::read(path).map_err(|e| tls_error(path.display(), e))?;
    Ok(CertificateRevocationListDer::from_pem_slice(&bytes)
        .unwrap_or_else(|_| CertificateRevocationListDer::from(bytes)))
}

fn identity(config: &ExchangeConfig) -> io::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let certificate = config.certificate.clone().unwrap_or_default();
    let key = config.private_key.clone().unwrap_or_default();
    let chain = CertificateDer::pem_file_iter(&certificate)
        .map_err(|e| tls_error(certificate.display(), e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_error(certificate.display(), e))?;
    let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| tls_error(key.display(), e))?;
    Ok((chain, key))
}

/// The listener's TLS configuration: TLS 1.3, client certificates required.
pub fn server_config(
    exchange: &Exchange,
    metrics: Arc<super::metrics::Metrics>,
) -> io::Result<(ServerConfig, Arc<ReloadableVerifier>)> {
    let directory = exchange.directory_any();
    let verifier = Arc::new(ReloadableVerifier {
        current: RwLock::new(client_verifier(&directory, &exchange.config.crls)?),
        metrics,
    });
    let (chain, key) = identity(&exchange.config)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| tls_error("TLS", e))?
        .with_client_cert_verifier(verifier.clone())
        .with_single_cert(chain, key)
        .map_err(|e| tls_error("the exchange certificate", e))?;
    Ok((config, verifier))
}

/// The certificates the peer presented in its handshake, end entity first.
#[derive(Clone)]
struct PeerCertificate(Vec<CertificateDer<'static>>);

/// The agency the peer's certificate is pinned to: the only way a handler learns who is
/// calling.
pub struct PeerAgency(pub String);

impl FromRequest for PeerAgency {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(peer_agency(request))
    }
}

fn peer_agency(request: &HttpRequest) -> Result<PeerAgency, ApiError> {
    let state = request.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("no state"))?;
    let exchange = state.exchange.as_ref().ok_or_else(|| ApiError::NotFound(request.path().to_owned()))?;
    let refuse = |code: RejectCode, message: String| {
        state.metrics.observe_exchange("received", code);
        refusal(&Rejection { code, message })
    };
    let chain = request
        .conn_data::<PeerCertificate>()
        .ok_or_else(|| refuse(RejectCode::UnknownCertificate, "no client certificate".to_owned()))?;
    let certificate = &chain.0[0];
    // The handshake's verdict may be stale on a long-lived connection: check the certificate
    // against the current CAs and CRLs again, so a revocation applies to open connections too.
    if let Some(verifier) = request.app_data::<web::Data<Arc<ReloadableVerifier>>>() {
        verifier.verify_client_cert(certificate, &chain.0[1..], UnixTime::now()).map_err(|e| {
            refuse(RejectCode::UnknownCertificate, format!("the client certificate is no longer acceptable: {e}"))
        })?;
    }
    let directory = exchange.directory().map_err(|e| refuse(RejectCode::DirectoryInvalid, e.to_string()))?;
    let agency = directory.agency_for_certificate(certificate.as_ref()).ok_or_else(|| {
        let pin = crate::exchange::directory::pin(certificate.as_ref());
        refuse(RejectCode::UnknownCertificate, format!("the certificate (SHA-256 {pin}) is not pinned to any agency"))
    })?;
    Ok(PeerAgency(agency.id.clone()))
}

/// The HTTP form of a refusal.
pub fn refusal(rejection: &Rejection) -> ApiError {
    let status = match rejection.code {
        RejectCode::DirectoryInvalid => 503,
        RejectCode::UnknownCertificate | RejectCode::SenderMismatch | RejectCode::NotPermitted => 403,
        RejectCode::UnknownKey | RejectCode::KeyExpired | RejectCode::BadSignature => 401,
        RejectCode::DuplicateConflict => 409,
        RejectCode::TooLarge => 413,
        RejectCode::RateLimited => 429,
        RejectCode::MalformedEnvelope
        | RejectCode::WrongReceiver
        | RejectCode::ClockSkew
        | RejectCode::TooOld
        | RejectCode::DigestMismatch => 400,
    };
    ApiError::Exchange { status, code: rejection.code.as_str(), detail: rejection.message.clone() }
}

// ---- the listener ---------------------------------------------------------------------

/// Per-agency limits: requests in each one-minute window, and requests in flight.
#[derive(Default)]
pub struct PeerLimits {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    in_flight: Mutex<HashMap<String, (usize, Arc<Semaphore>)>>,
}

impl PeerLimits {
    fn admit(&self, agency: &str, per_minute: u32) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows.entry(agency.to_owned()).or_insert((Instant::now(), 0));
        if window.0.elapsed() >= Duration::from_secs(60) {
            *window = (Instant::now(), 0);
        }
        window.1 += 1;
        window.1 <= per_minute
    }

    /// The agency's in-flight slots; a new directory's limit takes effect for new requests.
    fn slots(&self, agency: &str, max: usize) -> Arc<Semaphore> {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let entry = in_flight.entry(agency.to_owned()).or_insert_with(|| (max, Arc::new(Semaphore::new(max.max(1)))));
        if entry.0 != max {
            *entry = (max, Arc::new(Semaphore::new(max.max(1))));
        }
        entry.1.clone()
    }
}

/// Binds the mutual-TLS listener when the exchange is enabled.
pub fn bind(state: AppState) -> io::Result<Option<(Server, SocketAddr, Arc<ReloadableVerifier>)>> {
    let Some(exchange) = state.exchange.clone() else { return Ok(None) };
    let (tls, verifier) = server_config(&exchange, state.metrics.clone())?;
    let config = exchange.config.clone();
    let limits = Arc::new(PeerLimits::default());
    let app_verifier = verifier.clone();
    const WORKERS: usize = 2;
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(web::Data::new(state.clone()))
            .app_data(web::Data::new(limits.clone()))
            .app_data(web::Data::new(app_verifier.clone()))
            .app_data(web::Data::new(super::observe::BodyLimit(usize::MAX)))
            .wrap(actix_web::middleware::from_fn(super::observe::observe))
            .route(MESSAGES_PATH, web::post().to(receive))
            .default_service(web::to(super::not_found))
    })
    .on_connect(|connection, data: &mut Extensions| {
        if let Some(tls) =
            connection.downcast_ref::<actix_tls::accept::rustls_0_23::TlsStream<actix_web::rt::net::TcpStream>>()
            && let Some(chain) = tls.get_ref().1.peer_certificates().filter(|c| !c.is_empty())
        {
            data.insert(PeerCertificate(chain.iter().map(|c| c.clone().into_owned()).collect()));
        }
    })
    // A receipt is written as more than one TLS record; with Nagle's algorithm the last
    // waits for the sender's delayed ACK (40 ms on Linux) on a kept-alive connection.
    .tcp_nodelay(true)
    .tls_handshake_timeout(Duration::from_millis(config.handshake_timeout_ms.max(100)))
    // actix counts connections per worker.
    .max_connections(config.max_connections.div_ceil(WORKERS).max(1))
    .client_request_timeout(Duration::from_secs(10))
    .shutdown_timeout(10)
    .workers(WORKERS)
    .bind_rustls_0_23(config.bind, tls)?;
    let address = server.addrs().first().copied().ok_or_else(|| io::Error::other("bound to no address"))?;
    Ok(Some((server.run(), address, verifier)))
}

/// One delivery from a peer gateway: every check, then storage, evidence and the receipt.
async fn receive(
    peer: PeerAgency,
    request: HttpRequest,
    state: web::Data<AppState>,
    limits: web::Data<Arc<PeerLimits>>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use futures_util::StreamExt;
    let exchange = state.exchange.clone().ok_or_else(|| ApiError::NotFound(MESSAGES_PATH.to_owned()))?;
    let directory = exchange
        .directory()
        .map_err(|e| refusal(&Rejection { code: RejectCode::DirectoryInvalid, message: e.to_string() }))?;
    let agency_limits = directory.agency(&peer.0).map(|a| a.limits.clone()).unwrap_or_default();
    let rejected = |code, message: String| {
        state.metrics.observe_exchange("received", code);
        refusal(&Rejection { code, message })
    };
    let too_large = |size: String| {
        rejected(
            RejectCode::TooLarge,
            format!("{size}; `{}` may send at most {} bytes", peer.0, agency_limits.max_body_bytes),
        )
    };
    let declared = request.headers().get("content-length").and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if let Some(length) = declared.filter(|l| *l > agency_limits.max_body_bytes) {
        return Err(too_large(format!("{length} bytes declared")));
    }
    if !limits.admit(&peer.0, agency_limits.requests_per_minute) {
        return Err(rejected(
            RejectCode::RateLimited,
            format!("more than {} requests in this minute", agency_limits.requests_per_minute),
        ));
    }
    let Ok(_slot) = limits.slots(&peer.0, agency_limits.max_in_flight).try_acquire_owned() else {
        return Err(rejected(
            RejectCode::RateLimited,
            format!("more than {} requests at once", agency_limits.max_in_flight),
        ));
    };
    // Read the body up to this agency's limit, never further.
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > agency_limits.max_body_bytes {
            return Err(too_large("the body is larger".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let signature = request
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| rejected(RejectCode::BadSignature, format!("no `{SIGNATURE_HEADER}` header")))?;
    let agency = peer.0.clone();
    let answer = web::block(move || exchange.accept(&agency, &body, &signature)).await.map_err(ApiError::internal)?;
    match answer {
        Ok(answer) => {
            state.metrics.observe_exchange("received", if answer.replay { "replay" } else { "accepted" });
            Ok(HttpResponse::Ok()
                .content_type("application/json")
                .insert_header((SIGNATURE_HEADER, answer.signature))
                .insert_header(("govgate-replay", if answer.replay { "true" } else { "false" }))
                .body(answer.receipt))
        }
        Err(AcceptError::Rejected(rejection)) => Err(rejected(rejection.code, rejection.message)),
        Err(AcceptError::Ledger(e)) => Err(ApiError::internal(e)),
    }
}

// ---- the outbox -----------------------------------------------------------------------

/// Verifies a peer gateway's server certificate during the handshake: it must chain to the
/// peer's CAs, pass the CRLs and be one of the certificates the directory pins to that
/// agency, so nothing is sent to a server that merely holds a certificate from the same CA.
#[derive(Debug)]
struct PinnedServerVerifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    pins: Vec<String>,
}

impl rustls::client::danger::ServerCertVerifier for PinnedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?;
        let pin = crate::exchange::directory::pin(end_entity.as_ref());
        if self.pins.iter().any(|p| p.eq_ignore_ascii_case(&pin)) {
            Ok(verified)
        } else {
            Err(rustls::Error::General(format!("server certificate {pin} is not pinned to this agency")))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The reqwest client for one peer: our certificate as identity; the peer's CAs, the CRLs
/// and its pins decide whether its server certificate is accepted; TLS 1.3, keep-alive.
fn peer_client(config: &ExchangeConfig, directory: &Directory, peer: &str) -> Result<reqwest::Client, String> {
    let agency = directory.agency(peer).ok_or_else(|| format!("`{peer}` is not in the directory"))?;
    let mut roots = RootCertStore::empty();
    for pem in &agency.ca_certificates {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| format!("CA of `{peer}`: {e}"))?;
            roots.add(cert).map_err(|e| format!("CA of `{peer}`: {e}"))?;
        }
    }
    let mut crls = Vec::new();
    for path in &config.crls {
        crls.push(read_crl(path).map_err(|e| e.to_string())?);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .with_crls(crls)
        .enforce_revocation_expiration()
        .build()
        .map_err(|e| format!("server verifier for `{peer}`: {e}"))?;
    let verifier = Arc::new(PinnedServerVerifier { inner, pins: agency.certificate_pins.clone() });
    let (chain, key) = identity(config).map_err(|e| format!("exchange identity: {e}"))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(chain, key)
        .map_err(|e| format!("exchange identity: {e}"))?;
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .https_only(true)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("client for `{peer}`: {e}"))
}

/// How a delivery attempt ended.
enum Attempt {
    Delivered,
    /// Worth another try later.
    Transient(String),
    /// No resend can succeed (the peer refused it for good, or its answer is not acceptable).
    Permanent(String),
}

/// Delivers the outbox until the process stops: due messages, at most
/// `outbox_concurrency` at once, with backoff.
pub async fn run_outbox(state: AppState) {
    let Some(exchange) = state.exchange.clone() else { return };
    let clients: Arc<Mutex<HashMap<(String, u64), reqwest::Client>>> = Arc::default();
    let in_flight: Arc<Mutex<std::collections::HashSet<String>>> = Arc::default();
    let slots = Arc::new(Semaphore::new(exchange.config.outbox_concurrency.max(1)));
    loop {
        let now = OffsetDateTime::now_utc();
        let ledger_exchange = exchange.clone();
        let due = web::block(move || ledger_exchange.ledger.due(now, 256)).await;
        let due = match due {
            Ok(Ok(due)) => due,
            other => {
                tracing::error!(error = ?other.err(), "outbox: cannot read the ledger");
                Vec::new()
            }
        };
        let mut started = 0;
        for record in due {
            if !in_flight.lock().unwrap_or_else(|e| e.into_inner()).insert(record.id.clone()) {
                continue;
            }
            let Ok(permit) = slots.clone().acquire_owned().await else { return };
            started += 1;
            let (exchange, clients, in_flight, metrics) =
                (exchange.clone(), clients.clone(), in_flight.clone(), state.metrics.clone());
            tokio::spawn(async move {
                let id = record.id.clone();
                deliver(&exchange, &clients, &metrics, record).await;
                in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                drop(permit);
            });
        }
        if started == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Re-reads the trust directory and CRLs every `exchange.reload_secs`, on its own task so
/// a busy outbox never delays a revocation.
pub async fn run_reloader(exchange: Arc<Exchange>, verifier: Option<Arc<ReloadableVerifier>>) {
    let period = Duration::from_secs(exchange.config.reload_secs.max(1));
    loop {
        tokio::time::sleep(period).await;
        let (exchange, verifier) = (exchange.clone(), verifier.clone());
        let _ = web::block(move || reload(&exchange, verifier.as_deref())).await;
    }
}

fn reload(exchange: &Exchange, verifier: Option<&ReloadableVerifier>) {
    let build = |directory: &Directory| match verifier {
        Some(_) => client_verifier(directory, &exchange.config.crls).map(Some).map_err(|e| e.to_string()),
        None => Ok(None),
    };
    let install = |new: Option<Arc<dyn ClientCertVerifier>>| {
        if let (Some(verifier), Some(new)) = (verifier, new) {
            verifier.replace(new);
        }
    };
    match exchange.reload_if_changed(build, install) {
        Ok(false) => {}
        Ok(true) => tracing::info!(version = exchange.directory_any().version, "trust directory and CRLs reloaded"),
        Err(e) => tracing::error!(error = %e, "trust material not reloaded; the loaded directory stays in force"),
    }
}

async fn deliver(
    exchange: &Arc<Exchange>,
    clients: &Mutex<HashMap<(String, u64), reqwest::Client>>,
    metrics: &super::metrics::Metrics,
    record: Record,
) {
    let outcome = attempt(exchange, clients, &record).await;
    let attempts = record.attempts + 1;
    let (exchange_for_ledger, to, id) = (exchange.clone(), record.peer.clone(), record.id.clone());
    let result = match outcome {
        Attempt::Delivered => {
            metrics.observe_exchange("sent", "delivered");
            return;
        }
        Attempt::Transient(error) if attempts < exchange.config.max_attempts => {
            metrics.observe_exchange("sent", "retry");
            let at = OffsetDateTime::now_utc() + exchange.backoff(record.attempts);
            tracing::warn!(message = %id, to = %to, attempts, error = %error, "delivery failed; will retry");
            web::block(move || exchange_for_ledger.ledger.attempt_failed(&to, &id, &error, Some(at))).await
        }
        Attempt::Transient(error) | Attempt::Permanent(error) => {
            metrics.observe_exchange("sent", "failed");
            tracing::error!(message = %id, to = %to, attempts, error = %error, "delivery failed for good");
            web::block(move || exchange_for_ledger.ledger.attempt_failed(&to, &id, &error, None)).await
        }
    };
    if let Ok(Err(e)) | Err(e) = result.map_err(|e| crate::exchange::ledger::LedgerError::Corrupt(e.to_string())) {
        tracing::error!(error = %e, "outbox: cannot record the attempt");
    }
}

async fn attempt(
    exchange: &Arc<Exchange>,
    clients: &Mutex<HashMap<(String, u64), reqwest::Client>>,
    record: &Record,
) -> Attempt {
    let directory = match exchange.directory() {
        Ok(d) => d,
        Err(e) => return Attempt::Transient(format!("directory: {e}")),
    };
    let Some(peer) = directory.agency(&record.peer) else {
        return Attempt::Permanent(format!("`{}` is no longer in the directory", record.peer));
    };
    let key = (record.peer.clone(), exchange.generation());
    let client = {
        let mut clients = clients.lock().unwrap_or_else(|e| e.into_inner());
        match clients.get(&key) {
            Some(client) => client.clone(),
            None => match peer_client(&exchange.config, &directory, &record.peer) {
                Ok(client) => {
                    clients.insert(key, client.clone());
                    client
                }
                // Our own identity or CRL files could not be read: an operator can fix them.
                Err(e) => return Attempt::Transient(e),
            },
        }
    };
    let url = format!("{}{MESSAGES_PATH}", peer.endpoint.trim_end_matches('/'));
    let response = client
        .post(&url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, &record.signature)
        .body(record.envelope.clone())
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            let text = crate::telemetry::cause_chain(&e);
            // The peer's verdict on our certificate (a TLS alert) or a server that is not the
            // agency's pinned gateway cannot change by resending. Anything local (a stale CRL
            // here, a connection refused, a timeout) can, once fixed.
            return if text.contains("received fatal alert") || text.contains("not pinned") {
                Attempt::Permanent(text)
            } else {
                Attempt::Transient(text)
            };
        }
    };
    let status = response.status();
    let signature = response.headers().get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = match response.bytes().await {
        Ok(b) => b,
        Err(e) => return Attempt::Transient(format!("reading the answer: {e}")),
    };
    if !status.is_success() {
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let code = problem["code"].as_str().unwrap_or("").to_owned();
        let text = format!("{status} {code}: {}", problem["detail"].as_str().unwrap_or(""));
        let transient =
            status.is_server_error() || status == 429 || matches!(code.as_str(), "clock-skew" | "directory-invalid");
        return if transient { Attempt::Transient(text) } else { Attempt::Permanent(text) };
    }
    let Some(signature) = signature else { return Attempt::Transient("the receipt carries no signature".to_owned()) };
    let receipt = match exchange.check_receipt(record, &body, &signature) {
        Ok(r) => r,
        // Our directory expired between sending and checking: as everywhere else, wait
        // for a current one; the resend gets the same receipt back.
        Err(rejection) if rejection.code == RejectCode::DirectoryInvalid => {
            return Attempt::Transient(format!("receipt not checked: {rejection}"));
        }
        // A resend would be answered with the same receipt: an operator must look at it.
        Err(rejection) => return Attempt::Permanent(format!("receipt refused: {rejection}")),
    };
    let (exchange, record_peer, record_id) = (exchange.clone(), record.peer.clone(), record.id.clone());
    let stored = web::block(move || {
        exchange.ledger.delivered(&record_peer, &record_id, &body, &signature, &receipt.receiver_chain_head)
    })
    .await;
    match stored {
        Ok(Ok(())) => Attempt::Delivered,
        Ok(Err(e)) => Attempt::Transient(format!("cannot store the receipt: {e}")),
        Err(e) => Attempt::Transient(format!("cannot store the receipt: {e}")),
    }
}

// ---- admin routes ---------------------------------------------------------------------

/// The exchange routes of the admin listener.
pub fn admin_routes(config: &mut web::ServiceConfig) {
    config
        .route("/exchange/outbox", web::post().to(send))
        .route("/exchange/outbox", web::get().to(outbox))
        .route("/exchange/inbox", web::get().to(inbox))
        .route("/exchange/inbox/{peer}/{id}", web::get().to(inbox_message))
        .route("/exchange/evidence/verify", web::get().to(verify))
        .route("/exchange/evidence/export/{id}", web::get().to(export));
}

fn exchange_of(state: &AppState) -> Result<Arc<Exchange>, ApiError> {
    state
        .exchange
        .clone()
        .ok_or_else(|| ApiError::NotFound("the exchange is not enabled (exchange.enabled)".to_owned()))
}

#[derive(serde::Deserialize)]
struct SendQuery {
    to: String,
    #[serde(rename = "type", default = "default_type")]
    message_type: String,
    profile: Option<String>,
}

fn default_type() -> String {
    "declaration".to_owned()
}

async fn send(
    state: web::Data<AppState>,
    query: web::Query<SendQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let exchange = exchange_of(&state)?;
    let query = query.into_inner();
    let record = web::block(move || exchange.send(&query.to, &query.message_type, query.profile.as_deref(), &body))
        .await
        .map_err(ApiError::internal)?
        .map_err(|error| match error {
            SendError::Refused(rejection) => refusal(&rejection),
            SendError::Document(crate::translate::TranslateError::Invalid(violations)) => ApiError::Invalid {
                message: format!("the document is not valid in its profile ({} problems)", violations.len()),
                violations,
            },
            SendError::Document(other) => ApiError::Unprocessable(other.to_string()),
            SendError::Ledger(e) => ApiError::internal(e),
        })?;
    Ok(HttpResponse::Accepted().json(record))
}

async fn list(state: web::Data<AppState>, direction: Direction) -> Result<HttpResponse, ApiError> {
    let exchange = exchange_of(&state)?;
    let records = web::block(move || exchange.ledger.list(direction))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(records))
}

async fn outbox(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    list(state, Direction::Out).await
}

async fn inbox(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    list(state, Direction::In).await
}

/// One received message: its envelope fields, its document, the translation and report.
async fn inbox_message(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let exchange = exchange_of(&state)?;
    let (peer, id) = path.into_inner();
    let missing = format!("/exchange/inbox/{peer}/{id}");
    let record = web::block(move || exchange.ledger.get(Direction::In, &peer, &id))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
        .ok_or(ApiError::NotFound(missing))?;
    let envelope: Envelope = serde_json::from_slice(&record.envelope).map_err(ApiError::internal)?;
    let document = envelope.payload_bytes().ok().and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    let translation = record.translation.as_ref().and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
    let receipt = record.receipt.as_ref().and_then(|(b, _)| serde_json::from_slice::<serde_json::Value>(b).ok());
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "record": record,
        "envelope": { "from": envelope.from, "to": envelope.to, "type": envelope.message_type, "profile": envelope.profile, "created": envelope.created.format(&time::format_description::well_known::Rfc3339).unwrap_or_default() },
        "document": document,
        "translation": translation,
        "receipt": receipt,
    })))
}

async fn verify(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let exchange = exchange_of(&state)?;
    let result =
        web::block(move || exchange.ledger.verify()).await.map_err(ApiError::internal)?.map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(match result {
        Ok(entries) => serde_json::json!({ "ok": true, "entries": entries }),
        Err(broken) => serde_json::json!({ "ok": false, "seq": broken.seq, "reason": broken.reason }),
    }))
}

async fn export(state: web::Data<AppState>, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let exchange = exchange_of(&state)?;
    let id = path.into_inner();
    let missing = format!("no message `{id}` in the inbox or outbox");
    let bundle = web::block(move || -> Result<Option<evidence::Bundle>, crate::exchange::ledger::LedgerError> {
        let entries = exchange.ledger.entries_of(&id)?;
        let Some(first) = entries.first() else { return Ok(None) };
        let party = first.party.clone();
        let record = match exchange.ledger.get(Direction::Out, &party, &id)? {
            Some(r) => r,
            None => match exchange.ledger.get(Direction::In, &party, &id)? {
                Some(r) => r,
                None => return Ok(None),
            },
        };
        let chain = exchange.ledger.entries(first.seq)?;
        let (directory, signed) = exchange.signed_directory();
        Ok(Some(evidence::bundle(&exchange.config.agency, &record, &directory, Some(signed), chain)))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?
    .ok_or(ApiError::NotFound(missing))?;
    Ok(HttpResponse::Ok().json(bundle))
}
