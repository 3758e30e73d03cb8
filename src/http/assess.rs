//! `/v1/transfers/assess`, `/v1/classify`, `/v1/sandbox/check`: the rule tables over HTTP.

use actix_web::{HttpRequest, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::problem::ApiError;
use crate::assess::{self, AssessError, Assessment, SandboxCheck};
use crate::rules::{Kind, RulesError};
use crate::translate::TranslateError;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/v1/transfers/assess", web::post().to(assess_transfer))
        .route("/v1/classify", web::post().to(classify))
        .route("/v1/sandbox/check", web::post().to(sandbox_check));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AsOf {
    /// The date of the question, YYYY-MM-DD (default: today).
    pub as_of: Option<String>,
}

async fn answer(
    state: web::Data<AppState>,
    kind: Kind,
    as_of: Option<String>,
    body: web::Bytes,
) -> Result<web::Json<Assessment>, ApiError> {
    let as_of = date(as_of)?;
    let gateway = state.gateway.clone();
    let result = web::block(move || assess::assess(&gateway.translator, &gateway.rules, kind, &body, as_of))
        .await
        .map_err(ApiError::internal)?;
    result.map(web::Json).map_err(problem)
}

fn date(as_of: Option<String>) -> Result<time::Date, ApiError> {
    match as_of {
        Some(date) => assess::parse_date(&date).map_err(ApiError::BadRequest),
        None => Ok(assess::today()),
    }
}

/// The problem document for a question that cannot be answered.
fn problem(error: AssessError) -> ApiError {
    match error {
        AssessError::Translate(TranslateError::Invalid(violations)) => {
            ApiError::Invalid { message: format!("the document has {} violation(s)", violations.len()), violations }
        }
        AssessError::Translate(
            e @ (TranslateError::Syntax(_) | TranslateError::UnknownProfile(_) | TranslateError::WrongForm(_)),
        ) => ApiError::BadRequest(e.to_string()),
        e @ AssessError::Report { .. } => ApiError::BadRequest(e.to_string()),
        AssessError::Rules(RulesError::InvalidFacts(problems)) => ApiError::Invalid {
            message: format!("the facts are not consistent: {} problem(s)", problems.len()),
            violations: problems
                .into_iter()
                .map(|p| {
                    let (location, message) =
                        p.split_once(": ").map_or(("/".to_owned(), p.clone()), |(l, m)| (l.to_owned(), m.to_owned()));
                    crate::translate::Violation { location, message }
                })
                .collect(),
        },
        other => ApiError::internal(other),
    }
}

/// Decide the transfer mechanism each regime requires (CN, EU, UK, SG, JP, US DSP), from a
/// declaration in any supported profile or a transfer-facts document.
#[utoipa::path(post, path = "/v1/transfers/assess", tag = "decisions", params(AsOf),
    request_body(content = String, description = "A transfer declaration (JSON or XML) or transfer-facts", content_type = "application/json"),
    responses(
        (status = 200, description = "A decision per regime: mechanism, rules with citations, obligations, missing facts", body = Assessment),
        (status = 400, description = "Unreadable document, unknown profile or bad date", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or contradictory facts, each with its location", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn assess_transfer(
    state: web::Data<AppState>,
    query: web::Query<AsOf>,
    body: web::Bytes,
) -> Result<web::Json<Assessment>, ApiError> {
    answer(state, Kind::Transfer, query.into_inner().as_of, body).await
}

/// Decide which instruments, risk tiers and obligations apply to an AI system in each
/// jurisdiction, as of a date.
#[utoipa::path(post, path = "/v1/classify", tag = "decisions", params(AsOf),
    request_body(content = String, description = "An ai-system-profile (or a document describing the system)", content_type = "application/json"),
    responses(
        (status = 200, description = "A decision per jurisdiction: tiers, obligations with provisions and dates, missing facts", body = Assessment),
        (status = 422, description = "Invalid profile", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn classify(
    state: web::Data<AppState>,
    query: web::Query<AsOf>,
    body: web::Bytes,
) -> Result<web::Json<Assessment>, ApiError> {
    answer(state, Kind::Applicability, query.into_inner().as_of, body).await
}

/// Grade the supervision of a sandbox plan and check it against the scheme's conditions;
/// with reports, check each monitoring or exit report against the plan (every limit
/// within, breached or unknown; exit criteria re-checked).
#[utoipa::path(post, path = "/v1/sandbox/check", tag = "decisions", params(AsOf),
    request_body(content = String, description = "A sandbox plan, or `{\"plan\": PLAN, \"reports\": [REPORT, ...]}`", content_type = "application/json"),
    responses(
        (status = 200, description = "Supervision grade and conditions, and one check per report", body = SandboxCheck),
        (status = 400, description = "Unreadable request, a report that cannot be checked, or bad date", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid plan or report (violations located under /reports/N for a report)", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn sandbox_check(
    _request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<AsOf>,
    body: web::Bytes,
) -> Result<web::Json<SandboxCheck>, ApiError> {
    let as_of = date(query.into_inner().as_of)?;
    let (plan, reports) = split_sandbox_request(&body)?;
    let gateway = state.gateway.clone();
    let result = web::block(move || assess::sandbox_check(&gateway.translator, &gateway.rules, &plan, &reports, as_of))
        .await
        .map_err(ApiError::internal)?;
    result.map(web::Json).map_err(problem)
}

/// A bare plan, or `{"plan": ..., "reports": [...]}` (an object with `plan` and no `profile`).
fn split_sandbox_request(body: &[u8]) -> Result<(Vec<u8>, Vec<Vec<u8>>), ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Request {
        plan: serde_json::Value,
        #[serde(default)]
        reports: Vec<serde_json::Value>,
    }
    let value = serde_json::from_slice::<serde_json::Value>(body).ok();
    let Some(value) = value.filter(|v| v.get("plan").is_some() && v.get("profile").is_none()) else {
        return Ok((body.to_vec(), Vec::new()));
    };
    let request: Request =
        serde_json::from_value(value).map_err(|e| ApiError::BadRequest(format!("the request: {e}")))?;
    let bytes = |v: &serde_json::Value| serde_json::to_vec(v).map_err(ApiError::internal);
    Ok((bytes(&request.plan)?, request.reports.iter().map(bytes).collect::<Result<_, _>>()?))
}
