//! The field table of a profile: where each field sits in the JSON and XML forms, the
//! property path that reaches its value in the ontology, and what the law says of it.

use std::collections::BTreeMap;

use oxigraph::model::NamedNode;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FieldFile {
    pointer: String,
    #[serde(default)]
    xpath: Option<String>,
    #[serde(default)]
    path: String,
    #[serde(default, rename = "type")]
    field_type: Option<FieldType>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    provision: Option<String>,
    #[serde(default)]
    concepts: Option<String>,
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    array: bool,
    #[serde(default)]
    default: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    derive: Option<String>,
    #[serde(default)]
    constant: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    lower: Option<BTreeMap<String, String>>,
    #[serde(default)]
    generate: Option<Generate>,
    #[serde(default)]
    fields: Option<Vec<FieldFile>>,
}

/// A value lowering makes up when the graph has none: a UUID (v5, from the node and the
/// field, so it is stable) or the current time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generate {
    Uuid,
    Now,
}

/// How a field's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Iri,
    Concept,
    /// An RFC 3339 date-time with a time zone.
    Datetime,
}

/// One step of a field's property path: a predicate, forwards or inverse (`^p`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub predicate: NamedNode,
    pub inverse: bool,
}

/// A compiled field.
#[derive(Debug, Clone)]
pub struct Field {
    /// JSON pointer relative to the enclosing object (`/legalName`).
    pub pointer: String,
    /// JSON pointer from the document root, with `*` for array elements (`/controls/*/id`).
    pub full_pointer: String,
    pub xpath: Option<String>,
    pub full_xpath: Option<String>,
    pub path: Vec<Step>,
    pub path_text: String,
    /// `None` for an object (a field with `fields`).
    pub field_type: Option<FieldType>,
    pub required: bool,
    pub provision: Option<String>,
    /// The namespace a concept value's local name lives in.
    pub concepts: Option<String>,
    pub values: Option<Vec<String>>,
    pub array: bool,
    pub default: Option<String>,
    pub derive: Option<String>,
    /// A value fixed by the format (structure, not data): always written, never reported.
    pub constant: Option<serde_json::Value>,
    /// Lowering writes the document's code for a value: `{Compliant: satisfied}`.
    pub lower: Option<BTreeMap<String, String>>,
    pub generate: Option<Generate>,
    pub fields: Vec<Field>,
}

impl Field {
    pub(super) fn compile(
        file: &FieldFile,
        prefixes: &BTreeMap<String, String>,
        parent_pointer: &str,
        parent_xpath: &str,
    ) -> Result<Field, String> {
        if !file.pointer.starts_with('/') {
            return Err(format!("field `{}`: a pointer starts with `/`", file.pointer));
        }
        let full_pointer = format!("{parent_pointer}{}", file.pointer);
        let here = |message: String| format!("field `{full_pointer}`: {message}");
        let path = if file.path.is_empty() && file.constant.is_some() {
            Vec::new()
        } else {
            parse_path(&file.path, prefixes).map_err(here)?
        };
        let full_xpath = file
            .xpath
            .as_ref()
            .map(|x| if parent_xpath.is_empty() { x.clone() } else { format!("{parent_xpath}/{x}") });
        let concepts = file.concepts.as_deref().map(|c| expand(c, prefixes)).transpose().map_err(here)?;
        let children_pointer = if file.array { format!("{full_pointer}/*") } else { full_pointer.clone() };
        let fields = match &file.fields {
            Some(children) => children
                .iter()
                .map(|c| Field::compile(c, prefixes, &children_pointer, full_xpath.as_deref().unwrap_or("")))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let constant = file
            .constant
            .as_ref()
            .map(|c| serde_json::to_value(c).map_err(|e| here(format!("constant: {e}"))))
            .transpose()?;
        match (&file.field_type, fields.is_empty()) {
            (None, true) if constant.is_none() => return Err(here("a leaf field needs a `type`".to_owned())),
            (Some(_), false) => return Err(here("an object field (with `fields`) has no `type`".to_owned())),
            _ => {}
        }
        if file.field_type == Some(FieldType::Concept) && concepts.is_none() {
            return Err(here("a concept field names its `concepts` namespace".to_owned()));
        }
        let default = file.default.as_ref().map(|d| match d {
            serde_yaml_ng::Value::String(s) => s.clone(),
            other => serde_yaml_ng::to_string(other).unwrap_or_default().trim().to_owned(),
        });
        Ok(Field {
            pointer: file.pointer.clone(),
            full_pointer,
            xpath: file.xpath.clone(),
            full_xpath,
            path,
            path_text: file.path.clone(),
            field_type: file.field_type,
            required: file.required,
            provision: file.provision.clone(),
            concepts,
            values: file.values.clone(),
            array: file.array,
            default,
            derive: file.derive.clone(),
            constant,
            lower: file.lower.clone(),
            generate: file.generate,
            fields,
        })
    }

    /// Every leaf field below (and including) this one.
    pub fn leaves(&self) -> Vec<&Field> {
        if self.fields.is_empty() { vec![self] } else { self.fields.iter().flat_map(Field::leaves).collect() }
    }
}

fn expand(curie_or_iri: &str, prefixes: &BTreeMap<String, String>) -> Result<String, String> {
    if let Some(iri) = curie_or_iri.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
        return Ok(iri.to_owned());
    }
    if curie_or_iri.contains("://") {
        return Ok(curie_or_iri.to_owned());
    }
    let (prefix, local) = curie_or_iri.split_once(':').ok_or_else(|| format!("`{curie_or_iri}` is not a CURIE"))?;
    let base = prefixes.get(prefix).ok_or_else(|| format!("prefix `{prefix}` is not declared in `prefixes`"))?;
    Ok(format!("{base}{local}"))
}

/// `gg:a/^gg:b/gg:c` into steps; only sequences of (inverse) predicates are allowed.
fn parse_path(path: &str, prefixes: &BTreeMap<String, String>) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    // Split on `/` outside `<...>`, so full IRIs may appear in a path.
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in path.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                parts.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&path[start..]);
    for part in parts {
        let part = part.trim();
        let (inverse, name) = match part.strip_prefix('^') {
            Some(name) => (true, name),
            None => (false, part),
        };
        if name.is_empty() || name.contains(['|', '*', '+', '?', '(', ')', '!']) {
            return Err(format!("path `{path}`: only sequences of predicates (and `^p`) are supported"));
        }
        let iri = expand(name, prefixes)?;
        let predicate = NamedNode::new(&iri).map_err(|e| format!("path `{path}`: {e}"))?;
        steps.push(Step { predicate, inverse });
    }
    Ok(steps)
}

/// Places `value` at `pointer` in `root`, creating the objects (or, for numeric segments,
/// the arrays) on the way: field pointers may span several levels
/// (`/assessment-results/results/0/findings`).
pub fn set_pointer(root: &mut serde_json::Value, pointer: &str, value: serde_json::Value) {
    let segments: Vec<String> =
        pointer.trim_start_matches('/').split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
    insert(root, &segments, value);
}

fn insert(node: &mut serde_json::Value, segments: &[String], value: serde_json::Value) {
    use serde_json::Value as Json;
    let Some((first, rest)) = segments.split_first() else {
        *node = value;
        return;
    };
    let empty = |next: Option<&String>| {
        if next.is_some_and(|n| n.parse::<usize>().is_ok()) {
            Json::Array(Vec::new())
        } else {
            Json::Object(Default::default())
        }
    };
    match node {
        Json::Object(map) => {
            let child = map.entry(first.clone()).or_insert_with(|| empty(rest.first()));
            insert(child, rest, value);
        }
        Json::Array(items) => {
            let Ok(index) = first.parse::<usize>() else { return };
            while items.len() <= index {
                items.push(empty(rest.first()));
            }
            insert(&mut items[index], rest, value);
        }
        _ => {}
    }
}
