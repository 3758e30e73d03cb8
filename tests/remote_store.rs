//! govgate against a remote store reached only through the SPARQL 1.1 Protocol: `oxigraph
//! serve` 0.5.13 from PyPI (`scripts/pyenv`), on RocksDB, started by each test on a free
//! loopback port. Loaders that start together write the release once; the lease that
//! orders them admits one holder at a time.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use govgate::content::Content;
use govgate::startup::release_sources;
use govgate::store::lease::{Lease, LeaseError};
use govgate::store::load::LoadAction;
use govgate::store::push::push;
use govgate::store::remote::{RemoteConfig, RemoteStore};
use oxigraph::model::Term;

/// An `oxigraph serve` process, killed on drop.
struct OxigraphServer {
    child: Child,
    endpoint: String,
    _data: tempfile::TempDir,
}

impl Drop for OxigraphServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn oxigraph_binary() -> PathBuf {
    let root = env!("CARGO_MANIFEST_DIR");
    let output = Command::new(format!("{root}/scripts/pyenv")).output().expect("scripts/pyenv runs");
    assert!(output.status.success(), "scripts/pyenv failed: {}", String::from_utf8_lossy(&output.stderr));
    PathBuf::from(String::from_utf8(output.stdout).unwrap().trim()).join("bin/oxigraph")
}

async fn start_oxigraph() -> OxigraphServer {
    let data = tempfile::tempdir().unwrap();
    // oxigraph serve cannot report a port it picked; take a free one and hand it over.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(oxigraph_binary())
        .args(["serve", "--location"])
        .arg(data.path())
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("oxigraph serve starts");
    let server = OxigraphServer { child, endpoint: format!("http://127.0.0.1:{port}"), _data: data };
    let store = remote(&server);
    let deadline = Instant::now() + Duration::from_secs(60);
    while store.ask("ASK {}").await.is_err() {
        assert!(Instant::now() < deadline, "oxigraph serve did not answer on port {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

fn remote(server: &OxigraphServer) -> RemoteStore {
    RemoteStore::new(RemoteConfig {
        query_url: format!("{}/query", server.endpoint),
        update_url: format!("{}/update", server.endpoint),
        read_retries: 0,
        ..RemoteConfig::new("")
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_loaders_starting_together_write_the_release_once() {
    let server = start_oxigraph().await;
    let content = Content::bundled();
    let sources = release_sources(&content).unwrap();
    let (a, b) = (remote(&server), remote(&server));
    let wait = Duration::from_secs(300);
    let (first, second) = tokio::join!(push(&a, &sources, "replica-a", wait), push(&b, &sources, "replica-b", wait));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.len(), sources.len());
    for ((kind, x), (_, y)) in first.iter().zip(&second) {
        let loaded = [x, y].iter().filter(|action| matches!(action, LoadAction::Loaded { .. })).count();
        assert_eq!(loaded, 1, "{kind:?} was written by {loaded} loaders: {x:?} / {y:?}");
    }

    // Every graph is there with its digest, and nothing else of ours.
    let store = remote(&server);
    let graphs = store
        .select("SELECT ?g (COUNT(?d) AS ?n) WHERE { GRAPH ?g { ?g <https://w3id.org/govgate/core#contentDigest> ?d } } GROUP BY ?g")
        .await
        .unwrap();
    assert_eq!(graphs.len(), sources.len());
    assert!(graphs.iter().all(|s| matches!(s.get("n"), Some(Term::Literal(l)) if l.value() == "1")));
    let claims = store.ask("ASK { GRAPH <https://w3id.org/govgate/graph/coordination> { ?s ?p ?o } }").await.unwrap();
    assert!(!claims, "the loaders gave their lease back");
    let classes =
        store.ask("ASK { GRAPH ?g { <https://w3id.org/govgate/core#PersonalInformation> ?p ?o } }").await.unwrap();
    assert!(classes, "the ontology is queryable in the remote store");

    // A later loader finds everything in place.
    let again = push(&store, &sources, "replica-c", wait).await.unwrap();
    assert!(again.iter().all(|(_, action)| *action == LoadAction::Unchanged), "{again:?}");
}

/// Reads a counter, then writes it plus one: without mutual exclusion, concurrent
/// increments are lost.
async fn increment(store: &RemoteStore) {
    let solutions = store.select("SELECT ?n WHERE { <urn:test:counter> <urn:test:value> ?n }").await.unwrap();
    let n: u64 = match solutions.first().and_then(|s| s.get("n")) {
        Some(Term::Literal(l)) => l.value().parse().unwrap(),
        _ => 0,
    };
    store
        .update(&format!(
            "DELETE WHERE {{ <urn:test:counter> <urn:test:value> ?n }} ;\nINSERT DATA {{ <urn:test:counter> <urn:test:value> {} }}",
            n + 1
        ))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_lease_admits_one_holder_at_a_time() {
    let server = start_oxigraph().await;
    let mut tasks = Vec::new();
    for replica in 0..4 {
        let store = remote(&server);
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 {
                let lease = Lease::acquire(
                    &store,
                    "counter",
                    &format!("replica-{replica}"),
                    Duration::from_secs(60),
                    Duration::from_secs(120),
                )
                .await
                .unwrap();
                increment(&store).await;
                lease.release(&store).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let store = remote(&server);
    let total = store.select("SELECT ?n WHERE { <urn:test:counter> <urn:test:value> ?n }").await.unwrap();
    assert_eq!(total.len(), 1);
    assert!(matches!(total[0].get("n"), Some(Term::Literal(l)) if l.value() == "40"), "{total:?}");

    // While one replica holds the lease, another gives up after its wait, naming the holder;
    // a claim past its time to live no longer counts.
    let held = Lease::acquire(&store, "busy", "replica-a", Duration::from_secs(60), Duration::ZERO).await.unwrap();
    let refused = Lease::acquire(&store, "busy", "replica-b", Duration::from_secs(60), Duration::ZERO).await;
    match refused {
        Err(LeaseError::Busy { holders, .. }) => assert!(holders.contains("replica-a"), "{holders}"),
        other => panic!("expected Busy, got {other:?}"),
    }
    held.release(&store).await.unwrap();
    let _abandoned =
        Lease::acquire(&store, "expiring", "replica-a", Duration::from_millis(1), Duration::ZERO).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    Lease::acquire(&store, "expiring", "replica-b", Duration::from_secs(60), Duration::ZERO)
        .await
        .expect("an expired claim does not block");
}

#[tokio::test]
async fn govgate_push_loads_the_release_and_says_what_it_did() {
    let server = start_oxigraph().await;
    let (query, update) = (format!("{}/query", server.endpoint), format!("{}/update", server.endpoint));
    let run = move || {
        let output = Command::new(env!("CARGO_BIN_EXE_govgate"))
            .args(["push", "--query-url", &query, "--update-url", &update, "--holder", "cli"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let first = tokio::task::spawn_blocking(run.clone()).await.unwrap();
    assert!(first.lines().next().is_some_and(|l| l.contains("/graph/ontology/") && l.contains("loaded")), "{first}");
    let second = tokio::task::spawn_blocking(run).await.unwrap();
    assert!(second.lines().all(|l| l.ends_with("\tunchanged")), "{second}");

    let refused = Command::new(env!("CARGO_BIN_EXE_govgate"))
        .args(["push", "--query-url", "http://127.0.0.1:9/query", "--update-url", "http://127.0.0.1:9/update"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("127.0.0.1:9"), "the error names the store");
}
