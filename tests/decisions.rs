//! The questions end to end, from the example documents: classification of every AI system
//! profile (every obligation cites a provision that exists), transfer decisions from every
//! declaration, and sandbox plans with their monitoring and exit reports; over HTTP too.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use govgate::assess::{self, SandboxCheck};
use govgate::content::Content;
use govgate::ontology::Ontology;
use govgate::rules::{Engine, Kind};
use govgate::sandbox::Outcome;
use govgate::startup::rules_engine;
use govgate::translate::Translator;
use serde_json::{Value, json};
use time::macros::date;

static ROOT: LazyLock<PathBuf> = LazyLock::new(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
static CONTENT: LazyLock<Content> = LazyLock::new(|| Content::from_dir(&ROOT).unwrap());
static TRANSLATOR: LazyLock<Translator> = LazyLock::new(|| Translator::new(&CONTENT).unwrap());
static ENGINE: LazyLock<Engine> = LazyLock::new(|| rules_engine(&CONTENT).unwrap());
static PROVISIONS: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    let ontology = Ontology::from_content(&CONTENT).unwrap();
    // A provision, or a whole instrument where the ontology does not itemise it (Colorado SB26-189).
    let rows = ontology.select("SELECT ?p WHERE { { ?p a gg:Provision } UNION { ?p a gg:Instrument } }").unwrap();
    rows.iter().filter_map(|row| row[0].as_ref()).map(|t| t.to_string().trim_matches(['<', '>']).to_owned()).collect()
});

fn examples(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(ROOT.join("examples").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "xml"))
        .collect();
    files.sort();
    files
}

/// Every obligation and every fired rule of an answer cites provisions that exist.
fn assert_cites_real_provisions(file: &Path, assessment: &assess::Assessment) {
    for decision in &assessment.decisions {
        for obligation in decision.obligations.iter().chain(&decision.may_apply) {
            assert!(!obligation.provisions.is_empty(), "{}: {} cites no provision", file.display(), obligation.iri);
            for provision in &obligation.provisions {
                assert!(PROVISIONS.contains(provision), "{}: {provision} is not in the ontology", file.display());
            }
        }
    }
}

#[test]
fn every_ai_system_example_is_classified_with_real_citations() {
    let files = examples("ai-system-profile");
    assert!(files.len() >= 7, "the examples the issue names");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let answer = assess::assess(&TRANSLATOR, &ENGINE, Kind::Applicability, &bytes, date!(2026 - 11 - 29))
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(!answer.decisions.is_empty(), "{}", file.display());
        assert_cites_real_provisions(&file, &answer);
        // An incomplete profile names what is missing instead of guessing.
        if file.to_string_lossy().contains("incomplete") {
            assert!(answer.decisions.iter().any(|d| !d.missing_facts.is_empty()), "{}", file.display());
        }
    }
}

#[test]
fn every_declaration_example_gets_a_transfer_decision_with_real_citations() {
    for dir in [
        "cn-security-assessment-declaration",
        "cn-standard-contract-filing",
        "eu-scc-annex",
        "jp-appi-transfer",
        "uk-idta",
    ] {
        for file in examples(dir) {
            let bytes = std::fs::read(&file).unwrap();
            let answer = match assess::assess(&TRANSLATOR, &ENGINE, Kind::Transfer, &bytes, date!(2026 - 11 - 29)) {
                Ok(answer) => answer,
                // An incomplete declaration may lack a fact every regime needs: a precise
                // error that names it, never a guess.
                Err(e) if file.to_string_lossy().contains("incomplete") => {
                    assert!(e.to_string().contains('/'), "{}: {e}", file.display());
                    continue;
                }
                Err(e) => panic!("{}: {e}", file.display()),
            };
            assert_eq!(answer.source_profile, dir);
            assert!(answer.extraction.is_some(), "facts were extracted from a declaration");
            assert_cites_real_provisions(&file, &answer);
        }
    }
}

fn sandbox(reports: &[&str]) -> SandboxCheck {
    let read = |name: &str| std::fs::read(ROOT.join("examples/sandbox").join(name)).unwrap();
    let reports: Vec<Vec<u8>> = reports.iter().map(|name| read(name)).collect();
    assess::sandbox_check(
        &TRANSLATOR,
        &ENGINE,
        &read("eu-credit-underwriting-plan.json"),
        &reports,
        date!(2027 - 04 - 10),
    )
    .unwrap()
}

fn limit_results(check: &govgate::sandbox::Monitoring) -> Vec<(&str, Outcome)> {
    check.limits.iter().map(|l| (l.id.as_str(), l.result)).collect()
}

#[test]
fn a_sandbox_plan_with_two_monitoring_reports_and_an_exit_report() {
    let checked = sandbox(&[
        "eu-credit-underwriting-report-2026-12.json",
        "eu-credit-underwriting-report-2027-03-breach.json",
        "eu-credit-underwriting-exit-report.json",
    ]);
    assert_eq!(checked.plan.source_profile, "sandbox-plan");
    assert!(!checked.plan.decisions.is_empty());
    let [december, march, exit] = &checked.reports[..] else { panic!("three reports") };

    assert_eq!(december.result, Outcome::Within, "{december:#?}");

    // March 2027: 2,137 users against a ceiling of 2,000, and applicants from Utrecht.
    assert_eq!(march.result, Outcome::Breach);
    assert_eq!(
        limit_results(march),
        [
            ("L-USERS", Outcome::Breach),
            ("L-REGIONS", Outcome::Breach),
            ("L-LOAN-MAX", Outcome::Within),
            ("L-LENT-TOTAL", Outcome::Within),
            ("L-DECISIONS-MONTH", Outcome::Within),
            ("L-DATA-SUBJECTS", Outcome::Within),
            ("L-DURATION", Outcome::Within),
        ]
    );
    let users = &march.limits[0];
    assert_eq!((users.observed.clone(), users.value.clone()), (Some(json!(2137)), Some(json!(2000))));
    assert_eq!(march.limits[1].not_allowed, ["NL-UT"]);

    // The exit report: per-period limits are not checked; criteria are re-checked.
    assert_eq!(exit.report_type, "exit");
    assert!(exit.limits.iter().filter(|l| l.basis == "per-period").all(|l| l.result == Outcome::NotChecked));
    let criteria: Vec<(&str, Outcome)> = exit.criteria.iter().map(|c| (c.id.as_str(), c.result)).collect();
    assert!(criteria.contains(&("EC-DEFAULT", Outcome::Breach)), "2.7 % against at most 2.5 %: {criteria:?}");
    assert!(criteria.contains(&("EC-BIAS", Outcome::Within)));
    assert!(exit.criteria.iter().all(|c| !c.disagrees), "the participant's own `met` agrees here");
    assert_eq!(exit.decision_sought.as_deref(), Some("extend"));
}

#[test]
fn a_report_is_validated_and_a_bad_one_is_located() {
    let plan = std::fs::read(ROOT.join("examples/sandbox/eu-credit-underwriting-plan.json")).unwrap();
    let bad =
        serde_json::to_vec(&json!({"profile": "sandbox-report", "reportType": "monitoring", "planId": "X"})).unwrap();
    let error = assess::sandbox_check(&TRANSLATOR, &ENGINE, &plan, &[bad], date!(2027 - 04 - 10)).unwrap_err();
    let assess::AssessError::Translate(govgate::translate::TranslateError::Invalid(violations)) = error else {
        panic!("{error}")
    };
    assert!(violations.iter().all(|v| v.location.starts_with("/reports/0")), "{violations:?}");
    // A sandbox plan is for the rules only: it is never translated.
    let error =
        TRANSLATOR.translate(&plan, None, "eu-aiact-registration", govgate::translate::OutputForm::Json).unwrap_err();
    assert!(error.to_string().contains("rules only"), "{error}");
}

#[tokio::test]
async fn the_decision_routes_answer_over_http() {
    let app = common::spawn_app().await;
    let post = |path: &str, body: Vec<u8>| {
        app.client.post(app.url(path)).header("content-type", "application/json").body(body).send()
    };
    let read = |path: &str| std::fs::read(ROOT.join(path)).unwrap();

    let classify =
        post("/v1/classify?as_of=2026-11-29", read("examples/ai-system-profile/face-swap-app.json")).await.unwrap();
    assert_eq!(classify.status(), 200);
    assert!(!classify.json::<Value>().await.unwrap()["decisions"].as_array().unwrap().is_empty());

    let transfer =
        post("/v1/transfers/assess", read("examples/transfer-facts/us-genomics-lab-to-china.json")).await.unwrap();
    assert_eq!(transfer.status(), 200);

    // A bare plan, then a plan with its reports.
    let plan: Value = serde_json::from_slice(&read("examples/sandbox/eu-credit-underwriting-plan.json")).unwrap();
    let bare = post("/v1/sandbox/check", serde_json::to_vec(&plan).unwrap()).await.unwrap();
    assert_eq!(bare.status(), 200);
    assert_eq!(bare.json::<Value>().await.unwrap()["reports"], json!([]));
    let report: Value =
        serde_json::from_slice(&read("examples/sandbox/eu-credit-underwriting-report-2027-03-breach.json")).unwrap();
    let both = post(
        "/v1/sandbox/check?as_of=2027-04-10",
        serde_json::to_vec(&json!({"plan": plan, "reports": [report]})).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(both.status(), 200);
    let body: Value = both.json().await.unwrap();
    assert_eq!(body["source_profile"], "sandbox-plan");
    assert_eq!(body["reports"][0]["result"], "breach");
    assert_eq!(body["reports"][0]["limits"][0]["id"], "L-USERS");

    let invalid = post(
        "/v1/sandbox/check",
        serde_json::to_vec(&json!({"plan": plan, "reports": [{"profile": "sandbox-report"}]})).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(invalid.status(), 422);
    let problem: Value = invalid.json().await.unwrap();
    assert!(problem.to_string().contains("/reports/0"), "{problem}");
}
