//! SHACL Core validation for govgate's shapes (`ontology/shapes/`), over a document graph
//! united with the ontology (so `sh:class` sees the concepts' types and subclasses, and
//! paths may walk `skos:broader`).
//!
//! Implemented: `sh:targetClass`; paths (predicate, sequence, `sh:inversePath`,
//! `sh:zeroOrMorePath`, `sh:oneOrMorePath`, `sh:alternativePath`); `sh:minCount`,
//! `sh:maxCount`, `sh:class`, `sh:datatype`, `sh:nodeKind`, `sh:in`, `sh:hasValue`,
//! `sh:pattern`, `sh:minInclusive`, `sh:maxInclusive`, `sh:minExclusive`, `sh:maxExclusive`,
//! `sh:node`, `sh:property`, `sh:or`, `sh:and`, `sh:not`, `sh:qualifiedValueShape` with
//! `sh:qualifiedMinCount`/`sh:qualifiedMaxCount`; `sh:severity`, `sh:message`. A shape
//! using anything else is refused when loading, never silently ignored.

use std::collections::{HashMap, HashSet};

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{Graph, Literal, NamedNode, NamedOrBlankNode, Term, TermRef, Triple};
use regex::Regex;

use crate::content::Content;
use crate::translate::report::ShapeFinding;

const SH: &str = "http://www.w3.org/ns/shacl#";

fn sh(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{SH}{local}"))
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShaclError {
    #[error("`{file}`: {message}")]
    Load { file: String, message: String },
    #[error("shape {shape}: {message}")]
    Unsupported { shape: String, message: String },
}

#[derive(Debug, Clone)]
enum Path {
    Predicate(NamedNode),
    Inverse(Box<Path>),
    Sequence(Vec<Path>),
    Alternative(Vec<Path>),
    ZeroOrMore(Box<Path>),
    OneOrMore(Box<Path>),
}

#[derive(Debug, Clone)]
enum Constraint {
    MinCount(usize),
    MaxCount(usize),
    Class(NamedNode),
    Datatype(NamedNode),
    NodeKind(NamedNode),
    In(Vec<Term>),
    HasValue(Term),
    Pattern(Regex),
    Range { bound: Literal, strict: bool, lower: bool },
    Node(usize),
    Property(usize),
    Or(Vec<usize>),
    And(Vec<usize>),
    Not(usize),
    Qualified { shape: usize, min: Option<usize>, max: Option<usize> },
}

#[derive(Debug, Clone)]
struct Shape {
    targets: Vec<NamedNode>,
    path: Option<Path>,
    path_text: String,
    constraints: Vec<Constraint>,
    severity: String,
    message: Option<String>,
    see_also: Vec<String>,
}

/// Every shape of the release, with the ontology they validate against.
pub struct Shapes {
    shapes: Vec<Shape>,
    ontology: Graph,
    superclasses: HashMap<Term, HashSet<Term>>,
}

/// Predicates of shapes that carry no constraint (documentation, structure).
const IGNORED: &[&str] = &[
    "name",
    "description",
    "order",
    "group",
    "deactivated",
    "severity",
    "message",
    "path",
    "targetClass",
    "qualifiedMinCount",
    "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint",
    "property",
    "closed",
    "ignoredProperties",
];

impl Shapes {
    pub fn load(content: &Content) -> Result<Self, ShaclError> {
        let mut ontology = Graph::new();
        let mut shapes_graph = Graph::new();
        for file in content.files("ontology/", ".ttl") {
            let target = if file.path.starts_with("ontology/shapes/") { &mut shapes_graph } else { &mut ontology };
            for quad in RdfParser::from_format(RdfFormat::Turtle).for_slice(&file.bytes) {
                let quad = quad.map_err(|e| ShaclError::Load { file: file.path.clone(), message: e.to_string() })?;
                target.insert(&Triple::from(quad));
            }
        }
        let superclasses = class_closure(&ontology);
        let mut reader = Reader { graph: &shapes_graph, shapes: Vec::new(), index: HashMap::new() };
        let node_shape = sh("NodeShape");
        let mut roots: Vec<Term> = shapes_graph
            .subjects_for_predicate_object(rdf::TYPE, &node_shape)
            .map(|s| Term::from(s.into_owned()))
            .collect();
        roots.sort_by_key(ToString::to_string);
        for root in roots {
            reader.shape(&root)?;
        }
        Ok(Self { shapes: reader.shapes, ontology, superclasses })
    }

    /// Validates a document graph: every shape with a target class the graph has instances of.
    /// `document_class` is the class of the document node, reported when nothing targets it.
    pub fn check(&self, data: &Graph, _document_class: &NamedNode) -> Vec<ShapeFinding> {
        let view = View { data, ontology: &self.ontology, superclasses: &self.superclasses };
        let mut findings = Vec::new();
        for shape in self.shapes.iter().filter(|s| !s.targets.is_empty()) {
            let focus: Vec<Term> = view.instances(&shape.targets);
            for node in focus {
                self.validate(&view, shape, &node, &mut findings);
            }
        }
        findings
    }

    fn validate(&self, view: &View<'_>, shape: &Shape, focus: &Term, findings: &mut Vec<ShapeFinding>) {
        let values: Vec<Term> = match &shape.path {
            Some(path) => view.eval(path, focus),
            None => vec![focus.clone()],
        };
        let fail = |findings: &mut Vec<ShapeFinding>, reason: String| {
            findings.push(ShapeFinding {
                severity: shape.severity.clone(),
                path: shape.path_text.clone(),
                message: shape.message.clone().unwrap_or(reason),
                provisions: shape.see_also.clone(),
            });
        };
        for constraint in &shape.constraints {
            match constraint {
                Constraint::MinCount(n) if values.len() < *n => {
                    fail(findings, format!("{} has {} value(s), at least {n} required", shape.path_text, values.len()))
                }
                Constraint::MaxCount(n) if values.len() > *n => {
                    fail(findings, format!("{} has {} value(s), at most {n} allowed", shape.path_text, values.len()))
                }
                Constraint::Qualified { shape: q, min, max } => {
                    let matching = values.iter().filter(|v| self.conforms(view, *q, v)).count();
                    if min.is_some_and(|m| matching < m) || max.is_some_and(|m| matching > m) {
                        fail(findings, format!("{} has {matching} value(s) of the qualified shape", shape.path_text));
                    }
                }
                Constraint::Property(p) => self.validate(view, &self.shapes[*p], focus, findings),
                other => {
                    for value in &values {
                        if !self.value_ok(view, other, value) {
                            fail(findings, format!("{} value {value} violates a constraint", shape.path_text));
                            break;
                        }
                    }
                }
            }
        }
    }

    /// Whether a value node passes a constraint that is checked value by value.
    fn value_ok(&self, view: &View<'_>, constraint: &Constraint, value: &Term) -> bool {
        match constraint {
            Constraint::Class(class) => view.is_instance(value, &Term::NamedNode(class.clone())),
            Constraint::Datatype(datatype) => match value {
                Term::Literal(l) => l.datatype() == datatype.as_ref(),
                _ => false,
            },
            Constraint::NodeKind(kind) => {
                let local = kind.as_str().strip_prefix(SH).unwrap_or_default();
                match value {
                    Term::NamedNode(_) => local.contains("IRI"),
                    Term::BlankNode(_) => local.contains("BlankNode"),
                    Term::Literal(_) => local.contains("Literal"),
                }
            }
            Constraint::In(allowed) => allowed.contains(value),
            Constraint::HasValue(_) => true,
            Constraint::Pattern(regex) => match value {
                Term::Literal(l) => regex.is_match(l.value()),
                Term::NamedNode(n) => regex.is_match(n.as_str()),
                _ => false,
            },
            Constraint::Range { bound, strict, lower } => match (value, number(bound)) {
                (Term::Literal(l), Some(b)) => number(l).is_some_and(|v| match (lower, strict) {
                    (true, false) => v >= b,
                    (true, true) => v > b,
                    (false, false) => v <= b,
                    (false, true) => v < b,
                }),
                _ => false,
            },
            Constraint::Node(s) => self.conforms(view, *s, value),
            Constraint::Or(shapes) => shapes.iter().any(|s| self.conforms(view, *s, value)),
            Constraint::And(shapes) => shapes.iter().all(|s| self.conforms(view, *s, value)),
            Constraint::Not(s) => !self.conforms(view, *s, value),
            Constraint::MinCount(_)
            | Constraint::MaxCount(_)
            | Constraint::Property(_)
            | Constraint::Qualified { .. } => true,
        }
    }

    fn conforms(&self, view: &View<'_>, shape: usize, node: &Term) -> bool {
        let mut findings = Vec::new();
        let shape = &self.shapes[shape];
        self.validate(view, shape, node, &mut findings);
        if let Some(missing) = shape.constraints.iter().find_map(|c| match c {
            Constraint::HasValue(v) => Some(v),
            _ => None,
        }) {
            let values = match &shape.path {
                Some(path) => view.eval(path, node),
                None => vec![node.clone()],
            };
            if !values.contains(missing) {
                return false;
            }
        }
        findings.is_empty()
    }
}

fn number(literal: &Literal) -> Option<f64> {
    let numeric = [
        xsd::INTEGER,
        xsd::DECIMAL,
        xsd::DOUBLE,
        xsd::FLOAT,
        xsd::INT,
        xsd::LONG,
        xsd::NON_NEGATIVE_INTEGER,
        xsd::POSITIVE_INTEGER,
    ];
    numeric.contains(&literal.datatype()).then(|| literal.value().parse().ok()).flatten()
}

/// The data graph seen together with the ontology.
struct View<'a> {
    data: &'a Graph,
    ontology: &'a Graph,
    superclasses: &'a HashMap<Term, HashSet<Term>>,
}

impl View<'_> {
    fn objects(&self, subject: &Term, predicate: &NamedNode) -> Vec<Term> {
        let Some(subject) = as_subject(subject) else { return Vec::new() };
        let mut out: Vec<Term> =
            self.data.objects_for_subject_predicate(&subject, predicate).map(TermRef::into_owned).collect();
        out.extend(self.ontology.objects_for_subject_predicate(&subject, predicate).map(TermRef::into_owned));
        out.dedup();
        out
    }

    fn subjects(&self, predicate: &NamedNode, object: &Term) -> Vec<Term> {
        let mut out: Vec<Term> =
            self.data.subjects_for_predicate_object(predicate, object).map(|s| Term::from(s.into_owned())).collect();
        out.extend(self.ontology.subjects_for_predicate_object(predicate, object).map(|s| Term::from(s.into_owned())));
        out.dedup();
        out
    }

    fn eval(&self, path: &Path, focus: &Term) -> Vec<Term> {
        let mut out = match path {
            Path::Predicate(p) => self.objects(focus, p),
            Path::Inverse(inner) => match inner.as_ref() {
                Path::Predicate(p) => self.subjects(p, focus),
                _ => Vec::new(),
            },
            Path::Sequence(steps) => {
                let mut current = vec![focus.clone()];
                for step in steps {
                    current = current.iter().flat_map(|n| self.eval(step, n)).collect();
                }
                current
            }
            Path::Alternative(options) => options.iter().flat_map(|o| self.eval(o, focus)).collect(),
            Path::ZeroOrMore(inner) | Path::OneOrMore(inner) => {
                let mut seen: Vec<Term> =
                    if matches!(path, Path::ZeroOrMore(_)) { vec![focus.clone()] } else { Vec::new() };
                let mut frontier = vec![focus.clone()];
                while let Some(node) = frontier.pop() {
                    for next in self.eval(inner, &node) {
                        if !seen.contains(&next) {
                            seen.push(next.clone());
                            frontier.push(next);
                        }
                    }
                }
                seen
            }
        };
        let mut unique = Vec::with_capacity(out.len());
        for term in out.drain(..) {
            if !unique.contains(&term) {
                unique.push(term);
            }
        }
        unique
    }

    fn types(&self, node: &Term) -> Vec<Term> {
        self.objects(node, &rdf::TYPE.into_owned())
    }

    fn is_instance(&self, node: &Term, class: &Term) -> bool {
        self.types(node).iter().any(|t| t == class || self.superclasses.get(t).is_some_and(|s| s.contains(class)))
    }

    fn instances(&self, classes: &[NamedNode]) -> Vec<Term> {
        let mut out: Vec<Term> = Vec::new();
        for triple in self.data.triples_for_predicate(rdf::TYPE) {
            let node = Term::from(triple.subject.into_owned());
            if !out.contains(&node) && classes.iter().any(|c| self.is_instance(&node, &Term::NamedNode(c.clone()))) {
                out.push(node);
            }
        }
        out
    }
}

/// Every class's superclasses (transitive `rdfs:subClassOf`).
fn class_closure(ontology: &Graph) -> HashMap<Term, HashSet<Term>> {
    let mut direct: HashMap<Term, Vec<Term>> = HashMap::new();
    for triple in ontology.triples_for_predicate(rdfs::SUB_CLASS_OF) {
        direct.entry(triple.subject.into_owned().into()).or_default().push(triple.object.into_owned());
    }
    let mut closure = HashMap::new();
    for class in direct.keys() {
        let mut seen = HashSet::new();
        let mut frontier = vec![class.clone()];
        while let Some(c) = frontier.pop() {
            for parent in direct.get(&c).into_iter().flatten() {
                if seen.insert(parent.clone()) {
                    frontier.push(parent.clone());
                }
            }
        }
        closure.insert(class.clone(), seen);
    }
    closure
}

fn as_subject(term: &Term) -> Option<NamedOrBlankNode> {
    match term {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        _ => None,
    }
}

/// Reads shapes out of the shapes graph into the arena.
struct Reader<'g> {
    graph: &'g Graph,
    shapes: Vec<Shape>,
    index: HashMap<Term, usize>,
}

impl Reader<'_> {
    fn one(&self, node: &Term, local: &str) -> Option<Term> {
        let subject = as_subject(node)?;
        self.graph.object_for_subject_predicate(&subject, &sh(local)).map(TermRef::into_owned)
    }

    fn all(&self, node: &Term, local: &str) -> Vec<Term> {
        let Some(subject) = as_subject(node) else { return Vec::new() };
        let mut out: Vec<Term> =
            self.graph.objects_for_subject_predicate(&subject, &sh(local)).map(TermRef::into_owned).collect();
        out.sort_by_key(ToString::to_string);
        out
    }

    fn list(&self, head: &Term) -> Vec<Term> {
        let mut items = Vec::new();
        let mut current = head.clone();
        while current != Term::NamedNode(rdf::NIL.into_owned()) {
            let Some(subject) = as_subject(&current) else { break };
            match self.graph.object_for_subject_predicate(&subject, rdf::FIRST) {
                Some(first) => items.push(first.into_owned()),
                None => break,
            }
            match self.graph.object_for_subject_predicate(&subject, rdf::REST) {
                Some(rest) => current = rest.into_owned(),
                None => break,
            }
        }
        items
    }

    fn path(&self, node: &Term) -> Result<Path, ShaclError> {
        if let Term::NamedNode(n) = node {
            return Ok(Path::Predicate(n.clone()));
        }
        let list = self.list(node);
        if !list.is_empty() {
            return Ok(Path::Sequence(list.iter().map(|t| self.path(t)).collect::<Result<_, _>>()?));
        }
        for (local, make) in [
            ("inversePath", (|p| Path::Inverse(Box::new(p))) as fn(Path) -> Path),
            ("zeroOrMorePath", |p| Path::ZeroOrMore(Box::new(p))),
            ("oneOrMorePath", |p| Path::OneOrMore(Box::new(p))),
        ] {
            if let Some(inner) = self.one(node, local) {
                return Ok(make(self.path(&inner)?));
            }
        }
        if let Some(options) = self.one(node, "alternativePath") {
            return Ok(Path::Alternative(self.list(&options).iter().map(|t| self.path(t)).collect::<Result<_, _>>()?));
        }
        Err(unsupported(node, "path form not supported".to_owned()))
    }

    fn shape(&mut self, node: &Term) -> Result<usize, ShaclError> {
        if let Some(index) = self.index.get(node) {
            return Ok(*index);
        }
        let index = self.shapes.len();
        self.index.insert(node.clone(), index);
        self.shapes.push(Shape {
            targets: Vec::new(),
            path: None,
            path_text: String::new(),
            constraints: Vec::new(),
            severity: "violation".to_owned(),
            message: None,
            see_also: Vec::new(),
        });
        let text = |t: Term| match t {
            Term::Literal(l) => l.value().to_owned(),
            Term::NamedNode(n) => n.into_string(),
            other => other.to_string(),
        };
        let path_node = self.one(node, "path");
        let path = path_node.as_ref().map(|p| self.path(p)).transpose()?;
        let path_text = path_node.map(|p| compact(&p, self)).unwrap_or_else(|| "the document".to_owned());
        let targets = self
            .all(node, "targetClass")
            .into_iter()
            .filter_map(|t| match t {
                Term::NamedNode(n) => Some(n),
                _ => None,
            })
            .collect();
        let severity = self
            .one(node, "severity")
            .map(|s| text(s).trim_start_matches(SH).to_lowercase())
            .unwrap_or_else(|| "violation".to_owned());
        let message = self.message(node);
        // A shape may cite several provisions; the graph keeps no order, so sort them.
        let mut see_also: Vec<String> = as_subject(node)
            .map(|s| {
                self.graph.objects_for_subject_predicate(&s, rdfs::SEE_ALSO).map(|o| text(o.into_owned())).collect()
            })
            .unwrap_or_default();
        see_also.sort();
        let mut constraints = Vec::new();
        for predicate in self.predicates(node) {
            let Some(local) = predicate.strip_prefix(SH) else { continue };
            let values = self.all(node, local);
            let integer = |t: &Term| match t {
                Term::Literal(l) => {
                    l.value().parse::<usize>().map_err(|_| unsupported(node, format!("sh:{local} is not an integer")))
                }
                _ => Err(unsupported(node, format!("sh:{local} is not a literal"))),
            };
            for value in &values {
                let constraint = match local {
                    "minCount" => Constraint::MinCount(integer(value)?),
                    "maxCount" => Constraint::MaxCount(integer(value)?),
                    "class" => Constraint::Class(
                        named(value).ok_or_else(|| unsupported(node, "sh:class is not an IRI".into()))?,
                    ),
                    "datatype" => Constraint::Datatype(
                        named(value).ok_or_else(|| unsupported(node, "sh:datatype is not an IRI".into()))?,
                    ),
                    "nodeKind" => Constraint::NodeKind(
                        named(value).ok_or_else(|| unsupported(node, "sh:nodeKind is not an IRI".into()))?,
                    ),
                    "in" => Constraint::In(self.list(value)),
                    "hasValue" => Constraint::HasValue(value.clone()),
                    "pattern" => {
                        let flags = self.one(node, "flags").map(text).unwrap_or_default();
                        let pattern = if flags.contains('i') {
                            format!("(?i){}", text(value.clone()))
                        } else {
                            text(value.clone())
                        };
                        Constraint::Pattern(Regex::new(&pattern).map_err(|e| unsupported(node, e.to_string()))?)
                    }
                    "minInclusive" | "maxInclusive" | "minExclusive" | "maxExclusive" => match value {
                        Term::Literal(bound) => Constraint::Range {
                            bound: bound.clone(),
                            strict: local.ends_with("Exclusive"),
                            lower: local.starts_with("min"),
                        },
                        _ => return Err(unsupported(node, format!("sh:{local} is not a literal"))),
                    },
                    "node" => Constraint::Node(self.shape(value)?),
                    "property" => Constraint::Property(self.shape(value)?),
                    "not" => Constraint::Not(self.shape(value)?),
                    "or" => Constraint::Or(self.list(value).iter().map(|s| self.shape(s)).collect::<Result<_, _>>()?),
                    "and" => Constraint::And(self.list(value).iter().map(|s| self.shape(s)).collect::<Result<_, _>>()?),
                    "qualifiedValueShape" => Constraint::Qualified {
                        shape: self.shape(value)?,
                        min: self.one(node, "qualifiedMinCount").map(|t| integer(&t)).transpose()?,
                        max: self.one(node, "qualifiedMaxCount").map(|t| integer(&t)).transpose()?,
                    },
                    "flags" => continue,
                    _ if IGNORED.contains(&local) => continue,
                    other => return Err(unsupported(node, format!("sh:{other} is not supported"))),
                };
                constraints.push(constraint);
            }
        }
        let shape = &mut self.shapes[index];
        shape.targets = targets;
        shape.path = path;
        shape.path_text = path_text;
        shape.constraints = constraints;
        shape.severity = severity;
        shape.message = message;
        shape.see_also = see_also;
        Ok(index)
    }

    fn predicates(&self, node: &Term) -> Vec<String> {
        let Some(subject) = as_subject(node) else { return Vec::new() };
        let mut out: Vec<String> =
            self.graph.triples_for_subject(&subject).map(|t| t.predicate.as_str().to_owned()).collect();
        out.sort();
        out.dedup();
        out
    }

    /// The English `sh:message` if there is one, else any.
    fn message(&self, node: &Term) -> Option<String> {
        let messages = self.all(node, "message");
        let pick = messages
            .iter()
            .find(|m| matches!(m, Term::Literal(l) if l.language().is_some_and(|lang| lang.starts_with("en"))))
            .or_else(|| messages.first());
        pick.map(|m| match m {
            Term::Literal(l) => l.value().to_owned(),
            other => other.to_string(),
        })
    }
}

fn unsupported(node: &Term, message: String) -> ShaclError {
    ShaclError::Unsupported { shape: node.to_string(), message }
}

fn named(term: &Term) -> Option<NamedNode> {
    match term {
        Term::NamedNode(n) => Some(n.clone()),
        _ => None,
    }
}

/// A readable form of a path: `gg:aboutSystem/gg:provider`.
fn compact(path: &Term, reader: &Reader<'_>) -> String {
    let short = |iri: &str| {
        for (prefix, ns) in [
            ("gg:", "https://w3id.org/govgate/core#"),
            ("skos:", "http://www.w3.org/2004/02/skos/core#"),
            ("dct:", "http://purl.org/dc/terms/"),
        ] {
            if let Some(local) = iri.strip_prefix(ns) {
                return format!("{prefix}{local}");
            }
        }
        format!("<{iri}>")
    };
    match path {
        Term::NamedNode(n) => short(n.as_str()),
        other => {
            let list = reader.list(other);
            if list.is_empty() {
                "a complex path".to_owned()
            } else {
                list.iter().map(|t| compact(t, reader)).collect::<Vec<_>>().join("/")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(turtle: &str) -> Shapes {
        let prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n";
        let content = Content::from_files([
            ("ontology/shapes/t.ttl".to_owned(), format!("{prefixes}{turtle}").into_bytes()),
            (
                "ontology/core.ttl".to_owned(),
                format!("{prefixes} ex:Sub rdfs:subClassOf ex:Doc . ex:C1 a ex:Concept .").into_bytes(),
            ),
        ]);
        Shapes::load(&content).unwrap()
    }

    fn data(turtle: &str) -> Graph {
        let text = format!(
            "@prefix ex: <https://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n{turtle}"
        );
        RdfParser::from_format(RdfFormat::Turtle).for_slice(text.as_bytes()).map(|q| Triple::from(q.unwrap())).collect()
    }

    const SHAPE: &str = r#"ex:S a sh:NodeShape ; sh:targetClass ex:Doc ;
        sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "a name is required" ; rdfs:seeAlso ex:art1 ] ;
        sh:property [ sh:path ex:count ; sh:minInclusive 10 ; sh:severity sh:Warning ] ;
        sh:property [ sh:path ex:kind ; sh:class ex:Concept ] ;
        sh:property [ sh:path ex:contact ; sh:or ( [ sh:path ex:email ; sh:minCount 1 ] [ sh:path ex:phone ; sh:minCount 1 ] ) ] ."#;

    #[test]
    fn constraints_report_their_message_severity_and_provision() {
        let shapes = shapes(SHAPE);
        let doc = NamedNode::new_unchecked("https://example.org/Doc");
        let good =
            data("ex:d a ex:Sub ; ex:name \"x\" ; ex:count 12 ; ex:kind ex:C1 ; ex:contact [ ex:phone \"1\" ] .");
        assert!(shapes.check(&good, &doc).is_empty(), "{:?}", shapes.check(&good, &doc));
        let bad = data("ex:d a ex:Doc ; ex:count 3 ; ex:kind ex:Other ; ex:contact [ ex:fax \"1\" ] .");
        let findings = shapes.check(&bad, &doc);
        let summary: Vec<(String, String)> = findings.iter().map(|f| (f.severity.clone(), f.path.clone())).collect();
        assert_eq!(findings.len(), 4, "{summary:?}");
        let missing = findings.iter().find(|f| f.message == "a name is required").unwrap();
        assert_eq!(missing.provisions, ["https://example.org/art1"]);
        assert!(findings.iter().any(|f| f.severity == "warning"));
    }

    #[test]
    fn an_unsupported_constraint_is_refused() {
        let prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n";
        let content = Content::from_files([(
            "ontology/shapes/t.ttl".to_owned(),
            format!("{prefixes} ex:S a sh:NodeShape ; sh:targetClass ex:Doc ; sh:sparql [] .").into_bytes(),
        )]);
        let error = Shapes::load(&content).err().expect("refused").to_string();
        assert!(error.contains("sh:sparql"), "{error}");
    }
}
