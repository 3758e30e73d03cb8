//! The gap report and the field-level provenance of a translation: for every target field
//! its status (exact, approximate, derived, defaulted, missing) with the crosswalk row or
//! the provision behind it; for every source field whether it was used.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value as Json;
use utoipa::ToSchema;

use super::align::CrosswalkUse;
use crate::formats::Field;

/// What became of a target field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Carried over as it is, or through an `equal` crosswalk row.
    Exact,
    /// Carried over through a crosswalk row that is not `equal`: marked, never presented as exact.
    Approximate,
    /// Computed by a rule of the target jurisdiction.
    Derived,
    /// Taken from the profile's default.
    Defaulted,
    /// No value.
    Missing,
}

/// One target field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldReport {
    /// JSON pointer of the field in the target document.
    pub pointer: String,
    pub status: Status,
    /// The target's law requires the field.
    pub required: bool,
    /// The provision that asks for the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Json>,
    /// Where in the source document the value came from (JSON pointers or XPaths).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The lift mapping's property path that carries the field.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crosswalk: Option<CrosswalkUse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl FieldReport {
    pub fn new(field: &Field, pointer: &str, status: Status) -> Self {
        Self {
            pointer: pointer.to_owned(),
            status,
            required: field.required,
            provision: field.provision.clone(),
            value: None,
            sources: Vec::new(),
            path: field.path_text.clone(),
            crosswalk: None,
            note: None,
        }
    }

    pub fn with_value(mut self, value: Json) -> Self {
        self.value = Some(value);
        self
    }

    pub fn with_sources(mut self, sources: &[String]) -> Self {
        self.sources = sources.to_vec();
        self
    }

    pub fn noted(mut self, note: &str) -> Self {
        self.note = Some(note.to_owned());
        self
    }

    pub fn with_crosswalk(mut self, step: CrosswalkUse) -> Self {
        self.crosswalk = Some(step);
        self
    }

    /// A required field with no value: a gap the filer must fill.
    pub fn is_gap(&self) -> bool {
        self.required && self.status == Status::Missing
    }
}

/// What became of a source field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceField {
    /// JSON pointer or XPath in the source document.
    pub location: String,
    /// Some target field used it.
    pub consumed: bool,
}

/// A violation of the target's SHACL shapes by the translated document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShapeFinding {
    /// `violation`, `warning` or `info`.
    pub severity: String,
    /// The property path at fault.
    pub path: String,
    pub message: String,
    /// The provisions the shape cites (`rdfs:seeAlso`), in IRI order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provisions: Vec<String>,
}

/// The whole report of a translation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GapReport {
    pub source_profile: String,
    pub target_profile: String,
    /// SHA-256 of the source document's bytes.
    pub source_sha256: String,
    /// When the translation ran (RFC 3339).
    pub translated_at: String,
    pub fields: Vec<FieldReport>,
    pub source_fields: Vec<SourceField>,
    pub shapes: Vec<ShapeFinding>,
    /// Violations of the target's JSON Schema by the output (a document with gaps may not
    /// be valid yet).
    pub output_violations: Vec<super::document::Violation>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Summary {
    pub exact: usize,
    pub approximate: usize,
    pub derived: usize,
    pub defaulted: usize,
    pub missing: usize,
    /// Required fields missing.
    pub gaps: usize,
    pub source_fields: usize,
    pub dropped: usize,
    pub shape_violations: usize,
}

impl GapReport {
    pub fn summarise(&mut self) {
        let mut summary = Summary::default();
        for field in &self.fields {
            match field.status {
                Status::Exact => summary.exact += 1,
                Status::Approximate => summary.approximate += 1,
                Status::Derived => summary.derived += 1,
                Status::Defaulted => summary.defaulted += 1,
                Status::Missing => summary.missing += 1,
            }
            if field.is_gap() {
                summary.gaps += 1;
            }
        }
        summary.source_fields = self.source_fields.len();
        summary.dropped = self.source_fields.iter().filter(|f| !f.consumed).count();
        summary.shape_violations = self.shapes.iter().filter(|s| s.severity == "violation").count();
        self.summary = summary;
    }

    /// Whether anything remains for the filer to do: a required field missing or a shape
    /// violated.
    pub fn has_gaps(&self) -> bool {
        self.summary.gaps > 0 || self.summary.shape_violations > 0
    }

    /// A plain-text table for the command line.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let s = &self.summary;
        let _ = writeln!(
            out,
            "{} -> {}: {} exact, {} approximate, {} derived, {} defaulted, {} missing ({} required); {} of {} source fields dropped; {} shape violations",
            self.source_profile,
            self.target_profile,
            s.exact,
            s.approximate,
            s.derived,
            s.defaulted,
            s.missing,
            s.gaps,
            s.dropped,
            s.source_fields,
            s.shape_violations
        );
        let width = self.fields.iter().map(|f| f.pointer.chars().count()).max().unwrap_or(10).min(48);
        for field in &self.fields {
            let detail = match (&field.crosswalk, &field.note, field.status) {
                (Some(c), _, _) => format!(
                    "{} via {} (confidence {:.2}{})",
                    c.relation.as_str(),
                    c.records.join(" + "),
                    c.confidence,
                    if c.chained { ", chained" } else { "" }
                ),
                (None, Some(note), _) => note.clone(),
                (None, None, crate::translate::report::Status::Missing) if field.required => {
                    format!("required by {}", field.provision.as_deref().unwrap_or("the profile"))
                }
                _ => field.sources.join(", "),
            };
            let _ = writeln!(
                out,
                "  {:<width$}  {:<11}  {}",
                field.pointer,
                format!("{:?}", field.status).to_lowercase(),
                detail
            );
        }
        for shape in &self.shapes {
            let _ = writeln!(out, "  shape {}: {} ({})", shape.severity, shape.message, shape.path);
        }
        let dropped: Vec<&str> =
            self.source_fields.iter().filter(|f| !f.consumed).map(|f| f.location.as_str()).collect();
        if !dropped.is_empty() {
            let _ = writeln!(out, "  dropped from the source: {}", dropped.join(", "));
        }
        out
    }

    /// A standalone HTML page of the report, for people.
    pub fn html(&self) -> String {
        let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let mut rows = String::new();
        for field in &self.fields {
            let value = field.value.as_ref().map(|v| v.to_string()).unwrap_or_default();
            let why = match (&field.crosswalk, &field.note) {
                (Some(c), _) => format!(
                    "{} ({}, confidence {:.2}{})",
                    c.relation.as_str(),
                    c.records.join(" + "),
                    c.confidence,
                    if c.chained { ", chained" } else { "" }
                ),
                (None, Some(note)) => note.clone(),
                _ => field.sources.join(", "),
            };
            let provision =
                field.provision.as_deref().map(|p| format!("<a href=\"{0}\">{0}</a>", escape(p))).unwrap_or_default();
            let _ = write!(
                rows,
                "<tr class=\"{status}\"><td><code>{}</code></td><td>{status}</td><td>{}</td><td>{}</td><td>{}</td><td>{provision}</td></tr>",
                escape(&field.pointer),
                if field.required { "required" } else { "" },
                escape(&value),
                escape(&why),
                status = format!("{:?}", field.status).to_lowercase(),
            );
        }
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gap report: {src} to {dst}</title>\
             <style>body{{font-family:system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}}\
             .exact{{background:#eefaee}}.approximate{{background:#fff6dd}}.missing{{background:#fde8e8}}.defaulted,.derived{{background:#eef3ff}}</style></head>\
             <body><h1>Gap report</h1><p>{src} &rarr; {dst}; source SHA-256 <code>{sha}</code>; {time}</p>\
             <p>{exact} exact, {approx} approximate (marked), {derived} derived, {defaulted} defaulted, {missing} missing ({gaps} required), {shapes} shape violations.</p>\
             <table><thead><tr><th>field</th><th>status</th><th></th><th>value</th><th>how</th><th>provision</th></tr></thead><tbody>{rows}</tbody></table></body></html>\n",
            src = escape(&self.source_profile),
            dst = escape(&self.target_profile),
            sha = self.source_sha256,
            time = escape(&self.translated_at),
            exact = self.summary.exact,
            approx = self.summary.approximate,
            derived = self.summary.derived,
            defaulted = self.summary.defaulted,
            missing = self.summary.missing,
            gaps = self.summary.gaps,
            shapes = self.summary.shape_violations,
        )
    }
}
