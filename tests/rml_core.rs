//! The W3C KG-Construct RML-Core JSON test cases (shared/conformance/rml-core), run
//! against govgate's RML engine. Outputs are compared as sets of quads (blank nodes up to
//! isomorphism); a case without `output.nq` must be refused with an error. Cases govgate is
//! known to fail are listed, with reasons, in `tests/data/rml-core-known-failures.txt`.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use govgate::rml::{Engine, Mapping, RmlError, Source};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::dataset::CanonicalizationAlgorithm;
use oxigraph::model::{Dataset, Quad};

const BASE: &str = "http://example.com/";

fn run_case(dir: &Path) -> Result<Dataset, RmlError> {
    let mapping =
        Mapping::parse(&fs::read_to_string(dir.join("mapping.ttl")).unwrap(), Some("http://example.com/base/"))?;
    let engine = Engine::new(mapping, BASE)?;
    let documents: Vec<(String, serde_json::Value)> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name()?.to_str()?.to_owned();
            if !name.ends_with(".json") {
                return None;
            }
            let value = serde_json::from_str(&fs::read_to_string(&path).ok()?).ok()?;
            Some((name, value))
        })
        .collect();
    let source = |path: Option<&str>| -> Result<Source<'_>, RmlError> {
        let path = path.ok_or_else(|| RmlError::Data("no source path".into()))?;
        documents
            .iter()
            .find(|(name, _)| name == path)
            .map(|(_, value)| Source::Json(value))
            .ok_or_else(|| RmlError::Data(format!("source `{path}` not found")))
    };
    let mut quads: Vec<Quad> = Vec::new();
    engine.run(&source, &mut quads)?;
    Ok(quads.into_iter().collect())
}

fn expected(dir: &Path) -> Option<Dataset> {
    let text = fs::read(dir.join("output.nq")).ok()?;
    Some(
        RdfParser::from_format(RdfFormat::NQuads)
            .lenient()
            .for_slice(&text)
            .map(|q| q.expect("output.nq parses"))
            .collect(),
    )
}

fn canonical(mut dataset: Dataset) -> Dataset {
    dataset.canonicalize(CanonicalizationAlgorithm::Unstable);
    dataset
}

#[test]
fn rml_core_json_test_cases() {
    let root = common::shared_dir().join("conformance/rml-core/test-cases");
    let known: BTreeSet<String> =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rml-core-known-failures.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| l.split_whitespace().next().unwrap().to_owned())
            .collect();
    let mut cases: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.to_string_lossy().ends_with("-JSON"))
        .collect();
    cases.sort();
    let (mut passed, mut unexpected, mut fixed) = (0, Vec::new(), Vec::new());
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = match (expected(dir), run_case(dir)) {
            (Some(expected), Ok(actual)) => {
                if canonical(expected.clone()) == canonical(actual.clone()) {
                    Ok(())
                } else {
                    Err(format!("output differs:\nexpected {expected}\nactual {actual}"))
                }
            }
            (Some(_), Err(error)) => Err(format!("unexpected error: {error}")),
            (None, Err(_)) => Ok(()),
            (None, Ok(actual)) => Err(format!("expected an error, got {} quads", actual.len())),
        };
        match (outcome, known.contains(&name)) {
            (Ok(()), false) => passed += 1,
            (Ok(()), true) => fixed.push(name),
            (Err(_), true) => {}
            (Err(why), false) => unexpected.push(format!("{name}: {why}")),
        }
    }
    eprintln!("RML-Core JSON test cases: {passed} of {} passed ({} known failures)", cases.len(), known.len());
    assert_eq!(cases.len(), 76, "the suite has 76 JSON cases");
    assert!(unexpected.is_empty(), "{} unexpected failures:\n{}", unexpected.len(), unexpected.join("\n\n"));
    assert!(fixed.is_empty(), "now passing, remove from the known failures: {fixed:?}");
    assert!(passed >= 70, "{passed} passed");
}
