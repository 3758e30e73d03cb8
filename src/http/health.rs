//! Liveness, readiness and metrics: what an orchestrator and a monitoring system poll.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::problem::ApiError;
use crate::content::ONTOLOGY_RELEASE;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

/// The process is alive.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// The gateway can serve: its store is open and holds the ontology release.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// Always `ready`.
    pub status: &'static str,
    /// The ontology release loaded in the store.
    pub ontology_release: &'static str,
    /// Quads in the ontology release graph.
    pub ontology_quads: usize,
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health)))]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "The store is open and the ontology loaded", body = Readiness),
    (status = 503, description = "Not ready", body = super::problem::Problem, content_type = "application/problem+json")))]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Readiness>, ApiError> {
    let gateway = state.gateway.clone();
    let quads = web::block(move || gateway.store.graph_len(&gateway.ontology_graph()))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::NotReady(format!("store unavailable: {e}")))?;
    if quads == 0 {
        return Err(ApiError::NotReady(format!("ontology release {ONTOLOGY_RELEASE} is not loaded")));
    }
    Ok(web::Json(Readiness { status: "ready", ontology_release: ONTOLOGY_RELEASE, ontology_quads: quads }))
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render())
}
