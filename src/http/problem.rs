//! Errors as RFC 9457 problem documents (`application/problem+json`), rendered in exactly
//! one place: [`render`], which the request middleware applies to every error response.
//! A 500 tells the client only its request id; the cause chain goes to the log.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// Media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Where problem types are documented.
const TYPE_ROOT: &str = "https://w3id.org/govgate/problems/";

/// An error a handler returns; its status and text become a problem document.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    #[error("no resource at `{0}`")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// The document is not valid: every violation, with its JSON pointer or XPath.
    #[error("{message}")]
    Invalid { message: String, violations: Vec<crate::translate::Violation> },
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    UriTooLong(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    QueryTimeout(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request did not complete within {0} s")]
    Timeout(u64),
    #[error("{0}")]
    NotReady(String),
    /// A refusal by the agency exchange, with its own code.
    #[error("{detail}")]
    Exchange { status: u16, code: &'static str, detail: String },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(error.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::QueryTimeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Exchange { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body is written by [`render`]; a bare status keeps the rendering in one place.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::new(self.status_code())
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    pub status: u16,
    /// What went wrong with this request, in one line.
    pub detail: String,
    /// The request id, also in the `x-request-id` response header and in the logs.
    pub request_id: String,
    /// For an invalid document: every violation, with its JSON pointer or XPath.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<crate::translate::Violation>,
    /// For an exchange refusal: its code (`bad-signature`, `not-permitted`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A problem document ready to send. It is also an error, so middleware that no longer
/// holds the request (a timeout) can hand it to actix to send.
#[derive(Debug)]
pub struct Rendered {
    status: StatusCode,
    body: String,
    request_id: String,
}

impl Rendered {
    pub fn to_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status).body(self.body.clone());
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Ok(value) = HeaderValue::from_str(&self.request_id) {
            response.headers_mut().insert(super::observe::REQUEST_ID, value);
        }
        response
    }
}

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.body)
    }
}

impl ResponseError for Rendered {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.to_response()
    }
}

/// Builds the problem document for an error response.
///
/// `error` is the error the response came from, if any (a handler's [`ApiError`] or a
/// framework error such as a body that failed to parse).
pub fn render(status: StatusCode, error: Option<&actix_web::Error>, request_id: &str) -> Rendered {
    let api_error = error.and_then(|e| e.as_error::<ApiError>());
    let detail = if status.is_server_error() {
        if let Some(error) = error {
            let cause = match api_error {
                Some(api_error) => crate::telemetry::cause_chain(api_error),
                None => error.to_string(),
            };
            tracing::error!(request_id, error = %cause, "request failed");
        }
        match api_error {
            Some(
                e @ (ApiError::Timeout(_)
                | ApiError::NotReady(_)
                | ApiError::QueryTimeout(_)
                | ApiError::Exchange { .. }),
            ) => e.to_string(),
            _ => format!("internal error; quote request id {request_id} when reporting it"),
        }
    } else {
        match (api_error, error) {
            (Some(e), _) => e.to_string(),
            (None, Some(e)) => e.to_string(),
            (None, None) => status.canonical_reason().unwrap_or("error").to_lowercase(),
        }
    };
    let code = match api_error {
        Some(ApiError::Exchange { code, .. }) => Some((*code).to_owned()),
        _ => None,
    };
    let slug = code.as_ref().map_or_else(|| slug(status), |c| format!("exchange/{c}"));
    let problem = Problem {
        code,
        problem_type: format!("{TYPE_ROOT}{slug}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        request_id: request_id.to_owned(),
        violations: match api_error {
            Some(ApiError::Invalid { violations, .. }) => violations.clone(),
            _ => Vec::new(),
        },
    };
    let body = serde_json::to_string(&problem).expect("a problem serialises");
    Rendered { status, body, request_id: request_id.to_owned() }
}

fn slug(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("error").to_lowercase().replace([' ', '\''], "-")
}
