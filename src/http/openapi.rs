//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `/v1/openapi.json`, so it cannot drift from the code.

use actix_web::web;
use utoipa::OpenApi;

use super::problem::Problem;
use super::{assess, health, sparql, translate};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "govgate",
        description = "Cross-border AI-governance interoperability gateway. Errors are RFC 9457 \
                       problem documents (application/problem+json); every response carries an \
                       x-request-id header.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(health::healthz, health::readyz, health::metrics, openapi_json, sparql::query_get, sparql::query_post,
        translate::translate, translate::validate, translate::profiles, assess::assess_transfer, assess::classify,
        assess::sandbox_check),
    components(schemas(Problem, health::Health, health::Readiness, translate::TranslationBody, translate::ValidationBody, translate::ProfileSummary)),
    tags(
        (name = "operations", description = "Liveness, readiness, metrics and this document"),
        (name = "sparql", description = "SPARQL 1.1 Protocol over the public graphs: the ontology release and the crosswalks"),
        (name = "translation", description = "Documents between jurisdictions' formats, with gap reports and provenance"),
        (name = "decisions", description = "What applies: transfer mechanisms, AI rules, sandbox supervision, with the legal reasons")
    )
)]
pub struct ApiDoc;

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/v1/openapi.json", web::get().to(openapi_json));
}

#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> web::Json<utoipa::openapi::OpenApi> {
    web::Json(ApiDoc::openapi())
}
