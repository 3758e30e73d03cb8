//! A mapping set in its SSSOM RDF form: the set, one `owl:Axiom` per row with every slot
//! (extension values included, which sssom-py drops), and the direct SKOS triple for each
//! positive row so plain SPARQL finds the crosswalk.

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};

use super::{Mapping, MappingSet};

const SSSOM: &str = "https://w3id.org/sssom/";
const GGM: &str = "https://w3id.org/govgate/mapping#";
const OWL: &str = "http://www.w3.org/2002/07/owl#";
const DCT: &str = "http://purl.org/dc/terms/";
const RDFS_COMMENT: &str = "http://www.w3.org/2000/01/rdf-schema#comment";
const PAV_AUTHORED_BY: &str = "http://purl.org/pav/authoredBy";

fn iri(value: &str) -> NamedNode {
    NamedNode::new_unchecked(value)
}

/// Reads an SSSOM TSV file into the quads of `graph` (the store's loader calls this).
pub fn convert(path: &str, bytes: &[u8], graph: &NamedNode) -> Result<Vec<Quad>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let file = super::sssom::read(path, text).map_err(|e| e.to_string())?;
    let set = MappingSet::from_file(file).map_err(|e| e.to_string())?;
    Ok(quads(&set, graph))
}

/// The quads of one set, in `graph`.
pub fn quads(set: &MappingSet, graph: &NamedNode) -> Vec<Quad> {
    let graph = GraphName::NamedNode(graph.clone());
    let mut out = Vec::new();
    let h = &set.file.header;
    let set_iri = iri(&h.mapping_set_id);
    let mut add = |s: &NamedNode, p: &str, o: Term| out.push(Quad::new(s.clone(), iri(p), o, graph.clone()));
    add(&set_iri, rdf::TYPE.as_str(), iri(&format!("{SSSOM}MappingSet")).into());
    add(&set_iri, &format!("{DCT}title"), Literal::new_simple_literal(&h.mapping_set_title).into());
    if let Some(description) = &h.mapping_set_description {
        add(&set_iri, &format!("{DCT}description"), Literal::new_simple_literal(description).into());
    }
    add(&set_iri, &format!("{DCT}license"), iri(&h.license).into());
    add(&set_iri, &format!("{OWL}versionInfo"), Literal::new_simple_literal(&h.mapping_set_version).into());
    add(&set_iri, &format!("{DCT}created"), Literal::new_typed_literal(&h.mapping_date, xsd::DATE).into());
    add(&set_iri, &format!("{SSSOM}subject_source"), iri(&h.subject_source).into());
    add(&set_iri, &format!("{SSSOM}subject_source_version"), iri(&h.subject_source_version).into());
    add(&set_iri, &format!("{SSSOM}object_source"), iri(&h.object_source).into());
    add(&set_iri, &format!("{SSSOM}object_source_version"), iri(&h.object_source_version).into());
    add(&set_iri, &format!("{SSSOM}sssom_version"), Literal::new_simple_literal(&h.sssom_version).into());
    for mapping in &set.mappings {
        add(&set_iri, &format!("{SSSOM}mappings"), iri(&mapping.record_id).into());
    }
    for mapping in &set.mappings {
        mapping_quads(mapping, &graph, &mut out);
    }
    out
}

fn mapping_quads(m: &Mapping, graph: &GraphName, out: &mut Vec<Quad>) {
    let record = iri(&m.record_id);
    let mut add = |p: &str, o: Term| out.push(Quad::new(record.clone(), iri(p), o, graph.clone()));
    let text = |value: &str| -> Term { Literal::new_simple_literal(value).into() };
    let object = m.object.clone().unwrap_or_else(|| format!("{SSSOM}NoTermFound"));
    add(rdf::TYPE.as_str(), iri(&format!("{OWL}Axiom")).into());
    add(&format!("{OWL}annotatedSource"), iri(&m.subject).into());
    add(&format!("{OWL}annotatedProperty"), iri(&m.predicate).into());
    add(&format!("{OWL}annotatedTarget"), iri(&object).into());
    add(&format!("{SSSOM}record_id"), iri(&m.record_id).into());
    if !m.subject_label.is_empty() {
        add(&format!("{SSSOM}subject_label"), text(&m.subject_label));
    }
    if !m.object_label.is_empty() {
        add(&format!("{SSSOM}object_label"), text(&m.object_label));
    }
    if m.negated {
        add(&format!("{SSSOM}predicate_modifier"), iri(&format!("{SSSOM}Not")).into());
    }
    add(&format!("{SSSOM}mapping_justification"), iri(&m.justification).into());
    add(&format!("{SSSOM}confidence"), Literal::new_typed_literal(m.confidence.to_string(), xsd::DOUBLE).into());
    add(PAV_AUTHORED_BY, iri("https://w3id.org/govgate/agent/govgate-editors").into());
    add(RDFS_COMMENT, text(&m.comment));
    add(&format!("{GGM}strmRelationship"), text(m.relation.as_str()));
    add(&format!("{GGM}strmRationale"), text(&m.rationale));
    add(&format!("{GGM}strmStrength"), Literal::new_typed_literal(m.strength.to_string(), xsd::INTEGER).into());
    for provision in &m.subject_provisions {
        add(&format!("{GGM}subjectProvision"), iri(provision).into());
    }
    for provision in &m.object_provisions {
        add(&format!("{GGM}objectProvision"), iri(provision).into());
    }
    if !m.subject_jurisdiction.is_empty() {
        add(&format!("{GGM}subjectJurisdiction"), iri(&m.subject_jurisdiction).into());
    }
    if !m.object_jurisdiction.is_empty() {
        add(&format!("{GGM}objectJurisdiction"), iri(&m.object_jurisdiction).into());
    }
    if !m.valid_from.is_empty() {
        add(&format!("{GGM}validFrom"), Literal::new_typed_literal(&m.valid_from, xsd::DATE).into());
    }
    if let Some(until) = &m.valid_until {
        add(&format!("{GGM}validUntil"), Literal::new_typed_literal(until, xsd::DATE).into());
    }
    add(&format!("{GGM}reviewStatus"), text(&m.review_status));
    if let (Some(object), true) = (&m.object, m.is_positive()) {
        out.push(Quad::new(iri(&m.subject), iri(&m.predicate), iri(object), graph.clone()));
    }
}
