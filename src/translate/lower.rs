//! Lowering: the target profile's field table read over the lifted graph, producing the
//! target document in its JSON form and one report line per target field. Concepts from
//! another jurisdiction cross the crosswalks here; a value that crossed anything but an
//! `equal` row is reported as approximate, never as exact.

use std::collections::{BTreeSet, HashMap};

use oxigraph::model::{Graph, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use serde_json::{Map, Value as Json};

use super::align::{CrosswalkIndex, CrosswalkUse};
use super::lift::{Lifted, SELF};
use super::report::{FieldReport, Status};
use crate::formats::{Field, FieldType, Profile};

/// The result of lowering: the document and what happened to each field.
pub struct Lowered {
    pub document: Json,
    pub fields: Vec<FieldReport>,
    /// Source locations some target field used.
    pub consumed: BTreeSet<String>,
}

pub fn lower(target: &Profile, lifted: &Lifted, crosswalks: &CrosswalkIndex) -> Lowered {
    let mut lowerer = Lowerer {
        graph: &lifted.graph,
        origins: &lifted.origins,
        crosswalks,
        fields: Vec::new(),
        consumed: BTreeSet::new(),
    };
    let root = Term::NamedNode(NamedNode::new_unchecked(SELF));
    let document = lowerer.object(&target.fields, &root, "");
    let mut ordered = Map::new();
    ordered.insert("profile".to_owned(), Json::String(target.id.0.clone()));
    ordered.extend(document);
    Lowered { document: Json::Object(ordered), fields: lowerer.fields, consumed: lowerer.consumed }
}

struct Lowerer<'a> {
    graph: &'a Graph,
    origins: &'a HashMap<Triple, Vec<String>>,
    crosswalks: &'a CrosswalkIndex,
    fields: Vec<FieldReport>,
    consumed: BTreeSet<String>,
}

/// A value reached by a path, with the locations of the triple that gave it.
struct Reached {
    term: Term,
    origins: Vec<String>,
}

impl Lowerer<'_> {
    fn object(&mut self, fields: &[Field], node: &Term, pointer: &str) -> Map<String, Json> {
        let mut object = Map::new();
        for field in fields {
            let key = field.pointer.trim_start_matches('/').to_owned();
            let here = format!("{pointer}/{key}");
            if let Some(value) = self.field(field, node, &here) {
                object.insert(key, value);
            }
        }
        object
    }

    fn field(&mut self, field: &Field, node: &Term, pointer: &str) -> Option<Json> {
        let mut reached = self.walk(node, field);
        // Keep the source's order for repeated values: by the location they came from.
        reached.sort_by(|a, b| {
            natural(a.origins.first())
                .cmp(&natural(b.origins.first()))
                .then_with(|| a.term.to_string().cmp(&b.term.to_string()))
        });
        if !field.fields.is_empty() {
            if reached.is_empty() {
                self.missing(field, pointer, None);
                return None;
            }
            let items: Vec<Json> = reached
                .iter()
                .enumerate()
                .take(if field.array { usize::MAX } else { 1 })
                .map(|(i, r)| {
                    let item_pointer = if field.array { format!("{pointer}/{i}") } else { pointer.to_owned() };
                    Json::Object(self.object(&field.fields, &r.term, &item_pointer))
                })
                .collect();
            return Some(if field.array { Json::Array(items) } else { items.into_iter().next()? });
        }
        let mut values = Vec::new();
        let mut seen = BTreeSet::new();
        for r in &reached {
            let item_pointer = if field.array { format!("{pointer}/{}", values.len()) } else { pointer.to_owned() };
            if let Some((value, report)) = self.scalar(field, r, &item_pointer)
                && seen.insert(value.to_string())
            {
                self.consumed.extend(r.origins.iter().cloned());
                self.fields.push(report);
                values.push(value);
                if !field.array {
                    break;
                }
            }
        }
        if values.is_empty() {
            let unusable = reached.first().map(|r| describe(&r.term));
            if let Some(default) = &field.default {
                let value = json_value(field, default);
                self.fields.push(FieldReport::new(field, pointer, Status::Defaulted).with_value(value.clone()));
                return Some(if field.array { Json::Array(vec![value]) } else { value });
            }
            self.missing(field, pointer, unusable);
            return None;
        }
        if !field.array
            && reached.len() > 1
            && let Some(last) = self.fields.last_mut()
        {
            last.note = Some(format!("{} values were found; the first is given", reached.len()));
        }
        Some(if field.array { Json::Array(values) } else { values.remove(0) })
    }

    fn missing(&mut self, field: &Field, pointer: &str, unusable: Option<String>) {
        let mut report = FieldReport::new(field, pointer, Status::Missing);
        if let Some(value) = unusable {
            report.note = Some(format!("the source says {value}, which has no counterpart the target accepts"));
        }
        self.fields.push(report);
    }

    /// A leaf value in the field's form, aligned through the crosswalks when it is a
    /// concept of another module.
    fn scalar(&self, field: &Field, reached: &Reached, pointer: &str) -> Option<(Json, FieldReport)> {
        let exact = |value: Json| {
            Some((
                value.clone(),
                FieldReport::new(field, pointer, Status::Exact).with_value(value).with_sources(&reached.origins),
            ))
        };
        match (field.field_type?, &reached.term) {
            (FieldType::Concept, Term::NamedNode(iri)) => {
                let namespace = field.concepts.as_deref()?;
                let allowed = |candidate: &str| {
                    candidate
                        .strip_prefix(namespace)
                        .is_some_and(|local| field.values.as_ref().is_none_or(|v| v.iter().any(|x| x == local)))
                };
                if allowed(iri.as_str()) {
                    return exact(Json::String(iri.as_str()[namespace.len()..].to_owned()));
                }
                let step: &CrosswalkUse = self.crosswalks.best(iri.as_str(), allowed)?;
                let value = Json::String(step.to[namespace.len()..].to_owned());
                let status =
                    if step.relation.is_exact() && !step.chained { Status::Exact } else { Status::Approximate };
                let report = FieldReport::new(field, pointer, status)
                    .with_value(value.clone())
                    .with_sources(&reached.origins)
                    .with_crosswalk(step.clone());
                Some((value, report))
            }
            (FieldType::Iri, Term::NamedNode(iri)) => exact(Json::String(iri.as_str().to_owned())),
            (_, Term::Literal(literal)) => exact(literal_value(field.field_type?, literal)?),
            _ => None,
        }
    }

    /// The terms at the end of the field's path from `node`.
    fn walk(&self, node: &Term, field: &Field) -> Vec<Reached> {
        let mut current = vec![Reached { term: node.clone(), origins: Vec::new() }];
        for step in &field.path {
            let mut next = Vec::new();
            for r in &current {
                if step.inverse {
                    for subject in self.graph.subjects_for_predicate_object(&step.predicate, &r.term) {
                        let subject = subject.into_owned();
                        let triple = Triple::new(subject.clone(), step.predicate.clone(), r.term.clone());
                        next.push(Reached {
                            term: subject.into(),
                            origins: self.origins.get(&triple).cloned().unwrap_or_default(),
                        });
                    }
                } else if let Some(subject) = as_subject(&r.term) {
                    for object in self.graph.objects_for_subject_predicate(&subject, &step.predicate) {
                        let object = object.into_owned();
                        let triple = Triple::new(subject.clone(), step.predicate.clone(), object.clone());
                        next.push(Reached {
                            term: object,
                            origins: self.origins.get(&triple).cloned().unwrap_or_default(),
                        });
                    }
                }
            }
            current = next;
        }
        current
    }
}

fn as_subject(term: &Term) -> Option<NamedOrBlankNode> {
    match term {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        _ => None,
    }
}

/// A literal in the field's JSON type; `None` when it cannot be read as that type.
fn literal_value(field_type: FieldType, literal: &Literal) -> Option<Json> {
    let text = literal.value();
    Some(match field_type {
        FieldType::Integer => Json::from(text.parse::<i64>().ok()?),
        FieldType::Number => serde_json::Number::from_f64(text.parse::<f64>().ok()?).map(Json::Number)?,
        FieldType::Boolean => Json::Bool(match text {
            "true" | "1" => true,
            "false" | "0" => false,
            _ => return None,
        }),
        FieldType::Date => Json::String(text.get(..10).filter(|d| d.len() == 10).unwrap_or(text).to_owned()),
        _ => Json::String(text.to_owned()),
    })
}

/// A default from the profile in the field's JSON type.
fn json_value(field: &Field, text: &str) -> Json {
    match field.field_type {
        Some(FieldType::Integer) => text.parse::<i64>().map_or_else(|_| Json::String(text.to_owned()), Json::from),
        Some(FieldType::Boolean) => text.parse::<bool>().map_or_else(|_| Json::String(text.to_owned()), Json::Bool),
        _ => Json::String(text.to_owned()),
    }
}

fn describe(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => format!("`{}`", n.as_str()),
        Term::Literal(l) => format!("`{}`", l.value()),
        other => other.to_string(),
    }
}

/// Orders JSON pointers with numbers compared as numbers (`/a/2` before `/a/10`).
fn natural(location: Option<&String>) -> Vec<(u64, String)> {
    location
        .map(|l| {
            l.split(['/', '[', ']']).map(|part| (part.parse::<u64>().unwrap_or(u64::MAX), part.to_owned())).collect()
        })
        .unwrap_or_default()
}
