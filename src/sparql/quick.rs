//! Quick evaluation: lookups are evaluated on the request's own worker.
//!
//! Handing a query to the blocking pool costs two thread wake-ups, more than a lookup
//! itself on a small machine (about 45 µs of a 250 µs round trip on the 2-core reference
//! machine). A query shaped like a lookup ([`looks_quick`]) is therefore evaluated in place,
//! watched by the [`Watchdog`]: past its budget the evaluation is cancelled (oxigraph stops
//! at its next read of the store) and the endpoint evaluates the query again on the
//! blocking pool under the request's real time limit. The shape only decides what is worth
//! trying; the budget is what keeps a worker from being held, whatever the query does.
//!
//! The watchdog is one thread that looks at the watched evaluations once per tick. A
//! registration wakes no one (a lock and a push), so a busy endpoint pays no system call
//! per query; after a quiet spell the thread parks until the next registration.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use oxigraph::sparql::CancellationToken;
use spargebra::algebra::{Expression, GraphPattern};
use spargebra::term::{NamedNodePattern, TermPattern};

/// Whether a query looks like a lookup: a SELECT, ASK or CONSTRUCT made of triple patterns
/// (joined, optional, filtered, unioned, ordered, sliced) each of whose subjects is an IRI
/// or a variable reached from one, with no property path, aggregate, sub-select, EXISTS or
/// SERVICE. Such a query reads the neighbourhood of a few IRIs.
pub fn looks_quick(query: &spargebra::Query) -> bool {
    let pattern = match query {
        spargebra::Query::Select { pattern, .. }
        | spargebra::Query::Construct { pattern, .. }
        | spargebra::Query::Ask { pattern, .. } => pattern,
        spargebra::Query::Describe { .. } => return false,
    };
    let mut triples = Vec::new();
    simple_shape(pattern, &mut triples) && anchored(&triples)
}

/// Collects the triple patterns of a pattern made only of the lookup-friendly operators.
fn simple_shape<'a>(pattern: &'a GraphPattern, triples: &mut Vec<&'a spargebra::term::TriplePattern>) -> bool {
    match pattern {
        GraphPattern::Bgp { patterns } => {
            triples.extend(patterns);
            true
        }
        GraphPattern::Join { left, right } | GraphPattern::Union { left, right } => {
            simple_shape(left, triples) && simple_shape(right, triples)
        }
        GraphPattern::LeftJoin { left, right, expression } => {
            expression.as_ref().is_none_or(|e| !has_exists(e))
                && simple_shape(left, triples)
                && simple_shape(right, triples)
        }
        GraphPattern::Filter { expr, inner } | GraphPattern::Extend { expression: expr, inner, .. } => {
            !has_exists(expr) && simple_shape(inner, triples)
        }
        GraphPattern::OrderBy { inner, expression } => {
            expression.iter().all(|order| match order {
                spargebra::algebra::OrderExpression::Asc(e) | spargebra::algebra::OrderExpression::Desc(e) => {
                    !has_exists(e)
                }
            }) && simple_shape(inner, triples)
        }
        GraphPattern::Graph { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. } => simple_shape(inner, triples),
        _ => false,
    }
}

fn has_exists(expression: &Expression) -> bool {
    match expression {
        Expression::Exists(_) => true,
        Expression::Or(a, b)
        | Expression::And(a, b)
        | Expression::Equal(a, b)
        | Expression::SameTerm(a, b)
        | Expression::Greater(a, b)
        | Expression::GreaterOrEqual(a, b)
        | Expression::Less(a, b)
        | Expression::LessOrEqual(a, b)
        | Expression::Add(a, b)
        | Expression::Subtract(a, b)
        | Expression::Multiply(a, b)
        | Expression::Divide(a, b) => has_exists(a) || has_exists(b),
        Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => has_exists(a),
        Expression::If(a, b, c) => has_exists(a) || has_exists(b) || has_exists(c),
        Expression::In(a, list) => has_exists(a) || list.iter().any(has_exists),
        Expression::Coalesce(list) | Expression::FunctionCall(_, list) => list.iter().any(has_exists),
        _ => false,
    }
}

/// Whether every triple pattern's subject is an IRI, or a variable (or blank node) that
/// is the object or predicate of a pattern already reached.
fn anchored(triples: &[&spargebra::term::TriplePattern]) -> bool {
    let name = |term: &TermPattern| match term {
        TermPattern::Variable(v) => Some(v.as_str().to_owned()),
        TermPattern::BlankNode(b) => Some(format!("_:{}", b.as_str())),
        _ => None,
    };
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<_> = triples.to_vec();
    loop {
        let before = pending.len();
        pending.retain(|triple| {
            let anchored = match &triple.subject {
                TermPattern::NamedNode(_) => true,
                subject => name(subject).is_some_and(|n| reached.contains(&n)),
            };
            if anchored {
                reached.extend(name(&triple.object));
                if let NamedNodePattern::Variable(v) = &triple.predicate {
                    reached.insert(v.as_str().to_owned());
                }
            }
            !anchored
        });
        if pending.is_empty() {
            return true;
        }
        if pending.len() == before {
            return false;
        }
    }
}

/// How often the thread looks; a watched evaluation is cancelled at most one tick late.
const TICK: Duration = Duration::from_millis(2);
/// Empty ticks before the thread parks.
const IDLE_TICKS: u32 = 100;

#[derive(Clone)]
pub struct Watchdog {
    shared: Arc<Shared>,
}

struct Shared {
    watched: Mutex<Vec<Watched>>,
    /// Set by the thread (under the lock) before it parks; a registration that finds it
    /// set clears it and unparks the thread.
    parked: AtomicBool,
    next_id: AtomicU64,
    thread: Mutex<Option<Thread>>,
}

struct Watched {
    id: u64,
    deadline: Instant,
    token: CancellationToken,
}

/// Keeps one evaluation watched; dropping it ends the watch.
pub struct Watch {
    shared: Arc<Shared>,
    id: u64,
    token: CancellationToken,
}

impl Watch {
    /// The token to evaluate with; the watchdog cancels it at the deadline.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut watched = self.shared.watched.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = watched.iter().position(|w| w.id == self.id) {
            watched.swap_remove(i);
        }
    }
}

impl Watchdog {
    /// The process's watchdog, started on first use; `None` if its thread could not start.
    /// `govgate serve` calls this before it loads the release: a thread started after
    /// start-up's large allocations were freed left about 35 MiB resident (measured with
    /// glibc's allocator; the cause is presumed to be its reuse of a freed arena).
    pub fn shared() -> Option<Self> {
        static SHARED: std::sync::OnceLock<Option<Watchdog>> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| {
                Self::start()
                    .inspect_err(
                        |e| tracing::warn!(error = %e, "no SPARQL watchdog thread; every query goes to the pool"),
                    )
                    .ok()
            })
            .clone()
    }

    /// Starts a watchdog thread; it lives as long as any clone of the handle.
    pub fn start() -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            watched: Mutex::new(Vec::new()),
            parked: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            thread: Mutex::new(None),
        });
        let weak = Arc::downgrade(&shared);
        let handle = thread::Builder::new().name("sparql-watchdog".to_owned()).spawn(move || run(weak))?;
        *shared.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle.thread().clone());
        Ok(Self { shared })
    }

    /// Watches an evaluation that must end within `budget`.
    pub fn watch(&self, budget: Duration) -> Watch {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let token = CancellationToken::new();
        let wake = {
            let mut watched = self.shared.watched.lock().unwrap_or_else(|e| e.into_inner());
            watched.push(Watched { id, deadline: Instant::now() + budget, token: token.clone() });
            self.shared.parked.swap(false, Ordering::AcqRel)
        };
        if wake && let Some(thread) = self.shared.thread.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            thread.unpark();
        }
        Watch { shared: self.shared.clone(), id, token }
    }
}

fn run(shared: std::sync::Weak<Shared>) {
    let mut idle = 0;
    loop {
        // The thread holds the shared state only while it looks, so it ends with the last handle.
        let Some(state) = shared.upgrade() else { return };
        let park = {
            let mut watched = state.watched.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            watched.retain(|w| {
                let due = w.deadline <= now;
                if due {
                    w.token.cancel();
                }
                !due
            });
            idle = if watched.is_empty() { idle + 1 } else { 0 };
            let park = idle >= IDLE_TICKS;
            if park {
                state.parked.store(true, Ordering::Release);
            }
            park
        };
        drop(state);
        if park {
            idle = 0;
            // A registration between the flag and here unparks first; park then returns at once.
            thread::park_timeout(Duration::from_secs(1));
        } else {
            thread::sleep(TICK);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_for(condition: impl Fn() -> bool) -> bool {
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if condition() {
                return true;
            }
            thread::sleep(Duration::from_millis(1));
        }
        false
    }

    fn quick(query: &str) -> bool {
        looks_quick(&spargebra::SparqlParser::new().parse_query(query).unwrap())
    }

    #[test]
    fn lookups_of_an_iri_and_its_neighbours_look_quick() {
        assert!(quick(
            "SELECT ?l ?d { <urn:c> <urn:label> ?l OPTIONAL { <urn:c> <urn:def> ?d FILTER(LANG(?d) = LANG(?l)) } }"
        ));
        assert!(quick(
            "CONSTRUCT { <urn:c> ?p ?o . ?o <urn:label> ?l } WHERE { <urn:c> ?p ?o OPTIONAL { ?o <urn:label> ?l } }"
        ));
        assert!(quick("ASK { <urn:a> a <urn:Provision> ; <urn:instrument> <urn:i> }"));
        assert!(quick("SELECT * { GRAPH ?g { <urn:a> ?p ?o } } ORDER BY ?p LIMIT 5"));
    }

    #[test]
    fn scans_paths_aggregates_and_exists_do_not() {
        assert!(!quick("SELECT * { ?s a <urn:Provision> }"), "a scan of a class");
        assert!(!quick("SELECT * { <urn:c> <urn:p>+ ?o }"), "a path");
        assert!(!quick("SELECT (COUNT(*) AS ?n) { <urn:c> ?p ?o }"), "an aggregate");
        assert!(!quick("SELECT * { <urn:c> ?p ?o FILTER EXISTS { ?x ?y ?z } }"), "EXISTS");
        assert!(!quick("SELECT * { <urn:c> ?p ?o . ?x ?y ?o }"), "a pattern reached only by its object");
        assert!(!quick("DESCRIBE <urn:c>"));
    }

    #[test]
    fn an_evaluation_past_its_budget_is_cancelled() {
        let watchdog = Watchdog::start().unwrap();
        let watch = watchdog.watch(Duration::ZERO);
        let token = watch.token();
        assert!(wait_for(|| token.is_cancelled()), "the watchdog never cancelled the token");
        drop(watch);
        assert!(watchdog.shared.watched.lock().unwrap().is_empty());
    }

    #[test]
    fn an_evaluation_that_ends_in_time_is_left_alone_and_forgotten() {
        let watchdog = Watchdog::start().unwrap();
        let watch = watchdog.watch(Duration::from_secs(3600));
        let token = watch.token();
        thread::sleep(TICK * 5);
        assert!(!token.is_cancelled());
        drop(watch);
        assert!(watchdog.shared.watched.lock().unwrap().is_empty());
    }

    #[test]
    fn a_parked_watchdog_wakes_for_a_new_watch() {
        let watchdog = Watchdog::start().unwrap();
        assert!(wait_for(|| watchdog.shared.parked.load(Ordering::Acquire)), "the watchdog did not park when idle");
        let watch = watchdog.watch(Duration::ZERO);
        let token = watch.token();
        assert!(wait_for(|| token.is_cancelled()), "the parked watchdog missed the new watch");
    }
}
