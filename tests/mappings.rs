//! The crosswalks: every file valid and canonical, one broken file per validator rule,
//! byte-stable round trips, chaining, coverage, exports and loading into the store.

mod common;

use std::path::Path;
use std::sync::LazyLock;

use govgate::content::Content;
use govgate::mappings::{self, MappingSet, TermIndex, chain, coverage, export, sssom, validate};
use govgate::ontology::Ontology;
use govgate::startup::{Gateway, StoreMode};
use govgate::store::GraphKind;

static CONTENT: LazyLock<Content> =
    LazyLock::new(|| Content::from_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("content"));
static TERMS: LazyLock<TermIndex> =
    LazyLock::new(|| TermIndex::build(&Ontology::from_content(&CONTENT).expect("ontology")).expect("terms"));

const FIXTURE: &str = include_str!("data/sssom/eu-ai-act--cn-labeling.sssom.tsv");
const FIXTURE_PATH: &str = "tests/data/sssom/eu-ai-act--cn-labeling.sssom.tsv";

/// The rules a file breaks, as "rule@line:column".
fn issues(text: &str) -> Vec<String> {
    match sssom::read(FIXTURE_PATH, text) {
        Err(error) => vec![format!("read@{}:{}", error.line, error.column)],
        Ok(set) => validate::validate(&set, text, &TERMS)
            .into_iter()
            .map(|i| format!("{}@{}:{}", i.rule, i.line, i.column))
            .collect(),
    }
}

fn replace(from: &str, to: &str) -> String {
    assert!(FIXTURE.contains(from), "fixture lacks `{from}`");
    FIXTURE.replacen(from, to, 1)
}

#[test]
fn every_crosswalk_is_valid_and_canonical() {
    let issues = mappings::validate_all(&CONTENT, &TERMS).unwrap();
    let report: Vec<String> = issues.iter().map(ToString::to_string).collect();
    assert!(issues.is_empty(), "{} issues:\n{}", issues.len(), report.join("\n"));
    assert!(CONTENT.files(mappings::CROSSWALKS_DIR, ".sssom.tsv").count() >= 40);
}

#[test]
fn the_fixture_is_valid() {
    assert_eq!(issues(FIXTURE), Vec::<String>::new());
}

#[test]
fn each_validator_rule_rejects_its_broken_file() {
    // (what is broken, the edit, the issue expected, with its line and column)
    let cases: &[(&str, String, &str)] = &[
        ("missing licence", replace("#license: https://creativecommons.org/licenses/by/4.0/\n", ""), "read@"),
        ("licence not an IRI", replace("https://creativecommons.org/licenses/by/4.0/", "CC-BY"), "license@14:1"),
        ("unknown header key", replace("#sssom_version", "#mapping_tool: x\n#sssom_version"), "read@"),
        ("unknown prefix", replace("euaia:ProhibitSocialScoring\t", "eux:ProhibitSocialScoring\t"), "unknown-prefix@"),
        (
            "unused prefix",
            replace(
                "#  sssom: https://w3id.org/sssom/\n",
                "#  sssom: https://w3id.org/sssom/\n#  zzz: https://example.org/\n",
            ),
            "curie-map@11:3",
        ),
        (
            "redefined built-in prefix",
            replace("#  skos: http://www.w3.org/2004/02/skos/core#", "#  skos: https://example.org/skos#"),
            "curie-map@",
        ),
        (
            "undeclared extension column",
            replace("\treview_status\n", "\treview_status\tnotes\n").replace("\tdraft\n", "\tdraft\tx\n"),
            "column@",
        ),
        ("missing required column", replace("\tcomment\t", "\tremark\t"), "column@"),
        ("relation inconsistent with predicate", replace("skos:closeMatch", "skos:exactMatch"), "relation@"),
        (
            "closeMatch below strength 7",
            replace("\tintersects-with\tsemantic\t8\t", "\tintersects-with\tsemantic\t5\t"),
            "relation@",
        ),
        ("strength out of range", replace("\tsemantic\t8\t", "\tsemantic\t11\t"), "strength@"),
        ("confidence out of range", replace("\t0.8\t", "\t1.3\t"), "confidence@"),
        ("subject not in the ontology", replace("euaia:MarkSyntheticContent", "euaia:NoSuchDuty"), "undefined-term@"),
        (
            "provision not in the ontology",
            replace("ggeli:eu/ai-act/art_50/par_2", "ggeli:eu/ai-act/art_999"),
            "provision@",
        ),
        ("duplicate record id", replace("ggm:eu-ai-act--cn-labeling-2", "ggm:eu-ai-act--cn-labeling-1"), "record-id@"),
        (
            "duplicate row",
            format!("{FIXTURE}{}", FIXTURE.lines().last().unwrap().replace("labeling-2", "labeling-3") + "\n"),
            "duplicate@",
        ),
        ("empty justification", replace("\tsemapv:ManualMappingCuration\t0.8", "\t\t0.8"), "justification@"),
        (
            "chained row in a curated file",
            replace("\tsemapv:ManualMappingCuration\t0.8", "\tsemapv:MappingChaining\t0.8"),
            "justification@",
        ),
        (
            "no reason given",
            replace(
                "Both require machine-readable marking of generated content; the CN measure prescribes metadata fields, the AI Act only the result.",
                "",
            ),
            "required@",
        ),
        ("reviewed without reviewer", replace("\t2026-08-02\t\tdraft", "\t2026-08-02\t\treviewed"), "review-status@"),
        ("bad date", replace("\t2026-08-02\t", "\t2026-13-02\t"), "date@"),
        (
            "wrong set id",
            replace("mappings/eu-ai-act--cn-labeling/2026.1", "mappings/eu-ai-act--cn-genai/2026.1"),
            "set-id@",
        ),
        ("ragged row", replace("\t2026-08-02\t\tdraft", "\t2026-08-02\tdraft"), "read@"),
        (
            "not canonical",
            replace("#mapping_set_version: \"2026.1\"", "#mapping_set_version: '2026.1'"),
            "canonical@12:1",
        ),
    ];
    let mut failures = Vec::new();
    for (what, text, expected) in cases {
        let found = issues(text);
        if !found.iter().any(|issue| issue.starts_with(expected)) {
            failures.push(format!("{what}: expected {expected}, got {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn canonical_files_round_trip_byte_for_byte() {
    for (file, text) in mappings::read_all(&CONTENT).unwrap() {
        assert!(sssom::write(&file) == text, "{} is not canonical", file.path);
        let again = sssom::read(&file.path, &text).unwrap();
        assert_eq!(again, file, "{}", file.path);
    }
    let fixture = sssom::read(FIXTURE_PATH, FIXTURE).unwrap();
    assert_eq!(sssom::write(&fixture), FIXTURE);
}

#[test]
fn chaining_follows_the_sssom_rules_and_is_never_curated() {
    let sets = mappings::load_all(&CONTENT).unwrap();
    let chained = chain::through_hub(&sets);
    let curated: std::collections::HashSet<(String, String)> = sets
        .iter()
        .flat_map(|s| &s.mappings)
        .filter(|m| m.is_positive())
        .map(|m| (m.subject.clone(), m.object.clone().unwrap()))
        .collect();
    for row in &chained {
        assert!(!curated.contains(&(row.subject.clone(), row.object.clone())), "{row:?} shadows a curated row");
        for record in &row.records {
            let source = sets.iter().flat_map(|s| &s.mappings).find(|m| &m.record_id == record).unwrap();
            assert!(
                matches!(
                    source.relation,
                    mappings::Relation::Equal | mappings::Relation::SubsetOf | mappings::Relation::SupersetOf
                ),
                "{record} is `{}` and must not chain",
                source.relation.as_str()
            );
        }
    }
}

#[test]
fn every_duty_bearing_chinese_and_eu_ai_act_provision_is_mapped_or_explicitly_unmatched() {
    let sets = mappings::load_all(&CONTENT).unwrap();
    let report = coverage::coverage(&sets, &TERMS);
    let mut gaps = Vec::new();
    for module in report.iter().filter(|m| m.module.starts_with("cn-") || m.module == "eu-ai-act") {
        if !module.gaps.is_empty() {
            gaps.push(format!("{}: {}", module.module, module.gaps.join(", ")));
        }
    }
    assert!(gaps.is_empty(), "unmapped duty-bearing provisions:\n{}", gaps.join("\n"));
    assert!(report.iter().any(|m| m.module == "eu-ai-act" && m.provisions > 50));
}

#[test]
fn the_oscal_export_validates_against_nist_s_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schemas/oscal/oscal_mapping_schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // Each mapping alone against its definition, so an error names its field, not "anyOf".
    let mut mapping_schema = schema.clone();
    mapping_schema["$ref"] = "#/definitions/oscal-mapping-oscal-mapping-common:mapping".into();
    mapping_schema.as_object_mut().unwrap().remove("properties");
    mapping_schema.as_object_mut().unwrap().remove("required");
    let mapping_validator = jsonschema::validator_for(&mapping_schema).unwrap();
    let sets = mappings::load_all(&CONTENT).unwrap();
    let all: Vec<&MappingSet> = sets.iter().collect();
    let document = export::oscal_mapping_collection(&all, "govgate crosswalks", "2026.1", "2026-11-29T00:00:00Z");
    let mut errors = Vec::new();
    for mapping in document["mapping-collection"]["mappings"].as_array().unwrap() {
        for error in mapping_validator.iter_errors(mapping).take(3) {
            let value = error.instance().to_string();
            errors.push(format!(
                "{} at {}: {}",
                mapping["props"][0]["value"],
                error.instance_path(),
                &value[..value.len().min(200)]
            ));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(validator.is_valid(&document));
    let maps: usize = document["mapping-collection"]["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["maps"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(maps > 500, "{maps} maps");
}

#[test]
fn each_set_version_is_its_own_graph_with_every_slot() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::start(common::test_config(dir.path()), StoreMode::InMemory).unwrap();
    let sets = mappings::load_all(&gateway.content).unwrap();
    for set in &sets {
        let kind = GraphKind::MappingSet { set: set.name.clone(), version: set.version().to_owned() };
        assert!(gateway.store.has_graph(&kind).unwrap(), "{} not loaded", set.name);
    }
    // Extension values survive, unlike in sssom-py's RDF.
    let query = "ASK { GRAPH ?g { ?r <https://w3id.org/govgate/mapping#strmRelationship> \"intersects-with\" ; \
                 <https://w3id.org/govgate/mapping#subjectProvision> ?p } }";
    let answer = oxigraph::sparql::SparqlEvaluator::new()
        .parse_query(query)
        .unwrap()
        .on_store(gateway.store.oxigraph())
        .execute()
        .unwrap();
    assert!(matches!(answer, oxigraph::sparql::QueryResults::Boolean(true)));
}
