//! An RML-Core mapping read from Turtle into typed triples maps, once; the engine then
//! runs it over any number of documents.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{Graph, NamedNode, NamedOrBlankNodeRef, Term, TermRef, Triple};

use super::RmlError;
use super::template::Template;

pub(crate) const RML: &str = "http://w3id.org/rml/";

fn rml(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{RML}{local}"))
}

/// How a logical source's references are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formulation {
    JsonPath,
    XPath,
}

#[derive(Debug, Clone)]
pub struct LogicalSource {
    /// The path the mapping names (`rml:path` or a plain literal source).
    pub source: Option<String>,
    pub formulation: Formulation,
    pub iterator: Option<String>,
}

/// How a term map produces its value.
#[derive(Debug, Clone)]
pub enum Value {
    Constant(Term),
    Reference(String),
    Template(Template),
    /// A fresh blank node per item (a blank-node term map with no value).
    Fresh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermType {
    Iri,
    /// Like an IRI, with every non-ASCII character percent-encoded too.
    Uri,
    UnsafeIri,
    BlankNode,
    Literal,
}

#[derive(Debug, Clone)]
pub struct TermMap {
    pub value: Value,
    pub term_type: TermType,
    /// `rml:datatype` or `rml:datatypeMap`.
    pub datatype: Option<Box<TermMap>>,
    /// `rml:language` or `rml:languageMap`.
    pub language: Option<Box<TermMap>>,
}

#[derive(Debug, Clone)]
pub enum ObjectMap {
    Term(TermMap),
    /// A reference to another triples map's subjects, joined on conditions (child, parent).
    Parent {
        triples_map: usize,
        joins: Vec<(TermMap, TermMap)>,
    },
}

#[derive(Debug, Clone)]
pub struct PredicateObjectMap {
    pub predicates: Vec<TermMap>,
    pub objects: Vec<ObjectMap>,
    pub graphs: Vec<TermMap>,
}

#[derive(Debug, Clone)]
pub struct TriplesMap {
    pub name: String,
    pub source: LogicalSource,
    pub subject: TermMap,
    pub classes: Vec<NamedNode>,
    pub subject_graphs: Vec<TermMap>,
    pub predicate_objects: Vec<PredicateObjectMap>,
    pub base_iri: Option<String>,
}

/// A whole mapping: its triples maps, in a stable order.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub triples_maps: Vec<TriplesMap>,
}

impl Mapping {
    /// Reads a mapping from Turtle; `base` resolves relative IRIs in the Turtle itself.
    pub fn parse(turtle: &str, base: Option<&str>) -> Result<Self, RmlError> {
        let mut parser = RdfParser::from_format(RdfFormat::Turtle);
        if let Some(base) = base {
            parser = parser.with_base_iri(base).map_err(|e| RmlError::Mapping(e.to_string()))?;
        }
        let mut graph = Graph::new();
        for quad in parser.for_slice(turtle.as_bytes()) {
            let quad = quad.map_err(|e| RmlError::Mapping(format!("mapping is not valid Turtle: {e}")))?;
            graph.insert(&Triple::from(quad));
        }
        Reader { graph: &graph }.read()
    }
}

struct Reader<'a> {
    graph: &'a Graph,
}

impl Reader<'_> {
    fn read(&self) -> Result<Mapping, RmlError> {
        let triples_map_class = rml("TriplesMap");
        let mut nodes: Vec<Term> = self
            .graph
            .subjects_for_predicate_object(rdf::TYPE, &triples_map_class)
            .map(|s| Term::from(s.into_owned()))
            .collect();
        // Triples maps are also recognised by having a logical source.
        let logical_source = rml("logicalSource");
        for triple in self.graph.iter().filter(|t| t.predicate == logical_source.as_ref()) {
            let term = Term::from(triple.subject.into_owned());
            if !nodes.contains(&term) {
                nodes.push(term);
            }
        }
        nodes.sort_by_key(|t| t.to_string());
        if nodes.is_empty() {
            return Err(RmlError::Mapping("the mapping has no rml:TriplesMap".to_owned()));
        }
        let mut maps = Vec::with_capacity(nodes.len());
        for node in &nodes {
            maps.push(self.triples_map(node, &nodes)?);
        }
        Ok(Mapping { triples_maps: maps })
    }

    fn objects(&self, subject: &Term, predicate: &str) -> Vec<Term> {
        let Some(subject) = as_subject(subject) else { return Vec::new() };
        let mut objects: Vec<Term> =
            self.graph.objects_for_subject_predicate(subject, &rml(predicate)).map(TermRef::into_owned).collect();
        // Blank-node labels are random per parse: order them by what they say, so a mapping
        // yields its triples in the same order on every run.
        objects.sort_by_cached_key(|t| self.sort_key(t, 3));
        objects
    }

    /// A term as text; a blank node as its sorted statements, `depth` levels deep.
    fn sort_key(&self, term: &Term, depth: usize) -> String {
        let Term::BlankNode(node) = term else { return term.to_string() };
        if depth == 0 {
            return String::new();
        }
        let mut statements: Vec<String> = self
            .graph
            .triples_for_subject(node)
            .map(|t| format!("{} {}", t.predicate, self.sort_key(&t.object.into_owned(), depth - 1)))
            .collect();
        statements.sort();
        format!("[{}]", statements.join("; "))
    }

    fn object(&self, subject: &Term, predicate: &str) -> Result<Option<Term>, RmlError> {
        let objects = self.objects(subject, predicate);
        if objects.len() > 1 {
            return Err(RmlError::Mapping(format!("{subject} has {} values for rml:{predicate}", objects.len())));
        }
        Ok(objects.into_iter().next())
    }

    fn string(&self, subject: &Term, predicate: &str) -> Result<Option<String>, RmlError> {
        Ok(self.object(subject, predicate)?.map(|t| match t {
            Term::Literal(l) => l.value().to_owned(),
            other => term_text(&other),
        }))
    }

    fn triples_map(&self, node: &Term, all: &[Term]) -> Result<TriplesMap, RmlError> {
        let name = node.to_string();
        let source_node = self
            .object(node, "logicalSource")?
            .ok_or_else(|| RmlError::Mapping(format!("triples map {name} has no rml:logicalSource")))?;
        let source = self.logical_source(&source_node)?;
        let subjects = self.objects(node, "subjectMap");
        let shortcut = self.objects(node, "subject");
        let subject = match (subjects.as_slice(), shortcut.as_slice()) {
            ([map], []) => self.term_map(map, Role::Subject)?,
            ([], [constant]) => TermMap {
                value: Value::Constant(constant.clone()),
                term_type: TermType::Iri,
                datatype: None,
                language: None,
            },
            ([], []) => return Err(RmlError::Mapping(format!("triples map {name} has no subject map"))),
            _ => return Err(RmlError::Mapping(format!("triples map {name} has more than one subject map"))),
        };
        let (classes, subject_graphs) = match subjects.first() {
            Some(map) => (
                self.objects(map, "class")
                    .into_iter()
                    .map(|c| match c {
                        Term::NamedNode(n) => Ok(n),
                        other => Err(RmlError::Mapping(format!("rml:class {other} is not an IRI"))),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                self.graph_maps(map)?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        if subject.term_type == TermType::Literal {
            return Err(RmlError::Mapping(format!("triples map {name}: a subject cannot be a literal")));
        }
        let mut predicate_objects = Vec::new();
        for pom in self.objects(node, "predicateObjectMap") {
            let mut predicates: Vec<TermMap> = self
                .objects(&pom, "predicateMap")
                .iter()
                .map(|m| self.term_map(m, Role::Predicate))
                .collect::<Result<_, _>>()?;
            for constant in self.objects(&pom, "predicate") {
                predicates.push(TermMap {
                    value: Value::Constant(constant),
                    term_type: TermType::Iri,
                    datatype: None,
                    language: None,
                });
            }
            let mut objects = Vec::new();
            for map in self.objects(&pom, "objectMap") {
                objects.push(self.object_map(&map, all)?);
            }
            for constant in self.objects(&pom, "object") {
                let term_type = if matches!(constant, Term::Literal(_)) { TermType::Literal } else { TermType::Iri };
                objects.push(ObjectMap::Term(TermMap {
                    value: Value::Constant(constant),
                    term_type,
                    datatype: None,
                    language: None,
                }));
            }
            if predicates.is_empty() || objects.is_empty() {
                return Err(RmlError::Mapping(format!(
                    "a predicate-object map of {name} lacks its predicate or object"
                )));
            }
            predicate_objects.push(PredicateObjectMap { predicates, objects, graphs: self.graph_maps(&pom)? });
        }
        let base_iri = self.object(node, "baseIRI")?.map(|t| term_text(&t));
        Ok(TriplesMap { name, source, subject, classes, subject_graphs, predicate_objects, base_iri })
    }

    fn logical_source(&self, node: &Term) -> Result<LogicalSource, RmlError> {
        let formulation = match self.object(node, "referenceFormulation")? {
            Some(Term::NamedNode(n)) if n.as_str() == format!("{RML}JSONPath") => Formulation::JsonPath,
            Some(Term::NamedNode(n)) if n.as_str() == format!("{RML}XPath") => Formulation::XPath,
            Some(other) => {
                return Err(RmlError::Mapping(format!(
                    "reference formulation {other} is not supported (JSONPath, XPath)"
                )));
            }
            None => return Err(RmlError::Mapping("logical source has no rml:referenceFormulation".to_owned())),
        };
        let source = match self.object(node, "source")? {
            Some(Term::Literal(path)) => Some(path.value().to_owned()),
            Some(source) => self.string(&source, "path")?,
            None => None,
        };
        Ok(LogicalSource { source, formulation, iterator: self.string(node, "iterator")? })
    }

    fn graph_maps(&self, node: &Term) -> Result<Vec<TermMap>, RmlError> {
        let mut graphs: Vec<TermMap> =
            self.objects(node, "graphMap").iter().map(|m| self.term_map(m, Role::Graph)).collect::<Result<_, _>>()?;
        for constant in self.objects(node, "graph") {
            graphs.push(TermMap {
                value: Value::Constant(constant),
                term_type: TermType::Iri,
                datatype: None,
                language: None,
            });
        }
        for graph in &graphs {
            if graph.term_type == TermType::Literal {
                return Err(RmlError::Mapping("a graph map cannot produce a literal".to_owned()));
            }
        }
        Ok(graphs)
    }

    fn object_map(&self, node: &Term, all: &[Term]) -> Result<ObjectMap, RmlError> {
        if let Some(parent) = self.object(node, "parentTriplesMap")? {
            let index = all
                .iter()
                .position(|t| *t == parent)
                .ok_or_else(|| RmlError::Mapping(format!("rml:parentTriplesMap {parent} is not a triples map")))?;
            let mut joins = Vec::new();
            for condition in self.objects(node, "joinCondition") {
                let child = self.join_side(&condition, "child", "childMap")?;
                let parent = self.join_side(&condition, "parent", "parentMap")?;
                joins.push((child, parent));
            }
            return Ok(ObjectMap::Parent { triples_map: index, joins });
        }
        Ok(ObjectMap::Term(self.term_map(node, Role::Object)?))
    }

    fn join_side(&self, condition: &Term, shortcut: &str, map: &str) -> Result<TermMap, RmlError> {
        if let Some(reference) = self.string(condition, shortcut)? {
            return Ok(TermMap {
                value: Value::Reference(reference),
                term_type: TermType::Literal,
                datatype: None,
                language: None,
            });
        }
        let node = self
            .object(condition, map)?
            .ok_or_else(|| RmlError::Mapping(format!("a join condition lacks rml:{shortcut} or rml:{map}")))?;
        let mut term_map = self.term_map(&node, Role::Object)?;
        term_map.term_type = TermType::Literal;
        Ok(term_map)
    }

    fn term_map(&self, node: &Term, role: Role) -> Result<TermMap, RmlError> {
        let constant = self.object(node, "constant")?;
        let reference = self.string(node, "reference")?;
        let template = self.string(node, "template")?;
        let blank = self.object(node, "termType")?.is_some_and(|t| t.to_string() == format!("<{RML}BlankNode>"));
        let value = match (constant, reference, template) {
            (Some(c), None, None) => Value::Constant(c),
            (None, Some(r), None) => Value::Reference(r),
            (None, None, Some(t)) => Value::Template(Template::parse(&t).map_err(RmlError::Mapping)?),
            (None, None, None) if blank => Value::Fresh,
            _ => {
                return Err(RmlError::Mapping(format!(
                    "term map {node} needs exactly one of rml:constant, rml:reference, rml:template"
                )));
            }
        };
        let datatype = match (self.object(node, "datatype")?, self.object(node, "datatypeMap")?) {
            (Some(constant), _) => Some(Box::new(TermMap {
                value: Value::Constant(constant),
                term_type: TermType::Iri,
                datatype: None,
                language: None,
            })),
            (None, Some(map)) => Some(Box::new(self.term_map(&map, Role::Datatype)?)),
            (None, None) => None,
        };
        let language = match (self.object(node, "language")?, self.object(node, "languageMap")?) {
            (Some(Term::Literal(tag)), _) => {
                let tag = tag.value();
                if !valid_language_tag(tag) {
                    return Err(RmlError::Mapping(format!("`{tag}` is not a valid language tag")));
                }
                Some(Box::new(TermMap {
                    value: Value::Constant(Term::Literal(oxigraph::model::Literal::new_simple_literal(tag))),
                    term_type: TermType::Literal,
                    datatype: None,
                    language: None,
                }))
            }
            (Some(other), _) => return Err(RmlError::Mapping(format!("rml:language {other} is not a literal"))),
            (None, Some(map)) => Some(Box::new(self.term_map(&map, Role::Language)?)),
            (None, None) => None,
        };
        let explicit = match self.object(node, "termType")? {
            Some(Term::NamedNode(n)) => Some(match n.as_str().strip_prefix(RML) {
                Some("IRI") => TermType::Iri,
                Some("URI") => TermType::Uri,
                Some("UnsafeIRI") => TermType::UnsafeIri,
                Some("BlankNode") => TermType::BlankNode,
                Some("Literal") => TermType::Literal,
                _ => return Err(RmlError::Mapping(format!("unknown rml:termType {n}"))),
            }),
            Some(other) => return Err(RmlError::Mapping(format!("rml:termType {other} is not an IRI"))),
            None => None,
        };
        let term_type = match (explicit, &value) {
            (Some(t), _) => t,
            (None, Value::Constant(Term::Literal(_))) => TermType::Literal,
            (None, Value::Constant(Term::BlankNode(_))) => TermType::BlankNode,
            (None, Value::Constant(_)) => TermType::Iri,
            (None, Value::Reference(_)) if role == Role::Object => TermType::Literal,
            (None, _) if role == Role::Object && (datatype.is_some() || language.is_some()) => TermType::Literal,
            (None, _) if matches!(role, Role::Datatype | Role::Language) => TermType::Literal,
            (None, _) => TermType::Iri,
        };
        if (datatype.is_some() || language.is_some()) && term_type != TermType::Literal {
            return Err(RmlError::Mapping(format!("term map {node} has a datatype or language but is not a literal")));
        }
        if let (
            Value::Constant(Term::Literal(_)),
            TermType::Iri | TermType::Uri | TermType::BlankNode | TermType::UnsafeIri,
        ) = (&value, term_type)
        {
            return Err(RmlError::Mapping(format!(
                "term map {node}: a literal constant cannot be an IRI or blank node"
            )));
        }
        if role != Role::Object && term_type == TermType::Literal && matches!(role, Role::Subject | Role::Predicate) {
            return Err(RmlError::Mapping(format!("term map {node}: a subject or predicate cannot be a literal")));
        }
        if role == Role::Predicate && term_type == TermType::BlankNode {
            return Err(RmlError::Mapping(format!("term map {node}: a predicate cannot be a blank node")));
        }
        Ok(TermMap { value, term_type, datatype, language })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Subject,
    Predicate,
    Object,
    Graph,
    Datatype,
    Language,
}

fn as_subject(term: &Term) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        Term::NamedNode(n) => Some(n.into()),
        Term::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

fn term_text(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// BCP 47 well-formedness, enough to refuse `a-english` and the like.
pub(crate) fn valid_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let Some(primary) = parts.next() else { return false };
    (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}
