//! The public HTTP API: a thin adapter over the library. Handlers extract, call one
//! library function and map the result; errors leave as RFC 9457 problem documents.
//!
//! [`app`] builds the application for both `govgate serve` and the tests; [`bind`]
//! puts it on a socket with the configured limits and graceful shutdown.

mod admin;
mod assess;
pub mod exchange;
mod health;
mod linked;
pub mod metrics;
pub mod observe;
mod openapi;
pub mod problem;
mod query_page;
mod sparql;
mod translate;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

pub use openapi::ApiDoc;

use crate::startup::Gateway;
use metrics::Metrics;
use problem::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub gateway: Arc<Gateway>,
    pub exchange: Option<Arc<crate::exchange::Exchange>>,
    pub metrics: Arc<Metrics>,
    sparql_gate: Arc<sparql::QueryGate>,
    /// Watches lookups evaluated on the workers; `None` sends every query to the pool.
    sparql_watchdog: Option<crate::sparql::quick::Watchdog>,
}

impl AppState {
    pub fn new(gateway: Gateway) -> Self {
        let gate =
            sparql::QueryGate(Arc::new(tokio::sync::Semaphore::new(gateway.config.sparql.max_concurrent.max(1))));
        let exchange = gateway.exchange.clone();
        let sparql_watchdog = match gateway.config.sparql.quick_budget_ms {
            0 => None,
            _ => crate::sparql::quick::Watchdog::shared(),
        };
        Self {
            gateway: Arc::new(gateway),
            exchange,
            metrics: Arc::new(Metrics::new()),
            sparql_gate: Arc::new(gate),
            sparql_watchdog,
        }
    }
}

/// The application: routes, limits and the observing middleware.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.gateway.config.http.body_limit_bytes;
    let admin = &state.gateway.config.admin;
    let admin_mounted = admin.enabled && admin.mount_on_public;
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(limit))
        .app_data(web::JsonConfig::default().limit(limit))
        .app_data(web::FormConfig::default().limit(limit))
        .wrap(from_fn(observe::observe))
        .configure(health::routes)
        .configure(openapi::routes)
        .configure(sparql::routes)
        .configure(translate::routes)
        .configure(assess::routes)
        .configure(linked::routes)
        .configure(query_page::routes)
        .configure(|c| {
            if admin_mounted {
                admin::mount(c);
            }
        })
        .default_service(web::to(fallback))
}

/// Any other GET dereferences a govgate IRI (linked data); anything else is not found.
async fn fallback(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if request.method() == actix_web::http::Method::GET || request.method() == actix_web::http::Method::HEAD {
        linked::dereference(request, state).await
    } else {
        Err(ApiError::NotFound(request.path().to_owned()))
    }
}

pub(crate) async fn not_found(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(request.path().to_owned()))
}

/// Binds the public listener; the returned server runs until stopped by a signal
/// (SIGINT/SIGTERM: in-flight requests get `shutdown_timeout_secs` to finish) or its handle.
pub fn bind(state: AppState) -> io::Result<(Server, SocketAddr)> {
    let http = state.gateway.config.http.clone();
    let server = HttpServer::new(move || app(state.clone()))
        .shutdown_timeout(http.shutdown_timeout_secs)
        // Answers go out as soon as they are written, not after the client's delayed ACK.
        .tcp_nodelay(true)
        .client_request_timeout(Duration::from_secs(http.request_timeout_secs.max(1)))
        .client_disconnect_timeout(Duration::from_secs(5));
    let server = if http.workers > 0 { server.workers(http.workers) } else { server };
    let server = server.bind(http.bind)?;
    let address = server.addrs().first().copied().ok_or_else(|| io::Error::other("bound to no address"))?;
    Ok((server.run(), address))
}

/// Binds the administrative listener when it is enabled. It shares the store, metrics and
/// limits with the public one; one worker is plenty for operators.
pub fn bind_admin(state: AppState) -> io::Result<Option<(Server, SocketAddr)>> {
    let config = &state.gateway.config;
    if !config.admin.enabled {
        return Ok(None);
    }
    let (http, address) = (config.http.clone(), config.admin.bind);
    let server = HttpServer::new(move || admin::app(state.clone()))
        .shutdown_timeout(http.shutdown_timeout_secs)
        // Answers go out as soon as they are written, not after the client's delayed ACK.
        .tcp_nodelay(true)
        .client_request_timeout(Duration::from_secs(http.request_timeout_secs.max(1)))
        .client_disconnect_timeout(Duration::from_secs(5))
        .workers(1)
        .bind(address)?;
    let address = server.addrs().first().copied().ok_or_else(|| io::Error::other("bound to no address"))?;
    Ok(Some((server.run(), address)))
}
