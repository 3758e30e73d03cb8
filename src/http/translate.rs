//! `/v1/translate`, `/v1/validate`, `/v1/profiles`: the translation library over HTTP.
//! Documents arrive as JSON or XML bodies; the work runs on the blocking pool.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::problem::ApiError;
use crate::translate::{GapReport, OutputForm, TranslateError, Translator};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/v1/translate", web::post().to(translate))
        .route("/v1/validate", web::post().to(validate))
        .route("/v1/profiles", web::get().to(profiles));
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TranslateQuery {
    /// Source profile; detected from the document when absent.
    pub from: Option<String>,
    /// Target profile.
    pub to: String,
    /// Form of the translated document (default json).
    pub form: Option<OutputForm>,
}

/// A translation: the target document and its gap report.
#[derive(Serialize, ToSchema)]
pub struct TranslationBody {
    pub source_profile: String,
    pub target_profile: String,
    /// The target document: a JSON value for the JSON form, a string for XML or Turtle.
    pub document: serde_json::Value,
    pub media_type: String,
    pub report: GapReport,
}

#[derive(Serialize, ToSchema)]
pub struct ValidationBody {
    pub valid: bool,
    pub profile: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileSummary {
    pub id: String,
    pub title: String,
    pub jurisdiction: String,
    /// `json`, `xml` or both.
    pub forms: Vec<String>,
    pub official_machine_readable_form: bool,
    /// False for a profile only the rules read (sandbox plans and reports).
    pub translatable: bool,
    pub description: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ValidateQuery {
    /// The profile; the one the document names when absent.
    pub profile: Option<String>,
}

fn check_media_type(request: &HttpRequest) -> Result<(), ApiError> {
    let media = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let accepted = essence.is_empty()
        || essence == "application/json"
        || essence == "application/xml"
        || essence == "text/xml"
        || essence.ends_with("+json")
        || essence.ends_with("+xml");
    if accepted {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "send the document as application/json or application/xml, not `{essence}`"
        )))
    }
}

fn to_api_error(error: TranslateError) -> ApiError {
    match error {
        TranslateError::Invalid(violations) => {
            ApiError::Invalid { message: format!("the document has {} violation(s)", violations.len()), violations }
        }
        TranslateError::Syntax(message)
        | TranslateError::UnknownProfile(message)
        | TranslateError::WrongForm(message) => ApiError::BadRequest(message),
        other => ApiError::internal(other),
    }
}

async fn run<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Translator) -> Result<T, TranslateError> + Send + 'static,
) -> Result<T, ApiError> {
    let translator: Arc<Translator> = state.gateway.translator.clone();
    web::block(move || work(&translator)).await.map_err(ApiError::internal)?.map_err(to_api_error)
}

/// Translate a document into another profile, with its gap report. `Accept: text/html`
/// returns the gap report as a page.
#[utoipa::path(post, path = "/v1/translate", tag = "translation", params(TranslateQuery),
    request_body(content = String, description = "The source document (JSON or XML)", content_type = "application/json"),
    responses(
        (status = 200, description = "The translation and its gap report", body = TranslationBody),
        (status = 400, description = "Unreadable document or unknown profile", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the limit", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON or XML", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid document: every violation with its JSON pointer or XPath", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn translate(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TranslateQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    check_media_type(&request)?;
    let query = query.into_inner();
    let form = query.form.unwrap_or(OutputForm::Json);
    let translation = run(&state, move |t| t.translate(&body, query.from.as_deref(), &query.to, form)).await?;
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html") && !a.contains("application/json"));
    if wants_html {
        return Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(translation.report.html()));
    }
    let document = match form {
        OutputForm::Json => translation.document,
        _ => serde_json::Value::String(String::from_utf8_lossy(&translation.output).into_owned()),
    };
    Ok(HttpResponse::Ok().json(TranslationBody {
        source_profile: translation.report.source_profile.clone(),
        target_profile: translation.report.target_profile.clone(),
        document,
        media_type: translation.media_type.to_owned(),
        report: translation.report,
    }))
}

/// Validate a document against its profile.
#[utoipa::path(post, path = "/v1/validate", tag = "translation", params(ValidateQuery),
    request_body(content = String, description = "The document (JSON or XML)", content_type = "application/json"),
    responses(
        (status = 200, description = "The document is valid", body = ValidationBody),
        (status = 400, description = "Unreadable document or unknown profile", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid: every violation with its location", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn validate(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ValidateQuery>,
    body: web::Bytes,
) -> Result<web::Json<ValidationBody>, ApiError> {
    check_media_type(&request)?;
    let profile = query.into_inner().profile;
    let id = run(&state, move |t| t.validate(&body, profile.as_deref()).map(|p| p.id.0.clone())).await?;
    Ok(web::Json(ValidationBody { valid: true, profile: id }))
}

/// The document profiles govgate reads and writes.
#[utoipa::path(get, path = "/v1/profiles", tag = "translation",
    responses((status = 200, description = "Every profile", body = Vec<ProfileSummary>)))]
pub async fn profiles(state: web::Data<AppState>) -> web::Json<Vec<ProfileSummary>> {
    let list = state
        .gateway
        .translator
        .profiles
        .iter()
        .map(|p| ProfileSummary {
            id: p.id.0.clone(),
            title: p.title.clone(),
            jurisdiction: p.jurisdiction.clone(),
            forms: [p.json.as_ref().map(|_| "json"), p.xml.as_ref().map(|_| "xml")]
                .into_iter()
                .flatten()
                .map(str::to_owned)
                .collect(),
            official_machine_readable_form: p.official_machine_readable_form,
            translatable: p.translatable(),
            description: p.description.trim().to_owned(),
        })
        .collect();
    web::Json(list)
}
