//! Counts per module: instruments, provisions, duties, concepts and labels by language.
//! The README's table comes from `govgate ontology stats`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Ontology, OntologyError, graph_file, text};

/// The counts of one ontology file.
#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct ModuleStats {
    pub file: String,
    pub instruments: u64,
    pub provisions: u64,
    pub obligations: u64,
    pub prohibitions: u64,
    pub rights: u64,
    pub concepts: u64,
    pub triples: u64,
    /// Labels (skos:prefLabel, skos:altLabel, rdfs:label) by language tag.
    pub labels: BTreeMap<String, u64>,
}

/// One query per figure, each grouped by file.
const COUNTS: &[(&str, &str)] = &[
    ("instruments", "?s a gg:Instrument"),
    ("provisions", "?s a gg:Provision"),
    ("obligations", "?s a gg:Obligation"),
    ("prohibitions", "?s a gg:Prohibition"),
    ("rights", "?s a gg:Right"),
    ("concepts", "?s a skos:Concept"),
    ("concepts", "?s a ?c . ?c rdfs:subClassOf skos:Concept"),
];

pub fn stats(ontology: &Ontology) -> Result<Vec<ModuleStats>, OntologyError> {
    let mut modules: BTreeMap<String, ModuleStats> = ontology
        .files()
        .iter()
        .map(|file| (file.clone(), ModuleStats { file: file.clone(), ..Default::default() }))
        .collect();
    let mut concepts: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for (figure, pattern) in COUNTS {
        let rows = ontology.select(&format!(
            "SELECT ?file ?s WHERE {{ GRAPH ?file {{ ?s a ?any }} {{ {pattern} }} FILTER(isIRI(?s)) }}"
        ))?;
        let mut counts: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for row in rows {
            counts.entry(graph_file(row[0].as_ref().expect("bound"))).or_default().insert(text(&row[1]));
        }
        for (file, subjects) in counts {
            let Some(module) = modules.get_mut(&file) else { continue };
            match *figure {
                "instruments" => module.instruments = subjects.len() as u64,
                "provisions" => module.provisions = subjects.len() as u64,
                "obligations" => module.obligations = subjects.len() as u64,
                "prohibitions" => module.prohibitions = subjects.len() as u64,
                "rights" => module.rights = subjects.len() as u64,
                _ => concepts.entry(file).or_default().extend(subjects),
            }
        }
    }
    for (file, subjects) in concepts {
        if let Some(module) = modules.get_mut(&file) {
            module.concepts = subjects.len() as u64;
        }
    }
    for row in ontology.select("SELECT ?file (COUNT(*) AS ?n) WHERE { GRAPH ?file { ?s ?p ?o } } GROUP BY ?file")? {
        if let Some(module) = modules.get_mut(&graph_file(row[0].as_ref().expect("bound"))) {
            module.triples = text(&row[1]).parse().unwrap_or(0);
        }
    }
    let labels = ontology.select(
        "SELECT ?file ?lang (COUNT(*) AS ?n) WHERE { \
         GRAPH ?file { ?s skos:prefLabel|skos:altLabel|rdfs:label ?l } BIND(LANG(?l) AS ?lang) } GROUP BY ?file ?lang",
    )?;
    for row in labels {
        if let Some(module) = modules.get_mut(&graph_file(row[0].as_ref().expect("bound"))) {
            let lang = text(&row[1]);
            let lang = if lang.is_empty() { "none".to_owned() } else { lang };
            module.labels.insert(lang, text(&row[2]).parse().unwrap_or(0));
        }
    }
    Ok(modules.into_values().collect())
}

/// The counts as a Markdown table, with a total row.
pub fn table(modules: &[ModuleStats]) -> String {
    let mut out = String::from(
        "| module | instruments | provisions | obligations | prohibitions | rights | concepts | labels en | labels zh-Hans | other labels | triples |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut total = ModuleStats { file: "**total**".to_owned(), ..Default::default() };
    for module in modules {
        let (en, zh, other) = label_split(&module.labels);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {en} | {zh} | {other} | {} |\n",
            module.file.trim_start_matches("ontology/"),
            module.instruments,
            module.provisions,
            module.obligations,
            module.prohibitions,
            module.rights,
            module.concepts,
            module.triples
        ));
        total.instruments += module.instruments;
        total.provisions += module.provisions;
        total.obligations += module.obligations;
        total.prohibitions += module.prohibitions;
        total.rights += module.rights;
        total.concepts += module.concepts;
        total.triples += module.triples;
        for (lang, n) in &module.labels {
            *total.labels.entry(lang.clone()).or_default() += n;
        }
    }
    let (en, zh, other) = label_split(&total.labels);
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} | {} | {en} | {zh} | {other} | {} |\n",
        total.file,
        total.instruments,
        total.provisions,
        total.obligations,
        total.prohibitions,
        total.rights,
        total.concepts,
        total.triples
    ));
    out
}

fn label_split(labels: &BTreeMap<String, u64>) -> (u64, u64, u64) {
    let mut split = (0, 0, 0);
    for (lang, n) in labels {
        match lang.as_str() {
            "en" => split.0 += n,
            "zh-hans" => split.1 += n,
            _ => split.2 += n,
        }
    }
    split
}
