//! Sandbox monitoring: a monitoring or exit report checked against the sandbox plan it
//! names, as specified in `rules/README.md` ("Sandbox monitoring"). Not a rule table: every
//! limit of the plan gets one result from the report's observations, and an exit report's
//! criteria are re-checked against the plan's targets.
//!
//! Both documents are valid against their schemas before they get here
//! (`schemas/sandbox-plan.schema.json`, `schemas/sandbox-report.schema.json`). Numbers are
//! compared as JSON numbers: integers exactly, decimals as the nearest binary double of
//! their text (two decimal texts closer than 1e-15 relative compare equal).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use time::Date;
use utoipa::ToSchema;

/// What a limit, a criterion or a whole report comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Within,
    Breach,
    /// An observation, the value its basis needs or a matching unit is missing.
    Unknown,
    /// Not compared: a per-period limit in an exit report, or a report of another plan.
    NotChecked,
}

/// A report checked against its plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Monitoring {
    pub report_id: Option<String>,
    /// `monitoring` or `exit`.
    pub report_type: String,
    pub plan_id: String,
    /// The report's period (`start`, `end`, `sequence` as the report states them).
    #[schema(value_type = Object)]
    pub period: Json,
    /// `breach` if any limit is breached, else `unknown` if any is unknown, else `within`.
    pub result: Outcome,
    /// Why nothing was checked, when the report names another plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
    pub limits: Vec<LimitResult>,
    /// Exit reports: each criterion of the plan, re-checked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<CriterionResult>,
    /// Exit reports: what the participant asks the authority to decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_sought: Option<String>,
}

/// One limit of the plan and what the report shows against it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LimitResult {
    pub id: String,
    pub kind: String,
    pub basis: String,
    #[schema(value_type = Option<f64>)]
    pub value: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_regions: Option<Vec<String>>,
    pub unit: String,
    pub inclusive: bool,
    pub result: Outcome,
    /// The observed value (for regions: the distinct codes observed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub observed: Option<Json>,
    /// Regions observed that the limit does not allow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_allowed: Vec<String>,
    /// How `duration-days` was obtained when the report did not state it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computed: Option<String>,
    /// What is missing, when the result is unknown; why, when not checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One exit criterion of the plan, re-checked from the exit report's observed value.
#[derive(Debug, Serialize, ToSchema)]
pub struct CriterionResult {
    pub id: String,
    pub comparator: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub target: Option<Json>,
    pub unit: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub observed: Option<Json>,
    /// `within` when the criterion is met, `breach` when it is not, or `unknown`.
    pub result: Outcome,
    /// What the participant said (`met`), not copied into `result`.
    pub participant_says_met: Option<bool>,
    /// The participant's `met` differs from the comparison.
    pub disagrees: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Limit {
    id: String,
    kind: String,
    basis: String,
    value: Option<Json>,
    unit: String,
    inclusive: bool,
    allowed_regions: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Observation {
    kind: String,
    unit: Option<String>,
    period_value: Option<Json>,
    cumulative_value: Option<Json>,
    max_item_value: Option<Json>,
    period_regions: Option<Vec<String>>,
    cumulative_regions: Option<Vec<String>>,
}

/// Checks `report` against `plan` (both JSON documents of their profiles).
pub fn check(plan: &Json, report: &Json) -> Result<Monitoring, String> {
    let text = |doc: &Json, pointer: &str| doc.pointer(pointer).and_then(Json::as_str).map(str::to_owned);
    let plan_id = text(plan, "/planId").ok_or("the plan has no /planId")?;
    let report_plan = text(report, "/planId").ok_or("the report has no /planId")?;
    let report_type = text(report, "/reportType").ok_or("the report has no /reportType")?;
    let mut monitoring = Monitoring {
        report_id: text(report, "/reportId"),
        report_type: report_type.clone(),
        plan_id: report_plan.clone(),
        period: report.get("period").cloned().unwrap_or(Json::Null),
        result: Outcome::NotChecked,
        not_checked: None,
        limits: Vec::new(),
        criteria: Vec::new(),
        decision_sought: text(report, "/exit/decisionSought"),
    };
    if report_plan != plan_id {
        monitoring.not_checked = Some(format!("the report is for plan `{report_plan}`, not `{plan_id}`"));
        return Ok(monitoring);
    }
    let limits: Vec<Limit> = parse(plan.get("limits"), "/limits")?;
    let observations: Vec<Observation> = parse(report.get("observations"), "/observations")?;
    let exit = report_type == "exit";
    let operation_start = text(plan, "/phases/operation/start");
    let period_end = text(report, "/period/end");
    for limit in limits {
        let result = if exit && limit.basis == "per-period" {
            not_checked(&limit, "per-period limits are checked in monitoring reports only")
        } else {
            check_limit(&limit, &observations, operation_start.as_deref(), period_end.as_deref())
        };
        monitoring.limits.push(result);
    }
    if exit {
        monitoring.criteria = check_criteria(plan, report)?;
    }
    let results = monitoring.limits.iter().map(|l| l.result).chain(monitoring.criteria.iter().map(|c| c.result));
    monitoring.result = overall(results);
    Ok(monitoring)
}

fn parse<T: serde::de::DeserializeOwned>(value: Option<&Json>, pointer: &str) -> Result<Vec<T>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| format!("{pointer}: {e}")),
    }
}

fn overall(results: impl Iterator<Item = Outcome>) -> Outcome {
    let results: Vec<Outcome> = results.filter(|r| *r != Outcome::NotChecked).collect();
    if results.contains(&Outcome::Breach) {
        Outcome::Breach
    } else if results.contains(&Outcome::Unknown) {
        Outcome::Unknown
    } else {
        Outcome::Within
    }
}

fn blank(limit: &Limit, result: Outcome) -> LimitResult {
    LimitResult {
        id: limit.id.clone(),
        kind: limit.kind.clone(),
        basis: limit.basis.clone(),
        value: limit.value.clone(),
        allowed_regions: limit.allowed_regions.clone(),
        unit: limit.unit.clone(),
        inclusive: limit.inclusive,
        result,
        observed: None,
        not_allowed: Vec::new(),
        computed: None,
        note: None,
    }
}

fn not_checked(limit: &Limit, why: &str) -> LimitResult {
    LimitResult { note: Some(why.to_owned()), ..blank(limit, Outcome::NotChecked) }
}

fn unknown(limit: &Limit, what: String) -> LimitResult {
    LimitResult { note: Some(what), ..blank(limit, Outcome::Unknown) }
}

fn check_limit(
    limit: &Limit,
    observations: &[Observation],
    operation_start: Option<&str>,
    period_end: Option<&str>,
) -> LimitResult {
    let same_kind: Vec<&Observation> = observations.iter().filter(|o| o.kind == limit.kind).collect();
    // Several observations of one kind: the one in the limit's unit.
    let observation = match same_kind.as_slice() {
        [] => None,
        [only] => Some(*only),
        several => several.iter().copied().find(|o| o.unit.as_deref() == Some(limit.unit.as_str())),
    };
    let duration = limit.kind == "duration-days";
    // An unstated duration is counted below: it stands as an observation in the limit's unit.
    let counted;
    let observation = match observation {
        Some(observation) => observation,
        None if duration => {
            counted =
                Observation { kind: limit.kind.clone(), unit: Some(limit.unit.clone()), ..Observation::default() };
            &counted
        }
        None => {
            return unknown(limit, format!("the report has no `{}` observation in `{}`", limit.kind, limit.unit));
        }
    };
    if observation.unit.as_deref() != Some(limit.unit.as_str()) {
        return unknown(
            limit,
            format!(
                "the observation is in `{}`, the limit in `{}`; units are not converted",
                observation.unit.as_deref().unwrap_or("(no unit)"),
                limit.unit
            ),
        );
    }
    if limit.kind == "regions" {
        return check_regions(limit, observation);
    }
    let (field, stated) = match limit.basis.as_str() {
        "cumulative" => ("cumulativeValue", observation.cumulative_value.clone()),
        "per-period" => ("periodValue", observation.period_value.clone()),
        _ => ("maxItemValue", observation.max_item_value.clone()),
    };
    let mut computed = None;
    let observed = match stated {
        Some(value) => value,
        None if duration && limit.basis == "cumulative" => match days_inclusive(operation_start, period_end) {
            Some(days) => {
                computed = Some(format!(
                    "calendar days from the plan's operation start {} to the period end {}, both included",
                    operation_start.unwrap_or_default(),
                    period_end.unwrap_or_default()
                ));
                Json::from(days)
            }
            None => {
                return unknown(limit, "no duration stated, and no operation start or period end to count from".into());
            }
        },
        None => return unknown(limit, format!("the `{}` observation has no `{field}`", limit.kind)),
    };
    let Some(ceiling) = &limit.value else {
        return unknown(limit, "the limit has no value".to_owned());
    };
    let result = match exceeds(&observed, ceiling, limit.inclusive) {
        Some(true) => Outcome::Breach,
        Some(false) => Outcome::Within,
        None => return unknown(limit, format!("`{observed}` is not a number")),
    };
    LimitResult { observed: Some(observed), computed, ..blank(limit, result) }
}

fn check_regions(limit: &Limit, observation: &Observation) -> LimitResult {
    let (field, codes) = match limit.basis.as_str() {
        "cumulative" => ("cumulativeRegions", &observation.cumulative_regions),
        _ => ("periodRegions", &observation.period_regions),
    };
    let Some(codes) = codes else {
        return unknown(limit, format!("the `regions` observation has no `{field}`"));
    };
    let codes: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    let mut result = blank(limit, Outcome::Within);
    if let Some(allowed) = &limit.allowed_regions {
        result.not_allowed =
            codes.iter().filter(|code| !region_allowed(code, allowed)).map(|c| (*c).to_owned()).collect();
    }
    let count_breach = match &limit.value {
        Some(ceiling) => exceeds(&Json::from(codes.len()), ceiling, limit.inclusive) == Some(true),
        None => false,
    };
    if count_breach || !result.not_allowed.is_empty() {
        result.result = Outcome::Breach;
    }
    result.observed = Some(Json::from(codes.into_iter().collect::<Vec<_>>()));
    result
}

/// `NL` allows `NL` and `NL-UT`; `NL-NH` allows only itself.
fn region_allowed(code: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| {
        code == a || (a.len() == 2 && code.len() > 3 && code.starts_with(a.as_str()) && code.as_bytes()[2] == b'-')
    })
}

/// Whether `observed` crosses the ceiling: above an inclusive one, at or above an exclusive one.
fn exceeds(observed: &Json, ceiling: &Json, inclusive: bool) -> Option<bool> {
    let order = compare_numbers(observed, ceiling)?;
    Some(if inclusive { order == Ordering::Greater } else { order != Ordering::Less })
}

fn compare_numbers(a: &Json, b: &Json) -> Option<Ordering> {
    let (a, b) = (a.as_number()?, b.as_number()?);
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn days_inclusive(start: Option<&str>, end: Option<&str>) -> Option<i64> {
    let format = time::format_description::well_known::Iso8601::DATE;
    let start = Date::parse(start?, &format).ok()?;
    let end = Date::parse(end?, &format).ok()?;
    Some((end - start).whole_days() + 1)
}

fn check_criteria(plan: &Json, report: &Json) -> Result<Vec<CriterionResult>, String> {
    let empty = Vec::new();
    let planned = plan.get("exitCriteria").and_then(Json::as_array).unwrap_or(&empty);
    let reported = report.pointer("/exit/criteria").and_then(Json::as_array).unwrap_or(&empty);
    let mut results = Vec::new();
    for criterion in planned {
        let id = criterion.get("id").and_then(Json::as_str).ok_or("an exit criterion of the plan has no id")?;
        let entry = reported.iter().find(|r| r.get("criterionId").and_then(Json::as_str) == Some(id));
        let comparator = criterion.get("comparator").and_then(Json::as_str);
        let target = criterion.get("target");
        let unit = criterion.get("unit").and_then(Json::as_str);
        let mut result = CriterionResult {
            id: id.to_owned(),
            comparator: comparator.map(str::to_owned),
            target: target.cloned(),
            unit: unit.map(str::to_owned),
            observed: entry.and_then(|e| e.get("observedValue")).cloned(),
            result: Outcome::Unknown,
            participant_says_met: entry.and_then(|e| e.get("met")).and_then(Json::as_bool),
            disagrees: false,
            note: None,
        };
        let reported_unit = entry.and_then(|e| e.get("unit")).and_then(Json::as_str);
        result.note = match (entry, &result.observed, comparator, target) {
            (None, ..) => Some("the exit report does not report this criterion".to_owned()),
            (_, None, ..) => Some("no observedValue".to_owned()),
            (_, _, None, _) | (_, _, _, None) => Some("the plan gives no comparator or target".to_owned()),
            _ if reported_unit != unit => Some(format!(
                "the report's unit `{}` differs from the plan's `{}`",
                reported_unit.unwrap_or("(none)"),
                unit.unwrap_or("(none)")
            )),
            (_, Some(observed), Some(comparator), Some(target)) => match meets(observed, comparator, target) {
                Some(met) => {
                    result.result = if met { Outcome::Within } else { Outcome::Breach };
                    result.disagrees = result.participant_says_met.is_some_and(|said| said != met);
                    result.disagrees.then(|| {
                        format!(
                            "the participant says {}, the comparison says {}",
                            if met { "not met" } else { "met" },
                            if met { "met" } else { "not met" }
                        )
                    })
                }
                None => Some(format!("`{observed}` cannot be compared with `{target}` by `{comparator}`")),
            },
        };
        results.push(result);
    }
    for extra in reported {
        let id = extra.get("criterionId").and_then(Json::as_str).unwrap_or_default();
        if !planned.iter().any(|c| c.get("id").and_then(Json::as_str) == Some(id)) {
            results.push(CriterionResult {
                id: id.to_owned(),
                comparator: None,
                target: None,
                unit: extra.get("unit").and_then(Json::as_str).map(str::to_owned),
                observed: extra.get("observedValue").cloned(),
                result: Outcome::Unknown,
                participant_says_met: extra.get("met").and_then(Json::as_bool),
                disagrees: false,
                note: Some("the plan has no exit criterion with this id".to_owned()),
            });
        }
    }
    Ok(results)
}

fn meets(observed: &Json, comparator: &str, target: &Json) -> Option<bool> {
    if comparator == "is" {
        return Some(match compare_numbers(observed, target) {
            Some(order) => order == Ordering::Equal,
            None => observed == target,
        });
    }
    let order = compare_numbers(observed, target)?;
    Some(match comparator {
        "lt" => order == Ordering::Less,
        "lte" => order != Ordering::Greater,
        "gt" => order == Ordering::Greater,
        "gte" => order != Ordering::Less,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn plan(limits: Json) -> Json {
        json!({"planId": "P", "phases": {"operation": {"start": "2026-12-01"}}, "limits": limits,
               "exitCriteria": [{"id": "E1", "comparator": "lte", "target": 5, "unit": "percent"}]})
    }

    fn report(observations: Json) -> Json {
        json!({"planId": "P", "reportType": "monitoring", "period": {"start": "2027-03-01", "end": "2027-03-31"},
               "observations": observations})
    }

    fn one(limit: Json, observations: Json) -> LimitResult {
        check(&plan(json!([limit])), &report(observations)).unwrap().limits.remove(0)
    }

    #[test]
    fn ceilings_at_the_boundary() {
        let limit = |inclusive| json!({"id": "L", "kind": "users", "basis": "cumulative", "value": 2000, "unit": "users", "inclusive": inclusive});
        let seen = |n: i64| json!([{"kind": "users", "unit": "users", "cumulativeValue": n}]);
        for (inclusive, n, expected) in [
            (true, 1999, Outcome::Within),
            (true, 2000, Outcome::Within),
            (true, 2001, Outcome::Breach),
            (false, 1999, Outcome::Within),
            (false, 2000, Outcome::Breach),
            (false, 2001, Outcome::Breach),
        ] {
            assert_eq!(one(limit(inclusive), seen(n)).result, expected, "inclusive {inclusive}, observed {n}");
        }
        // Decimals compare as numbers, not text.
        let money = json!({"id": "M", "kind": "transaction-value", "basis": "per-item", "value": 25000, "unit": "EUR", "inclusive": true});
        assert_eq!(
            one(money.clone(), json!([{"kind": "transaction-value", "unit": "EUR", "maxItemValue": 25000.0}])).result,
            Outcome::Within
        );
        assert_eq!(
            one(money, json!([{"kind": "transaction-value", "unit": "EUR", "maxItemValue": 25000.01}])).result,
            Outcome::Breach
        );
    }

    #[test]
    fn the_basis_picks_the_value_and_nothing_is_derived() {
        let limit = json!({"id": "T", "kind": "transactions", "basis": "per-period", "value": 600, "unit": "transactions", "inclusive": false});
        let only_cumulative =
            one(limit, json!([{"kind": "transactions", "unit": "transactions", "cumulativeValue": 100}]));
        assert_eq!(only_cumulative.result, Outcome::Unknown);
        assert!(only_cumulative.note.unwrap().contains("periodValue"));
    }

    #[test]
    fn units_are_never_converted() {
        let limit = json!({"id": "U", "kind": "data-subjects", "basis": "cumulative", "value": 5, "unit": "persons", "inclusive": true});
        let users = one(limit.clone(), json!([{"kind": "data-subjects", "unit": "users", "cumulativeValue": 500}]));
        assert_eq!(users.result, Outcome::Unknown, "a different unit is unknown, not a breach");
        // Several observations of one kind: the one in the limit's unit.
        let two = one(
            limit,
            json!([{"kind": "data-subjects", "unit": "users", "cumulativeValue": 1},
                                    {"kind": "data-subjects", "unit": "persons", "cumulativeValue": 6}]),
        );
        assert_eq!((two.result, two.observed), (Outcome::Breach, Some(json!(6))));
    }

    #[test]
    fn regions_by_code_prefix_and_by_count() {
        let allowed = json!({"id": "R", "kind": "regions", "basis": "cumulative", "unit": "regions", "inclusive": true, "allowedRegions": ["NL", "BE-VAN"]});
        let seen = |codes: Json| json!([{"kind": "regions", "unit": "regions", "cumulativeRegions": codes}]);
        assert_eq!(one(allowed.clone(), seen(json!(["NL-UT", "NL", "BE-VAN"]))).result, Outcome::Within);
        let breach = one(allowed, seen(json!(["NL-UT", "BE-WLG", "NLX"])));
        assert_eq!((breach.result, breach.not_allowed), (Outcome::Breach, vec!["BE-WLG".to_owned(), "NLX".to_owned()]));
        let counted = json!({"id": "C", "kind": "regions", "basis": "cumulative", "value": 2, "unit": "regions", "inclusive": true});
        assert_eq!(one(counted.clone(), seen(json!(["A", "B", "A"]))).result, Outcome::Within, "duplicates count once");
        assert_eq!(one(counted, seen(json!(["A", "B", "C"]))).result, Outcome::Breach);
    }

    #[test]
    fn duration_is_counted_when_not_stated() {
        let limit = json!({"id": "D", "kind": "duration-days", "basis": "cumulative", "value": 121, "unit": "days", "inclusive": true});
        // 2026-12-01 .. 2027-03-31, both included: 31 + 31 + 28 + 31 = 121 days.
        let counted = one(limit.clone(), json!([]));
        assert_eq!((counted.result, counted.observed.clone()), (Outcome::Within, Some(json!(121))));
        assert!(counted.computed.is_some());
        let mut late = report(json!([]));
        late["period"]["end"] = json!("2027-04-01");
        let result = check(&plan(json!([limit])), &late).unwrap();
        assert_eq!(result.limits[0].result, Outcome::Breach);
    }

    #[test]
    fn another_plans_report_is_not_checked() {
        let mut other = report(json!([]));
        other["planId"] = json!("Q");
        let result = check(&plan(json!([])), &other).unwrap();
        assert_eq!(result.result, Outcome::NotChecked);
        assert!(result.not_checked.unwrap().contains("`Q`"));
    }

    #[test]
    fn exit_criteria_are_recomputed_and_disagreement_flagged() {
        let limits = json!([{"id": "T", "kind": "transactions", "basis": "per-period", "value": 1, "unit": "transactions", "inclusive": true}]);
        let exit = |observed: Json, unit: &str, met: bool| {
            let mut r = report(json!([{"kind": "transactions", "unit": "transactions", "periodValue": 99}]));
            r["reportType"] = json!("exit");
            r["exit"] = json!({"criteria": [{"criterionId": "E1", "observedValue": observed, "unit": unit, "met": met}], "decisionSought": "graduate"});
            check(&plan(limits.clone()), &r).unwrap()
        };
        let ok = exit(json!(5), "percent", true);
        assert_eq!(ok.limits[0].result, Outcome::NotChecked, "per-period limits only in monitoring reports");
        assert_eq!(
            (ok.criteria[0].result, ok.criteria[0].disagrees, ok.result),
            (Outcome::Within, false, Outcome::Within)
        );
        let wrong = exit(json!(5.5), "percent", true);
        assert_eq!(
            (wrong.criteria[0].result, wrong.criteria[0].disagrees, wrong.result),
            (Outcome::Breach, true, Outcome::Breach)
        );
        assert_eq!(exit(json!(1), "points", true).criteria[0].result, Outcome::Unknown);
        assert_eq!(ok.decision_sought.as_deref(), Some("graduate"));
    }
}
