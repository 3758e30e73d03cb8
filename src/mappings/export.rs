//! Exports of the crosswalks: SSSOM JSON, and OSCAL 1.2 `mapping-collection` so OSCAL
//! tooling can read them. RDF exports come from the store (`rdf` module + serializer).

use serde_json::{Map, Value, json};

use super::{Mapping, MappingSet, Relation};

/// The SSSOM JSON form of a set: the header's slots, then `mappings` with every column,
/// extension values included.
pub fn sssom_json(set: &MappingSet) -> Value {
    let h = &set.file.header;
    let mut out = Map::new();
    out.insert("curie_map".into(), json!(h.curie_map));
    out.insert("mapping_set_id".into(), json!(h.mapping_set_id));
    out.insert("mapping_set_version".into(), json!(h.mapping_set_version));
    out.insert("mapping_set_title".into(), json!(h.mapping_set_title));
    if let Some(description) = &h.mapping_set_description {
        out.insert("mapping_set_description".into(), json!(description));
    }
    out.insert("license".into(), json!(h.license));
    out.insert("creator_id".into(), json!(h.creator_id));
    out.insert("subject_source".into(), json!(h.subject_source));
    out.insert("subject_source_version".into(), json!(h.subject_source_version));
    out.insert("object_source".into(), json!(h.object_source));
    out.insert("object_source_version".into(), json!(h.object_source_version));
    out.insert("mapping_date".into(), json!(h.mapping_date));
    if let Some(date) = &h.publication_date {
        out.insert("publication_date".into(), json!(date));
    }
    out.insert("sssom_version".into(), json!(h.sssom_version));
    let extensions: Vec<Value> = h
        .extension_definitions
        .iter()
        .map(|d| json!({"slot_name": d.slot_name, "property": d.property, "type_hint": d.type_hint}))
        .collect();
    out.insert("extension_definitions".into(), Value::Array(extensions));
    let columns = super::sssom::canonical_columns();
    let mut rows: Vec<&super::sssom::Row> = set.file.rows.iter().collect();
    rows.sort_by(|a, b| super::sssom::row_key(a).cmp(&super::sssom::row_key(b)));
    let mappings: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            let mut mapping = Map::new();
            for column in &columns {
                let value = row.get(column);
                if value.is_empty() {
                    continue;
                }
                let value = match column.as_str() {
                    "confidence" => value.parse::<f64>().map_or_else(|_| json!(value), |v| json!(v)),
                    "strm_strength" => value.parse::<u64>().map_or_else(|_| json!(value), |v| json!(v)),
                    "author_id" | "reviewer_id" => json!(value.split('|').collect::<Vec<_>>()),
                    _ => json!(value),
                };
                mapping.insert(column.clone(), value);
            }
            Value::Object(mapping)
        })
        .collect();
    out.insert("mappings".into(), Value::Array(mappings));
    Value::Object(out)
}

/// OSCAL's relationship token for an STRM relation (`equal-to` for syntactic equality,
/// `equivalent-to` for semantic or functional equality).
fn oscal_relationship(mapping: &Mapping) -> &'static str {
    match mapping.relation {
        Relation::Equal if mapping.rationale == "syntactic" => "equal-to",
        Relation::Equal => "equivalent-to",
        Relation::SubsetOf => "subset-of",
        Relation::SupersetOf => "superset-of",
        Relation::IntersectsWith => "intersects-with",
        Relation::NotRelatedTo => "no-relationship",
    }
}

/// A stable UUID (v5) for an IRI, so exports of the same data keep their identifiers.
pub fn uuid_for(iri: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, iri.as_bytes()).to_string()
}

/// An IRI as an OSCAL token (an NCName): the CURIE with `:` and `/` turned into `.`.
fn token(curie: &str) -> String {
    let token: String =
        curie.chars().map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '.' }).collect();
    if token.starts_with(|c: char| c.is_alphabetic() || c == '_') { token } else { format!("_{token}") }
}

/// The CURIE of an IRI under the set's curie_map (the longest matching prefix).
fn curie(set: &MappingSet, iri: &str) -> String {
    set.file
        .header
        .curie_map
        .iter()
        .filter(|(_, base)| iri.starts_with(base.as_str()))
        .max_by_key(|(_, base)| base.len())
        .map_or_else(|| iri.to_owned(), |(prefix, base)| format!("{prefix}:{}", &iri[base.len()..]))
}

/// One OSCAL `mapping-collection` holding a `mapping` per set. `last_modified` is an RFC
/// 3339 date-time with a time zone. OSCAL needs at least one map per mapping, so a set
/// whose rows are all explicit non-matches is left out (its gaps are in the SSSOM forms).
pub fn oscal_mapping_collection(sets: &[&MappingSet], title: &str, version: &str, last_modified: &str) -> Value {
    let mappings: Vec<Value> =
        sets.iter().filter(|set| set.mappings.iter().any(Mapping::is_positive)).map(|set| oscal_mapping(set)).collect();
    let identity = sets.iter().map(|s| s.file.header.mapping_set_id.as_str()).collect::<Vec<_>>().join(" ");
    json!({
        "mapping-collection": {
            "uuid": uuid_for(&format!("https://w3id.org/govgate/mappings/oscal/{version}#{identity}")),
            "metadata": {
                "title": title,
                "last-modified": last_modified,
                "version": version,
                "oscal-version": "1.2.1",
                "remarks": "Generated by govgate from its SSSOM crosswalks. Relationships follow NIST IR 8477; every row is a draft pending legal review."
            },
            "provenance": {
                "method": "human",
                "matching-rationale": "semantic",
                "status": "draft",
                "mapping-description": "Curated by the govgate editors from the instruments' texts, article by article; each map cites the provisions on both sides in its props."
            },
            "mappings": mappings
        }
    })
}

fn oscal_mapping(set: &MappingSet) -> Value {
    let h = &set.file.header;
    let positive: Vec<&Mapping> = set.mappings.iter().filter(|m| m.is_positive()).collect();
    let source_gaps: Vec<&Mapping> = set.mappings.iter().filter(|m| m.object.is_none()).collect();
    let target_gaps: Vec<&Mapping> = set.mappings.iter().filter(|m| m.subject == super::NO_TERM_FOUND).collect();
    let maps: Vec<Value> = positive.iter().map(|m| oscal_map(set, m)).collect();
    let mut mapping = json!({
        "uuid": uuid_for(&h.mapping_set_id),
        "method": "human",
        "matching-rationale": "semantic",
        "status": "draft",
        "source-resource": { "type": "govgate-module", "href": h.subject_source },
        "target-resource": { "type": "govgate-module", "href": h.object_source },
        "maps": maps,
        "props": [
            { "name": "mapping-set-id", "ns": "https://w3id.org/govgate/mapping", "value": h.mapping_set_id },
            { "name": "mapping-set-version", "ns": "https://w3id.org/govgate/mapping", "value": h.mapping_set_version }
        ],
        "mapping-description": h.mapping_set_description.clone().unwrap_or_else(|| h.mapping_set_title.clone())
    });
    if !source_gaps.is_empty() {
        let ids: Vec<String> = source_gaps.iter().map(|m| token(&curie(set, &m.subject))).collect();
        mapping["source-gap-summary"] = json!({
            "uuid": uuid_for(&format!("{}#source-gaps", h.mapping_set_id)),
            "unmapped-controls": [ { "with-ids": ids } ]
        });
    }
    if !target_gaps.is_empty() {
        let ids: Vec<String> =
            target_gaps.iter().filter_map(|m| m.object.as_deref()).map(|o| token(&curie(set, o))).collect();
        mapping["target-gap-summary"] = json!({
            "uuid": uuid_for(&format!("{}#target-gaps", h.mapping_set_id)),
            "unmapped-controls": [ { "with-ids": ids } ]
        });
    }
    mapping
}

fn oscal_map(set: &MappingSet, m: &Mapping) -> Value {
    let object = m.object.as_deref().expect("only positive rows become maps");
    let ns = "https://w3id.org/govgate/mapping";
    let mut props = vec![
        json!({ "name": "strm-strength", "ns": ns, "value": m.strength.to_string() }),
        json!({ "name": "sssom-record-id", "ns": ns, "value": m.record_id }),
        json!({ "name": "review-status", "ns": ns, "value": m.review_status }),
    ];
    if !m.valid_from.is_empty() {
        props.push(json!({ "name": "valid-from", "ns": ns, "value": m.valid_from }));
    }
    if let Some(until) = &m.valid_until {
        props.push(json!({ "name": "valid-until", "ns": ns, "value": until }));
    }
    for provision in &m.subject_provisions {
        props.push(json!({ "name": "source-provision", "ns": ns, "value": provision }));
    }
    for provision in &m.object_provisions {
        props.push(json!({ "name": "target-provision", "ns": ns, "value": provision }));
    }
    let mut map = json!({
        "uuid": uuid_for(&m.record_id),
        "matching-rationale": m.rationale,
        "relationship": oscal_relationship(m),
        "sources": [ { "type": "control", "id-ref": curie(set, &m.subject), "remarks": m.subject_label } ],
        "targets": [ { "type": "control", "id-ref": curie(set, object), "remarks": m.object_label } ],
        "confidence-score": { "percentage": m.confidence },
        "props": props,
        "remarks": m.comment
    });
    if !m.relation.is_exact() {
        map["qualifiers"] = json!([{
            "subject": "both",
            "predicate": "has-incompatibility",
            "category": "addressable",
            "description": m.comment
        }]);
    }
    map
}
