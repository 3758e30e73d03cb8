//! The shared ontology against its conventions (`ontology/README.md`), against DPV 2.3,
//! and citation lookup per jurisdiction.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use govgate::content::{Content, ONTOLOGY_RELEASE};
use govgate::ontology::Ontology;
use govgate::ontology::check::check;
use govgate::ontology::citation::CitationIndex;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedOrBlankNode, Term};

static ONTOLOGY: LazyLock<Ontology> = LazyLock::new(|| {
    let content = Content::from_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("content");
    Ontology::from_content(&content).expect("every ontology file parses")
});

/// Every IRI the DPV 2.3 files define or mention as a subject.
fn dpv_terms() -> HashSet<String> {
    let dir = common::shared_dir().join("vocab/dpv-2.3");
    let mut terms = HashSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ttl") {
            let bytes = std::fs::read(&path).unwrap();
            for quad in RdfParser::from_format(RdfFormat::Turtle).for_slice(&bytes) {
                if let NamedOrBlankNode::NamedNode(n) = quad.unwrap().subject {
                    terms.insert(n.into_string());
                }
            }
        }
    }
    terms
}

#[test]
fn the_ontology_follows_its_conventions() {
    let findings = check(&ONTOLOGY, Some(&dpv_terms())).unwrap();
    let report: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(findings.is_empty(), "{} findings:\n{}", findings.len(), report.join("\n"));
}

#[test]
fn the_hub_carries_this_build_s_release() {
    let rows = ONTOLOGY_RELEASE;
    let content = Content::from_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let core = String::from_utf8_lossy(&content.get("ontology/core.ttl").expect("hub").bytes).into_owned();
    assert!(core.contains(&format!("owl:versionInfo \"{rows}\"")), "core.ttl owl:versionInfo is not {rows}");
    assert!(core.contains(&format!("<https://w3id.org/govgate/{rows}/core>")), "core.ttl versionIRI");
}

#[test]
fn a_provision_is_found_from_its_citation_in_every_jurisdiction() {
    let index = CitationIndex::build(&ONTOLOGY).unwrap();
    let cases = [
        ("EU-AIA Art. 50(2)", "https://w3id.org/govgate/eli/eu/ai-act/art_50/par_2"),
        ("EU-AIA Annex III point 4(a)", "https://w3id.org/govgate/eli/eu/ai-act/anx_III/pnt_4/pnt_a"),
        ("PIPL Art. 38(1)(3)", "https://w3id.org/govgate/eli/cn/pipl/art_38/par_1/pnt_3"),
        ("《个人信息保护法》第三十八条第一款第（三）项", "https://w3id.org/govgate/eli/cn/pipl/art_38/par_1/pnt_3"),
        ("CN-ORDER16 Art. 7", "https://w3id.org/govgate/eli/cn/cross-border-data-flows/art_7"),
        ("CN-GENAI Art. 17", "https://w3id.org/govgate/eli/cn/genai/art_17"),
        ("NIST-AI-RMF GOVERN 1.1", "https://w3id.org/govgate/eli/us/nist-ai-rmf/subcat_GOVERN-1.1"),
        ("ISO-42001 A.6.2.7", "https://w3id.org/govgate/eli/int/iso-iec-42001/ctl_A.6.2.7"),
        ("GDPR Art. 46(2)(c)", "https://w3id.org/govgate/eli/eu/gdpr/art_46/par_2/pnt_c"),
        ("SG-PDPA s.26", "https://w3id.org/govgate/eli/sg/pdpa/sec_26"),
        ("JP-APPI Art. 28", "https://w3id.org/govgate/eli/jp/appi/art_28"),
        ("KR-AIBA Art. 31", "https://w3id.org/govgate/eli/kr/ai-basic-act/art_31"),
    ];
    let mut failures = Vec::new();
    for (citation, expected) in cases {
        match index.resolve(citation) {
            Ok(iri) if iri == expected => {}
            Ok(iri) => failures.push(format!("{citation}: got {iri}, expected {expected}")),
            Err(error) => failures.push(format!("{citation}: {error}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_unknown_citation_says_what_is_wrong() {
    let index = CitationIndex::build(&ONTOLOGY).unwrap();
    let error = index.resolve("PIPL Art. 999").unwrap_err().to_string();
    assert!(error.contains("does not define"), "{error}");
    let error = index.resolve("Magna Carta cl. 39").unwrap_err().to_string();
    assert!(error.contains("no instrument"), "{error}");
}

#[test]
fn unconfirmed_content_is_never_tagged_confirmed() {
    // Items regulation.md marks [U] (after its §§17-18 corrections) that the modules model.
    let rows = ONTOLOGY.select("SELECT ?s ?c WHERE { ?s <https://w3id.org/govgate/core#confidence> ?c }").unwrap();
    let confidence = |iri: &str| {
        rows.iter()
            .find(|r| matches!(&r[0], Some(Term::NamedNode(n)) if n.as_str() == iri))
            .and_then(|r| r[1].clone())
            .map(|t| t.to_string())
    };
    let unconfirmed = "<https://w3id.org/govgate/core#Unconfirmed>";
    let listed: Vec<String> =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/unconfirmed.txt"))
            .unwrap()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
    assert!(listed.len() >= 10, "tests/data/unconfirmed.txt lists the [U] items the ontology models");
    for iri in &listed {
        let tag =
            confidence(iri).unwrap_or_else(|| panic!("{iri} (listed as [U]) has no gg:confidence in the ontology"));
        assert_eq!(tag, unconfirmed, "{iri} is [U] in regulation.md");
    }
}
