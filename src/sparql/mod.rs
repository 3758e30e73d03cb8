//! SPARQL query evaluation over the store, with the public-graph rule and the limits that
//! keep a hostile query from hurting the server. No HTTP here: the endpoint in
//! `http::sparql` and `govgate query` both call [`execute`].
//!
//! The public endpoint sees only public graphs (the ontology release and the mapping
//! sets): the default graph is their union, the available named graphs are exactly them,
//! and a `FROM`/`FROM NAMED`/`default-graph-uri`/`named-graph-uri` naming any other graph
//! is narrowed to the public ones, so a private graph cannot be reached, or even shown to
//! exist, through any query form. When the store holds nothing private (the usual case:
//! the exchange keeps its ledger in a store of its own), the same dataset is the union of
//! all graphs, which is much faster to read.

pub mod describe;
pub mod graph_store;
pub mod guard;
pub mod negotiate;
pub mod quick;

use std::io::Write;
use std::time::Duration;

use oxigraph::io::RdfSerializer;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator};
use spargebra::SparqlParser;

use crate::store::{Store, StoreError};
pub use negotiate::{AnswerFormat, GRAPH_FORMATS, RESULT_FORMATS, negotiate, negotiate_media};

/// Who is asking: the public sees public graphs only; an administrator sees every graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Admin,
}

/// A query as the SPARQL 1.1 Protocol carries it.
#[derive(Debug, Clone, Default)]
pub struct QueryRequest {
    pub query: String,
    /// `default-graph-uri` parameters.
    pub default_graphs: Vec<String>,
    /// `named-graph-uri` parameters.
    pub named_graphs: Vec<String>,
}

/// How one evaluation runs: for whom, in which format, within which bounds.
#[derive(Clone)]
pub struct Evaluation {
    pub access: Access,
    pub format: AnswerFormat,
    /// Solutions or triples an answer may hold; more is an error, never a silent cut.
    pub max_results: usize,
    /// Stops the evaluation from outside: the caller cancels it on timeout or when the
    /// client goes away.
    pub cancel: CancellationToken,
    /// The time limit the caller enforces, to word the error.
    pub timeout: Duration,
    /// IRI prefixes of further graphs the public may see (`sparql.public_graph_prefixes`).
    pub public_prefixes: Vec<String>,
}

/// A serialised answer.
#[derive(Debug)]
pub struct Answer {
    pub body: Vec<u8>,
    pub media_type: &'static str,
    /// Solutions, triples or 1 for ASK.
    pub results: usize,
}

/// The shape of a query's answer, which decides the formats it can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryForm {
    /// SELECT and ASK.
    Results,
    /// CONSTRUCT and DESCRIBE.
    Graph,
}

impl QueryForm {
    pub fn formats(self) -> &'static [AnswerFormat] {
        match self {
            QueryForm::Results => RESULT_FORMATS,
            QueryForm::Graph => GRAPH_FORMATS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SparqlError {
    #[error("query syntax error: {0}")]
    Syntax(String),
    #[error("`{0}` is not a valid graph IRI")]
    BadGraphIri(String),
    #[error("federated queries (SERVICE) are disabled on this endpoint")]
    Federation,
    #[error("no acceptable format: this query can be answered as {0}")]
    NotAcceptable(String),
    #[error("the query was stopped after its time limit of {0:?}")]
    Timeout(Duration),
    #[error("the query was cancelled")]
    Cancelled,
    #[error("the answer has more than {0} results; narrow the query or add a LIMIT")]
    TooManyResults(usize),
    #[error("query evaluation failed: {0}")]
    Evaluation(String),
    #[error(
        "the query joins {parts} parts that share no variable (a cartesian product); at most {max} are evaluated, as a larger product could not be stopped at its time limit. Connect the parts by a shared variable (a FILTER does not connect them) or send separate queries"
    )]
    CartesianProduct { parts: usize, max: usize },
    #[error("the update failed: {0}")]
    UpdateFailed(String),
    #[error(
        "the update names its own dataset (USING, USING NAMED or WITH); do not also send using-graph-uri or using-named-graph-uri"
    )]
    DatasetConflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A parser resolving relative IRIs against `base` (the endpoint's URL, as the protocol says).
fn parser(base: Option<&str>) -> Result<SparqlParser, SparqlError> {
    match base {
        Some(base) => {
            SparqlParser::new().with_base_iri(base).map_err(|e| SparqlError::Syntax(format!("base IRI: {e}")))
        }
        None => Ok(SparqlParser::new()),
    }
}

/// Parses a query and tells its form, so the caller can negotiate a format first.
pub fn parse(query: &str, base: Option<&str>) -> Result<(spargebra::Query, QueryForm), SparqlError> {
    let parsed = parser(base)?.parse_query(query).map_err(|e| SparqlError::Syntax(e.to_string()))?;
    let form = match parsed {
        spargebra::Query::Select { .. } | spargebra::Query::Ask { .. } => QueryForm::Results,
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => QueryForm::Graph,
    };
    Ok((parsed, form))
}

/// Evaluates a parsed query and writes its answer.
pub fn execute(
    store: &Store,
    query: spargebra::Query,
    request: &QueryRequest,
    evaluation: &Evaluation,
) -> Result<Answer, SparqlError> {
    let timeout = evaluation.timeout;
    let mut prepared = SparqlEvaluator::new().with_cancellation_token(evaluation.cancel.clone()).for_query(query);
    let dataset = prepared.dataset_mut();
    let requested_default = parse_graphs(&request.default_graphs)?;
    let requested_named = parse_graphs(&request.named_graphs)?;
    // The protocol parameters override the query's own FROM / FROM NAMED (SPARQL 1.1 Protocol §2.1.4).
    let (default, named) = if requested_default.is_empty() && requested_named.is_empty() {
        (
            dataset.default_graph_graphs().map(|g| g.iter().filter_map(named_graph).collect::<Vec<_>>()),
            dataset.available_named_graphs().map(|g| g.iter().filter_map(named_node).collect::<Vec<_>>()),
        )
    } else {
        (Some(requested_default), Some(requested_named))
    };
    let explicit_default = default.filter(|graphs| !graphs.is_empty());
    match evaluation.access {
        Access::Admin => {
            if let Some(graphs) = explicit_default {
                dataset.set_default_graph(graphs.into_iter().map(GraphName::from).collect());
            }
            if let Some(graphs) = named {
                dataset.set_available_named_graphs(graphs.into_iter().map(NamedOrBlankNode::from).collect());
            }
        }
        Access::Public => {
            let (public, everything) = store.public_dataset(&evaluation.public_prefixes)?;
            if everything && explicit_default.is_none() && named.is_none() {
                // Nothing private in the store: the union of all graphs is the public dataset.
                dataset.set_default_graph_as_union();
            } else {
                let allowed =
                    |graphs: Vec<NamedNode>| graphs.into_iter().filter(|g| public.contains(g)).collect::<Vec<_>>();
                let default = explicit_default.map(allowed).unwrap_or_else(|| public.clone());
                let named = named.map(allowed).unwrap_or_else(|| public.clone());
                dataset.set_default_graph(default.into_iter().map(GraphName::from).collect());
                dataset.set_available_named_graphs(named.into_iter().map(NamedOrBlankNode::from).collect());
            }
        }
    }
    let results = prepared.on_store(store.oxigraph()).execute().map_err(|e| evaluation_error(e, timeout))?;
    write_answer(results, evaluation.format, evaluation.max_results, timeout)
}

fn write_answer(
    results: QueryResults<'_>,
    format: AnswerFormat,
    max_results: usize,
    timeout: Duration,
) -> Result<Answer, SparqlError> {
    let io = |e: std::io::Error| SparqlError::Evaluation(e.to_string());
    let mut count = 0;
    let body = match (results, format) {
        (QueryResults::Boolean(value), AnswerFormat::Results(f)) => {
            count = 1;
            QueryResultsSerializer::from_format(f).serialize_boolean_to_writer(Vec::new(), value).map_err(io)?
        }
        (QueryResults::Solutions(solutions), AnswerFormat::Results(f)) => {
            let mut writer = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())
                .map_err(io)?;
            for solution in solutions {
                let solution = solution.map_err(|e| evaluation_error(e, timeout))?;
                count += 1;
                if count > max_results {
                    return Err(SparqlError::TooManyResults(max_results));
                }
                writer.serialize(&solution).map_err(io)?;
            }
            writer.finish().map_err(io)?
        }
        (QueryResults::Graph(triples), AnswerFormat::Graph(f)) => {
            let mut writer = RdfSerializer::from_format(f).for_writer(Vec::new());
            for triple in triples {
                let triple = triple.map_err(|e| evaluation_error(e, timeout))?;
                count += 1;
                if count > max_results {
                    return Err(SparqlError::TooManyResults(max_results));
                }
                writer.serialize_triple(&triple).map_err(io)?;
            }
            writer.finish().map_err(io)?
        }
        (_, format) => {
            return Err(SparqlError::NotAcceptable(format!("not {}", format.media_type())));
        }
    };
    let mut body = body;
    body.flush().map_err(io)?;
    Ok(Answer { body, media_type: format.media_type(), results: count })
}

/// Runs a SPARQL 1.1 Update (the administrative endpoint only). `using_default` and
/// `using_named` are the protocol's `using-graph-uri` / `using-named-graph-uri`: they give
/// every DELETE/INSERT its dataset, and conflict with a USING or WITH in the update itself.
pub fn update(
    store: &Store,
    text: &str,
    base: Option<&str>,
    using_default: &[String],
    using_named: &[String],
) -> Result<(), SparqlError> {
    let parsed = parser(base)?.parse_update(text).map_err(|e| SparqlError::Syntax(e.to_string()))?;
    let protocol_dataset = !using_default.is_empty() || !using_named.is_empty();
    let own_dataset = parsed
        .operations
        .iter()
        .any(|op| matches!(op, spargebra::GraphUpdateOperation::DeleteInsert { using: Some(_), .. }));
    if protocol_dataset && own_dataset {
        return Err(SparqlError::DatasetConflict);
    }
    let mut prepared = SparqlEvaluator::new().for_update(parsed);
    if protocol_dataset {
        let default = parse_graphs(using_default)?;
        let named = parse_graphs(using_named)?;
        for dataset in prepared.using_datasets_mut() {
            dataset.set_default_graph(default.iter().cloned().map(GraphName::from).collect());
            dataset.set_available_named_graphs(named.iter().cloned().map(NamedOrBlankNode::from).collect());
        }
    }
    store.write(|s| prepared.on_store(s).execute()).map_err(|e| match e {
        oxigraph::sparql::UpdateEvaluationError::Storage(e) => SparqlError::Evaluation(e.to_string()),
        other => SparqlError::UpdateFailed(other.to_string()),
    })
}

fn evaluation_error(error: QueryEvaluationError, timeout: Duration) -> SparqlError {
    match error {
        QueryEvaluationError::Cancelled => SparqlError::Timeout(timeout),
        QueryEvaluationError::UnsupportedService(_)
        | QueryEvaluationError::UnboundService
        | QueryEvaluationError::InvalidServiceName(_)
        | QueryEvaluationError::Service(_) => SparqlError::Federation,
        other => SparqlError::Evaluation(other.to_string()),
    }
}

fn parse_graphs(iris: &[String]) -> Result<Vec<NamedNode>, SparqlError> {
    iris.iter().map(|iri| NamedNode::new(iri).map_err(|_| SparqlError::BadGraphIri(iri.clone()))).collect()
}

fn named_graph(graph: &GraphName) -> Option<NamedNode> {
    match graph {
        GraphName::NamedNode(n) => Some(n.clone()),
        _ => None,
    }
}

fn named_node(graph: &NamedOrBlankNode) -> Option<NamedNode> {
    match graph {
        NamedOrBlankNode::NamedNode(n) => Some(n.clone()),
        NamedOrBlankNode::BlankNode(_) => None,
    }
}
