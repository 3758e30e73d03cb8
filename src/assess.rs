//! Answering questions about a document: which transfer mechanism each regime requires,
//! what applies to an AI system, how a sandbox is supervised. A document in any profile is
//! first translated into the facts profile of the question (so every trigger is
//! re-evaluated from facts, never copied from the source's conclusion); the rule tables
//! then decide.

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use crate::rules::{Decision, Engine, Kind, RulesError};
use crate::translate::{GapReport, OutputForm, TranslateError, Translator, document};

/// The facts profile each kind of question reads.
pub fn facts_profile(kind: Kind) -> &'static str {
    match kind {
        Kind::Transfer => "transfer-facts",
        Kind::Applicability => "ai-system-profile",
        Kind::Sandbox => "sandbox-plan",
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssessError {
    #[error(transparent)]
    Translate(#[from] TranslateError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// A sandbox report (0-based, in the order given) that cannot be checked against its plan.
    #[error("report {}: {message}", .index + 1)]
    Report { index: usize, message: String },
}

/// The answer to a question, with how the facts were obtained.
#[derive(Debug, Serialize, ToSchema)]
pub struct Assessment {
    /// The profile the document was written in.
    pub source_profile: String,
    pub as_of: String,
    /// The facts the rules read.
    pub facts: serde_json::Value,
    /// When the document was not already in the facts profile: how its facts were
    /// extracted (missing fields are facts the document did not state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extraction: Option<GapReport>,
    /// One decision per regime or jurisdiction, engaged ones first.
    pub decisions: Vec<Decision>,
}

/// Answers a question of `kind` about the document in `bytes`, as of `as_of`.
pub fn assess(
    translator: &Translator,
    engine: &Engine,
    kind: Kind,
    bytes: &[u8],
    as_of: Date,
) -> Result<Assessment, AssessError> {
    let target = facts_profile(kind);
    let source = translator.detect(bytes)?;
    let (facts, extraction) = if source.id.0 == target {
        let parsed = document::read(source, bytes)?;
        (parsed.json, None)
    } else {
        let translation = translator.translate(bytes, Some(&source.id.0), target, OutputForm::Json)?;
        (translation.document, Some(translation.report))
    };
    let decisions = engine.decide_all(kind, &facts, as_of)?;
    Ok(Assessment { source_profile: source.id.0.clone(), as_of: as_of.to_string(), facts, extraction, decisions })
}

/// A sandbox plan graded by the rules, and each report under it checked against it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxCheck {
    #[serde(flatten)]
    pub plan: Assessment,
    /// One check per report given, in order (`crate::sandbox`).
    pub reports: Vec<crate::sandbox::Monitoring>,
}

/// `govgate sandbox check PLAN REPORT...`: the plan through the sandbox rules, then every
/// monitoring or exit report (validated against `sandbox-report`) against the plan.
pub fn sandbox_check(
    translator: &Translator,
    engine: &Engine,
    plan: &[u8],
    reports: &[Vec<u8>],
    as_of: Date,
) -> Result<SandboxCheck, AssessError> {
    let plan = assess(translator, engine, Kind::Sandbox, plan, as_of)?;
    let mut checked = Vec::with_capacity(reports.len());
    for (index, bytes) in reports.iter().enumerate() {
        // Violations are located inside the request's `/reports/N` (the CLI names the file).
        let in_report = |e: TranslateError| match e {
            TranslateError::Invalid(violations) => AssessError::Translate(TranslateError::Invalid(
                violations
                    .into_iter()
                    .map(|v| crate::translate::Violation { location: format!("/reports/{index}{}", v.location), ..v })
                    .collect(),
            )),
            other => AssessError::Report { index, message: other.to_string() },
        };
        let profile = translator.validate(bytes, Some("sandbox-report")).map_err(in_report)?;
        let report = document::read(profile, bytes).map_err(in_report)?.json;
        let monitoring =
            crate::sandbox::check(&plan.facts, &report).map_err(|message| AssessError::Report { index, message })?;
        checked.push(monitoring);
    }
    Ok(SandboxCheck { plan, reports: checked })
}

/// The text form of a report check, for the command line.
pub fn describe_monitoring(monitoring: &crate::sandbox::Monitoring) -> String {
    use std::fmt::Write as _;
    let word = |o: crate::sandbox::Outcome| {
        serde_json::to_value(o).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    };
    let mut out = String::new();
    let period = |key: &str| monitoring.period.get(key).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
    let _ = writeln!(
        out,
        "\n{} report {} for plan {} ({} to {}): {}",
        monitoring.report_type,
        monitoring.report_id.as_deref().unwrap_or("(no id)"),
        monitoring.plan_id,
        period("start"),
        period("end"),
        word(monitoring.result)
    );
    if let Some(why) = &monitoring.not_checked {
        let _ = writeln!(out, "  not checked: {why}");
    }
    for limit in &monitoring.limits {
        let ceiling = match (&limit.value, &limit.allowed_regions) {
            (Some(v), Some(r)) => format!(
                "{} {v} {}, in {}",
                if limit.inclusive { "at most" } else { "less than" },
                limit.unit,
                r.join(" ")
            ),
            (Some(v), None) => format!("{} {v} {}", if limit.inclusive { "at most" } else { "less than" }, limit.unit),
            (None, Some(r)) => format!("in {}", r.join(" ")),
            (None, None) => String::new(),
        };
        let observed = limit.observed.as_ref().map(|o| format!(", observed {o}")).unwrap_or_default();
        let outside = if limit.not_allowed.is_empty() {
            String::new()
        } else {
            format!(", not allowed: {}", limit.not_allowed.join(" "))
        };
        let note = limit.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {} {} [{ceiling}]: {}{observed}{outside}{note}",
            limit.id,
            limit.kind,
            limit.basis,
            word(limit.result)
        );
    }
    for criterion in &monitoring.criteria {
        let observed = criterion.observed.as_ref().map(|o| format!(", observed {o}")).unwrap_or_default();
        let note = criterion.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
        let result = match criterion.result {
            crate::sandbox::Outcome::Within => "met".to_owned(),
            crate::sandbox::Outcome::Breach => "not met".to_owned(),
            other => word(other),
        };
        let _ = writeln!(
            out,
            "  exit criterion {} [{} {} {}]: {result}{observed}{note}",
            criterion.id,
            criterion.comparator.as_deref().unwrap_or("?"),
            criterion.target.as_ref().map(ToString::to_string).unwrap_or_default(),
            criterion.unit.as_deref().unwrap_or("")
        );
    }
    if let Some(decision) = &monitoring.decision_sought {
        let _ = writeln!(out, "  decision sought: {decision}");
    }
    out
}

/// Today's date, the default of every question.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| format!("`{text}` is not a YYYY-MM-DD date"))
}

/// The answers as a readable text, for the command line.
pub fn describe(assessment: &Assessment) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} as of {}", assessment.source_profile, assessment.as_of);
    for decision in &assessment.decisions {
        let engaged = match decision.engaged {
            crate::rules::Tri::True => "",
            crate::rules::Tri::False => " (not engaged)",
            crate::rules::Tri::Unknown => " (engagement undetermined)",
        };
        let _ = writeln!(out, "\n{} — {}{engaged}", decision.regime, decision.title);
        if decision.engaged == crate::rules::Tri::False {
            continue;
        }
        for slot in &decision.slots {
            let outcome = match &slot.outcome {
                crate::rules::Outcome::Decided { iri, label, rule } => {
                    format!("{} ({rule})", label.clone().unwrap_or_else(|| iri.clone()))
                }
                crate::rules::Outcome::Default { iri, label } => {
                    format!("{} (default)", label.clone().unwrap_or_else(|| iri.clone()))
                }
                crate::rules::Outcome::None => "none".to_owned(),
                crate::rules::Outcome::Undetermined { missing, .. } => {
                    format!("undetermined: state {}", missing.join(", "))
                }
            };
            let _ = writeln!(out, "  {}: {outcome}", slot.label);
        }
        for rule in &decision.fired {
            let _ =
                writeln!(out, "  rule {} — {} [{}] ({:?})", rule.id, rule.title, rule.cite.join(", "), rule.confidence);
        }
        for obligation in &decision.obligations {
            let when = if obligation.applies_now {
                String::new()
            } else {
                format!(" — applies from {}", obligation.applies_from.as_deref().unwrap_or("?"))
            };
            let _ = writeln!(out, "  obligation: {}{when}", obligation.label.as_deref().unwrap_or(&obligation.iri));
        }
        for obligation in &decision.may_apply {
            let _ = writeln!(
                out,
                "  may apply: {} (if {})",
                obligation.label.as_deref().unwrap_or(&obligation.iri),
                obligation.missing.join(", ")
            );
        }
        if !decision.missing_facts.is_empty() {
            let _ = writeln!(out, "  missing facts: {}", decision.missing_facts.join(", "));
        }
        for assumption in &decision.assumptions {
            let _ = writeln!(out, "  assumed: {assumption}");
        }
    }
    out
}
