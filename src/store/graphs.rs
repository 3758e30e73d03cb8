//! The named-graph naming policy. Every graph govgate writes is named here and nowhere
//! else, so the visibility rule ("public SPARQL sees only public graphs") has one source.

use oxigraph::model::{NamedNode, NamedNodeRef};

/// Root of every graph name govgate mints.
pub const GRAPH_ROOT: &str = "https://w3id.org/govgate/graph/";

/// What a named graph holds, which decides who may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphKind {
    /// One ontology release (public).
    Ontology { release: String },
    /// One version of one crosswalk mapping set (public).
    MappingSet { set: String, version: String },
    /// One stored report, declaration or profile (private).
    Document { id: String },
    /// The agency exchange: inbox, outbox and evidence chain (private).
    Exchange,
    /// Leases that replicas sharing a remote store take before they write (private).
    Coordination,
}

impl GraphKind {
    /// The graph's IRI.
    pub fn iri(&self) -> NamedNode {
        let path = match self {
            GraphKind::Ontology { release } => format!("ontology/{}", segment(release)),
            GraphKind::MappingSet { set, version } => {
                format!("mappings/{}/{}", segment(set), segment(version))
            }
            GraphKind::Document { id } => format!("document/{}", segment(id)),
            GraphKind::Exchange => "exchange".to_owned(),
            GraphKind::Coordination => "coordination".to_owned(),
        };
        NamedNode::new_unchecked(format!("{GRAPH_ROOT}{path}"))
    }

    /// Reads a graph IRI back; `None` for graphs govgate did not name.
    pub fn parse(iri: NamedNodeRef<'_>) -> Option<Self> {
        let path = iri.as_str().strip_prefix(GRAPH_ROOT)?;
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["ontology", release] => Some(GraphKind::Ontology { release: (*release).to_owned() }),
            ["mappings", set, version] => {
                Some(GraphKind::MappingSet { set: (*set).to_owned(), version: (*version).to_owned() })
            }
            ["document", id] => Some(GraphKind::Document { id: (*id).to_owned() }),
            ["exchange"] => Some(GraphKind::Exchange),
            ["coordination"] => Some(GraphKind::Coordination),
            _ => None,
        }
    }

    /// Whether the public SPARQL endpoint and linked-data pages may show this graph.
    pub fn is_public(&self) -> bool {
        matches!(self, GraphKind::Ontology { .. } | GraphKind::MappingSet { .. })
    }

    /// Two graphs are in the same slot when a new load of one replaces the other: the
    /// ontology (any release) or one mapping set (any version).
    pub fn same_slot(&self, other: &GraphKind) -> bool {
        match (self, other) {
            (GraphKind::Ontology { .. }, GraphKind::Ontology { .. }) => true,
            (GraphKind::MappingSet { set: a, .. }, GraphKind::MappingSet { set: b, .. }) => a == b,
            _ => self == other,
        }
    }
}

/// Whether a graph IRI is public: one of govgate's public kinds, or under an operator's
/// published prefix. Cheap enough to call for every graph on every public query.
pub fn is_public_iri(iri: &str, extra_prefixes: &[String]) -> bool {
    let ours =
        iri.strip_prefix(GRAPH_ROOT).is_some_and(|path| path.starts_with("ontology/") || path.starts_with("mappings/"));
    (ours && GraphKind::parse(NamedNodeRef::new_unchecked(iri)).is_some_and(|k| k.is_public()))
        || extra_prefixes.iter().any(|p| iri.starts_with(p.as_str()))
}

/// Keeps a name usable as one IRI path segment.
fn segment(raw: &str) -> String {
    raw.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_visibility_follows_the_kind() {
        let kinds = [
            GraphKind::Ontology { release: "2026.1".into() },
            GraphKind::MappingSet { set: "eu-aiact--cn-genai".into(), version: "2026.1".into() },
            GraphKind::Document { id: "0b6f".into() },
            GraphKind::Exchange,
            GraphKind::Coordination,
        ];
        for kind in kinds {
            let iri = kind.iri();
            assert_eq!(GraphKind::parse(iri.as_ref()), Some(kind.clone()), "{iri}");
        }
        assert!(GraphKind::Ontology { release: "x".into() }.is_public());
        assert!(!GraphKind::Document { id: "x".into() }.is_public());
        assert!(!GraphKind::Exchange.is_public());
        assert!(!GraphKind::Coordination.is_public());
    }

    #[test]
    fn unsafe_characters_cannot_escape_the_segment() {
        let kind = GraphKind::Document { id: "../exchange".into() };
        assert_eq!(kind.iri().as_str(), "https://w3id.org/govgate/graph/document/.._exchange");
        assert_eq!(GraphKind::parse(NamedNodeRef::new_unchecked("https://example.org/g")), None);
    }
}
