//! Document profiles (`mappings/formats/<profile>/profile.yaml`): each jurisdiction's
//! document format, read once into typed values: identity, JSON Schema, RML lifts and the
//! field table that drives lowering and the gap report. Format described in
//! `mappings/formats/README.md`.

pub mod field;

use std::collections::BTreeMap;

use oxigraph::model::NamedNode;
use serde::Deserialize;

use crate::content::Content;
use crate::rml::{Engine, Mapping};
pub use field::{Field, FieldType, Step};

/// Where profiles live in the content.
pub const FORMATS_DIR: &str = "mappings/formats/";

/// A profile id such as `cn-algorithm-filing`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ProfileId(pub String);

impl std::fmt::Display for ProfileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    #[error("`{file}`: {message}")]
    Invalid { file: String, message: String },
}

/// A document profile, ready to validate, lift and lower documents.
pub struct Profile {
    pub id: ProfileId,
    pub title: String,
    pub jurisdiction: String,
    pub module: String,
    pub document_class: NamedNode,
    pub official_machine_readable_form: bool,
    pub description: String,
    pub fields: Vec<Field>,
    pub json: Option<JsonForm>,
    pub xml: Option<XmlForm>,
    /// Detection rule for documents that cannot carry a `profile` member (OSCAL).
    pub detect: Option<Detect>,
}

pub struct JsonForm {
    pub schema_path: String,
    pub schema: serde_json::Value,
    pub validator: jsonschema::Validator,
    /// None for a profile only the rules read.
    pub lift: Option<Engine>,
}

pub struct XmlForm {
    pub root: String,
    pub namespace: Option<String>,
    pub lift: Engine,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detect {
    /// A top-level member the document must have.
    #[serde(default)]
    pub root_key: Option<String>,
    /// A JSON pointer and the string it must hold.
    #[serde(default)]
    pub pointer: Option<String>,
    #[serde(default)]
    pub equals: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    id: String,
    title: String,
    jurisdiction: String,
    module: String,
    document_class: String,
    official_machine_readable_form: bool,
    description: String,
    representations: Representations,
    #[serde(default)]
    prefixes: BTreeMap<String, String>,
    #[serde(default)]
    detect: Option<Detect>,
    fields: Vec<field::FieldFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Representations {
    #[serde(default)]
    json: Option<JsonFile>,
    #[serde(default)]
    xml: Option<XmlFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonFile {
    schema: String,
    /// None for a profile only the rules read (sandbox plans and reports): it is validated,
    /// never lifted or translated.
    #[serde(default)]
    lift: Option<String>,
    /// A second schema documenting conventions on top of a standard one (OSCAL).
    #[serde(default)]
    conventions: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct XmlFile {
    lift: String,
    root: String,
    #[serde(default)]
    namespace: Option<String>,
}

/// Every profile of the content, by id.
pub struct Registry {
    profiles: BTreeMap<ProfileId, Profile>,
}

impl Profile {
    /// Whether documents can be translated from and into it (false for a profile only the
    /// rules read: it has no lift).
    pub fn translatable(&self) -> bool {
        self.json.as_ref().is_none_or(|json| json.lift.is_some())
    }
}

impl Registry {
    pub fn load(content: &Content) -> Result<Self, FormatError> {
        let mut profiles = BTreeMap::new();
        for file in content.files(FORMATS_DIR, "/profile.yaml") {
            let profile = load_profile(content, &file.path, &file.bytes)?;
            profiles.insert(profile.id.clone(), profile);
        }
        Ok(Self { profiles })
    }

    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.profiles.get(&ProfileId(id.to_owned()))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }

    pub fn ids(&self) -> Vec<String> {
        self.profiles.keys().map(|id| id.0.clone()).collect()
    }
}

fn load_profile(content: &Content, path: &str, bytes: &[u8]) -> Result<Profile, FormatError> {
    let invalid = |message: String| FormatError::Invalid { file: path.to_owned(), message };
    let file: ProfileFile = serde_yaml_ng::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    let directory = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    if directory.rsplit('/').next() != Some(file.id.as_str()) {
        return Err(invalid(format!("id `{}` does not match its directory `{directory}`", file.id)));
    }
    let document_class = NamedNode::new(&file.document_class).map_err(|e| invalid(format!("document_class: {e}")))?;
    let fields = file
        .fields
        .iter()
        .map(|f| Field::compile(f, &file.prefixes, "", ""))
        .collect::<Result<Vec<_>, String>>()
        .map_err(invalid)?;
    let read = |relative: &str| -> Result<String, FormatError> {
        let candidates = [format!("{directory}/{relative}"), relative.to_owned()];
        candidates
            .iter()
            .find_map(|p| content.get(p))
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .ok_or_else(|| invalid(format!("`{relative}` is not in the content")))
    };
    let engine = |relative: &str| -> Result<Engine, FormatError> {
        let turtle = read(relative)?;
        let base = format!("https://w3id.org/govgate/formats/{}/{relative}", file.id);
        let mapping = Mapping::parse(&turtle, Some(&base)).map_err(|e| invalid(format!("{relative}: {e}")))?;
        Engine::new(mapping, "https://w3id.org/govgate/document/").map_err(|e| invalid(format!("{relative}: {e}")))
    };
    let json = match &file.representations.json {
        Some(json) => {
            let schema: serde_json::Value =
                serde_json::from_str(&read(&json.schema)?).map_err(|e| invalid(format!("{}: {e}", json.schema)))?;
            let validator = jsonschema::validator_for(&schema).map_err(|e| invalid(format!("{}: {e}", json.schema)))?;
            if let Some(conventions) = &json.conventions {
                read(conventions)?;
            }
            let lift = json.lift.as_deref().map(engine).transpose()?;
            Some(JsonForm { schema_path: json.schema.clone(), schema, validator, lift })
        }
        None => None,
    };
    let xml = match &file.representations.xml {
        Some(xml) => {
            Some(XmlForm { root: xml.root.clone(), namespace: xml.namespace.clone(), lift: engine(&xml.lift)? })
        }
        None => None,
    };
    if json.is_none() && xml.is_none() {
        return Err(invalid("the profile has no representation".to_owned()));
    }
    Ok(Profile {
        id: ProfileId(file.id),
        title: file.title,
        jurisdiction: file.jurisdiction,
        module: file.module,
        document_class,
        official_machine_readable_form: file.official_machine_readable_form,
        description: file.description,
        fields,
        json,
        xml,
        detect: file.detect,
    })
}
