//! The administrative endpoint: SPARQL Update and the Graph Store Protocol over every
//! graph. It listens on its own address (loopback unless a bearer token is configured),
//! or is mounted under `/admin` on a loopback public listener; with a token, every request
//! must carry it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, web};
use oxigraph::io::RdfFormat;
use oxigraph::model::NamedNode;
use serde::Deserialize;

use super::problem::ApiError;
use super::sparql::{admin_routes, media_type, to_api_error};
use super::{AppState, observe};
use crate::sparql::graph_store::{self, Target};
use crate::sparql::{self, AnswerFormat};

/// The administrative application for its own listener.
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
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(limit))
        .wrap(from_fn(authorise))
        .wrap(from_fn(observe::observe))
        .configure(|c| admin_routes(c, "/sparql"))
        .configure(|c| store_routes(c, "/store"))
        .configure(super::exchange::admin_routes)
        .default_service(web::to(super::not_found))
}

/// The same routes under `/admin` on the public application.
pub fn mount(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/admin")
            .wrap(from_fn(authorise))
            .configure(|c| admin_routes(c, "/sparql"))
            .configure(|c| store_routes(c, "/store")),
    );
}

fn store_routes(config: &mut web::ServiceConfig, path: &str) {
    config
        .route(path, web::route().to(graph_store))
        .route(&format!("{path}/{{tail:.*}}"), web::route().to(graph_store));
}

/// Refuses a request without the configured bearer token.
async fn authorise(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let token = request.app_data::<web::Data<AppState>>().and_then(|s| s.gateway.config.admin.token.clone());
    if let Some(token) = token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(given.as_bytes(), token.expose().as_bytes()) {
            return Err(ApiError::Unauthorized(
                "the admin endpoint needs `Authorization: Bearer <admin.token>`".to_owned(),
            )
            .into());
        }
    }
    next.call(request).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Deserialize)]
struct GraphQuery {
    graph: Option<String>,
    default: Option<String>,
}

/// One Graph Store Protocol request: GET, HEAD, PUT, POST or DELETE on a graph named by
/// `?graph=`, `?default`, or directly by the request URL.
async fn graph_store(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let query: GraphQuery = web::Query::from_query(request.query_string())
        .map(web::Query::into_inner)
        .unwrap_or(GraphQuery { graph: None, default: None });
    let info = request.connection_info().clone();
    let url = format!("{}://{}{}", info.scheme(), info.host(), request.path());
    let tail = request.match_info().get("tail").unwrap_or("");
    let method = request.method().clone();
    let target = match (&query.graph, &query.default, tail.is_empty()) {
        (Some(_), Some(_), _) => {
            return Err(ApiError::BadRequest("use either `graph` or `default`, not both".to_owned()));
        }
        (Some(iri), None, _) => Some(Target::Named(
            NamedNode::new(iri).map_err(|e| ApiError::BadRequest(format!("`{iri}` is not an IRI: {e}")))?,
        )),
        (None, Some(_), _) => Some(Target::Default),
        (None, None, false) => {
            Some(Target::Named(NamedNode::new(&url).map_err(|e| ApiError::BadRequest(e.to_string()))?))
        }
        (None, None, true) => None,
    };
    let store = state.gateway.store.clone();
    match method.as_str() {
        "GET" | "HEAD" => {
            let target = target.ok_or_else(|| {
                ApiError::BadRequest("name a graph with `?graph=`, `?default`, or a graph URL".to_owned())
            })?;
            let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
            let Some(AnswerFormat::Graph(format)) = sparql::negotiate(accept, sparql::GRAPH_FORMATS) else {
                return Err(ApiError::NotAcceptable(
                    "graphs are served as Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads or TriG".to_owned(),
                ));
            };
            let body = web::block(move || graph_store::get(&store, &target, format))
                .await
                .map_err(ApiError::internal)?
                .map_err(to_api_error)?;
            match body {
                None => Err(ApiError::NotFound(request.path().to_owned())),
                Some(body) if method == "HEAD" => Ok(HttpResponse::Ok()
                    .content_type(format.media_type())
                    .insert_header((header::CONTENT_LENGTH, body.len()))
                    .finish()),
                Some(body) => Ok(HttpResponse::Ok().content_type(format.media_type()).body(body)),
            }
        }
        "PUT" | "POST" => {
            let media = media_type(&request);
            // GSP §5.5: a POST may carry several RDF documents as multipart/form-data parts.
            let payloads = if method == "POST" && media == "multipart/form-data" {
                multipart_payloads(&request, body).await?
            } else {
                vec![(rdf_format(&media)?, body)]
            };
            let (target, location) = match target {
                Some(target) => (target, None),
                None if method == "POST" => {
                    // POST to the store itself creates a new graph and says where it is.
                    let new = format!("{url}/{}", uuid::Uuid::new_v4());
                    (Target::Named(NamedNode::new_unchecked(&new)), Some(new))
                }
                None => {
                    return Err(ApiError::BadRequest(
                        "PUT names a graph with `?graph=`, `?default`, or a graph URL".to_owned(),
                    ));
                }
            };
            let base = url.clone();
            let replace = method == "PUT";
            let created = web::block(move || {
                let parts: Vec<(RdfFormat, &[u8])> = payloads.iter().map(|(f, b)| (*f, b.as_ref())).collect();
                match parts.as_slice() {
                    [(format, bytes)] if replace => graph_store::put(&store, &target, bytes, *format, &base),
                    _ => graph_store::post(&store, &target, &parts, &base),
                }
            })
            .await
            .map_err(ApiError::internal)?
            .map_err(to_api_error)?;
            Ok(match location {
                Some(location) => HttpResponse::Created().insert_header((header::LOCATION, location)).finish(),
                None if created => HttpResponse::Created().finish(),
                None => HttpResponse::NoContent().finish(),
            })
        }
        "DELETE" => {
            let target = target.ok_or_else(|| {
                ApiError::BadRequest("DELETE names a graph with `?graph=`, `?default`, or a graph URL".to_owned())
            })?;
            let existed = web::block(move || graph_store::delete(&store, &target))
                .await
                .map_err(ApiError::internal)?
                .map_err(to_api_error)?;
            if existed {
                Ok(HttpResponse::NoContent().finish())
            } else {
                Err(ApiError::NotFound(request.path().to_owned()))
            }
        }
        other => Err(ApiError::MethodNotAllowed(format!(
            "`{other}` is not a Graph Store Protocol method (GET, HEAD, PUT, POST, DELETE)"
        ))),
    }
}

fn rdf_format(media: &str) -> Result<RdfFormat, ApiError> {
    RdfFormat::from_media_type(media).ok_or_else(|| {
        ApiError::UnsupportedMediaType(format!(
            "`{media}` is not an RDF format (text/turtle, application/n-triples, application/rdf+xml, application/ld+json)"
        ))
    })
}

/// The RDF documents in a multipart/form-data body, each in the format its part declares
/// (or its file name's extension says).
async fn multipart_payloads(request: &HttpRequest, body: web::Bytes) -> Result<Vec<(RdfFormat, web::Bytes)>, ApiError> {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| ApiError::BadRequest(format!("multipart/form-data without a usable boundary: {e}")))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut payloads = Vec::new();
    let bad = |e: multer::Error| ApiError::BadRequest(format!("malformed multipart/form-data: {e}"));
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.file_name().or(field.name()).unwrap_or("part").to_owned();
        let format = match field.content_type() {
            Some(mime) => rdf_format(mime.essence_str())?,
            None => name
                .rsplit_once('.')
                .and_then(|(_, extension)| RdfFormat::from_extension(extension))
                .ok_or_else(|| ApiError::UnsupportedMediaType(format!("part `{name}` declares no RDF content type")))?,
        };
        payloads.push((format, field.bytes().await.map_err(bad)?));
    }
    if payloads.is_empty() {
        return Err(ApiError::BadRequest("the multipart/form-data body has no parts".to_owned()));
    }
    Ok(payloads)
}
