//! The shared ontology as govgate reads it: the Turtle files of `ontology/`, each kept in
//! its own graph so checks can say which file a term comes from. Built once from the
//! release content; queries run with SPARQL over it.
//!
//! - [`check`]: the conventions of `ontology/README.md`, enforced;
//! - [`stats`]: counts per module;
//! - [`citation`]: from a human citation ("PIPL Art. 38(1)(3)") to a provision IRI.

pub mod check;
pub mod citation;
pub mod stats;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Term};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;

use crate::content::Content;

/// Root of every IRI govgate mints.
pub const NAMESPACE_ROOT: &str = "https://w3id.org/govgate/";
/// The hub namespace.
pub const GG: &str = "https://w3id.org/govgate/core#";
/// Where provision IRIs live.
pub const ELI_ROOT: &str = "https://w3id.org/govgate/eli/";

/// Prefixes every query in this module may use.
pub(crate) const PREFIXES: &str = "\
PREFIX gg: <https://w3id.org/govgate/core#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
";

/// The ontology files, parsed, one graph per file (`file:<path>`).
pub struct Ontology {
    store: Store,
    files: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OntologyError {
    #[error("`{file}`: {message}")]
    Parse { file: String, message: String },
    #[error("the content has no ontology files")]
    Empty,
    #[error("ontology query failed: {0}")]
    Query(String),
}

impl Ontology {
    /// Parses every `ontology/**/*.ttl` file of the content.
    pub fn from_content(content: &Content) -> Result<Self, OntologyError> {
        let store = Store::new().map_err(|e| OntologyError::Query(e.to_string()))?;
        let mut files = Vec::new();
        for file in content.files("ontology/", ".ttl") {
            let graph = file_graph(&file.path);
            let parser = RdfParser::from_format(RdfFormat::Turtle).without_named_graphs().with_default_graph(graph);
            let mut loader = store.bulk_loader();
            loader
                .load_from_slice(parser, file.bytes.as_ref())
                .map_err(|e| OntologyError::Parse { file: file.path.clone(), message: e.to_string() })?;
            loader.commit().map_err(|e| OntologyError::Query(e.to_string()))?;
            files.push(file.path.clone());
        }
        if files.is_empty() {
            return Err(OntologyError::Empty);
        }
        Ok(Self { store, files })
    }

    /// The ontology files, by path.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Runs a SELECT query (with [`PREFIXES`]) over the union of all files and returns
    /// its rows; unbound variables come back as `None`.
    pub fn select(&self, query: &str) -> Result<Vec<Vec<Option<Term>>>, OntologyError> {
        let query = format!("{PREFIXES}{query}");
        let mut prepared =
            SparqlEvaluator::new().parse_query(&query).map_err(|e| OntologyError::Query(format!("{e}: {query}")))?;
        prepared.dataset_mut().set_default_graph_as_union();
        let results = prepared.on_store(&self.store).execute().map_err(|e| OntologyError::Query(e.to_string()))?;
        let QueryResults::Solutions(solutions) = results else {
            return Err(OntologyError::Query("not a SELECT query".to_owned()));
        };
        let variables = solutions.variables().to_vec();
        let mut rows = Vec::new();
        for solution in solutions {
            let solution = solution.map_err(|e| OntologyError::Query(e.to_string()))?;
            rows.push(variables.iter().map(|v| solution.get(v).cloned()).collect());
        }
        Ok(rows)
    }
}

/// The graph name a file's triples are kept in.
pub(crate) fn file_graph(path: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("file:///{path}"))
}

/// The file path back from a graph name.
pub fn graph_file(graph: &Term) -> String {
    match graph {
        Term::NamedNode(n) => n.as_str().trim_start_matches("file:///").to_owned(),
        other => other.to_string(),
    }
}

/// The lexical value of a term: an IRI's text or a literal's value.
pub fn text(term: &Option<Term>) -> String {
    match term {
        Some(Term::NamedNode(n)) => n.as_str().to_owned(),
        Some(Term::Literal(l)) => l.value().to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}
