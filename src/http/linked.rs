//! Linked-data publishing: every IRI in govgate's namespaces resolves, to an HTML page for
//! people and to RDF for machines (content negotiation), and the release can be downloaded.

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Graph;

use crate::sparql::SparqlError;

/// Prefixes written into every RDF rendering.
pub const PREFIXES: &[(&str, &str)] = &[
    ("gg", "https://w3id.org/govgate/core#"),
    ("ggj", "https://w3id.org/govgate/jurisdiction#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("eli", "http://data.europa.eu/eli/ontology#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("sd", "http://www.w3.org/ns/sparql-service-description#"),
    ("void", "http://rdfs.org/ns/void#"),
];

/// A graph in an RDF syntax, with the usual prefixes.
pub fn serialize(graph: &Graph, format: RdfFormat) -> Result<Vec<u8>, SparqlError> {
    let mut serializer = RdfSerializer::from_format(format);
    for (prefix, iri) in PREFIXES {
        serializer = serializer.with_prefix(*prefix, *iri).map_err(|e| SparqlError::Evaluation(e.to_string()))?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    for triple in graph.iter() {
        writer.serialize_triple(triple).map_err(|e| SparqlError::Evaluation(e.to_string()))?;
    }
    writer.finish().map_err(|e| SparqlError::Evaluation(e.to_string()))
}
