//! The gateway process over a real socket: health, readiness, metrics, OpenAPI, problem
//! documents and graceful shutdown.

mod common;

use std::time::Duration;

use common::{spawn_app, spawn_app_with};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn health_and_readiness_answer_with_the_loaded_release() {
    let app = spawn_app().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");

    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["ontology_release"], govgate::content::ONTOLOGY_RELEASE);
    assert!(body["ontology_quads"].as_u64().unwrap() > 0, "{body}");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.client.get(app.url("/healthz")).send().await.unwrap();
    }
    app.client.get(app.url("/no/such/thing")).send().await.unwrap();
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"govgate_http_requests_total{method="GET",route="/healthz",status="200"} 3"#), "{text}");
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(text.contains("govgate_http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("process_resident_memory_bytes"), "{text}");
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_the_routes() {
    let app = spawn_app().await;
    let doc: Value = app.client.get(app.url("/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    for path in ["/healthz", "/readyz", "/metrics", "/v1/openapi.json"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"].get("Problem").is_some());
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_document_naming_the_path() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/v1/nothing-here")).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    assert_eq!(response.headers()["x-request-id"], "abc-123");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["title"], "Not Found");
    assert_eq!(problem["detail"], "no resource at `/v1/nothing-here`");
    assert_eq!(problem["request_id"], "abc-123");
    assert!(problem["type"].as_str().unwrap().starts_with("https://w3id.org/govgate/problems/"));
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_before_it_is_read() {
    let app = spawn_app_with(|c| c.http.body_limit_bytes = 1024).await;
    let response = app.client.post(app.url("/healthz")).body(vec![b'x'; 4096]).send().await.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["detail"], "request body is larger than the limit of 1024 bytes");
}

#[tokio::test]
async fn a_wrong_method_is_a_problem_document_too() {
    let app = spawn_app().await;
    let response = app.client.delete(app.url("/readyz")).send().await.unwrap();
    assert!(response.status().is_client_error());
    assert_eq!(response.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_request_in_flight() {
    let app = spawn_app().await;
    // A query whose body is still arriving is in flight when the stop comes.
    let query = b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }";
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /sparql HTTP/1.1\r\nHost: test\r\nContent-Type: application/sparql-query\r\n\
         Accept: text/csv\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        query.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&query[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let handle = app.handle.clone();
    let stopping = tokio::spawn(async move { handle.stop(true).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "the stop waits for the request in flight");

    stream.write_all(&query[10..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\r\n\r\nn\r\n"), "a CSV count: {response}");
    tokio::time::timeout(Duration::from_secs(10), stopping).await.expect("stop completes").unwrap();
    app.server.await.unwrap().unwrap();
}
