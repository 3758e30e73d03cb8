//! Facts before the rules read them: derived facts (calendar-year totals for the
//! anti-splitting rules), and the checks that turn bad or contradictory facts into a
//! precise error instead of a decision.

use serde_json::Value as Json;
use time::Date;

use super::Derived;

/// ISO 3166-1 alpha-2 codes, and `EU` for the Union as a whole.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI \
GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI \
LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF \
PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL \
TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW EU";

/// Whether a code is a country govgate knows.
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split_whitespace().any(|c| c == code)
}

/// Every string at a pointer with `*` for array elements, with the element's own pointer.
fn expand<'a>(facts: &'a Json, pointer: &str) -> Vec<(String, &'a Json)> {
    let mut current: Vec<(String, &Json)> = vec![(String::new(), facts)];
    for segment in pointer.trim_start_matches('/').split('/') {
        let mut next = Vec::new();
        for (at, value) in current {
            if segment == "*" {
                if let Json::Array(items) = value {
                    next.extend(items.iter().enumerate().map(|(i, v)| (format!("{at}/{i}"), v)));
                }
            } else if let Some(child) = value.get(segment) {
                next.push((format!("{at}/{segment}"), child));
            }
        }
        current = next;
    }
    current
}

/// The facts with the derived ones added. An absent array contributes nothing (an
/// assumption the answer states); an absent plain fact leaves the total unknown.
pub fn with_derived(facts: &Json, derived: &[Derived], as_of: Date, assumptions: &mut Vec<String>) -> Json {
    let mut facts = facts.clone();
    for rule in derived {
        let year = rule
            .same_calendar_year
            .as_ref()
            .and_then(|p| facts.pointer(p))
            .and_then(Json::as_str)
            .and_then(|d| d.get(..4)?.parse::<i32>().ok())
            .unwrap_or_else(|| as_of.year());
        let mut total = 0f64;
        let mut known = true;
        for pointer in &rule.sum {
            if pointer.contains('*') {
                let array = pointer.split("/*").next().unwrap_or_default();
                if facts.pointer(array).is_none() {
                    assumptions.push(format!(
                        "`{array}` is not stated: {} counts only the facts stated ({} in {year})",
                        rule.fact,
                        rule.sum.join(" + ")
                    ));
                    continue;
                }
                for (at, value) in expand(&facts, pointer) {
                    // An element counts only if its `date` falls in the same calendar year.
                    let element = at.rsplit_once('/').map_or(at.as_str(), |(e, _)| e);
                    let in_year = rule.same_calendar_year.is_none()
                        || facts
                            .pointer(&format!("{element}/date"))
                            .and_then(Json::as_str)
                            .and_then(|d| d.get(..4)?.parse::<i32>().ok())
                            == Some(year);
                    if in_year {
                        total += value.as_f64().unwrap_or(0.0);
                    }
                }
            } else {
                match facts.pointer(pointer).and_then(Json::as_f64) {
                    Some(n) => total += n,
                    None => known = false,
                }
            }
        }
        if known {
            crate::formats::field::set_pointer(&mut facts, &rule.fact, Json::from(total as i64));
        }
    }
    facts
}

/// Facts that are well-formed but impossible: unknown countries, dates out of range,
/// contradictions between facts. Each problem names its pointer.
pub fn contradictions(facts: &Json) -> Vec<String> {
    let mut problems = Vec::new();
    for pointer in ["/origin", "/destination", "/exporter/country", "/importer/country"] {
        if let Some(code) = facts.pointer(pointer).and_then(Json::as_str)
            && !is_country(code)
        {
            problems.push(format!("{pointer}: `{code}` is not an ISO 3166-1 alpha-2 country code (or EU)"));
        }
    }
    for (at, code) in
        expand(facts, "/onwardDestinations/*").into_iter().chain(expand(facts, "/offering/marketsOffered/*"))
    {
        if let Some(code) = code.as_str()
            && !is_country(code)
            && code != "US-CO"
        {
            problems.push(format!("{at}: `{code}` is not a country code"));
        }
    }
    let date =
        |v: &Json| v.as_str().and_then(|s| Date::parse(s, &time::format_description::well_known::Iso8601::DATE).ok());
    if let Some(transfer) = facts.pointer("/transferDate") {
        match date(transfer) {
            Some(d) if !(1990..=2100).contains(&d.year()) => {
                problems.push(format!("/transferDate: {d} is out of range (1990-2100)"))
            }
            Some(d) => {
                for (at, value) in expand(facts, "/earlierTransfers/*/date") {
                    if date(value).is_some_and(|e| e > d) {
                        problems.push(format!("{at}: an earlier transfer is dated after the transfer ({d})"));
                    }
                }
            }
            None => {}
        }
    }
    let count = |p: &str| facts.pointer(p).and_then(Json::as_i64);
    if facts.pointer("/data/nonPersonalOnly") == Some(&Json::Bool(true)) {
        for pointer in ["/data/personCount", "/data/sensitivePersonCount"] {
            if count(pointer).is_some_and(|n| n > 0) {
                problems
                    .push(format!("{pointer}: personal information counted although /data/nonPersonalOnly is true"));
            }
        }
    }
    if let (Some(processed), Some(sent)) = (count("/exporter/processedPersonCount"), count("/data/personCount"))
        && sent > processed
    {
        problems
            .push(format!("/data/personCount: {sent} persons sent, more than the {processed} the exporter processes"));
    }
    if facts.pointer("/data/minorsUnder14") == Some(&Json::Bool(true)) && count("/data/sensitivePersonCount") == Some(0)
    {
        problems.push(
            "/data/sensitivePersonCount: 0, yet PI of minors under 14 (sensitive under PIPL Art. 28) is transferred"
                .to_owned(),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    #[test]
    fn calendar_year_totals_count_only_this_year() {
        let derived = vec![Derived {
            fact: "/year/personCount".into(),
            sum: vec!["/data/personCount".into(), "/earlierTransfers/*/personCount".into()],
            same_calendar_year: Some("/transferDate".into()),
        }];
        let facts = json!({"transferDate": "2026-06-01", "data": {"personCount": 60000},
            "earlierTransfers": [{"date": "2026-02-01", "personCount": 50000}, {"date": "2025-12-31", "personCount": 900000}]});
        let mut assumptions = Vec::new();
        let out = with_derived(&facts, &derived, date!(2026 - 11 - 29), &mut assumptions);
        assert_eq!(out.pointer("/year/personCount"), Some(&json!(110000)));
        assert!(assumptions.is_empty());
        let unstated =
            with_derived(&json!({"data": {"personCount": 5}}), &derived, date!(2026 - 11 - 29), &mut assumptions);
        assert_eq!(unstated.pointer("/year/personCount"), Some(&json!(5)));
        assert_eq!(assumptions.len(), 1, "the missing list is stated as an assumption");
        let unknown = with_derived(&json!({"earlierTransfers": []}), &derived, date!(2026 - 11 - 29), &mut assumptions);
        assert_eq!(unknown.pointer("/year/personCount"), None, "this transfer's own count is unknown");
    }

    #[test]
    fn impossible_facts_are_named() {
        let problems = contradictions(&json!({"origin": "XX", "destination": "DE", "transferDate": "2026-01-01",
            "earlierTransfers": [{"date": "2026-05-01"}], "data": {"nonPersonalOnly": true, "personCount": 3}}));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("/origin"));
    }
}
