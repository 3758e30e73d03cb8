//! The SPARQL 1.1 Protocol endpoint at `/sparql`: GET, POST form and POST direct, content
//! negotiation, the public-graph rule, and the query limits (time, results, concurrency).

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use oxigraph::sparql::CancellationToken;
use tokio::sync::Semaphore;

use super::AppState;
use super::problem::ApiError;
use crate::sparql::{self, Access, Evaluation, QueryRequest, SparqlError};

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(web::resource("/sparql").route(web::get().to(query_get)).route(web::post().to(query_post)));
}

/// Bounds the queries evaluated at once; the others wait their turn.
pub struct QueryGate(pub Arc<Semaphore>);

/// Run a SPARQL query over the public graphs (the ontology release and the crosswalks).
#[utoipa::path(get, path = "/sparql", tag = "sparql",
    params(
        ("query" = String, Query, description = "SPARQL 1.1 query"),
        ("default-graph-uri" = Option<Vec<String>>, Query, description = "Graphs that make the default graph"),
        ("named-graph-uri" = Option<Vec<String>>, Query, description = "Graphs available to GRAPH"),
        ("timeout" = Option<u64>, Query, description = "Seconds the query may run, up to the server's ceiling"),
    ),
    responses(
        (status = 200, description = "SPARQL results (JSON, XML, CSV, TSV) or RDF (Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads, TriG), by the Accept header"),
        (status = 400, description = "Syntax error (with the parser's position) or federation attempt", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable format", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The query ran out of time", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn query_get(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let parameters = Parameters::parse(request.query_string().as_bytes());
    let Some(query) = parameters.query.clone() else {
        return Err(ApiError::BadRequest("missing `query` parameter".to_owned()));
    };
    answer(&request, &state, query, parameters).await
}

/// Run a SPARQL query sent as a form (`application/x-www-form-urlencoded`) or directly
/// (`application/sparql-query`). Updates are refused here.
#[utoipa::path(post, path = "/sparql", tag = "sparql",
    request_body(content = String, description = "The query, as application/sparql-query or a form with a `query` field"),
    responses(
        (status = 200, description = "As for GET"),
        (status = 400, description = "Syntax error, missing query", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "An update sent to the public endpoint", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Unsupported content type", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn query_post(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let config = &state.gateway.config.sparql;
    if body.len() > config.max_query_bytes {
        return Err(ApiError::PayloadTooLarge { limit: config.max_query_bytes });
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    let url_parameters = Parameters::parse(request.query_string().as_bytes());
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let form = Parameters::parse(&body);
            if form.update.is_some() {
                return Err(ApiError::Forbidden("updates are not accepted on the public endpoint".to_owned()));
            }
            let Some(query) = form.query.clone() else {
                return Err(ApiError::BadRequest("missing `query` field".to_owned()));
            };
            answer(&request, &state, query, form).await
        }
        "application/sparql-query" => {
            let query = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::BadRequest("the query is not valid UTF-8".to_owned()))?;
            answer(&request, &state, query, url_parameters).await
        }
        "application/sparql-update" => {
            Err(ApiError::Forbidden("updates are not accepted on the public endpoint".to_owned()))
        }
        other => Err(ApiError::UnsupportedMediaType(format!(
            "`{other}` is not a SPARQL query; send application/sparql-query or application/x-www-form-urlencoded"
        ))),
    }
}

/// The protocol's parameters, which may repeat.
#[derive(Debug, Default, Clone)]
struct Parameters {
    query: Option<String>,
    update: Option<String>,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    timeout: Option<String>,
}

impl Parameters {
    fn parse(encoded: &[u8]) -> Self {
        let mut parameters = Parameters::default();
        for (key, value) in form_urlencoded::parse(encoded) {
            match key.as_ref() {
                "query" => parameters.query = Some(value.into_owned()),
                "update" => parameters.update = Some(value.into_owned()),
                "default-graph-uri" => parameters.default_graphs.push(value.into_owned()),
                "named-graph-uri" => parameters.named_graphs.push(value.into_owned()),
                "timeout" => parameters.timeout = Some(value.into_owned()),
                _ => {}
            }
        }
        parameters
    }
}

/// Cancels the query when the handler's future is dropped: the client went away or the
/// request timed out.
struct CancelOnDrop(CancellationToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

async fn answer(
    request: &HttpRequest,
    state: &AppState,
    query: String,
    parameters: Parameters,
) -> Result<HttpResponse, ApiError> {
    let config = state.gateway.config.sparql.clone();
    if query.len() > config.max_query_bytes {
        return Err(ApiError::PayloadTooLarge { limit: config.max_query_bytes });
    }
    let timeout = match &parameters.timeout {
        None => Duration::from_secs(config.timeout_secs),
        Some(raw) => {
            let seconds: f64 = raw.parse().ok().filter(|s: &f64| s.is_finite() && *s > 0.0).ok_or_else(|| {
                ApiError::BadRequest(format!("`timeout` must be a positive number of seconds, not `{raw}`"))
            })?;
            Duration::from_secs_f64(seconds.min(config.max_timeout_secs as f64))
        }
    };
    let (parsed, form) = sparql::parse(&query).map_err(to_api_error)?;
    let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = sparql::negotiate(accept, form.formats()).ok_or_else(|| {
        let offered: Vec<&str> = form.formats().iter().map(|f| f.media_type()).collect();
        ApiError::NotAcceptable(format!("no acceptable format; this query can be answered as {}", offered.join(", ")))
    })?;

    let _permit = state.sparql_gate.0.clone().acquire_owned().await.map_err(ApiError::internal)?;
    let cancel = CancellationToken::new();
    let _guard = CancelOnDrop(cancel.clone());
    let timer = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            cancel.cancel();
        })
    };
    let store = state.gateway.store.clone();
    let protocol =
        QueryRequest { query, default_graphs: parameters.default_graphs, named_graphs: parameters.named_graphs };
    let evaluation = Evaluation { access: Access::Public, format, max_results: config.max_results, cancel, timeout };
    let result = web::block(move || sparql::execute(&store, parsed, &protocol, &evaluation)).await;
    timer.abort();
    let answer = result.map_err(ApiError::internal)?.map_err(to_api_error)?;
    Ok(HttpResponse::Ok().content_type(answer.media_type).body(answer.body))
}

fn to_api_error(error: SparqlError) -> ApiError {
    match error {
        SparqlError::Syntax(_) | SparqlError::BadGraphIri(_) | SparqlError::Federation => {
            ApiError::BadRequest(error.to_string())
        }
        SparqlError::NotAcceptable(_) => ApiError::NotAcceptable(error.to_string()),
        SparqlError::TooManyResults(_) => ApiError::Unprocessable(error.to_string()),
        SparqlError::Timeout(_) | SparqlError::Cancelled => ApiError::QueryTimeout(error.to_string()),
        other => ApiError::internal(other),
    }
}
