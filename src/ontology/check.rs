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
/// instrument's). A date is the date of application, of the document or of publication,
/// or a dated status change: the reference does not give every instrument a day.
fn provisions(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let rows = ontology.select(
        r##"SELECT ?p ?file ?instrument ?citation ?local ?date ?source
                  (GROUP_CONCAT(CONCAT(STRAFTER(STR(?prop), "#"), "=", STR(?value)); separator="|") AS ?ids)
          WHERE {
            GRAPH ?file { ?p a gg:Provision }
            OPTIONAL { ?p gg:instrument ?instrument }
            OPTIONAL { ?p gg:citation ?citation }
            OPTIONAL { ?p eli:id_local ?local }
            OPTIONAL {
              { ?p ?dated ?date FILTER(?dated IN (eli:date_applicability, eli:date_document, eli:date_publication, dct:issued)) }
              UNION { ?p gg:instrument ?i . ?i ?dated ?date
                      FILTER(?dated IN (eli:date_applicability, eli:date_document, eli:date_publication, dct:issued)) }
              UNION { ?p gg:instrument/gg:statusChange/gg:changeDate ?date }
            }
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
            add(findings, "no date (applicability, document, publication or a dated status change) on the provision or its instrument".to_owned());
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
    let duty = "GRAPH ?file { ?s a ?type } VALUES ?type { gg:Obligation gg:Prohibition gg:Right }";
    let conditions = [
        (
            "?s gg:derivedFromProvision ?p . ?p a ?kind VALUES ?kind { gg:Provision gg:Instrument }",
            "no gg:derivedFromProvision pointing at a gg:Provision (or the gg:Instrument when the reference gives no article)",
        ),
        ("?s gg:dutyBearer|gg:rightHolder ?role", "no gg:dutyBearer (or gg:rightHolder for a right)"),
        ("?s gg:obligationTopic ?topic", "no gg:obligationTopic"),
    ];
    for (condition, message) in conditions {
        missing(ontology, findings, "duty", duty, condition, message)?;
    }
    Ok(())
}

/// Property shapes cite the provision that asks for the field, and say why they fail.
/// Anonymous node shapes nested in a property shape (`sh:node [...]`) are parts of that
/// property shape, which carries the message and the citation.
fn shapes(ontology: &Ontology, findings: &mut Vec<Finding>) -> Result<(), OntologyError> {
    let property_shape = "GRAPH ?file { ?shape a sh:NodeShape ; sh:property ?s } FILTER(isIRI(?shape))";
    let conditions = [
        ("?s sh:path ?path", "property shape has no sh:path"),
        ("?s sh:message ?message", "property shape has no sh:message"),
        (
            "?s rdfs:seeAlso ?provision . ?provision a gg:Provision",
            "property shape has no rdfs:seeAlso pointing at the gg:Provision that requires the field",
        ),
    ];
    for (condition, message) in conditions {
        missing(ontology, findings, "shape", property_shape, condition, message)?;
    }
    Ok(())
}

/// Adds a finding for every `?s` (in `?file`) matched by `pattern` that lacks `condition`.
fn missing(
    ontology: &Ontology,
    findings: &mut Vec<Finding>,
    rule: &'static str,
    pattern: &str,
    condition: &str,
    message: &str,
) -> Result<(), OntologyError> {
    let rows = ontology
        .select(&format!("SELECT DISTINCT ?s ?file WHERE {{ {pattern} FILTER NOT EXISTS {{ {condition} }} }}"))?;
    for row in rows {
        findings.push(finding(rule, &row[1], &row[0], message));
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
    use crate::content::Content;

    const PREFIXES: &str = "@prefix gg: <https://w3id.org/govgate/core#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://w3id.org/govgate/j/xx/test#> .
";

    /// A minimal hub: the terms the test module uses, with their labels.
    const HUB: &str = r#"
gg:Provision a owl:Class ; rdfs:label "provision"@en, "条款"@zh-Hans ; rdfs:comment "A provision."@en .
gg:Obligation a owl:Class ; rdfs:label "obligation"@en, "义务"@zh-Hans ; rdfs:comment "A duty."@en .
gg:Instrument a owl:Class ; rdfs:label "instrument"@en, "文书"@zh-Hans ; rdfs:comment "An instrument."@en .
gg:Confirmed a skos:Concept ; skos:prefLabel "confirmed"@en, "已确认"@zh-Hans ; skos:definition "Confirmed."@en .
gg:Provider a skos:Concept ; skos:prefLabel "provider"@en, "提供者"@zh-Hans ; skos:definition "A provider."@en .
gg:TopicX a skos:Concept ; skos:prefLabel "topic"@en, "主题"@zh-Hans ; skos:definition "A topic."@en .
"#;

    /// A minimal module that follows every convention.
    const MODULE: &str = r#"
<https://w3id.org/govgate/eli/xx/test> a gg:Instrument ; skos:prefLabel "Test Act"@en ; skos:definition "A test act."@en ;
    eli:date_applicability "2024-01-01"^^xsd:date ; gg:sourceKey "S:TEST" ; gg:confidence gg:Confirmed .
<https://w3id.org/govgate/eli/xx/test/art_3/par_2> a gg:Provision ; gg:instrument <https://w3id.org/govgate/eli/xx/test> ;
    gg:article "3" ; gg:paragraph "2" ; eli:id_local "Art. 3(2)" ; gg:citation "TEST Art. 3(2)" ;
    skos:prefLabel "Art. 3(2)"@en ; gg:confidence gg:Confirmed .
ex:Duty a gg:Obligation ; skos:prefLabel "a duty"@en ; skos:definition "Do it."@en ; gg:confidence gg:Confirmed ;
    gg:derivedFromProvision <https://w3id.org/govgate/eli/xx/test/art_3/par_2> ; gg:dutyBearer gg:Provider ; gg:obligationTopic gg:TopicX .
"#;

    /// Every property the fixtures use, declared so the undefined-term rule is satisfied.
    fn hub() -> String {
        let properties = [
            "instrument",
            "article",
            "paragraph",
            "point",
            "citation",
            "confidence",
            "sourceKey",
            "derivedFromProvision",
            "dutyBearer",
            "obligationTopic",
            "relatedTo",
        ];
        let mut hub = format!("{PREFIXES}{HUB}");
        for p in properties.iter().filter(|p| **p != "relatedTo") {
            hub.push_str(&format!(
                "gg:{p} a owl:ObjectProperty ; rdfs:label \"{p}\"@en, \"属性\"@zh-Hans ; rdfs:comment \"{p}\"@en .\n"
            ));
        }
        hub
    }

    fn findings(extra: &str) -> Vec<Finding> {
        let content = Content::from_files([
            ("ontology/core.ttl".to_owned(), hub().into_bytes()),
            ("ontology/modules/xx/test.ttl".to_owned(), format!("{PREFIXES}{MODULE}{extra}").into_bytes()),
        ]);
        let ontology = Ontology::from_content(&content).unwrap();
        let dpv: HashSet<String> = ["https://w3id.org/dpv#Obligation".to_owned()].into();
        check(&ontology, Some(&dpv)).unwrap()
    }

    fn rules(extra: &str) -> Vec<&'static str> {
        findings(extra).into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn chinese_labels_are_required_in_the_hub_and_chinese_modules() {
        let content = Content::from_files([
            ("ontology/core.ttl".to_owned(), hub().into_bytes()),
            ("ontology/modules/cn/test.ttl".to_owned(), format!("{PREFIXES}{MODULE}").into_bytes()),
        ]);
        let found = check(&Ontology::from_content(&content).unwrap(), None).unwrap();
        assert_eq!(found.iter().filter(|f| f.rule == "label-zh").count(), 3, "{found:?}");
    }

    #[test]
    fn a_module_that_follows_the_conventions_has_no_findings() {
        assert_eq!(findings(""), vec![]);
    }

    #[test]
    fn each_rule_catches_its_violation() {
        assert_eq!(rules("ex:Duty gg:relatedTo ex:Nowhere ."), ["undefined-term", "undefined-term"]);
        assert_eq!(
            rules("ex:Bare a gg:Obligation ."),
            ["confidence", "definition-en", "duty", "duty", "duty", "label-en"]
        );
        assert_eq!(
            rules("<https://w3id.org/govgate/eli/xx/test/art_3/par_2> gg:point \"1\" ."),
            ["provision"],
            "an identifier the path does not have"
        );
        assert_eq!(
            rules(
                "<https://w3id.org/govgate/eli/xx/test/chapter_1> a gg:Provision ; gg:instrument <https://w3id.org/govgate/eli/xx/test> ; eli:id_local \"Ch. 1\" ; gg:citation \"TEST Ch. 1\" ; skos:prefLabel \"c\"@en, \"章\"@zh-Hans ; gg:confidence gg:Confirmed ."
            ),
            ["provision"],
            "an undocumented path segment"
        );
        assert_eq!(
            rules(
                "ex:Duty2 a gg:Obligation ; skos:prefLabel \"d\"@en, \"义务\"@zh-Hans ; skos:definition \"d\"@en ; gg:confidence gg:Confirmed ; gg:derivedFromProvision <https://w3id.org/govgate/eli/xx/test/art_3/par_2> ; gg:obligationTopic gg:TopicX ."
            ),
            ["duty"]
        );
        assert_eq!(
            rules("ex:Shape a sh:NodeShape ; sh:property [ sh:path gg:instrument ; sh:message \"m\" ] ."),
            ["shape"]
        );
        assert_eq!(rules("ex:Duty skos:closeMatch <https://w3id.org/dpv#NoSuchTerm> ."), ["dpv-term"]);
    }

    #[test]
    fn a_term_typed_in_two_files_is_minted_twice() {
        let content = Content::from_files([
            ("ontology/core.ttl".to_owned(), hub().into_bytes()),
            ("ontology/modules/xx/test.ttl".to_owned(), format!("{PREFIXES}{MODULE}").into_bytes()),
            ("ontology/modules/xx/other.ttl".to_owned(), format!("{PREFIXES}ex:Duty a gg:Obligation .").into_bytes()),
        ]);
        let ontology = Ontology::from_content(&content).unwrap();
        let found = check(&ontology, None).unwrap();
        assert!(found.iter().any(|f| f.rule == "minted-twice"), "{found:?}");
    }

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
