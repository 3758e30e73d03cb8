//! HTML for people: one page per dereferenced IRI, with labels in English and Chinese,
//! definitions, superclasses, provisions with citations and dates, and crosswalk rows in
//! both directions with relation and confidence. maud escapes every value.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{Description, Link, Page, PageKind, Row, Value, group_by_type, local_name, local_path};

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:0 auto;padding:0 1rem;color:#1b1b1b}\
header{display:flex;gap:1rem;align-items:baseline;border-bottom:1px solid #ddd;padding:.5rem 0}\
header a{color:#1a4d8f}h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #eee}\
h3{font-size:1.05rem;margin-bottom:.25rem}section.term{border-top:1px solid #eee;padding:.5rem 0}\
.iri{font-family:ui-monospace,monospace;font-size:.85rem;color:#555;word-break:break-all}\
.lang{font-size:.75rem;color:#777;margin-left:.25rem}table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{border:1px solid #e2e2e2;padding:.25rem .4rem;text-align:left;vertical-align:top}th{background:#f6f6f6}\
.conf-Unconfirmed{color:#a00}.conf-SecondarySource{color:#8a5a00}dl{display:grid;grid-template-columns:12rem 1fr;gap:.2rem .8rem}\
dt{color:#555}dd{margin:0}nav.toc{columns:3 16rem;font-size:.9rem}";

/// The whole HTML document for a page.
pub fn render(page: &Page) -> String {
    let body = match &page.kind {
        PageKind::MappingIndex => mapping_index(page),
        PageKind::MappingSet { set, graph } => mapping_set(page, set, graph.as_str()),
        PageKind::Namespace | PageKind::Resource => document(page),
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (page.title) " · govgate" }
                link rel="alternate" type="text/turtle" href=(local_path(&page.iri).unwrap_or("/"));
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { a href="/" { "govgate" } }
                    a href="/core" { "Hub ontology" }
                    a href="/mapping" { "Crosswalks" }
                    a href="/download" { "Downloads" }
                    a href="/sparql" { "SPARQL" }
                }
                main { (body) }
            }
        }
    }
    .into_string()
}

fn document(page: &Page) -> Markup {
    let groups = group_by_type(&page.terms);
    html! {
        h1 { (page.title) }
        p.iri { (page.iri) }
        p { "Also as " a href=(format!("{}?format=ttl", local_path(&page.iri).unwrap_or("/"))) { "Turtle" } ", "
            a href=(format!("{}?format=jsonld", local_path(&page.iri).unwrap_or("/"))) { "JSON-LD" } ", "
            a href=(format!("{}?format=rdf", local_path(&page.iri).unwrap_or("/"))) { "RDF/XML" } ", "
            a href=(format!("{}?format=nt", local_path(&page.iri).unwrap_or("/"))) { "N-Triples" }
            " (or ask with an Accept header)." }
        @if let Some(header) = &page.header { (term(header, false)) }
        @if !page.terms.is_empty() {
            h2 { "Contents (" (page.terms.len()) " terms)" }
            nav.toc { @for (kind, terms) in &groups {
                h3 { (kind) } ul { @for t in terms { li { a href=(format!("#{}", local_name(&t.iri))) { (first_label(t)) } } } }
            } }
            @for (kind, terms) in &groups {
                h2 { (kind) }
                @for t in terms { (term(t, true)) }
            }
        }
    }
}

fn first_label(d: &Description) -> &str {
    d.labels.first().map_or_else(|| local_name(&d.iri), |(t, _)| t.as_str())
}

fn term(d: &Description, anchored: bool) -> Markup {
    let anchor = if anchored { Some(local_name(&d.iri)) } else { None };
    html! {
        section.term id=[anchor] {
            @if anchored { h3 { (first_label(d)) } }
            p.iri { (d.iri) }
            @for (text, lang) in &d.labels { div { strong { (text) } (lang_tag(lang)) } }
            @for (text, lang) in &d.alt_labels { div { "also: " (text) (lang_tag(lang)) } }
            @for (text, lang) in &d.definitions { p { (text) (lang_tag(lang)) } }
            dl {
                @if !d.types.is_empty() { dt { "Type" } dd { (links(&d.types)) } }
                @if !d.broader.is_empty() { dt { "Broader / superclass" } dd { (links(&d.broader)) } }
                @if let Some(c) = &d.confidence { dt { "Confidence" } dd class=(format!("conf-{}", local_name(&c.iri))) { (c.label) } }
                @for (predicate, value) in &d.other { dt { (link(predicate)) } dd { (value_html(value)) } }
            }
            @if !d.provisions.is_empty() {
                h4 { "Provisions" }
                table { tr { th { "Provision" } th { "Citation" } th { "Applies from" } th { "Confidence" } }
                    @for p in &d.provisions { tr {
                        td { (link(&p.link)) }
                        td { (p.citation.as_deref().unwrap_or("")) }
                        td { (p.applies_from.as_deref().unwrap_or("")) }
                        td class=(format!("conf-{}", p.confidence.as_deref().unwrap_or(""))) { (p.confidence.as_deref().unwrap_or("")) }
                    } }
                }
            }
            @if !d.incoming.is_empty() {
                h4 { "Referred to by" }
                ul { @for (predicate, subject) in &d.incoming { li { (link(subject)) " " span.lang { (predicate.label) } } } }
            }
            @if !d.rows_out.is_empty() { h4 { "Crosswalk rows from this term" } (rows(&d.rows_out)) }
            @if !d.rows_in.is_empty() { h4 { "Crosswalk rows to this term" } (rows(&d.rows_in)) }
        }
    }
}

fn rows(rows: &[Row]) -> Markup {
    html! {
        table {
            tr { th { "Row" } th { "Subject" } th { "Relation" } th { "Object" } th { "Confidence" } th { "Review" } th { "Note" } }
            @for r in rows { tr id=(r.id) {
                td { a href=(format!("/mappings/{}#{}", r.set, r.id)) { (r.id) } }
                td { (link(&r.subject)) }
                td { (r.relation) }
                td { (link(&r.object)) }
                td { (r.confidence.as_deref().unwrap_or("")) }
                td { (r.review_status.as_deref().unwrap_or("")) }
                td { (r.comment.as_deref().unwrap_or("")) }
            } }
        }
    }
}

fn mapping_set(page: &Page, set: &str, graph: &str) -> Markup {
    let rows_of_set = page.terms.first().map(|t| t.rows_out.as_slice()).unwrap_or_default();
    html! {
        h1 { (page.title) }
        p { "Graph " span.iri { (graph) } ", " (rows_of_set.len()) " rows. Download as "
            a href=(format!("/download/mappings/{set}.sssom.tsv")) { "SSSOM TSV" } ", "
            a href=(format!("/download/mappings/{set}.ttl")) { "Turtle" } ", "
            a href=(format!("/download/mappings/{set}.jsonld")) { "JSON-LD" } "." }
        (rows(rows_of_set))
    }
}

fn mapping_index(page: &Page) -> Markup {
    // A row IRI (`/mapping#<set>-<n>`) reaches the browser without its fragment's meaning:
    // send it on to the row in its set's page.
    let redirect =
        "var h=location.hash.slice(1),m=h.match(/^(.*)-[0-9]+$/);if(m){location.replace('/mappings/'+m[1]+'#'+h);}";
    html! {
        script { (PreEscaped(redirect)) }
        h1 { (page.title) }
        p { "Each crosswalk relates the terms of two modules (or a module and the hub) in SSSOM, with a relation, a confidence and a review status." }
        ul { @for (set, graph) in &page.sets { li { a href=(format!("/mappings/{set}")) { (set) } " " span.iri { (graph.as_str()) } } } }
    }
}

fn links(items: &[Link]) -> Markup {
    html! { @for (i, l) in items.iter().enumerate() { @if i > 0 { ", " } (link(l)) } }
}

fn link(l: &Link) -> Markup {
    let href = local_path(&l.iri).map_or_else(|| l.iri.clone(), str::to_owned);
    html! { a href=(href) title=(l.iri) { (l.label) } }
}

fn value_html(value: &Value) -> Markup {
    match value {
        Value::Link(l) => link(l),
        Value::Literal { text, language, datatype } => html! {
            (text)
            @if let Some(l) = language { (lang_tag(l)) }
            @if let Some(d) = datatype { span.lang { (d) } }
        },
        Value::Blank(_) => html! { span.lang { "(a nested description; see the RDF)" } },
    }
}

fn lang_tag(lang: &str) -> Markup {
    html! { @if !lang.is_empty() { span.lang { (lang) } } }
}
