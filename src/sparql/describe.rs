//! What the endpoint says about itself: the SPARQL 1.1 Service Description served at the
//! endpoint, and the VoID description of the public dataset (graphs, triples, classes,
//! licence, version). Both describe what is really there, counted from the store.

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{BlankNode, Graph, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Term, Triple};

use super::{GRAPH_FORMATS, RESULT_FORMATS, SparqlError};
use crate::content::ONTOLOGY_RELEASE;
use crate::store::Store;

const SD: &str = "http://www.w3.org/ns/sparql-service-description#";
const VOID: &str = "http://rdfs.org/ns/void#";
const DCT: &str = "http://purl.org/dc/terms/";
const FORMATS: &str = "http://www.w3.org/ns/formats/";

fn iri(s: &str) -> NamedNode {
    NamedNode::new_unchecked(s)
}

fn add(graph: &mut Graph, s: impl Into<NamedOrBlankNode>, p: &str, o: impl Into<Term>) {
    graph.insert(&Triple::new(s.into(), iri(p), o.into()));
}

fn storage(e: impl std::fmt::Display) -> SparqlError {
    SparqlError::Evaluation(e.to_string())
}

/// Triples and distinct classes of one graph.
fn counts(store: &Store, graph: &NamedNode) -> Result<(usize, usize), SparqlError> {
    let mut triples = 0;
    let mut classes = std::collections::HashSet::new();
    for quad in store.oxigraph().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph.as_ref()))) {
        let quad = quad.map_err(storage)?;
        triples += 1;
        if quad.predicate == rdf::TYPE {
            classes.insert(quad.object);
        }
    }
    Ok((triples, classes.len()))
}

/// The Service Description of an endpoint at `endpoint` that sees `graphs`.
pub fn service_description(
    store: &Store,
    endpoint: &str,
    graphs: &[NamedNode],
    updates: bool,
) -> Result<Graph, SparqlError> {
    let mut g = Graph::new();
    let service = BlankNode::default();
    add(&mut g, service.clone(), rdf::TYPE.as_str(), iri(&format!("{SD}Service")));
    add(&mut g, service.clone(), &format!("{SD}endpoint"), iri(endpoint));
    add(&mut g, service.clone(), &format!("{SD}supportedLanguage"), iri(&format!("{SD}SPARQL11Query")));
    if updates {
        add(&mut g, service.clone(), &format!("{SD}supportedLanguage"), iri(&format!("{SD}SPARQL11Update")));
    }
    for format in RESULT_FORMATS.iter().chain(GRAPH_FORMATS) {
        let name = match format {
            super::AnswerFormat::Results(f) => f.iri(),
            super::AnswerFormat::Graph(f) => f.iri(),
        };
        add(&mut g, service.clone(), &format!("{SD}resultFormat"), iri(name));
    }
    add(&mut g, service.clone(), &format!("{SD}feature"), iri(&format!("{SD}UnionDefaultGraph")));
    let dataset = BlankNode::default();
    add(&mut g, service.clone(), &format!("{SD}defaultDataset"), dataset.clone());
    add(&mut g, dataset.clone(), rdf::TYPE.as_str(), iri(&format!("{SD}Dataset")));
    let default_graph = BlankNode::default();
    add(&mut g, dataset.clone(), &format!("{SD}defaultGraph"), default_graph.clone());
    add(&mut g, default_graph.clone(), rdf::TYPE.as_str(), iri(&format!("{SD}Graph")));
    let mut total = 0;
    for graph in graphs {
        let (triples, _) = counts(store, graph)?;
        total += triples;
        let named = BlankNode::default();
        add(&mut g, dataset.clone(), &format!("{SD}namedGraph"), named.clone());
        add(&mut g, named.clone(), rdf::TYPE.as_str(), iri(&format!("{SD}NamedGraph")));
        add(&mut g, named.clone(), &format!("{SD}name"), graph.clone());
        let description = BlankNode::default();
        add(&mut g, named.clone(), &format!("{SD}graph"), description.clone());
        add(&mut g, description.clone(), rdf::TYPE.as_str(), iri(&format!("{SD}Graph")));
        add(
            &mut g,
            description,
            &format!("{VOID}triples"),
            Literal::new_typed_literal(triples.to_string(), xsd::INTEGER),
        );
    }
    add(&mut g, default_graph, &format!("{VOID}triples"), Literal::new_typed_literal(total.to_string(), xsd::INTEGER));
    Ok(g)
}

/// The VoID description of the public dataset at `base` (the server's root URL).
pub fn void(store: &Store, base: &str, graphs: &[NamedNode]) -> Result<Graph, SparqlError> {
    let mut g = Graph::new();
    let dataset = iri(&format!("{base}/.well-known/void#dataset"));
    add(&mut g, dataset.clone(), rdf::TYPE.as_str(), iri(&format!("{VOID}Dataset")));
    add(
        &mut g,
        dataset.clone(),
        &format!("{DCT}title"),
        Literal::new_language_tagged_literal_unchecked("govgate shared ontology and crosswalks", "en"),
    );
    add(&mut g, dataset.clone(), &format!("{DCT}license"), iri("https://creativecommons.org/licenses/by/4.0/"));
    add(
        &mut g,
        dataset.clone(),
        "http://www.w3.org/2002/07/owl#versionInfo",
        Literal::new_simple_literal(ONTOLOGY_RELEASE),
    );
    add(&mut g, dataset.clone(), &format!("{VOID}sparqlEndpoint"), iri(&format!("{base}/sparql")));
    add(&mut g, dataset.clone(), &format!("{VOID}uriSpace"), Literal::new_simple_literal("https://w3id.org/govgate/"));
    add(&mut g, dataset.clone(), &format!("{VOID}feature"), iri(&format!("{FORMATS}Turtle")));
    let (mut triples, mut classes) = (0, 0);
    for graph in graphs {
        let (t, c) = counts(store, graph)?;
        triples += t;
        classes += c;
        let subset = iri(&format!(
            "{base}/.well-known/void#{}",
            graph.as_str().rsplit("/graph/").next().unwrap_or("graph").replace('/', "-")
        ));
        add(&mut g, dataset.clone(), &format!("{VOID}subset"), subset.clone());
        add(&mut g, subset.clone(), rdf::TYPE.as_str(), iri(&format!("{VOID}Dataset")));
        add(&mut g, subset.clone(), &format!("{SD}name"), graph.clone());
        add(&mut g, subset.clone(), &format!("{VOID}triples"), Literal::new_typed_literal(t.to_string(), xsd::INTEGER));
        add(&mut g, subset, &format!("{VOID}classes"), Literal::new_typed_literal(c.to_string(), xsd::INTEGER));
    }
    add(
        &mut g,
        dataset.clone(),
        &format!("{VOID}triples"),
        Literal::new_typed_literal(triples.to_string(), xsd::INTEGER),
    );
    add(&mut g, dataset, &format!("{VOID}classes"), Literal::new_typed_literal(classes.to_string(), xsd::INTEGER));
    Ok(g)
}
