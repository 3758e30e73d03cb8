//! Deciding what applies: declarative rule tables (`rules/**/*.yaml`, format in
//! `rules/README.md`) evaluated by a pure function of the rules, the facts and a date.
//! Transfer mechanisms, applicability of AI rules, and sandbox supervision share the engine.

pub mod condition;
pub mod facts;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use time::Date;
use utoipa::ToSchema;

use crate::content::Content;
use crate::mappings::TermIndex;
pub use condition::{Condition, Tri};

/// Where rule tables live in the content.
pub const RULES_DIR: &str = "rules/";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    #[error("`{file}`: {message}")]
    Load { file: String, message: String },
    #[error("the facts are not valid: {}", .0.join("; "))]
    InvalidFacts(Vec<String>),
}

/// The kind of question a rule file answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Transfer,
    Applicability,
    Sandbox,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Unconfirmed,
    Secondary,
    Confirmed,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    kind: Kind,
    regime: String,
    title: String,
    facts_schema: String,
    /// Free text for readers of the file.
    #[serde(default, rename = "description")]
    _description: Option<String>,
    #[serde(default)]
    prefixes: BTreeMap<String, String>,
    #[serde(default)]
    applies_when: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    derived: Vec<DerivedFile>,
    #[serde(default)]
    slots: BTreeMap<String, SlotFile>,
    rules: Vec<RuleEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SlotFile {
    Label(String),
    Full {
        label: String,
        #[serde(default)]
        default: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DerivedFile {
    fact: String,
    sum: Vec<String>,
    #[serde(default)]
    same_calendar_year: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    id: String,
    title: String,
    #[serde(default)]
    slot: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    obligations: Vec<String>,
    when: serde_yaml_ng::Value,
    #[serde(default)]
    cite: Vec<String>,
    confidence: Confidence,
    #[serde(default)]
    valid: Option<ValidFile>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidFile {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    until: Option<String>,
}

/// A rule, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub slot: Option<String>,
    pub outcome: Option<String>,
    pub obligations: Vec<String>,
    pub when: Condition,
    pub cite: Vec<String>,
    pub confidence: Confidence,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub note: Option<String>,
}

/// A fact computed before the rules run (calendar-year totals).
#[derive(Debug, Clone)]
pub struct Derived {
    pub fact: String,
    pub sum: Vec<String>,
    pub same_calendar_year: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Slot {
    pub name: String,
    pub label: String,
    pub default: Option<String>,
}

/// One rule file.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub id: String,
    pub kind: Kind,
    pub regime: String,
    pub title: String,
    pub facts_schema: String,
    pub applies_when: Option<Condition>,
    pub derived: Vec<Derived>,
    pub slots: Vec<Slot>,
    pub rules: Vec<Rule>,
}

/// Every rule file of the content.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub sets: Vec<RuleSet>,
}

impl Rules {
    pub fn load(content: &Content) -> Result<Self, RulesError> {
        let mut sets = Vec::new();
        for file in content.files(RULES_DIR, ".yaml") {
            let set = load_set(&file.path, &file.bytes)?;
            // Tests, the API and the CLI name a rule file by its id alone.
            if sets.iter().any(|s: &RuleSet| s.id == set.id) {
                return Err(RulesError::Load {
                    file: file.path.clone(),
                    message: format!("a second rule file with id `{}`", set.id),
                });
            }
            sets.push(set);
        }
        sets.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self { sets })
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &RuleSet> {
        self.sets.iter().filter(move |s| s.kind == kind)
    }

    pub fn get(&self, id: &str) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.id == id)
    }
}

fn load_set(path: &str, bytes: &[u8]) -> Result<RuleSet, RulesError> {
    let error = |message: String| RulesError::Load { file: path.to_owned(), message };
    let file: RuleFile = serde_yaml_ng::from_slice(bytes).map_err(|e| error(e.to_string()))?;
    let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".yaml");
    if stem != file.id {
        return Err(error(format!("id `{}` does not match the file name `{stem}`", file.id)));
    }
    let expand = |curie: &str| -> Result<String, RulesError> {
        if curie.contains("://") {
            return Ok(curie.to_owned());
        }
        let (prefix, local) = curie.split_once(':').ok_or_else(|| error(format!("`{curie}` is not a CURIE")))?;
        let base = file
            .prefixes
            .get(prefix)
            .ok_or_else(|| error(format!("prefix `{prefix}` of `{curie}` is not declared")))?;
        Ok(format!("{base}{local}"))
    };
    let date = |text: &str| {
        Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
            .map_err(|_| error(format!("`{text}` is not a YYYY-MM-DD date")))
    };
    let slots: Vec<Slot> = file
        .slots
        .iter()
        .map(|(name, slot)| {
            Ok(match slot {
                SlotFile::Label(label) => Slot { name: name.clone(), label: label.clone(), default: None },
                SlotFile::Full { label, default } => Slot {
                    name: name.clone(),
                    label: label.clone(),
                    default: default.as_deref().map(expand).transpose()?,
                },
            })
        })
        .collect::<Result<_, RulesError>>()?;
    let mut rules = Vec::new();
    let mut ids = BTreeSet::new();
    for entry in &file.rules {
        let here = |message: String| error(format!("rule `{}`: {message}", entry.id));
        if !ids.insert(entry.id.clone()) {
            return Err(here("the id is used twice".to_owned()));
        }
        if let Some(slot) = &entry.slot {
            if !slots.iter().any(|s| &s.name == slot) {
                return Err(here(format!("slot `{slot}` is not declared in `slots`")));
            }
            if entry.outcome.is_none() {
                return Err(here("a rule with a `slot` names its `outcome`".to_owned()));
            }
        } else if entry.outcome.is_some() {
            return Err(here("an `outcome` needs a `slot`".to_owned()));
        }
        let valid = entry.valid.as_ref();
        rules.push(Rule {
            id: entry.id.clone(),
            title: entry.title.clone(),
            slot: entry.slot.clone(),
            outcome: entry.outcome.as_deref().map(expand).transpose()?,
            obligations: entry.obligations.iter().map(|o| expand(o)).collect::<Result<_, _>>()?,
            when: Condition::parse(&entry.when).map_err(here)?,
            cite: entry.cite.iter().map(|c| expand(c)).collect::<Result<_, _>>()?,
            confidence: entry.confidence,
            valid_from: valid.and_then(|v| v.from.as_deref()).map(date).transpose()?,
            valid_until: valid.and_then(|v| v.until.as_deref()).map(date).transpose()?,
            note: entry.note.clone(),
        });
    }
    Ok(RuleSet {
        id: file.id.clone(),
        kind: file.kind,
        regime: file.regime.clone(),
        title: file.title.clone(),
        facts_schema: file.facts_schema.clone(),
        applies_when: file.applies_when.as_ref().map(Condition::parse).transpose().map_err(error)?,
        derived: file
            .derived
            .iter()
            .map(|d| Derived {
                fact: d.fact.clone(),
                sum: d.sum.clone(),
                same_calendar_year: d.same_calendar_year.clone(),
            })
            .collect(),
        slots,
        rules,
    })
}

// ---- answers ----------------------------------------------------------------------------

/// A rule that held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fired {
    pub id: String,
    pub title: String,
    /// Provisions the rule rests on.
    pub cite: Vec<String>,
    pub confidence: Confidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The answer for one slot.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// A rule decided it.
    Decided {
        /// The outcome's IRI (a mechanism, a tier...).
        iri: String,
        label: Option<String>,
        rule: String,
    },
    /// The file's default, no rule having held.
    Default { iri: String, label: Option<String> },
    /// No rule holds and there is no default.
    None,
    /// An earlier rule of the slot depends on facts nobody stated.
    Undetermined {
        /// The facts that would settle it.
        missing: Vec<String>,
        /// The outcomes still possible, in rule order.
        possible: Vec<String>,
    },
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotAnswer {
    pub slot: String,
    pub label: String,
    pub outcome: Outcome,
}

/// An obligation in an answer, read from the ontology.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationAnswer {
    pub iri: String,
    pub label: Option<String>,
    /// The provisions it derives from (IRIs that resolve in the ontology).
    pub provisions: Vec<String>,
    /// Who bears it.
    pub bearers: Vec<String>,
    /// The date it applies from, when the ontology states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<String>,
    /// Whether it applies on the question's date (false: it applies from `applies_from`).
    pub applies_now: bool,
    /// The rule that brought it in.
    pub rule: String,
    /// For obligations that may apply: the facts that would settle it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// The answer of one rule file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Decision {
    pub rule_set: String,
    pub regime: String,
    pub kind: Kind,
    pub title: String,
    /// The question's date.
    pub as_of: String,
    /// Whether the regime is engaged by these facts at all.
    pub engaged: Tri,
    pub slots: Vec<SlotAnswer>,
    pub fired: Vec<Fired>,
    pub obligations: Vec<ObligationAnswer>,
    /// Obligations that apply if facts nobody stated turn out one way.
    pub may_apply: Vec<ObligationAnswer>,
    /// Every fact the answer needed and did not have.
    pub missing_facts: Vec<String>,
    /// What the engine assumed (stated, never hidden).
    pub assumptions: Vec<String>,
}

/// Evaluates one rule file against facts, as of a date.
pub fn decide(set: &RuleSet, facts: &Json, as_of: Date, terms: &TermIndex) -> Decision {
    let mut assumptions = Vec::new();
    let facts = facts::with_derived(facts, &set.derived, as_of, &mut assumptions);
    let mut missing_all = BTreeSet::new();
    let engaged = match &set.applies_when {
        Some(condition) => condition.eval(&facts, as_of, &mut missing_all),
        None => Tri::True,
    };
    let mut decision = Decision {
        rule_set: set.id.clone(),
        regime: set.regime.clone(),
        kind: set.kind,
        title: set.title.clone(),
        as_of: as_of.to_string(),
        engaged,
        slots: Vec::new(),
        fired: Vec::new(),
        obligations: Vec::new(),
        may_apply: Vec::new(),
        missing_facts: Vec::new(),
        assumptions,
    };
    if engaged == Tri::False {
        return decision;
    }
    let in_force =
        |rule: &Rule| rule.valid_from.is_none_or(|d| as_of >= d) && rule.valid_until.is_none_or(|d| as_of <= d);
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut pending: BTreeMap<String, (BTreeSet<String>, Vec<String>)> = BTreeMap::new();
    for rule in set.rules.iter().filter(|r| in_force(r)) {
        let mut missing = BTreeSet::new();
        let result = rule.when.eval(&facts, as_of, &mut missing);
        if let Some(slot) = &rule.slot {
            if outcomes.contains_key(slot) {
                continue;
            }
            let outcome = rule.outcome.clone().expect("checked at load");
            match result {
                Tri::True => {
                    if let Some((missing, mut possible)) = pending.remove(slot) {
                        // Undetermined: this rule decides only if the earlier ones turn out false.
                        let missing_list: Vec<String> = missing.iter().cloned().collect();
                        add_obligations(&mut decision.may_apply, rule, terms, as_of, &missing_list);
                        possible.push(outcome);
                        missing_all.extend(missing.iter().cloned());
                        outcomes.insert(
                            slot.clone(),
                            Outcome::Undetermined { missing: missing.into_iter().collect(), possible },
                        );
                    } else {
                        outcomes.insert(
                            slot.clone(),
                            Outcome::Decided {
                                label: terms.label(&outcome).map(str::to_owned),
                                iri: outcome,
                                rule: rule.id.clone(),
                            },
                        );
                        decision.fired.push(fired(rule));
                        add_obligations(&mut decision.obligations, rule, terms, as_of, &[]);
                    }
                }
                Tri::Unknown => {
                    let missing_list: Vec<String> = missing.iter().cloned().collect();
                    add_obligations(&mut decision.may_apply, rule, terms, as_of, &missing_list);
                    let entry = pending.entry(slot.clone()).or_default();
                    entry.0.extend(missing);
                    entry.1.push(outcome);
                }
                Tri::False => {}
            }
        } else {
            match result {
                Tri::True => {
                    decision.fired.push(fired(rule));
                    add_obligations(&mut decision.obligations, rule, terms, as_of, &[]);
                }
                Tri::Unknown => {
                    let missing: Vec<String> = missing.into_iter().collect();
                    missing_all.extend(missing.iter().cloned());
                    add_obligations(&mut decision.may_apply, rule, terms, as_of, &missing);
                }
                Tri::False => {}
            }
        }
    }
    for slot in &set.slots {
        let outcome = match (outcomes.remove(&slot.name), pending.remove(&slot.name)) {
            (Some(outcome), _) => outcome,
            (None, Some((missing, possible))) => {
                missing_all.extend(missing.iter().cloned());
                let mut possible = possible;
                if let Some(default) = &slot.default {
                    possible.push(default.clone());
                }
                Outcome::Undetermined { missing: missing.into_iter().collect(), possible }
            }
            (None, None) => match &slot.default {
                Some(iri) => Outcome::Default { label: terms.label(iri).map(str::to_owned), iri: iri.clone() },
                None => Outcome::None,
            },
        };
        decision.slots.push(SlotAnswer { slot: slot.name.clone(), label: slot.label.clone(), outcome });
    }
    if engaged == Tri::Unknown {
        // Whether the regime applies at all is open: its obligations only may apply.
        let engagement: Vec<String> = decision.missing_facts_of(&set.applies_when, &facts, as_of);
        for mut obligation in std::mem::take(&mut decision.obligations) {
            obligation.missing = engagement.clone();
            decision.may_apply.push(obligation);
        }
    }
    decision.missing_facts = missing_all.into_iter().collect();
    decision
}

impl Decision {
    fn missing_facts_of(&self, condition: &Option<Condition>, facts: &Json, as_of: Date) -> Vec<String> {
        let mut missing = BTreeSet::new();
        if let Some(condition) = condition {
            condition.eval(facts, as_of, &mut missing);
        }
        missing.into_iter().collect()
    }
}

fn fired(rule: &Rule) -> Fired {
    Fired {
        id: rule.id.clone(),
        title: rule.title.clone(),
        cite: rule.cite.clone(),
        confidence: rule.confidence,
        note: rule.note.clone(),
    }
}

fn add_obligations(into: &mut Vec<ObligationAnswer>, rule: &Rule, terms: &TermIndex, as_of: Date, missing: &[String]) {
    for iri in &rule.obligations {
        if into.iter().any(|o| &o.iri == iri) {
            continue;
        }
        let provisions = terms.derived_from(iri).to_vec();
        let applies_from = terms
            .applies_from(iri)
            .or_else(|| provisions.iter().filter_map(|p| terms.applies_from(p)).max())
            .map(str::to_owned);
        let applies_now = applies_from
            .as_deref()
            .and_then(|d| Date::parse(d.get(..10)?, &time::format_description::well_known::Iso8601::DATE).ok())
            .is_none_or(|d| as_of >= d);
        into.push(ObligationAnswer {
            iri: iri.clone(),
            label: terms.label(iri).map(str::to_owned),
            provisions,
            bearers: terms.bearers(iri).to_vec(),
            applies_from,
            applies_now,
            rule: rule.id.clone(),
            missing: missing.to_vec(),
        });
    }
}

/// The rule tables with what they need to answer: the ontology's terms (labels,
/// provisions, dates) and the facts schemas.
pub struct Engine {
    pub rules: Rules,
    terms: TermIndex,
    schemas: BTreeMap<String, jsonschema::Validator>,
}

impl Engine {
    pub fn new(content: &Content, terms: TermIndex) -> Result<Self, RulesError> {
        let rules = Rules::load(content)?;
        let mut schemas = BTreeMap::new();
        for set in &rules.sets {
            if schemas.contains_key(&set.facts_schema) {
                continue;
            }
            let error = |message: String| RulesError::Load { file: format!("{RULES_DIR}{}.yaml", set.id), message };
            let file = content
                .get(&set.facts_schema)
                .ok_or_else(|| error(format!("facts schema `{}` is not in the content", set.facts_schema)))?;
            let schema: Json =
                serde_json::from_slice(&file.bytes).map_err(|e| error(format!("{}: {e}", set.facts_schema)))?;
            let validator =
                jsonschema::validator_for(&schema).map_err(|e| error(format!("{}: {e}", set.facts_schema)))?;
            schemas.insert(set.facts_schema.clone(), validator);
        }
        Ok(Self { rules, terms, schemas })
    }

    pub fn terms(&self) -> &TermIndex {
        &self.terms
    }

    /// Checks facts against a facts schema and for contradictions; every problem with its pointer.
    pub fn check_facts(&self, schema: &str, facts: &Json) -> Result<(), RulesError> {
        let mut problems: Vec<String> = match self.schemas.get(schema) {
            Some(validator) => validator
                .iter_errors(facts)
                .map(|e| format!("{}: {e}", pointer_or_root(&e.instance_path().to_string())))
                .collect(),
            None => vec![format!("no facts schema `{schema}`")],
        };
        if problems.is_empty() {
            problems = facts::contradictions(facts);
        }
        if problems.is_empty() { Ok(()) } else { Err(RulesError::InvalidFacts(problems)) }
    }

    /// Every rule file of a kind, answered for these facts: engaged regimes first.
    pub fn decide_all(&self, kind: Kind, facts: &Json, as_of: Date) -> Result<Vec<Decision>, RulesError> {
        let sets: Vec<&RuleSet> = self.rules.of_kind(kind).collect();
        if let Some(first) = sets.first() {
            self.check_facts(&first.facts_schema, facts)?;
        }
        let mut decisions: Vec<Decision> = sets.into_iter().map(|set| decide(set, facts, as_of, &self.terms)).collect();
        decisions.sort_by_key(|d| match d.engaged {
            Tri::True => 0,
            Tri::Unknown => 1,
            Tri::False => 2,
        });
        Ok(decisions)
    }
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}
