//! The query page for people (`/`, `/query`): a SPARQL editor with example queries, results
//! as a table and a label search. Static files, compiled in.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const PAGE: &str = include_str!("../../web/query.html");
const SCRIPT: &str = include_str!("../../web/query.js");
const STYLE: &str = include_str!("../../web/query.css");

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(page))
        .route("/query", web::get().to(page))
        .route("/web/query.js", web::get().to(|| file(SCRIPT, "text/javascript; charset=utf-8")))
        .route("/web/query.css", web::get().to(|| file(STYLE, "text/css; charset=utf-8")));
}

async fn page() -> HttpResponse {
    file(PAGE, "text/html; charset=utf-8").await
}

async fn file(body: &'static str, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        // The page talks only to its own origin.
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'self'; style-src 'self'; script-src 'self'"))
        .body(body)
}
