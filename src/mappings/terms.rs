//! What the crosswalks may point at: the terms the ontology defines, its provisions and
//! jurisdictions, and how sure its content is. Read once from the ontology.

use std::collections::{HashMap, HashSet};

use crate::ontology::{GG, Ontology, OntologyError, text};

/// How sure the legal content behind a term is (`gg:confidence`), weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    Unconfirmed,
    SecondarySource,
    Confirmed,
}

impl Confidence {
    /// The highest mapping confidence a row may claim when a side is this sure.
    pub fn cap(self) -> f64 {
        match self {
            Confidence::Unconfirmed => 0.5,
            Confidence::SecondarySource => 0.9,
            Confidence::Confirmed => 1.0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Confidence::Unconfirmed => "[U] unconfirmed",
            Confidence::SecondarySource => "[P] secondary source",
            Confidence::Confirmed => "[C] confirmed",
        }
    }
}

/// The ontology, as far as the crosswalks need it.
#[derive(Debug, Default, Clone)]
pub struct TermIndex {
    defined: HashSet<String>,
    provisions: HashSet<String>,
    jurisdictions: HashSet<String>,
    confidence: HashMap<String, Confidence>,
    /// Provision each duty derives from.
    derived_from: HashMap<String, Vec<String>>,
    labels: HashMap<String, String>,
    /// Module (`cn-genai`, `hub`...) that defines each term.
    modules: HashMap<String, String>,
    /// `eli:date_applicability` of terms that state one.
    applies_from: HashMap<String, String>,
    /// Duty bearers (`gg:dutyBearer` / `gg:rightHolder`) of duties and rights.
    bearers: HashMap<String, Vec<String>>,
}

/// The module name of an ontology file: `ontology/modules/cn/genai.ttl` -> `cn-genai`,
/// `ontology/core.ttl` -> `hub`.
pub fn module_name(path: &str) -> String {
    let path = path.trim_start_matches("ontology/");
    match path.strip_prefix("modules/") {
        Some(module) => module.trim_end_matches(".ttl").replace('/', "-"),
        None if path == "core.ttl" => "hub".to_owned(),
        None => path.trim_end_matches(".ttl").replace('/', "-"),
    }
}

impl TermIndex {
    pub fn build(ontology: &Ontology) -> Result<Self, OntologyError> {
        let mut index = TermIndex::default();
        for row in ontology.select("SELECT DISTINCT ?s ?file WHERE { GRAPH ?file { ?s a ?type } FILTER(isIRI(?s)) }")? {
            let iri = text(&row[0]);
            let module = module_name(&row[1].as_ref().map(crate::ontology::graph_file).unwrap_or_default());
            index.modules.entry(iri.clone()).or_insert(module);
            index.defined.insert(iri);
        }
        for row in ontology.select("SELECT DISTINCT ?s WHERE { ?s a ?k VALUES ?k { gg:Provision gg:Instrument } }")? {
            index.provisions.insert(text(&row[0]));
        }
        for row in ontology.select("SELECT DISTINCT ?s WHERE { ?s a gg:Jurisdiction }")? {
            index.jurisdictions.insert(text(&row[0]));
        }
        for row in ontology.select("SELECT ?s ?c WHERE { ?s gg:confidence ?c FILTER(isIRI(?s)) }")? {
            let confidence = match text(&row[1]).strip_prefix(GG) {
                Some("Confirmed") => Confidence::Confirmed,
                Some("SecondarySource") => Confidence::SecondarySource,
                _ => Confidence::Unconfirmed,
            };
            let entry = index.confidence.entry(text(&row[0])).or_insert(confidence);
            *entry = (*entry).min(confidence);
        }
        for row in ontology.select(
            "SELECT ?s (MAX(STR(?d)) AS ?date) WHERE { ?s eli:date_applicability ?d FILTER(isIRI(?s)) } GROUP BY ?s",
        )? {
            index.applies_from.insert(text(&row[0]), text(&row[1]));
        }
        for row in ontology.select("SELECT ?s ?b WHERE { ?s gg:dutyBearer|gg:rightHolder ?b }")? {
            index.bearers.entry(text(&row[0])).or_default().push(text(&row[1]));
        }
        for row in ontology.select("SELECT ?s ?p WHERE { ?s gg:derivedFromProvision ?p }")? {
            index.derived_from.entry(text(&row[0])).or_default().push(text(&row[1]));
        }
        for row in ontology.select(
            "SELECT ?s (SAMPLE(?l) AS ?label) WHERE { ?s skos:prefLabel|rdfs:label ?l FILTER(langMatches(lang(?l), \"en\")) } GROUP BY ?s",
        )? {
            index.labels.insert(text(&row[0]), text(&row[1]));
        }
        Ok(index)
    }

    pub fn is_defined(&self, iri: &str) -> bool {
        self.defined.contains(iri)
    }

    pub fn is_provision(&self, iri: &str) -> bool {
        self.provisions.contains(iri)
    }

    pub fn is_jurisdiction(&self, iri: &str) -> bool {
        self.jurisdictions.contains(iri)
    }

    /// Hub terms: the jurisdiction-neutral concepts of `core.ttl`.
    pub fn is_hub(&self, iri: &str) -> bool {
        iri.starts_with(GG)
    }

    pub fn confidence(&self, iri: &str) -> Option<Confidence> {
        self.confidence.get(iri).copied()
    }

    /// The provisions a duty, prohibition or right derives from.
    pub fn derived_from(&self, iri: &str) -> &[String] {
        self.derived_from.get(iri).map_or(&[], Vec::as_slice)
    }

    /// The English label of a term.
    pub fn label(&self, iri: &str) -> Option<&str> {
        self.labels.get(iri).map(String::as_str)
    }

    /// The date a term applies from, if the ontology states one.
    pub fn applies_from(&self, iri: &str) -> Option<&str> {
        self.applies_from.get(iri).map(String::as_str)
    }

    /// Who bears a duty (or holds a right).
    pub fn bearers(&self, iri: &str) -> &[String] {
        self.bearers.get(iri).map_or(&[], Vec::as_slice)
    }

    /// The module that defines a term.
    pub fn module(&self, iri: &str) -> Option<&str> {
        self.modules.get(iri).map(String::as_str)
    }

    /// Duties, prohibitions and rights with the provisions they derive from.
    pub fn duties(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.derived_from.iter()
    }
}
