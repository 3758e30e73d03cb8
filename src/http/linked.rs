//! Linked-data publishing over HTTP: every IRI in govgate's namespaces resolves at its own
//! path, to HTML for people and to RDF for machines (content negotiation, or `?format=`);
//! the release and each mapping set can be downloaded; the dataset describes itself in VoID.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{Graph, GraphNameRef, NamedNode};

use super::AppState;
use super::problem::ApiError;
use crate::content::ONTOLOGY_RELEASE;
use crate::publish;
use crate::sparql::{self, SparqlError};
use crate::store::graphs::GraphKind;

/// Prefixes written into every RDF rendering.
pub const PREFIXES: &[(&str, &str)] = &[
    ("gg", "https://w3id.org/govgate/core#"),
    ("ggj", "https://w3id.org/govgate/jurisdiction#"),
    ("ggm", "https://w3id.org/govgate/mapping#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("eli", "http://data.europa.eu/eli/ontology#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("sssom", "https://w3id.org/sssom/"),
    ("sd", "http://www.w3.org/ns/sparql-service-description#"),
    ("void", "http://rdfs.org/ns/void#"),
];

/// The RDF formats a page or download is offered in, by extension.
const RDF_EXTENSIONS: &[&str] = &["ttl", "jsonld", "rdf", "nt"];

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/.well-known/void", web::get().to(void))
        .route("/download", web::get().to(downloads))
        .route("/download/ontology.{ext}", web::get().to(download_ontology))
        .route("/download/mappings/{file}", web::get().to(download_mapping_set));
}

/// A graph in an RDF syntax, with the usual prefixes.
pub fn serialize(graph: &Graph, format: RdfFormat) -> Result<Vec<u8>, SparqlError> {
    let error = |e: std::io::Error| SparqlError::Evaluation(e.to_string());
    let mut serializer = RdfSerializer::from_format(format);
    for (prefix, iri) in PREFIXES {
        serializer = serializer.with_prefix(*prefix, *iri).map_err(|e| SparqlError::Evaluation(e.to_string()))?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    for triple in graph.iter() {
        writer.serialize_triple(triple).map_err(error)?;
    }
    writer.finish().map_err(error)
}

/// What a request asks for: a page, or RDF in a format.
enum Wanted {
    Html,
    Rdf(RdfFormat),
}

fn wanted(request: &HttpRequest) -> Result<Wanted, ApiError> {
    let format = web::Query::<std::collections::HashMap<String, String>>::from_query(request.query_string())
        .ok()
        .and_then(|q| q.get("format").cloned());
    if let Some(format) = format {
        return match format.as_str() {
            "html" => Ok(Wanted::Html),
            other => RdfFormat::from_extension(other).map(Wanted::Rdf).ok_or_else(|| {
                ApiError::NotAcceptable(format!("`format={other}`: ask for html, ttl, jsonld, rdf or nt"))
            }),
        };
    }
    let offered = ["text/html", "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"];
    let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok());
    match sparql::negotiate_media(accept, &offered) {
        Some(0) => Ok(Wanted::Html),
        Some(index) => Ok(Wanted::Rdf(RdfFormat::from_media_type(offered[index]).unwrap_or(RdfFormat::Turtle))),
        None => Err(ApiError::NotAcceptable("pages are HTML, Turtle, JSON-LD, RDF/XML or N-Triples".to_owned())),
    }
}

fn public_graphs(state: &AppState) -> Result<Vec<NamedNode>, ApiError> {
    state.gateway.store.public_graphs(&state.gateway.config.sparql.public_graph_prefixes).map_err(ApiError::internal)
}

/// Dereferences any other GET: the IRI `https://w3id.org/govgate<path>`.
pub async fn dereference(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let path = request.path().to_owned();
    let wanted = wanted(&request)?;
    let store = state.gateway.store.clone();
    let graphs = public_graphs(&state)?;
    let page = web::block(move || publish::page(&store, &graphs, &path))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::NotFound(request.path().to_owned()))?;
    let response = match wanted {
        Wanted::Html => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(publish::html::render(&page)),
        Wanted::Rdf(format) => {
            let body = serialize(&page.graph, format).map_err(ApiError::internal)?;
            HttpResponse::Ok().content_type(format.media_type()).body(body)
        }
    };
    Ok(with_vary(response))
}

fn with_vary(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept"));
    response
}

/// The VoID description of the public dataset.
async fn void(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let format = match wanted(&request)? {
        Wanted::Rdf(format) => format,
        Wanted::Html => RdfFormat::Turtle, // VoID has no page of its own
    };
    let base = {
        let info = request.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let store = state.gateway.store.clone();
    let graphs = public_graphs(&state)?;
    let body = web::block(move || -> Result<Vec<u8>, SparqlError> {
        let graph = sparql::describe::void(&store, &base, &graphs)?;
        serialize(&graph, format)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(format.media_type()).body(body))
}

/// The list of downloads.
async fn downloads(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let sets: Vec<String> = state
        .gateway
        .content
        .files("mappings/crosswalks/", ".sssom.tsv")
        .filter_map(|f| f.path.rsplit('/').next()?.strip_suffix(".sssom.tsv").map(str::to_owned))
        .collect();
    let body = maud::html! {
        (maud::DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Downloads · govgate" } }
            body {
                h1 { "Downloads, release " (ONTOLOGY_RELEASE) }
                p { "The ontology release (every module, the shapes and the hub) and each crosswalk mapping set. Licence CC BY 4.0." }
                h2 { "Ontology" }
                ul { @for ext in RDF_EXTENSIONS { li { a href=(format!("/download/ontology.{ext}")) { "ontology." (ext) } } } }
                h2 { "Crosswalks (" (sets.len()) ")" }
                ul { @for set in &sets { li {
                    a href=(format!("/mappings/{set}")) { (set) } ": "
                    a href=(format!("/download/mappings/{set}.sssom.tsv")) { "SSSOM TSV" }
                    @for ext in RDF_EXTENSIONS { ", " a href=(format!("/download/mappings/{set}.{ext}")) { (ext) } }
                } } }
            }
        }
    };
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body.into_string()))
}

fn extension_format(ext: &str) -> Result<RdfFormat, ApiError> {
    RDF_EXTENSIONS
        .contains(&ext)
        .then(|| RdfFormat::from_extension(ext))
        .flatten()
        .ok_or_else(|| ApiError::NotFound(format!("no download in `.{ext}`: ttl, jsonld, rdf, nt")))
}

async fn download_graph(
    state: &AppState,
    graph: NamedNode,
    format: RdfFormat,
    file: String,
) -> Result<HttpResponse, ApiError> {
    let store = state.gateway.store.clone();
    let body = web::block(move || -> Result<Option<Vec<u8>>, SparqlError> {
        if !store.oxigraph().contains_named_graph(&graph).map_err(|e| SparqlError::Evaluation(e.to_string()))? {
            return Ok(None);
        }
        let mut triples = Graph::new();
        for quad in store.oxigraph().quads_for_pattern(None, None, None, Some(GraphNameRef::from(&graph))) {
            let quad = quad.map_err(|e| SparqlError::Evaluation(e.to_string()))?;
            triples.insert(&oxigraph::model::Triple::new(quad.subject, quad.predicate, quad.object));
        }
        serialize(&triples, format).map(Some)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?
    .ok_or_else(|| ApiError::NotFound(file.clone()))?;
    Ok(HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
        .body(body))
}

async fn download_ontology(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ext = path.into_inner();
    let format = extension_format(&ext)?;
    let graph = GraphKind::Ontology { release: ONTOLOGY_RELEASE.to_owned() }.iri();
    download_graph(&state, graph, format, format!("govgate-{ONTOLOGY_RELEASE}.{ext}")).await
}

async fn download_mapping_set(path: web::Path<String>, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let file = path.into_inner();
    if let Some(set) = file.strip_suffix(".sssom.tsv") {
        let source = state
            .gateway
            .content
            .get(&format!("mappings/crosswalks/{set}.sssom.tsv"))
            .ok_or_else(|| ApiError::NotFound(format!("/download/mappings/{file}")))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/tab-separated-values; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")))
            .body(source.bytes.to_vec()));
    }
    let (set, ext) = file.rsplit_once('.').ok_or_else(|| ApiError::NotFound(format!("/download/mappings/{file}")))?;
    let format = extension_format(ext)?;
    // The set's graph, whatever version is loaded.
    let graph = public_graphs(&state)?
        .into_iter()
        .find(|g| matches!(GraphKind::parse(g.as_ref()), Some(GraphKind::MappingSet { set: s, .. }) if s == set))
        .ok_or_else(|| ApiError::NotFound(format!("/download/mappings/{file}")))?;
    download_graph(&state, graph, format, file.clone()).await
}
