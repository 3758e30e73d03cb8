//! Linked-data publishing: what a govgate IRI shows when it is dereferenced. Every IRI
//! under `https://w3id.org/govgate/` resolves on a govgate server at the same path: a hash
//! namespace (`/core`, `/j/cn/genai`) to the document describing all its terms, a slash
//! IRI (`/eli/cn/pipl/art_38`) to its own description, a mapping set (`/mappings/<set>`) to
//! its crosswalk rows. Only public graphs are read. No HTTP here: `http::linked` negotiates
//! HTML ([`html`]) or RDF for the [`Page`] this module builds.

pub mod html;

use std::collections::{BTreeMap, BTreeSet};

use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{Graph, GraphName, NamedNode, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef, Triple};

use crate::store::{Store, StoreError};

/// The root of every IRI govgate mints; a server publishes `<ROOT><path>` at `<path>`.
pub const ROOT: &str = "https://w3id.org/govgate";

const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const OWL: &str = "http://www.w3.org/2002/07/owl#";
const GG: &str = "https://w3id.org/govgate/core#";
const ELI: &str = "http://data.europa.eu/eli/ontology#";
const SSSOM: &str = "https://w3id.org/sssom/";
const GGM: &str = "https://w3id.org/govgate/mapping#";
const GRAPH_MAPPINGS: &str = "https://w3id.org/govgate/graph/mappings/";

/// What a dereferenced path is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageKind {
    /// A hash namespace: one document for all the terms `<iri>#…`.
    Namespace,
    /// One resource with a slash IRI.
    Resource,
    /// One crosswalk mapping set.
    MappingSet { set: String, graph: NamedNode },
    /// The mapping-row namespace: an index of the mapping sets.
    MappingIndex,
}

/// A dereferenced IRI: its terms for people and its triples for machines.
#[derive(Debug)]
pub struct Page {
    pub iri: String,
    pub kind: PageKind,
    pub title: String,
    /// The document's own description (an `owl:Ontology` header, an instrument).
    pub header: Option<Description>,
    pub terms: Vec<Description>,
    /// Mapping sets, for the mapping index.
    pub sets: Vec<(String, NamedNode)>,
    pub graph: Graph,
}

/// Everything a page says about one term.
#[derive(Debug, Default)]
pub struct Description {
    pub iri: String,
    /// (text, language) of `skos:prefLabel`, then `rdfs:label`.
    pub labels: Vec<(String, String)>,
    pub alt_labels: Vec<(String, String)>,
    pub definitions: Vec<(String, String)>,
    pub types: Vec<Link>,
    /// `rdfs:subClassOf`, `rdfs:subPropertyOf` and `skos:broader`.
    pub broader: Vec<Link>,
    /// The provisions the term derives from or is defined by, with citation and date.
    pub provisions: Vec<Provision>,
    pub confidence: Option<Link>,
    /// Every other statement, in predicate order.
    pub other: Vec<(Link, Value)>,
    /// Statements made about this term by others (parts, derived duties), by predicate.
    pub incoming: Vec<(Link, Link)>,
    pub rows_out: Vec<Row>,
    pub rows_in: Vec<Row>,
}

/// An IRI with the label to show for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub iri: String,
    pub label: String,
}

/// An object: a link or a literal (text, language or datatype).
#[derive(Debug, Clone)]
pub enum Value {
    Link(Link),
    Literal { text: String, language: Option<String>, datatype: Option<String> },
    Blank(String),
}

#[derive(Debug, Clone)]
pub struct Provision {
    pub link: Link,
    pub citation: Option<String>,
    pub applies_from: Option<String>,
    pub confidence: Option<String>,
}

/// One crosswalk row, seen from one of its two ends.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub set: String,
    pub subject: Link,
    pub relation: String,
    pub object: Link,
    pub confidence: Option<String>,
    pub review_status: Option<String>,
    pub comment: Option<String>,
}

/// A reader over the public graphs.
struct View<'a> {
    store: &'a Store,
    public: BTreeSet<NamedNode>,
}

impl View<'_> {
    fn is_public(&self, graph: &GraphName) -> bool {
        matches!(graph, GraphName::NamedNode(n) if self.public.contains(n))
    }

    fn objects(&self, subject: NamedOrBlankNodeRef<'_>, predicate: &str) -> Result<Vec<Term>, StoreError> {
        let predicate = NamedNode::new_unchecked(predicate);
        let mut out = Vec::new();
        for quad in self.store.oxigraph().quads_for_pattern(Some(subject), Some(predicate.as_ref()), None, None) {
            let quad = quad.map_err(StoreError::from)?;
            if self.is_public(&quad.graph_name) && !out.contains(&quad.object) {
                out.push(quad.object);
            }
        }
        Ok(out)
    }

    fn subjects(
        &self,
        predicate: Option<&str>,
        object: TermRef<'_>,
    ) -> Result<Vec<(NamedNode, NamedOrBlankNode)>, StoreError> {
        let predicate = predicate.map(NamedNode::new_unchecked);
        let mut out = Vec::new();
        for quad in
            self.store.oxigraph().quads_for_pattern(None, predicate.as_ref().map(|p| p.as_ref()), Some(object), None)
        {
            let quad = quad.map_err(StoreError::from)?;
            if self.is_public(&quad.graph_name) && !out.contains(&(quad.predicate.clone(), quad.subject.clone())) {
                out.push((quad.predicate, quad.subject));
            }
        }
        Ok(out)
    }

    /// Every public statement about `subject`, and about the blank nodes it reaches (its
    /// concise bounded description).
    fn describe(&self, subject: NamedOrBlankNodeRef<'_>, into: &mut Graph) -> Result<(), StoreError> {
        let mut pending = vec![subject.into_owned()];
        let mut seen = BTreeSet::new();
        while let Some(node) = pending.pop() {
            if !seen.insert(node.to_string()) {
                continue;
            }
            for quad in self.store.oxigraph().quads_for_pattern(Some(node.as_ref()), None, None, None) {
                let quad = quad.map_err(StoreError::from)?;
                if !self.is_public(&quad.graph_name) {
                    continue;
                }
                if let Term::BlankNode(b) = &quad.object {
                    pending.push(b.clone().into());
                }
                into.insert(&Triple::new(quad.subject, quad.predicate, quad.object));
            }
        }
        Ok(())
    }

    fn text(&self, subject: NamedOrBlankNodeRef<'_>, predicate: &str) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .objects(subject, predicate)?
            .into_iter()
            .filter_map(|o| match o {
                Term::Literal(l) => Some((l.value().to_owned(), l.language().unwrap_or("").to_owned())),
                _ => None,
            })
            .collect())
    }

    /// The label to show for an IRI: English first, then any, then the IRI's local part.
    fn label(&self, iri: &str) -> Result<String, StoreError> {
        let node = NamedNode::new_unchecked(iri);
        for predicate in [format!("{SKOS}prefLabel"), rdfs::LABEL.as_str().to_owned(), format!("{GG}citation")] {
            let labels = self.text(node.as_ref().into(), &predicate)?;
            if let Some((text, _)) = labels.iter().find(|(_, l)| l == "en" || l.is_empty()).or(labels.first()) {
                return Ok(text.clone());
            }
        }
        Ok(local_name(iri).to_owned())
    }

    fn link(&self, iri: &str) -> Result<Link, StoreError> {
        Ok(Link { iri: iri.to_owned(), label: self.label(iri)? })
    }

    fn literal_of(&self, subject: &NamedNode, predicate: &str) -> Result<Option<String>, StoreError> {
        Ok(self.text(subject.as_ref().into(), predicate)?.into_iter().next().map(|(t, _)| t))
    }
}

/// The page at `path` (the part of the IRI after [`ROOT`]), or `None` when nothing public
/// has that IRI.
pub fn page(store: &Store, public_graphs: &[NamedNode], path: &str) -> Result<Option<Page>, StoreError> {
    let view = View { store, public: public_graphs.iter().cloned().collect() };
    let path = path.trim_end_matches('/');
    if let Some(set) = path.strip_prefix("/mappings/").filter(|s| !s.is_empty() && !s.contains('/')) {
        return mapping_set(&view, set);
    }
    if path == "/mapping" {
        return Ok(Some(mapping_index(&view)));
    }
    let iri = format!("{ROOT}{path}");
    if NamedNode::new(&iri).is_err() {
        return Ok(None);
    }
    let namespace = format!("{iri}#");
    // The terms of a hash namespace: public subjects whose IRI starts with `<iri>#`.
    let mut members = BTreeSet::new();
    for graph in &view.public {
        for quad in store.oxigraph().quads_for_pattern(None, Some(rdf::TYPE), None, Some(graph.as_ref().into())) {
            let quad = quad.map_err(StoreError::from)?;
            if let NamedOrBlankNode::NamedNode(n) = &quad.subject
                && n.as_str().starts_with(&namespace)
            {
                members.insert(n.clone());
            }
        }
    }
    let node = NamedNode::new_unchecked(&iri);
    let described = !view.objects(node.as_ref().into(), rdf::TYPE.as_str())?.is_empty()
        || !view.objects(node.as_ref().into(), &format!("{SKOS}prefLabel"))?.is_empty();
    if members.is_empty() && !described {
        return Ok(None);
    }
    let mut graph = Graph::new();
    let header = if described {
        view.describe(node.as_ref().into(), &mut graph)?;
        Some(description(&view, &node)?)
    } else {
        None
    };
    let mut terms = Vec::new();
    for member in &members {
        view.describe(member.as_ref().into(), &mut graph)?;
        terms.push(description(&view, member)?);
    }
    terms.sort_by(|a, b| local_name(&a.iri).cmp(local_name(&b.iri)));
    let title = match &header {
        Some(h) => h.labels.first().map(|(t, _)| t.clone()).unwrap_or_else(|| iri.clone()),
        None => iri.clone(),
    };
    let kind = if members.is_empty() { PageKind::Resource } else { PageKind::Namespace };
    Ok(Some(Page { iri, kind, title, header, terms, sets: Vec::new(), graph }))
}

/// What the page says about one term.
fn description(view: &View<'_>, node: &NamedNode) -> Result<Description, StoreError> {
    let subject: NamedOrBlankNodeRef<'_> = node.as_ref().into();
    let mut d = Description { iri: node.as_str().to_owned(), ..Default::default() };
    d.labels = view.text(subject, &format!("{SKOS}prefLabel"))?;
    d.labels.extend(view.text(subject, rdfs::LABEL.as_str())?);
    dedup(&mut d.labels);
    d.alt_labels = view.text(subject, &format!("{SKOS}altLabel"))?;
    d.definitions = view.text(subject, &format!("{SKOS}definition"))?;
    for predicate in [rdfs::COMMENT.as_str().to_owned(), format!("{GG}summary")] {
        d.definitions.extend(view.text(subject, &predicate)?);
    }
    dedup(&mut d.definitions);
    let shown: BTreeSet<String> = [
        format!("{SKOS}prefLabel"),
        rdfs::LABEL.as_str().to_owned(),
        format!("{SKOS}altLabel"),
        format!("{SKOS}definition"),
        rdfs::COMMENT.as_str().to_owned(),
        format!("{GG}summary"),
        rdf::TYPE.as_str().to_owned(),
        rdfs::SUB_CLASS_OF.as_str().to_owned(),
        rdfs::SUB_PROPERTY_OF.as_str().to_owned(),
        format!("{SKOS}broader"),
        format!("{GG}derivedFromProvision"),
        format!("{GG}definedByProvision"),
        format!("{GG}confidence"),
    ]
    .into_iter()
    .collect();
    let links = |predicate: &str| -> Result<Vec<Link>, StoreError> {
        view.objects(subject, predicate)?
            .into_iter()
            .filter_map(|o| match o {
                Term::NamedNode(n) => Some(view.link(n.as_str())),
                _ => None,
            })
            .collect()
    };
    d.types = links(rdf::TYPE.as_str())?;
    for predicate in [rdfs::SUB_CLASS_OF.as_str(), rdfs::SUB_PROPERTY_OF.as_str(), &format!("{SKOS}broader")] {
        d.broader.extend(links(predicate)?);
    }
    d.confidence = links(&format!("{GG}confidence"))?.into_iter().next();
    for predicate in [format!("{GG}derivedFromProvision"), format!("{GG}definedByProvision")] {
        for provision in links(&predicate)? {
            let p = NamedNode::new_unchecked(&provision.iri);
            d.provisions.push(Provision {
                citation: view.literal_of(&p, &format!("{GG}citation"))?,
                applies_from: view.literal_of(&p, &format!("{ELI}date_applicability"))?,
                confidence: view
                    .objects(p.as_ref().into(), &format!("{GG}confidence"))?
                    .first()
                    .map(|c| local_name(c.to_string().trim_matches(['<', '>'])).to_owned()),
                link: provision,
            });
        }
    }
    let mut other = Vec::new();
    for quad in view.store.oxigraph().quads_for_pattern(Some(subject), None, None, None) {
        let quad = quad.map_err(StoreError::from)?;
        if !view.is_public(&quad.graph_name) || shown.contains(quad.predicate.as_str()) {
            continue;
        }
        let value = match &quad.object {
            Term::NamedNode(n) => Value::Link(view.link(n.as_str())?),
            Term::BlankNode(b) => Value::Blank(b.as_str().to_owned()),
            Term::Literal(l) => Value::Literal {
                text: l.value().to_owned(),
                language: l.language().map(str::to_owned),
                datatype: (l.language().is_none() && l.datatype() != xsd::STRING)
                    .then(|| local_name(l.datatype().as_str()).to_owned()),
            },
            #[allow(unreachable_patterns)]
            _ => continue,
        };
        let predicate = view.link(quad.predicate.as_str())?;
        if !other.iter().any(|(p, v): &(Link, Value)| p == &predicate && format!("{v:?}") == format!("{value:?}")) {
            other.push((predicate, value));
        }
    }
    other.sort_by(|a, b| a.0.label.cmp(&b.0.label));
    d.other = other;
    // Who points here: parts (eli:is_part_of), derived duties, definitions.
    let mut incoming = Vec::new();
    for (predicate, subject) in view.subjects(None, node.as_ref().into())? {
        let NamedOrBlankNode::NamedNode(subject) = subject else { continue };
        if subject.as_str().starts_with(GGM) || predicate.as_str().starts_with(OWL) {
            continue; // crosswalk rows are listed below, with their relation
        }
        incoming.push((view.link(predicate.as_str())?, view.link(subject.as_str())?));
    }
    incoming.sort();
    d.incoming = incoming;
    for (end, rows) in [("annotatedSource", &mut d.rows_out), ("annotatedTarget", &mut d.rows_in)] {
        for (_, row) in view.subjects(Some(&format!("{OWL}{end}")), node.as_ref().into())? {
            if let NamedOrBlankNode::NamedNode(row) = row {
                rows.push(crosswalk_row(view, &row)?);
            }
        }
        rows.sort_by(|a, b| a.id.cmp(&b.id));
    }
    Ok(d)
}

fn crosswalk_row(view: &View<'_>, row: &NamedNode) -> Result<Row, StoreError> {
    let subject: NamedOrBlankNodeRef<'_> = row.as_ref().into();
    let first_iri = |predicate: &str| -> Result<String, StoreError> {
        Ok(view
            .objects(subject, predicate)?
            .into_iter()
            .find_map(|o| match o {
                Term::NamedNode(n) => Some(n.into_string()),
                _ => None,
            })
            .unwrap_or_default())
    };
    let relation = first_iri(&format!("{OWL}annotatedProperty"))?;
    let id = local_name(row.as_str()).to_owned();
    Ok(Row {
        set: id.rsplit_once('-').map_or(id.clone(), |(set, _)| set.to_owned()),
        subject: view.link(&first_iri(&format!("{OWL}annotatedSource"))?)?,
        object: view.link(&first_iri(&format!("{OWL}annotatedTarget"))?)?,
        relation: local_name(&relation).to_owned(),
        confidence: view.literal_of(row, &format!("{SSSOM}confidence"))?,
        review_status: view.literal_of(row, &format!("{GGM}reviewStatus"))?,
        comment: view.literal_of(row, rdfs::COMMENT.as_str())?,
        id,
    })
}

/// The mapping sets the public graphs hold: (set, graph).
fn mapping_sets(view: &View<'_>) -> Vec<(String, NamedNode)> {
    view.public
        .iter()
        .filter_map(|g| {
            let rest = g.as_str().strip_prefix(GRAPH_MAPPINGS)?;
            Some((rest.split('/').next()?.to_owned(), g.clone()))
        })
        .collect()
}

fn mapping_set(view: &View<'_>, set: &str) -> Result<Option<Page>, StoreError> {
    let Some((_, graph)) = mapping_sets(view).into_iter().find(|(s, _)| s == set) else { return Ok(None) };
    let mut rows = Vec::new();
    let mut triples = Graph::new();
    for quad in view.store.oxigraph().quads_for_pattern(None, None, None, Some(graph.as_ref().into())) {
        let quad = quad.map_err(StoreError::from)?;
        if quad.predicate.as_str() == format!("{OWL}annotatedSource")
            && let NamedOrBlankNode::NamedNode(row) = &quad.subject
        {
            rows.push(crosswalk_row(view, row)?);
        }
        triples.insert(&Triple::new(quad.subject, quad.predicate, quad.object));
    }
    rows.sort_by_key(|row| natural_key(&row.id));
    let mut term = Description { iri: format!("{ROOT}/mappings/{set}"), ..Default::default() };
    term.rows_out = rows;
    Ok(Some(Page {
        iri: format!("{ROOT}/mappings/{set}"),
        kind: PageKind::MappingSet { set: set.to_owned(), graph },
        title: format!("Crosswalk {set}"),
        header: None,
        terms: vec![term],
        sets: Vec::new(),
        graph: triples,
    }))
}

fn mapping_index(view: &View<'_>) -> Page {
    let mut sets = mapping_sets(view);
    sets.sort();
    Page {
        iri: format!("{ROOT}/mapping"),
        kind: PageKind::MappingIndex,
        title: "Crosswalk mapping sets".to_owned(),
        header: None,
        terms: Vec::new(),
        sets,
        graph: Graph::new(),
    }
}

/// Orders `set-9` before `set-10`.
fn natural_key(id: &str) -> (String, u64) {
    match id.rsplit_once('-') {
        Some((head, n)) => (head.to_owned(), n.parse().unwrap_or(u64::MAX)),
        None => (id.to_owned(), 0),
    }
}

/// Drops repeated texts and puts English first, then untagged, then Chinese.
fn dedup(texts: &mut Vec<(String, String)>) {
    let mut seen = BTreeSet::new();
    texts.retain(|t| seen.insert(t.clone()));
    texts.sort_by_key(|(_, lang)| language_rank(lang));
}

fn language_rank(language: &str) -> u8 {
    match language {
        "en" => 0,
        "" => 1,
        l if l.starts_with("zh") => 2,
        _ => 3,
    }
}

/// The part of an IRI after its last `#` or `/`.
pub fn local_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

/// The server path an IRI of ours is published at (`None` for other IRIs).
pub fn local_path(iri: &str) -> Option<&str> {
    iri.strip_prefix(ROOT).filter(|p| p.starts_with('/'))
}

/// Public statements grouped for display: used by the HTML renderer to show a
/// namespace's terms by kind.
pub fn group_by_type(terms: &[Description]) -> BTreeMap<String, Vec<&Description>> {
    let mut groups: BTreeMap<String, Vec<&Description>> = BTreeMap::new();
    for term in terms {
        let kind = term.types.first().map(|t| t.label.clone()).unwrap_or_else(|| "Other".to_owned());
        groups.entry(kind).or_default().push(term);
    }
    groups
}
