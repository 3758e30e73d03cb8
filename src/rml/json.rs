//! JSON logical sources: iterators and references in JSONPath (RFC 9535, by
//! `serde_json_path`), with a fast path for the plain member paths most mappings use.

use serde_json::Value as Json;
use serde_json_path::JsonPath;

use super::{Found, RmlError, Scalar};

/// A compiled reference or iterator.
#[derive(Debug, Clone)]
pub enum JsonRef {
    /// `$.a.b`, `a.b`, `$.a[*]`: member names, and whether the last value's array is expanded.
    Members { names: Vec<String>, expand: bool },
    /// Anything else, evaluated by the JSONPath engine.
    Path(JsonPath),
}

impl JsonRef {
    pub fn compile(expression: &str) -> Result<Self, RmlError> {
        if let Some(fast) = members(expression) {
            return Ok(fast);
        }
        let normalised = if expression.starts_with('$') { expression.to_owned() } else { format!("$.{expression}") };
        JsonPath::parse(&normalised)
            .map(JsonRef::Path)
            .map_err(|e| RmlError::Mapping(format!("invalid JSONPath `{expression}`: {e}")))
    }

    /// The nodes this path selects below `item`, with their JSON pointers (relative to the
    /// document when `base` is the item's pointer).
    pub fn select<'a>(&self, item: &'a Json, base: &str, track: bool) -> Vec<(&'a Json, String)> {
        match self {
            JsonRef::Members { names, expand } => {
                let mut node = item;
                for name in names {
                    match node.get(name) {
                        Some(child) => node = child,
                        None => return Vec::new(),
                    }
                }
                let pointer = |suffix: &str| {
                    if !track {
                        return String::new();
                    }
                    let mut pointer = base.to_owned();
                    for name in names {
                        pointer.push('/');
                        pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
                    }
                    pointer.push_str(suffix);
                    pointer
                };
                match (expand, node) {
                    (true, Json::Array(items)) => {
                        items.iter().enumerate().map(|(i, v)| (v, pointer(&format!("/{i}")))).collect()
                    }
                    (true, _) => Vec::new(),
                    (false, node) => vec![(node, pointer(""))],
                }
            }
            JsonRef::Path(path) => path
                .query_located(item)
                .into_iter()
                .map(|node| {
                    let pointer =
                        if track { format!("{base}{}", node.location().to_json_pointer()) } else { String::new() };
                    (node.node(), pointer)
                })
                .collect(),
        }
    }
}

/// Recognises plain member paths: `$.a.b`, `a.b`, `$.a[*]`, `$['a b']` is left to JSONPath.
fn members(expression: &str) -> Option<JsonRef> {
    let body = expression.strip_prefix("$.").or_else(|| (!expression.starts_with('$')).then_some(expression))?;
    let (body, expand) = match body.strip_suffix("[*]") {
        Some(body) => (body, true),
        None => (body, false),
    };
    if body.is_empty() {
        return None;
    }
    let names: Vec<String> = body.split('.').map(str::to_owned).collect();
    let simple = names.iter().all(|n| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-'));
    simple.then_some(JsonRef::Members { names, expand })
}

/// The scalar values a reference selects; objects and arrays are not values (an error,
/// since a mapping must point at scalars), `null` is no value.
pub fn values(reference: &JsonRef, item: &Json, base: &str, track: bool) -> Result<Vec<Found>, RmlError> {
    let mut found = Vec::new();
    for (node, location) in reference.select(item, base, track) {
        let value = match node {
            Json::Null => continue,
            Json::String(s) => Scalar::String(s.clone()),
            Json::Bool(b) => Scalar::Boolean(*b),
            Json::Number(n) if n.is_i64() || n.is_u64() => Scalar::Integer(n.to_string()),
            Json::Number(n) => Scalar::Double(n.to_string()),
            Json::Array(_) => {
                return Err(RmlError::Data(format!(
                    "reference at `{location}` selects an array, not a value; iterate it with `[*]`"
                )));
            }
            Json::Object(_) => {
                return Err(RmlError::Data(format!("reference at `{location}` selects an object, not a value")));
            }
        };
        found.push(Found { value, location });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn member_paths_take_the_fast_path_and_agree_with_jsonpath() {
        let doc = json!({"a": {"b": [1, 2]}, "name": "x"});
        let fast = JsonRef::compile("$.a.b[*]").unwrap();
        assert!(matches!(fast, JsonRef::Members { .. }));
        let slow = JsonRef::Path(JsonPath::parse("$.a.b[*]").unwrap());
        let a: Vec<_> = fast.select(&doc, "", true).into_iter().map(|(v, p)| (v.clone(), p)).collect();
        let b: Vec<_> = slow.select(&doc, "", true).into_iter().map(|(v, p)| (v.clone(), p)).collect();
        assert_eq!(a, b);
        assert_eq!(a[1].1, "/a/b/1");
        assert!(JsonRef::compile("$[?@.x]").is_ok());
        assert!(JsonRef::compile("$.a[").is_err());
    }
}
