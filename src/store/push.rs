//! Loading release content into a remote store, one loader at a time.
//!
//! The same versioned rule as the embedded store ([`super::load`]): each graph records the
//! digest of its files, an unchanged graph is left alone, and a changed one replaces every
//! graph of its slot. Here each replacement is one SPARQL Update request (`DROP` the old
//! graphs, `INSERT DATA` the new one), which the store applies as one transaction, so
//! readers never see a half-written graph. Loaders that start together take turns through
//! a [`Lease`]; the second finds the digests written by the first and writes nothing.

use std::fmt::Write as _;
use std::time::Duration;

use oxigraph::model::{NamedNode, Term};

use super::lease::{Lease, LeaseError};
use super::load::{CONTENT_DIGEST, GraphSource, LoadAction, digest_quad};
use super::remote::{RemoteError, RemoteStore};
use super::{GraphKind, StoreError};

/// The lease every loader of release content takes.
const LOAD_LEASE: &str = "release-load";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    #[error(transparent)]
    Lease(#[from] LeaseError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Content(#[from] StoreError),
}

/// Brings the remote store's graphs in line with `sources`, as `holder` (a replica's name);
/// waits up to `wait` for another loader. Returns what was done to each graph, in order.
pub async fn push(
    store: &RemoteStore,
    sources: &[GraphSource<'_>],
    holder: &str,
    wait: Duration,
) -> Result<Vec<(GraphKind, LoadAction)>, PushError> {
    // Long enough for a slow store to take the whole release; a dead loader blocks no longer.
    let ttl = Duration::from_secs(600);
    let lease = Lease::acquire(store, LOAD_LEASE, holder, ttl, wait).await?;
    let result = sync(store, sources).await;
    let released = lease.release(store).await;
    let actions = result?;
    released?;
    Ok(actions)
}

async fn sync(store: &RemoteStore, sources: &[GraphSource<'_>]) -> Result<Vec<(GraphKind, LoadAction)>, PushError> {
    let existing = graphs(store).await?;
    let mut actions = Vec::with_capacity(sources.len());
    for source in sources {
        let digest = source.digest();
        let target = source.kind.iri();
        if recorded_digest(store, &target).await?.as_deref() == Some(digest.as_str()) {
            actions.push((source.kind.clone(), LoadAction::Unchanged));
            continue;
        }
        let quads = source.parse()?;
        let mut update = String::new();
        for (iri, kind) in &existing {
            if source.kind.same_slot(kind) && *iri != target {
                let _ = writeln!(update, "DROP SILENT GRAPH {iri} ;");
            }
        }
        let _ = writeln!(update, "DROP SILENT GRAPH {target} ;\nINSERT DATA {{ GRAPH {target} {{");
        for quad in quads.iter().chain([&digest_quad(&target, &digest)]) {
            let _ = writeln!(update, "{} {} {} .", quad.subject, quad.predicate, quad.object);
        }
        update.push_str("} }\n");
        store.update(&update).await?;
        actions.push((source.kind.clone(), LoadAction::Loaded { quads: quads.len() }));
    }
    Ok(actions)
}

/// The graphs govgate named in the remote store.
async fn graphs(store: &RemoteStore) -> Result<Vec<(NamedNode, GraphKind)>, RemoteError> {
    let solutions = store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").await?;
    Ok(solutions
        .iter()
        .filter_map(|s| match s.get("g") {
            Some(Term::NamedNode(iri)) => GraphKind::parse(iri.as_ref()).map(|kind| (iri.clone(), kind)),
            _ => None,
        })
        .collect())
}

async fn recorded_digest(store: &RemoteStore, graph: &NamedNode) -> Result<Option<String>, RemoteError> {
    let query = format!("SELECT ?d WHERE {{ GRAPH {graph} {{ {graph} <{}> ?d }} }}", CONTENT_DIGEST.as_str());
    let solutions = store.select(&query).await?;
    Ok(solutions.iter().find_map(|s| match s.get("d") {
        Some(Term::Literal(literal)) => Some(literal.value().to_owned()),
        _ => None,
    }))
}
