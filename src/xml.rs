//! XML documents, read safely with quick-xml into a small tree, and the XPath subset the
//! RML mappings and the structure checks use.
//!
//! Safety: a document type declaration is refused (no DTD, so no entity expansion, no
//! external entities), only the five predefined entities and character references are
//! decoded, and nesting is capped. Errors name the line.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct XmlError {
    pub line: usize,
    pub message: String,
}

/// An element of a parsed document.
#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    pub namespace: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<usize>,
    /// The element's own text (its text children, concatenated and trimmed).
    pub text: String,
    pub parent: Option<usize>,
    /// 1-based position among the parent's children of the same name, for XPath locations.
    pub position: usize,
    pub line: usize,
}

/// A parsed document: elements in document order, the root first.
#[derive(Debug, Clone)]
pub struct Document {
    pub elements: Vec<Element>,
}

impl Document {
    pub fn parse(text: &str) -> Result<Self, XmlError> {
        let line_of = |offset: u64| {
            text.as_bytes()[..(offset as usize).min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
        };
        let mut reader = NsReader::from_str(text);
        reader.config_mut().expand_empty_elements = true;
        let mut elements: Vec<Element> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        loop {
            let offset = reader.buffer_position();
            let event =
                reader.read_resolved_event().map_err(|e| XmlError { line: line_of(offset), message: e.to_string() })?;
            match event {
                (resolved, Event::Start(start)) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(XmlError {
                            line: line_of(offset),
                            message: format!("elements nest deeper than {MAX_DEPTH}"),
                        });
                    }
                    if stack.is_empty() && !elements.is_empty() {
                        return Err(XmlError {
                            line: line_of(offset),
                            message: "more than one root element".to_owned(),
                        });
                    }
                    let name = start.local_name().as_ref().to_owned();
                    let namespace = match resolved {
                        ResolveResult::Bound(ns) => Some(ns.as_ref().to_owned()),
                        ResolveResult::Unbound => None,
                        ResolveResult::Unknown(prefix) => {
                            return Err(XmlError {
                                line: line_of(offset),
                                message: format!("undeclared namespace prefix `{prefix}`"),
                            });
                        }
                    };
                    let mut attributes = Vec::new();
                    for attribute in start.attributes() {
                        let attribute =
                            attribute.map_err(|e| XmlError { line: line_of(offset), message: e.to_string() })?;
                        let key = attribute.key.local_name();
                        if attribute.key.as_ref().starts_with("xmlns") {
                            continue;
                        }
                        let value = attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| XmlError { line: line_of(offset), message: e.to_string() })?
                            .into_owned();
                        attributes.push((key.as_ref().to_owned(), value));
                    }
                    let parent = stack.last().copied();
                    let position = parent
                        .map_or(1, |p| elements[p].children.iter().filter(|c| elements[**c].name == name).count() + 1);
                    let index = elements.len();
                    elements.push(Element {
                        name,
                        namespace,
                        attributes,
                        children: Vec::new(),
                        text: String::new(),
                        parent,
                        position,
                        line: line_of(offset),
                    });
                    if let Some(parent) = parent {
                        elements[parent].children.push(index);
                    }
                    stack.push(index);
                }
                (_, Event::End(_)) => {
                    if let Some(index) = stack.pop() {
                        let trimmed = elements[index].text.trim().to_owned();
                        elements[index].text = trimmed;
                    }
                }
                (_, Event::Text(t)) => {
                    let text = t.xml10_content();
                    if let Some(index) = stack.last() {
                        elements[*index].text.push_str(&text);
                    } else if !text.trim().is_empty() {
                        return Err(XmlError {
                            line: line_of(offset),
                            message: "text outside the root element".to_owned(),
                        });
                    }
                }
                (_, Event::GeneralRef(reference)) => {
                    let name = reference.into_inner().into_owned();
                    let resolved = match name.as_str() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => character_reference(&name).ok_or_else(|| XmlError {
                            line: line_of(offset),
                            message: format!(
                                "entity `&{name};` is not accepted (only the predefined entities and character references)"
                            ),
                        })?,
                    };
                    if let Some(index) = stack.last() {
                        elements[*index].text.push(resolved);
                    }
                }
                (_, Event::CData(data)) => {
                    if let Some(index) = stack.last() {
                        elements[*index].text.push_str(&data.into_inner());
                    }
                }
                (_, Event::DocType(_)) => {
                    return Err(XmlError {
                        line: line_of(offset),
                        message: "document type declarations (DTDs) are not accepted: they allow entity expansion"
                            .to_owned(),
                    });
                }
                (_, Event::Eof) => break,
                _ => {}
            }
        }
        if !stack.is_empty() {
            return Err(XmlError {
                line: text.lines().count(),
                message: "the document ends inside an element".to_owned(),
            });
        }
        if elements.is_empty() {
            return Err(XmlError { line: 1, message: "no root element".to_owned() });
        }
        Ok(Self { elements })
    }

    pub fn root(&self) -> &Element {
        &self.elements[0]
    }

    /// The XPath location of an element: `/Root[1]/Child[2]`.
    pub fn location(&self, index: usize) -> String {
        let mut steps = Vec::new();
        let mut current = Some(index);
        while let Some(i) = current {
            let element = &self.elements[i];
            steps.push(format!("{}[{}]", element.name, element.position));
            current = element.parent;
        }
        steps.reverse();
        format!("/{}", steps.join("/"))
    }

    /// The XPath string value of an element: all its descendant text, in order.
    pub fn string_value(&self, index: usize) -> String {
        let element = &self.elements[index];
        if element.children.is_empty() {
            return element.text.clone();
        }
        let mut out = element.text.clone();
        for child in &element.children {
            out.push_str(&self.string_value(*child));
        }
        out
    }

    fn descendants(&self, index: usize, out: &mut Vec<usize>) {
        for child in &self.elements[index].children {
            out.push(*child);
            self.descendants(*child, out);
        }
    }
}

/// `#65` or `#x41` to the character it names.
fn character_reference(name: &str) -> Option<char> {
    let code = name
        .strip_prefix("#x")
        .map(|hex| u32::from_str_radix(hex, 16))
        .or_else(|| name.strip_prefix('#').map(str::parse))?;
    char::from_u32(code.ok()?)
}

/// An XPath expression of the supported subset: steps of element names (`*` for any),
/// `//` for descendants, `.`, `..`, and a final `@attribute` or `text()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPath {
    absolute: bool,
    steps: Vec<Step>,
    last: Last,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Child(String),
    Descendant(String),
    SelfNode,
    Parent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Last {
    Element,
    Attribute(String),
    Text,
}

/// What an XPath selects: an element or an attribute of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    Element(usize),
    Attribute(usize, String),
    Text(usize),
}

impl XPath {
    pub fn parse(expression: &str) -> Result<Self, String> {
        let expression = expression.trim();
        if expression.is_empty() {
            return Err("empty XPath".to_owned());
        }
        let absolute = expression.starts_with('/');
        let mut steps = Vec::new();
        let mut last = Last::Element;
        let mut rest = expression;
        let mut descendant = false;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("//") {
                descendant = true;
                rest = r;
                continue;
            }
            if let Some(r) = rest.strip_prefix('/') {
                rest = r;
                continue;
            }
            let end = rest.find('/').unwrap_or(rest.len());
            let step = &rest[..end];
            rest = &rest[end..];
            if last != Last::Element {
                return Err(format!("`{expression}`: nothing may follow an attribute or text() step"));
            }
            match step {
                "." => steps.push(Step::SelfNode),
                ".." => steps.push(Step::Parent),
                "text()" => last = Last::Text,
                _ if step.starts_with('@') => last = Last::Attribute(step[1..].to_owned()),
                _ if step == "*" || step.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')) => {
                    let name = step.rsplit(':').next().unwrap_or(step).to_owned();
                    steps.push(if descendant { Step::Descendant(name) } else { Step::Child(name) });
                }
                _ => return Err(format!("`{expression}`: step `{step}` is outside the supported XPath subset")),
            }
            descendant = false;
        }
        Ok(Self { absolute, steps, last })
    }

    /// Evaluates from `context` (ignored for absolute paths).
    pub fn select(&self, document: &Document, context: usize) -> Vec<Selected> {
        let mut current: Vec<usize> = if self.absolute { Vec::new() } else { vec![context] };
        let mut first = self.absolute;
        for step in &self.steps {
            let mut next = Vec::new();
            if first {
                // The first step of an absolute path tests the root itself.
                match step {
                    Step::Child(name) if name == "*" || *name == document.root().name => next.push(0),
                    Step::Descendant(name) => {
                        let mut all = vec![0];
                        document.descendants(0, &mut all);
                        next.extend(all.into_iter().filter(|i| name == "*" || document.elements[*i].name == *name));
                    }
                    _ => {}
                }
                first = false;
                current = next;
                continue;
            }
            for index in current {
                match step {
                    Step::SelfNode => next.push(index),
                    Step::Parent => next.extend(document.elements[index].parent),
                    Step::Child(name) => next.extend(
                        document.elements[index]
                            .children
                            .iter()
                            .copied()
                            .filter(|c| name == "*" || document.elements[*c].name == *name),
                    ),
                    Step::Descendant(name) => {
                        let mut all = Vec::new();
                        document.descendants(index, &mut all);
                        next.extend(all.into_iter().filter(|i| name == "*" || document.elements[*i].name == *name));
                    }
                }
            }
            current = next;
        }
        current
            .into_iter()
            .filter_map(|index| match &self.last {
                Last::Element => Some(Selected::Element(index)),
                Last::Text => Some(Selected::Text(index)),
                Last::Attribute(name) => document.elements[index]
                    .attributes
                    .iter()
                    .any(|(n, _)| n == name)
                    .then(|| Selected::Attribute(index, name.clone())),
            })
            .collect()
    }
}

impl Selected {
    /// The selected value as a string and its XPath location.
    pub fn value(&self, document: &Document) -> (String, String) {
        match self {
            Selected::Element(i) => (document.string_value(*i), document.location(*i)),
            Selected::Text(i) => (document.elements[*i].text.clone(), format!("{}/text()", document.location(*i))),
            Selected::Attribute(i, name) => {
                let value = document.elements[*i]
                    .attributes
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                (value, format!("{}/@{name}", document.location(*i)))
            }
        }
    }

    pub fn element(&self) -> usize {
        match self {
            Selected::Element(i) | Selected::Text(i) | Selected::Attribute(i, _) => *i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<f:Filing xmlns:f="urn:x"><Filer><Name>A &amp; B</Name></Filer>
  <Controls><Control id="A.2.2"><Applicable>true</Applicable></Control><Control id="A.6.2.7"/></Controls></f:Filing>"#;

    #[test]
    fn paths_select_elements_attributes_and_text() {
        let doc = Document::parse(DOC).unwrap();
        assert_eq!(doc.root().name, "Filing");
        assert_eq!(doc.root().namespace.as_deref(), Some("urn:x"));
        let controls = XPath::parse("/Filing/Controls/Control").unwrap().select(&doc, 0);
        assert_eq!(controls.len(), 2);
        let id = XPath::parse("@id").unwrap().select(&doc, controls[1].element());
        assert_eq!(id[0].value(&doc), ("A.6.2.7".to_owned(), "/Filing[1]/Controls[1]/Control[2]/@id".to_owned()));
        let name = XPath::parse("Filer/Name").unwrap().select(&doc, 0);
        assert_eq!(name[0].value(&doc).0, "A & B");
        assert_eq!(XPath::parse("//Applicable").unwrap().select(&doc, 0).len(), 1);
        assert!(XPath::parse("a[1]").is_err());
    }

    #[test]
    fn hostile_documents_are_refused_with_their_line() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<a>&lol2;</a>";
        let error = Document::parse(bomb).unwrap_err();
        assert_eq!(error.line, 2, "{error}");
        assert!(error.message.contains("DTD"), "{error}");
        let deep = format!("{}{}", "<a>".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
        assert!(Document::parse(&deep).unwrap_err().message.contains("deeper"));
        assert!(Document::parse("<a><b></a>").is_err());
        assert!(Document::parse("<a>&custom;</a>").unwrap_err().message.contains("entity"));
    }
}
