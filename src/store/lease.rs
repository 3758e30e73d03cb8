//! Mutual exclusion between replicas that share a remote store, built from plain SPARQL
//! 1.1 Update and queries: no lock service, and no compare-and-set in the store.
//!
//! Oxigraph 0.5 (like several commercial stores in their default mode) applies each update
//! atomically under repeatable read, but two concurrent `INSERT … WHERE { FILTER NOT
//! EXISTS … }` can both see "not exists" and both write. So a lease is taken in two steps:
//!
//! 1. the contender inserts its own claim (`INSERT DATA`), with an expiry;
//! 2. it then reads every live claim on the lease: if its own is the only one, it holds
//!    the lease; otherwise it withdraws its claim, waits a random moment and tries again.
//!
//! Safety needs only that each request is atomic and that a read sees every update
//! committed before it started (true of a single store or a cluster with one primary;
//! not of replicas that lag). If two contenders both held the lease, each would have read
//! before the other's claim was committed; but each wrote its own claim before reading, so
//! the later read of the two sees the earlier claim. At worst both see each other and both
//! withdraw; the random wait then separates them.
//!
//! A claim expires after its time to live, so a replica that dies holding a lease blocks
//! the others for at most that long; live claims are never renewed, so the holder must
//! finish within it.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::GraphKind;
use super::remote::{RemoteError, RemoteStore};

const GG: &str = "https://w3id.org/govgate/core#";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    #[error("the lease `{name}` is still held by {holders} after waiting {waited:?}")]
    Busy { name: String, holders: String, waited: Duration },
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

/// A lease held in a remote store; give it back with [`Lease::release`].
#[derive(Debug)]
pub struct Lease {
    claim: String,
    name: String,
}

impl Lease {
    /// Takes the lease `name` for `holder` (a replica's id, for people reading the store),
    /// waiting up to `wait` for other holders to finish.
    pub async fn acquire(
        store: &RemoteStore,
        name: &str,
        holder: &str,
        ttl: Duration,
        wait: Duration,
    ) -> Result<Self, LeaseError> {
        let lease = lease_iri(name);
        let graph = GraphKind::Coordination.iri();
        let started = Instant::now();
        loop {
            let claim = format!("urn:uuid:{}", uuid::Uuid::new_v4());
            let now = OffsetDateTime::now_utc();
            let expires = now + ttl;
            // Expired claims go first, in the same request as the new claim.
            store
                .update(&format!(
                    "DELETE {{ GRAPH {graph} {{ ?c ?p ?o }} }} WHERE {{ GRAPH {graph} {{ ?c <{GG}leaseOf> <{lease}> ; <{GG}expires> ?e ; ?p ?o FILTER(?e < {}) }} }};\n\
                     INSERT DATA {{ GRAPH {graph} {{ <{claim}> <{GG}leaseOf> <{lease}> ; <{GG}holder> {} ; <{GG}expires> {} }} }}",
                    date_time(now),
                    string_literal(holder),
                    date_time(expires),
                ))
                .await?;
            let live = store
                .select(&format!(
                    "SELECT ?c ?h WHERE {{ GRAPH {graph} {{ ?c <{GG}leaseOf> <{lease}> ; <{GG}holder> ?h ; <{GG}expires> ?e FILTER(?e >= {}) }} }}",
                    date_time(now)
                ))
                .await?;
            let others: Vec<String> = live
                .iter()
                .filter(|s| s.get("c").is_some_and(|c| c.to_string() != format!("<{claim}>")))
                .filter_map(|s| s.get("h").map(|h| h.to_string()))
                .collect();
            if others.is_empty() {
                return Ok(Self { claim, name: name.to_owned() });
            }
            withdraw(store, &claim).await?;
            if started.elapsed() >= wait {
                return Err(LeaseError::Busy {
                    name: name.to_owned(),
                    holders: others.join(", "),
                    waited: started.elapsed(),
                });
            }
            let pause = 20 + u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 2;
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
    }

    /// The lease's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Gives the lease back.
    pub async fn release(self, store: &RemoteStore) -> Result<(), RemoteError> {
        withdraw(store, &self.claim).await
    }
}

async fn withdraw(store: &RemoteStore, claim: &str) -> Result<(), RemoteError> {
    let graph = GraphKind::Coordination.iri();
    store.update(&format!("DELETE WHERE {{ GRAPH {graph} {{ <{claim}> ?p ?o }} }}")).await
}

fn lease_iri(name: &str) -> String {
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("https://w3id.org/govgate/lease/{safe}")
}

/// An `xsd:dateTime` literal in UTC, written field by field (RFC 3339 formatting can fail
/// for years past 9999; this cannot).
fn date_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime>",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.nanosecond()
    )
}

fn string_literal(value: &str) -> String {
    oxigraph::model::Literal::new_simple_literal(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_xsd_date_times_in_utc() {
        let at = time::macros::datetime!(2026-11-29 23:05:01.5 +08:00);
        assert_eq!(date_time(at), "\"2026-11-29T15:05:01.500000000Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime>");
    }
}
