//! The durable store across restarts: data survives, and start-up loading of the release
//! is idempotent.

mod common;

use govgate::startup::{Gateway, StoreMode};
use govgate::store::GraphKind;
use govgate::store::load::LoadAction;
use oxigraph::model::{GraphNameRef, Literal, NamedNodeRef, QuadRef};

#[test]
fn data_survives_a_restart_and_the_release_is_not_loaded_twice() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::test_config(dir.path());
    let document = GraphKind::Document { id: "restart-test".into() };
    let iri = document.iri();
    let subject = NamedNodeRef::new_unchecked("https://example.org/declaration/1");
    let predicate = NamedNodeRef::new_unchecked("https://w3id.org/govgate/core#personCount");

    let (total, ontology_quads) = {
        let gateway = Gateway::start(config.clone(), StoreMode::Durable).unwrap();
        assert!(gateway.load_report.iter().all(|(_, action)| matches!(action, LoadAction::Loaded { .. })));
        let count = Literal::from(120_000);
        let quad = QuadRef::new(subject, predicate, &count, GraphNameRef::NamedNode(iri.as_ref()));
        gateway.store.write(|s| s.insert(quad)).unwrap();
        (gateway.store.oxigraph().len().unwrap(), gateway.store.graph_len(&gateway.ontology_graph()).unwrap())
    };

    let gateway = Gateway::start(config, StoreMode::Durable).unwrap();
    assert!(
        gateway.load_report.iter().all(|(_, action)| *action == LoadAction::Unchanged),
        "{:?}",
        gateway.load_report
    );
    assert_eq!(gateway.store.oxigraph().len().unwrap(), total, "no quad added or lost");
    assert_eq!(gateway.store.graph_len(&gateway.ontology_graph()).unwrap(), ontology_quads);
    assert_eq!(gateway.store.graph_len(&document).unwrap(), 1, "the stored document is still there");
}
