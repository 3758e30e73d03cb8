//! Reading and writing SSSOM 1.1 TSV in govgate's profile (`mappings/README.md`): a YAML
//! header in `#` lines, then a table. Reading keeps every cell and its line, so the
//! validator can point at file, line and column; writing is canonical (fixed key and
//! column order, sorted rows), so a canonical file round-trips byte for byte.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

/// The columns of govgate's profile, in canonical order (extensions last).
pub const COLUMNS: &[&str] = &[
    "record_id",
    "subject_id",
    "subject_label",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_id",
    "reviewer_id",
    "comment",
];

/// The extension slots every set declares, in canonical order, with their property and type.
pub const EXTENSIONS: &[(&str, &str, &str)] = &[
    ("strm_relationship", "ggm:strmRelationship", "xsd:string"),
    ("strm_rationale", "ggm:strmRationale", "xsd:string"),
    ("strm_strength", "ggm:strmStrength", "xsd:integer"),
    ("subject_provision", "ggm:subjectProvision", "xsd:anyURI"),
    ("object_provision", "ggm:objectProvision", "xsd:anyURI"),
    ("subject_jurisdiction", "ggm:subjectJurisdiction", "xsd:anyURI"),
    ("object_jurisdiction", "ggm:objectJurisdiction", "xsd:anyURI"),
    ("valid_from", "ggm:validFrom", "xsd:date"),
    ("valid_until", "ggm:validUntil", "xsd:date"),
    ("review_status", "ggm:reviewStatus", "xsd:string"),
];

/// The set-level metadata, exactly the keys the profile allows.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub curie_map: BTreeMap<String, String>,
    pub mapping_set_id: String,
    pub mapping_set_version: String,
    pub mapping_set_title: String,
    #[serde(default)]
    pub mapping_set_description: Option<String>,
    pub license: String,
    pub creator_id: Vec<String>,
    pub subject_source: String,
    pub subject_source_version: String,
    pub object_source: String,
    pub object_source_version: String,
    pub mapping_date: String,
    #[serde(default)]
    pub publication_date: Option<String>,
    pub sssom_version: String,
    #[serde(default)]
    pub issue_tracker: Option<String>,
    pub extension_definitions: Vec<ExtensionDefinition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDefinition {
    pub slot_name: String,
    pub property: String,
    pub type_hint: String,
}

/// One row: its cells by column name and the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub cells: BTreeMap<String, String>,
}

impl Row {
    /// A cell's value; empty when the column is absent or the cell empty.
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }
}

/// A mapping set as read from one file.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingSetFile {
    pub path: String,
    pub header: Header,
    /// Line of each top-level header key, and of each `curie_map.<prefix>` entry.
    pub header_lines: BTreeMap<String, usize>,
    /// The column names as the file gives them, in its order.
    pub columns: Vec<String>,
    /// Line of the column-name row.
    pub columns_line: usize,
    pub rows: Vec<Row>,
}

/// A file that cannot be read as SSSOM TSV at all; the validator reports everything else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ReadError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses one SSSOM TSV file.
pub fn read(path: &str, text: &str) -> Result<MappingSetFile, ReadError> {
    let error =
        |line: usize, column: usize, message: String| ReadError { path: path.to_owned(), line, column, message };
    let mut yaml = String::new();
    let mut header_lines = BTreeMap::new();
    let mut section = String::new();
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((index, line)) = lines.peek() {
        let Some(content) = line.strip_prefix('#') else { break };
        if let Some((key, _)) = content.split_once(':') {
            if !content.starts_with(' ') {
                section = key.to_owned();
                header_lines.insert(key.to_owned(), index + 1);
            } else if section == "curie_map" {
                header_lines.insert(format!("curie_map.{}", key.trim()), index + 1);
            }
        }
        yaml.push_str(content);
        yaml.push('\n');
        lines.next();
    }
    if yaml.is_empty() {
        return Err(error(1, 1, "no metadata header (lines starting with `#`)".to_owned()));
    }
    let header: Header = serde_yaml_ng::from_str(&yaml).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column() + 1));
        // The header's YAML line n is file line n; the `#` shifts columns by one.
        error(line, column + 1, format!("metadata: {}", first_line(&e.to_string())))
    })?;
    let Some((columns_index, columns_line)) = lines.next() else {
        return Err(error(yaml.lines().count() + 1, 1, "no column-name row after the header".to_owned()));
    };
    let columns: Vec<String> = columns_line.trim_end_matches('\r').split('\t').map(str::to_owned).collect();
    let mut rows = Vec::new();
    for (index, line) in lines {
        let line_number = index + 1;
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
        if cells.len() != columns.len() {
            return Err(error(
                line_number,
                1,
                format!("{} cells where the header names {} columns", cells.len(), columns.len()),
            ));
        }
        let cells = columns.iter().cloned().zip(cells.into_iter().map(str::to_owned)).collect();
        rows.push(Row { line: line_number, cells });
    }
    Ok(MappingSetFile { path: path.to_owned(), header, header_lines, columns, columns_line: columns_index + 1, rows })
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

/// The canonical column order: the profile's columns, then the declared extensions.
pub fn canonical_columns() -> Vec<String> {
    COLUMNS.iter().chain(EXTENSIONS.iter().map(|(slot, _, _)| slot)).map(|c| (*c).to_owned()).collect()
}

/// Writes a set in canonical form.
pub fn write(set: &MappingSetFile) -> String {
    let h = &set.header;
    let mut out = String::new();
    out.push_str("#curie_map:\n");
    for (prefix, iri) in &h.curie_map {
        let _ = writeln!(out, "#  {prefix}: {}", scalar(iri));
    }
    let mut key = |name: &str, value: &str| {
        let _ = writeln!(out, "#{name}: {}", scalar(value));
    };
    key("mapping_set_id", &h.mapping_set_id);
    key("mapping_set_version", &h.mapping_set_version);
    key("mapping_set_title", &h.mapping_set_title);
    if let Some(description) = &h.mapping_set_description {
        key("mapping_set_description", description);
    }
    key("license", &h.license);
    out.push_str("#creator_id:\n");
    for creator in &h.creator_id {
        let _ = writeln!(out, "#  - {}", scalar(creator));
    }
    let mut key = |name: &str, value: &str| {
        let _ = writeln!(out, "#{name}: {}", scalar(value));
    };
    key("subject_source", &h.subject_source);
    key("subject_source_version", &h.subject_source_version);
    key("object_source", &h.object_source);
    key("object_source_version", &h.object_source_version);
    key("mapping_date", &h.mapping_date);
    if let Some(date) = &h.publication_date {
        key("publication_date", date);
    }
    key("sssom_version", &h.sssom_version);
    if let Some(tracker) = &h.issue_tracker {
        key("issue_tracker", tracker);
    }
    out.push_str("#extension_definitions:\n");
    for definition in &h.extension_definitions {
        let _ = writeln!(out, "#  - slot_name: {}", scalar(&definition.slot_name));
        let _ = writeln!(out, "#    property: {}", scalar(&definition.property));
        let _ = writeln!(out, "#    type_hint: {}", scalar(&definition.type_hint));
    }
    let columns = canonical_columns();
    out.push_str(&columns.join("\t"));
    out.push('\n');
    let mut rows: Vec<&Row> = set.rows.iter().collect();
    rows.sort_by(|a, b| row_key(a).cmp(&row_key(b)));
    for row in rows {
        let cells: Vec<&str> = columns.iter().map(|c| row.get(c)).collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

/// Canonical row order: subject, object, then record id.
pub fn row_key(row: &Row) -> (&str, &str, &str) {
    (row.get("subject_id"), row.get("object_id"), row.get("record_id"))
}

/// A YAML scalar: plain when it reads back as the same string, else double-quoted.
fn scalar(value: &str) -> String {
    let plain = !value.is_empty()
        && !value.starts_with(|c: char| " -?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_ascii_digit())
        && !value.ends_with(' ')
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.contains(['\n', '\t', '"', '\\'])
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        );
    if plain {
        value.to_owned()
    } else {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\t', "\\t");
        format!("\"{escaped}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_that_yaml_would_misread_are_quoted() {
        assert_eq!(scalar("2026.1"), "\"2026.1\"");
        assert_eq!(scalar("1.1"), "\"1.1\"");
        assert_eq!(scalar("2026-11-29"), "\"2026-11-29\"");
        assert_eq!(scalar("https://w3id.org/govgate/core#"), "https://w3id.org/govgate/core#");
        assert_eq!(scalar("EU AI Act: to CN"), "\"EU AI Act: to CN\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        for value in ["2026.1", "a: b", "say \"hi\"", "no", "x #y", "- item"] {
            let yaml = format!("k: {}\n", scalar(value));
            let parsed: BTreeMap<String, String> = serde_yaml_ng::from_str(&yaml).unwrap();
            assert_eq!(parsed["k"], value, "{yaml}");
        }
    }
}
