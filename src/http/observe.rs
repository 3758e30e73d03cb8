//! The one middleware every request passes: it assigns the request id, opens the log
//! span, enforces the body-size and time limits, renders error responses as problem
//! documents and records the metrics.

use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;

use super::AppState;
use super::problem::{self, ApiError, PROBLEM_JSON};

/// Header carrying the request id, in requests (optional) and responses (always).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, available to handlers as an extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A body limit for one application instead of `http.body_limit_bytes` (the exchange
/// listener enforces each agency's own limit in its handler).
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

pub async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&request);
    request.extensions_mut().insert(RequestId(id.clone()));
    let state = request.app_data::<web::Data<AppState>>().map(|data| data.clone().into_inner());
    let (mut limit, timeout) = state
        .as_ref()
        .map(|s| {
            let http = &s.gateway.config.http;
            (http.body_limit_bytes, Duration::from_secs(http.request_timeout_secs))
        })
        .unwrap_or((usize::MAX, Duration::MAX));
    if let Some(own) = request.app_data::<web::Data<BodyLimit>>() {
        limit = own.0;
    }
    let method = request.method().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %request.path());

    if declared_length(&request).is_some_and(|length| length > limit) {
        let error = actix_web::Error::from(ApiError::PayloadTooLarge { limit });
        let rendered = problem::render(error.as_response_error().status_code(), Some(&error), &id);
        let response = request.into_response(rendered.to_response());
        return Ok(finish(response, state.as_deref(), &method, started, &span));
    }
    let outcome = match tokio::time::timeout(timeout, next.call(request).instrument(span.clone())).await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(_) => Err(ApiError::Timeout(timeout.as_secs()).into()),
    };
    match outcome {
        Ok(mut response) => {
            let status = response.status();
            let is_problem = response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
            if (status.is_client_error() || status.is_server_error()) && !is_problem {
                let rendered = problem::render(status, response.response().error(), &id);
                response = response.into_response(rendered.to_response());
            }
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            Ok(finish(response, state.as_deref(), &method, started, &span))
        }
        // The request is gone with the future (a timeout, or a middleware error): hand the
        // rendered problem to actix as an error, which sends it as it is.
        Err(error) => {
            let status = error.as_response_error().status_code();
            let rendered = problem::render(status, Some(&error), &id);
            record(state.as_deref(), "unmatched", &method, status.as_u16(), started, &span);
            Err(rendered.into())
        }
    }
}

fn finish(
    response: ServiceResponse<BoxBody>,
    state: Option<&AppState>,
    method: &str,
    started: Instant,
    span: &tracing::Span,
) -> ServiceResponse<BoxBody> {
    let route = response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    record(state, &route, method, response.status().as_u16(), started, span);
    response
}

fn record(state: Option<&AppState>, route: &str, method: &str, status: u16, started: Instant, span: &tracing::Span) {
    let elapsed = started.elapsed();
    if let Some(state) = state {
        state.metrics.observe(route, method, status, elapsed.as_secs_f64());
    }
    span.in_scope(|| tracing::info!(status, route, elapsed_ms = elapsed.as_secs_f64() * 1e3, "served"));
}

/// The caller's request id when it is a sane token, else a fresh UUID.
fn request_id(request: &ServiceRequest) -> String {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn declared_length(request: &ServiceRequest) -> Option<usize> {
    request.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}
