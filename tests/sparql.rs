//! The SPARQL endpoints over HTTP: the public one sees only public graphs and refuses
//! updates; the admin one (its own listener, or mounted under `/admin`) updates and serves
//! the Graph Store Protocol; hostile queries get bounded, clear answers.

mod common;

use common::{spawn_app, spawn_app_with};
use govgate::config::Secret;
use reqwest::StatusCode;
use serde_json::Value;

const SYSTEM_GRAPH: &str = "https://w3id.org/govgate/graph/system";
const PRIVATE_GRAPH: &str = "https://w3id.org/govgate/graph/document/secret-report";

async fn select(app: &common::TestApp, url: &str, query: &str, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form: Vec<(&str, &str)> = vec![("query", query)];
    form.extend_from_slice(extra);
    let response =
        app.client.post(url).header("Accept", "application/sparql-results+json").form(&form).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn bindings(answer: &Value, variable: &str) -> Vec<String> {
    answer["results"]["bindings"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|row| row[variable]["value"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn admin_update(app: &common::TestApp, update: &str) -> StatusCode {
    app.client
        .post(app.admin_url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .body(update.to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_public_endpoint_answers_over_the_ontology_release() {
    let app = spawn_app().await;
    let (status, answer) = select(
        &app,
        &app.url("/sparql"),
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT (COUNT(*) AS ?n) WHERE { ?c a owl:Class }",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let classes: u64 = bindings(&answer, "n")[0].parse().unwrap();
    assert!(classes > 100, "the release declares its classes: {classes}");
}

#[tokio::test]
async fn a_private_graph_is_unreachable_through_every_query_form() {
    let app = spawn_app().await;
    // A public query first: the public view of the store is cached before the private
    // graph appears, and the admin write must retire it.
    let (status, _) = select(&app, &app.url("/sparql"), "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let insert = format!("INSERT DATA {{ GRAPH <{PRIVATE_GRAPH}> {{ <urn:x:secret> <urn:x:says> \"hidden\" }} }}");
    assert_eq!(admin_update(&app, &insert).await, StatusCode::NO_CONTENT);
    let public = app.url("/sparql");

    let (_, graphs) = select(&app, &public, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", &[]).await;
    let graphs = bindings(&graphs, "g");
    assert!(
        !graphs.is_empty() && graphs.iter().all(|g| g.contains("/graph/ontology/") || g.contains("/graph/mappings/")),
        "{graphs:?}"
    );

    let attempts = [
        ("SELECT ?o WHERE { ?s <urn:x:says> ?o }", vec![]),
        ("SELECT ?o WHERE { GRAPH ?g { ?s <urn:x:says> ?o } }", vec![]),
        (&*format!("SELECT ?o FROM <{PRIVATE_GRAPH}> WHERE {{ ?s <urn:x:says> ?o }}"), vec![]),
        (&*format!("SELECT ?o FROM NAMED <{PRIVATE_GRAPH}> WHERE {{ GRAPH ?g {{ ?s <urn:x:says> ?o }} }}"), vec![]),
        (&*format!("SELECT ?o WHERE {{ GRAPH <{PRIVATE_GRAPH}> {{ ?s <urn:x:says> ?o }} }}"), vec![]),
        ("SELECT ?o WHERE { ?s <urn:x:says> ?o }", vec![("default-graph-uri", PRIVATE_GRAPH)]),
        ("SELECT ?o WHERE { GRAPH ?g { ?s <urn:x:says> ?o } }", vec![("named-graph-uri", PRIVATE_GRAPH)]),
        (&*format!("SELECT ?p WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ ?s ?p ?o }} }}"), vec![]),
    ];
    for (query, extra) in &attempts {
        let (status, answer) = select(&app, &public, query, extra).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(answer["results"]["bindings"], serde_json::json!([]), "{query} {extra:?} leaked: {answer}");
    }

    // DESCRIBE and CONSTRUCT build graphs from the same narrowed dataset.
    let describe = app
        .client
        .get(&public)
        .query(&[("query", "DESCRIBE <urn:x:secret>")])
        .header("Accept", "application/n-triples")
        .send()
        .await
        .unwrap();
    assert_eq!(describe.status(), StatusCode::OK);
    assert_eq!(describe.text().await.unwrap().trim(), "");

    // The admin endpoint sees it.
    let (status, answer) =
        select(&app, &app.admin_url("/sparql"), "SELECT ?o WHERE { GRAPH ?g { ?s <urn:x:says> ?o } }", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bindings(&answer, "o"), ["hidden"]);
}

#[tokio::test]
async fn updates_are_refused_on_the_public_endpoint() {
    let app = spawn_app().await;
    let direct = app
        .client
        .post(app.url("/sparql"))
        .header("Content-Type", "application/sparql-update")
        .body("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }")
        .send()
        .await
        .unwrap();
    assert_eq!(direct.status(), StatusCode::FORBIDDEN);
    assert_eq!(direct.headers()["content-type"], "application/problem+json");
    let form = app.client.post(app.url("/sparql")).form(&[("update", "DROP ALL")]).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    let on_get = app.client.get(app.url("/sparql")).query(&[("update", "DROP ALL")]).send().await.unwrap();
    assert_eq!(on_get.status(), StatusCode::BAD_REQUEST);
    // Nothing was dropped.
    let (_, answer) = select(&app, &app.url("/sparql"), "ASK { ?s ?p ?o }", &[]).await;
    assert_eq!(answer["boolean"], true);
}

#[tokio::test]
async fn the_graph_store_protocol_puts_gets_and_deletes_a_graph() {
    let app = spawn_app().await;
    let graph = "http://example.org/reference/data";
    let store = app.admin_url("/store");
    let put = app
        .client
        .put(&store)
        .query(&[("graph", graph)])
        .header("Content-Type", "text/turtle")
        .body("<http://example.org/a> <http://example.org/b> \"c\" .")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    let post = app
        .client
        .post(&store)
        .query(&[("graph", graph)])
        .header("Content-Type", "application/n-triples")
        .body("<http://example.org/a> <http://example.org/b> \"d\" .\n")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NO_CONTENT);
    let get = app
        .client
        .get(&store)
        .query(&[("graph", graph)])
        .header("Accept", "application/n-triples")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), StatusCode::OK);
    let body = get.text().await.unwrap();
    assert_eq!(body.lines().count(), 2, "{body}");

    let bad = app
        .client
        .put(&store)
        .query(&[("graph", graph)])
        .header("Content-Type", "text/turtle")
        .body("<http://example.org/a> <http://example.org/b> .")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let problem: Value = bad.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("line 1"), "the error says where: {problem}");

    // A failed PUT lost nothing.
    let (_, answer) = select(
        &app,
        &app.admin_url("/sparql"),
        &format!("SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"),
        &[],
    )
    .await;
    assert_eq!(bindings(&answer, "n"), ["2"]);

    let delete = app.client.delete(&store).query(&[("graph", graph)]).send().await.unwrap();
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let gone = app.client.get(&store).query(&[("graph", graph)]).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    // The public listener has no Graph Store Protocol unless the admin routes are mounted.
    let public = app.client.get(app.url("/admin/store")).query(&[("graph", graph)]).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_token_guards_the_admin_routes_mounted_on_the_public_listener() {
    let app = spawn_app_with(|config| {
        config.admin.enabled = true;
        config.admin.mount_on_public = true;
        config.admin.token = Some(Secret::new("s3cret"));
    })
    .await;
    let update = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }";
    let send = |token: Option<&'static str>| {
        let mut request =
            app.client.post(app.url("/admin/sparql")).header("Content-Type", "application/sparql-update").body(update);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(send(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(send(Some("wrong")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(send(Some("s3cret")).await.unwrap().status(), StatusCode::NO_CONTENT);
    let own_listener = app.client.get(app.admin_url("/store")).query(&[("graph", "urn:x:g")]).send().await.unwrap();
    assert_eq!(own_listener.status(), StatusCode::UNAUTHORIZED, "the admin listener wants the token too");
}

#[tokio::test]
async fn without_a_query_the_endpoint_describes_itself() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/sparql")).header("Accept", "text/turtle").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/turtle"));
    let body = response.text().await.unwrap();
    assert!(body.contains("sd:Service"), "{body}");
    assert!(
        !body.contains("UpdateOperation") && !body.contains(SYSTEM_GRAPH),
        "the public description hides updates and private graphs"
    );
}

#[tokio::test]
async fn hostile_queries_get_bounded_clear_answers() {
    let app = spawn_app_with(|config| {
        config.sparql.max_results = 50;
        config.sparql.timeout_secs = 1;
        config.sparql.max_timeout_secs = 1;
        config.sparql.max_concurrent = 1;
    })
    .await;
    let public = app.url("/sparql");
    let cases: Vec<(String, StatusCode, &str)> = vec![
        ("SELECT * WHERE { ?s ?p }".to_owned(), StatusCode::BAD_REQUEST, "1:25"),
        ("SELECT * WHERE { ?s ?p ?o }".to_owned(), StatusCode::UNPROCESSABLE_ENTITY, "50"),
        (
            "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }".to_owned(),
            StatusCode::BAD_REQUEST,
            "SERVICE",
        ),
        // A cartesian product of two parts: stopped at its time limit.
        (
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }".to_owned(),
            StatusCode::SERVICE_UNAVAILABLE,
            "time limit",
        ),
        // Three parts could not be stopped: refused before evaluation.
        (
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cartesian product",
        ),
        (format!("SELECT * WHERE {{ {} }}", "{ ".repeat(20_000)), StatusCode::PAYLOAD_TOO_LARGE, "limit"),
    ];
    for (query, expected, says) in cases {
        let response = app
            .client
            .post(&public)
            .header("Content-Type", "application/sparql-query")
            .header("Accept", "application/sparql-results+json")
            .body(query.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let problem: Value = response.json().await.unwrap();
        let head: String = query.chars().take(60).collect();
        assert_eq!(status, expected, "{head}: {problem}");
        assert!(problem["detail"].as_str().unwrap_or("").contains(says), "{head}: {problem}");
    }
    let long = "x".repeat(50_000); // over 3 × 16 KiB, under the client's URI ceiling
    let too_long = app.client.get(&public).query(&[("query", &long)]).send().await.unwrap();
    assert_eq!(too_long.status(), StatusCode::URI_TOO_LONG);
    // The server is still there, and the one evaluation slot is free again: the stopped
    // query released its thread.
    let (status, _) = select(&app, &public, "ASK { ?s ?p ?o }", &[]).await;
    assert_eq!(status, StatusCode::OK);
}

async fn quick_fallbacks(app: &common::TestApp) -> u64 {
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let value = metrics.lines().find_map(|l| l.strip_prefix("govgate_sparql_quick_fallbacks_total "));
    value.and_then(|v| v.trim().parse().ok()).expect("the fallback counter is exported")
}

#[tokio::test]
async fn a_lookup_that_outruns_its_budget_is_answered_from_the_pool() {
    let app = spawn_app_with(|config| {
        config.sparql.public_graph_prefixes = vec!["urn:test:".to_owned()];
        config.sparql.max_results = 10_000;
    })
    .await;
    // One subject with 1,000 values: two patterns on it, sharing no variable, make a
    // million pairs, although the query has the shape of a lookup.
    let values: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    let insert = format!("INSERT DATA {{ GRAPH <urn:test:big> {{ <urn:s> <urn:p> {} }} }}", values.join(", "));
    assert_eq!(admin_update(&app, &insert).await, StatusCode::NO_CONTENT);
    let public = app.url("/sparql");

    // A real lookup is answered, on the worker or (when the machine is busy) on the pool.
    let (status, answer) = select(&app, &public, "SELECT ?o WHERE { <urn:s> <urn:p> ?o FILTER(?o = 42) }", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bindings(&answer, "o"), ["42"]);
    let before = quick_fallbacks(&app).await;

    // Far past the 2 ms budget, well within the 10 s time limit: answered from the pool.
    let pairs = "SELECT ?a WHERE { <urn:s> ?p ?a . <urn:s> ?q ?b FILTER(?a = ?b + 1) }";
    let (status, answer) = select(&app, &public, pairs, &[]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(bindings(&answer, "a").len(), 999);
    assert_eq!(quick_fallbacks(&app).await, before + 1, "the long evaluation was moved off the worker");
}

/// A query that runs far longer than the test waits for it, unless it is cancelled.
const SLOW: &str = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }";

#[tokio::test]
async fn a_client_that_goes_away_cancels_its_query() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(|config| {
        config.sparql.timeout_secs = 120;
        config.sparql.max_timeout_secs = 120;
        config.sparql.max_concurrent = 1;
    })
    .await;
    let body = format!("query={}", form_urlencoded::byte_serialize(SLOW.as_bytes()).collect::<String>());
    let mut socket = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let request = format!(
        "POST /sparql HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    drop(socket);
    // With one evaluation slot, this answers only once the abandoned query has stopped.
    let answered = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        select(&app, &app.url("/sparql"), "ASK { ?s ?p ?o }", &[]),
    )
    .await;
    assert!(matches!(answered, Ok((StatusCode::OK, _))), "the abandoned query still holds its slot");
}

#[tokio::test]
async fn a_thousand_concurrent_requests_are_all_answered_within_bounded_memory() {
    let app = spawn_app_with(|config| {
        config.sparql.max_concurrent = 2;
        config.http.workers = 2;
    })
    .await;
    let before = resident_kib();
    let query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } LIMIT 200";
    let requests = (0..1000).map(|_| {
        let client = app.client.clone();
        let url = app.url("/sparql");
        tokio::spawn(async move {
            client
                .post(url)
                .header("Accept", "application/sparql-results+json")
                .form(&[("query", query)])
                .send()
                .await
                .map(|r| r.status())
        })
    });
    let statuses = futures_util::future::join_all(requests).await;
    let ok = statuses.iter().filter(|s| matches!(s, Ok(Ok(StatusCode::OK)))).count();
    assert_eq!(ok, 1000, "every request answered: {ok}");
    let grown_mib = resident_kib().saturating_sub(before) / 1024;
    assert!(grown_mib < 512, "resident memory grew by {grown_mib} MiB");
    app.stop().await;
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
