//! The rule tables: every rule file loads, cites provisions and names ontology terms that
//! exist, reads only facts its schema declares; and every test case in `tests/rules/`
//! (facts, a date, the expected answer) gets exactly its answer.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use govgate::content::Content;
use govgate::mappings::TermIndex;
use govgate::ontology::Ontology;
use govgate::rules::{Engine, Outcome, Tri, decide};
use serde_json::Value as Json;

static CONTENT: LazyLock<Content> = LazyLock::new(|| Content::from_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap());
static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let terms = TermIndex::build(&Ontology::from_content(&CONTENT).unwrap()).unwrap();
    Engine::new(&CONTENT, terms).expect("rules load")
});

/// Every JSON pointer a schema admits (array elements as `*`).
fn schema_pointers(schema: &Json, root: &Json, at: String, out: &mut BTreeSet<String>) {
    let schema = match schema.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(p) => root.pointer(p).unwrap_or(schema),
        None => schema,
    };
    if !at.is_empty() {
        out.insert(at.clone());
    }
    if let Some(properties) = schema.get("properties").and_then(Json::as_object) {
        for (key, child) in properties {
            schema_pointers(child, root, format!("{at}/{key}"), out);
        }
    }
    if let Some(items) = schema.get("items") {
        schema_pointers(items, root, format!("{at}/*"), out);
    }
}

#[test]
fn rule_files_cite_real_provisions_name_real_terms_and_read_declared_facts() {
    let mut problems = Vec::new();
    for set in &ENGINE.rules.sets {
        let schema: Json = serde_json::from_slice(&CONTENT.get(&set.facts_schema).unwrap().bytes).unwrap();
        let mut declared = BTreeSet::new();
        schema_pointers(&schema, &schema, String::new(), &mut declared);
        for derived in &set.derived {
            declared.insert(derived.fact.clone());
        }
        let terms = ENGINE.terms();
        for rule in &set.rules {
            for iri in rule.outcome.iter().chain(&rule.obligations) {
                if !terms.is_defined(iri) {
                    problems.push(format!("{} {}: `{iri}` is not defined in the ontology", set.id, rule.id));
                }
            }
            for iri in &rule.cite {
                if !terms.is_provision(iri) {
                    problems.push(format!("{} {}: cites `{iri}`, not a provision of the ontology", set.id, rule.id));
                }
            }
            let mut facts = BTreeSet::new();
            rule.when.facts(&mut facts);
            for fact in facts {
                let pattern: String = fact
                    .split('/')
                    .map(|s| if s.parse::<usize>().is_ok() { "*" } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                if !declared.contains(&pattern) {
                    problems.push(format!(
                        "{} {}: reads `{fact}`, which {} does not declare",
                        set.id, rule.id, set.facts_schema
                    ));
                }
            }
        }
        for slot in &set.slots {
            if let Some(default) = &slot.default
                && !ENGINE.terms().is_defined(default)
            {
                problems.push(format!("{}: slot default `{default}` is not defined", set.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(ENGINE.rules.sets.len() >= 4);
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    as_of: String,
    facts: Json,
    expect: Expect,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// true, false or "undetermined".
    #[serde(default)]
    engaged: Option<Json>,
    #[serde(default)]
    outcomes: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    fired: Option<Vec<String>>,
    #[serde(default)]
    obligations: Vec<String>,
    #[serde(default)]
    missing: Option<Vec<String>>,
}

fn cases() -> Vec<(String, PathBuf)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let mut out = Vec::new();
    for kind in fs::read_dir(&root).into_iter().flatten().flatten() {
        for set in fs::read_dir(kind.path()).into_iter().flatten().flatten() {
            let id = set.file_name().to_string_lossy().into_owned();
            for case in fs::read_dir(set.path()).into_iter().flatten().flatten() {
                if case.path().extension().is_some_and(|e| e == "yaml") {
                    out.push((id.clone(), case.path()));
                }
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

#[test]
fn every_rule_test_case_gets_its_expected_answer() {
    let cases = cases();
    let mut failures = Vec::new();
    for (set_id, path) in &cases {
        let set = ENGINE.rules.get(set_id).unwrap_or_else(|| panic!("{}: no rule file `{set_id}`", path.display()));
        let case: Case =
            serde_yaml_ng::from_slice(&fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let as_of = time::Date::parse(&case.as_of, &time::format_description::well_known::Iso8601::DATE).unwrap();
        let name =
            format!("{} ({})", path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display(), case.description);
        if let Err(error) = ENGINE.check_facts(&set.facts_schema, &case.facts) {
            failures.push(format!("{name}: facts rejected: {error}"));
            continue;
        }
        let decision = decide(set, &case.facts, as_of, ENGINE.terms());
        let prefixes = prefixes(set_id);
        let expand = |curie: &str| expand(curie, &prefixes);
        let mut wrong = Vec::new();
        if let Some(engaged) = &case.expect.engaged {
            let expected = match engaged {
                Json::Bool(true) => Tri::True,
                Json::Bool(false) => Tri::False,
                _ => Tri::Unknown,
            };
            if decision.engaged != expected {
                wrong.push(format!("engaged {:?}, expected {engaged}", decision.engaged));
            }
        }
        for (slot, expected) in &case.expect.outcomes {
            let actual = decision.slots.iter().find(|s| &s.slot == slot).map(|s| &s.outcome);
            let ok = match (expected.as_str(), actual) {
                ("undetermined", Some(Outcome::Undetermined { .. })) => true,
                ("none", Some(Outcome::None)) => true,
                (curie, Some(Outcome::Decided { iri, .. } | Outcome::Default { iri, .. })) => *iri == expand(curie),
                _ => false,
            };
            if !ok {
                wrong.push(format!("slot {slot}: {actual:?}, expected {expected}"));
            }
        }
        if let Some(fired) = &case.expect.fired {
            let actual: BTreeSet<&str> = decision.fired.iter().map(|f| f.id.as_str()).collect();
            let expected: BTreeSet<&str> = fired.iter().map(String::as_str).collect();
            if actual != expected {
                wrong.push(format!("fired {actual:?}, expected {expected:?}"));
            }
        }
        for obligation in &case.expect.obligations {
            let iri = expand(obligation);
            if !decision.obligations.iter().any(|o| o.iri == iri) {
                wrong.push(format!("obligation {obligation} missing"));
            }
        }
        if let Some(missing) = &case.expect.missing {
            let actual: BTreeSet<&str> = decision.missing_facts.iter().map(String::as_str).collect();
            let expected: BTreeSet<&str> = missing.iter().map(String::as_str).collect();
            if actual != expected {
                wrong.push(format!("missing facts {actual:?}, expected {expected:?}"));
            }
        }
        if !wrong.is_empty() {
            failures.push(format!("{name}:\n    {}", wrong.join("\n    ")));
        }
    }
    eprintln!("{} rule test cases, {} failed", cases.len(), failures.len());
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

fn prefixes(set_id: &str) -> std::collections::BTreeMap<String, String> {
    let suffix = format!("/{set_id}.yaml");
    let file = CONTENT.files("rules/", &suffix).next().unwrap();
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_slice(&file.bytes).unwrap();
    serde_yaml_ng::from_value(yaml["prefixes"].clone()).unwrap_or_default()
}

fn expand(curie: &str, prefixes: &std::collections::BTreeMap<String, String>) -> String {
    match curie.split_once(':') {
        Some((p, local)) if !curie.contains("://") => {
            prefixes.get(p).map_or_else(|| curie.to_owned(), |base| format!("{base}{local}"))
        }
        _ => curie.to_owned(),
    }
}
