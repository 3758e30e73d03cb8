//! Linked-data publishing: govgate IRIs resolve to HTML for people and RDF for machines,
//! the release and the crosswalks download in every format, the dataset describes itself,
//! and nothing private shows.

mod common;

use common::spawn_app;
use oxigraph::io::{RdfFormat, RdfParser};
use reqwest::StatusCode;

async fn get(app: &common::TestApp, path: &str, accept: &str) -> (StatusCode, String, String) {
    let response = app.client.get(app.url(path)).header("Accept", accept).send().await.unwrap();
    let status = response.status();
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

fn triples(body: &str, format: RdfFormat) -> Vec<oxigraph::model::Quad> {
    RdfParser::from_format(format).for_slice(body.as_bytes()).collect::<Result<_, _>>().expect("the body parses")
}

#[tokio::test]
async fn a_hash_namespace_resolves_to_a_page_of_its_terms_in_english_and_chinese() {
    let app = spawn_app().await;
    let (status, content_type, html) = get(&app, "/core", "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    assert!(html.contains(r#"id="PersonalInformation""#), "each term has its anchor");
    assert!(html.contains("personal information") && html.contains("个人信息"), "labels in English and Chinese");
}

#[tokio::test]
async fn a_provision_page_shows_its_citation_date_and_the_duties_derived_from_it() {
    let app = spawn_app().await;
    let (status, _, html) = get(&app, "/eli/eu/ai-act/art_50/par_2", "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("AI Act Art. 50(2)"), "citation");
    assert!(html.contains("2026-08-02"), "date of application");
    assert!(html.contains(r#"href="/j/eu/ai-act#MarkSyntheticContent""#), "derived duty, linked locally");
}

#[tokio::test]
async fn a_term_page_lists_crosswalk_rows_with_relation_and_confidence() {
    let app = spawn_app().await;
    let (_, _, html) = get(&app, "/j/eu/ai-act", "text/html").await;
    let section = html.split(r#"id="ProhibitCrimePredictionByProfiling""#).nth(1).expect("the term's section");
    let section = section.split("<section").next().unwrap();
    assert!(section.contains("Crosswalk rows from this term"), "{}", &section[..section.len().min(2000)]);
    assert!(section.contains("/mappings/eu-ai-act--cn-deep-synthesis#eu-ai-act--cn-deep-synthesis-37"));
    assert!(section.contains("0.8") || section.contains("0.9") || section.contains("0.7"), "a confidence is shown");
}

#[tokio::test]
async fn machines_get_rdf_by_content_negotiation_or_format_parameter() {
    let app = spawn_app().await;
    let (status, content_type, body) = get(&app, "/eli/eu/ai-act/art_50/par_2", "text/turtle").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/turtle");
    let quads = triples(&body, RdfFormat::Turtle);
    assert!(quads.iter().any(|q| q.predicate.as_str() == "https://w3id.org/govgate/core#citation"));
    let (_, content_type, body) = get(&app, "/core?format=nt", "text/html").await;
    assert_eq!(content_type, "application/n-triples");
    assert!(triples(&body, RdfFormat::NTriples).len() > 1000);
    let (status, _, _) = get(&app, "/core", "image/png").await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn the_release_and_each_crosswalk_download_in_every_format() {
    let app = spawn_app().await;
    for (ext, format) in [
        ("ttl", RdfFormat::Turtle),
        ("nt", RdfFormat::NTriples),
        ("rdf", RdfFormat::RdfXml),
        ("jsonld", RdfFormat::JsonLd { profile: oxigraph::io::JsonLdProfileSet::empty() }),
    ] {
        let (status, _, body) = get(&app, &format!("/download/ontology.{ext}"), "*/*").await;
        assert_eq!(status, StatusCode::OK, "ontology.{ext}");
        assert!(triples(&body, format).len() > 20_000, "ontology.{ext}");
        let (status, _, body) = get(&app, &format!("/download/mappings/eu-ai-act--cn-genai.{ext}"), "*/*").await;
        assert_eq!(status, StatusCode::OK, "mappings.{ext}");
        assert!(triples(&body, format).len() > 100, "mappings.{ext}");
    }
    let (_, content_type, tsv) = get(&app, "/download/mappings/eu-ai-act--cn-genai.sssom.tsv", "*/*").await;
    assert!(content_type.starts_with("text/tab-separated-values"));
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/crosswalks/eu-ai-act--cn-genai.sssom.tsv"),
    )
    .unwrap();
    assert_eq!(tsv, source, "the SSSOM file as published");
    let (status, _, index) = get(&app, "/download", "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(index.contains("/download/mappings/eu-ai-act--cn-genai.sssom.tsv"));
    assert_eq!(get(&app, "/download/ontology.exe", "*/*").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_dataset_describes_itself_in_void() {
    let app = spawn_app().await;
    let (status, _, body) = get(&app, "/.well-known/void", "text/turtle").await;
    assert_eq!(status, StatusCode::OK);
    let quads = triples(&body, RdfFormat::Turtle);
    let has = |p: &str| quads.iter().any(|q| q.predicate.as_str() == p);
    assert!(has("http://rdfs.org/ns/void#sparqlEndpoint") && has("http://rdfs.org/ns/void#triples"));
    assert!(has("http://purl.org/dc/terms/license"));
}

#[tokio::test]
async fn private_statements_never_show_on_a_page() {
    let app = spawn_app().await;
    let insert = "INSERT DATA { GRAPH <https://w3id.org/govgate/graph/document/d1> { \
        <https://w3id.org/govgate/j/eu/ai-act#SecretTerm> a <https://w3id.org/govgate/core#Obligation> ; \
          <http://www.w3.org/2004/02/skos/core#prefLabel> \"secret\"@en . \
        <https://w3id.org/govgate/eli/private/doc> <http://www.w3.org/2004/02/skos/core#prefLabel> \"private\"@en . \
        <https://w3id.org/govgate/core#PersonalInformation> <http://www.w3.org/2004/02/skos/core#altLabel> \"leaked\"@en } }";
    let status = app
        .client
        .post(app.admin_url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .body(insert)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, _, html) = get(&app, "/j/eu/ai-act", "text/html").await;
    assert!(!html.contains("SecretTerm"));
    let (_, _, html) = get(&app, "/core", "text/html").await;
    assert!(!html.contains("leaked"));
    let (_, _, turtle) = get(&app, "/core", "text/turtle").await;
    assert!(!turtle.contains("leaked"));
    assert_eq!(get(&app, "/eli/private/doc", "text/html").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_mapping_namespace_leads_to_each_set_and_its_rows() {
    let app = spawn_app().await;
    let (_, _, index) = get(&app, "/mapping", "text/html").await;
    assert!(index.contains(r#"href="/mappings/eu-ai-act--cn-genai""#));
    let (status, _, set) = get(&app, "/mappings/eu-ai-act--cn-genai", "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(set.contains(r#"id="eu-ai-act--cn-genai-40""#), "each row has its anchor");
    assert_eq!(get(&app, "/mappings/no-such-set", "text/html").await.0, StatusCode::NOT_FOUND);
}
