//! Translating documents between jurisdictions' formats through the shared ontology:
//!
//! ```text
//! detect -> validate -> lift (RML) -> align (crosswalks) -> check (SHACL) -> lower (field table) -> validate
//! ```
//!
//! Each step is a plain function; [`Translator::translate`] runs them in order and returns
//! the target document, the gap report and the provenance of every field.

pub mod align;
pub mod document;
pub mod lift;
pub mod lower;
pub mod report;
pub mod xmlform;

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, Triple};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::content::Content;
use crate::formats::{FormatError, Profile, Registry};
use crate::mappings::{self, ReadError};
use crate::shacl::{ShaclError, Shapes};
use align::CrosswalkIndex;
pub use document::{Form, Violation};
use lift::{Lifted, SELF};
pub use report::{FieldReport, GapReport, SourceField, Status};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TranslateError {
    #[error("{0}")]
    Syntax(String),
    #[error("{0}")]
    UnknownProfile(String),
    #[error("{0}")]
    WrongForm(String),
    #[error("the document is not a valid {}: {} violation(s)", .0.first().map(|v| v.location.as_str()).unwrap_or(""), .0.len())]
    Invalid(Vec<Violation>),
    #[error("lifting with `{profile}` failed: {message}")]
    Lift { profile: String, message: String },
    #[error(transparent)]
    Formats(#[from] FormatError),
    #[error(transparent)]
    Crosswalks(#[from] ReadError),
    #[error(transparent)]
    Shapes(#[from] ShaclError),
    #[error("cannot write the output: {0}")]
    Output(String),
}

/// The form of the translated document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutputForm {
    Json,
    Xml,
    /// The target document as RDF (Turtle), with PROV-O provenance for every field.
    Turtle,
}

/// The result of a translation.
#[derive(Debug)]
pub struct Translation {
    /// The target document in its JSON form.
    pub document: Json,
    /// The document in the requested form.
    pub output: Vec<u8>,
    pub media_type: &'static str,
    pub report: GapReport,
}

/// Everything translation needs, read once from the release content.
pub struct Translator {
    pub profiles: Registry,
    crosswalks: CrosswalkIndex,
    shapes: Shapes,
}

impl Translator {
    pub fn new(content: &Content) -> Result<Self, TranslateError> {
        let profiles = Registry::load(content)?;
        let sets = mappings::load_all(content)?;
        let crosswalks = CrosswalkIndex::build(&sets);
        let shapes = Shapes::load(content)?;
        Ok(Self { profiles, crosswalks, shapes })
    }

    /// The profile a document follows, from its own content.
    pub fn detect(&self, bytes: &[u8]) -> Result<&Profile, TranslateError> {
        let form = document::sniff(bytes);
        let (json, xml) = document::parse(bytes, form)?;
        document::detect(&self.profiles, &json, xml.as_ref())
    }

    fn profile(&self, id: &str) -> Result<&Profile, TranslateError> {
        self.profiles.get(id).ok_or_else(|| {
            TranslateError::UnknownProfile(format!(
                "`{id}` is not a known profile (known: {})",
                self.profiles.ids().join(", ")
            ))
        })
    }

    /// Checks a document against a profile (or the profile it names): every violation with
    /// its JSON pointer or XPath.
    pub fn validate(&self, bytes: &[u8], profile: Option<&str>) -> Result<&Profile, TranslateError> {
        let profile = match profile {
            Some(id) => self.profile(id)?,
            None => self.detect(bytes)?,
        };
        document::read(profile, bytes)?;
        Ok(profile)
    }

    /// Translates a document into the `to` profile.
    pub fn translate(
        &self,
        bytes: &[u8],
        from: Option<&str>,
        to: &str,
        form: OutputForm,
    ) -> Result<Translation, TranslateError> {
        let source = match from {
            Some(id) => self.profile(id)?,
            None => self.detect(bytes)?,
        };
        let target = self.profile(to)?;
        if target.json.as_ref().is_some_and(|json| json.lift.is_none()) {
            return Err(lift::rules_only(target));
        }
        let parsed = document::read(source, bytes)?;
        let lifted = lift::lift(source, &parsed)?;
        let seed = hex::encode(Sha256::digest(bytes));
        let lowered = lower::lower(target, &lifted, &self.crosswalks, &seed);

        // The target's view: its own lift of the lowered document, checked by its shapes.
        let target_graph = match &target.json {
            Some(json) => {
                let mut graph = Lifted::default();
                json.lift
                    .as_ref()
                    .ok_or_else(|| lift::rules_only(target))?
                    .run(&|_| Ok(crate::rml::Source::Json(&lowered.document)), &mut graph)
                    .map_err(|e| TranslateError::Lift { profile: target.id.0.clone(), message: e.to_string() })?;
                Some(graph)
            }
            None => None,
        };
        let shapes = match &target_graph {
            Some(graph) => self.shapes.check(&graph.graph, &target.document_class),
            None => Vec::new(),
        };
        let output_violations = document::schema_violations(target, &lowered.document, &[]);
        let mut source_fields: Vec<SourceField> = leaf_locations(&parsed)
            .into_iter()
            .map(|location| SourceField { consumed: lowered.consumed.contains(&location), location })
            .collect();
        source_fields.sort_by(|a, b| a.location.cmp(&b.location));
        let sha = hex::encode(Sha256::digest(bytes));
        let mut report = GapReport {
            source_profile: source.id.0.clone(),
            target_profile: target.id.0.clone(),
            source_sha256: sha.clone(),
            translated_at: now(),
            fields: lowered.fields,
            source_fields,
            shapes,
            output_violations,
            summary: Default::default(),
        };
        report.summarise();
        let (output, media_type) = match form {
            OutputForm::Json => (
                serde_json::to_vec_pretty(&lowered.document).map_err(|e| TranslateError::Output(e.to_string()))?,
                "application/json",
            ),
            OutputForm::Xml => {
                let xml = xmlform::write(target, &lowered.document).map_err(TranslateError::Output)?;
                (xml.into_bytes(), "application/xml")
            }
            OutputForm::Turtle => {
                let graph = target_graph.map(|g| g.graph).unwrap_or_default();
                (turtle(&graph, &report, &sha)?, "text/turtle")
            }
        };
        Ok(Translation { document: lowered.document, output, media_type, report })
    }
}

/// Every scalar leaf of the source document, by JSON pointer (or XPath for XML).
fn leaf_locations(parsed: &document::Parsed) -> Vec<String> {
    if parsed.xml.is_some() {
        return parsed
            .locations
            .iter()
            .filter(|(pointer, _)| is_leaf(&parsed.json, pointer))
            .map(|(_, xpath)| xpath.clone())
            .collect();
    }
    let mut out = Vec::new();
    collect_leaves(&parsed.json, String::new(), &mut out);
    out.retain(|p| p != "/profile");
    out
}

fn is_leaf(json: &Json, pointer: &str) -> bool {
    json.pointer(pointer).is_some_and(|v| !v.is_object() && !v.is_array())
}

fn collect_leaves(value: &Json, pointer: String, out: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            for (key, child) in map {
                collect_leaves(child, format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Json::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_leaves(child, format!("{pointer}/{i}"), out);
            }
        }
        Json::Null => {}
        _ => out.push(pointer),
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// The target graph as Turtle, the document node named after the source's digest, with a
/// PROV-O derivation for every field that has a source.
fn turtle(graph: &oxigraph::model::Graph, report: &GapReport, sha: &str) -> Result<Vec<u8>, TranslateError> {
    let document = NamedNode::new_unchecked(format!("https://w3id.org/govgate/document/{sha}"));
    let rename = |term: NamedOrBlankNode| -> NamedOrBlankNode {
        match term {
            NamedOrBlankNode::NamedNode(n) if n.as_str().starts_with(SELF) => NamedNode::new_unchecked(format!(
                "{}{}",
                document.as_str(),
                &n.as_str()[SELF.len()..].replacen(':', "/", 1)
            ))
            .into(),
            other => other,
        }
    };
    let mut serializer = RdfSerializer::from_format(RdfFormat::Turtle)
        .with_prefix("gg", "https://w3id.org/govgate/core#")
        .and_then(|s| s.with_prefix("prov", "http://www.w3.org/ns/prov#"))
        .map_err(|e| TranslateError::Output(e.to_string()))?
        .for_writer(Vec::new());
    let write = |serializer: &mut oxigraph::io::WriterQuadSerializer<Vec<u8>>, triple: Triple| {
        serializer.serialize_triple(triple.as_ref()).map_err(|e| TranslateError::Output(e.to_string()))
    };
    for triple in graph.iter() {
        let triple = triple.into_owned();
        let object = match triple.object {
            Term::NamedNode(n) => Term::from(rename(n.into())),
            Term::BlankNode(b) => Term::BlankNode(b),
            other => other,
        };
        write(&mut serializer, Triple::new(rename(triple.subject), triple.predicate, object))?;
    }
    let prov = |local: &str| NamedNode::new_unchecked(format!("http://www.w3.org/ns/prov#{local}"));
    let source = NamedNode::new_unchecked(format!("https://w3id.org/govgate/source/{}", report.source_sha256));
    write(&mut serializer, Triple::new(document.clone(), prov("wasDerivedFrom"), source.clone()))?;
    for field in report.fields.iter().filter(|f| !f.sources.is_empty()) {
        let target_field = NamedNode::new_unchecked(format!("{}#{}", document.as_str(), field.pointer));
        for location in &field.sources {
            let source_field = NamedNode::new_unchecked(format!("{}#{}", source.as_str(), location));
            write(&mut serializer, Triple::new(target_field.clone(), prov("wasDerivedFrom"), source_field))?;
        }
    }
    serializer.finish().map_err(|e| TranslateError::Output(e.to_string()))
}
