//! Versioned, idempotent loading of release content into named graphs.
//!
//! Each graph records, inside itself, the SHA-256 digest of the files it was built from
//! (`<graph> gg:contentDigest "…"`: public provenance, and no private bookkeeping graph
//! beside the public ones). A restart with unchanged files touches nothing; a changed file
//! rebuilds its graph, and a new release or mapping-set version replaces the old one, each
//! in a single transaction, so readers never see a half-loaded graph.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::xsd;
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedNodeRef, Quad, QuadRef, Term};
use sha2::{Digest, Sha256};

use super::{GraphKind, Store, StoreError};

/// Predicate of the triple that records a graph's content digest, in that graph.
pub(super) const CONTENT_DIGEST: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("https://w3id.org/govgate/core#contentDigest");

/// A converter from a non-RDF source file to quads: (path, bytes, graph) to the quads of
/// that graph, or a message.
pub type Converter = fn(&str, &[u8], &NamedNode) -> Result<Vec<Quad>, String>;

/// How a source file becomes quads.
#[derive(Debug, Clone, Copy)]
pub enum SourceFormat {
    /// An RDF syntax oxigraph parses.
    Rdf(RdfFormat),
    /// A converter owned by another module (the crosswalks' SSSOM TSV).
    Convert(Converter),
}

/// The files that make up one named graph.
#[derive(Debug, Clone)]
pub struct GraphSource<'a> {
    pub kind: GraphKind,
    /// (path for error messages, bytes, format) of every file, in a stable order.
    pub files: Vec<(&'a str, &'a [u8], SourceFormat)>,
}

/// What start-up loading did to one graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadAction {
    /// The digest matched: nothing was written.
    Unchanged,
    /// The graph was (re)built from its files.
    Loaded { quads: usize },
}

impl GraphSource<'_> {
    pub(super) fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, bytes, _) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update((bytes.len() as u64).to_be_bytes());
            hasher.update(bytes);
        }
        hex::encode(hasher.finalize())
    }

    /// Parses every file into quads of this graph, naming the file and line of any error.
    pub fn parse(&self) -> Result<Vec<Quad>, StoreError> {
        let graph = self.kind.iri();
        let mut quads = Vec::new();
        for (path, bytes, format) in &self.files {
            let error = |message: String| StoreError::Parse { file: (*path).to_owned(), message };
            match format {
                SourceFormat::Rdf(format) => {
                    let parser =
                        RdfParser::from_format(*format).without_named_graphs().with_default_graph(graph.clone());
                    for quad in parser.for_slice(bytes) {
                        quads.push(quad.map_err(|e| error(e.to_string()))?);
                    }
                }
                SourceFormat::Convert(convert) => quads.extend(convert(path, bytes, &graph).map_err(error)?),
            }
        }
        Ok(quads)
    }
}

/// Where earlier versions kept the digests; removed on start-up.
const LEGACY_SYSTEM_GRAPH: &str = "https://w3id.org/govgate/graph/system";

/// Brings each graph in line with its source files; returns what was done, in order.
pub fn sync(store: &Store, sources: &[GraphSource<'_>]) -> Result<Vec<(GraphKind, LoadAction)>, StoreError> {
    let legacy = NamedNode::new_unchecked(LEGACY_SYSTEM_GRAPH);
    if store.oxigraph().contains_named_graph(&legacy)? {
        store.write(|s| s.remove_named_graph(&legacy))?;
    }
    let existing = store.graphs()?;
    let mut actions = Vec::with_capacity(sources.len());
    // Graphs whose slot is empty (a first start) go in together through the bulk loader,
    // which writes sorted files instead of one write per index entry: several times faster,
    // and still all or nothing (nothing is visible before its commit).
    let mut fresh: Vec<Quad> = Vec::new();
    let mut wrote = false;
    for source in sources {
        let digest = source.digest();
        if recorded_digest(store, &source.kind)?.as_deref() == Some(digest.as_str()) && store.has_graph(&source.kind)? {
            actions.push((source.kind.clone(), LoadAction::Unchanged));
            continue;
        }
        let quads = source.parse()?;
        actions.push((source.kind.clone(), LoadAction::Loaded { quads: quads.len() }));
        if existing.iter().any(|(_, other)| source.kind.same_slot(other)) {
            replace(store, &source.kind, &quads, &digest)?;
        } else {
            let target = source.kind.iri();
            fresh.push(digest_quad(&target, &digest));
            fresh.extend(quads);
        }
        wrote = true;
    }
    if !fresh.is_empty() {
        store.write(|s| {
            let mut loader = s.bulk_loader();
            loader.load_quads(fresh)?;
            loader.commit()
        })?;
    }
    if wrote {
        // Move what was written out of the write-ahead log, so the next start does not
        // replay it (a second or more on this machine).
        store.flush()?;
    }
    Ok(actions)
}

pub(super) fn digest_quad(graph: &NamedNode, digest: &str) -> Quad {
    Quad::new(graph.clone(), CONTENT_DIGEST, Literal::new_typed_literal(digest, xsd::STRING), graph.clone())
}

fn recorded_digest(store: &Store, kind: &GraphKind) -> Result<Option<String>, StoreError> {
    let graph = kind.iri();
    let found = store
        .oxigraph()
        .quads_for_pattern(
            Some(graph.as_ref().into()),
            Some(CONTENT_DIGEST),
            None,
            Some(GraphNameRef::NamedNode(graph.as_ref())),
        )
        .next()
        .transpose()?;
    Ok(found.and_then(|quad| match quad.object {
        Term::Literal(literal) => Some(literal.value().to_owned()),
        _ => None,
    }))
}

/// In one transaction: drop every graph in the same slot (older releases or versions),
/// write the new quads and record their digest in the new graph.
fn replace(store: &Store, kind: &GraphKind, quads: &[Quad], digest: &str) -> Result<(), StoreError> {
    let mut stale: Vec<NamedNode> =
        store.graphs()?.into_iter().filter(|(_, other)| kind.same_slot(other)).map(|(iri, _)| iri).collect();
    let target = kind.iri();
    if !stale.contains(&target) {
        stale.push(target.clone());
    }
    store.write(|s| {
        let mut transaction = s.start_transaction()?;
        for graph in &stale {
            transaction.remove_named_graph(graph)?;
        }
        transaction.insert_named_graph(target.as_ref());
        transaction.extend(quads.iter().map(QuadRef::from));
        transaction.insert(&digest_quad(&target, digest));
        transaction.commit()
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &[u8] = b"<https://example.org/a> <https://example.org/p> \"1\" .\n";
    const V2: &[u8] = b"<https://example.org/a> <https://example.org/p> \"2\" .\n<https://example.org/b> <https://example.org/p> \"3\" .\n";

    fn source(release: &str, bytes: &'static [u8]) -> GraphSource<'static> {
        GraphSource {
            kind: GraphKind::Ontology { release: release.to_owned() },
            files: vec![("ontology/x.ttl", bytes, SourceFormat::Rdf(RdfFormat::Turtle))],
        }
    }

    #[test]
    fn reloading_unchanged_files_writes_nothing() {
        let store = Store::in_memory().unwrap();
        let first = sync(&store, &[source("1", V1)]).unwrap();
        assert_eq!(first[0].1, LoadAction::Loaded { quads: 1 });
        let total = store.oxigraph().len().unwrap();
        assert_eq!(store.named_graphs().unwrap().len(), 1, "no bookkeeping graph beside it");
        let second = sync(&store, &[source("1", V1)]).unwrap();
        assert_eq!(second[0].1, LoadAction::Unchanged);
        assert_eq!(store.oxigraph().len().unwrap(), total);
    }

    #[test]
    fn a_changed_file_or_a_new_release_replaces_the_graph() {
        let store = Store::in_memory().unwrap();
        sync(&store, &[source("1", V1)]).unwrap();
        sync(&store, &[source("1", V2)]).unwrap();
        let kind = GraphKind::Ontology { release: "1".into() };
        assert_eq!(store.graph_len(&kind).unwrap(), 3, "two triples and the digest");
        sync(&store, &[source("2", V1)]).unwrap();
        assert!(!store.has_graph(&kind).unwrap(), "the old release is gone");
        assert_eq!(store.graph_len(&GraphKind::Ontology { release: "2".into() }).unwrap(), 2);
        assert_eq!(recorded_digest(&store, &kind).unwrap(), None, "its bookkeeping too");
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line_and_writes_nothing() {
        let store = Store::in_memory().unwrap();
        let broken: &'static [u8] = b"<https://example.org/a> <https://example.org/p> \"1\" .\n<oops> .\n";
        let error = sync(&store, &[source("1", broken)]).unwrap_err().to_string();
        assert!(error.starts_with("`ontology/x.ttl`: "), "{error}");
        assert!(error.contains("line 2") || error.contains("2:"), "{error}");
        assert!(store.oxigraph().is_empty().unwrap());
    }
}
