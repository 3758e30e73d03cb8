//! Reading a source document: which form it is in, which profile it follows, and whether
//! it is valid. XML forms are read through the field table into the JSON form, so both
//! forms are checked by the same JSON Schema and every violation names its XPath.

use serde_json::{Map, Value as Json};

use super::TranslateError;
use crate::formats::field::set_pointer;
use crate::formats::{Field, FieldType, Profile, Registry};
use crate::xml::{Document, XPath};

/// Deepest JSON nesting accepted (serde_json's own recursion limit is 128).
pub const MAX_JSON_DEPTH: usize = 128;

/// The form a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    Json,
    Xml,
}

/// One reason a document is invalid, with where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Violation {
    /// JSON pointer (JSON form) or XPath (XML form).
    pub location: String,
    pub message: String,
}

/// A source document, parsed.
#[derive(Debug)]
pub struct Parsed {
    pub form: Form,
    /// The JSON form (for XML, the form the field table reads out of it).
    pub json: Json,
    pub xml: Option<Document>,
    /// JSON pointer -> XPath, for XML documents (to name violations in the document's terms).
    pub locations: Vec<(String, String)>,
}

/// Which form the bytes are in: XML starts with `<` (after a BOM and whitespace).
pub fn sniff(bytes: &[u8]) -> Form {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Form::Xml,
        _ => Form::Json,
    }
}

/// Parses the bytes in their form; syntax errors name line and column.
pub fn parse(bytes: &[u8], form: Form) -> Result<(Json, Option<Document>), TranslateError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| TranslateError::Syntax(format!("not UTF-8 at byte {}", e.valid_up_to())))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match form {
        Form::Json => {
            let json: Json = serde_json::from_str(text).map_err(|e| {
                TranslateError::Syntax(format!("invalid JSON at line {} column {}: {e}", e.line(), e.column()))
            })?;
            Ok((json, None))
        }
        Form::Xml => {
            let document = Document::parse(text).map_err(|e| TranslateError::Syntax(format!("invalid XML at {e}")))?;
            Ok((Json::Null, Some(document)))
        }
    }
}

/// The profile a document follows: its `profile` member, a profile's detection rule, or
/// (XML) the root element.
pub fn detect<'r>(registry: &'r Registry, json: &Json, xml: Option<&Document>) -> Result<&'r Profile, TranslateError> {
    if let Some(document) = xml {
        let root = document.root();
        return registry
            .iter()
            .find(|p| {
                p.xml
                    .as_ref()
                    .is_some_and(|x| x.root == root.name && (x.namespace.is_none() || x.namespace == root.namespace))
            })
            .ok_or_else(|| {
                TranslateError::UnknownProfile(format!("no profile has an XML root element `{}`", root.name))
            });
    }
    if let Some(id) = json.get("profile").and_then(Json::as_str) {
        return registry
            .get(id)
            .ok_or_else(|| TranslateError::UnknownProfile(format!("`{id}` is not a known profile")));
    }
    registry
        .iter()
        .find(|p| {
            p.detect.as_ref().is_some_and(|d| {
                d.root_key.as_ref().is_none_or(|k| json.get(k).is_some())
                    && match (&d.pointer, &d.equals) {
                        (Some(pointer), Some(value)) => json.pointer(pointer).and_then(Json::as_str) == Some(value),
                        _ => true,
                    }
            })
        })
        .ok_or_else(|| {
            TranslateError::UnknownProfile(
                "the document names no profile (a `profile` member) and matches none".to_owned(),
            )
        })
}

/// Reads and validates a document against a profile.
pub fn read(profile: &Profile, bytes: &[u8]) -> Result<Parsed, TranslateError> {
    let form = sniff(bytes);
    let (json, xml) = parse(bytes, form)?;
    let (json, locations) = match &xml {
        Some(document) => {
            let xml_form = profile
                .xml
                .as_ref()
                .ok_or_else(|| TranslateError::WrongForm(format!("profile `{}` has no XML form", profile.id)))?;
            if document.root().name != xml_form.root {
                return Err(TranslateError::Invalid(vec![Violation {
                    location: format!("/{}", document.root().name),
                    message: format!("the root element of `{}` is `{}`", profile.id, xml_form.root),
                }]));
            }
            let mut reader = XmlReader {
                document,
                locations: Vec::new(),
                violations: Vec::new(),
                used: vec![false; document.elements.len()],
            };
            let mut object = Json::Object(Map::new());
            set_pointer(&mut object, "/profile", Json::String(profile.id.0.clone()));
            reader.object(&profile.fields, 0, "", &mut object);
            reader.unexpected(0);
            if !reader.violations.is_empty() {
                return Err(TranslateError::Invalid(reader.violations));
            }
            (object, reader.locations)
        }
        None => (json, Vec::new()),
    };
    if profile.json.is_none() {
        // An XML-only profile is checked by its structure alone.
        return Ok(Parsed { form, json, xml, locations });
    }
    let violations = schema_violations(profile, &json, &locations);
    if !violations.is_empty() {
        return Err(TranslateError::Invalid(violations));
    }
    Ok(Parsed { form, json, xml, locations })
}

/// Every JSON Schema violation, located in the document's own terms.
pub fn schema_violations(profile: &Profile, json: &Json, locations: &[(String, String)]) -> Vec<Violation> {
    let Some(form) = &profile.json else { return Vec::new() };
    form.validator
        .iter_errors(json)
        .map(|error| {
            let pointer = error.instance_path().to_string();
            let location = locations.iter().find(|(p, _)| *p == pointer).map_or(pointer.clone(), |(_, x)| x.clone());
            let mut message = error.to_string();
            if message.len() > 300 {
                message = format!("{}…", &message[..message.char_indices().nth(300).map_or(message.len(), |(i, _)| i)]);
            }
            Violation { location: if location.is_empty() { "/".to_owned() } else { location }, message }
        })
        .collect()
}

/// Reads an XML document into the JSON form through the field table.
struct XmlReader<'d> {
    document: &'d Document,
    locations: Vec<(String, String)>,
    violations: Vec<Violation>,
    used: Vec<bool>,
}

impl XmlReader<'_> {
    fn object(&mut self, fields: &[Field], context: usize, pointer: &str, object: &mut Json) {
        for field in fields {
            let Some(xpath) = &field.xpath else { continue };
            let Ok(path) = XPath::parse(xpath) else {
                self.violations
                    .push(Violation { location: xpath.clone(), message: "the profile's XPath is invalid".to_owned() });
                continue;
            };
            let selected = path.select(self.document, context);
            let here = format!("{pointer}{}", field.pointer);
            let mut values = Vec::new();
            for (index, node) in selected.iter().enumerate() {
                let element = node.element();
                self.mark(element);
                let item_pointer = if field.array { format!("{here}/{index}") } else { here.clone() };
                let (text, location) = node.value(self.document);
                self.locations.push((item_pointer.clone(), location.clone()));
                if field.fields.is_empty() {
                    match typed(&text, field.field_type) {
                        Ok(value) => values.push(value),
                        Err(message) => self.violations.push(Violation { location, message }),
                    }
                } else {
                    let mut item = Json::Object(Map::new());
                    self.object(&field.fields, element, &item_pointer, &mut item);
                    values.push(item);
                }
            }
            if field.array {
                if !values.is_empty() {
                    set_pointer(object, &field.pointer, Json::Array(values));
                }
            } else if values.len() > 1 {
                self.violations.push(Violation {
                    location: self.document.location(selected[1].element()),
                    message: format!("`{xpath}` appears {} times; it may appear once", values.len()),
                });
            } else if let Some(value) = values.pop() {
                set_pointer(object, &field.pointer, value);
            }
        }
    }

    /// Marks an element and its ancestors as read.
    fn mark(&mut self, element: usize) {
        let mut current = Some(element);
        while let Some(index) = current {
            self.used[index] = true;
            current = self.document.elements[index].parent;
        }
    }

    /// Every element no field reads is a violation: the structure check.
    fn unexpected(&mut self, index: usize) {
        for child in self.document.elements[index].children.clone() {
            if self.used[child] {
                self.unexpected(child);
            } else {
                self.violations.push(Violation {
                    location: self.document.location(child),
                    message: format!("unexpected element `{}`", self.document.elements[child].name),
                });
            }
        }
    }
}

/// A text value in its field's JSON type.
fn typed(text: &str, field_type: Option<FieldType>) -> Result<Json, String> {
    Ok(match field_type {
        Some(FieldType::Integer) => {
            Json::from(text.trim().parse::<i64>().map_err(|_| format!("`{text}` is not an integer"))?)
        }
        Some(FieldType::Number) => {
            let number: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
            serde_json::Number::from_f64(number)
                .map(Json::Number)
                .ok_or_else(|| format!("`{text}` is not a finite number"))?
        }
        Some(FieldType::Boolean) => match text.trim() {
            "true" | "1" => Json::Bool(true),
            "false" | "0" => Json::Bool(false),
            _ => return Err(format!("`{text}` is not a boolean")),
        },
        _ => Json::String(text.to_owned()),
    })
}
