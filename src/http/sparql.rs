//! The SPARQL 1.1 Protocol endpoint. The public one (`/sparql`) answers queries over the
//! public graphs only and refuses updates; the administrative one (its own loopback
//! listener, or `/admin/sparql`) sees every graph and accepts updates. Both share the query
//! limits: time (cancelled when the client goes away), result size, concurrency.

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

/// The administrative endpoint's SPARQL routes, at `path`.
pub fn admin_routes(config: &mut web::ServiceConfig, path: &str) {
    config.service(web::resource(path).route(web::get().to(admin_get)).route(web::post().to(admin_post)));
}

/// Bounds the queries evaluated at once; the others wait their turn.
pub struct QueryGate(pub Arc<Semaphore>);

/// Run a SPARQL query over the public graphs (the ontology release and the crosswalks).
/// Without a `query` parameter, the endpoint describes itself (SPARQL 1.1 Service Description).
#[utoipa::path(get, path = "/sparql", tag = "sparql",
    params(
        ("query" = Option<String>, Query, description = "SPARQL 1.1 query; absent: the Service Description"),
        ("default-graph-uri" = Option<Vec<String>>, Query, description = "Graphs that make the default graph"),
        ("named-graph-uri" = Option<Vec<String>>, Query, description = "Graphs available to GRAPH"),
        ("timeout" = Option<u64>, Query, description = "Seconds the query may run, up to the server's ceiling"),
    ),
    responses(
        (status = 200, description = "SPARQL results (JSON, XML, CSV, TSV) or RDF (Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads, TriG), by the Accept header"),
        (status = 400, description = "Syntax error (with the parser's position) or federation attempt", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 406, description = "No acceptable format", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 414, description = "Query longer than the limit", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "More results than the limit (never silently cut)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The query ran out of time", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn query_get(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    get(request, state, Access::Public).await
}

/// Run a SPARQL query sent as a form (`application/x-www-form-urlencoded`) or directly
/// (`application/sparql-query`). Updates are refused here.
#[utoipa::path(post, path = "/sparql", tag = "sparql",
    request_body(content = String, description = "The query, as application/sparql-query or a form with a `query` field"),
    responses(
        (status = 200, description = "As for GET"),
        (status = 400, description = "Syntax error, missing query", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "An update sent to the public endpoint", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Query longer than the limit", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Unsupported content type", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn query_post(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    post(request, state, body, Access::Public).await
}

async fn admin_get(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    get(request, state, Access::Admin).await
}

async fn admin_post(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    post(request, state, body, Access::Admin).await
}

async fn get(request: HttpRequest, state: web::Data<AppState>, access: Access) -> Result<HttpResponse, ApiError> {
    let limit = state.gateway.config.sparql.max_query_bytes;
    if request.query_string().len() > limit.saturating_mul(3) {
        // Percent-encoding triples a query at most; beyond that the URL is too long to hold one.
        return Err(ApiError::UriTooLong(format!(
            "the request URL is longer than the limit for a query of {limit} bytes; send it with POST"
        )));
    }
    let parameters = Parameters::parse(request.query_string().as_bytes())?;
    if parameters.update.is_some() {
        return Err(ApiError::BadRequest("a SPARQL update is sent with POST, never GET".to_owned()));
    }
    match parameters.query.clone() {
        Some(query) => answer(&request, &state, query, parameters, access).await,
        None => service_description(&request, &state, access).await,
    }
}

async fn post(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
    access: Access,
) -> Result<HttpResponse, ApiError> {
    // Queries are short; an administrator's INSERT DATA may be as large as any request body.
    let limit = match access {
        Access::Public => state.gateway.config.sparql.max_query_bytes,
        Access::Admin => state.gateway.config.http.body_limit_bytes,
    };
    if body.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let content_type = media_type(&request);
    let url_parameters = Parameters::parse(request.query_string().as_bytes())?;
    let refuse_update = || ApiError::Forbidden("updates are not accepted on the public endpoint".to_owned());
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let form = Parameters::parse(&body)?;
            match (form.query.clone(), form.update.clone()) {
                (Some(_), Some(_)) => Err(ApiError::BadRequest("send either `query` or `update`, not both".to_owned())),
                (Some(query), None) => answer(&request, &state, query, form, access).await,
                (None, Some(update)) if access == Access::Admin => run_update(&request, &state, update, form).await,
                (None, Some(_)) => Err(refuse_update()),
                (None, None) => {
                    Err(ApiError::BadRequest("missing `query` (or, on the admin endpoint, `update`) field".to_owned()))
                }
            }
        }
        "application/sparql-query" => {
            let query = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::BadRequest("the query is not valid UTF-8".to_owned()))?;
            answer(&request, &state, query, url_parameters, access).await
        }
        "application/sparql-update" if access == Access::Admin => {
            let update = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::BadRequest("the update is not valid UTF-8".to_owned()))?;
            run_update(&request, &state, update, url_parameters).await
        }
        "application/sparql-update" => Err(refuse_update()),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "`{other}` is not a SPARQL request; send application/sparql-query{} or application/x-www-form-urlencoded",
            if access == Access::Admin { ", application/sparql-update" } else { "" }
        ))),
    }
}

pub(super) fn media_type(request: &HttpRequest) -> String {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The protocol's parameters, which may repeat.
#[derive(Debug, Default, Clone)]
struct Parameters {
    query: Option<String>,
    update: Option<String>,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    using_graphs: Vec<String>,
    using_named_graphs: Vec<String>,
    timeout: Option<String>,
}

impl Parameters {
    /// Reads the parameters; a repeated `query`, `update` or `timeout` is an error (the
    /// protocol allows exactly one operation per request).
    fn parse(encoded: &[u8]) -> Result<Self, ApiError> {
        let mut parameters = Parameters::default();
        for (key, value) in form_urlencoded::parse(encoded) {
            let single = match key.as_ref() {
                "query" => &mut parameters.query,
                "update" => &mut parameters.update,
                "timeout" => &mut parameters.timeout,
                "default-graph-uri" => {
                    parameters.default_graphs.push(value.into_owned());
                    continue;
                }
                "named-graph-uri" => {
                    parameters.named_graphs.push(value.into_owned());
                    continue;
                }
                "using-graph-uri" => {
                    parameters.using_graphs.push(value.into_owned());
                    continue;
                }
                "using-named-graph-uri" => {
                    parameters.using_named_graphs.push(value.into_owned());
                    continue;
                }
                _ => continue,
            };
            if single.replace(value.into_owned()).is_some() {
                return Err(ApiError::BadRequest(format!("`{key}` is given more than once; send one per request")));
            }
        }
        Ok(parameters)
    }
}

/// The endpoint's own URL: the base IRI of relative IRIs in queries and updates.
fn endpoint_url(request: &HttpRequest) -> String {
    let info = request.connection_info();
    format!("{}://{}{}", info.scheme(), info.host(), request.path())
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
    access: Access,
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
    let (parsed, form) = sparql::parse(&query, Some(&endpoint_url(request))).map_err(to_api_error)?;
    sparql::guard::check(&parsed, config.max_join_parts).map_err(to_api_error)?;
    let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = sparql::negotiate(accept, form.formats()).ok_or_else(|| {
        let offered: Vec<&str> = form.formats().iter().map(|f| f.media_type()).collect();
        ApiError::NotAcceptable(format!("no acceptable format; this query can be answered as {}", offered.join(", ")))
    })?;

    let permit = state.sparql_gate.0.clone().acquire_owned().await.map_err(ApiError::internal)?;
    let cancel = CancellationToken::new();
    let _guard = CancelOnDrop(cancel.clone());
    let store = state.gateway.store.clone();
    let protocol =
        QueryRequest { query, default_graphs: parameters.default_graphs, named_graphs: parameters.named_graphs };
    let evaluation = Evaluation {
        access,
        format,
        max_results: config.max_results,
        cancel,
        timeout,
        public_prefixes: config.public_graph_prefixes.clone(),
    };
    let started = std::time::Instant::now();
    // A lookup runs here, on this worker, unless it outruns its budget (see `sparql::quick`).
    let budget = Duration::from_millis(config.quick_budget_ms).min(timeout);
    if let Some(watchdog) = state.sparql_watchdog.as_ref().filter(|_| sparql::quick::looks_quick(&parsed)) {
        let watch = watchdog.watch(budget);
        let quick = Evaluation { cancel: watch.token(), ..evaluation.clone() };
        match sparql::execute(&store, parsed.clone(), &protocol, &quick) {
            Err(SparqlError::Timeout(_)) if watch.token().is_cancelled() => state.metrics.observe_quick_fallback(),
            result => {
                drop(permit);
                return respond(state, Ok(result), started);
            }
        }
    }
    // The permit travels with the evaluation: a query oxigraph cannot interrupt (a
    // cartesian product inside an aggregate checks no token) keeps its slot until it ends,
    // so runaway queries can never hold more than `max_concurrent` threads.
    // At the time limit the wait ends and the guard cancels the evaluation, which then
    // stops at its next read of the store.
    let result = match tokio::time::timeout(
        timeout,
        web::block(move || {
            let _permit = permit;
            sparql::execute(&store, parsed, &protocol, &evaluation)
        }),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Ok(Err(SparqlError::Timeout(timeout))),
    };
    respond(state, result, started)
}

/// Records how an evaluation ended and turns its answer into the response.
fn respond(
    state: &AppState,
    result: Result<Result<sparql::Answer, SparqlError>, actix_web::error::BlockingError>,
    started: std::time::Instant,
) -> Result<HttpResponse, ApiError> {
    let outcome = match &result {
        Ok(Ok(_)) => "ok",
        Ok(Err(SparqlError::Timeout(_) | SparqlError::Cancelled)) => "timeout",
        Ok(Err(SparqlError::TooManyResults(_))) => "too_many_results",
        Ok(Err(_)) => "error",
        Err(_) => "internal",
    };
    state.metrics.observe_query(outcome, started.elapsed().as_secs_f64());
    let answer = result.map_err(ApiError::internal)?.map_err(to_api_error)?;
    Ok(HttpResponse::Ok().content_type(answer.media_type).body(answer.body))
}

async fn run_update(
    request: &HttpRequest,
    state: &AppState,
    update: String,
    parameters: Parameters,
) -> Result<HttpResponse, ApiError> {
    let store = state.gateway.store.clone();
    let base = endpoint_url(request);
    web::block(move || {
        sparql::update(&store, &update, Some(&base), &parameters.using_graphs, &parameters.using_named_graphs)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(to_api_error)?;
    Ok(HttpResponse::NoContent().finish())
}

/// The Service Description of this endpoint, by content negotiation over RDF formats.
async fn service_description(
    request: &HttpRequest,
    state: &AppState,
    access: Access,
) -> Result<HttpResponse, ApiError> {
    let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = match sparql::negotiate(accept, sparql::GRAPH_FORMATS) {
        Some(sparql::AnswerFormat::Graph(f)) => f,
        _ => {
            return Err(ApiError::NotAcceptable(
                "the service description is RDF: Turtle, N-Triples, RDF/XML, JSON-LD".to_owned(),
            ));
        }
    };
    let endpoint = endpoint_url(request);
    let store = state.gateway.store.clone();
    let prefixes = state.gateway.config.sparql.public_graph_prefixes.clone();
    let body = web::block(move || -> Result<Vec<u8>, SparqlError> {
        let graphs = match access {
            Access::Public => store.public_graphs(&prefixes)?,
            Access::Admin => store
                .named_graphs()?
                .into_iter()
                .filter_map(|g| match g {
                    oxigraph::model::NamedOrBlankNode::NamedNode(n) => Some(n),
                    _ => None,
                })
                .collect(),
        };
        let graph = sparql::describe::service_description(&store, &endpoint, &graphs, access == Access::Admin)?;
        super::linked::serialize(&graph, format)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(to_api_error)?;
    Ok(HttpResponse::Ok().content_type(format.media_type()).body(body))
}

pub(super) fn to_api_error(error: SparqlError) -> ApiError {
    match error {
        SparqlError::Syntax(_)
        | SparqlError::BadGraphIri(_)
        | SparqlError::Federation
        | SparqlError::UpdateFailed(_)
        | SparqlError::DatasetConflict => ApiError::BadRequest(error.to_string()),
        SparqlError::NotAcceptable(_) => ApiError::NotAcceptable(error.to_string()),
        SparqlError::TooManyResults(_) | SparqlError::CartesianProduct { .. } => {
            ApiError::Unprocessable(error.to_string())
        }
        SparqlError::Timeout(_) | SparqlError::Cancelled => ApiError::QueryTimeout(error.to_string()),
        other => ApiError::internal(other),
    }
}
