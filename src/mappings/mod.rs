//! The crosswalks: SSSOM mapping sets between the ontology's modules (`mappings/README.md`).
//!
//! - [`sssom`] reads and writes the TSV files (canonical form);
//! - [`validate`] enforces govgate's profile, with file, line and column;
//! - [`rdf`] turns a set into its SSSOM RDF form for the store;
//! - [`chain`] infers rows through the hub by the SSSOM chaining rules;
//! - [`export`] writes SSSOM JSON and OSCAL 1.2 `mapping-collection`;
//! - [`coverage`] tells, per instrument, which duty-bearing provisions are mapped.

pub mod chain;
pub mod coverage;
pub mod export;
pub mod rdf;
pub mod sssom;
pub mod terms;
pub mod validate;

use crate::content::Content;
pub use sssom::{MappingSetFile, ReadError};
pub use terms::TermIndex;
pub use validate::{Issue, set_name};

/// Where the crosswalk files live in the content.
pub const CROSSWALKS_DIR: &str = "mappings/crosswalks/";

/// `sssom:NoTermFound`: the side of a row that has no counterpart.
pub const NO_TERM_FOUND: &str = "https://w3id.org/sssom/NoTermFound";

/// The NIST IR 8477 set-theory relation of a row: "subject REL object".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    Equal,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
    NotRelatedTo,
}

impl Relation {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "equal" => Relation::Equal,
            "subset-of" => Relation::SubsetOf,
            "superset-of" => Relation::SupersetOf,
            "intersects-with" => Relation::IntersectsWith,
            "not-related-to" => Relation::NotRelatedTo,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Equal => "equal",
            Relation::SubsetOf => "subset-of",
            Relation::SupersetOf => "superset-of",
            Relation::IntersectsWith => "intersects-with",
            Relation::NotRelatedTo => "not-related-to",
        }
    }

    /// The relation read the other way round.
    pub fn inverse(self) -> Self {
        match self {
            Relation::SubsetOf => Relation::SupersetOf,
            Relation::SupersetOf => Relation::SubsetOf,
            other => other,
        }
    }

    /// Whether a value that crossed this relation can be presented as the same value.
    pub fn is_exact(self) -> bool {
        self == Relation::Equal
    }
}

/// One row, with its CURIEs expanded to IRIs.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub set: String,
    pub line: usize,
    pub record_id: String,
    /// The subject IRI; [`NO_TERM_FOUND`] when the object has no counterpart in the subject module.
    pub subject: String,
    pub subject_label: String,
    pub predicate: String,
    pub negated: bool,
    /// `None` for `sssom:NoTermFound`.
    pub object: Option<String>,
    pub object_label: String,
    pub relation: Relation,
    pub rationale: String,
    pub strength: u8,
    pub confidence: f64,
    pub justification: String,
    pub subject_provisions: Vec<String>,
    pub object_provisions: Vec<String>,
    pub subject_jurisdiction: String,
    pub object_jurisdiction: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub review_status: String,
    pub comment: String,
}

impl Mapping {
    /// Both sides name a term and the row is not negated: it says how two terms relate.
    pub fn is_positive(&self) -> bool {
        !self.negated && self.subject != NO_TERM_FOUND && self.object.is_some()
    }
}

/// A set with typed rows.
#[derive(Debug, Clone)]
pub struct MappingSet {
    pub name: String,
    pub file: MappingSetFile,
    pub mappings: Vec<Mapping>,
}

impl MappingSet {
    /// Types the rows of a file that passed validation; a row that cannot be typed (it
    /// would have failed validation) is reported as a read error.
    pub fn from_file(file: MappingSetFile) -> Result<Self, ReadError> {
        let name = set_name(&file.path);
        let expand = |curie: &str| -> String {
            curie
                .split_once(':')
                .and_then(|(prefix, local)| file.header.curie_map.get(prefix).map(|base| format!("{base}{local}")))
                .unwrap_or_else(|| curie.to_owned())
        };
        let list = |value: &str| -> Vec<String> { value.split('|').filter(|s| !s.is_empty()).map(expand).collect() };
        let mut mappings = Vec::with_capacity(file.rows.len());
        for row in &file.rows {
            let invalid = |what: &str| ReadError {
                path: file.path.clone(),
                line: row.line,
                column: 1,
                message: format!("{what} is not valid; run `govgate mappings validate`"),
            };
            let object = row.get("object_id");
            mappings.push(Mapping {
                set: name.clone(),
                line: row.line,
                record_id: expand(row.get("record_id")),
                subject: expand(row.get("subject_id")),
                subject_label: row.get("subject_label").to_owned(),
                predicate: expand(row.get("predicate_id")),
                negated: row.get("predicate_modifier") == "Not",
                object: (object != "sssom:NoTermFound").then(|| expand(object)),
                object_label: row.get("object_label").to_owned(),
                relation: Relation::parse(row.get("strm_relationship")).ok_or_else(|| invalid("strm_relationship"))?,
                rationale: row.get("strm_rationale").to_owned(),
                strength: row.get("strm_strength").parse().map_err(|_| invalid("strm_strength"))?,
                confidence: row.get("confidence").parse().map_err(|_| invalid("confidence"))?,
                justification: expand(row.get("mapping_justification")),
                subject_provisions: list(row.get("subject_provision")),
                object_provisions: list(row.get("object_provision")),
                subject_jurisdiction: expand(row.get("subject_jurisdiction")),
                object_jurisdiction: expand(row.get("object_jurisdiction")),
                valid_from: row.get("valid_from").to_owned(),
                valid_until: Some(row.get("valid_until").to_owned()).filter(|s| !s.is_empty()),
                review_status: row.get("review_status").to_owned(),
                comment: row.get("comment").to_owned(),
            });
        }
        Ok(Self { name, file, mappings })
    }

    /// The subject and object modules the set's name joins (`eu-ai-act--hub` -> ("eu-ai-act", "hub")).
    pub fn modules(&self) -> (&str, &str) {
        self.name.split_once("--").unwrap_or((&self.name, ""))
    }

    pub fn version(&self) -> &str {
        &self.file.header.mapping_set_version
    }
}

/// Reads every crosswalk of the content; stops at the first file that is not SSSOM TSV.
pub fn read_all(content: &Content) -> Result<Vec<(MappingSetFile, String)>, ReadError> {
    content
        .files(CROSSWALKS_DIR, ".sssom.tsv")
        .map(|file| {
            let text = String::from_utf8(file.bytes.to_vec()).map_err(|e| ReadError {
                path: file.path.clone(),
                line: 1,
                column: 1,
                message: format!("not UTF-8: {e}"),
            })?;
            let set = sssom::read(&file.path, &text)?;
            Ok((set, text))
        })
        .collect()
}

/// Reads and types every crosswalk.
pub fn load_all(content: &Content) -> Result<Vec<MappingSet>, ReadError> {
    read_all(content)?.into_iter().map(|(file, _)| MappingSet::from_file(file)).collect()
}

/// Validates every crosswalk against the profile and the ontology.
pub fn validate_all(content: &Content, terms: &TermIndex) -> Result<Vec<Issue>, ReadError> {
    let mut issues = Vec::new();
    for (file, text) in read_all(content)? {
        issues.extend(validate::validate(&file, &text, terms));
    }
    Ok(issues)
}
