//! Aligning concepts across jurisdictions through the crosswalks: from a concept of the
//! source's module to the concepts of the target's, with the relation, confidence and
//! record that justify each step. Curated rows are preferred to chained ones, `equal` to
//! anything else; nothing but `equal` is ever called exact.

use std::collections::HashMap;

use serde::Serialize;

use crate::mappings::{MappingSet, Relation, chain};

/// One crosswalk step a value took.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CrosswalkUse {
    pub from: String,
    pub to: String,
    /// "subject REL object" read from the value's concept to the target's.
    #[schema(value_type = String)]
    pub relation: Relation,
    pub confidence: f64,
    /// The SSSOM record (or, for a chained row, the two records it rests on).
    pub records: Vec<String>,
    /// Inferred through the hub, not curated.
    pub chained: bool,
}

/// Every concept each concept relates to, both directions, curated and chained.
#[derive(Debug, Default)]
pub struct CrosswalkIndex {
    edges: HashMap<String, Vec<CrosswalkUse>>,
}

impl CrosswalkIndex {
    pub fn build(sets: &[MappingSet]) -> Self {
        let mut index = CrosswalkIndex::default();
        for set in sets {
            for m in set.mappings.iter().filter(|m| m.is_positive() && m.relation != Relation::NotRelatedTo) {
                let object = m.object.clone().expect("positive rows have an object");
                index.add(CrosswalkUse {
                    from: m.subject.clone(),
                    to: object.clone(),
                    relation: m.relation,
                    confidence: m.confidence,
                    records: vec![m.record_id.clone()],
                    chained: false,
                });
                index.add(CrosswalkUse {
                    from: object,
                    to: m.subject.clone(),
                    relation: m.relation.inverse(),
                    confidence: m.confidence,
                    records: vec![m.record_id.clone()],
                    chained: false,
                });
            }
        }
        for row in chain::through_hub(sets) {
            index.add(CrosswalkUse {
                from: row.subject.clone(),
                to: row.object.clone(),
                relation: row.relation,
                confidence: row.confidence,
                records: row.records.to_vec(),
                chained: true,
            });
        }
        index
    }

    fn add(&mut self, edge: CrosswalkUse) {
        self.edges.entry(edge.from.clone()).or_default().push(edge);
    }

    /// The best counterpart of `concept` among the IRIs `accept` admits.
    pub fn best(&self, concept: &str, accept: impl Fn(&str) -> bool) -> Option<&CrosswalkUse> {
        self.edges.get(concept)?.iter().filter(|e| accept(&e.to)).min_by(|a, b| {
            rank(a.relation)
                .cmp(&rank(b.relation))
                .then(a.chained.cmp(&b.chained))
                .then(b.confidence.total_cmp(&a.confidence))
                .then(a.to.cmp(&b.to))
        })
    }
}

/// Preference among relations: the value's concept equal to the target's, then narrower
/// (the target concept covers it), then broader, then overlapping.
fn rank(relation: Relation) -> u8 {
    match relation {
        Relation::Equal => 0,
        Relation::SubsetOf => 1,
        Relation::SupersetOf => 2,
        Relation::IntersectsWith => 3,
        Relation::NotRelatedTo => 4,
    }
}
