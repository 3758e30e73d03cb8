//! Coverage: for each module, its duty-bearing provisions (those an obligation,
//! prohibition or right derives from), and whether each is mapped to the hub, to each
//! other module, or explicitly unmatched (`sssom:NoTermFound`).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Mapping, MappingSet, TermIndex};

/// The coverage of one module.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ModuleCoverage {
    pub module: String,
    /// Duty-bearing provisions of the module.
    pub provisions: usize,
    /// Mapped to a hub concept.
    pub to_hub: usize,
    /// Not mapped to the hub, but explicitly unmatched there.
    pub unmatched_at_hub: usize,
    /// Neither: the gaps, by IRI.
    pub gaps: Vec<String>,
    /// For every other module with a set, how many provisions are mapped to it (matched
    /// or explicitly unmatched).
    pub to_modules: BTreeMap<String, usize>,
}

impl ModuleCoverage {
    /// Share of provisions mapped to the hub or explicitly unmatched, in percent.
    pub fn percent(&self) -> f64 {
        if self.provisions == 0 {
            100.0
        } else {
            100.0 * (self.to_hub + self.unmatched_at_hub) as f64 / self.provisions as f64
        }
    }
}

/// Coverage of every module that has duty-bearing provisions.
pub fn coverage(sets: &[MappingSet], terms: &TermIndex) -> Vec<ModuleCoverage> {
    let mut provisions_by_module: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (duty, provisions) in terms.duties() {
        let Some(module) = terms.module(duty) else { continue };
        for provision in provisions {
            provisions_by_module.entry(module.to_owned()).or_default().insert(provision.as_str());
        }
    }
    provisions_by_module
        .into_iter()
        .map(|(module, provisions)| {
            let mut result =
                ModuleCoverage { module: module.clone(), provisions: provisions.len(), ..Default::default() };
            let hub_set = format!("{module}--hub");
            for provision in &provisions {
                let hub_rows: Vec<&Mapping> = sets
                    .iter()
                    .filter(|s| s.name == hub_set)
                    .flat_map(|s| &s.mappings)
                    .filter(|m| covers_subject(m, provision, terms))
                    .collect();
                if hub_rows.iter().any(|m| m.object.is_some() && !m.negated) {
                    result.to_hub += 1;
                } else if hub_rows.iter().any(|m| m.object.is_none()) {
                    result.unmatched_at_hub += 1;
                } else {
                    result.gaps.push((*provision).to_owned());
                }
                for set in sets.iter().filter(|s| s.name != hub_set) {
                    let (subject_module, object_module) = set.modules();
                    let other = if subject_module == module {
                        set.mappings.iter().any(|m| covers_subject(m, provision, terms)).then_some(object_module)
                    } else if object_module == module {
                        set.mappings.iter().any(|m| covers_object(m, provision, terms)).then_some(subject_module)
                    } else {
                        None
                    };
                    if let Some(other) = other {
                        *result.to_modules.entry(other.to_owned()).or_default() += 1;
                    }
                }
            }
            result
        })
        .collect()
}

fn covers_subject(mapping: &Mapping, provision: &str, terms: &TermIndex) -> bool {
    mapping.subject_provisions.iter().any(|p| p == provision)
        || mapping.subject == provision
        || terms.derived_from(&mapping.subject).iter().any(|p| p == provision)
}

fn covers_object(mapping: &Mapping, provision: &str, terms: &TermIndex) -> bool {
    mapping.object_provisions.iter().any(|p| p == provision)
        || mapping.object.as_deref() == Some(provision)
        || mapping.object.as_deref().is_some_and(|o| terms.derived_from(o).iter().any(|p| p == provision))
}

/// The coverage as a Markdown table.
pub fn table(modules: &[ModuleCoverage]) -> String {
    let mut out = String::from(
        "| module | duty-bearing provisions | mapped to hub | unmatched (NoTermFound) | gaps | covered | mapped to other modules |\n|---|---|---|---|---|---|---|\n",
    );
    for m in modules {
        let others = m.to_modules.iter().map(|(module, n)| format!("{module} {n}")).collect::<Vec<_>>().join(", ");
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.0}% | {} |\n",
            m.module,
            m.provisions,
            m.to_hub,
            m.unmatched_at_hub,
            m.gaps.len(),
            m.percent(),
            if others.is_empty() { "-".to_owned() } else { others }
        ));
    }
    out
}
