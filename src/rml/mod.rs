//! An RML-Core engine for JSON (JSONPath) and XML (XPath) sources: the declarative lift of
//! documents into the ontology. The subset it implements is documented in
//! `mappings/formats/README.md`; the RML-Core test cases run in `tests/rml_core.rs`.
//!
//! Every generated quad carries the locations (JSON pointers or XPaths) of the source
//! values it was made from, which is the field-level provenance of a translation.

pub mod json;
pub mod lines;
pub mod mapping;
pub mod stream;
pub mod template;

use std::cell::RefCell;
use std::collections::HashMap;

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, QuadRef, Term};
use serde_json::Value as Json;

use crate::xml::{Document, XPath};
use json::JsonRef;
pub use mapping::{Formulation, Mapping, ObjectMap, TermMap, TermType, TriplesMap, Value};
use template::{Part, iri_safe, uri_safe};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RmlError {
    /// The mapping itself is wrong.
    #[error("mapping: {0}")]
    Mapping(String),
    /// The data cannot be mapped (an invalid IRI, a missing source...).
    #[error("{0}")]
    Data(String),
}

/// A value a reference selected.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    String(String),
    Integer(String),
    Double(String),
    Boolean(bool),
}

impl Scalar {
    pub fn lexical(&self) -> String {
        match self {
            Scalar::String(s) | Scalar::Integer(s) | Scalar::Double(s) => s.clone(),
            Scalar::Boolean(b) => b.to_string(),
        }
    }

    /// The natural RDF literal of a JSON value (RML-Core: numbers and booleans keep their type).
    fn natural_literal(&self) -> Literal {
        match self {
            Scalar::String(s) => Literal::new_simple_literal(s),
            Scalar::Integer(s) => Literal::new_typed_literal(s, xsd::INTEGER),
            Scalar::Double(s) => Literal::new_typed_literal(s, xsd::DOUBLE),
            Scalar::Boolean(b) => Literal::new_typed_literal(b.to_string(), xsd::BOOLEAN),
        }
    }
}

/// A value and where in the source it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub value: Scalar,
    /// JSON pointer or XPath; empty when locations are not tracked.
    pub location: String,
}

/// A parsed source document.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Json(&'a Json),
    Xml(&'a Document),
}

/// Receives generated quads with the source locations they were made from.
pub trait Sink {
    fn quad(&mut self, quad: QuadRef<'_>, origin: &[String]) -> Result<(), RmlError>;
}

/// Collects quads (duplicates kept; compare as sets).
impl Sink for Vec<Quad> {
    fn quad(&mut self, quad: QuadRef<'_>, _origin: &[String]) -> Result<(), RmlError> {
        self.push(quad.into_owned());
        Ok(())
    }
}

/// Writes quads in an RDF syntax as they come (N-Triples for bulk lifts).
pub struct WriterSink<W: std::io::Write> {
    output: Output<W>,
    pub quads: u64,
}

enum Output<W: std::io::Write> {
    /// N-Triples or N-Quads (`with_graph`), written by [`lines`].
    Lines {
        writer: W,
        with_graph: bool,
    },
    Serializer(Box<oxigraph::io::WriterQuadSerializer<W>>),
}

impl<W: std::io::Write> WriterSink<W> {
    pub fn new(format: oxigraph::io::RdfFormat, writer: W) -> Self {
        use oxigraph::io::RdfFormat;
        let output = match format {
            RdfFormat::NTriples => Output::Lines { writer, with_graph: false },
            RdfFormat::NQuads => Output::Lines { writer, with_graph: true },
            _ => Output::Serializer(Box::new(oxigraph::io::RdfSerializer::from_format(format).for_writer(writer))),
        };
        Self { output, quads: 0 }
    }

    pub fn finish(self) -> std::io::Result<W> {
        match self.output {
            Output::Lines { writer, .. } => Ok(writer),
            Output::Serializer(serializer) => serializer.finish(),
        }
    }
}

impl<W: std::io::Write> Sink for WriterSink<W> {
    fn quad(&mut self, quad: QuadRef<'_>, _origin: &[String]) -> Result<(), RmlError> {
        self.quads += 1;
        match &mut self.output {
            Output::Lines { writer, with_graph } => lines::write_quad(writer, quad, *with_graph),
            Output::Serializer(serializer) => serializer.serialize_quad(quad),
        }
        .map_err(|e| RmlError::Data(format!("cannot write the output: {e}")))
    }
}

/// An iteration item of a logical source.
#[derive(Debug, Clone)]
enum Item<'a> {
    Json { node: &'a Json, pointer: String },
    Xml { document: &'a Document, element: usize },
}

/// A mapping ready to run: references compiled once.
pub struct Engine {
    mapping: Mapping,
    base_iri: String,
    json: HashMap<String, JsonRef>,
    xpath: HashMap<String, XPath>,
    track_locations: bool,
}

/// Terms with the source locations they were made from.
type Generated = Vec<(Term, Vec<String>)>;

impl Engine {
    /// Compiles every iterator and reference of the mapping. `base_iri` resolves
    /// relative IRIs the mapping generates (unless a triples map has its own `rml:baseIRI`).
    pub fn new(mapping: Mapping, base_iri: &str) -> Result<Self, RmlError> {
        let mut engine = Self {
            mapping,
            base_iri: base_iri.to_owned(),
            json: HashMap::new(),
            xpath: HashMap::new(),
            track_locations: true,
        };
        let mut expressions: Vec<(Formulation, String)> = Vec::new();
        for tm in &engine.mapping.triples_maps {
            let formulation = tm.source.formulation;
            expressions.push((formulation, tm.source.iterator.clone().unwrap_or_else(|| root_iterator(formulation))));
            let mut maps: Vec<&TermMap> = vec![&tm.subject];
            maps.extend(&tm.subject_graphs);
            for pom in &tm.predicate_objects {
                maps.extend(&pom.predicates);
                maps.extend(&pom.graphs);
                for object in &pom.objects {
                    match object {
                        ObjectMap::Term(map) => maps.push(map),
                        ObjectMap::Parent { triples_map, joins } => {
                            let parent = engine.mapping.triples_maps[*triples_map].source.formulation;
                            for (child_side, parent_side) in joins {
                                maps.push(child_side);
                                collect_references(parent_side, parent, &mut expressions);
                            }
                        }
                    }
                }
            }
            for map in maps {
                collect_references(map, formulation, &mut expressions);
            }
        }
        for (formulation, expression) in expressions {
            match formulation {
                Formulation::JsonPath => {
                    if let std::collections::hash_map::Entry::Vacant(entry) = engine.json.entry(expression) {
                        let compiled = JsonRef::compile(entry.key())?;
                        entry.insert(compiled);
                    }
                }
                Formulation::XPath => {
                    if let std::collections::hash_map::Entry::Vacant(entry) = engine.xpath.entry(expression) {
                        let compiled = XPath::parse(entry.key()).map_err(RmlError::Mapping)?;
                        entry.insert(compiled);
                    }
                }
            }
        }
        Ok(engine)
    }

    /// Skips computing source locations (for bulk lifting, where nobody reads them).
    pub fn without_locations(mut self) -> Self {
        self.track_locations = false;
        self
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Runs every triples map. `source` gives the parsed document a logical source names
    /// (its `rml:path`, or `None` when it names none).
    pub fn run<'a>(
        &self,
        source: &dyn Fn(Option<&str>) -> Result<Source<'a>, RmlError>,
        sink: &mut dyn Sink,
    ) -> Result<(), RmlError> {
        let joins: RefCell<HashMap<(usize, usize, usize), JoinIndex>> = RefCell::new(HashMap::new());
        for (index, tm) in self.mapping.triples_maps.iter().enumerate() {
            let document = source(tm.source.source.as_deref())?;
            for item in self.items(tm, document)? {
                self.map_item(index, tm, &item, source, sink, &joins)?;
            }
        }
        Ok(())
    }

    fn items<'a>(&self, tm: &TriplesMap, document: Source<'a>) -> Result<Vec<Item<'a>>, RmlError> {
        let iterator = tm.source.iterator.clone().unwrap_or_else(|| root_iterator(tm.source.formulation));
        match (tm.source.formulation, document) {
            (Formulation::JsonPath, Source::Json(root)) => {
                let compiled = &self.json[&iterator];
                Ok(compiled
                    .select(root, "", true)
                    .into_iter()
                    .map(|(node, pointer)| Item::Json { node, pointer })
                    .collect())
            }
            (Formulation::XPath, Source::Xml(document)) => {
                let compiled = &self.xpath[&iterator];
                Ok(compiled
                    .select(document, 0)
                    .into_iter()
                    .map(|s| Item::Xml { document, element: s.element() })
                    .collect())
            }
            (Formulation::JsonPath, Source::Xml(_)) => {
                Err(RmlError::Data(format!("triples map {} reads JSON but the source is XML", tm.name)))
            }
            (Formulation::XPath, Source::Json(_)) => {
                Err(RmlError::Data(format!("triples map {} reads XML but the source is JSON", tm.name)))
            }
        }
    }

    fn map_item<'a>(
        &self,
        index: usize,
        tm: &TriplesMap,
        item: &Item<'_>,
        source: &dyn Fn(Option<&str>) -> Result<Source<'a>, RmlError>,
        sink: &mut dyn Sink,
        joins: &RefCell<HashMap<(usize, usize, usize), JoinIndex>>,
    ) -> Result<(), RmlError> {
        let base = tm.base_iri.as_deref().unwrap_or(&self.base_iri);
        let subjects = self.generate(&tm.subject, item, base)?;
        if subjects.is_empty() {
            return Ok(());
        }
        let subject_graphs = self.graphs(&tm.subject_graphs, item, base)?;
        for (subject, subject_origin) in &subjects {
            let subject = subject_node(subject)?;
            for class in &tm.classes {
                for graph in &subject_graphs {
                    let quad = QuadRef::new(subject.as_ref(), rdf::TYPE, class.as_ref(), graph.as_ref());
                    sink.quad(quad, subject_origin)?;
                }
            }
            for (pom_index, pom) in tm.predicate_objects.iter().enumerate() {
                let mut graphs = subject_graphs.clone();
                let pom_graphs = self.graphs(&pom.graphs, item, base)?;
                if !pom.graphs.is_empty() {
                    if tm.subject_graphs.is_empty() {
                        graphs = pom_graphs;
                    } else {
                        graphs.extend(pom_graphs);
                    }
                }
                graphs.dedup();
                let mut predicates = Vec::new();
                for map in &pom.predicates {
                    for (term, _) in self.generate(map, item, base)? {
                        match term {
                            Term::NamedNode(n) => predicates.push(n),
                            other => return Err(RmlError::Data(format!("predicate {other} is not an IRI"))),
                        }
                    }
                }
                for (object_index, object) in pom.objects.iter().enumerate() {
                    let objects = match object {
                        ObjectMap::Term(map) => self.generate(map, item, base)?,
                        ObjectMap::Parent { triples_map, joins: conditions } => self.parents(
                            *triples_map,
                            conditions,
                            item,
                            source,
                            joins,
                            (index, pom_index, object_index),
                        )?,
                    };
                    for (term, object_origin) in &objects {
                        for predicate in &predicates {
                            for graph in &graphs {
                                let quad =
                                    QuadRef::new(subject.as_ref(), predicate.as_ref(), term.as_ref(), graph.as_ref());
                                sink.quad(quad, object_origin)?;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn graphs(&self, maps: &[TermMap], item: &Item<'_>, base: &str) -> Result<Vec<GraphName>, RmlError> {
        if maps.is_empty() {
            return Ok(vec![GraphName::DefaultGraph]);
        }
        let mut graphs = Vec::new();
        for map in maps {
            for (term, _) in self.generate(map, item, base)? {
                graphs.push(match term {
                    Term::NamedNode(n) if n.as_str().strip_prefix(mapping::RML) == Some("defaultGraph") => {
                        GraphName::DefaultGraph
                    }
                    Term::NamedNode(n) => GraphName::NamedNode(n),
                    Term::BlankNode(b) => GraphName::BlankNode(b),
                    other => return Err(RmlError::Data(format!("graph {other} is not an IRI"))),
                });
            }
        }
        Ok(graphs)
    }

    /// The parent triples map's subjects an object map refers to, joined on its conditions.
    fn parents<'a>(
        &self,
        parent: usize,
        conditions: &[(TermMap, TermMap)],
        item: &Item<'_>,
        source: &dyn Fn(Option<&str>) -> Result<Source<'a>, RmlError>,
        joins: &RefCell<HashMap<(usize, usize, usize), JoinIndex>>,
        key: (usize, usize, usize),
    ) -> Result<Generated, RmlError> {
        let parent_tm = &self.mapping.triples_maps[parent];
        let parent_base = parent_tm.base_iri.as_deref().unwrap_or(&self.base_iri);
        if conditions.is_empty() {
            // Same logical source: the parent's subject of this very item.
            return self.generate(&parent_tm.subject, item, parent_base);
        }
        if !joins.borrow().contains_key(&key) {
            let document = source(parent_tm.source.source.as_deref())?;
            let mut index: JoinIndex = HashMap::new();
            for parent_item in self.items(parent_tm, document)? {
                let subjects = self.generate(&parent_tm.subject, &parent_item, parent_base)?;
                let mut keys: Vec<Vec<String>> = vec![Vec::new()];
                for (_, parent_side) in conditions {
                    let values = self.lexical_values(parent_side, &parent_item, parent_base)?;
                    keys = keys
                        .into_iter()
                        .flat_map(|k| values.iter().map(move |v| [k.clone(), vec![v.clone()]].concat()))
                        .collect();
                }
                for k in keys {
                    index.entry(k).or_default().extend(subjects.iter().cloned());
                }
            }
            joins.borrow_mut().insert(key, index);
        }
        let base = self.base_iri.clone();
        let mut keys: Vec<Vec<String>> = vec![Vec::new()];
        for (child_side, _) in conditions {
            let values = self.lexical_values(child_side, item, &base)?;
            keys = keys
                .into_iter()
                .flat_map(|k| values.iter().map(move |v| [k.clone(), vec![v.clone()]].concat()))
                .collect();
        }
        let index = joins.borrow();
        let found = &index[&key];
        let mut out = Vec::new();
        for k in keys {
            if let Some(subjects) = found.get(&k) {
                out.extend(subjects.iter().cloned());
            }
        }
        Ok(out)
    }

    fn lexical_values(&self, map: &TermMap, item: &Item<'_>, base: &str) -> Result<Vec<String>, RmlError> {
        Ok(self
            .generate(map, item, base)?
            .into_iter()
            .map(|(term, _)| match term {
                Term::Literal(l) => l.value().to_owned(),
                Term::NamedNode(n) => n.into_string(),
                other => other.to_string(),
            })
            .collect())
    }

    /// The values of a reference on an item.
    fn values(&self, reference: &str, item: &Item<'_>) -> Result<Vec<Found>, RmlError> {
        match item {
            Item::Json { node, pointer } => json::values(&self.json[reference], node, pointer, self.track_locations),
            Item::Xml { document, element } => Ok(self.xpath[reference]
                .select(document, *element)
                .into_iter()
                .map(|selected| {
                    let (value, location) = selected.value(document);
                    Found {
                        value: Scalar::String(value),
                        location: if self.track_locations { location } else { String::new() },
                    }
                })
                .collect()),
        }
    }

    /// The terms a term map generates on an item.
    fn generate(&self, map: &TermMap, item: &Item<'_>, base: &str) -> Result<Generated, RmlError> {
        let raw: Vec<(Scalar, Vec<String>, bool)> = match &map.value {
            Value::Constant(term) => return Ok(vec![(term.clone(), Vec::new())]),
            Value::Fresh => return Ok(vec![(Term::BlankNode(BlankNode::default()), Vec::new())]),
            Value::Reference(reference) => self
                .values(reference, item)?
                .into_iter()
                // No origin vector at all when locations are not tracked (the bulk lift).
                .map(|f| (f.value, if self.track_locations { vec![f.location] } else { Vec::new() }, true))
                .collect(),
            Value::Template(template) => {
                let encode = map.term_type;
                let mut results: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
                for part in &template.parts {
                    match part {
                        Part::Text(text) => results.iter_mut().for_each(|(s, _)| s.push_str(text)),
                        Part::Reference(reference) => {
                            let found = self.values(reference, item)?;
                            if found.is_empty() {
                                return Ok(Vec::new());
                            }
                            let mut next = Vec::with_capacity(results.len() * found.len());
                            for (prefix, origin) in &results {
                                for f in &found {
                                    let mut s = prefix.clone();
                                    match encode {
                                        TermType::Iri => iri_safe(&f.value.lexical(), &mut s),
                                        TermType::Uri => uri_safe(&f.value.lexical(), &mut s),
                                        _ => s.push_str(&f.value.lexical()),
                                    }
                                    let mut o = origin.clone();
                                    if self.track_locations {
                                        o.push(f.location.clone());
                                    }
                                    next.push((s, o));
                                }
                            }
                            results = next;
                        }
                    }
                }
                results.into_iter().map(|(s, o)| (Scalar::String(s), o, false)).collect()
            }
        };
        // An IRI-safe template that always makes valid absolute IRIs needs no per-value check.
        let prevalidated = matches!(&map.value, Value::Template(t) if t.valid_iri) && map.term_type == TermType::Iri;
        let mut terms = Vec::with_capacity(raw.len());
        for (value, origin, from_reference) in raw {
            let term = match map.term_type {
                TermType::Iri if prevalidated => Term::NamedNode(NamedNode::new_unchecked(value.lexical())),
                TermType::Iri | TermType::Uri => Term::NamedNode(iri(&value.lexical(), base)?),
                // An unsafe IRI is written as generated, valid or not (RML-Core `rml:UnsafeIRI`).
                TermType::UnsafeIri => Term::NamedNode(unsafe_iri(&value.lexical(), base)),
                TermType::BlankNode => Term::BlankNode(blank_node(&value.lexical())),
                TermType::Literal => Term::Literal(self.literal(map, value, from_reference, item, base)?),
            };
            terms.push((term, origin));
        }
        Ok(terms)
    }

    fn literal(
        &self,
        map: &TermMap,
        value: Scalar,
        from_reference: bool,
        item: &Item<'_>,
        base: &str,
    ) -> Result<Literal, RmlError> {
        if let Some(language) = &map.language {
            let tags = self.lexical_values(language, item, base)?;
            let tag = tags.first().ok_or_else(|| RmlError::Data("the language map produced no tag".to_owned()))?;
            if !mapping::valid_language_tag(tag) {
                return Err(RmlError::Data(format!("`{tag}` is not a valid language tag")));
            }
            return Literal::new_language_tagged_literal(value.lexical(), tag)
                .map_err(|e| RmlError::Data(e.to_string()));
        }
        if let Some(datatype) = &map.datatype {
            let generated = self.generate(datatype, item, base)?;
            let datatype = match generated.into_iter().next() {
                Some((Term::NamedNode(n), _)) => n,
                Some((Term::Literal(l), _)) => iri(l.value(), base)?,
                _ => return Err(RmlError::Data("the datatype map produced no IRI".to_owned())),
            };
            return Ok(Literal::new_typed_literal(value.lexical(), datatype));
        }
        Ok(if from_reference { value.natural_literal() } else { Literal::new_simple_literal(value.lexical()) })
    }
}

type JoinIndex = HashMap<Vec<String>, Generated>;

fn root_iterator(formulation: Formulation) -> String {
    match formulation {
        Formulation::JsonPath => "$".to_owned(),
        Formulation::XPath => "/*".to_owned(),
    }
}

fn collect_references(map: &TermMap, formulation: Formulation, out: &mut Vec<(Formulation, String)>) {
    match &map.value {
        Value::Reference(r) => out.push((formulation, r.clone())),
        Value::Template(t) => out.extend(t.references().map(|r| (formulation, r.to_owned()))),
        Value::Constant(_) | Value::Fresh => {}
    }
    for inner in [&map.datatype, &map.language].into_iter().flatten() {
        collect_references(inner, formulation, out);
    }
}

fn subject_node(term: &Term) -> Result<NamedOrBlankNode, RmlError> {
    match term {
        Term::NamedNode(n) => Ok(n.clone().into()),
        Term::BlankNode(b) => Ok(b.clone().into()),
        other => Err(RmlError::Data(format!("subject {other} is not an IRI or blank node"))),
    }
}

/// An IRI from a generated string: absolute as it is, else resolved against `base`.
fn iri(value: &str, base: &str) -> Result<NamedNode, RmlError> {
    let candidate = resolve(value, base);
    NamedNode::new(&candidate).map_err(|e| RmlError::Data(format!("`{candidate}` is not a valid IRI: {e}")))
}

fn unsafe_iri(value: &str, base: &str) -> NamedNode {
    NamedNode::new_unchecked(resolve(value, base))
}

fn resolve(value: &str, base: &str) -> String {
    let absolute = value.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if absolute { value.to_owned() } else { format!("{base}{value}") }
}

/// A blank node whose label is derived from the value, so equal values give the same node.
fn blank_node(value: &str) -> BlankNode {
    let mut label = String::from("b");
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            label.push(c);
        } else {
            for byte in c.to_string().bytes() {
                label.push_str(&format!("_{byte:02x}"));
            }
        }
    }
    BlankNode::new_unchecked(label)
}
