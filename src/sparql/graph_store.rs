//! The SPARQL 1.1 Graph Store Protocol's operations on the store (administrative endpoint
//! only): read, replace, merge into and delete a graph, each a single transaction.

use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad};

use super::SparqlError;
use crate::store::Store;

/// The graph a request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Default,
    Named(NamedNode),
}

impl Target {
    fn graph_name(&self) -> GraphName {
        match self {
            Target::Default => GraphName::DefaultGraph,
            Target::Named(iri) => GraphName::NamedNode(iri.clone()),
        }
    }

    /// Whether the graph exists (the default graph always does).
    pub fn exists(&self, store: &Store) -> Result<bool, SparqlError> {
        match self {
            Target::Default => Ok(true),
            Target::Named(iri) => {
                Ok(store.oxigraph().contains_named_graph(iri).map_err(|e| SparqlError::Evaluation(e.to_string()))?)
            }
        }
    }
}

fn storage(e: impl std::fmt::Display) -> SparqlError {
    SparqlError::Evaluation(e.to_string())
}

/// The graph's triples in `format`, or `None` when the graph does not exist.
pub fn get(store: &Store, target: &Target, format: RdfFormat) -> Result<Option<Vec<u8>>, SparqlError> {
    if !target.exists(store)? {
        return Ok(None);
    }
    let name = target.graph_name();
    let mut serializer = RdfSerializer::from_format(format).for_writer(Vec::new());
    for quad in store.oxigraph().quads_for_pattern(None, None, None, Some(name.as_ref())) {
        let quad = quad.map_err(storage)?;
        serializer.serialize_triple(quad.as_ref()).map_err(storage)?;
    }
    serializer.finish().map(Some).map_err(storage)
}

fn parse(bytes: &[u8], format: RdfFormat, base: &str, graph: &GraphName) -> Result<Vec<Quad>, SparqlError> {
    let parser = RdfParser::from_format(format)
        .with_base_iri(base)
        .map_err(|e| SparqlError::BadGraphIri(format!("{base}: {e}")))?
        .without_named_graphs()
        .with_default_graph(graph.clone());
    parser.for_slice(bytes).map(|q| q.map_err(|e| SparqlError::Syntax(e.to_string()))).collect()
}

/// Replaces the graph with the body; returns whether the graph was created.
pub fn put(store: &Store, target: &Target, bytes: &[u8], format: RdfFormat, base: &str) -> Result<bool, SparqlError> {
    let name = target.graph_name();
    let quads = parse(bytes, format, base, &name)?;
    let created = !target.exists(store)?;
    store
        .write(|s| {
            let mut transaction = s.start_transaction()?;
            match &name {
                GraphName::DefaultGraph => transaction.clear_graph(GraphNameRef::DefaultGraph)?,
                GraphName::NamedNode(iri) => {
                    transaction.clear_graph(iri)?;
                    transaction.insert_named_graph(iri);
                }
                GraphName::BlankNode(_) => {}
            }
            transaction.extend(quads.iter().map(Quad::as_ref));
            transaction.commit()
        })
        .map_err(storage)?;
    Ok(created)
}

/// Adds the triples of every payload (one body, or the parts of a multipart/form-data
/// request) to the graph in one transaction; returns whether the graph was created.
pub fn post(store: &Store, target: &Target, payloads: &[(RdfFormat, &[u8])], base: &str) -> Result<bool, SparqlError> {
    let name = target.graph_name();
    let mut quads = Vec::new();
    for (format, bytes) in payloads {
        quads.extend(parse(bytes, *format, base, &name)?);
    }
    let created = !target.exists(store)?;
    store
        .write(|s| {
            let mut transaction = s.start_transaction()?;
            if let GraphName::NamedNode(iri) = &name {
                transaction.insert_named_graph(iri);
            }
            transaction.extend(quads.iter().map(Quad::as_ref));
            transaction.commit()
        })
        .map_err(storage)?;
    Ok(created)
}

/// Deletes the graph (empties the default graph); returns whether it existed.
pub fn delete(store: &Store, target: &Target) -> Result<bool, SparqlError> {
    match target {
        Target::Default => {
            store.write(|s| s.clear_graph(GraphNameRef::DefaultGraph)).map_err(storage)?;
            Ok(true)
        }
        Target::Named(iri) => {
            if !target.exists(store)? {
                return Ok(false);
            }
            store
                .write(|s| s.remove_named_graph(NamedOrBlankNode::NamedNode(iri.clone()).as_ref()))
                .map_err(storage)?;
            Ok(true)
        }
    }
}
