//! Prometheus metrics: request counts and latencies by route, method and status, plus the
//! process's own figures (resident memory, CPU, open files).

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder};

/// The metrics of one gateway process.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    queries: HistogramVec,
    quick_fallbacks: IntCounter,
    exchange: IntCounterVec,
    tls_refusals: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("govgate".to_owned()), None).expect("static prefix is valid");
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests served, by route pattern, method and status"),
            &["route", "method", "status"],
        )
        .expect("static metric definition");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time from request to response, by route pattern")
                .buckets(vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ]),
            &["route", "method"],
        )
        .expect("static metric definition");
        let queries = HistogramVec::new(
            HistogramOpts::new(
                "sparql_query_duration_seconds",
                "SPARQL query evaluation time, by outcome (ok, timeout, too_many_results, error)",
            )
            .buckets(vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0]),
            &["outcome"],
        )
        .expect("static metric definition");
        let quick_fallbacks = IntCounter::new(
            "sparql_quick_fallbacks_total",
            "Lookup-shaped queries that ran past their budget on a worker and were evaluated again on the blocking pool",
        )
        .expect("static metric definition");
        registry.register(Box::new(quick_fallbacks.clone())).expect("registered once");
        let exchange = IntCounterVec::new(
            Opts::new(
                "exchange_messages_total",
                "Agency exchange messages by direction (received, sent) and outcome (accepted, replay, a refusal code; delivered, retry, failed)",
            ),
            &["direction", "outcome"],
        )
        .expect("static metric definition");
        registry.register(Box::new(exchange.clone())).expect("registered once");
        let tls_refusals = IntCounterVec::new(
            Opts::new(
                "exchange_tls_refusals_total",
                "Client certificates the exchange listener refused, by reason (revoked, expired, unknown-ca, stale-crl, ...)",
            ),
            &["reason"],
        )
        .expect("static metric definition");
        registry.register(Box::new(tls_refusals.clone())).expect("registered once");
        registry.register(Box::new(queries.clone())).expect("registered once");
        registry.register(Box::new(requests.clone())).expect("registered once");
        registry.register(Box::new(latency.clone())).expect("registered once");
        // The process collector reads /proc; it exists on Linux only.
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))
            .expect("registered once");
        Self { registry, requests, latency, queries, quick_fallbacks, exchange, tls_refusals }
    }

    /// Records one finished request. `route` is the matched pattern, never the raw path,
    /// so the number of series stays bounded.
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[route, method, &status.to_string()]).inc();
        self.latency.with_label_values(&[route, method]).observe(seconds);
    }

    /// Counts one exchange message and how it ended.
    pub fn observe_exchange(&self, direction: &str, outcome: impl ExchangeOutcome) {
        self.exchange.with_label_values(&[direction, outcome.label()]).inc();
    }

    /// Counts one client certificate refused by the exchange listener.
    pub fn observe_tls_refusal(&self, reason: &str) {
        self.tls_refusals.with_label_values(&[reason]).inc();
    }

    /// Records one SPARQL evaluation and how it ended.
    pub fn observe_query(&self, outcome: &str, seconds: f64) {
        self.queries.with_label_values(&[outcome]).observe(seconds);
    }

    /// Counts one lookup moved from a worker to the blocking pool.
    pub fn observe_quick_fallback(&self) {
        self.quick_fallbacks.inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        // Encoding to a Vec cannot fail for the text format.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buffer);
        String::from_utf8_lossy(&buffer).into_owned()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// A label for an exchange outcome: a plain word or a refusal code.
pub trait ExchangeOutcome {
    fn label(&self) -> &str;
}

impl ExchangeOutcome for &str {
    fn label(&self) -> &str {
        self
    }
}

impl ExchangeOutcome for crate::exchange::RejectCode {
    fn label(&self) -> &str {
        self.as_str()
    }
}
