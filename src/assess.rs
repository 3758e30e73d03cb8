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
