//! Translation between profiles: golden translations of every example into every other
//! profile, lossless round trips (property test), and bad input of every kind.
//!
//! Golden files live in `tests/golden/translate/`; `UPDATE_GOLDEN=1 cargo test --test
//! translate` rewrites them (review the diff before committing).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use govgate::content::Content;
use govgate::translate::{OutputForm, Status, TranslateError, Translator};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

static TRANSLATOR: LazyLock<Translator> = LazyLock::new(|| {
    Translator::new(&Content::from_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap()).expect("translator")
});

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every example document of every report profile, as (profile, path).
fn examples() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for profile in TRANSLATOR.profiles.iter() {
        let dir = root().join("examples").join(&profile.id.0);
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| match p.extension().and_then(|e| e.to_str()) {
                Some("json") => true,
                Some("xml") => profile.xml.is_some(),
                _ => false,
            })
            .filter(|p| !p.to_string_lossy().ends_with(".facts.json"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (profile.id.0.clone(), f)));
    }
    out
}

/// The translation with its time stamp removed, for comparison.
fn golden_value(document: &Json, report: &govgate::translate::GapReport) -> Json {
    let mut report = serde_json::to_value(report).unwrap();
    report["translated_at"] = Json::Null;
    json!({ "document": document, "report": report })
}

#[test]
fn every_example_is_valid_against_its_profile() {
    for (profile, path) in examples() {
        let bytes = fs::read(&path).unwrap();
        if let Err(error) = TRANSLATOR.validate(&bytes, Some(&profile)) {
            panic!(
                "{}: {error} {:?}",
                path.display(),
                match &error {
                    TranslateError::Invalid(v) => v.clone(),
                    _ => vec![],
                }
            );
        }
    }
}

#[test]
fn golden_translations_between_every_pair_of_report_profiles() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let golden_dir = root().join("tests/golden/translate");
    let mut failures = Vec::new();
    let mut count = 0;
    for (source, path) in examples() {
        let bytes = fs::read(&path).unwrap();
        for target in TRANSLATOR.profiles.iter().filter(|p| p.json.is_some()) {
            let stem = path.file_name().unwrap().to_string_lossy().replace('.', "_");
            let golden = golden_dir.join(&source).join(format!("{stem}--{}.json", target.id));
            let translation = match TRANSLATOR.translate(&bytes, None, &target.id.0, OutputForm::Json) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!("{} -> {}: {e}", path.display(), target.id));
                    continue;
                }
            };
            count += 1;
            let actual = golden_value(&translation.document, &translation.report);
            if update {
                fs::create_dir_all(golden.parent().unwrap()).unwrap();
                fs::write(&golden, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
                continue;
            }
            match fs::read_to_string(&golden) {
                Ok(text) => {
                    let expected: Json = serde_json::from_str(&text).unwrap();
                    if expected != actual {
                        failures.push(format!(
                            "{} differs from the translation (UPDATE_GOLDEN=1 to accept)",
                            golden.display()
                        ));
                    }
                }
                Err(_) => failures.push(format!("{} is missing (UPDATE_GOLDEN=1 to create)", golden.display())),
            }
        }
    }
    assert!(count >= 40, "{count} translations");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nothing_approximate_is_presented_as_exact() {
    for (_, path) in examples() {
        let bytes = fs::read(&path).unwrap();
        for target in TRANSLATOR.profiles.iter().filter(|p| p.json.is_some()) {
            let Ok(t) = TRANSLATOR.translate(&bytes, None, &target.id.0, OutputForm::Json) else { continue };
            for field in &t.report.fields {
                if let Some(step) = &field.crosswalk {
                    let exact = step.relation == govgate::mappings::Relation::Equal && !step.chained;
                    assert_eq!(field.status == Status::Exact, exact, "{} {}: {field:?}", path.display(), field.pointer);
                }
                if field.status == Status::Missing {
                    assert!(field.value.is_none());
                }
            }
        }
    }
}

/// The (pointer, value) leaves of a document that the profile's field table declares
/// (constants excluded: they are the format's structure, not data).
fn declared_leaves(profile: &str, document: &Json, skip: &[String]) -> Vec<(String, Json)> {
    let fields: Vec<String> = TRANSLATOR
        .profiles
        .get(profile)
        .unwrap()
        .fields
        .iter()
        .flat_map(|f| f.leaves())
        .filter(|f| f.constant.is_none())
        .map(|f| f.full_pointer.clone())
        .collect();
    let mut leaves = Vec::new();
    collect(document, String::new(), &mut leaves);
    leaves.retain(|(pointer, _)| {
        let pattern: String =
            pointer.split('/').map(|s| if s.parse::<usize>().is_ok() { "*" } else { s }).collect::<Vec<_>>().join("/");
        let declared = fields.iter().any(|f| *f == pattern || pattern.starts_with(&format!("{f}/")) || f == pointer);
        declared && !skip.iter().any(|s| pointer == s || pointer.starts_with(&format!("{s}/")))
    });
    leaves.sort_by(|a, b| a.0.cmp(&b.0));
    leaves
}

fn collect(value: &Json, pointer: String, out: &mut Vec<(String, Json)>) {
    match value {
        Json::Object(map) => map.iter().for_each(|(k, v)| collect(v, format!("{pointer}/{k}"), out)),
        Json::Array(items) => items.iter().enumerate().for_each(|(i, v)| collect(v, format!("{pointer}/{i}"), out)),
        other => out.push((pointer, other.clone())),
    }
}

/// Translated into its own profile, a document keeps every value its field table declares;
/// only defaults (values the source did not state) may be added.
fn assert_round_trip(
    profile: &str,
    original: &Json,
    translation: &govgate::translate::Translation,
    what: &str,
) -> Result<(), String> {
    let added: Vec<String> =
        translation.report.fields.iter().filter(|f| f.status == Status::Defaulted).map(|f| f.pointer.clone()).collect();
    let before = declared_leaves(profile, original, &[]);
    let after = declared_leaves(profile, &translation.document, &added);
    if before != after {
        let lost: Vec<_> = before.iter().filter(|l| !after.contains(l)).take(5).collect();
        let gained: Vec<_> = after.iter().filter(|l| !before.contains(l)).take(5).collect();
        return Err(format!("{what} changed in a round trip: lost {lost:?}, gained {gained:?}"));
    }
    Ok(())
}

#[test]
fn a_document_translated_into_its_own_profile_comes_back_unchanged() {
    for (profile, path) in examples() {
        if path.extension().is_some_and(|e| e == "xml") {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        let original: Json = serde_json::from_slice(&bytes).unwrap();
        let t = TRANSLATOR.translate(&bytes, None, &profile, OutputForm::Json).unwrap();
        assert_round_trip(&profile, &original, &t, &path.display().to_string()).unwrap();
        assert!(
            t.report.fields.iter().all(|f| matches!(f.status, Status::Exact | Status::Missing | Status::Defaulted)),
            "{}",
            path.display()
        );
    }
}

#[test]
fn the_xml_and_json_forms_of_a_filing_translate_alike() {
    let json = fs::read(root().join("examples/cn-algorithm-filing/ride-dispatching.json")).unwrap();
    let xml = fs::read(root().join("examples/cn-algorithm-filing/ride-dispatching.xml")).unwrap();
    let a = TRANSLATOR.translate(&json, None, "eu-aiact-registration", OutputForm::Json).unwrap();
    let b = TRANSLATOR.translate(&xml, None, "eu-aiact-registration", OutputForm::Json).unwrap();
    assert_eq!(a.document, b.document);
    // XML sources are cited by XPath.
    assert!(
        b.report.fields.iter().flat_map(|f| &f.sources).all(|s| s.starts_with("/AlgorithmFiling[1]/")),
        "{:?}",
        b.report.fields
    );
    // And a JSON filing written out as XML reads back as the same document.
    let out = TRANSLATOR.translate(&json, None, "cn-algorithm-filing", OutputForm::Xml).unwrap();
    let back = TRANSLATOR.translate(&out.output, None, "cn-algorithm-filing", OutputForm::Json).unwrap();
    assert_eq!(back.document, serde_json::from_slice::<Json>(&json).unwrap());
}

// ---- bad input -------------------------------------------------------------------------

fn error(bytes: &[u8]) -> TranslateError {
    TRANSLATOR.translate(bytes, None, "eu-aiact-registration", OutputForm::Json).unwrap_err()
}

#[test]
fn malformed_json_and_xml_say_where() {
    let message = error(b"{\"profile\": \"cn-algorithm-filing\",\n  \"provider\": }").to_string();
    assert!(message.contains("line 2 column"), "{message}");
    let message = error(b"<AlgorithmFiling><Provider></AlgorithmFiling>").to_string();
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn an_unknown_or_missing_profile_is_named() {
    assert!(matches!(error(br#"{"profile": "nope"}"#), TranslateError::UnknownProfile(m) if m.contains("`nope`")));
    assert!(matches!(error(br#"{"a": 1}"#), TranslateError::UnknownProfile(_)));
    let unknown_target =
        TRANSLATOR.translate(br#"{"profile":"iso42001-soa"}"#, None, "no-such", OutputForm::Json).unwrap_err();
    assert!(unknown_target.to_string().contains("no-such"));
}

#[test]
fn schema_violations_are_all_listed_with_their_pointers() {
    let document =
        json!({"profile": "cn-algorithm-filing", "provider": {"legalName": 7, "unknownField": true}, "service": "x"});
    let TranslateError::Invalid(violations) = error(document.to_string().as_bytes()) else { panic!("not invalid") };
    let locations: Vec<&str> = violations.iter().map(|v| v.location.as_str()).collect();
    assert!(locations.contains(&"/provider/legalName"), "{violations:?}");
    assert!(locations.contains(&"/provider"), "{violations:?}");
    assert!(locations.contains(&"/service"), "{violations:?}");
    assert!(violations.len() >= 3);
}

#[test]
fn xml_structure_errors_name_the_xpath() {
    let xml = br#"<AlgorithmFiling xmlns="https://w3id.org/govgate/profile/cn-algorithm-filing"><Provider><LegalName>A</LegalName><Shoe>x</Shoe></Provider></AlgorithmFiling>"#;
    let TranslateError::Invalid(violations) = error(xml) else { panic!("not invalid") };
    assert!(
        violations
            .iter()
            .any(|v| v.location == "/AlgorithmFiling[1]/Provider[1]/Shoe[1]" && v.message.contains("unexpected")),
        "{violations:?}"
    );
}

#[test]
fn entity_expansion_is_refused() {
    let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><AlgorithmFiling>&lol1;</AlgorithmFiling>"#;
    let message = error(bomb).to_string();
    assert!(message.contains("DTD"), "{message}");
}

#[test]
fn a_million_levels_of_nesting_is_an_error_not_a_crash() {
    let depth = 1_000_000;
    let mut deep = String::with_capacity(depth * 2);
    deep.push_str(&"[".repeat(depth));
    deep.push_str(&"]".repeat(depth));
    let message = error(deep.as_bytes()).to_string();
    assert!(message.contains("recursion limit"), "{message}");
    let mut xml = "<a>".repeat(depth);
    xml.push_str(&"</a>".repeat(depth));
    let message = error(xml.as_bytes()).to_string();
    assert!(message.contains("deeper"), "{message}");
}

// ---- round trips with generated documents -----------------------------------------------

/// Replaces string leaves the schema leaves free (no enum, format or pattern) with new
/// text, the same text for the same original (shared entities stay consistent), and drops
/// the optional members `drop` picks outside arrays; the result must still be schema-valid.
fn perturb(
    value: &mut Json,
    schema: &Json,
    root_schema: &Json,
    in_array: bool,
    texts: &mut std::collections::HashMap<String, String>,
    fresh: &mut impl Iterator<Item = String>,
    drop: &mut impl Iterator<Item = bool>,
) {
    let schema = resolve(schema, root_schema);
    match value {
        Json::Object(map) => {
            let required: Vec<&str> =
                schema["required"].as_array().map(|r| r.iter().filter_map(Json::as_str).collect()).unwrap_or_default();
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if !in_array && !required.contains(&key.as_str()) && drop.next().unwrap_or(false) {
                    map.remove(&key);
                    continue;
                }
                let child = &schema["properties"][&key];
                perturb(map.get_mut(&key).unwrap(), child, root_schema, in_array, texts, fresh, drop);
            }
        }
        Json::Array(items) => {
            for item in items {
                perturb(item, &schema["items"], root_schema, true, texts, fresh, drop);
            }
        }
        Json::String(s) => {
            let free = ["enum", "const", "format", "pattern", "minLength"].iter().all(|k| schema.get(k).is_none());
            if free {
                if !texts.contains_key(s.as_str())
                    && let Some(t) = fresh.next()
                {
                    texts.insert(s.clone(), t);
                }
                if let Some(t) = texts.get(s.as_str()) {
                    *s = t.clone();
                }
            }
        }
        _ => {}
    }
}

fn resolve<'a>(schema: &'a Json, root: &'a Json) -> &'a Json {
    match schema.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => root.pointer(pointer).map_or(schema, |s| resolve(s, root)),
        None => schema,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn generated_documents_round_trip_losslessly(
        pick in 0usize..64,
        texts in proptest::collection::vec("[\\p{L}\\p{N} ,.;:'\"()/&<>-]{1,40}", 600),
        drops in proptest::collection::vec(proptest::bool::weighted(0.2), 256),
    ) {
        let candidates: Vec<(String, PathBuf)> = examples().into_iter().filter(|(_, p)| p.extension().is_some_and(|e| e == "json")).collect();
        let (profile, path) = &candidates[pick % candidates.len()];
        let schema = &TRANSLATOR.profiles.get(profile).unwrap().json.as_ref().unwrap().schema;
        let mut document: Json = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
        let mut fresh = texts.into_iter().filter(|t| t.trim() == t && !t.is_empty());
        perturb(&mut document, schema, schema, false, &mut std::collections::HashMap::new(), &mut fresh, &mut drops.into_iter());
        let bytes = serde_json::to_vec(&document).unwrap();
        prop_assume!(TRANSLATOR.validate(&bytes, Some(profile)).is_ok());
        let t = TRANSLATOR.translate(&bytes, None, profile, OutputForm::Json).unwrap();
        let checked = assert_round_trip(profile, &document, &t, &path.display().to_string());
        prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
    }
}
