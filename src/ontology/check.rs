//! The ontology's conventions (`ontology/README.md`), enforced. Each rule is a query or a
//! small function that returns findings naming the rule, the term and its file.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use oxigraph::model::Term;

use super::{ELI_ROOT, NAMESPACE_ROOT, Ontology, OntologyError, graph_file, text};

/// One violation of a convention.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub rule: &'static str,
    pub file: String,
    pub subject: String,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: [{}] `{}`: {}", self.file, self.rule, self.subject, self.message)
    }
}

/// Files whose terms need Simplified Chinese labels: the hub, the jurisdictions and every
/// Chinese instrument.
fn needs_chinese(file: &str) -> bool {
    file == "ontology/core.ttl" || file == "ontology/jurisdictions.ttl" || file.starts_with("ontology/modules/cn/")
}

/// Namespaces whose IRIs must exist in the DPV 2.3 release govgate builds on.
pub const DPV_NAMESPACES: &[&str] = &["https://w3id.org/dpv#", "https://w3id.org/dpv/"];

/// Runs every rule. `dpv_terms` is the set of IRIs defined by the DPV files; without it,
/// the DPV rule is skipped (the release content does not carry DPV itself).
pub fn check(ontology: &Ontology, dpv_terms: Option<&HashSet<String>>) -> Result<Vec<Finding>, OntologyError> {
    let mut findings = Vec::new();
    undefined_terms(ontology, &mut findings)?;
    minted_twice(ontology, &mut findings)?;
    labels_and_definitions(ontology, &mut findings)?;
    provisions(ontology, &mut findings)?;
    confidence(ontology, &mut findings)?;
    duties(ontology, &mut findings)?;
    shapes(ontology, &mut findings)?;
    if let Some(dpv_terms) = dpv_terms {
        dpv_reuse(ontology, dpv_terms, &mut findings)?;
    }
    findings.sort();
    findings.dedup();
    Ok(findings)
}

fn finding(rule: &'static str, file: &Option<Term>, subject: &Option<Term>, message: impl Into<String>) -> Finding {
    Finding {
        rule,
        file: file.as_ref().map(graph_file).unwrap_or_default(),
        subject: text(subject),
        message: message.into(),
    }
}

/// Every IRI of ours that a file uses is typed somewhere.
fn undefined_terms(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let rows = ontology.select(&format!(
        r#"SELECT ?t (SAMPLE(?g) AS ?file) WHERE {{
            GRAPH ?g {{
              {{ ?t ?p ?o }} UNION {{ ?s ?t ?o }}
              UNION {{ ?s ?p ?t FILTER(?p NOT IN (owl:versionIRI, owl:imports, owl:priorVersion)) }}
            }}
            FILTER(isIRI(?t) && STRSTARTS(STR(?t), "{NAMESPACE_ROOT}"))
            FILTER NOT EXISTS {{ GRAPH ?any {{ ?t a ?type }} }}
          }} GROUP BY ?t"#
    ))?;
    for row in rows {
        findings.push(finding("undefined-term", &row[1], &row[0], "used but never defined (no rdf:type anywhere)"));
    }
    Ok(())
}

/// No IRI is minted (typed) in two files.
fn minted_twice(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let rows = ontology.select(&format!(
        r#"SELECT ?s (GROUP_CONCAT(DISTINCT STR(?g); separator=", ") AS ?files) (SAMPLE(?g) AS ?file) WHERE {{
            GRAPH ?g {{ ?s a ?type }}
            FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{NAMESPACE_ROOT}"))
          }} GROUP BY ?s HAVING (COUNT(DISTINCT ?g) > 1)"#
    ))?;
    for row in rows {
        let files = text(&row[1]).replace("file:///", "");
        findings.push(finding("minted-twice", &row[2], &row[0], format!("defined in several files: {files}")));
    }
    Ok(())
}

/// Every typed term of ours has an English label and definition, and a Chinese label
/// where the file requires one. Provisions need a label and the structured rules below,
/// not a definition; shapes and ontology headers are exempt.
fn labels_and_definitions(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let rows = ontology.select(&format!(
        r#"SELECT ?s ?file
            (MAX(?en) AS ?hasEn) (MAX(?def) AS ?hasDef) (MAX(?zh) AS ?hasZh) (MAX(?prov) AS ?isProvision)
          WHERE {{
            GRAPH ?file {{ ?s a ?type }}
            FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{NAMESPACE_ROOT}"))
            FILTER NOT EXISTS {{ ?s a owl:Ontology }}
            FILTER NOT EXISTS {{ ?s a ?shape FILTER(?shape IN (sh:NodeShape, sh:PropertyShape)) }}
            BIND(EXISTS {{ ?s skos:prefLabel|rdfs:label ?l FILTER(langMatches(lang(?l), "en")) }} AS ?en)
            BIND(EXISTS {{ ?s skos:definition|rdfs:comment|gg:summary ?d FILTER(langMatches(lang(?d), "en")) }} AS ?def)
            BIND(EXISTS {{ ?s skos:prefLabel|rdfs:label|skos:altLabel ?z FILTER(lang(?z) = "zh-hans") }} AS ?zh)
            BIND(EXISTS {{ ?s a gg:Provision }} AS ?prov)
          }} GROUP BY ?s ?file"#
    ))?;
    for row in rows {
        let truthy = |term: &Option<Term>| text(term) == "true";
        let file = row[1].as_ref().map(graph_file).unwrap_or_default();
        if !truthy(&row[2]) {
            findings.push(finding("label-en", &row[1], &row[0], "no English label (skos:prefLabel or rdfs:label @en)"));
        }
        if !truthy(&row[3]) && !truthy(&row[5]) {
            findings.push(finding(
                "definition-en",
                &row[1],
                &row[0],
                "no English definition (skos:definition or rdfs:comment @en)",
            ));
        }
        if needs_chinese(&file) && !truthy(&row[4]) {
            findings.push(finding("label-zh", &row[1], &row[0], "no Simplified Chinese label (@zh-Hans)"));
        }
    }
    Ok(())
}

/// A provision IRI path segment and the property that must repeat its value.
const SEGMENTS: &[(&str, &str)] = &[
    ("art_", "article"),
    ("par_", "paragraph"),
    ("pnt_", "point"),
    ("anx_", "annex"),
    ("sec_", "section"),
    ("cl_", "clause"),
    ("ctl_", "control"),
    ("fn_", "function"),
    ("cat_", "category"),
    ("subcat_", "subcategory"),
];

/// Splits a provision IRI below its instrument into (property, value) pairs; the innermost
/// point wins when points nest. `None` when a segment is not one of [`SEGMENTS`].
pub fn identifiers_from_path(path: &str) -> Option<BTreeMap<&'static str, String>> {
    let mut identifiers = BTreeMap::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let (prefix, property) = SEGMENTS.iter().find(|(prefix, _)| segment.starts_with(prefix))?;
        let value = &segment[prefix.len()..];
        if value.is_empty() {
            return None;
        }
        identifiers.insert(*property, value.to_owned());
    }
    Some(identifiers)
}

/// The identifier value as the provision states it: NIST's "GOVERN 1.1" is `GOVERN-1.1`
/// in the IRI.
fn normalise_identifier(value: &str) -> String {
    value.trim().replace(' ', "-")
}

/// Provisions: their IRI sits under their instrument, its segments and the identifier
/// properties agree, and they carry a citation, a date and a source (their own or their
/// instrument's).
fn provisions(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let rows = ontology.select(
        r##"SELECT ?p ?file ?instrument ?citation ?local ?date ?source
                  (GROUP_CONCAT(CONCAT(STRAFTER(STR(?prop), "#"), "=", STR(?value)); separator="|") AS ?ids)
          WHERE {
            GRAPH ?file { ?p a gg:Provision }
            OPTIONAL { ?p gg:instrument ?instrument }
            OPTIONAL { ?p gg:citation ?citation }
            OPTIONAL { ?p eli:id_local ?local }
            OPTIONAL { { ?p eli:date_applicability ?date } UNION { ?p gg:instrument/eli:date_applicability ?date } }
            OPTIONAL { { ?p dct:source|gg:sourceKey ?source } UNION { ?p gg:instrument/(dct:source|gg:sourceKey) ?source } }
            OPTIONAL {
              ?p ?prop ?value
              FILTER(?prop IN (gg:article, gg:paragraph, gg:point, gg:annex, gg:section, gg:clause, gg:control,
                               gg:function, gg:category, gg:subcategory))
            }
          } GROUP BY ?p ?file ?instrument ?citation ?local ?date ?source"##,
    )?;
    let mut seen = HashSet::new();
    for row in rows {
        let provision = text(&row[0]);
        if !seen.insert(provision.clone()) {
            continue; // several dates or sources: one row is enough to judge
        }
        let instrument = text(&row[2]);
        let add = |findings: &mut Vec<Finding>, message: String| {
            findings.push(finding("provision", &row[1], &row[0], message));
        };
        if !provision.starts_with(ELI_ROOT) {
            add(findings, format!("provision IRIs live under {ELI_ROOT}"));
        }
        if instrument.is_empty() {
            add(findings, "no gg:instrument".to_owned());
        } else if let Some(path) = provision.strip_prefix(&format!("{instrument}/")) {
            match identifiers_from_path(path) {
                None => add(findings, format!("path `{path}` has a segment that is not one of the documented kinds")),
                Some(expected) => {
                    let stated: BTreeMap<String, String> = text(&row[7])
                        .split('|')
                        .filter(|s| !s.is_empty())
                        .filter_map(|pair| pair.split_once('='))
                        .map(|(k, v)| (k.to_owned(), normalise_identifier(v)))
                        .collect();
                    let expected: BTreeMap<String, String> =
                        expected.into_iter().map(|(k, v)| (k.to_owned(), normalise_identifier(&v))).collect();
                    if stated != expected {
                        add(
                            findings,
                            format!("identifier properties {stated:?} do not match the IRI path {expected:?}"),
                        );
                    }
                }
            }
        } else {
            add(findings, format!("IRI is not below its instrument `{instrument}`"));
        }
        if text(&row[3]).is_empty() {
            add(findings, "no gg:citation".to_owned());
        }
        if text(&row[4]).is_empty() {
            add(findings, "no eli:id_local".to_owned());
        }
        if text(&row[5]).is_empty() {
            add(findings, "no eli:date_applicability on the provision or its instrument".to_owned());
        }
        if text(&row[6]).is_empty() {
            add(findings, "no source (dct:source or gg:sourceKey) on the provision or its instrument".to_owned());
        }
    }
    Ok(())
}

/// Instruments, provisions, duties, rights and status changes say how sure their content is.
fn confidence(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let rows = ontology.select(
        r#"SELECT DISTINCT ?s ?file WHERE {
            GRAPH ?file { ?s a ?type }
            VALUES ?type { gg:Instrument gg:Provision gg:Obligation gg:Prohibition gg:Right gg:StatusChange }
            FILTER NOT EXISTS { ?s gg:confidence ?c FILTER(?c IN (gg:Confirmed, gg:SecondarySource, gg:Unconfirmed)) }
          }"#,
    )?;
    for row in rows {
        findings.push(finding(
            "confidence",
            &row[1],
            &row[0],
            "no gg:confidence (Confirmed, SecondarySource or Unconfirmed)",
        ));
    }
    Ok(())
}

/// Duties and rights link to the provision they come from, who bears or holds them, and
/// their topic.
fn duties(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let rows = ontology.select(
        r#"SELECT DISTINCT ?s ?file ?missing WHERE {
            GRAPH ?file { ?s a ?type }
            VALUES ?type { gg:Obligation gg:Prohibition gg:Right }
            {
              FILTER NOT EXISTS { ?s gg:derivedFromProvision ?p . ?p a gg:Provision }
              BIND("gg:derivedFromProvision pointing at a gg:Provision" AS ?missing)
            } UNION {
              FILTER NOT EXISTS { ?s gg:dutyBearer|gg:rightHolder ?role }
              BIND("gg:dutyBearer (or gg:rightHolder for a right)" AS ?missing)
            } UNION {
              FILTER NOT EXISTS { ?s gg:obligationTopic ?topic }
              BIND("gg:obligationTopic" AS ?missing)
            }
          }"#,
    )?;
    for row in rows {
        findings.push(finding("duty", &row[1], &row[0], format!("no {}", text(&row[2]))));
    }
    Ok(())
}

/// Property shapes cite the provision that asks for the field, and say why they fail.
fn shapes(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let rows = ontology.select(
        r#"SELECT DISTINCT ?node ?file ?missing WHERE {
            GRAPH ?file { ?shape a sh:NodeShape ; sh:property ?node }
            {
              FILTER NOT EXISTS { ?node sh:path ?path }
              BIND("sh:path" AS ?missing)
            } UNION {
              FILTER NOT EXISTS { ?node sh:message ?message }
              BIND("sh:message" AS ?missing)
            } UNION {
              FILTER NOT EXISTS { ?node rdfs:seeAlso ?provision . ?provision a gg:Provision }
              BIND("rdfs:seeAlso pointing at the gg:Provision that requires the field" AS ?missing)
            }
          }"#,
    )?;
    for row in rows {
        findings.push(finding("shape", &row[1], &row[0], format!("property shape has no {}", text(&row[2]))));
    }
    Ok(())
}

/// Every DPV IRI the ontology reuses exists in the DPV release.
fn dpv_reuse(
    ontology: &Ontology,
    dpv_terms: &HashSet<String>,
    findings: &mut Vec<Finding>,
) -> Result<(), OntologyError> {
    let filter =
        DPV_NAMESPACES.iter().map(|ns| format!("STRSTARTS(STR(?t), \"{ns}\")")).collect::<Vec<_>>().join(" || ");
    let rows = ontology.select(&format!(
        r#"SELECT DISTINCT ?t ?file WHERE {{
            GRAPH ?file {{ {{ ?s ?p ?t }} UNION {{ ?t ?p ?o }} UNION {{ ?s ?t ?o }} }}
            FILTER(isIRI(?t) && ({filter}))
          }}"#
    ))?;
    for row in rows {
        if !dpv_terms.contains(&text(&row[0])) {
            findings.push(finding("dpv-term", &row[1], &row[0], "not defined in DPV 2.3 (shared/vocab/dpv-2.3)"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_become_identifier_properties() {
        let ids = identifiers_from_path("art_38/par_1/pnt_3").unwrap();
        assert_eq!(ids["article"], "38");
        assert_eq!(ids["paragraph"], "1");
        assert_eq!(ids["point"], "3");
        let annex = identifiers_from_path("anx_III/pnt_5/pnt_b").unwrap();
        assert_eq!((annex["annex"].as_str(), annex["point"].as_str()), ("III", "b"));
        assert_eq!(identifiers_from_path("ctl_A.6.2.7").unwrap()["control"], "A.6.2.7");
        assert_eq!(identifiers_from_path("subcat_GOVERN-1.1").unwrap()["subcategory"], "GOVERN-1.1");
        assert!(identifiers_from_path("chapter_5").is_none());
        assert!(identifiers_from_path("art_").is_none());
    }
}
