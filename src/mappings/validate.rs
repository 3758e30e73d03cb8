//! The strict validator for govgate's SSSOM profile. Stricter than sssom-py, which fills in
//! a missing licence or justification and drops extension columns: every rule here is an
//! error with file, line and column, and the rules are those of `mappings/README.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use super::sssom::{EXTENSIONS, MappingSetFile, Row, canonical_columns, row_key, write};
use super::terms::TermIndex;

/// One violation of the profile.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Issue {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: [{}] {}", self.path, self.line, self.column, self.rule, self.message)
    }
}

/// Root of mapping-set IRIs: `<root><set-name>/<version>`.
pub const MAPPING_SET_ROOT: &str = "https://w3id.org/govgate/mappings/";

/// Prefixes whose expansion is fixed by the standards they name.
const BUILT_IN_PREFIXES: &[(&str, &str)] = &[
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("semapv", "https://w3id.org/semapv/vocab/"),
    ("sssom", "https://w3id.org/sssom/"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

const PREDICATES: &[&str] =
    &["skos:exactMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch", "skos:closeMatch"];
const RELATIONS: &[&str] = &["equal", "subset-of", "superset-of", "intersects-with", "not-related-to"];
const RATIONALES: &[&str] = &["syntactic", "semantic", "functional"];
const REVIEW_STATUSES: &[&str] = &["draft", "reviewed", "published", "deprecated", "superseded"];
/// Justifications a curated file may carry; `semapv:MappingChaining` is govgate's own
/// inference and never appears in a file.
const JUSTIFICATIONS: &[&str] =
    &["semapv:ManualMappingCuration", "semapv:MappingReview", "semapv:LogicalReasoning", "semapv:LexicalMatching"];
const NO_TERM_FOUND: &str = "sssom:NoTermFound";

/// Validates one set; an empty list means the file is valid and canonical.
pub fn validate(set: &MappingSetFile, text: &str, terms: &TermIndex) -> Vec<Issue> {
    let mut checker = Checker { set, issues: Vec::new(), used_prefixes: BTreeSet::new() };
    checker.header();
    checker.columns();
    checker.rows(terms);
    checker.prefixes();
    if checker.issues.is_empty() {
        checker.canonical(text);
    }
    let mut issues = checker.issues;
    issues.sort();
    issues
}

struct Checker<'a> {
    set: &'a MappingSetFile,
    issues: Vec<Issue>,
    used_prefixes: BTreeSet<String>,
}

impl Checker<'_> {
    fn issue(&mut self, line: usize, column: usize, rule: &'static str, message: impl Into<String>) {
        self.issues.push(Issue { path: self.set.path.clone(), line, column, rule, message: message.into() });
    }

    /// Line of a header key (`license`, `curie_map.skos`), for set-level messages.
    fn header_line(&self, key: &str) -> usize {
        self.set.header_lines.get(key).copied().unwrap_or(1)
    }

    fn header(&mut self) {
        let h = &self.set.header;
        let name = set_name(&self.set.path);
        let expected_id = format!("{MAPPING_SET_ROOT}{name}/{}", h.mapping_set_version);
        if h.mapping_set_id != expected_id {
            let line = self.header_line("mapping_set_id");
            self.issue(
                line,
                1,
                "set-id",
                format!("mapping_set_id is `{}`, expected `{expected_id}`", h.mapping_set_id),
            );
        }
        if h.sssom_version != "1.1" {
            let line = self.header_line("sssom_version");
            self.issue(line, 1, "sssom-version", format!("sssom_version is `{}`, expected `1.1`", h.sssom_version));
        }
        if !h.license.starts_with("https://") && !h.license.starts_with("http://") {
            let line = self.header_line("license");
            self.issue(line, 1, "license", format!("license `{}` is not an IRI", h.license));
        }
        for (key, value) in [
            ("mapping_set_title", &h.mapping_set_title),
            ("mapping_set_version", &h.mapping_set_version),
            ("license", &h.license),
        ] {
            if value.trim().is_empty() {
                let line = self.header_line(key);
                self.issue(line, 1, "metadata", format!("`{key}` is empty"));
            }
        }
        let creator_line = self.header_line("creator_id");
        if h.creator_id.is_empty() {
            self.issue(creator_line, 1, "metadata", "creator_id lists no creator");
        }
        for creator in h.creator_id.clone() {
            self.curie(creator_line, 1, "creator_id", &creator);
        }
        for (key, value) in [("mapping_date", Some(&h.mapping_date)), ("publication_date", h.publication_date.as_ref())]
        {
            if let Some(value) = value
                && !is_date(value)
            {
                let line = self.header_line(key);
                self.issue(line, 1, "date", format!("`{key}` `{value}` is not a YYYY-MM-DD date"));
            }
        }
        let declared: Vec<(&str, &str, &str)> = h
            .extension_definitions
            .iter()
            .map(|d| (d.slot_name.as_str(), d.property.as_str(), d.type_hint.as_str()))
            .collect();
        let extensions_line = self.header_line("extension_definitions");
        if declared != EXTENSIONS {
            let message = "extension_definitions must declare exactly the ten slots of mappings/README.md, in order";
            self.issue(extensions_line, 1, "extensions", message);
        }
        for definition in h.extension_definitions.clone() {
            self.curie(extensions_line, 1, "extension property", &definition.property);
        }
        let redefined: Vec<(String, String, &str)> = h
            .curie_map
            .iter()
            .filter_map(|(prefix, iri)| {
                let (_, fixed) = BUILT_IN_PREFIXES.iter().find(|(p, _)| p == prefix)?;
                (iri != fixed).then(|| (prefix.clone(), iri.clone(), *fixed))
            })
            .collect();
        for (prefix, iri, fixed) in redefined {
            let line = self.header_line(&format!("curie_map.{prefix}"));
            self.issue(
                line,
                3,
                "curie-map",
                format!("built-in prefix `{prefix}` is redefined as `{iri}` (must be `{fixed}`)"),
            );
        }
    }

    fn columns(&mut self) {
        let declared: BTreeSet<&str> =
            self.set.header.extension_definitions.iter().map(|d| d.slot_name.as_str()).collect();
        let known: BTreeSet<String> = canonical_columns().into_iter().collect();
        let line = self.set.columns_line;
        let mut column = 1;
        for name in self.set.columns.clone() {
            let is_extension = EXTENSIONS.iter().any(|(slot, _, _)| *slot == name);
            if !known.contains(&name) {
                self.issue(
                    line,
                    column,
                    "column",
                    format!("column `{name}` is neither in govgate's profile nor a declared extension"),
                );
            } else if is_extension && !declared.contains(name.as_str()) {
                self.issue(
                    line,
                    column,
                    "column",
                    format!("extension column `{name}` is not declared in extension_definitions"),
                );
            }
            column += name.chars().count() + 1;
        }
        for required in canonical_columns() {
            if !self.set.columns.contains(&required) {
                self.issue(line, 1, "column", format!("required column `{required}` is missing"));
            }
        }
        if self.set.columns.len() != self.set.columns.iter().collect::<BTreeSet<_>>().len() {
            self.issue(line, 1, "column", "a column name is repeated");
        }
    }

    fn rows(&mut self, terms: &TermIndex) {
        let mut record_ids: HashMap<String, usize> = HashMap::new();
        let mut statements: HashMap<(String, String, String, String), usize> = HashMap::new();
        let mut relations: HashMap<(String, String), (String, usize)> = HashMap::new();
        for row in self.set.rows.clone() {
            self.row(&row, terms);
            let record = row.get("record_id").to_owned();
            if let Some(first) = record_ids.insert(record.clone(), row.line) {
                let column = self.column_of(&row, "record_id");
                self.issue(row.line, column, "record-id", format!("record_id `{record}` already used on line {first}"));
            }
            let statement = (
                row.get("subject_id").to_owned(),
                row.get("predicate_id").to_owned(),
                row.get("predicate_modifier").to_owned(),
                row.get("object_id").to_owned(),
            );
            if let Some(first) = statements.insert(statement, row.line) {
                self.issue(row.line, 1, "duplicate", format!("same subject, predicate and object as line {first}"));
            }
            let found = row.get("object_id") != NO_TERM_FOUND && row.get("subject_id") != NO_TERM_FOUND;
            if found && row.get("predicate_modifier").is_empty() {
                let pair = (row.get("subject_id").to_owned(), row.get("object_id").to_owned());
                let relation = row.get("strm_relationship").to_owned();
                match relations.get(&pair) {
                    Some((other, first)) if *other != relation => {
                        let message = format!("`{relation}` contradicts `{other}` for the same pair on line {first}");
                        let column = self.column_of(&row, "strm_relationship");
                        self.issue(row.line, column, "contradiction", message);
                    }
                    _ => {
                        relations.insert(pair, (relation, row.line));
                    }
                }
            }
        }
    }

    fn row(&mut self, row: &Row, terms: &TermIndex) {
        let set = self.set;
        let at = |column: &str| column_of(&set.columns, row, column);
        let line = row.line;
        for (column, value) in &row.cells {
            if value != value.trim() {
                self.issue(line, at(column), "whitespace", format!("`{column}` has leading or trailing spaces"));
            }
        }
        let record = row.get("record_id");
        if record.is_empty() {
            self.issue(line, at("record_id"), "record-id", "record_id is empty");
        } else {
            let name = set_name(&self.set.path);
            if !record.starts_with(&format!("ggm:{name}-")) {
                self.issue(
                    line,
                    at("record_id"),
                    "record-id",
                    format!("record_id `{record}` does not start with `ggm:{name}-`"),
                );
            }
            self.curie(line, at("record_id"), "record_id", record);
        }

        let subject = row.get("subject_id");
        let object = row.get("object_id");
        let no_subject = subject == NO_TERM_FOUND;
        let no_term = object == NO_TERM_FOUND;
        for (column, value) in [("subject_id", subject), ("object_id", object)] {
            if value.is_empty() {
                self.issue(line, at(column), "required", format!("`{column}` is empty"));
                continue;
            }
            let Some(iri) = self.curie(line, at(column), column, value) else { continue };
            if value != NO_TERM_FOUND && !terms.is_defined(&iri) {
                self.issue(line, at(column), "undefined-term", format!("`{value}` is not defined in the ontology"));
            }
        }
        if no_subject && no_term {
            self.issue(line, at("subject_id"), "no-term-found", "sssom:NoTermFound may stand on one side only");
        }
        if !no_term && row.get("object_label").is_empty() {
            self.issue(line, at("object_label"), "required", "`object_label` is empty");
        }
        if !no_subject && row.get("subject_label").is_empty() {
            self.issue(line, at("subject_label"), "required", "`subject_label` is empty");
        }

        let predicate = row.get("predicate_id");
        if !PREDICATES.contains(&predicate) {
            self.issue(
                line,
                at("predicate_id"),
                "predicate",
                format!("predicate `{predicate}` is not one of {}", PREDICATES.join(", ")),
            );
        }
        self.curie(line, at("predicate_id"), "predicate_id", predicate);
        let modifier = row.get("predicate_modifier");
        if !modifier.is_empty() && modifier != "Not" {
            self.issue(
                line,
                at("predicate_modifier"),
                "predicate",
                format!("predicate_modifier `{modifier}` is not `Not`"),
            );
        }

        let justification = row.get("mapping_justification");
        if justification.is_empty() {
            self.issue(line, at("mapping_justification"), "justification", "mapping_justification is empty");
        } else if justification == "semapv:MappingChaining" {
            self.issue(
                line,
                at("mapping_justification"),
                "justification",
                "chained rows are inferred by govgate, never curated in a file",
            );
        } else if !JUSTIFICATIONS.contains(&justification) {
            self.issue(
                line,
                at("mapping_justification"),
                "justification",
                format!("`{justification}` is not an accepted SEMAPV justification"),
            );
        }
        self.curie(line, at("mapping_justification"), "mapping_justification", justification);
        for column in ["author_id", "reviewer_id"] {
            for id in row.get(column).split('|').filter(|s| !s.is_empty()) {
                self.curie(line, at(column), column, id);
            }
        }
        if row.get("author_id").is_empty() {
            self.issue(line, at("author_id"), "required", "`author_id` is empty");
        }
        if row.get("comment").is_empty() {
            self.issue(line, at("comment"), "required", "`comment` is empty: every row says why");
        }

        self.relation(row, terms);

        for column in ["subject_provision", "object_provision"] {
            let value = row.get(column);
            // A side needs no provision when it is NoTermFound or a hub concept.
            let side_is_free = match column {
                "subject_provision" => no_subject,
                _ => no_term || terms.is_hub(&self.expand(object).unwrap_or_default()),
            };
            if value.is_empty() {
                if !side_is_free {
                    self.issue(
                        line,
                        at(column),
                        "provision",
                        format!("`{column}` is empty: cite the provision this side rests on"),
                    );
                }
                continue;
            }
            for provision in value.split('|') {
                if let Some(iri) = self.curie(line, at(column), column, provision)
                    && !terms.is_provision(&iri)
                {
                    self.issue(
                        line,
                        at(column),
                        "provision",
                        format!("`{provision}` is not a provision or instrument of the ontology"),
                    );
                }
            }
        }
        for column in ["subject_jurisdiction", "object_jurisdiction"] {
            let value = row.get(column);
            if value.is_empty() {
                let side_missing = if column == "object_jurisdiction" { no_term } else { no_subject };
                if !side_missing {
                    self.issue(line, at(column), "jurisdiction", format!("`{column}` is empty"));
                }
                continue;
            }
            if let Some(iri) = self.curie(line, at(column), column, value)
                && !terms.is_jurisdiction(&iri)
            {
                self.issue(
                    line,
                    at(column),
                    "jurisdiction",
                    format!("`{value}` is not a jurisdiction of the ontology"),
                );
            }
        }
        let from = row.get("valid_from");
        let until = row.get("valid_until");
        for (column, value) in [("valid_from", from), ("valid_until", until)] {
            if !value.is_empty() && !is_date(value) {
                self.issue(line, at(column), "date", format!("`{value}` is not a YYYY-MM-DD date"));
            }
        }
        if !from.is_empty() && !until.is_empty() && is_date(from) && is_date(until) && from > until {
            self.issue(line, at("valid_until"), "date", format!("valid_until {until} is before valid_from {from}"));
        }
        let status = row.get("review_status");
        if !REVIEW_STATUSES.contains(&status) {
            self.issue(
                line,
                at("review_status"),
                "review-status",
                format!("review_status `{status}` is not one of {}", REVIEW_STATUSES.join(", ")),
            );
        } else if matches!(status, "reviewed" | "published") && row.get("reviewer_id").is_empty() {
            self.issue(line, at("reviewer_id"), "review-status", format!("a `{status}` row names its reviewer"));
        }
    }

    /// The STRM relation, its SKOS predicate, strength and confidence must agree.
    fn relation(&mut self, row: &Row, terms: &TermIndex) {
        let line = row.line;
        let relation = row.get("strm_relationship");
        let predicate = row.get("predicate_id");
        let negated = row.get("predicate_modifier") == "Not";
        let no_term = row.get("object_id") == NO_TERM_FOUND || row.get("subject_id") == NO_TERM_FOUND;
        if !RELATIONS.contains(&relation) {
            let column = self.column_of(row, "strm_relationship");
            self.issue(
                line,
                column,
                "relation",
                format!("strm_relationship `{relation}` is not one of {}", RELATIONS.join(", ")),
            );
            return;
        }
        let rationale = row.get("strm_rationale");
        if !RATIONALES.contains(&rationale) {
            let column = self.column_of(row, "strm_rationale");
            self.issue(
                line,
                column,
                "relation",
                format!("strm_rationale `{rationale}` is not one of {}", RATIONALES.join(", ")),
            );
        }
        let strength_column = self.column_of(row, "strm_strength");
        let strength: Option<u8> = row.get("strm_strength").parse().ok().filter(|s| *s <= 10);
        let Some(strength) = strength else {
            self.issue(
                line,
                strength_column,
                "strength",
                format!("strm_strength `{}` is not an integer from 0 to 10", row.get("strm_strength")),
            );
            return;
        };
        let (predicate_ok, strength_ok) = match relation {
            "equal" => (predicate == "skos:exactMatch" && !negated && !no_term, strength == 10),
            "subset-of" => (predicate == "skos:broadMatch" && !negated && !no_term, (1..=9).contains(&strength)),
            "superset-of" => (predicate == "skos:narrowMatch" && !negated && !no_term, (1..=9).contains(&strength)),
            "intersects-with" => (
                !negated
                    && !no_term
                    && (predicate == "skos:relatedMatch" || (predicate == "skos:closeMatch" && strength >= 7)),
                (1..=9).contains(&strength),
            ),
            _ => (negated || (no_term && predicate == "skos:exactMatch"), strength == 0),
        };
        if !predicate_ok {
            let column = self.column_of(row, "predicate_id");
            let expected = match relation {
                "equal" => "skos:exactMatch",
                "subset-of" => "skos:broadMatch",
                "superset-of" => "skos:narrowMatch",
                "intersects-with" => "skos:relatedMatch (or skos:closeMatch with strength 7 or more)",
                _ => "skos:exactMatch to sssom:NoTermFound, or predicate_modifier `Not`",
            };
            self.issue(
                line,
                column,
                "relation",
                format!("`{relation}` needs {expected}, not `{predicate}`{}", if negated { " with `Not`" } else { "" }),
            );
        }
        if !strength_ok {
            let expected = match relation {
                "equal" => "10",
                "not-related-to" => "0",
                _ => "1 to 9",
            };
            self.issue(
                line,
                strength_column,
                "strength",
                format!("strength {strength} does not fit `{relation}` (expected {expected})"),
            );
        }
        let confidence_column = self.column_of(row, "confidence");
        let Some(confidence) = row.get("confidence").parse::<f64>().ok().filter(|c| (0.0..=1.0).contains(c)) else {
            self.issue(
                line,
                confidence_column,
                "confidence",
                format!("confidence `{}` is not a number from 0 to 1", row.get("confidence")),
            );
            return;
        };
        let sides = [row.get("subject_id"), row.get("object_id")];
        let weakest =
            sides.iter().filter_map(|curie| self.expand(curie)).filter_map(|iri| terms.confidence(&iri)).min();
        if let Some(weakest) = weakest
            && confidence > weakest.cap()
        {
            self.issue(
                line,
                confidence_column,
                "confidence",
                format!(
                    "confidence {confidence} is above {} allowed when a side is {}",
                    weakest.cap(),
                    weakest.label()
                ),
            );
        }
    }

    /// Expands a CURIE and records its prefix as used; an issue if it is not a CURIE of
    /// a declared prefix.
    fn curie(&mut self, line: usize, column: usize, what: &str, value: &str) -> Option<String> {
        let Some((prefix, local)) = value.split_once(':') else {
            self.issue(line, column, "curie", format!("{what} `{value}` is not a CURIE"));
            return None;
        };
        if local.starts_with("//") {
            self.issue(line, column, "curie", format!("{what} `{value}` is a full IRI; write it as a CURIE"));
            return None;
        }
        self.used_prefixes.insert(prefix.to_owned());
        match self.set.header.curie_map.get(prefix) {
            Some(base) => Some(format!("{base}{local}")),
            None => {
                self.issue(
                    line,
                    column,
                    "unknown-prefix",
                    format!("prefix `{prefix}` of `{value}` is not in the curie_map"),
                );
                None
            }
        }
    }

    fn expand(&self, curie: &str) -> Option<String> {
        let (prefix, local) = curie.split_once(':')?;
        self.set.header.curie_map.get(prefix).map(|base| format!("{base}{local}"))
    }

    fn prefixes(&mut self) {
        let unused: Vec<String> =
            self.set.header.curie_map.keys().filter(|p| !self.used_prefixes.contains(*p)).cloned().collect();
        for prefix in unused {
            let line = self.header_line(&format!("curie_map.{prefix}"));
            self.issue(line, 3, "curie-map", format!("prefix `{prefix}` is declared but never used"));
        }
    }

    /// A valid file must also be in canonical form, so diffs stay minimal.
    fn canonical(&mut self, text: &str) {
        let canonical = write(self.set);
        if canonical == text {
            return;
        }
        let line = text
            .lines()
            .zip(canonical.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| text.lines().count().min(canonical.lines().count()) + 1, |index| index + 1);
        let sorted = self.set.rows.windows(2).all(|w| row_key(&w[0]) <= row_key(&w[1]));
        let hint = if sorted { "formatting" } else { "row order (subject, object, record id)" };
        self.issue(line, 1, "canonical", format!("not in canonical form ({hint}); `govgate mappings fmt` rewrites it"));
    }

    fn column_of(&self, row: &Row, column: &str) -> usize {
        column_of(&self.set.columns, row, column)
    }
}

/// 1-based character column where a cell starts in its line.
fn column_of(columns: &[String], row: &Row, column: &str) -> usize {
    let mut offset = 1;
    for name in columns {
        if name == column {
            return offset;
        }
        offset += row.get(name).chars().count() + 1;
    }
    1
}

/// The set's name from its path: `mappings/crosswalks/eu-ai-act--hub.sssom.tsv` -> `eu-ai-act--hub`.
pub fn set_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".sssom.tsv").unwrap_or(file).to_owned()
}

fn is_date(value: &str) -> bool {
    time::Date::parse(value, &time::format_description::well_known::Iso8601::DATE).is_ok() && value.len() == 10
}

/// Issues grouped by file, for reports.
pub fn by_file(issues: &[Issue]) -> BTreeMap<&str, Vec<&Issue>> {
    let mut grouped: BTreeMap<&str, Vec<&Issue>> = BTreeMap::new();
    for issue in issues {
        grouped.entry(issue.path.as_str()).or_default().push(issue);
    }
    grouped
}
