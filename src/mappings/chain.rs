//! Chaining through the hub, by the SSSOM chaining rules: only `exactMatch` and
//! `broadMatch`/`narrowMatch` chain (as set relations: equal, subset, superset);
//! `closeMatch` and `relatedMatch` (intersects-with) never do. Inferred rows are marked as
//! chained (`semapv:MappingChaining`) and never presented as curated.

use std::collections::{BTreeMap, HashSet};

use super::{Mapping, MappingSet, Relation};

/// A row inferred from two curated rows that meet at a hub concept.
#[derive(Debug, Clone, PartialEq)]
pub struct Chained {
    pub subject: String,
    pub object: String,
    pub relation: Relation,
    /// The hub concept the two rows meet at.
    pub via: String,
    /// The curated records the inference rests on: subject -> hub, object -> hub.
    pub records: [String; 2],
    /// The product of the two rows' confidences.
    pub confidence: f64,
}

impl Chained {
    pub fn predicate(&self) -> &'static str {
        match self.relation {
            Relation::Equal => "http://www.w3.org/2004/02/skos/core#exactMatch",
            Relation::SubsetOf => "http://www.w3.org/2004/02/skos/core#broadMatch",
            _ => "http://www.w3.org/2004/02/skos/core#narrowMatch",
        }
    }
}

/// `a r1 h` and `h r2 b` give `a ? b`, when the set relations compose.
pub fn compose(r1: Relation, r2: Relation) -> Option<Relation> {
    use Relation::*;
    match (r1, r2) {
        (Equal, r) | (r, Equal) if matches!(r, Equal | SubsetOf | SupersetOf) => Some(r),
        (SubsetOf, SubsetOf) => Some(SubsetOf),
        (SupersetOf, SupersetOf) => Some(SupersetOf),
        _ => None,
    }
}

fn chains(mapping: &Mapping) -> bool {
    mapping.is_positive() && matches!(mapping.relation, Relation::Equal | Relation::SubsetOf | Relation::SupersetOf)
}

/// Every row the `<module>--hub` sets imply between two different modules, except where a
/// curated row already relates the pair (curation wins).
pub fn through_hub(sets: &[MappingSet]) -> Vec<Chained> {
    let curated: HashSet<(&str, &str)> = sets
        .iter()
        .flat_map(|set| &set.mappings)
        .filter(|m| m.is_positive())
        .filter_map(|m| m.object.as_deref().map(|o| (m.subject.as_str(), o)))
        .flat_map(|(s, o)| [(s, o), (o, s)])
        .collect();
    // hub concept -> (set, row) of every spoke term that chains to it
    let mut at_hub: BTreeMap<&str, Vec<(&str, &Mapping)>> = BTreeMap::new();
    for set in sets.iter().filter(|s| s.modules().1 == "hub") {
        for mapping in set.mappings.iter().filter(|m| chains(m)) {
            let hub = mapping.object.as_deref().expect("chains() checked the object");
            at_hub.entry(hub).or_default().push((set.name.as_str(), mapping));
        }
    }
    let mut best: BTreeMap<(String, String), Chained> = BTreeMap::new();
    for (hub, spokes) in &at_hub {
        for (set_a, a) in spokes {
            for (set_b, b) in spokes {
                if set_a == set_b || curated.contains(&(a.subject.as_str(), b.subject.as_str())) {
                    continue;
                }
                let Some(relation) = compose(a.relation, b.relation.inverse()) else { continue };
                let chained = Chained {
                    subject: a.subject.clone(),
                    object: b.subject.clone(),
                    relation,
                    via: (*hub).to_owned(),
                    records: [a.record_id.clone(), b.record_id.clone()],
                    confidence: a.confidence * b.confidence,
                };
                let key = (chained.subject.clone(), chained.object.clone());
                match best.get(&key) {
                    Some(existing) if existing.confidence >= chained.confidence => {}
                    _ => {
                        best.insert(key, chained);
                    }
                }
            }
        }
    }
    best.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Relation::*;

    #[test]
    fn only_equal_and_nested_subsets_compose() {
        assert_eq!(compose(Equal, Equal), Some(Equal));
        assert_eq!(compose(Equal, SubsetOf), Some(SubsetOf));
        assert_eq!(compose(SupersetOf, Equal), Some(SupersetOf));
        assert_eq!(compose(SubsetOf, SubsetOf), Some(SubsetOf));
        assert_eq!(compose(SubsetOf, SupersetOf), None, "two subsets of one topic say nothing of each other");
        assert_eq!(compose(IntersectsWith, Equal), None, "closeMatch and relatedMatch never chain");
        assert_eq!(compose(Equal, IntersectsWith), None);
        assert_eq!(compose(NotRelatedTo, Equal), None);
    }
}
