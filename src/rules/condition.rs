//! Conditions over facts, evaluated in three values: a comparison with a fact the document
//! does not state is unknown, never false. Syntax in `rules/README.md`.

use std::collections::BTreeSet;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use time::Date;

/// True, false or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    True,
    False,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Is(Json),
    In(Vec<Json>),
    Gt(Json),
    Gte(Json),
    Lt(Json),
    Lte(Json),
    Contains(Json),
    ContainsAny(Vec<Json>),
    Exists(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Fact { pointer: String, test: Test },
    AsOf(Test),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    /// Reads a condition from its YAML form; errors name what is wrong.
    pub fn parse(yaml: &Yaml) -> Result<Self, String> {
        let map = yaml.as_mapping().ok_or_else(|| format!("a condition is a mapping, not `{}`", short(yaml)))?;
        let get = |key: &str| map.get(Yaml::String(key.to_owned()));
        if let Some(parts) = get("all").or_else(|| get("any")) {
            let list = parts.as_sequence().ok_or("`all`/`any` take a list")?;
            let parsed = list.iter().map(Condition::parse).collect::<Result<Vec<_>, _>>()?;
            return Ok(if get("all").is_some() { Condition::All(parsed) } else { Condition::Any(parsed) });
        }
        if let Some(inner) = get("not") {
            return Ok(Condition::Not(Box::new(Condition::parse(inner)?)));
        }
        if let Some(inner) = get("as_of") {
            let inner = inner.as_mapping().ok_or("`as_of` takes a comparison, e.g. {gte: 2026-01-01}")?;
            return Ok(Condition::AsOf(test(inner, &["fact"])?));
        }
        let pointer = get("fact")
            .and_then(Yaml::as_str)
            .ok_or_else(|| format!("a condition needs `fact`, `all`, `any`, `not` or `as_of`: `{}`", short(yaml)))?;
        if !pointer.starts_with('/') {
            return Err(format!("fact `{pointer}` is not a JSON pointer"));
        }
        Ok(Condition::Fact { pointer: pointer.to_owned(), test: test(map, &["fact"])? })
    }

    /// Every fact pointer the condition reads.
    pub fn facts(&self, out: &mut BTreeSet<String>) {
        match self {
            Condition::Fact { pointer, .. } => {
                out.insert(pointer.clone());
            }
            Condition::AsOf(_) => {}
            Condition::All(parts) | Condition::Any(parts) => parts.iter().for_each(|p| p.facts(out)),
            Condition::Not(inner) => inner.facts(out),
        }
    }

    /// Evaluates; the facts an unknown result depends on go into `missing`.
    pub fn eval(&self, facts: &Json, as_of: Date, missing: &mut BTreeSet<String>) -> Tri {
        match self {
            Condition::Fact { pointer, test } => {
                let value = facts.pointer(pointer).filter(|v| !v.is_null());
                let result = apply(test, value);
                if result == Tri::Unknown {
                    missing.insert(pointer.clone());
                }
                result
            }
            Condition::AsOf(test) => apply(test, Some(&Json::String(as_of.to_string()))),
            Condition::All(parts) => {
                let mut local = BTreeSet::new();
                let mut unknown = false;
                for part in parts {
                    match part.eval(facts, as_of, &mut local) {
                        Tri::False => return Tri::False,
                        Tri::Unknown => unknown = true,
                        Tri::True => {}
                    }
                }
                if unknown {
                    missing.extend(local);
                    Tri::Unknown
                } else {
                    Tri::True
                }
            }
            Condition::Any(parts) => {
                let mut local = BTreeSet::new();
                let mut unknown = false;
                for part in parts {
                    match part.eval(facts, as_of, &mut local) {
                        Tri::True => return Tri::True,
                        Tri::Unknown => unknown = true,
                        Tri::False => {}
                    }
                }
                if unknown {
                    missing.extend(local);
                    Tri::Unknown
                } else {
                    Tri::False
                }
            }
            Condition::Not(inner) => match inner.eval(facts, as_of, missing) {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                Tri::Unknown => Tri::Unknown,
            },
        }
    }
}

fn short(yaml: &Yaml) -> String {
    let text = serde_yaml_ng::to_string(yaml).unwrap_or_default().replace('\n', " ");
    text.chars().take(80).collect()
}

fn json(yaml: &Yaml) -> Result<Json, String> {
    // Dates in YAML rule files are strings to serde_yaml_ng; numbers and booleans stay typed.
    serde_json::to_value(yaml).map_err(|e| e.to_string())
}

fn test(map: &serde_yaml_ng::Mapping, skip: &[&str]) -> Result<Test, String> {
    let mut tests = Vec::new();
    for (key, value) in map {
        let key = key.as_str().ok_or("condition keys are strings")?;
        if skip.contains(&key) {
            continue;
        }
        let list = || -> Result<Vec<Json>, String> {
            value.as_sequence().ok_or(format!("`{key}` takes a list"))?.iter().map(json).collect()
        };
        tests.push(match key {
            "is" => Test::Is(json(value)?),
            "in" => Test::In(list()?),
            "gt" => Test::Gt(json(value)?),
            "gte" => Test::Gte(json(value)?),
            "lt" => Test::Lt(json(value)?),
            "lte" => Test::Lte(json(value)?),
            "contains" => Test::Contains(json(value)?),
            "contains_any" => Test::ContainsAny(list()?),
            "exists" => Test::Exists(value.as_bool().ok_or("`exists` takes true or false")?),
            other => {
                return Err(format!(
                    "unknown test `{other}` (is, in, gt, gte, lt, lte, contains, contains_any, exists)"
                ));
            }
        });
    }
    match tests.len() {
        1 => Ok(tests.remove(0)),
        0 => Err("a condition names no test (is, in, gt, gte, lt, lte, contains, contains_any, exists)".to_owned()),
        _ => Err("a condition has more than one test; combine them with `all`".to_owned()),
    }
}

fn tri(b: bool) -> Tri {
    if b { Tri::True } else { Tri::False }
}

fn apply(test: &Test, value: Option<&Json>) -> Tri {
    if let Test::Exists(expected) = test {
        return tri(value.is_some() == *expected);
    }
    let Some(value) = value else { return Tri::Unknown };
    match test {
        Test::Is(expected) => tri(same(value, expected)),
        Test::In(options) => tri(options.iter().any(|o| same(value, o))),
        Test::Gt(bound) => compare(value, bound).map_or(Tri::Unknown, |o| tri(o.is_gt())),
        Test::Gte(bound) => compare(value, bound).map_or(Tri::Unknown, |o| tri(o.is_ge())),
        Test::Lt(bound) => compare(value, bound).map_or(Tri::Unknown, |o| tri(o.is_lt())),
        Test::Lte(bound) => compare(value, bound).map_or(Tri::Unknown, |o| tri(o.is_le())),
        Test::Contains(item) => match value {
            Json::Array(items) => tri(items.iter().any(|i| same(i, item))),
            _ => Tri::Unknown,
        },
        Test::ContainsAny(options) => match value {
            Json::Array(items) => tri(items.iter().any(|i| options.iter().any(|o| same(i, o)))),
            _ => Tri::Unknown,
        },
        Test::Exists(_) => unreachable!("handled above"),
    }
}

/// Equality that treats 1 and 1.0 alike.
fn same(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Orders numbers as numbers and ISO dates as dates; anything else is not comparable.
fn compare(value: &Json, bound: &Json) -> Option<std::cmp::Ordering> {
    if let (Some(a), Some(b)) = (value.as_f64(), bound.as_f64()) {
        return a.partial_cmp(&b);
    }
    let date = |v: &Json| {
        v.as_str().and_then(|s| Date::parse(s.get(..10)?, &time::format_description::well_known::Iso8601::DATE).ok())
    };
    Some(date(value)?.cmp(&date(bound)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    fn cond(yaml: &str) -> Condition {
        Condition::parse(&serde_yaml_ng::from_str(yaml).unwrap()).unwrap()
    }

    #[test]
    fn unknown_facts_stay_unknown_through_all_any_and_not() {
        let facts = json!({"a": 5, "flag": true});
        let mut missing = BTreeSet::new();
        let today = date!(2026 - 11 - 29);
        assert_eq!(cond("{fact: /a, gte: 5}").eval(&facts, today, &mut missing), Tri::True);
        assert_eq!(cond("{fact: /a, gt: 5}").eval(&facts, today, &mut missing), Tri::False);
        assert_eq!(cond("{fact: /b, gt: 5}").eval(&facts, today, &mut missing), Tri::Unknown);
        assert_eq!(missing.iter().collect::<Vec<_>>(), ["/b"]);
        let mut missing = BTreeSet::new();
        assert_eq!(cond("{all: [{fact: /a, lt: 5}, {fact: /b, is: 1}]}").eval(&facts, today, &mut missing), Tri::False);
        assert!(missing.is_empty(), "a false `all` needs nothing more");
        assert_eq!(
            cond("{any: [{fact: /flag, is: true}, {fact: /b, is: 1}]}").eval(&facts, today, &mut missing),
            Tri::True
        );
        assert_eq!(cond("{not: {fact: /b, exists: true}}").eval(&facts, today, &mut missing), Tri::True);
        assert_eq!(cond("{not: {fact: /b, is: 1}}").eval(&facts, today, &mut missing), Tri::Unknown);
    }

    #[test]
    fn dates_compare_as_dates() {
        let facts = json!({"d": "2024-03-22"});
        let mut missing = BTreeSet::new();
        let today = date!(2026 - 01 - 01);
        assert_eq!(cond("{fact: /d, gte: \"2024-03-22\"}").eval(&facts, today, &mut missing), Tri::True);
        assert_eq!(cond("{fact: /d, lt: \"2024-03-22\"}").eval(&facts, today, &mut missing), Tri::False);
        assert_eq!(cond("{as_of: {gte: \"2026-01-01\"}}").eval(&facts, today, &mut missing), Tri::True);
        assert_eq!(cond("{as_of: {gte: 2026-01-02}}").eval(&facts, today, &mut missing), Tri::False);
    }

    #[test]
    fn malformed_conditions_are_named() {
        let bad = |yaml: &str| Condition::parse(&serde_yaml_ng::from_str(yaml).unwrap()).unwrap_err();
        assert!(bad("{fact: a, is: 1}").contains("JSON pointer"));
        assert!(bad("{fact: /a, within: 3}").contains("unknown test"));
        assert!(bad("{fact: /a, gt: 1, lt: 3}").contains("more than one"));
    }
}
